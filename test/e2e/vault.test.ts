/**
 * The built `coffer` binary with an environment kept in HashiCorp Vault (a fake Vault speaking
 * Vault's HTTP API on loopback): generate fills it, list and get read it, set writes a new
 * version, run hands the values to a child process, and a refused token or a sealed Vault is
 * one clear line with exit 3, no stack trace, and neither the token nor a value in the output.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startFakeVault, type FakeVault } from '../providers/_fake-vault.js';
import { raw } from '../providers/_vault-setup.js';
import { assertNoValues, editConfig, sandbox, type RunResult, type Sandbox } from './_harness.js';

const PREFIX = 'shop/production/';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
let fake: FakeVault;
let box: Sandbox;
let env: Record<string, string>;

/** The current values under the prefix, read straight from Vault. */
async function vaultValues(): Promise<Record<string, string>> {
  const keys: string[] = (await raw(fake, 'GET', `secret/metadata/${PREFIX}?list=true`)).body?.data?.keys ?? [];
  const values: Record<string, string> = {};
  for (const key of keys) values[key] = (await raw(fake, 'GET', `secret/data/${PREFIX}${key}`)).body.data.data.value;
  return values;
}

const oneLine = (result: RunResult, code: string) => {
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stderr, new RegExp(`^coffer: ${code}: `));
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(result.stdout, '');
};

before(async () => {
  fake = await startFakeVault();
  fake.mount('secret', 2);
  box = sandbox();
  assert.equal((await box.run(['init', '--yes'])).code, 0);
  editConfig(box, (config) => {
    config.environments.production = { profile: 'production', provider: 'hashicorp-vault', options: { address: '${env:VAULT_ADDR}', prefix: PREFIX } };
  });
  env = { VAULT_ADDR: fake.url, VAULT_TOKEN: fake.rootToken };
});

after(async () => {
  box.cleanup();
  await fake.close();
});

test('generate, list, get, set and run work against Vault, and no command prints a value it was not asked for', async () => {
  const generated = await box.run(['generate', 'production', '--yes'], { env });
  assert.equal(generated.code, 0, generated.stderr);
  assert.match(generated.stdout, /8 generated.*HashiCorp Vault/s);
  const values = await vaultValues();
  assert.equal(Object.keys(values).length, 8);
  assertNoValues(generated, values);

  const list = await box.run(['list', '-e', 'production', '--json'], { env });
  assert.equal(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout) as { secrets: { name: string; metadata: { version: string; rotateBy?: string } }[] };
  assert.deepEqual(listed.secrets.map((s) => s.name), Object.keys(values).sort());
  assert.ok(listed.secrets.every((s) => s.metadata.version === '1' && s.metadata.rotateBy !== undefined), 'versions and rotation dates come from Vault');
  assertNoValues(list, values);

  const got = await box.run(['get', 'JWT_SECRET', '-e', 'production'], { env });
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stdout, `${values.JWT_SECRET}\n`);

  const newValue = randomBytes(60).toString('base64url');
  const set = await box.run(['set', 'JWT_SECRET', '-e', 'production'], { env, input: `${newValue}\n` });
  assert.equal(set.code, 0, set.stderr);
  assertNoValues(set, [newValue, ...Object.values(values)]);
  const stored = (await raw(fake, 'GET', `secret/data/${PREFIX}JWT_SECRET`)).body.data;
  assert.equal(stored.data.value, newValue);
  assert.equal(stored.metadata.version, 2);

  const script = 'for (const n of process.argv.slice(1)) console.log(n + "=" + require("node:crypto").createHash("sha256").update(process.env[n] ?? "").digest("hex"))';
  const names = Object.keys(values).sort();
  const ran = await box.run(['run', '-e', 'production', '--', process.execPath, '-e', script, ...names], { env });
  assert.equal(ran.code, 0, ran.stderr);
  const expected: Record<string, string> = { ...values, JWT_SECRET: newValue };
  assert.deepEqual(ran.stdout.trim().split('\n'), names.map((n) => `${n}=${sha(expected[n] as string)}`));
});

test('a token without access, an invalid token and a sealed Vault: one line each, exit 3, no token or value shown, nothing started', async () => {
  const values = await vaultValues();
  fake.addToken('hvs.no-access-token-e2e', { policy: { 'secret/data/elsewhere/*': ['read'] } });
  for (const token of ['hvs.no-access-token-e2e', 'hvs.unknown-token-e2e']) {
    const denied = await box.run(['get', 'JWT_SECRET', '-e', 'production'], { env: { ...env, VAULT_TOKEN: token } });
    oneLine(denied, 'COFFER_E_ACCESS_DENIED');
    assert.match(denied.stderr, token === 'hvs.unknown-token-e2e' ? /invalid or has expired/ : /permission denied.*"read"/);
    assertNoValues(denied, [token, ...Object.values(values)]);
  }
  const run = await box.run(['run', '-e', 'production', '--', process.execPath, '-e', 'console.log("started")'], { env: { ...env, VAULT_TOKEN: 'hvs.no-access-token-e2e' } });
  oneLine(run, 'COFFER_E_ACCESS_DENIED');
  fake.sealed = true;
  try {
    const sealed = await box.run(['list', '-e', 'production'], { env });
    oneLine(sealed, 'COFFER_E_UNAVAILABLE');
    assert.match(sealed.stderr, /sealed/);
    assertNoValues(sealed, [fake.rootToken]);
  } finally {
    fake.sealed = false;
  }
});
