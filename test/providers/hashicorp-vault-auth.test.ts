/**
 * How the hashicorp-vault provider gets and keeps its token, against the fake Vault on a clock
 * the test moves: AppRole login on first use (never when opened), renew-self once two thirds of
 * the lease have passed, a new login when the role's max TTL stops renewals or the token is
 * revoked, a plain token renewed the same way (and by a timer while the process is idle), the
 * token file of `vault login` and its re-reading, and the namespace header on every call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVaultProvider } from '../../src/providers/hashicorp-vault.js';
import { startFakeVault } from './_fake-vault.js';
import { rejectsWith, withVault } from './_vault-setup.js';

const HOUR = 3600;
const start = Date.parse('2030-01-01T00:00:00Z');
const count = (requests: readonly { path: string }[], path: string) => requests.filter((r) => r.path === path).length;

test('AppRole: logs in on first use, renews at two thirds of the lease, logs in again once the max TTL stops renewals', async () => {
  let clock = start;
  const fake = await startFakeVault({ now: () => clock });
  fake.mount('secret', 2);
  fake.addAppRole('role-app', 'secret-id-7f3e', { ttl: HOUR, renewable: true, maxTtl: 2 * HOUR, policy: { 'secret/*': ['read', 'create', 'update', 'list'] } });
  await fetch(`${fake.url}/v1/secret/data/JWT_SECRET`, { method: 'POST', headers: { 'x-vault-token': fake.rootToken }, body: JSON.stringify({ data: { value: 'approle-read-value' } }) });
  fake.requests.length = 0;
  const provider = createVaultProvider({ address: fake.url, now: () => clock }, { env: { VAULT_ROLE_ID: 'role-app', VAULT_SECRET_ID: 'secret-id-7f3e' } });
  try {
    assert.equal(fake.requests.length, 0, 'opening sends nothing');
    assert.equal((await provider.get('JWT_SECRET')).value, 'approle-read-value');
    assert.equal(fake.issued.length, 1);
    clock += 0.5 * HOUR * 1000;
    await provider.get('JWT_SECRET');
    assert.equal(count(fake.requests, 'auth/token/renew-self'), 0, 'too early to renew');
    clock += 0.2 * HOUR * 1000;
    await provider.get('JWT_SECRET');
    assert.equal(count(fake.requests, 'auth/token/renew-self'), 1, 'renewed past two thirds of the lease');
    assert.equal(fake.issued.length, 1, 'the same token, renewed');
    // Step through the role's max TTL: renewals stop extending the token, so it logs in again.
    for (let i = 0; i < 8; i++) {
      clock += 0.25 * HOUR * 1000;
      assert.equal((await provider.get('JWT_SECRET')).value, 'approle-read-value');
    }
    assert.ok(fake.issued.length >= 2, 'logged in again');
    assert.ok(fake.requests.every((r) => r.path.startsWith('auth/approle/login') || r.hadToken));
  } finally {
    await provider.close();
    await fake.close();
  }
});

test('AppRole: a revoked token is replaced by a new login and the call repeated; a wrong secret id is access denied without showing it', () => withVault({}, async ({ fake, open }) => {
  fake.addAppRole('role-ci', 'right-secret-id-1', { mount: 'ci-approle', ttl: HOUR, renewable: true });
  const dir = await mkdtemp(join(tmpdir(), 'coffer-vault-'));
  try {
    await writeFile(join(dir, 'secret-id'), 'right-secret-id-1\n');
    const provider = open({ approle: { roleId: 'role-ci', secretIdFile: join(dir, 'secret-id'), mount: 'ci-approle' } }, {});
    await provider.set('API_KEY', 'after-relogin-value');
    fake.revoke(fake.issued[0] as string);
    assert.equal((await provider.get('API_KEY')).value, 'after-relogin-value');
    assert.equal(fake.issued.length, 2);
    const wrong = open({ approle: { roleId: 'role-ci', secretId: 'wrong-secret-id-2', mount: 'ci-approle' } }, {});
    await rejectsWith(wrong.get('API_KEY'), 'COFFER_E_ACCESS_DENIED', ['AppRole login', 'secret id'], ['wrong-secret-id-2', 'role-ci-secret']);
    await rejectsWith(open({ auth: 'approle' }, {}).get('API_KEY'), 'COFFER_E_CONFIG_INVALID', ['role id', 'VAULT_ROLE_ID']);
    await rejectsWith(open({ approle: { roleId: 'role-ci', secretIdFile: join(dir, 'absent') } }, {}).get('API_KEY'), 'COFFER_E_FILE_UNREADABLE', ['secret id file']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}));

test('a plain token: renewed when renewable, left alone when not, and an expired one is access denied naming VAULT_TOKEN', async () => {
  let clock = start;
  const fake = await startFakeVault({ now: () => clock });
  fake.mount('secret', 2);
  fake.addToken('hvs.renewable-token-1', { ttl: HOUR, renewable: true });
  fake.addToken('hvs.fixed-token-2', { ttl: HOUR, renewable: false });
  const renewable = createVaultProvider({ address: fake.url, now: () => clock }, { env: { VAULT_TOKEN: 'hvs.renewable-token-1' } });
  const fixed = createVaultProvider({ address: fake.url, now: () => clock }, { env: { VAULT_TOKEN: 'hvs.fixed-token-2' } });
  try {
    await renewable.set('A', 'plain-token-value');
    await fixed.get('A');
    for (let i = 0; i < 4; i++) {
      clock += 0.4 * HOUR * 1000;
      assert.equal((await renewable.get('A')).value, 'plain-token-value');
    }
    assert.ok(count(fake.requests, 'auth/token/renew-self') >= 2, 'renewed along the way');
    await rejectsWith(fixed.get('A'), 'COFFER_E_ACCESS_DENIED', ['invalid or has expired', 'VAULT_TOKEN', 'vault login'], ['hvs.fixed-token-2', 'plain-token-value']);
  } finally {
    await Promise.all([renewable.close(), fixed.close()]);
    await fake.close();
  }
});

test('an idle process keeps its token: a timer renews it without any call', async () => {
  const fake = await startFakeVault();
  fake.mount('secret', 2);
  fake.addToken('hvs.short-lived', { ttl: 3, renewable: true });
  const provider = createVaultProvider({ address: fake.url }, { env: { VAULT_TOKEN: 'hvs.short-lived' } });
  try {
    await provider.list();
    const deadline = Date.now() + 15_000;
    while (count(fake.requests, 'auth/token/renew-self') === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(count(fake.requests, 'auth/token/renew-self') >= 1, 'renewed while idle');
  } finally {
    await provider.close();
    await fake.close();
  }
});

test('the token file of `vault login` is used when VAULT_TOKEN is not set, and read again when Vault refuses the old token', () => withVault({}, async ({ fake, open }) => {
  const home = await mkdtemp(join(tmpdir(), 'coffer-vault-home-'));
  try {
    fake.addToken('hvs.from-file-1');
    await rejectsWith(open({}, { HOME: home }).get('X'), 'COFFER_E_ACCESS_DENIED', ['No Vault token', 'VAULT_TOKEN', 'vault login']);
    assert.equal(fake.requests.filter((r) => r.path.startsWith('secret/')).length, 0, 'nothing sent without a token');
    await writeFile(join(home, '.vault-token'), 'hvs.from-file-1\n');
    const provider = open({}, { HOME: home });
    await provider.set('X', 'token-file-value');
    fake.revoke('hvs.from-file-1');
    fake.addToken('hvs.from-file-2');
    await writeFile(join(home, '.vault-token'), 'hvs.from-file-2');
    assert.equal((await provider.get('X')).value, 'token-file-value');
    fake.revoke('hvs.from-file-2');
    await rejectsWith(provider.get('X'), 'COFFER_E_ACCESS_DENIED', ['the token file', 'invalid or has expired'], ['hvs.from-file-2', 'token-file-value']);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}));

test('every call, the login included, carries the namespace (VAULT_NAMESPACE or the option), which keeps its own mounts', () => withVault({}, async ({ fake, open }) => {
  fake.mount('secret', 2, 'team-a');
  fake.addAppRole('role-ns', 'sid-ns', { ttl: HOUR, renewable: true });
  const scoped = open({}, { VAULT_NAMESPACE: 'team-a', VAULT_ROLE_ID: 'role-ns', VAULT_SECRET_ID: 'sid-ns' });
  const before = fake.requests.length;
  await scoped.set('SCOPED', 'namespaced-value');
  assert.equal((await scoped.get('SCOPED')).value, 'namespaced-value');
  const sent = fake.requests.slice(before);
  assert.ok(sent.some((r) => r.path === 'auth/approle/login'));
  assert.deepEqual([...new Set(sent.map((r) => r.namespace))], ['team-a']);
  assert.match(scoped.location, /namespace team-a/);
  await rejectsWith(open().get('SCOPED'), 'COFFER_E_NOT_FOUND', [], ['namespaced-value']);
  assert.equal((await open({ namespace: 'team-a' }).get('SCOPED')).value, 'namespaced-value');
  const quiet = open({ renew: false });
  const mark = fake.requests.length;
  await quiet.list();
  assert.equal(count(fake.requests.slice(mark), 'auth/token/lookup-self'), 0, 'renew: false looks nothing up');
}));
