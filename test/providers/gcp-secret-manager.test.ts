/**
 * The gcp-secret-manager provider through the real @google-cloud/secret-manager SDK (its REST
 * transport) against a local fake of the Secret Manager REST API: the shared conformance suite,
 * then what is specific: prefixes and pages, numbered versions and their states, CRC32C on
 * both ways, setMany undone on failure, each error told apart, and no value or token in any
 * message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCofferError } from '../../src/core/errors.js';
import createGcpSecretManagerProvider from '../../src/providers/gcp-secret-manager.js';
import { describeProviderConformance } from '../conformance/provider-suite.js';
import { startFakeGcp } from './_fake-gcp-secret-manager.js';
import { openOnFake, withFake } from './_gcp-harness.js';

const open = openOnFake;

describeProviderConformance('gcp-secret-manager', async () => {
  const fake = await startFakeGcp();
  const provider = open(fake, { prefix: 'conf_' });
  return { provider, cleanup: async () => { await provider.close(); await fake.close(); } };
});


const rejects = (code: string, ...parts: (string | RegExp)[]) => (error: unknown) => {
  assert.ok(isCofferError(error, code as never), `expected ${code}, got ${String(error)}`);
  for (const part of parts) assert.match((error as Error).message, typeof part === 'string' ? new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : part);
  return true;
};

test('secrets live under the prefix as numbered versions; lists page through every secret and keep only the prefix', async () => {
  await withFake(async (fake) => {
    const prod = open(fake, { prefix: 'prod_', labels: { team: 'payments' } });
    const other = open(fake, { prefix: 'dev_' });
    for (const name of ['A', 'B', 'C', 'D', 'E']) await prod.set(name, `value-${name}`);
    await other.set('A', 'dev-value');
    await prod.set('A', 'value-A2');
    assert.deepEqual((await prod.list()).map((s) => s.name), ['A', 'B', 'C', 'D', 'E'], 'five secrets over three pages of two');
    assert.deepEqual((await other.list()).map((s) => s.name), ['A']);
    assert.deepEqual(fake.projects.get('coffer-test')?.get('prod_A')?.labels, { team: 'payments' });
    assert.deepEqual(await prod.get('A'), { name: 'A', value: 'value-A2', metadata: { version: '2' } });
    assert.equal((await prod.get('A', { version: '1' })).value, 'value-A');
    assert.deepEqual((await prod.versions('A')).map((v) => v.metadata.version), ['2', '1']);
    assert.ok(fake.requests.some((r) => r.startsWith('GET /v1/projects/coffer-test/secrets') && !r.includes('prod_')), 'listed through the API');
    await prod.close();
    await other.close();
  });
});

test('versions can be disabled, enabled and destroyed; a disabled or destroyed version is not readable and says why', async () => {
  await withFake(async (fake) => {
    const provider = open(fake);
    await provider.set('TOKEN', 'first-value');
    await provider.set('TOKEN', 'second-value');
    await provider.disableVersion('TOKEN', '2');
    await assert.rejects(provider.get('TOKEN'), rejects('COFFER_E_NOT_FOUND', 'disabled', 'enableVersion'));
    assert.deepEqual((await provider.versions('TOKEN')).map((v) => v.metadata.version), ['1']);
    await provider.enableVersion('TOKEN', '2');
    assert.equal((await provider.get('TOKEN')).value, 'second-value');
    await provider.destroyVersion('TOKEN', '1');
    await assert.rejects(provider.get('TOKEN', { version: '1' }), rejects('COFFER_E_NOT_FOUND', 'destroyed'));
    await assert.rejects(provider.get('TOKEN', { stage: 'previous' }), rejects('COFFER_E_UNSUPPORTED', 'numbered versions'));
    await assert.rejects(provider.get('TOKEN', { version: 'v1' }), rejects('COFFER_E_USAGE'));
    await provider.close();
  });
});

test('payloads carry CRC32C: a value damaged on the way back is refused as a retryable failure, never returned', async () => {
  await withFake(async (fake) => {
    const provider = open(fake);
    await provider.set('DB_PASSWORD', 'pä55wörd-with-ünïcode');
    assert.equal((await provider.get('DB_PASSWORD')).value, 'pä55wörd-with-ünïcode');
    fake.faults.corrupt = true;
    await assert.rejects(provider.get('DB_PASSWORD'), (error: Error) => rejects('COFFER_E_UNAVAILABLE', 'CRC32C')(error) && (error as { retryable?: boolean }).retryable === true && !error.message.includes('pä55'));
    await provider.close();
  });
});

test('setMany that fails part-way deletes the secrets it created and writes back the values it replaced', async () => {
  await withFake(async (fake) => {
    const provider = open(fake);
    await provider.set('KEEP', 'original');
    fake.faults.denied.add('LATER');
    await assert.rejects(provider.setMany([{ name: 'KEEP', value: 'changed' }, { name: 'NEW_ONE', value: 'fresh' }, { name: 'LATER', value: 'x' }]), rejects('COFFER_E_ACCESS_DENIED', 'IAM'));
    assert.equal((await provider.get('KEEP')).value, 'original');
    await assert.rejects(provider.get('NEW_ONE'), rejects('COFFER_E_NOT_FOUND'));
    await provider.close();
  });
});

test('a setMany undo never deletes an existing secret whose latest version is disabled: it keeps every version and the latest stays unreadable', async () => {
  await withFake(async (fake) => {
    const provider = open(fake);
    await provider.set('KEPT', 'first-value');
    await provider.set('KEPT', 'second-value');
    await provider.disableVersion('KEPT', '2');
    fake.faults.denied.add('LATER');
    await assert.rejects(provider.setMany([{ name: 'KEPT', value: 'batch-value' }, { name: 'LATER', value: 'x' }]), (error: Error & { details?: Record<string, unknown> }) =>
      rejects('COFFER_E_ACCESS_DENIED', 'IAM', 'Nothing was changed', 'restored')(error) && error.details?.restored === 1 && !error.message.includes('batch-value'));
    assert.ok(fake.projects.get('coffer-test')?.has('KEPT'), 'the secret is still there');
    assert.equal((await provider.get('KEPT', { version: '1' })).value, 'first-value');
    await assert.rejects(provider.get('KEPT'), rejects('COFFER_E_NOT_FOUND', 'disabled'), 'latest is unreadable, as before the batch');
    assert.deepEqual((await provider.versions('KEPT')).map((v) => v.metadata.version), ['1'], 'the version the batch added is disabled');
    await provider.enableVersion('KEPT', '2');
    assert.equal((await provider.get('KEPT', { version: '2' })).value, 'second-value');
    await provider.close();
  });
});

test('a setMany whose undo fails too says which secrets were not restored', async () => {
  await withFake(async (fake) => {
    const provider = open(fake);
    await provider.set('KEEP', 'original');
    fake.faults.denied.add('LATER');
    fake.faults.failOn = (request) => (request === 'DELETE /v1/projects/coffer-test/secrets/NEW_ONE' ? 503 : undefined);
    await assert.rejects(provider.setMany([{ name: 'KEEP', value: 'changed' }, { name: 'NEW_ONE', value: 'fresh' }, { name: 'LATER', value: 'x' }]), (error: Error & { details?: Record<string, unknown> }) =>
      rejects('COFFER_E_ACCESS_DENIED', 'IAM', 'Restoring NEW_ONE (COFFER_E_UNAVAILABLE) failed too')(error) && error.details?.restored === 1 && error.details.notRestored === 1);
    assert.equal((await provider.get('KEEP')).value, 'original', 'the other write was undone');
    assert.equal((await provider.get('NEW_ONE')).value, 'fresh', 'the one whose undo failed holds the new value, as the message says');
    await provider.close();
  });
});

test('errors are told apart and name the project, never a value or the token', async () => {
  await withFake(async (fake) => {
    const provider = open(fake);
    await provider.set('SECRET_X', 'the-hidden-value');
    await assert.rejects(provider.get('MISSING'), rejects('COFFER_E_NOT_FOUND', 'MISSING', 'project coffer-test'));
    fake.faults.denied.add('SECRET_X');
    await assert.rejects(provider.get('SECRET_X'), rejects('COFFER_E_ACCESS_DENIED', 'IAM denies'));
    fake.faults.denied.clear();
    fake.faults.throttle = 1;
    await assert.rejects(provider.get('SECRET_X'), rejects('COFFER_E_UNAVAILABLE', 'throttling'));
    fake.faults.unavailable = 1;
    await assert.rejects(provider.get('SECRET_X'), rejects('COFFER_E_UNAVAILABLE', 'unavailable'));
    const wrongToken = open(fake, { accessToken: 'ya29.expired' });
    await assert.rejects(wrongToken.get('SECRET_X'), (error: Error) => rejects('COFFER_E_ACCESS_DENIED', 'invalid or expired')(error) && !error.message.includes('ya29'));
    await wrongToken.close();
    await assert.rejects(provider.set('bad name!', 'v'), rejects('COFFER_E_USAGE', 'secret id'));
    const unreachable = createGcpSecretManagerProvider({ project: 'coffer-test', endpoint: 'http://127.0.0.1:1', accessToken: 't', maxAttempts: 1 });
    await assert.rejects(unreachable.get('SECRET_X'), rejects('COFFER_E_UNAVAILABLE', 'could not be reached'));
    await unreachable.close();
    const noProject = createGcpSecretManagerProvider({}, { env: {} });
    await assert.rejects(noProject.get('SECRET_X'), rejects('COFFER_E_CONFIG_INVALID', 'GOOGLE_CLOUD_PROJECT'));
    assert.equal((await provider.get('SECRET_X')).value, 'the-hidden-value', 'the faults were transient');
    const patient = open(fake, { maxAttempts: 3 });
    fake.faults.throttle = 1;
    fake.faults.unavailable = 1;
    assert.equal((await patient.get('SECRET_X')).value, 'the-hidden-value', 'reads are retried past throttling and an outage');
    await patient.close();
    await provider.close();
  });
});

test('GCP_SECRET_PREFIX (set by teams moving from their own secrets module) is the prefix when the option is absent; the option wins; a bad one is a config error', async () => {
  await withFake(async (fake) => {
    const env = { GCP_SECRET_PREFIX: 'vibebox-' };
    const base = { project: 'coffer-test', endpoint: `http://127.0.0.1:${fake.port}`, accessToken: fake.token, maxAttempts: 1 };
    const viaEnv = createGcpSecretManagerProvider(base, { env });
    const explicit = createGcpSecretManagerProvider({ ...base, prefix: 'prod_' }, { env });
    assert.match(viaEnv.location, /prefix vibebox-\)$/);
    await viaEnv.set('DB_PASSWORD', 'env-prefix-value');
    await explicit.set('DB_PASSWORD', 'option-prefix-value');
    assert.deepEqual([...(fake.projects.get('coffer-test')?.keys() ?? [])].sort(), ['prod_DB_PASSWORD', 'vibebox-DB_PASSWORD']);
    assert.deepEqual((await viaEnv.list()).map((s) => s.name), ['DB_PASSWORD']);
    const bad = createGcpSecretManagerProvider(base, { env: { GCP_SECRET_PREFIX: 'vibebox/' } });
    await assert.rejects(bad.get('DB_PASSWORD'), rejects('COFFER_E_CONFIG_INVALID', 'GCP_SECRET_PREFIX', 'letters, digits, _ and -'));
    await assert.rejects(bad.setMany([{ name: 'DB_PASSWORD', value: 'v' }]), rejects('COFFER_E_CONFIG_INVALID', 'GCP_SECRET_PREFIX'));
    assert.equal(fake.requests.filter((r) => r.includes('vibebox/')).length, 0, 'refused before any call');
    for (const p of [viaEnv, explicit, bad]) await p.close();
  });
});
