/**
 * `coffer audit` and `coffer audit verify` end to end, with the built binary on a project whose
 * environments live in the embedded store: the log shows writes and reads but never a value, the
 * filters work, and verify names the first entry edited or removed behind Coffer's back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { assertNoValues, editConfig, sandbox, type RunResult, type Sandbox } from './_harness.js';
import { storePath, storeValues } from './_store-read.js';

interface Entry { seq: number; at: string; actor: string; action: string; env: string | null; name: string | null; version: number | null; outcome: string; detail: string | null; mac: string }

/**
 * A project with every environment on the store, development and production generated and
 * development validated by the CLI as `alice`; the values are then read back (as `test`).
 */
async function storeProject(): Promise<{ box: Sandbox; values: Record<string, string> }> {
  const box = sandbox();
  assert.equal((await box.run(['init', '--yes'])).code, 0);
  editConfig(box, (config) => {
    for (const env of Object.values(config.environments) as Record<string, unknown>[]) {
      env.provider = 'store';
      env.options = {};
    }
  });
  for (const args of [['generate', 'development'], ['generate', 'production'], ['validate', 'development']]) {
    const result = await box.run(args, { env: { COFFER_ACTOR: 'alice' } });
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}${result.stdout}`);
  }
  const dev = await storeValues(box, 'development');
  const prod = await storeValues(box, 'production');
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(dev)) values[`development/${name}`] = value;
  for (const [name, value] of Object.entries(prod)) values[`production/${name}`] = value;
  return { box, values };
}

const entries = (result: RunResult): Entry[] => {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Entry[];
};

test('audit lists the environment\'s writes and reads, oldest first, with actor and version, never a value', async () => {
  const { box, values } = await storeProject();
  try {
    const table = await box.run(['audit']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Audit log of .*\.coffer\/store\.db \(environment development\): \d+ entries/);
    assert.match(table.stdout, /TIME\s+ACTOR\s+ACTION\s+ENV\/NAME\s+VERSION\s+OUTCOME\s+DETAIL/);
    assert.match(table.stdout, /\S+Z\s+alice\s+write\s+development\/JWT_SECRET\s+1\s+ok\s+current/);
    assert.match(table.stdout, /\S+Z\s+alice\s+read\s+development\/JWT_SECRET\s+1\s+ok/);
    assert.ok(!table.stdout.includes('production/'), 'other environments are left out');
    assert.match(table.stdout, /--all-envs/);

    const listed = entries(await box.run(['audit', '--json']));
    const secrets = Object.keys(values).filter((k) => k.startsWith('development/')).length;
    const by = (action: string, actor: string) => listed.filter((e) => e.action === action && e.actor === actor).length;
    assert.equal(by('write', 'alice'), secrets);
    assert.equal(by('read', 'alice'), secrets, 'validate read each secret once');
    assert.equal(by('read', 'test'), secrets, 'the test read each secret back once');
    assert.equal(listed.length, 3 * secrets);
    assert.ok(listed.every((e) => e.env === 'development' && e.outcome === 'ok' && /^[0-9a-f]{64}$/.test(e.mac)));
    assert.deepEqual(listed.map((e) => e.seq), [...listed.map((e) => e.seq)].sort((a, b) => a - b));
    assert.deepEqual(Object.keys(listed[0] ?? {}).sort(), ['action', 'actor', 'at', 'detail', 'env', 'mac', 'name', 'outcome', 'seq', 'version']);

    const everything = await box.run(['audit', '--all-envs', '--json']);
    assert.deepEqual([...new Set(entries(everything).map((e) => e.env))].sort(), ['development', 'production']);
    // -e picks the environment inside the same store file.
    assert.ok(entries(await box.run(['audit', '-e', 'production', '--json'])).every((e) => e.env === 'production'));
    for (const result of [table, everything]) assertNoValues(result, values);
  } finally {
    box.cleanup();
  }
});

test('audit filters: --secret, --action, --since, --limit; bad filters are usage errors with an example', async () => {
  const { box, values } = await storeProject();
  try {
    const jwt = entries(await box.run(['audit', '--secret', 'JWT_SECRET', '--json']));
    // Written and read by the CLI (alice), then read back by the test itself.
    assert.deepEqual(jwt.map((e) => [e.action, e.actor]), [['write', 'alice'], ['read', 'alice'], ['read', 'test']]);
    assert.ok(jwt.every((e) => e.name === 'JWT_SECRET'));
    const jwtEverywhere = entries(await box.run(['audit', '--secret', 'JWT_SECRET', '--action', 'write', '--all-envs', '--json']));
    assert.deepEqual(jwtEverywhere.map((e) => e.env), ['development', 'production']);
    const reads = entries(await box.run(['audit', '--action', 'read', '--json']));
    assert.ok(reads.length > 0 && reads.every((e) => e.action === 'read'));
    const all = entries(await box.run(['audit', '--json']));
    const newest = entries(await box.run(['audit', '--limit', '3', '--json']));
    assert.deepEqual(newest.map((e) => e.seq), all.slice(-3).map((e) => e.seq));
    assert.equal(entries(await box.run(['audit', '--since', '1h', '--json'])).length, all.length);
    assert.deepEqual(entries(await box.run(['audit', '--since', '2099-01-01', '--json'])), []);
    const since = (all[3]?.at ?? '');
    assert.deepEqual(entries(await box.run(['audit', '--since', since, '--json'])).map((e) => e.seq), all.filter((e) => e.at >= since).map((e) => e.seq));
    const none = await box.run(['audit', '--since', '2099-01-01']);
    assert.match(none.stdout, /: 0 entries since 2099-01-01T00:00:00\.000Z/);

    const badSince = await box.run(['audit', '--since', 'last tuesday']);
    assert.equal(badSince.code, 2);
    assert.match(badSince.stderr, /COFFER_E_USAGE: --since "last tuesday" is not a time: .*24h.*2024-05-01/);
    for (const [option, value] of [['--limit', 'ten'], ['--limit', '0'], ['--limit', '1e3'], ['--secret', 'no-such-name!']] as const) {
      const bad = await box.run(['audit', option, value]);
      assert.equal(bad.code, 2, `${option} ${value}`);
      assert.match(bad.stderr, new RegExp(`COFFER_E_USAGE: ${option}`));
    }
    const json = await box.run(['audit', '--since', 'soon', '--json']);
    assert.equal(JSON.parse(json.stdout).error.code, 'COFFER_E_USAGE');
    assertNoValues(json, values);
  } finally {
    box.cleanup();
  }
});

test('audit verify passes, then names the first entry edited or removed in the store file', async () => {
  const { box, values } = await storeProject();
  try {
    const intact = await box.run(['audit', 'verify']);
    assert.equal(intact.code, 0, intact.stderr);
    const total = entries(await box.run(['audit', '--all-envs', '--json'])).length;
    assert.match(intact.stdout, new RegExp(`^audit chain intact: ${total} entries`));
    // The option may come before the subcommand too; the chain is the whole file's either way.
    const json = await box.run(['audit', '-e', 'production', 'verify', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).ok, true);
    assert.equal(JSON.parse(json.stdout).entries, total);

    const db = new Database(storePath(box));
    try {
      db.prepare('UPDATE audit SET actor = ? WHERE seq = 5').run('mallory');
      const edited = await box.run(['audit', 'verify']);
      assert.equal(edited.code, 1, edited.stderr);
      assert.match(edited.stdout, /audit chain broken at entry #5 \(edited\); entries before it are intact/);
      assert.match(edited.stdout, /restore the store from a backup/);
      const editedJson = await box.run(['audit', 'verify', '--json']);
      assert.equal(editedJson.code, 1);
      assert.deepEqual({ ...JSON.parse(editedJson.stdout), store: undefined }, { store: undefined, ok: false, entries: 5, firstBadSeq: 5, reason: 'edited' });
      assertNoValues(edited, values);
      assertNoValues(editedJson, values);

      // Putting the actor back makes the chain intact again; then remove an entry in the middle.
      db.prepare('UPDATE audit SET actor = ? WHERE seq = 5').run('alice');
      assert.equal((await box.run(['audit', 'verify'])).code, 0);
      db.prepare('DELETE FROM audit WHERE seq = 7').run();
      const removed = await box.run(['audit', 'verify']);
      assert.equal(removed.code, 1);
      assert.match(removed.stdout, /audit chain broken at entry #7 \(removed or reordered\); entries before it are intact/);
    } finally {
      db.close();
    }
    for (const result of [intact, json]) assertNoValues(result, values);
  } finally {
    box.cleanup();
  }
});

test('cutting entries off the end of the log is detected too', async () => {
  const { box } = await storeProject();
  try {
    const last = Math.max(...entries(await box.run(['audit', '--all-envs', '--json'])).map((e) => e.seq));
    const db = new Database(storePath(box));
    try {
      db.prepare('DELETE FROM audit WHERE seq >= ?').run(last - 1);
    } finally {
      db.close();
    }
    const cut = await box.run(['audit', 'verify']);
    assert.equal(cut.code, 1);
    assert.match(cut.stdout, new RegExp(`broken at entry #${last - 1} \\(removed or reordered\\)`));
  } finally {
    box.cleanup();
  }
});

test('audit needs the store: another provider is refused, a store not yet created is named, list filters do not go with verify', async () => {
  const box = sandbox();
  try {
    await box.run(['init', '--yes']);
    editConfig(box, (config) => {
      config.environments.development = { profile: 'development', provider: 'dotenv', options: { path: '.env.development' } };
      config.environments.production = { profile: 'production', provider: 'store', options: { path: '.coffer/not-yet.db' } };
    });
    const missing = await box.run(['audit', '-e', 'production']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /COFFER_E_NOT_FOUND: Environment "production" has no store yet/);
    const dotenv = await box.run(['audit', '-e', 'development']);
    assert.equal(dotenv.code, 2);
    assert.match(dotenv.stderr, /COFFER_E_UNSUPPORTED: .*dotenv provider/);
    const verifyDotenv = await box.run(['audit', 'verify', '-e', 'development', '--json']);
    assert.equal(verifyDotenv.code, 2);
    assert.equal(JSON.parse(verifyDotenv.stdout).error.code, 'COFFER_E_UNSUPPORTED');
    const mixed = await box.run(['audit', '--secret', 'JWT_SECRET', 'verify']);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /COFFER_E_USAGE: `audit verify` checks the whole store and takes no list filters \(--secret\)/);
    const extra = await box.run(['audit', 'verfy']);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /COFFER_E_USAGE/);
  } finally {
    box.cleanup();
  }
});

test('the audit table shows control characters in an actor as escapes, never raw', async () => {
  const box = sandbox();
  try {
    await box.run(['init', '--yes']);
    editConfig(box, (config) => {
      config.environments.development = { profile: 'development', provider: 'store', options: {} };
    });
    const generated = await box.run(['generate', '--only', 'JWT_SECRET'], { env: { COFFER_ACTOR: 'eve\u001b[2J\u009b31m' } });
    assert.equal(generated.code, 0, generated.stderr);
    const table = await box.run(['audit']);
    assert.equal(table.code, 0, table.stderr);
    assert.ok(table.stdout.includes('eve\\u{1b}[2J\\u{9b}31m  write'), table.stdout);
    assert.ok(!table.stdout.includes('\u001b') && !table.stdout.includes('\u009b'), 'a raw control character reached the terminal');
    // JSON keeps the actor as recorded, escaped so that it is harmless on a terminal too.
    const json = await box.run(['audit', '--json']);
    assert.ok(!json.stdout.includes('\u001b') && !json.stdout.includes('\u009b'), 'a raw control character reached the terminal');
    assert.equal(entries(json)[0]?.actor, 'eve\u001b[2J\u009b31m');
    // --json given before the subcommand applies to it.
    const verified = await box.run(['audit', '--json', 'verify']);
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(JSON.parse(verified.stdout).ok, true);
    assertNoValues(table, await storeValues(box, 'development'));
  } finally {
    box.cleanup();
  }
});
