import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoValues, BIN, sandbox, type Sandbox } from './_harness.js';
import { assertNoPlaintextInStore, storePath, storeValues } from './_store-read.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const keysDir = (box: Sandbox) => join(box.home, '.config', 'coffer', 'keys');
const mode = (path: string) => statSync(path).mode & 0o777;

test('coffer init creates config, .env.example and .gitignore without prompting', async () => {
  const box = sandbox();
  try {
    writeFileSync(join(box.dir, '.gitignore'), 'node_modules/\n.env\n');
    const result = await box.run(['init']);
    assert.equal(result.code, 0, result.stderr);
    const config = JSON.parse(readFileSync(join(box.dir, 'coffer.config.json'), 'utf8'));
    assert.deepEqual(Object.keys(config.secrets), ['JWT_SECRET', 'JWT_REFRESH_SECRET', 'DB_PASSWORD', 'REDIS_PASSWORD', 'SESSION_SECRET', 'ENCRYPTION_KEY', 'INTERNAL_API_KEY', 'WEBHOOK_SECRET']);
    assert.deepEqual(Object.keys(config.environments), ['development', 'staging', 'production']);
    for (const env of Object.values(config.environments) as { provider: string; options: object }[]) {
      assert.equal(env.provider, 'store');
      assert.deepEqual(env.options, {});
    }
    assert.equal(config.project, 'project');
    const example = readFileSync(join(box.dir, '.env.example'), 'utf8');
    assert.match(example, /^# Real values live in the encrypted store \.coffer\/store\.db \(never committed; .*master key is kept outside the project\)\.$/m);
    assert.ok(!example.includes('.env.development'), 'the example no longer points at a dotenv file');
    assert.match(example, /# level: Critical \| category: jwt/);
    assert.match(example, /generated: 64 hex characters/);
    assert.match(example, /^DB_PASSWORD=$/m);
    const gitignore = readFileSync(join(box.dir, '.gitignore'), 'utf8');
    assert.ok(gitignore.startsWith('node_modules/\n.env\n'), 'existing lines kept');
    for (const line of ['.env.*', '!.env.example', '.coffer/', '*.key']) assert.ok(gitignore.split('\n').includes(line), line);
    assert.equal(gitignore.split('\n').filter((l) => l === '.env').length, 1, 'no duplicate entries');
    assert.match(result.stdout, /created\s+.*coffer\.config\.json/);
    assert.match(result.stdout, /created\s+.*\.coffer\/store\.db/);
  } finally {
    box.cleanup();
  }
});

test('coffer init refuses to overwrite an existing config, and --force backs it up', async () => {
  const box = sandbox();
  try {
    assert.equal((await box.run(['init', '--yes', '--project', 'shop'])).code, 0);
    const path = join(box.dir, 'coffer.config.json');
    writeFileSync(path, '{"edited": true}');
    const again = await box.run(['init', '--yes']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^coffer: COFFER_E_EXISTS: .*coffer\.config\.json already exists.*--force/);
    assert.equal(again.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(readFileSync(path, 'utf8'), '{"edited": true}', 'untouched');
    const forced = await box.run(['init', '--yes', '--force', '--json']);
    assert.equal(forced.code, 0, forced.stderr);
    const out = JSON.parse(forced.stdout);
    assert.ok(out.files.some((f: { action: string }) => f.action === 'replaced'));
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).version, 1);
    const backups = (await import('node:fs')).readdirSync(box.dir).filter((f) => f.startsWith('coffer.config.json.bak-'));
    assert.equal(backups.length, 1);
    assert.equal(statSync(join(box.dir, backups[0] as string)).mode & 0o777, 0o600);
  } finally {
    box.cleanup();
  }
});

test('usage errors exit 2 with one line', async () => {
  const box = sandbox();
  try {
    const result = await box.run(['init', '--bogus']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option '--bogus'/);
    const version = await box.run(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    const noConfig = await box.run(['generate']);
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /COFFER_E_CONFIG_NOT_FOUND.*coffer init/);
  } finally {
    box.cleanup();
  }
});

test('init creates the store 0600 in a 0700 directory and a random key file 0600 under HOME, and prints where the key is', async () => {
  const box = sandbox();
  try {
    const result = await box.run(['init', '--yes']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(mode(join(box.dir, '.coffer')), 0o700);
    assert.equal(mode(storePath(box)), 0o600);
    for (const file of readdirSync(join(box.dir, '.coffer'))) assert.equal(mode(join(box.dir, '.coffer', file)) & 0o077, 0, `${file} is private`);
    const keyFiles = readdirSync(keysDir(box));
    assert.equal(keyFiles.length, 1);
    const keyFile = join(keysDir(box), keyFiles[0] as string);
    assert.equal(mode(keyFile), 0o600);
    for (const dir of [join(box.home, '.config'), join(box.home, '.config', 'coffer'), keysDir(box)]) assert.equal(mode(dir), 0o700, dir);
    const key = readFileSync(keyFile, 'utf8').trim();
    assert.match(key, /^[0-9a-f]{64}$/);
    // The path is printed, with one line on keeping the key safe; the key itself never is.
    assert.match(result.stdout, new RegExp(`Master key file: ${keyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
    assert.match(result.stdout, /^Back up this key file and keep it out of version control: without it the store cannot be opened\.$/m);
    assertNoValues(result, [key]);
    // The key file's name is the store's id, which the JSON output reports with the paths.
    const again = sandbox();
    try {
      const json = await again.run(['init', '--yes', '--json']);
      assert.equal(json.code, 0, json.stderr);
      const out = JSON.parse(json.stdout);
      assert.deepEqual(Object.keys(out).sort(), ['files', 'store']);
      assert.equal(out.store.path, storePath(again));
      assert.equal(out.store.keySource, 'key-file');
      assert.equal(out.store.keyFile, join(keysDir(again), `${out.store.id}.key`));
      assert.ok(existsSync(out.store.keyFile));
      assert.deepEqual(out.files.find((f: { path: string }) => f.path === storePath(again)), { path: storePath(again), action: 'created' });
    } finally {
      again.cleanup();
    }
  } finally {
    box.cleanup();
  }
});

test('with COFFER_MASTER_KEY, init writes no key file and the store opens only with that key', async () => {
  const box = sandbox();
  try {
    const masterKey = 'c0ffee'.repeat(10) + 'beef';
    const result = await box.run(['init', '--yes', '--json'], { env: { COFFER_MASTER_KEY: masterKey } });
    assert.equal(result.code, 0, result.stderr);
    const { store } = JSON.parse(result.stdout);
    assert.equal(store.keySource, 'env');
    assert.equal(store.keyFile, undefined);
    assert.ok(!existsSync(join(box.home, '.config')), 'no key file or directory written');
    assert.equal(mode(storePath(box)), 0o600);
    const human = await box.run(['init', '--yes', '--force'], { env: { COFFER_MASTER_KEY: masterKey } });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /kept\s+.*\.coffer\/store\.db/);
    assert.match(human.stdout, /master key is COFFER_MASTER_KEY \(no key file written\)/);
    assertNoValues(result, [masterKey]);
    assertNoValues(human, [masterKey]);
    const generated = await box.run(['generate'], { env: { COFFER_MASTER_KEY: masterKey } });
    assert.equal(generated.code, 0, generated.stderr);
    const withoutKey = await box.run(['validate']);
    assert.equal(withoutKey.code, 2);
    assert.match(withoutKey.stderr, /COFFER_E_BAD_MASTER_KEY: No master key for this store/);
    assert.equal(Object.keys(await storeValues(box, 'development', { COFFER_MASTER_KEY: masterKey })).length, 8);
  } finally {
    box.cleanup();
  }
});

test('init --passphrase without a terminal is a usage error that writes nothing', async () => {
  const box = sandbox();
  try {
    const result = await box.run(['init', '--yes', '--passphrase']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^coffer: COFFER_E_USAGE: --passphrase .*terminal.*COFFER_MASTER_KEY/);
    assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    assert.deepEqual(readdirSync(box.dir), [], 'nothing written');
    assert.ok(!existsSync(join(box.home, '.config')));
  } finally {
    box.cleanup();
  }
});

test('init --force keeps the existing store, its key and its values', async () => {
  const box = sandbox();
  try {
    const first = JSON.parse((await box.run(['init', '--yes', '--json'])).stdout);
    assert.equal((await box.run(['generate'])).code, 0);
    const key = readFileSync(first.store.keyFile, 'utf8');
    const values = await storeValues(box, 'development');
    assert.equal(Object.keys(values).length, 8);
    const forced = await box.run(['init', '--yes', '--force', '--json']);
    assert.equal(forced.code, 0, forced.stderr);
    const out = JSON.parse(forced.stdout);
    assert.deepEqual(out.files.find((f: { path: string }) => f.path === storePath(box)), { path: storePath(box), action: 'kept' });
    assert.equal(out.files.find((f: { path: string }) => f.path.endsWith('coffer.config.json')).action, 'replaced');
    assert.deepEqual(out.store, first.store, 'same store id, key source and key file');
    assert.deepEqual(readdirSync(keysDir(box)), [`${first.store.id}.key`], 'no second key file');
    assert.equal(readFileSync(first.store.keyFile, 'utf8'), key, 'the key file is untouched');
    assert.deepEqual(await storeValues(box, 'development'), values);
    const kept = await box.run(['generate', '--json']);
    assert.ok(JSON.parse(kept.stdout).secrets.every((s: { action: string }) => s.action === 'kept'));
    const human = await box.run(['init', '--yes', '--force']);
    assert.match(human.stdout, /kept\s+.*\.coffer\/store\.db/);
    assert.match(human.stdout, /Store kept\. Master key file: /);
    assertNoValues(forced, values);
  } finally {
    box.cleanup();
  }
});

test('init --force on a store whose key is gone stops before writing anything, and says how to start over', async () => {
  const box = sandbox();
  try {
    const { store } = JSON.parse((await box.run(['init', '--yes', '--json'])).stdout);
    rmSync(store.keyFile);
    const configPath = join(box.dir, 'coffer.config.json');
    writeFileSync(configPath, '{"edited": true}');
    const result = await box.run(['init', '--yes', '--force']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^coffer: COFFER_E_BAD_MASTER_KEY: No master key for this store: .*init keeps existing stores: to start over with a new one, move .*\.coffer\/store\.db away first/);
    assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(readFileSync(configPath, 'utf8'), '{"edited": true}', 'config untouched');
    assert.ok(!readdirSync(box.dir).some((f) => f.includes('.bak-')), 'no backup made either');
    assert.ok(existsSync(storePath(box)), 'the store is kept');
  } finally {
    box.cleanup();
  }
});

test('init --yes, generate development and validate development pass on the store, with no value in clear under .coffer', async () => {
  const box = sandbox();
  try {
    const runs = [];
    for (const args of [['init', '--yes'], ['generate', 'development'], ['validate', 'development']]) {
      const result = await box.run(args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      runs.push(result);
    }
    assert.match(runs[2]?.stdout ?? '', /Status: COMPLIANT/);
    assert.match(runs[1]?.stdout ?? '', /-> .*\.coffer\/store\.db \(environment development\)/);
    assert.ok(!readdirSync(box.dir).some((f) => f.startsWith('.env.') && f !== '.env.example'), 'no dotenv file');
    const values = Object.values(await storeValues(box, 'development'));
    assert.equal(values.length, 8);
    assertNoPlaintextInStore(box, values);
    for (const file of ['coffer.config.json', '.env.example', '.gitignore']) {
      const text = readFileSync(join(box.dir, file), 'utf8');
      for (const value of values) assert.ok(!text.includes(value), `a value is in ${file}`);
    }
    for (const run of runs) assertNoValues(run, values);
  } finally {
    box.cleanup();
  }
});

test('init --provider dotenv keeps every environment in .env.<env> files and creates no store', async () => {
  const box = sandbox();
  try {
    const result = await box.run(['init', '--yes', '--provider', 'dotenv', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout);
    assert.equal(out.store, undefined);
    assert.deepEqual(out.files.map((f: { action: string }) => f.action), ['created', 'created', 'created']);
    const config = JSON.parse(readFileSync(join(box.dir, 'coffer.config.json'), 'utf8'));
    for (const env of ['development', 'staging', 'production']) {
      assert.equal(config.environments[env].provider, 'dotenv');
      assert.deepEqual(config.environments[env].options, { path: `.env.${env}` });
    }
    assert.ok(!existsSync(join(box.dir, '.coffer')) && !existsSync(join(box.home, '.config')), 'no store and no key');
    assert.match(readFileSync(join(box.dir, '.env.example'), 'utf8'), /^# Real values live in the dotenv files \.env\.development, \.env\.staging, \.env\.production \(never committed\)\.$/m);
    assert.equal((await box.run(['generate'])).code, 0);
    assert.equal(mode(join(box.dir, '.env.development')), 0o600);
    const bogus = await box.run(['init', '--yes', '--force', '--provider', 'vault']);
    assert.equal(bogus.code, 2);
    assert.match(bogus.stderr, /COFFER_E_USAGE: .*'vault' is invalid.*store, dotenv/);
  } finally {
    box.cleanup();
  }
});

test('init --passphrase on a terminal asks twice with echo off; the store opens with that passphrase and has no key file', async (t) => {
  const { spawnSync, spawn } = await import('node:child_process');
  if (spawnSync('script', ['--version']).status !== 0) {
    t.skip('util-linux `script` is not installed; it provides the pseudo-terminal');
    return;
  }
  const box = sandbox();
  // Runs init on a pseudo-terminal, typing each answer when its prompt appears.
  const onTerminal = (answers: string[]) => new Promise<{ code: number; output: string }>((resolve) => {
    const child = spawn('script', ['-qec', `${process.execPath} ${BIN} init --yes --passphrase`, '/dev/null'], {
      cwd: box.dir, env: { PATH: process.env.PATH ?? '', HOME: box.home, NO_COLOR: '1', TERM: 'dumb' },
    });
    let output = '';
    let prompts = 0;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const seen = (output.match(/(New store passphrase|Repeat the passphrase): /g) ?? []).length;
      while (prompts < seen) child.stdin.write(`${answers[prompts++] ?? ''}\r`);
    });
    child.on('close', (c) => resolve({ code: c ?? -1, output }));
  });
  try {
    const short = await onTerminal(['too short', 'too short']);
    assert.equal(short.code, 2, short.output);
    assert.match(short.output, /COFFER_E_USAGE: The passphrase is shorter than 12 characters/);
    const differ = await onTerminal(['correct horse battery', 'correct horse batterz']);
    assert.equal(differ.code, 2, differ.output);
    assert.match(differ.output, /COFFER_E_USAGE: The two passphrases differ/);
    assert.ok(!existsSync(storePath(box)) && !existsSync(join(box.dir, 'coffer.config.json')), 'a refused passphrase creates nothing');
    const passphrase = 'correct horse battery staple';
    const ok = await onTerminal([passphrase, passphrase]);
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /its master key comes from your passphrase/);
    for (const r of [short, differ, ok]) assert.ok(!r.output.includes('correct horse') && !r.output.includes('too short'), 'a passphrase was echoed');
    assert.ok(!existsSync(join(box.home, '.config')), 'no key file');
    assert.equal(mode(storePath(box)), 0o600);
    const store = await openSqliteStore({ path: storePath(box), env: { HOME: box.home }, passphrase: async () => passphrase });
    try {
      assert.equal(store.keySource, 'passphrase');
    } finally {
      store.close();
    }
    await assert.rejects(openSqliteStore({ path: storePath(box), env: { HOME: box.home }, passphrase: async () => 'another passphrase entirely' }), /BAD_MASTER_KEY|master key/i);
  } finally {
    box.cleanup();
  }
});
