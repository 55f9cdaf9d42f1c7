/**
 * The built `coffer` against Kubernetes Secrets (a local fake of the API server, reached by the
 * real @kubernetes/client-node through a kubeconfig named by KUBECONFIG): an environment in
 * object mode and one in per-secret mode; generate, set, get, list and `coffer run` read and
 * write there with no code change; an RBAC denial and an expired token are one line, exit 3,
 * with no token or value in any output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoValues, editConfig, sandbox } from './_harness.js';
import { startFakeKubernetes } from '../providers/_fake-kubernetes.js';
import { kubeconfigYaml } from '../providers/_k8s-setup.js';

test('coffer generate, set, get, list and run against Kubernetes Secrets, in both modes', async () => {
  const fake = await startFakeKubernetes({ namespaces: ['shop'], token: 'k8s-e2e-token-value-41d2' });
  const box = sandbox();
  try {
    const kubeconfig = join(box.home, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(fake, { namespace: 'shop' }), { mode: 0o600 });
    const stale = join(box.home, 'stale-kubeconfig');
    writeFileSync(stale, kubeconfigYaml(fake, { namespace: 'shop', token: 'k8s-expired-token-9c7e' }), { mode: 0o600 });
    assert.equal((await box.run(['init', '--yes'])).code, 0);
    editConfig(box, (config) => {
      config.environments.production = { profile: 'production', provider: 'kubernetes', options: { secretName: 'api-secrets', maxAttempts: 1 } };
      config.environments.staging = { profile: 'production', provider: 'kubernetes', options: { mode: 'per-secret', prefix: 'staging-', maxAttempts: 1 } };
    });
    const env = { KUBECONFIG: kubeconfig };
    const value = 'Gq7!mZ2#xR9@kL4$vN8^wB3&tC6*pH1%';
    const generated = await box.run(['generate', 'production'], { env });
    assert.equal(generated.code, 0, generated.stderr);
    const secrets = fake.namespaces.get('shop');
    assert.equal(Object.keys(secrets?.get('api-secrets')?.data ?? {}).length, 8, 'the 8 standard secrets are keys of one Secret');
    const staging = await box.run(['generate', 'staging'], { env });
    assert.equal(staging.code, 0, staging.stderr);
    assert.ok(secrets?.has('staging-db-password') && secrets.has('staging-jwt-secret'), 'one Secret per secret, named from the Coffer name');

    const set = await box.run(['set', 'DB_PASSWORD', '-e', 'production'], { input: `${value}\n`, env });
    assert.equal(set.code, 0, set.stderr);
    assert.equal(Buffer.from(secrets?.get('api-secrets')?.data?.DB_PASSWORD ?? '', 'base64').toString('utf8'), value);
    assert.equal((await box.run(['get', 'DB_PASSWORD', '-e', 'production'], { env })).stdout, `${value}\n`);
    const list = await box.run(['list', '-e', 'staging', '--json'], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /DB_PASSWORD/);
    const run = await box.run(['run', '-e', 'production', '--', process.execPath, '-e', 'process.stdout.write(String(process.env.DB_PASSWORD === process.argv[1]))', value], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'true');

    fake.faults.denied.add('get:api-secrets');
    const denied = await box.run(['get', 'DB_PASSWORD', '-e', 'production'], { env });
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /^coffer: COFFER_E_ACCESS_DENIED: .*RBAC does not allow .* "get" the resource "secrets" in the namespace "shop"/);
    assert.equal(denied.stderr.trimEnd().split('\n').length, 1, 'one line, no stack trace');
    fake.faults.denied.clear();
    const expired = await box.run(['get', 'DB_PASSWORD', '-e', 'production'], { env: { KUBECONFIG: stale } });
    assert.equal(expired.code, 3);
    assert.match(expired.stderr, /expired or invalid/);
    for (const result of [generated, staging, set, list, denied, expired]) assertNoValues(result, [value, fake.token, 'k8s-expired-token-9c7e']);
  } finally {
    box.cleanup();
    await fake.close();
  }
});
