/**
 * The built `coffer` against Google Cloud Secret Manager (a local fake of its REST API, reached
 * by the real SDK): an environment configured with the gcp-secret-manager provider and a token
 * given by reference; set, get, list and `coffer run -e production` read and write there with no
 * code change (after `coffer generate production` created the standard secrets there); a denied secret is one line, exit 3, with no token or value in any output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoValues, editConfig, sandbox } from './_harness.js';
import { startFakeGcp } from '../providers/_fake-gcp-secret-manager.js';

test('coffer set, get, list and run against Google Cloud Secret Manager', async () => {
  const fake = await startFakeGcp('ya29.e2e-token-value');
  const box = sandbox();
  try {
    assert.equal((await box.run(['init', '--yes'])).code, 0);
    editConfig(box, (config) => {
      config.environments.production = {
        profile: 'production',
        provider: 'gcp-secret-manager',
        options: { project: 'shop-prod', prefix: 'api_', endpoint: `http://127.0.0.1:${fake.port}`, accessToken: '${env:GCP_ACCESS_TOKEN}', maxAttempts: 1 },
      };
    });
    const env = { GCP_ACCESS_TOKEN: fake.token };
    const value = 'Gq7!mZ2#xR9@kL4$vN8^wB3&tC6*pH1%';
    const generated = await box.run(['generate', 'production'], { env });
    assert.equal(generated.code, 0, generated.stderr);
    assert.equal(fake.projects.get('shop-prod')?.size, 8, 'the 8 standard secrets were created there');
    const set = await box.run(['set', 'DB_PASSWORD', '-e', 'production'], { input: `${value}\n`, env });
    assert.equal(set.code, 0, set.stderr);
    assert.ok(fake.projects.get('shop-prod')?.has('api_DB_PASSWORD'));
    assert.equal((await box.run(['get', 'DB_PASSWORD', '-e', 'production'], { env })).stdout, `${value}\n`);
    const list = await box.run(['list', '-e', 'production', '--json'], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /DB_PASSWORD/);
    const run = await box.run(['run', '-e', 'production', '--', process.execPath, '-e', 'process.stdout.write(String(process.env.DB_PASSWORD === process.argv[1]))', value], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'true');

    fake.faults.denied.add('api_DB_PASSWORD');
    const denied = await box.run(['get', 'DB_PASSWORD', '-e', 'production'], { env });
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /^coffer: COFFER_E_ACCESS_DENIED: .*IAM/);
    assert.equal(denied.stderr.trimEnd().split('\n').length, 1, 'one line, no stack trace');
    const badToken = await box.run(['get', 'DB_PASSWORD', '-e', 'production'], { env: { GCP_ACCESS_TOKEN: 'ya29.wrong-token' } });
    assert.equal(badToken.code, 3);
    assert.match(badToken.stderr, /invalid or expired/);
    for (const result of [generated, set, list, denied, badToken]) assertNoValues(result, [value, fake.token, 'ya29.wrong-token']);
  } finally {
    box.cleanup();
    await fake.close();
  }
});
