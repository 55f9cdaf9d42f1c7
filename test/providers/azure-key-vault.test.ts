/**
 * The azure-key-vault provider through the real @azure/keyvault-secrets SDK and a real
 * @azure/identity ClientSecretCredential against a local HTTPS fake of Key Vault and Entra ID:
 * the shared conformance suite, then what is specific: the name mapping on the wire, prefixes
 * and pages, versions and their enabled flag, tags, soft delete with recovery and purge, a write
 * meeting a deleted name, and setMany undone on failure. Errors are in
 * azure-key-vault-errors.test.ts, the mapping's properties in azure-key-vault-names.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeyVaultProvider } from '../../src/providers/azure-key-vault.js';
import { describeProviderConformance } from '../conformance/provider-suite.js';
import { startFakeKeyVault } from './_fake-azure-key-vault.js';
import { openOn, rejects, withFake } from './_azure-harness.js';

describeProviderConformance('azure-key-vault', async () => {
  const fake = await startFakeKeyVault();
  const provider = openOn(fake, { prefix: 'conf-' });
  return { provider, cleanup: async () => { await provider.close(); await fake.close(); } };
});

test('names are mapped on the wire, listed back through every page, and kept apart by prefix', async () => {
  await withFake(async (fake) => {
    const prod = openOn(fake, { prefix: 'prod-' });
    const dev = openOn(fake, { prefix: 'dev-' });
    for (const name of ['DB_PASSWORD', 'API_KEY', 'jwtSecret', 'A__B', 'REDIS_URL']) await prod.set(name, `value of ${name}`);
    await dev.set('DB_PASSWORD', 'dev value');
    assert.deepEqual([...fake.secrets.values()].map((s) => s.name).sort(), ['dev-DB-PASSWORD', 'prod-A--0-B', 'prod-API-KEY', 'prod-DB-PASSWORD', 'prod-REDIS-URL', 'prod---J--W--TS--E--C--R--E--T'].sort());
    assert.deepEqual((await prod.list()).map((s) => s.name), ['API_KEY', 'A__B', 'DB_PASSWORD', 'REDIS_URL', 'jwtSecret']);
    assert.ok(fake.requests.filter((r) => r.line === 'GET /secrets').length >= 3, 'six secrets were listed over three pages of two');
    assert.deepEqual((await dev.list()).map((s) => s.name), ['DB_PASSWORD']);
    assert.equal((await prod.get('jwtSecret')).value, 'value of jwtSecret');
    // Key Vault ignores case: a secret made by hand in lower case is the same Coffer name.
    fake.secrets.get('prod-db-password')!.name = 'prod-db-password';
    assert.equal((await prod.get('DB_PASSWORD')).value, 'value of DB_PASSWORD');
    assert.ok((await prod.list()).some((s) => s.name === 'DB_PASSWORD'));
    await assert.rejects(prod.set('x'.repeat(120), 'v'), rejects('COFFER_E_USAGE', 'too long', '127'));
    await assert.rejects(prod.set('DB.PASSWORD', 'v'), rejects('COFFER_E_USAGE', 'DB.PASSWORD'));
    assert.equal(fake.requests.filter((r) => r.line.startsWith('PUT')).length, 6, 'refused names never reached the vault');
  });
});

test('versions: each write adds one; older ones read by id; disabled ones are unreadable and unlisted until enabled', async () => {
  await withFake(async (fake) => {
    const provider = openOn(fake);
    await provider.set('TOKEN', 'first-value');
    const first = (await provider.get('TOKEN')).metadata.version!;
    await provider.set('TOKEN', 'second-value');
    const second = (await provider.get('TOKEN')).metadata.version!;
    assert.match(first, /^[0-9a-f]{32}$/);
    assert.deepEqual((await provider.versions('TOKEN')).map((v) => v.metadata.version), [second, first]);
    assert.equal((await provider.get('TOKEN', { version: first })).value, 'first-value');
    await provider.disableVersion('TOKEN', first);
    await assert.rejects(provider.get('TOKEN', { version: first }), rejects('COFFER_E_NOT_FOUND', 'disabled', 'enableVersion'));
    assert.deepEqual((await provider.versions('TOKEN')).map((v) => v.metadata.version), [second]);
    await provider.enableVersion('TOKEN', first);
    assert.equal((await provider.get('TOKEN', { version: first })).value, 'first-value');
    await assert.rejects(provider.get('TOKEN', { version: '../other' }), rejects('COFFER_E_USAGE', 'version id'));
    await assert.rejects(provider.get('TOKEN', { version: 'f'.repeat(32) }), rejects('COFFER_E_NOT_FOUND', 'TOKEN'));
    await assert.rejects(provider.get('TOKEN', { stage: 'previous' }), rejects('COFFER_E_UNSUPPORTED', 'versions, not stages'));
  });
});

test('tags: the configured ones and Coffer\'s dates go on each version; setTags replaces the others and keeps Coffer\'s', async () => {
  await withFake(async (fake) => {
    const provider = openOn(fake, { tags: { team: 'payments', env: 'prod' } });
    await provider.set('DB_PASSWORD', 'pw-1', { updatedAt: '2026-01-02T03:04:05.000Z', rotateBy: '2026-04-02T03:04:05.000Z' });
    assert.deepEqual(await provider.tags('DB_PASSWORD'), { team: 'payments', env: 'prod', 'coffer-updated-at': '2026-01-02T03:04:05.000Z', 'coffer-rotate-by': '2026-04-02T03:04:05.000Z' });
    await provider.setTags('DB_PASSWORD', { owner: 'ops', 'coffer-rotate-by': 'forged' });
    assert.deepEqual(await provider.tags('DB_PASSWORD'), { owner: 'ops', 'coffer-updated-at': '2026-01-02T03:04:05.000Z', 'coffer-rotate-by': '2026-04-02T03:04:05.000Z' });
    assert.equal((await provider.get('DB_PASSWORD')).metadata.rotateBy, '2026-04-02T03:04:05.000Z');
    const untagged = openOn(fake);
    await untagged.set('PLAIN', 'v');
    assert.deepEqual(await untagged.tags('PLAIN'), { 'managed-by': 'coffer' });
    assert.match((await untagged.get('PLAIN')).metadata.updatedAt ?? '', /^\d{4}-\d\d-\d\dT/, 'without Coffer dates, the version\'s own update time');
  });
});

test('soft delete: a deleted secret is listed as deleted, can be recovered with its versions, or purged for good', async () => {
  await withFake(async (fake) => {
    const provider = openOn(fake, { prefix: 'app-' });
    await provider.set('API_KEY', 'old-key');
    await provider.set('API_KEY', 'new-key');
    await provider.set('OTHER', 'other-value');
    await provider.delete('API_KEY');
    assert.ok(fake.requests.some((r) => r.line === 'GET /deletedsecrets/app-API-KEY'), 'the delete waited for the deletion to complete');
    await assert.rejects(provider.get('API_KEY'), rejects('COFFER_E_NOT_FOUND', 'API_KEY'));
    const [entry, ...rest] = await provider.deleted();
    assert.equal(rest.length, 0);
    assert.equal(entry?.name, 'API_KEY');
    assert.ok(Date.parse(entry?.purgeAt ?? '') > Date.parse(entry?.deletedAt ?? ''), 'purge date after deletion date');
    await provider.recover('API_KEY');
    assert.equal((await provider.get('API_KEY')).value, 'new-key');
    assert.equal((await provider.versions('API_KEY')).length, 2, 'history came back');
    assert.deepEqual(await provider.deleted(), []);
    await provider.recover('OTHER');
    assert.equal((await provider.get('OTHER')).value, 'other-value', 'recovering a live secret changes nothing');
    await assert.rejects(provider.recover('NEVER_DELETED'), rejects('COFFER_E_NOT_FOUND', 'NEVER_DELETED', 'not among the deleted secrets'));
    await provider.purge('API_KEY');
    await assert.rejects(provider.get('API_KEY'), rejects('COFFER_E_NOT_FOUND'));
    assert.deepEqual(await provider.deleted(), []);
    await provider.set('API_KEY', 'fresh-key');
    assert.equal((await provider.versions('API_KEY')).length, 1, 'a purged name starts a new history');
    await assert.rejects(provider.purge('NEVER_EXISTED'), rejects('COFFER_E_NOT_FOUND', 'NEVER_EXISTED'));
  });
});

test('a write meeting a deleted but recoverable name recovers it and writes on top, or says so when recoverDeleted is off', async () => {
  await withFake(async (fake) => {
    const strict = openOn(fake, { recoverDeleted: false });
    await strict.set('SESSION_SECRET', 'before-delete');
    await strict.delete('SESSION_SECRET');
    await assert.rejects(strict.set('SESSION_SECRET', 'refused-value-1'), (error: Error) => rejects('COFFER_E_CONFLICT', 'SESSION_SECRET', 'deleted but recoverable', 'recover')(error) && !error.message.includes('refused-value-1'));
    assert.ok(fake.deleted.has('session-secret'), 'still in the recycle bin');
    const provider = openOn(fake);
    // Another client's deletion still in progress: neither written nor recovered, and worth retrying.
    fake.deleted.get('session-secret')!.pending = 2;
    await assert.rejects(provider.set('SESSION_SECRET', 'refused-value-2'), (error: Error) => rejects('COFFER_E_CONFLICT', 'being deleted', 'try again shortly')(error) && (error as { retryable?: boolean }).retryable === true && !error.message.includes('refused-value-2'));
    fake.deleted.get('session-secret')!.pending = 0;
    await provider.set('SESSION_SECRET', 'after-recovery');
    assert.equal((await provider.get('SESSION_SECRET')).value, 'after-recovery');
    assert.equal((await provider.versions('SESSION_SECRET')).length, 2, 'recovered with its history');
  });
});

test('setMany that fails part-way writes back replaced values, purges created secrets and re-deletes recovered ones', async () => {
  await withFake(async (fake) => {
    const provider = openOn(fake, { tags: { team: 'a' } });
    await provider.set('KEEP', 'original', { rotateBy: '2026-09-01T00:00:00.000Z' });
    await provider.set('WAS_DELETED', 'deleted-value');
    await provider.delete('WAS_DELETED');
    fake.faults.denied.add('later');
    const batch = [{ name: 'KEEP', value: 'changed' }, { name: 'NEW_ONE', value: 'fresh' }, { name: 'WAS_DELETED', value: 'revived' }, { name: 'LATER', value: 'never-written' }];
    await assert.rejects(provider.setMany(batch), (error: Error) => rejects('COFFER_E_ACCESS_DENIED', 'LATER', 'were undone')(error) && !/changed|fresh|revived|never-written/.test(error.message));
    assert.equal((await provider.get('KEEP')).value, 'original');
    assert.equal((await provider.get('KEEP')).metadata.rotateBy, '2026-09-01T00:00:00.000Z', 'tags written back too');
    await assert.rejects(provider.get('NEW_ONE'), rejects('COFFER_E_NOT_FOUND'));
    assert.ok(!fake.deleted.has('new-one'), 'the created secret was purged');
    assert.ok(fake.deleted.has('was-deleted'), 'the recovered secret is back in the recycle bin');
    await assert.rejects(provider.setMany([{ name: 'KEEP', value: 'a' }, { name: 'KEEP', value: 'b' }]), rejects('COFFER_E_USAGE', 'twice'));
    await provider.set('LOCKED', 'locked-value');
    await provider.disableVersion('LOCKED', (await provider.get('LOCKED')).metadata.version!);
    await assert.rejects(provider.setMany([{ name: 'FIRST_NEW', value: 'x' }, { name: 'LOCKED', value: 'y' }]), rejects('COFFER_E_NOT_FOUND', 'disabled', 'were undone'));
    assert.equal(fake.secrets.get('locked')?.versions.length, 1, 'a secret whose latest version is disabled is neither written nor deleted');
    await assert.rejects(provider.get('FIRST_NEW'), rejects('COFFER_E_NOT_FOUND'));
  });
});

test('noReuse refuses a value equal to one of the last four versions, without showing it', async () => {
  await withFake(async (fake) => {
    const provider = openOn(fake);
    for (const value of ['pw-one', 'pw-two', 'pw-three']) await provider.set('DB_PASSWORD', value);
    await assert.rejects(provider.setMany([{ name: 'DB_PASSWORD', value: 'pw-one', noReuse: true }]), (error: Error) => rejects('COFFER_E_REUSED_VALUE', 'DB_PASSWORD')(error) && !error.message.includes('pw-one'));
    await provider.setMany([{ name: 'DB_PASSWORD', value: 'pw-four', noReuse: true }]);
    assert.equal((await provider.get('DB_PASSWORD')).value, 'pw-four');
  });
});

test('AZURE_SECRET_PREFIX (set by teams moving from their own secrets module) is the prefix when the option is absent; the option wins; a bad one is a config error', async () => {
  await withFake(async (fake) => {
    const base = { vaultUrl: fake.url, caCert: fake.caFile, credential: fake.credential(), disableChallengeResourceVerification: true, maxAttempts: 1, pollIntervalMs: 10 };
    const env = { AZURE_SECRET_PREFIX: 'vibebox-' };
    const viaEnv = createKeyVaultProvider(base, { env });
    const explicit = createKeyVaultProvider({ ...base, prefix: 'prod-' }, { env });
    try {
      assert.match(viaEnv.location, /prefix vibebox-\)$/);
      await viaEnv.set('DB_PASSWORD', 'env-prefix-value');
      await explicit.set('DB_PASSWORD', 'option-prefix-value');
      assert.deepEqual([...fake.secrets.values()].map((s) => s.name).sort(), ['prod-DB-PASSWORD', 'vibebox-DB-PASSWORD']);
      assert.deepEqual((await viaEnv.list()).map((s) => s.name), ['DB_PASSWORD']);
    } finally {
      await viaEnv.close();
      await explicit.close();
    }
    assert.throws(() => createKeyVaultProvider(base, { env: { AZURE_SECRET_PREFIX: 'vibebox_' } }), rejects('COFFER_E_CONFIG_INVALID', 'AZURE_SECRET_PREFIX', 'letters, digits and -'));
  });
});
