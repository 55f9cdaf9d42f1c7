/**
 * The built `coffer` against Azure Key Vault (the local HTTPS fake of Key Vault and Entra ID,
 * reached by the real SDK): an environment configured with the azure-key-vault provider, signed
 * in by DefaultAzureCredential from the service-principal variables, trusting the fake's CA
 * through the caCert option; generate, set, get, list, `coffer run` and delete work there with
 * no code change; a denied secret and refused credentials are one line, exit 3, and no output
 * holds a value, a token or the client secret.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoValues, editConfig, sandbox } from './_harness.js';
import { startFakeKeyVault } from '../providers/_fake-azure-key-vault.js';
import { CLIENT, TENANT } from '../providers/_fake-azure-tls.js';

test('coffer generate, set, get, list, run and delete against Azure Key Vault', async () => {
  const fake = await startFakeKeyVault();
  const box = sandbox();
  try {
    assert.equal((await box.run(['init', '--yes'])).code, 0);
    editConfig(box, (config) => {
      config.environments.production = {
        profile: 'production',
        provider: 'azure-key-vault',
        options: { vaultUrl: fake.url, prefix: 'api-', caCert: fake.caFile, disableInstanceDiscovery: true, disableChallengeResourceVerification: true, maxAttempts: 1, pollIntervalMs: 10 },
      };
    });
    const env = { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT.id, AZURE_CLIENT_SECRET: CLIENT.secret, AZURE_AUTHORITY_HOST: fake.authority };
    const value = 'Gq7!mZ2#xR9@kL4$vN8^wB3&tC6*pH1%';
    const generated = await box.run(['generate', 'production'], { env });
    assert.equal(generated.code, 0, generated.stderr);
    assert.equal(fake.secrets.size, 8, 'the 8 standard secrets were created there');
    assert.ok(fake.secrets.has('api-jwt-secret'), 'JWT_SECRET is api-JWT-SECRET');
    const set = await box.run(['set', 'DB_PASSWORD', '-e', 'production'], { input: `${value}\n`, env });
    assert.equal(set.code, 0, set.stderr);
    assert.equal(fake.secrets.get('api-db-password')?.versions.at(-1)?.value, value);
    const get = await box.run(['get', 'DB_PASSWORD', '-e', 'production'], { env });
    assert.equal(get.stdout, `${value}\n`, get.stderr);
    const list = await box.run(['list', '-e', 'production', '--json'], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /"DB_PASSWORD"/);
    assert.match(list.stdout, /"JWT_SECRET"/);
    const run = await box.run(['run', '-e', 'production', '--', process.execPath, '-e', 'process.stdout.write(String(process.env.DB_PASSWORD === process.argv[1]))', value], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'true');

    fake.faults.denied.add('api-db-password');
    const denied = await box.run(['get', 'DB_PASSWORD', '-e', 'production'], { env });
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /^coffer: COFFER_E_ACCESS_DENIED: .*DB_PASSWORD.*lacks the permission/);
    assert.equal(denied.stderr.trimEnd().split('\n').length, 1, 'one line, no stack trace');
    fake.faults.denied.clear();
    const refused = await box.run(['get', 'DB_PASSWORD', '-e', 'production'], { env: { ...env, AZURE_CLIENT_SECRET: 'wrong-client-secret' } });
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /Microsoft Entra ID refused/);
    const deleted = await box.run(['delete', 'DB_PASSWORD', '-e', 'production', '--yes'], { env });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.ok(fake.deleted.has('api-db-password'), 'soft-deleted, recoverable');
    const gone = await box.run(['get', 'DB_PASSWORD', '-e', 'production'], { env });
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /COFFER_E_NOT_FOUND/);
    for (const result of [generated, set, list, denied, refused, deleted, gone]) assertNoValues(result, [value, CLIENT.secret, 'wrong-client-secret', 'fake-kv-token']);
  } finally {
    box.cleanup();
    await fake.close();
  }
});
