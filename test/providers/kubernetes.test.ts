/**
 * The kubernetes provider through the real @kubernetes/client-node, talking HTTP to a local fake
 * of the Kubernetes API (./_fake-kubernetes.ts) with a kubeconfig and a bearer token: the shared
 * conformance suite in both modes, then what is specific: the layout of Secrets (base64 data,
 * labels, dates in annotations and never a value there), atomic batches in object mode, undone
 * batches in per-secret mode, list by label selector across pages, and resourceVersion
 * conflicts retried from a fresh read or reported as COFFER_E_CONFLICT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createKubernetesProvider from '../../src/providers/kubernetes.js';
import { openProvider } from '../../src/providers/registry.js';
import { describeProviderConformance } from '../conformance/provider-suite.js';
import { startFakeKubernetes, type StoredSecret } from './_fake-kubernetes.js';
import { kubeconfigYaml, rejects, withK8s } from './_k8s-setup.js';

for (const mode of ['object', 'per-secret'] as const) {
  describeProviderConformance(`kubernetes (${mode})`, async () => {
    const fake = await startFakeKubernetes({ namespaces: ['conformance'] });
    const dir = await mkdtemp(join(tmpdir(), 'coffer-k8s-conf-'));
    await writeFile(join(dir, 'kubeconfig'), kubeconfigYaml(fake, { namespace: 'conformance' }));
    const provider = createKubernetesProvider({ kubeconfig: 'kubeconfig', mode, maxAttempts: 1 }, { env: {}, cwd: dir });
    return { provider, cleanup: async () => { await provider.close(); await fake.close(); await rm(dir, { recursive: true, force: true }); } };
  });
}

const decoded = (secret: StoredSecret | undefined) => Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

test('object mode: one Secret holds every secret as a base64 key; labels and a dates annotation, no value outside data', () => withK8s(async ({ fake, open }) => {
  const provider = open({ secretName: 'api-secrets', labels: { team: 'payments' } });
  await provider.set('DB_PASSWORD', 'pa55-w0rd-value', { updatedAt: '2026-01-02T03:04:05.000Z', rotateBy: '2026-04-02T03:04:05.000Z' });
  await provider.set('JWT_SECRET', 'jwt-value-77');
  const stored = fake.namespaces.get('shop')?.get('api-secrets');
  assert.deepEqual(decoded(stored), { DB_PASSWORD: 'pa55-w0rd-value', JWT_SECRET: 'jwt-value-77' });
  assert.equal(stored?.data?.DB_PASSWORD, Buffer.from('pa55-w0rd-value').toString('base64'));
  assert.equal(stored?.type, 'Opaque');
  assert.deepEqual(stored?.metadata.labels, { 'app.kubernetes.io/managed-by': 'coffer', 'coffer.dev/layout': 'object', team: 'payments' });
  const dates = JSON.parse(stored?.metadata.annotations?.['coffer.dev/metadata'] ?? '{}');
  assert.deepEqual(dates.DB_PASSWORD, { updatedAt: '2026-01-02T03:04:05.000Z', rotateBy: '2026-04-02T03:04:05.000Z' });
  assert.match(dates.JWT_SECRET.updatedAt, /^\d{4}-\d\d-\d\dT/, 'a write without a date records when it happened');
  const outside = JSON.stringify(stored?.metadata);
  for (const value of ['pa55-w0rd-value', 'jwt-value-77']) assert.ok(!outside.includes(value) && !outside.includes(Buffer.from(value).toString('base64')));
  assert.deepEqual((await provider.get('DB_PASSWORD')).metadata, { updatedAt: '2026-01-02T03:04:05.000Z', rotateBy: '2026-04-02T03:04:05.000Z' });
}));

test('object mode: setMany is one atomic replace; keys written by others are kept', () => withK8s(async ({ fake, open }) => {
  const provider = open();
  await provider.set('A', 'one');
  const secret = fake.namespaces.get('shop')?.get('coffer') as StoredSecret;
  secret.data = { ...secret.data, HELM_KEY: Buffer.from('from helm').toString('base64') };
  const before = fake.requests.length;
  await provider.setMany([{ name: 'A', value: 'two' }, { name: 'B', value: 'three' }, { name: 'C', value: 'four' }]);
  assert.deepEqual(fake.requests.slice(before), ['GET /api/v1/namespaces/shop/secrets/coffer', 'PUT /api/v1/namespaces/shop/secrets/coffer'], 'one read and one write');
  assert.deepEqual(decoded(fake.namespaces.get('shop')?.get('coffer')), { A: 'two', B: 'three', C: 'four', HELM_KEY: 'from helm' });
  assert.deepEqual((await provider.list()).map((s) => s.name), ['A', 'B', 'C', 'HELM_KEY']);
  fake.faults.failWrites.add('coffer');
  await assert.rejects(provider.setMany([{ name: 'A', value: 'five' }, { name: 'D', value: 'six' }]), rejects('COFFER_E_UNAVAILABLE', ['HTTP 500'], ['five', 'six']));
  fake.faults.failWrites.clear();
  assert.deepEqual(decoded(fake.namespaces.get('shop')?.get('coffer')), { A: 'two', B: 'three', C: 'four', HELM_KEY: 'from helm' }, 'nothing landed');
}));

test('object mode: a concurrent writer makes the write start again from a fresh read, keeping both changes', () => withK8s(async ({ fake, open }) => {
  const provider = open();
  await provider.set('MINE', 'first');
  fake.faults.interleave = (secrets) => {
    const s = secrets.get('coffer') as StoredSecret;
    s.data = { ...s.data, THEIRS: Buffer.from('their value').toString('base64') };
  };
  await provider.set('MINE', 'second');
  assert.deepEqual(decoded(fake.namespaces.get('shop')?.get('coffer')), { MINE: 'second', THEIRS: 'their value' });
  assert.equal(fake.requests.filter((r) => r.startsWith('PUT')).length, 2, 'the first replace lost the race (409) and was redone');
}));

test('a writer that keeps losing the race gets COFFER_E_CONFLICT naming the secret, without the value', () => withK8s(async ({ fake, open }) => {
  for (const mode of ['object', 'per-secret'] as const) {
    const provider = open({ mode });
    await provider.set('HOT', 'start');
    const keepChanging = () => {
      fake.faults.interleave = () => keepChanging();
    };
    keepChanging();
    await assert.rejects(provider.set('HOT', 'contended-value-9'), rejects('COFFER_E_CONFLICT', ['HOT', 'namespace shop', '5 times in a row'], ['contended-value-9']));
    fake.faults.interleave = undefined;
    assert.equal((await provider.get('HOT')).value, 'start');
    fake.faults.interleave = () => undefined;
    await assert.rejects(provider.delete('HOT').then(() => provider.get('HOT')), rejects('COFFER_E_NOT_FOUND', ['HOT']), 'one lost race on delete is retried');
  }
}));

test('per-secret mode: one labelled Secret per secret, named reversibly; list asks by label across pages and keeps only this prefix', () => withK8s(async ({ fake, open }) => {
  const provider = open({ mode: 'per-secret', prefix: 'shop-' });
  const names = ['DB_PASSWORD', 'JWT_SECRET', 'apiKey', 'REDIS_DB_0', 'SESSION_SECRET'];
  for (const name of names) await provider.set(name, `value of ${name}`);
  const secrets = fake.namespaces.get('shop') as Map<string, StoredSecret>;
  assert.deepEqual([...secrets.keys()].sort(), ['shop-0a0p0ik0e0y', 'shop-db-password', 'shop-jwt-secret', 'shop-redis-db-00', 'shop-session-secret']);
  const db = secrets.get('shop-db-password');
  assert.deepEqual(decoded(db), { value: 'value of DB_PASSWORD' });
  assert.equal(db?.metadata.labels?.['app.kubernetes.io/managed-by'], 'coffer');
  assert.equal(db?.metadata.annotations?.['coffer.dev/name'], 'DB_PASSWORD');
  // Secrets that are not this provider's: another prefix that decodes under this one, one without the label.
  await open({ mode: 'per-secret', prefix: 'shop-prod-' }).set('X', 'other prefix');
  secrets.set('shop-unlabelled', { ...(db as StoredSecret), metadata: { ...(db as StoredSecret).metadata, name: 'shop-unlabelled', labels: {} } });
  const before = fake.requests.length;
  assert.deepEqual((await provider.list()).map((s) => s.name), [...names].sort());
  const lists = fake.requests.slice(before);
  assert.ok(lists.length >= 3 && lists.every((r) => r.includes('labelSelector=app.kubernetes.io%2Fmanaged-by%3Dcoffer%2Ccoffer.dev%2Flayout%3Dper-secret')), 'pages of at most two, by label');
  assert.ok(lists.slice(1).every((r) => r.includes('continue=')));
}));

test('per-secret mode: setMany that fails part-way deletes what it created and writes back what it replaced', () => withK8s(async ({ fake, open }) => {
  const provider = open({ mode: 'per-secret' });
  await provider.set('KEEP', 'original', { rotateBy: '2026-06-01T00:00:00.000Z' });
  fake.faults.denied.add('create:coffer-later');
  await assert.rejects(provider.setMany([{ name: 'KEEP', value: 'changed' }, { name: 'NEW_ONE', value: 'fresh' }, { name: 'LATER', value: 'x-value' }]),
    rejects('COFFER_E_ACCESS_DENIED', ['LATER', '"create"', 'were undone'], ['changed', 'fresh', 'x-value']));
  const kept = await provider.get('KEEP');
  assert.equal(kept.value, 'original');
  assert.equal(kept.metadata.rotateBy, '2026-06-01T00:00:00.000Z');
  await assert.rejects(provider.get('NEW_ONE'), rejects('COFFER_E_NOT_FOUND', ['NEW_ONE']));
  assert.deepEqual((await provider.list()).map((s) => s.name), ['KEEP']);
}));

test('per-secret mode: an undo that finds the secret changed by someone else leaves it, and says so', () => withK8s(async ({ fake, open }) => {
  const provider = open({ mode: 'per-secret' });
  fake.faults.failWrites.add('coffer-second');
  // The create of FIRST arms the next write (the undo's delete of FIRST) to find it changed by another writer.
  fake.faults.interleave = () => {
    fake.faults.interleave = (secrets) => {
      const s = secrets.get('coffer-first') as StoredSecret;
      s.data = { value: Buffer.from('their value').toString('base64') };
    };
  };
  await assert.rejects(provider.setMany([{ name: 'FIRST', value: 'mine' }, { name: 'SECOND', value: 'also-mine' }]), rejects('COFFER_E_UNAVAILABLE', ['Could not undo the writes of FIRST'], ['mine', 'also-mine']));
  assert.equal((await provider.get('FIRST')).value, 'their value', 'the other writer\'s value is not deleted');
}));

test('the namespace: option, else COFFER_K8S_NAMESPACE, else the kubeconfig context; KUBECONFIG and the context option choose the cluster', () => withK8s(async ({ fake, dir, kubeconfig }) => {
  fake.namespaces.set('from-env', new Map());
  fake.namespaces.set('second', new Map());
  const viaEnv = createKubernetesProvider({ maxAttempts: 1 }, { env: { KUBECONFIG: kubeconfig, COFFER_K8S_NAMESPACE: 'from-env' }, cwd: dir });
  await viaEnv.set('A', 'in from-env');
  assert.ok(fake.namespaces.get('from-env')?.has('coffer'));
  const other = join(dir, 'second.yaml');
  await writeFile(other, kubeconfigYaml(fake, { namespace: 'second', context: 'second' }));
  const merged = createKubernetesProvider({ context: 'second', maxAttempts: 1 }, { env: { KUBECONFIG: `${kubeconfig}:${other}` }, cwd: dir });
  await merged.set('B', 'in second');
  assert.ok(fake.namespaces.get('second')?.has('coffer'), 'the context option picks a context of the second file');
  const explicit = createKubernetesProvider({ kubeconfig, namespace: 'shop', maxAttempts: 1 }, { env: { COFFER_K8S_NAMESPACE: 'from-env' }, cwd: dir });
  await explicit.set('C', 'in shop');
  assert.ok(fake.namespaces.get('shop')?.has('coffer'));
  const wrongContext = createKubernetesProvider({ kubeconfig, context: 'nope' }, { env: {}, cwd: dir });
  await assert.rejects(wrongContext.get('A'), rejects('COFFER_E_CONFIG_INVALID', ['no context "nope"', 'fake']));
  const none = createKubernetesProvider({}, { env: { HOME: dir }, cwd: dir });
  await assert.rejects(none.get('A'), rejects('COFFER_E_CONFIG_INVALID', ['No kubeconfig', '.kube']));
  for (const p of [viaEnv, merged, explicit, wrongContext, none]) await p.close();
}));

test('config options are checked when the environment is used, and a bad COFFER_K8S_NAMESPACE at the first call', async () => {
  for (const [options, part] of [[{ namespace: 'Shop' }, 'namespace'], [{ mode: 'each' }, 'mode'], [{ prefix: '-x' }, 'prefix'], [{ secretName: 'API_SECRETS' }, 'secretName'], [{ token: 't' }, 'unknown option "token"']] as const) {
    await assert.rejects(openProvider('kubernetes', options, { env: {} }), rejects('COFFER_E_CONFIG_INVALID', [part, 'docs/providers/kubernetes.md']));
  }
  const provider = await openProvider('kubernetes', { mode: 'per-secret' }, { env: { COFFER_K8S_NAMESPACE: 'Not A Namespace' } });
  await assert.rejects(provider.get('A'), rejects('COFFER_E_CONFIG_INVALID', ['COFFER_K8S_NAMESPACE']));
  await provider.close();
});

test('K8S_SECRET_NAMESPACE and K8S_SECRET_NAME (set by teams moving from their own secrets module) give the namespace and the object-mode Secret; COFFER_K8S_NAMESPACE and options win; bad values are config errors', () => withK8s(async ({ fake, dir, kubeconfig }) => {
  for (const ns of ['legacy', 'coffer-ns']) fake.namespaces.set(ns, new Map());
  const legacy = { KUBECONFIG: kubeconfig, K8S_SECRET_NAMESPACE: 'legacy', K8S_SECRET_NAME: 'vibebox-secrets' };
  const opened = [
    createKubernetesProvider({ maxAttempts: 1 }, { env: legacy, cwd: dir }),
    createKubernetesProvider({ maxAttempts: 1 }, { env: { ...legacy, COFFER_K8S_NAMESPACE: 'coffer-ns' }, cwd: dir }),
    createKubernetesProvider({ namespace: 'shop', secretName: 'api-secrets', maxAttempts: 1 }, { env: legacy, cwd: dir }),
    createKubernetesProvider({ mode: 'per-secret', maxAttempts: 1 }, { env: { ...legacy, K8S_SECRET_NAME: 'Not_A_Name' }, cwd: dir }),
  ] as const;
  const [viaLegacy, cofferWins, optionsWin, perSecret] = opened;
  try {
    assert.match(viaLegacy.location, /namespace legacy, Secret vibebox-secrets/);
    await viaLegacy.set('A', 'legacy-value');
    assert.equal(decoded(fake.namespaces.get('legacy')?.get('vibebox-secrets')).A, 'legacy-value');
    await cofferWins.set('B', 'coffer-value');
    assert.equal(decoded(fake.namespaces.get('coffer-ns')?.get('vibebox-secrets')).B, 'coffer-value', 'COFFER_K8S_NAMESPACE beats K8S_SECRET_NAMESPACE');
    await optionsWin.set('C', 'option-value');
    assert.equal(decoded(fake.namespaces.get('shop')?.get('api-secrets')).C, 'option-value');
    await perSecret.set('D', 'per-secret-value');
    assert.ok(fake.namespaces.get('legacy')?.has('coffer-d'), 'K8S_SECRET_NAME plays no part in per-secret mode');
  } finally {
    for (const p of opened) await p.close();
  }
  for (const [env, variable] of [[{ K8S_SECRET_NAMESPACE: 'Not A Namespace' }, 'K8S_SECRET_NAMESPACE'], [{ K8S_SECRET_NAME: 'Vibebox_Secrets' }, 'K8S_SECRET_NAME']] as const) {
    const bad = createKubernetesProvider({}, { env: { KUBECONFIG: kubeconfig, ...env }, cwd: dir });
    await assert.rejects(bad.get('A'), rejects('COFFER_E_CONFIG_INVALID', [variable, 'fix it']));
    await bad.close();
  }
}));
