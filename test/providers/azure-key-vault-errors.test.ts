/**
 * How the azure-key-vault provider fails, through the real SDK and credential against the local
 * HTTPS fake: not found, a 403 refusal, a revoked token and refused credentials (each its own
 * words, never "not found"), throttling with Retry-After honoured, 5xx, an unreachable vault, an
 * untrusted certificate, a value Key Vault refuses, a missing vault, a missing SDK package and
 * no credential at all.
 * Every message names the provider's vault and the secret, and holds no value, token or client
 * secret.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isCofferError } from '../../src/core/errors.js';
import { createKeyVaultProvider } from '../../src/providers/azure-key-vault.js';
import { CLIENT } from './_fake-azure-tls.js';
import { openOn, withFake } from './_azure-harness.js';

const VALUE = 'the-hidden-value-5c1e';
const execFileAsync = promisify(execFile);

/** Awaits a CofferError with `code` whose message has every part and no value, token or client secret. */
async function fails(promise: Promise<unknown>, code: string, ...parts: (string | RegExp)[]): Promise<Error> {
  const error: unknown = await promise.then(() => assert.fail(`expected ${code}`), (caught: unknown) => caught);
  assert.ok(isCofferError(error), String(error));
  assert.equal(error.code, code, error.message);
  for (const part of parts) assert.match(error.message, typeof part === 'string' ? new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : part);
  const shown = `${error.message} ${JSON.stringify(error.details)}`;
  for (const leak of [VALUE, 'fake-kv-token', CLIENT.secret, 'wrong-client-secret']) assert.ok(!shown.includes(leak), `the error shows ${leak}`);
  assert.equal(error.details.provider, 'azure-key-vault');
  return error;
}

test('not found, a 403 refusal and a revoked token are three different errors naming the secret and the vault', async () => {
  await withFake(async (fake) => {
    const provider = openOn(fake);
    await provider.set('SECRET_X', VALUE);
    await fails(provider.get('MISSING'), 'COFFER_E_NOT_FOUND', 'MISSING does not exist', fake.url);
    fake.faults.denied.add('secret-x');
    await fails(provider.get('SECRET_X'), 'COFFER_E_ACCESS_DENIED', 'refused the read of SECRET_X', 'lacks the permission', 'ForbiddenByRbac', 'Key Vault Secrets User');
    await fails(provider.set('SECRET_X', VALUE), 'COFFER_E_ACCESS_DENIED', 'SECRET_X', 'Key Vault Secrets Officer');
    await fails(provider.delete('SECRET_X'), 'COFFER_E_ACCESS_DENIED', 'delete of SECRET_X');
    fake.faults.denied.clear();
    fake.revokeTokens();
    await fails(provider.get('SECRET_X'), 'COFFER_E_ACCESS_DENIED', 'token is invalid or expired', 'Unauthorized');
    assert.equal((await openOn(fake).get('SECRET_X')).value, VALUE, 'a new sign-in reads again');
  });
});

test('credentials Entra ID refuses are COFFER_E_ACCESS_DENIED with its AADSTS code, never the client secret', async () => {
  await withFake(async (fake) => {
    await openOn(fake).set('SECRET_X', VALUE);
    const provider = openOn(fake, { credential: fake.credential('wrong-client-secret') });
    await fails(provider.get('SECRET_X'), 'COFFER_E_ACCESS_DENIED', 'Microsoft Entra ID refused', 'AADSTS7000215', 'SECRET_X');
  });
});

test('throttling: the SDK waits as Retry-After asks, and a 429 that outlasts the retries is retryable COFFER_E_UNAVAILABLE', async () => {
  await withFake(async (fake) => {
    await openOn(fake).set('SECRET_X', VALUE);
    const once = openOn(fake);
    await once.get('SECRET_X');
    fake.faults.throttle = 1;
    fake.faults.retryAfter = '7';
    const error = await fails(once.get('SECRET_X'), 'COFFER_E_UNAVAILABLE', 'throttling', '429', 'retry after 7 s');
    assert.equal((error as { retryable?: boolean }).retryable, true);
    assert.equal((error as { details?: Record<string, unknown> }).details?.retryAfter, '7');

    const patient = openOn(fake, { maxAttempts: 2 });
    await patient.get('SECRET_X');
    fake.faults.throttle = 1;
    fake.faults.retryAfter = '1';
    const before = fake.requests.length;
    assert.equal((await patient.get('SECRET_X')).value, VALUE);
    const [throttled, retried] = fake.requests.slice(before);
    assert.ok(throttled && retried, 'a 429 and its retry');
    assert.ok(retried.at - throttled.at >= 950, `the retry came ${retried.at - throttled.at} ms after a Retry-After of 1 s`);
  });
});

test('5xx and an unreachable vault are retryable COFFER_E_UNAVAILABLE; reads are retried past a short outage', async () => {
  await withFake(async (fake) => {
    const provider = openOn(fake);
    await provider.set('SECRET_X', VALUE);
    fake.faults.unavailable = 1;
    const error = await fails(provider.get('SECRET_X'), 'COFFER_E_UNAVAILABLE', 'unavailable (HTTP 503)', 'SECRET_X');
    assert.equal((error as { retryable?: boolean }).retryable, true);
    fake.faults.unavailable = 2;
    assert.equal((await openOn(fake, { maxAttempts: 3 }).get('SECRET_X')).value, VALUE);
    const unreachable = openOn(fake, { vaultUrl: 'https://127.0.0.1:1' });
    await fails(unreachable.get('SECRET_X'), 'COFFER_E_UNAVAILABLE', 'could not be reached', 'ECONNREFUSED', 'https://127.0.0.1:1');
  });
});

test('an untrusted certificate says to set caCert; TLS verification is never turned off', async () => {
  await withFake(async (fake) => {
    const provider = createKeyVaultProvider({ vaultUrl: fake.url, credential: fake.credential(), disableChallengeResourceVerification: true, maxAttempts: 1 });
    const error = await fails(provider.get('SECRET_X'), 'COFFER_E_UNAVAILABLE', 'not trusted', 'caCert');
    assert.equal((error as { retryable?: boolean }).retryable, false);
    await fails(openOn(fake, { caCert: '/nonexistent/ca.pem' }).get('SECRET_X'), 'COFFER_E_FILE_UNREADABLE', '/nonexistent/ca.pem');
  });
});

test('a value Key Vault refuses is COFFER_E_UNSAFE_VALUE without the value; a foreign challenge resource is refused unless allowed', async () => {
  await withFake(async (fake) => {
    const provider = openOn(fake);
    const huge = `${VALUE}${'x'.repeat(30_000)}`;
    await fails(provider.set('BIG', huge), 'COFFER_E_UNSAFE_VALUE', 'write of BIG', '25 KiB');
    await fails(provider.get('BIG'), 'COFFER_E_NOT_FOUND', 'BIG');
    // The fake's challenge names vault.azure.net, not 127.0.0.1: the SDK refuses to send a token there by default.
    const strict = openOn(fake, { disableChallengeResourceVerification: false });
    await fails(strict.get('BIG'), 'COFFER_E_CONFIG_INVALID', 'token for another domain', 'disableChallengeResourceVerification');
  });
});

test('a missing or non-https vault is COFFER_E_CONFIG_INVALID before any call', async () => {
  await fails(createKeyVaultProvider({}, { env: {} }).get('X'), 'COFFER_E_CONFIG_INVALID', 'AZURE_KEYVAULT_URL', 'vaultName');
  await fails(createKeyVaultProvider({ vaultUrl: 'http://127.0.0.1:8200' }).get('X'), 'COFFER_E_CONFIG_INVALID', 'https://');
  const named = createKeyVaultProvider({}, { env: { AZURE_KEYVAULT_NAME: 'shop-prod' } });
  assert.equal(named.location, 'Azure Key Vault (https://shop-prod.vault.azure.net)');
  assert.equal(createKeyVaultProvider({ vaultName: 'gov', dnsSuffix: 'vault.usgovcloudapi.net', prefix: 'p-' }).location, 'Azure Key Vault (https://gov.vault.usgovcloudapi.net, prefix p-)');
});

/** Opens the provider with `options` in a child process with `env` (hooks may hide packages), reads a secret and returns the error it met. */
async function childError(options: Record<string, unknown>, env: Record<string, string | undefined>): Promise<{ code: string; message: string }> {
  const hook = pathToFileURL(resolve('test/providers/_hide-package.mjs')).href;
  const module = pathToFileURL(resolve('src/providers/azure-key-vault.ts')).href;
  const script = `const { createKeyVaultProvider } = await import(${JSON.stringify(module)});
    const provider = createKeyVaultProvider(${JSON.stringify(options)});
    await provider.get('DB_PASSWORD').then(() => process.stdout.write('{}'), (e) => process.stdout.write(JSON.stringify({ code: e.code, message: e.message })));`;
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--import', hook, '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  return JSON.parse(stdout) as { code: string; message: string };
}

test('a missing SDK package is COFFER_E_MISSING_PACKAGE naming it and its npm install command', async () => {
  for (const hidden of ['@azure/keyvault-secrets', '@azure/identity']) {
    const { code, message } = await childError({ vaultUrl: 'https://shop.vault.azure.net' }, { COFFER_TEST_HIDE_PACKAGES: hidden });
    assert.equal(code, 'COFFER_E_MISSING_PACKAGE', message);
    assert.ok(message.includes(`needs the ${hidden} package`) && message.includes(`npm install ${hidden}`), message);
  }
});

test('with no Azure credential anywhere, DefaultAzureCredential\'s failure is COFFER_E_ACCESS_DENIED saying how to sign in', async () => {
  await withFake(async (fake) => {
    // AZURE_TOKEN_CREDENTIALS narrows DefaultAzureCredential to its environment credential, which finds no variables.
    const env = { AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential', AZURE_CLIENT_ID: undefined, AZURE_TENANT_ID: undefined, AZURE_CLIENT_SECRET: undefined };
    const { code, message } = await childError({ vaultUrl: fake.url, caCert: fake.caFile, disableChallengeResourceVerification: true, maxAttempts: 1 }, env);
    assert.equal(code, 'COFFER_E_ACCESS_DENIED', message);
    assert.match(message, /No Azure credential is available for the read of DB_PASSWORD/);
    assert.match(message, /AZURE_CLIENT_ID/);
    assert.match(message, /az login/);
  });
});
