/**
 * Failures of the kubernetes provider, each told apart through the real SDK against the local
 * fake API server: RBAC denial on one secret of many (naming the verb, the resource and the
 * namespace), a refused token (expired, in its own words, for a kubeconfig and for a pod's
 * service account), throttling with Retry-After honoured, an outage, an unreachable or silent
 * server, a missing namespace, TLS trust, and the SDK missing; no value or token in any message.
 * The in-cluster path runs over HTTPS with a self-signed certificate as the pod's ca.crt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import createKubernetesProvider from '../../src/providers/kubernetes.js';
import { startFakeKubernetes } from './_fake-kubernetes.js';
import { kubeconfigYaml, rejects, selfSignedCert, withK8s } from './_k8s-setup.js';

test('RBAC denial on one secret of many is COFFER_E_ACCESS_DENIED naming verb, resource and namespace; the others still read', () => withK8s(async ({ fake, open }) => {
  const provider = open({ mode: 'per-secret' });
  await provider.setMany([{ name: 'DB_PASSWORD', value: 'db-value-1' }, { name: 'API_KEY', value: 'api-value-2' }]);
  fake.faults.denied.add('get:coffer-db-password');
  await assert.rejects(provider.get('DB_PASSWORD'), rejects('COFFER_E_ACCESS_DENIED', ['DB_PASSWORD', '"get"', '"secrets"', 'namespace "shop"', fake.user, 'docs/providers/kubernetes.md#rbac'], ['db-value-1', fake.token]));
  assert.equal((await provider.get('API_KEY')).value, 'api-value-2');
  fake.faults.denied.add('list');
  await assert.rejects(provider.list(), rejects('COFFER_E_ACCESS_DENIED', ['"list"', 'namespace "shop"']));
}));

test('a refused token is its own COFFER_E_ACCESS_DENIED, never not found, and never shows the token', () => withK8s(async ({ fake, dir }) => {
  const stale = join(dir, 'stale.yaml');
  await writeFile(stale, kubeconfigYaml(fake, { namespace: 'shop', token: 'expired-token-abc123' }));
  const provider = createKubernetesProvider({ kubeconfig: stale, maxAttempts: 1 }, { env: {}, cwd: dir });
  await assert.rejects(provider.get('DB_PASSWORD'), rejects('COFFER_E_ACCESS_DENIED', ['HTTP 401', 'expired or invalid', 'fake-user', 'the kubeconfig option'], ['expired-token-abc123', fake.token]));
  await provider.close();
}));

test('throttling: Retry-After is honoured and the call retried; a wait longer than allowed fails at once saying how long', () => withK8s(async ({ fake, open }) => {
  const patient = open({ maxAttempts: 3 });
  await patient.set('A', 'value-a');
  fake.faults.throttle = 2;
  const before = fake.requests.length;
  assert.equal((await patient.get('A')).value, 'value-a');
  assert.equal(fake.requests.length - before, 3, 'two throttled answers, then the read');
  fake.faults.throttle = 1;
  fake.faults.retryAfter = '120';
  const start = fake.requests.length;
  await assert.rejects(patient.get('A'), rejects('COFFER_E_UNAVAILABLE', ['throttling', 'HTTP 429', 'wait 120 s', 'after 1 attempt'], ['value-a']));
  assert.equal(fake.requests.length - start, 1, 'no retry when asked to wait longer than maxRetryAfterMs');
  fake.faults.throttle = 5;
  fake.faults.retryAfter = '0';
  await assert.rejects(patient.set('A', 'value-b'), (error: Error & { retryable?: boolean }) => rejects('COFFER_E_UNAVAILABLE', ['after 3 attempts'], ['value-b'])(error) && error.retryable === true);
}));

test('an outage (5xx), an unreachable server and a silent one are COFFER_E_UNAVAILABLE, retryable, told apart', () => withK8s(async ({ fake, dir, open }) => {
  const provider = open({ maxAttempts: 2 });
  await provider.set('A', 'value-a');
  fake.faults.unavailable = 2;
  await assert.rejects(provider.get('A'), (error: Error & { retryable?: boolean }) => rejects('COFFER_E_UNAVAILABLE', ['HTTP 503', 'after 2 attempts'])(error) && error.retryable === true);
  fake.faults.unavailable = 1;
  assert.equal((await provider.get('A')).value, 'value-a', 'a read is retried past one 503');
  const closedPort = await startFakeKubernetes();
  await closedPort.close();
  const gone = join(dir, 'gone.yaml');
  await writeFile(gone, kubeconfigYaml(closedPort, { namespace: 'shop' }));
  const unreachable = createKubernetesProvider({ kubeconfig: gone, maxAttempts: 1 }, { env: {}, cwd: dir });
  await assert.rejects(unreachable.get('A'), rejects('COFFER_E_UNAVAILABLE', ['Cannot reach', 'connection refused']));
  fake.faults.hang.add('/secrets/coffer');
  const impatient = open({ timeoutMs: 300 });
  await assert.rejects(impatient.get('A'), rejects('COFFER_E_UNAVAILABLE', ['no answer in time']));
  await unreachable.close();
}));

test('a namespace that does not exist, a value over 1 MiB and an http server without insecure-skip-tls-verify are configuration or value errors', () => withK8s(async ({ fake, dir, open }) => {
  await assert.rejects(open({ namespace: 'missing' }).set('A', 'value-a'), rejects('COFFER_E_CONFIG_INVALID', ['namespace missing does not exist']));
  await assert.rejects(open({ namespace: 'missing' }).get('A'), rejects('COFFER_E_NOT_FOUND', ['A', 'namespace missing']));
  await assert.rejects(open().set('BIG', 'x'.repeat(1024 * 1024 + 1)), rejects('COFFER_E_UNSAFE_VALUE', ['HTTP 422', '1 MiB']));
  const strict = join(dir, 'strict.yaml');
  await writeFile(strict, kubeconfigYaml(fake).replace('    insecure-skip-tls-verify: true\n', ''));
  const provider = createKubernetesProvider({ kubeconfig: strict, maxAttempts: 3 }, { env: {}, cwd: dir });
  const before = fake.requests.length;
  await assert.rejects(provider.get('A'), rejects('COFFER_E_CONFIG_INVALID', ['HTTP protocol is not allowed']));
  assert.equal(fake.requests.length, before, 'refused before sending, and not retried');
  await provider.close();
}));

test('in a pod: the service account token, ca.crt and namespace (HTTPS); a refused token and an untrusted certificate are worded apart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-k8s-pod-'));
  const tls = await selfSignedCert(dir);
  const fake = await startFakeKubernetes({ namespaces: ['shop'], tls, token: 'pod-token-5e1c' });
  const account = join(dir, 'serviceaccount');
  await mkdir(account);
  await writeFile(join(account, 'token'), 'pod-token-5e1c');
  await writeFile(join(account, 'namespace'), 'shop');
  await writeFile(join(account, 'ca.crt'), tls.cert);
  const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(fake.port) };
  const pod = createKubernetesProvider({ serviceAccountDir: account, maxAttempts: 1 }, { env, cwd: dir });
  try {
    await pod.set('DB_PASSWORD', 'pod-secret-value');
    assert.equal((await pod.get('DB_PASSWORD')).value, 'pod-secret-value');
    assert.ok(fake.namespaces.get('shop')?.has('coffer'), 'the namespace file chose the namespace');
    await writeFile(join(account, 'token'), 'rotated-away-token');
    const expired = createKubernetesProvider({ serviceAccountDir: account, maxAttempts: 1 }, { env, cwd: dir });
    await assert.rejects(expired.get('DB_PASSWORD'), rejects('COFFER_E_ACCESS_DENIED', ['HTTP 401', 'service account token', join(account, 'token')], ['rotated-away-token', 'pod-token-5e1c', 'pod-secret-value']));
    const other = await selfSignedCert(await mkdtemp(join(dir, 'other-')));
    await writeFile(join(account, 'ca.crt'), other.cert);
    const untrusted = createKubernetesProvider({ serviceAccountDir: account, maxAttempts: 3 }, { env, cwd: dir });
    await assert.rejects(untrusted.get('DB_PASSWORD'), (error: Error & { retryable?: boolean }) => rejects('COFFER_E_UNAVAILABLE', ['TLS', 'ca.crt'])(error) && error.retryable === false);
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the SDK loads on the first call, not when the provider opens; without it, that call names the package and the install command', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-k8s-nosdk-'));
  try {
    // A resolve hook that makes the package absent, as in an application that did not install it.
    await writeFile(join(dir, 'hide.mjs'), [
      'export async function resolve(specifier, context, next) {',
      "  if (specifier === '@kubernetes/client-node') throw Object.assign(new Error(\"Cannot find package '@kubernetes/client-node'\"), { code: 'ERR_MODULE_NOT_FOUND' });",
      '  return next(specifier, context);',
      '}',
    ].join('\n'));
    await writeFile(join(dir, 'register.mjs'), "import { register } from 'node:module';\nregister('./hide.mjs', import.meta.url);\n");
    await writeFile(join(dir, 'main.mts'), [
      `import create from ${JSON.stringify(pathToFileURL(resolve('src/providers/kubernetes.ts')).href)};`,
      "const provider = create({ kubeconfig: '/nonexistent' }, { env: {} });",
      "await provider.get('DB_PASSWORD').catch((e) => process.stdout.write(JSON.stringify({ opened: provider.id, code: e.code, message: e.message })));",
    ].join('\n'));
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(join(dir, 'register.mjs')).href, join(dir, 'main.mts')], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const { opened, code, message } = JSON.parse(child.stdout) as { opened: string; code: string; message: string };
    assert.equal(opened, 'kubernetes', 'the provider opened without the package');
    assert.equal(code, 'COFFER_E_MISSING_PACKAGE');
    assert.match(message, /@kubernetes\/client-node/);
    assert.match(message, /npm install @kubernetes\/client-node/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
