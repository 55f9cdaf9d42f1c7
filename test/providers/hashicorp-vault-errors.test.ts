/**
 * How the hashicorp-vault provider reports Vault's failures: a policy refusal and an invalid
 * token are both access denied, told apart (from Vault's text, or by a lookup-self where older
 * Vault says only "permission denied") and never "not found"; sealed, throttled, failing, slow
 * and unreachable servers are retryable unavailability, reads retried with backoff and
 * Retry-After honoured, writes repeated only when Vault cannot have acted; TLS without the right
 * CA names the fix. No message shows a token or a value, even when Vault's own text does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVaultProvider } from '../../src/providers/hashicorp-vault.js';
import { startFakeVault } from './_fake-vault.js';
import { raw, rejectsWith, withVault } from './_vault-setup.js';

const READER = 'hvs.reader-token-5c1d9';
const dataGets = (requests: readonly { method: string; path: string }[], path: string) => requests.filter((r) => r.method === 'GET' && r.path === path).length;

for (const legacyErrors of [false, true]) {
  const flavour = legacyErrors ? 'Vault before 1.10 (a bare "permission denied")' : 'Vault 1.10+';
  test(`${flavour}: a policy refusal and an invalid token are two kinds of access denied, never "not found", and the token is never shown`, () => withVault({ prefix: 'app/' }, async ({ fake, provider, open }) => {
    await provider.set('DB_PASSWORD', 'guarded-value-81');
    fake.addToken(READER, { policy: { 'secret/data/app/OTHER': ['read'] } });
    const reader = open({}, { VAULT_TOKEN: READER });
    const denied = await rejectsWith(reader.get('DB_PASSWORD'), 'COFFER_E_ACCESS_DENIED', ['permission denied', '"read"', 'secret/data/app/DB_PASSWORD', 'docs/providers/hashicorp-vault.md#policy'], [READER, 'guarded-value-81']);
    assert.equal(denied.message.includes('invalid'), false, 'a valid token is not called invalid');
    await rejectsWith(reader.set('OTHER', 'refused-write-82'), 'COFFER_E_ACCESS_DENIED', ['refused to write OTHER', '"create" or "update"'], [READER, 'refused-write-82']);
    await rejectsWith(reader.list(), 'COFFER_E_ACCESS_DENIED', ['"list"'], [READER]);
    const stale = open({}, { VAULT_TOKEN: 'hvs.revoked-token-3a' });
    await rejectsWith(stale.get('DB_PASSWORD'), 'COFFER_E_ACCESS_DENIED', ['invalid or has expired', 'VAULT_TOKEN'], ['hvs.revoked-token-3a', 'guarded-value-81']);
  }, { legacyErrors }));
}

test('sealed: every try answered 503 is COFFER_E_UNAVAILABLE, retryable, saying so after the configured attempts', () => withVault({}, async ({ fake, open }) => {
  const provider = open({ maxAttempts: 2 });
  await provider.set('A', 'sealed-value-1');
  fake.sealed = true;
  const before = dataGets(fake.requests, 'secret/data/A');
  const error = await rejectsWith(provider.get('A'), 'COFFER_E_UNAVAILABLE', ['sealed', 'until it is unsealed'], ['sealed-value-1', fake.rootToken]);
  assert.equal(error.retryable, true);
  assert.equal(dataGets(fake.requests, 'secret/data/A') - before, 2);
  fake.sealed = false;
  assert.equal((await provider.get('A')).value, 'sealed-value-1');
}));

test('reads are retried after 5xx and 429 (Retry-After honoured); a Retry-After past the limit ends the retries at once', () => withVault({}, async ({ fake, provider }) => {
  await provider.set('B', 'retried-value-2');
  fake.fail({ status: 500, body: { errors: ['internal error'] }, times: 2, match: (r) => r.path === 'secret/data/B' });
  assert.equal((await provider.get('B')).value, 'retried-value-2');
  fake.fail({ status: 429, body: { errors: ['request path "secret/data/B": rate limit quota exceeded'] }, headers: { 'retry-after': '1' }, match: (r) => r.path === 'secret/data/B' });
  const before = dataGets(fake.requests, 'secret/data/B');
  assert.equal((await provider.get('B')).value, 'retried-value-2');
  assert.equal(dataGets(fake.requests, 'secret/data/B') - before, 2);
  fake.fail({ status: 429, body: { errors: ['rate limit quota exceeded'] }, headers: { 'retry-after': '3600' }, times: 5, match: (r) => r.path === 'secret/data/B' });
  const throttled = await rejectsWith(provider.get('B'), 'COFFER_E_UNAVAILABLE', ['throttling', 'after 1 attempt', 'wait 3600 s'], ['retried-value-2']);
  assert.equal(throttled.retryable, true);
  assert.equal(throttled.details.retryAfterSeconds, 3600);
}));

test('a write is not repeated after a 5xx (Vault may have acted) but is after a 429 (it did not)', () => withVault({}, async ({ fake, provider }) => {
  const posts = () => fake.requests.filter((r) => r.method === 'POST' && r.path === 'secret/data/C').length;
  fake.fail({ status: 500, body: { errors: ['storage backend failure'] }, match: (r) => r.method === 'POST' && r.path === 'secret/data/C' });
  await rejectsWith(provider.set('C', 'once-value-3'), 'COFFER_E_UNAVAILABLE', ['HTTP 500', 'storage backend failure'], ['once-value-3']);
  assert.equal(posts(), 1);
  fake.fail({ status: 429, body: { errors: ['rate limit quota exceeded'] }, headers: { 'retry-after': '0' }, match: (r) => r.method === 'POST' && r.path === 'secret/data/C' });
  await provider.set('C', 'twice-value-4');
  assert.equal(posts(), 3);
  assert.equal((await provider.get('C')).value, 'twice-value-4');
}));

test('Vault\'s own texts are cut to one line with the token and the value removed; a proxy\'s HTML page is no crash', () => withVault({}, async ({ fake, provider }) => {
  fake.fail({ status: 400, body: { errors: [`1 error occurred:\n\t* invalid value "echo-value-5" for token ${fake.rootToken}\n\n`] }, match: (r) => r.method === 'POST' });
  await rejectsWith(provider.set('D', 'echo-value-5'), 'COFFER_E_USAGE', ['rejected', '[redacted]'], ['echo-value-5', fake.rootToken]);
  fake.fail({ status: 502, body: '<html><body>Bad Gateway</body></html>', times: 3, match: (r) => r.path === 'secret/data/D' });
  await rejectsWith(provider.get('D'), 'COFFER_E_UNAVAILABLE', ['HTTP 502']);
}));

test('a slow server times out, a closed port is refused, no address is a config error: each named, none "not found"', async () => {
  const fake = await startFakeVault();
  fake.mount('secret', 2);
  fake.delayMs = 400;
  const slow = createVaultProvider({ address: fake.url, timeoutMs: 100, maxAttempts: 1 }, { env: { VAULT_TOKEN: fake.rootToken } });
  const closedPort = await freePort();
  const nowhere = createVaultProvider({ address: `http://127.0.0.1:${closedPort}`, maxAttempts: 2 }, { env: { VAULT_TOKEN: 'hvs.never-sent-token' } });
  try {
    const timedOut = await rejectsWith(slow.get('E'), 'COFFER_E_UNAVAILABLE', ['no answer in time', 'timeoutMs'], [fake.rootToken]);
    assert.equal(timedOut.retryable, true);
    const refused = await rejectsWith(nowhere.get('E'), 'COFFER_E_UNAVAILABLE', ['connection refused', `127.0.0.1:${closedPort}`, 'after 2 attempts'], ['hvs.never-sent-token']);
    assert.equal(refused.retryable, true);
    await rejectsWith(createVaultProvider({}, { env: { VAULT_TOKEN: 'x-token' } }).get('E'), 'COFFER_E_CONFIG_INVALID', ['VAULT_ADDR']);
    await rejectsWith(createVaultProvider({}, { env: { VAULT_ADDR: 'vault:8200', VAULT_TOKEN: 'x-token' } }).get('E'), 'COFFER_E_CONFIG_INVALID', ['http://']);
  } finally {
    await Promise.all([slow.close(), nowhere.close()]);
    await fake.close();
  }
});

test('TLS: a certificate from an unknown CA names the fix; caCert or VAULT_CACERT makes it trusted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-vault-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  } catch {
    t.skip('openssl is not available to make a certificate');
    await rm(dir, { recursive: true, force: true });
    return;
  }
  const fake = await startFakeVault({ tls: { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') } });
  fake.mount('secret', 2);
  const env = { VAULT_TOKEN: fake.rootToken };
  try {
    const untrusted = await rejectsWith(createVaultProvider({ address: fake.url }, { env }).list(), 'COFFER_E_UNAVAILABLE', ['TLS', 'caCert', 'VAULT_CACERT'], [fake.rootToken]);
    assert.equal(untrusted.retryable, false);
    await createVaultProvider({ address: fake.url, caCert: 'cert.pem' }, { env, cwd: dir }).set('F', 'over-tls-value');
    assert.equal((await createVaultProvider({ address: fake.url }, { env: { ...env, VAULT_CACERT: join(dir, 'cert.pem') } }).get('F')).value, 'over-tls-value');
    await rejectsWith(createVaultProvider({ address: fake.url, caCert: 'missing.pem' }, { env, cwd: dir }).list(), 'COFFER_E_FILE_UNREADABLE', ['missing.pem', 'caCert']);
    assert.equal((await raw(fake, 'GET', 'secret/data/F').catch(() => ({ status: 0 }))).status, 0, 'plain fetch does not trust it either');
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/** A loopback port with nothing listening on it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
