/**
 * `coffer key rotate`, `key change` and `key info` end to end, with the built binary on a project
 * whose environments live in the embedded store: values survive a rotation and a change, the old
 * key file is kept as a private backup, a passphrase is only ever asked on a terminal (twice, with
 * echo off), COFFER_MASTER_KEY is protected from being silently orphaned, and no key or value is
 * ever printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isCofferError } from '../../src/core/errors.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { assertNoValues, BIN, editConfig, sandbox, type Sandbox } from './_harness.js';
import { storePath, storeValues } from './_store-read.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
const MASTER_KEY = 'ab12cd34'.repeat(8);

/** A project with every environment on the store and development and production generated. */
async function storeProject(env: Record<string, string> = {}): Promise<{ box: Sandbox; values: Record<string, string> }> {
  const box = sandbox();
  assert.equal((await box.run(['init', '--yes'], { env })).code, 0);
  editConfig(box, (config) => {
    for (const e of Object.values(config.environments) as Record<string, unknown>[]) {
      e.provider = 'store';
      e.options = {};
    }
  });
  for (const name of ['development', 'production']) {
    const result = await box.run(['generate', name], { env });
    assert.equal(result.code, 0, result.stderr);
  }
  return { box, values: await allValues(box, env) };
}

async function allValues(box: Sandbox, env: Record<string, string> = {}): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const name of ['development', 'production']) {
    for (const [secret, value] of Object.entries(await storeValues(box, name, env))) values[`${name}/${secret}`] = value;
  }
  return values;
}

const keyDir = (box: Sandbox) => join(box.home, '.config', 'coffer', 'keys');
const keyFiles = (box: Sandbox) => readdirSync(keyDir(box)).sort();
const mode = (path: string) => statSync(path).mode & 0o777;

/** Runs the binary on a pseudo-terminal, typing each answer when its prompt appears. */
function onTerminal(box: Sandbox, args: string, answers: readonly (readonly [RegExp, string])[]): Promise<{ code: number; output: string }> {
  const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} -- ${JSON.stringify(BIN)} ${args}`, '/dev/null'], {
    cwd: box.dir, env: { PATH: process.env.PATH ?? '', HOME: box.home, NO_COLOR: '1', TERM: 'dumb' },
  });
  let output = '';
  let next = 0;
  let answeredAt = 0;
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    const answer = answers[next];
    // Look for the next prompt only in what appeared since the last answer.
    if (answer !== undefined && answer[0].test(output.slice(answeredAt))) {
      next += 1;
      answeredAt = output.length;
      child.stdin.write(`${answer[1]}\r`);
    }
  });
  // A prompt that never comes must fail the test, not hang it.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(timer);
    resolve({ code: code ?? -1, output });
  }));
}

test('key rotate re-wraps the data keys: values still read, the key file is unchanged, the store audits it', async () => {
  const { box, values } = await storeProject();
  try {
    const [keyFile] = keyFiles(box);
    const keyBefore = readFileSync(join(keyDir(box), keyFile ?? ''));
    const rotated = await box.run(['key', 'rotate']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /rotated keyring of .*store\.db: now version 2, \d+ data keys? re-wrapped/);
    const again = await box.run(['key', 'rotate', '-e', 'production', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const result = JSON.parse(again.stdout);
    assert.equal(result.keyringVersion, 3);
    assert.ok(result.dataKeys >= 1);
    assert.match(result.store, /\.coffer\/store\.db$/);

    assert.deepEqual(keyFiles(box), [keyFile]);
    assert.deepEqual(readFileSync(join(keyDir(box), keyFile ?? '')), keyBefore, 'the root key did not change');
    const validated = await box.run(['validate', 'production']);
    assert.equal(validated.code, 0, validated.stdout);
    assert.deepEqual(await allValues(box), values);
    const audit = JSON.parse((await box.run(['audit', '--all-envs', '--action', 'key-rotate', '--json'])).stdout);
    assert.deepEqual(audit.map((e: { detail: string }) => e.detail.replace(/\d+ data keys?/, 'N data keys')), ['keyring version 2, N data keys re-wrapped', 'keyring version 3, N data keys re-wrapped']);
    assert.equal((await box.run(['audit', 'verify'])).code, 0);
    for (const out of [rotated, again, validated]) assertNoValues(out, [...Object.values(values), keyBefore.toString().trim()]);
  } finally {
    box.cleanup();
  }
});

test('key change --to key-file: a new 0600 key file, the old one kept as a 0600 backup, values intact', async () => {
  const { box, values } = await storeProject();
  try {
    const [keyName] = keyFiles(box);
    const keyFile = join(keyDir(box), keyName ?? '');
    const oldKey = readFileSync(keyFile, 'utf8').trim();
    const changed = await box.run(['key', 'change', '--to', 'key-file']);
    assert.equal(changed.code, 0, changed.stderr);
    const backups = keyFiles(box).filter((f) => f.startsWith(`${keyName}.bak-`));
    assert.equal(backups.length, 1);
    const backup = join(keyDir(box), backups[0] ?? '');
    assert.ok(changed.stdout.includes(`The old key file was kept at ${backup}`), changed.stdout);
    assert.match(changed.stdout, /Backups taken before this change still need it/);
    assert.ok(changed.stdout.includes(`it now opens with the new key file ${keyFile}`));
    assert.equal(mode(backup), 0o600);
    assert.equal(mode(keyFile), 0o600);
    assert.equal(readFileSync(backup, 'utf8').trim(), oldKey);
    const newKey = readFileSync(keyFile, 'utf8').trim();
    assert.notEqual(newKey, oldKey);
    assert.deepEqual(keyFiles(box).filter((f) => f.endsWith('.new')), [], 'no pending key file left');

    // The store opens with the new key file, and no longer with the old key.
    assert.deepEqual(await allValues(box), values);
    assert.equal((await box.run(['validate', 'development'])).code, 0);
    await assert.rejects(openSqliteStore({ path: storePath(box), env: { HOME: box.home, COFFER_MASTER_KEY: oldKey } }), (e: unknown) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY'));
    assert.deepEqual(await allValues(box, { COFFER_MASTER_KEY: newKey }), values);

    const info = await box.run(['key', 'info', '--json']);
    assert.equal(info.code, 0, info.stderr);
    assert.deepEqual({ ...JSON.parse(info.stdout), storeId: undefined }, {
      store: storePath(box), storeId: undefined, keySource: 'key-file', keyFile, keyFileExists: true, keyFileMode: '0600', oldKeyFiles: [backup], masterKeyEnv: false,
    });
    const audit = JSON.parse((await box.run(['audit', '--all-envs', '--action', 'key-change', '--json'])).stdout);
    assert.deepEqual(audit.map((e: { detail: string }) => e.detail), ['root key replaced by a new key file']);
    assert.equal((await box.run(['audit', 'verify'])).code, 0);
    for (const out of [changed, info]) assertNoValues(out, [...Object.values(values), oldKey, newKey]);
  } finally {
    box.cleanup();
  }
});

test('key info shows the key source and the key file; never a key', async () => {
  const { box, values } = await storeProject();
  try {
    const [keyName] = keyFiles(box);
    const key = readFileSync(join(keyDir(box), keyName ?? ''), 'utf8').trim();
    const info = await box.run(['key', 'info']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /opened by: key file/);
    assert.ok(info.stdout.includes(`key file:  ${join(keyDir(box), keyName ?? '')} (mode 0600)`), info.stdout);
    assert.ok(info.stdout.includes(`store id:  ${(keyName ?? '').replace(/\.key$/, '')}`));
    const viaEnv = await box.run(['key', 'info', '--json'], { env: { COFFER_MASTER_KEY: key } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.equal(JSON.parse(viaEnv.stdout).keySource, 'env');
    assert.equal(JSON.parse(viaEnv.stdout).masterKeyEnv, true);
    for (const out of [info, viaEnv]) assertNoValues(out, [...Object.values(values), key]);
  } finally {
    box.cleanup();
  }
});

test('key change --to passphrase without a terminal is a usage error and changes nothing', async () => {
  const { box, values } = await storeProject();
  try {
    const before = keyFiles(box);
    const refused = await box.run(['key', 'change', '--to', 'passphrase'], { input: 'a long enough passphrase\n' });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /COFFER_E_USAGE: A new passphrase is asked on a terminal/);
    const json = await box.run(['key', 'change', '--to', 'passphrase', '--json']);
    assert.equal(json.code, 2);
    assert.equal(JSON.parse(json.stdout).error.code, 'COFFER_E_USAGE');
    assert.deepEqual(keyFiles(box), before);
    assert.deepEqual(await allValues(box), values);
    assert.deepEqual(JSON.parse((await box.run(['audit', '--all-envs', '--action', 'key-change', '--json'])).stdout), []);
  } finally {
    box.cleanup();
  }
});

test('while COFFER_MASTER_KEY is set, key change is refused unless --yes, which warns that the variable stops working', async () => {
  const env = { COFFER_MASTER_KEY: MASTER_KEY };
  const { box, values } = await storeProject(env);
  try {
    assert.ok(!existsSync(keyDir(box)), 'a store made with COFFER_MASTER_KEY has no key file');
    const refused = await box.run(['key', 'change'], { env });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /COFFER_E_USAGE: COFFER_MASTER_KEY is set: after a key change it no longer opens the store.*--yes/);
    assert.deepEqual(await allValues(box, env), values);

    const changed = await box.run(['key', 'change', '--yes', '--json'], { env });
    assert.equal(changed.code, 0, changed.stderr);
    const result = JSON.parse(changed.stdout);
    assert.deepEqual({ previousKeySource: result.previousKeySource, keySource: result.keySource, masterKeyEnvStale: result.masterKeyEnvStale }, { previousKeySource: 'env', keySource: 'key-file', masterKeyEnvStale: true });
    assert.match(changed.stderr, /warning: COFFER_MASTER_KEY no longer opens this store; remove it/);
    assert.equal(mode(result.keyFile), 0o600);

    // With the variable still set, the store refuses to open; without it, the key file opens it.
    const stale = await box.run(['validate', 'development'], { env });
    assert.equal(stale.code, 2);
    assert.match(stale.stderr, /COFFER_E_BAD_MASTER_KEY/);
    assert.deepEqual(await allValues(box), values);
    for (const out of [refused, changed, stale]) assertNoValues(out, [...Object.values(values), MASTER_KEY]);
  } finally {
    box.cleanup();
  }
});

test('key change --to passphrase on a terminal: asked twice with echo off; afterwards only the passphrase opens the store', { skip: hasScript ? false : 'util-linux `script` is not installed' }, async () => {
  const { box, values } = await storeProject();
  try {
    const [keyName] = keyFiles(box);
    const keyFile = join(keyDir(box), keyName ?? '');
    const oldKey = readFileSync(keyFile, 'utf8').trim();
    const phrase = 'correct horse battery staple 42';

    // A mismatch and a short passphrase change nothing.
    const mismatch = await onTerminal(box, 'key change --to passphrase', [[/New store passphrase/, phrase], [/Repeat the new passphrase/, `${phrase}!`]]);
    assert.equal(mismatch.code, 2, mismatch.output);
    assert.match(mismatch.output, /COFFER_E_USAGE: The two passphrases differ; nothing was changed/);
    const short = await onTerminal(box, 'key change --to passphrase', [[/New store passphrase/, 'too short'], [/Repeat/, 'too short']]);
    assert.equal(short.code, 2, short.output);
    assert.match(short.output, /COFFER_E_USAGE: .*at least 12 characters/);
    assert.deepEqual(keyFiles(box), [keyName]);
    assert.deepEqual(await allValues(box), values);

    const changed = await onTerminal(box, 'key change --to passphrase', [[/New store passphrase \(12 characters or more\): /, phrase], [/Repeat the new passphrase: /, phrase]]);
    assert.equal(changed.code, 0, changed.output);
    assert.ok(!changed.output.includes(phrase), 'the passphrase was echoed');
    assert.match(changed.output, /it now opens with your new passphrase/);
    const backups = keyFiles(box).filter((f) => f.startsWith(`${keyName}.bak-`));
    assert.equal(backups.length, 1);
    assert.ok(changed.output.replace(/\r?\n/g, '').includes(`The old key file was kept at ${join(keyDir(box), backups[0] ?? '')}`), changed.output);
    assert.ok(!existsSync(keyFile), 'the old key file no longer sits where the store looks for its key');
    assert.equal(mode(join(keyDir(box), backups[0] ?? '')), 0o600);

    // Only the passphrase opens the store now: not the old key, and nothing without a terminal.
    await assert.rejects(openSqliteStore({ path: storePath(box), env: { HOME: box.home } }), (e: unknown) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY'));
    await assert.rejects(openSqliteStore({ path: storePath(box), env: { HOME: box.home, COFFER_MASTER_KEY: oldKey } }), (e: unknown) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY'));
    const store = await openSqliteStore({ path: storePath(box), env: { HOME: box.home }, passphrase: async () => phrase });
    try {
      assert.equal(store.keySource, 'passphrase');
      for (const [key, value] of Object.entries(values)) {
        const [env, name] = key.split('/') as [string, string];
        assert.equal((await store.get(env, name, { actor: 'test' })).value, value);
      }
    } finally {
      store.close();
    }
    const noTerminal = await box.run(['validate', 'development']);
    assert.equal(noTerminal.code, 2);
    assert.match(noTerminal.stderr, /COFFER_E_BAD_MASTER_KEY/);
    // On a terminal the CLI asks for it, and key info says what opened the store.
    const info = await onTerminal(box, 'key info', [[/Store passphrase: /, phrase]]);
    assert.equal(info.code, 0, info.output);
    assert.match(info.output, /opened by: passphrase/);
    assert.match(info.output, /\(does not exist\)/);
    for (const out of [mismatch, short, changed, info]) assertNoValues({ code: out.code, stdout: out.output, stderr: '' }, [...Object.values(values), oldKey, phrase]);
  } finally {
    box.cleanup();
  }
});
