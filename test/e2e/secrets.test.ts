/**
 * End to end: the commands on individual secrets (set, get, list, history, delete, restore,
 * destroy) through the built binary, on the embedded store and on a dotenv file. Without a
 * terminal, values come from stdin and confirmations need --yes; no output but `get`'s carries
 * a value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecret } from '../../src/core/generator.js';
import { assertNoValues, editConfig, sandbox, type RunResult, type Sandbox } from './_harness.js';

/** A project whose development and production environments are on the store and staging on a dotenv file. */
async function project(): Promise<Sandbox> {
  const box = sandbox();
  const init = await box.run(['init', '--yes']);
  assert.equal(init.code, 0, init.stderr);
  editConfig(box, (config) => {
    config.environments.development = { profile: 'development', provider: 'store', options: {} };
    config.environments.production = { profile: 'production', provider: 'store', options: {} };
    config.environments.staging = { profile: 'production', provider: 'dotenv', options: { path: '.env.staging' } };
  });
  return box;
}

const strong = (length = 48) => generateSecret({ length, encoding: 'alphanumeric+symbols', requiredClasses: ['lower', 'upper', 'digit', 'symbol'] });

function failsWith(result: RunResult, code: string, exit: number): void {
  assert.equal(result.code, exit, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stderr, new RegExp(`^coffer: ${code}: `, 'm'));
}

function assertPrivateStore(box: Sandbox): void {
  const dir = join(box.dir, '.coffer');
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const file of readdirSync(dir)) assert.equal(statSync(join(dir, file)).mode & 0o077, 0, `${file} is private`);
  assert.equal(statSync(join(dir, 'store.db')).mode & 0o777, 0o600);
}

test('set from stdin or --value, then get (plain, --json, --version, --stage), list and history; no other output holds a value', async () => {
  const box = await project();
  try {
    const first = strong();
    const second = strong();
    const values = { first, second };
    const set1 = await box.run(['set', 'JWT_SECRET'], { input: `${first}\n` });
    assert.equal(set1.code, 0, set1.stderr);
    assert.equal(set1.stdout, 'set JWT_SECRET in development (version 1)\n');
    assert.equal(set1.stderr, '');
    const set2 = await box.run(['set', 'JWT_SECRET', '--value', second, '--json']);
    assert.equal(set2.code, 0, set2.stderr);
    assert.match(set2.stderr, /warning: --value puts the secret on the command line, where other users can read it \(ps, \/proc\) and shell history keeps it/);
    const written = JSON.parse(set2.stdout);
    assert.equal(written.name, 'JWT_SECRET');
    assert.equal(written.environment, 'development');
    assert.equal(written.version, 2);
    assert.match(written.location, /\.coffer\/store\.db/);
    assert.ok(!set2.stdout.includes(second));

    // One trailing newline of the input was stripped, and get adds exactly one.
    const got = await box.run(['get', 'JWT_SECRET']);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout, `${second}\n`);
    assert.equal((await box.run(['get', 'JWT_SECRET', '--version', '1'])).stdout, `${first}\n`);
    assert.equal((await box.run(['get', 'JWT_SECRET', '--stage', 'previous'])).stdout, `${first}\n`);
    const json = JSON.parse((await box.run(['get', '-e', 'development', 'JWT_SECRET', '--json'])).stdout);
    assert.equal(json.value, second);
    assert.equal(json.version, 2);
    assert.deepEqual(json.stages, ['current']);
    assert.match(json.createdAt, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(typeof json.actor, 'string');
    assert.ok(Date.parse(json.rotateBy) - Date.parse(json.createdAt) === 90 * 86_400_000, 'rotation due after the jwt period');
    failsWith(await box.run(['get', 'JWT_SECRET', '--version', 'two']), 'COFFER_E_USAGE', 2);
    failsWith(await box.run(['get', 'JWT_SECRET', '--stage', 'pending']), 'COFFER_E_NOT_FOUND', 1);
    failsWith(await box.run(['get', 'NOT_THERE']), 'COFFER_E_NOT_FOUND', 1);

    const list = await box.run(['list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^JWT_SECRET\s+2\s+\d{4}-\d{2}-\d{2}\s+\d{4}-\d{2}-\d{2}$/m);
    const listJson = JSON.parse((await box.run(['ls', '--json'])).stdout);
    assert.deepEqual(listJson.secrets.map((s: { name: string }) => s.name), ['JWT_SECRET']);
    const history = await box.run(['history', 'JWT_SECRET']);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /^2\s+current\s/m);
    assert.match(history.stdout, /^1\s+previous\s/m);
    const historyJson = JSON.parse((await box.run(['history', 'JWT_SECRET', '--json'])).stdout);
    assert.deepEqual(historyJson.versions.map((v: { version: number }) => v.version), [2, 1]);

    for (const out of [set1, set2, list, history]) assertNoValues(out, values);
    assert.ok(!JSON.stringify(listJson).includes(second) && !JSON.stringify(historyJson).includes(first));
    assertPrivateStore(box);
  } finally {
    box.cleanup();
  }
});

test('a stale --expect-version is a conflict; a reused database password and a weak value are refused, the weak one unless --force', async () => {
  const box = await project();
  try {
    const values = Array.from({ length: 5 }, () => strong(40));
    const [v0, v1] = values as [string, string];
    assert.equal((await box.run(['set', 'DB_PASSWORD', '--expect-version', '0'], { input: v0 })).code, 0);
    const conflict = await box.run(['set', 'DB_PASSWORD', '--expect-version', '0', '--json'], { input: v1 });
    failsWith(conflict, 'COFFER_E_CONFLICT', 1);
    assert.equal(JSON.parse(conflict.stdout).error.code, 'COFFER_E_CONFLICT');
    assert.equal((await box.run(['get', 'DB_PASSWORD'])).stdout, `${v0}\n`, 'the losing write changed nothing');
    assert.equal((await box.run(['set', 'DB_PASSWORD', '--expect-version', '1'], { input: v1 })).code, 0);
    for (const value of values.slice(2)) assert.equal((await box.run(['set', 'DB_PASSWORD'], { input: value })).code, 0);

    // values[1] is among the last 4 of the 5 versions: PCI-DSS 8.3.7 forbids it.
    const reused = await box.run(['set', 'DB_PASSWORD'], { input: v1 });
    failsWith(reused, 'COFFER_E_REUSED_VALUE', 1);
    assert.equal(JSON.parse((await box.run(['get', 'DB_PASSWORD', '--json'])).stdout).version, 5);

    const weak = 'Summer2024!';
    const refused = await box.run(['set', 'DB_PASSWORD', '-e', 'production'], { input: weak });
    failsWith(refused, 'COFFER_E_WEAK_SECRET', 1);
    assert.match(refused.stderr, /DB_PASSWORD was not written: the value fails the production policy .*\blength\b.*--force/);
    failsWith(await box.run(['get', 'DB_PASSWORD', '-e', 'production']), 'COFFER_E_NOT_FOUND', 1);
    const forced = await box.run(['set', 'DB_PASSWORD', '-e', 'production', '--force'], { input: weak });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /warning: stored despite --force: DB_PASSWORD length:/);
    assert.equal((await box.run(['get', 'DB_PASSWORD', '-e', 'production'])).stdout, `${weak}\n`);

    const undeclared = await box.run(['set', 'MY_TOKEN'], { input: 'anything' });
    assert.equal(undeclared.code, 0, undeclared.stderr);
    assert.match(undeclared.stderr, /does not declare MY_TOKEN for environment "development"/);
    failsWith(await box.run(['set', 'MY_TOKEN'], { input: '' }), 'COFFER_E_USAGE', 2);
    failsWith(await box.run(['set', 'MY_TOKEN'], { input: '\n' }), 'COFFER_E_USAGE', 2);

    for (const out of [conflict, reused, refused, forced, undeclared]) assertNoValues(out, [...values, weak, 'anything']);
    assertPrivateStore(box);
  } finally {
    box.cleanup();
  }
});

test('delete needs --yes without a terminal, is soft and restorable; destroy needs --yes and removes every version', async () => {
  const box = await project();
  try {
    const value = strong();
    await box.run(['set', 'SESSION_SECRET'], { input: value });
    const unconfirmed = await box.run(['delete', 'SESSION_SECRET']);
    failsWith(unconfirmed, 'COFFER_E_USAGE', 2);
    assert.match(unconfirmed.stderr, /pass --yes/);
    assert.equal((await box.run(['get', 'SESSION_SECRET'])).code, 0, 'still there');

    const deleted = await box.run(['delete', 'SESSION_SECRET', '--yes', '--recovery-days', '2']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /deleted SESSION_SECRET from development; `coffer restore SESSION_SECRET -e development` brings it back until \d{4}-/);
    const until = Date.parse(deleted.stdout.match(/until (\S+)$/m)?.[1] ?? '');
    assert.ok(Math.abs(until - (Date.now() + 2 * 86_400_000)) < 60_000, 'restorable for the 2 days asked');
    failsWith(await box.run(['get', 'SESSION_SECRET']), 'COFFER_E_NOT_FOUND', 1);
    assert.ok(!(await box.run(['list'])).stdout.includes('SESSION_SECRET'));

    const restored = await box.run(['restore', 'SESSION_SECRET', '--json']);
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(JSON.parse(restored.stdout), { name: 'SESSION_SECRET', environment: 'development', version: 1 });
    assert.equal((await box.run(['get', 'SESSION_SECRET'])).stdout, `${value}\n`);
    failsWith(await box.run(['restore', 'SESSION_SECRET']), 'COFFER_E_NOT_FOUND', 1);

    const noYes = await box.run(['destroy', 'SESSION_SECRET']);
    failsWith(noYes, 'COFFER_E_USAGE', 2);
    assert.match(noYes.stderr, /pass --yes/);
    assert.equal((await box.run(['get', 'SESSION_SECRET'])).code, 0, 'not destroyed without --yes');
    const destroyed = await box.run(['destroy', 'SESSION_SECRET', '--yes']);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.match(destroyed.stdout, /destroyed SESSION_SECRET in development \(1 version removed for good\)/);
    failsWith(await box.run(['history', 'SESSION_SECRET']), 'COFFER_E_NOT_FOUND', 1);
    failsWith(await box.run(['restore', 'SESSION_SECRET']), 'COFFER_E_NOT_FOUND', 1);

    for (const out of [unconfirmed, deleted, restored, noYes, destroyed]) assertNoValues(out, [value]);
    assertPrivateStore(box);
  } finally {
    box.cleanup();
  }
});

test('a dotenv environment: set, get, list and delete work on a 0600 file; versions, history, restore and destroy are unsupported', async () => {
  const box = await project();
  try {
    const value = strong(80);
    const set = await box.run(['set', 'JWT_SECRET', '-e', 'staging'], { input: `${value}\n` });
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, `set JWT_SECRET in staging (${join(box.dir, '.env.staging')})\n`);
    const file = join(box.dir, '.env.staging');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal((await box.run(['get', 'JWT_SECRET', '-e', 'staging'])).stdout, `${value}\n`);
    const json = JSON.parse((await box.run(['get', 'JWT_SECRET', '-e', 'staging', '--json'])).stdout);
    assert.equal(json.value, value);
    assert.equal(json.version, undefined);
    assert.match(json.rotateBy, /^\d{4}-/);
    const list = await box.run(['list', '-e', 'staging']);
    assert.match(list.stdout, /^JWT_SECRET\s+-\s+\d{4}-\d{2}-\d{2}\s+\d{4}-\d{2}-\d{2}$/m);
    const unsupported = [
      await box.run(['get', 'JWT_SECRET', '-e', 'staging', '--version', '1']),
      await box.run(['get', 'JWT_SECRET', '-e', 'staging', '--stage', 'previous']),
      await box.run(['history', 'JWT_SECRET', '-e', 'staging']),
      await box.run(['restore', 'JWT_SECRET', '-e', 'staging']),
      await box.run(['destroy', 'JWT_SECRET', '-e', 'staging', '--yes']),
      await box.run(['set', 'JWT_SECRET', '-e', 'staging', '--expect-version', '1'], { input: strong(80) }),
    ];
    for (const out of unsupported) failsWith(out, 'COFFER_E_UNSUPPORTED', 2);
    const deleted = await box.run(['delete', 'JWT_SECRET', '-e', 'staging', '--yes']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /deleted JWT_SECRET from staging/);
    assert.ok(!readFileSync(file, 'utf8').includes(value));
    failsWith(await box.run(['get', 'JWT_SECRET', '-e', 'staging']), 'COFFER_E_NOT_FOUND', 1);
    for (const out of [set, list, deleted, ...unsupported]) assertNoValues(out, [value]);
  } finally {
    box.cleanup();
  }
});

test('a name that is no secret name is a clear usage error, echoed without control characters, and nothing is written', async () => {
  const box = await project();
  try {
    for (const name of ['../x', 'A\u0001', 'A\u001b[2J']) {
      for (const args of [['set', name], ['get', name], ['history', name], ['delete', name, '--yes'], ['destroy', name, '--yes']]) {
        const out = await box.run(args, { input: 'some-value-123' });
        failsWith(out, 'COFFER_E_USAGE', 2);
        assert.match(out.stderr, /is not a valid secret name: use letters, digits and _/);
        assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(out.stderr), 'no control character echoed'); // eslint-disable-line no-control-regex
      }
    }
    assert.deepEqual(JSON.parse((await box.run(['list', '--json'])).stdout).secrets, []);
  } finally {
    box.cleanup();
  }
});
