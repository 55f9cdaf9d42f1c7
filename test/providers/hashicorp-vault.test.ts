/**
 * The hashicorp-vault provider against a fake Vault speaking Vault's HTTP API: the shared
 * conformance suite on KV v2 and KV v1, then what is specific to Vault's KV engine: the storage
 * layout (data { value }, other fields kept, NAME#FIELD and the paths option), dates in custom
 * metadata pinned to their version, versions, check-and-set, soft delete, undelete, destroy and
 * purge, all-or-nothing batches by compensation, the reuse check, a mount of the wrong KV
 * version, and the options a config file may hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectProvider } from '../../src/client/sources.js';
import createVaultProvider from '../../src/providers/hashicorp-vault.js';
import { openProvider } from '../../src/providers/registry.js';
import { describeProviderConformance } from '../conformance/provider-suite.js';
import { raw, rejectsWith, vaultFixture, withVault } from './_vault-setup.js';

for (const version of [2, 1] as const) {
  describeProviderConformance(`hashicorp-vault (KV v${version})`, async () => {
    const fx = await vaultFixture({ version, mount: version === 2 ? 'secret' : 'kv', prefix: 'app/production/' });
    return { provider: fx.provider, cleanup: () => fx.close() };
  });
}

test('one Vault secret per name, its value in the field "value"; other fields survive a write; NAME#FIELD and paths read any field', () => withVault({ prefix: 'app/production/' }, async ({ fake, provider, open }) => {
  await provider.set('DB_PASSWORD', 'layout-value-1');
  const stored = await raw(fake, 'GET', 'secret/data/app/production/DB_PASSWORD');
  assert.deepEqual(stored.body.data.data, { value: 'layout-value-1' });
  await raw(fake, 'POST', 'secret/data/app/production/DATABASE', { data: { username: 'app', password: 'field-value-2', port: 5432 } });
  assert.equal((await provider.get('DATABASE#password')).value, 'field-value-2');
  assert.equal((await provider.get('DATABASE#port')).value, '5432');
  await rejectsWith(provider.get('DATABASE'), 'COFFER_E_NOT_FOUND', ['no field "value"', 'username', 'password', 'DATABASE#'], ['field-value-2']);
  await provider.set('DATABASE', 'now-with-value-3');
  assert.deepEqual((await raw(fake, 'GET', 'secret/data/app/production/DATABASE')).body.data.data, { username: 'app', password: 'field-value-2', port: 5432, value: 'now-with-value-3' });
  await rejectsWith(provider.set('DATABASE#password', 'x-value'), 'COFFER_E_UNSUPPORTED', ['field'], ['x-value']);
  const mapped = open({ paths: { MAIN_DB_PASSWORD: 'app/production/DATABASE#password', SHARED: 'shared/api' } });
  await raw(fake, 'POST', 'secret/data/shared/api', { data: { value: 'shared-value-4' } });
  assert.equal((await mapped.get('MAIN_DB_PASSWORD')).value, 'field-value-2');
  assert.equal((await mapped.get('SHARED')).value, 'shared-value-4');
  await rejectsWith(mapped.set('SHARED', 'y-value'), 'COFFER_E_UNSUPPORTED', ['paths option']);
  assert.deepEqual((await provider.list()).map((entry) => entry.name), ['DATABASE', 'DB_PASSWORD'], 'only names under the prefix, fields not listed');
  for (const bad of ['', '../escape', 'a//b', 'x#']) await rejectsWith(provider.get(bad), 'COFFER_E_USAGE');
}));

test('dates live in custom metadata pinned to their version: a later write by another tool does not inherit them, and other keys are kept', () => withVault({}, async ({ fake, provider }) => {
  await raw(fake, 'POST', 'secret/metadata/JWT_SECRET', { custom_metadata: { owner: 'team-a' } });
  await provider.set('JWT_SECRET', 'dated-value-1', { updatedAt: '2025-01-02T03:04:05.000Z', rotateBy: '2025-04-02T03:04:05.000Z' });
  const meta = await raw(fake, 'GET', 'secret/metadata/JWT_SECRET');
  assert.deepEqual(meta.body.data.custom_metadata, { owner: 'team-a', 'coffer-version': '1', 'coffer-updated-at': '2025-01-02T03:04:05.000Z', 'coffer-rotate-by': '2025-04-02T03:04:05.000Z' });
  await raw(fake, 'POST', 'secret/data/JWT_SECRET', { data: { value: 'written-by-vault-cli' } });
  const record = await provider.get('JWT_SECRET');
  assert.equal(record.metadata.version, '2');
  assert.equal(record.metadata.rotateBy, undefined, 'the rotation date described version 1');
  assert.notEqual(record.metadata.updatedAt, '2025-01-02T03:04:05.000Z');
  assert.equal((await provider.get('JWT_SECRET', { version: '1' })).metadata.rotateBy, '2025-04-02T03:04:05.000Z');
}));

test('KV v2: versions newest first; soft delete hides the secret, undelete brings it back, destroy erases a version, purge removes it all', () => withVault({}, async ({ fake, provider }) => {
  for (const value of ['v-one-11', 'v-two-22', 'v-three-33']) await provider.set('API_KEY', value);
  assert.deepEqual((await provider.versions('API_KEY')).map((v) => v.metadata.version), ['3', '2', '1']);
  assert.equal((await provider.get('API_KEY', { version: '2' })).value, 'v-two-22');
  await rejectsWith(provider.get('API_KEY', { version: '9' }), 'COFFER_E_NOT_FOUND', ['no version 9']);
  await rejectsWith(provider.get('API_KEY', { version: 'latest' }), 'COFFER_E_USAGE');
  await rejectsWith(provider.get('API_KEY', { stage: 'previous' }), 'COFFER_E_UNSUPPORTED');

  await provider.delete('API_KEY');
  await rejectsWith(provider.get('API_KEY'), 'COFFER_E_NOT_FOUND', ['was deleted', 'undelete'], ['v-three-33']);
  assert.deepEqual(await provider.list(), []);
  await rejectsWith(provider.delete('API_KEY'), 'COFFER_E_NOT_FOUND');
  assert.equal((await provider.get('API_KEY', { version: '2' })).value, 'v-two-22', 'older versions stay readable');
  await provider.undelete('API_KEY');
  assert.equal((await provider.get('API_KEY')).value, 'v-three-33');
  assert.deepEqual((await provider.list()).map((e) => [e.name, e.metadata.version]), [['API_KEY', '3']]);

  await provider.destroy('API_KEY', ['1']);
  await rejectsWith(provider.get('API_KEY', { version: '1' }), 'COFFER_E_NOT_FOUND', ['destroyed'], ['v-one-11']);
  assert.equal((await raw(fake, 'GET', 'secret/metadata/API_KEY')).body.data.versions['1'].destroyed, true);
  assert.deepEqual((await provider.versions('API_KEY')).map((v) => v.metadata.version), ['3', '2']);
  await rejectsWith(provider.destroy('API_KEY', []), 'COFFER_E_USAGE');

  await provider.purge('API_KEY');
  assert.equal((await raw(fake, 'GET', 'secret/metadata/API_KEY')).status, 404);
  await rejectsWith(provider.purge('API_KEY'), 'COFFER_E_NOT_FOUND');
  await rejectsWith(provider.undelete('API_KEY'), 'COFFER_E_NOT_FOUND');
}));

test('check-and-set: a stale expected version and a concurrent writer are COFFER_E_CONFLICT, and nothing is overwritten', () => withVault({}, async ({ fake, provider }) => {
  assert.equal(await provider.checkAndSet('TOKEN', 'cas-first-1', '0'), '1');
  await rejectsWith(provider.checkAndSet('TOKEN', 'cas-lost-2', '0'), 'COFFER_E_CONFLICT', ['TOKEN', 'read it again'], ['cas-lost-2', 'cas-first-1']);
  assert.equal(await provider.checkAndSet('TOKEN', 'cas-second-3', '1'), '2');
  // Another client writes between Coffer's read and its write.
  fake.beforeAnswer = async (request) => {
    if (request.method === 'POST' && request.path === 'secret/data/TOKEN') {
      fake.beforeAnswer = undefined;
      await raw(fake, 'POST', 'secret/data/TOKEN', { data: { value: 'concurrent-4' } });
    }
  };
  await rejectsWith(provider.set('TOKEN', 'would-overwrite-5'), 'COFFER_E_CONFLICT', [], ['would-overwrite-5']);
  assert.equal((await provider.get('TOKEN')).value, 'concurrent-4');
  await rejectsWith(provider.checkAndSet('TOKEN', 'x-value', 'one'), 'COFFER_E_USAGE');
}));

test('setMany that fails part-way puts back what it wrote: the old value as a new version, a new secret removed, and says so', () => withVault({ prefix: 'app/' }, async ({ fake, open }) => {
  const admin = open();
  await admin.set('EXISTING', 'existing-before-1', { rotateBy: '2030-01-01T00:00:00.000Z' });
  fake.addToken('hvs.limited', { policy: { 'secret/data/app/EXISTING': ['read', 'update'], 'secret/data/app/FRESH': ['read', 'create', 'update'], 'secret/data/app/LOCKED': ['read'], 'secret/metadata/app/*': ['read', 'list', 'create', 'update', 'delete'] } });
  const limited = open({}, { VAULT_TOKEN: 'hvs.limited' });
  const error = await rejectsWith(limited.setMany([
    { name: 'EXISTING', value: 'existing-after-2', metadata: { rotateBy: '2031-01-01T00:00:00.000Z' } },
    { name: 'FRESH', value: 'fresh-value-3' },
    { name: 'LOCKED', value: 'locked-value-4' },
  ]), 'COFFER_E_ACCESS_DENIED', ['LOCKED', 'permission denied', 'were undone', 'EXISTING', 'FRESH'], ['existing-after-2', 'fresh-value-3', 'locked-value-4', 'hvs.limited']);
  assert.deepEqual(error.details.notUndone, []);
  const existing = await admin.get('EXISTING');
  assert.equal(existing.value, 'existing-before-1');
  assert.equal(existing.metadata.version, '3', 'put back as a new version');
  assert.equal(existing.metadata.rotateBy, '2030-01-01T00:00:00.000Z');
  assert.equal((await raw(fake, 'GET', 'secret/metadata/app/FRESH')).status, 404);
  assert.deepEqual((await admin.list()).map((e) => e.name), ['EXISTING']);
  await rejectsWith(admin.setMany([{ name: 'A', value: 'a1' }, { name: 'A', value: 'a2' }]), 'COFFER_E_USAGE', ['twice']);
}));

test('a write flagged noReuse that repeats one of the last 4 values is refused (PCI-DSS 8.3.7); an older one is accepted', () => withVault({}, async ({ provider }) => {
  for (const value of ['reuse-a-1', 'reuse-b-2', 'reuse-c-3', 'reuse-d-4', 'reuse-e-5']) await provider.set('DB_PASSWORD', value);
  await rejectsWith(provider.setMany([{ name: 'DB_PASSWORD', value: 'reuse-b-2', noReuse: true }]), 'COFFER_E_REUSED_VALUE', ['last 4'], ['reuse-b-2']);
  await provider.setMany([{ name: 'DB_PASSWORD', value: 'reuse-a-1', noReuse: true }]);
  assert.equal((await provider.get('DB_PASSWORD')).value, 'reuse-a-1');
}));

test('a mount of the other KV version, or no mount at all, is a config error before anything is written', () => withVault({ version: 1, mount: 'kv' }, async ({ fake, open }) => {
  const wrong = open({ kvVersion: 2 });
  await rejectsWith(wrong.set('X', 'mismatch-value'), 'COFFER_E_CONFIG_INVALID', ['KV version 1', 'kvVersion option to 1'], ['mismatch-value']);
  assert.equal(fake.requests.some((r) => r.method === 'POST'), false);
  fake.addToken('hvs.no-ui', { policy: { 'kv/*': ['read', 'list'] } });
  // A token that may not look at the mount skips the check rather than failing.
  assert.deepEqual(await open({ kvVersion: 1 }, { VAULT_TOKEN: 'hvs.no-ui' }).list(), []);
  await rejectsWith(open({ mount: 'nowhere' }).get('X'), 'COFFER_E_CONFIG_INVALID', ['no secrets engine', 'mount option']);
  await rejectsWith(open({ kvVersion: 1 }).versions?.('X') ?? Promise.resolve(), 'COFFER_E_UNSUPPORTED', ['KV version 2']);
}));

test('registered as "hashicorp-vault"; a config file may not hold a token or a secret id, and opening does no I/O', async () => {
  const provider = await openProvider('hashicorp-vault', { address: 'https://vault.invalid:8200', mount: 'kv/', prefix: 'app/' }, { env: {} });
  assert.equal(provider.id, 'hashicorp-vault');
  assert.match(provider.location, /vault\.invalid:8200.*mount kv\/.*KV v2.*prefix app\//);
  assert.deepEqual(provider.capabilities, { write: true, list: true, versions: true, stages: false, metadata: true, persistent: true });
  assert.equal((await openProvider('hashicorp-vault', { kvVersion: 1 }, { env: {} })).capabilities.versions, false);
  await rejectsWith(openProvider('hashicorp-vault', { token: 'hvs.in-config' }), 'COFFER_E_CONFIG_INVALID', ['unknown option "token"', 'docs/providers/hashicorp-vault.md'], ['hvs.in-config']);
  await rejectsWith(openProvider('hashicorp-vault', { approle: { secretId: 'sid-in-config' } }), 'COFFER_E_CONFIG_INVALID', ['secretId'], ['sid-in-config']);
  await rejectsWith(openProvider('hashicorp-vault', { prefix: '../x' }), 'COFFER_E_CONFIG_INVALID', ['prefix']);
  await rejectsWith(openProvider('hashicorp-vault', { address: 'ftp://vault' }), 'COFFER_E_CONFIG_INVALID', ['address']);
});

test('VAULT_ADDR (or SECRET_PROVIDER=vault) chooses this provider at start-up, with the address from the variable', () => withVault({}, async ({ fake, provider }) => {
  await provider.set('DETECTED', 'detected-value');
  for (const env of [{ VAULT_ADDR: fake.url }, { SECRET_PROVIDER: 'vault', VAULT_ADDR: fake.url }]) {
    const selected = await selectProvider({ env: { ...env, VAULT_TOKEN: fake.rootToken }, cwd: '/' });
    try {
      assert.equal(selected.provider.id, 'hashicorp-vault');
      assert.match(selected.reason, /VAULT_ADDR is set|SECRET_PROVIDER=vault/);
      assert.equal((await selected.provider.get('DETECTED')).value, 'detected-value');
    } finally {
      await selected.provider.close();
    }
  }
}));

test('VAULT_PATH, VAULT_KV_VERSION and VAULT_PREFIX (set by teams moving from their own secrets module) give the mount, KV version and prefix; options win; a bad value is a one-line config error', () => withVault({ version: 1, mount: 'kv' }, async ({ fake }) => {
  const env = { VAULT_TOKEN: fake.rootToken, VAULT_PATH: 'kv', VAULT_KV_VERSION: '1', VAULT_PREFIX: 'legacy/' };
  const fromEnv = createVaultProvider({ address: fake.url }, { env, cwd: '/' });
  try {
    assert.match(fromEnv.location, /mount kv\/, KV v1, prefix legacy\//);
    await fromEnv.set('API_KEY', 'env-layout-value');
    assert.deepEqual((await raw(fake, 'GET', 'kv/legacy/API_KEY')).body.data, { value: 'env-layout-value' });
  } finally {
    await fromEnv.close();
  }
  const explicit = await openProvider('hashicorp-vault', { address: fake.url, mount: 'secret', kvVersion: 2, prefix: 'app/' }, { env });
  assert.match(explicit.location, /mount secret\/, KV v2, prefix app\//);
  await explicit.close();
  for (const [variable, value, says] of [['VAULT_KV_VERSION', '3', 'must be 1 or 2'], ['VAULT_PATH', '../etc', 'not a mount path'], ['VAULT_PREFIX', '/abs', 'path segments']] as const) {
    const error = await rejectsWith(openProvider('hashicorp-vault', { address: fake.url }, { env: { ...env, [variable]: value } }), 'COFFER_E_CONFIG_INVALID', [variable, says]);
    assert.ok(!error.message.includes('\n'));
  }
}));
