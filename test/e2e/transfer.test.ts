import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { assertNoValues, BIN, editConfig, sandbox, type RunResult, type Sandbox } from './_harness.js';

/** A development environment on the embedded store and a production one in `.env.production`. */
async function project(): Promise<Sandbox> {
  const box = sandbox();
  assert.equal((await box.run(['init', '--yes'])).code, 0);
  editConfig(box, (config) => {
    config.environments.development = { profile: 'development', provider: 'store', options: {} };
    config.environments.staging = { profile: 'production', provider: 'store', options: {} };
    config.environments.production = { profile: 'production', provider: 'dotenv', options: { path: '.env.production' } };
  });
  return box;
}

const stderrOnly = (result: RunResult): RunResult => ({ ...result, stdout: '' });
const oneLine = (text: string) => text.trimEnd().split('\n').length === 1;
const mode = (path: string) => statSync(path).mode & 0o777;

test('export from a store environment: dotenv, JSON and shell on stdout, a 0600 file, no overwrite without --force', async () => {
  const box = await project();
  try {
    assert.equal((await box.run(['generate', 'development'])).code, 0);
    const asJson = await box.run(['export', '--format', 'json']);
    assert.equal(asJson.code, 0, asJson.stderr);
    const values = JSON.parse(asJson.stdout) as Record<string, string>;
    assert.equal(Object.keys(values).length, 8);
    assert.deepEqual(Object.keys(values), Object.keys(values).sort());
    assert.match(asJson.stderr, /^Exported 8 secrets of development as json\.\n$/);
    assertNoValues(stderrOnly(asJson), values);

    const asDotenv = await box.run(['export', 'development']);
    assert.equal(asDotenv.code, 0, asDotenv.stderr);
    assert.deepEqual(parse(asDotenv.stdout), values);
    assert.ok(!asDotenv.stderr.includes('warning'), 'no terminal warning when stdout is a pipe');
    const got = await box.run(['get', 'JWT_SECRET']);
    assert.equal(got.stdout, `${values.JWT_SECRET}\n`);

    const asShell = await box.run(['export', '-e', 'development', '--format', 'shell', '--only', 'DB_PASSWORD', 'JWT_SECRET']);
    assert.equal(asShell.code, 0, asShell.stderr);
    writeFileSync(join(box.dir, 'vars.sh'), asShell.stdout);
    const sourced = spawnSync('sh', ['-c', '. ./vars.sh && printf %s "$DB_PASSWORD"'], { cwd: box.dir });
    assert.equal(sourced.stdout.toString(), values.DB_PASSWORD);
    assert.equal(asShell.stdout.trimEnd().split('\n').length, 2);

    const out = join(box.dir, 'dev.env');
    const written = await box.run(['export', '-o', 'dev.env']);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(written.stdout, '');
    assert.equal(mode(out), 0o600);
    assert.deepEqual(parse(readFileSync(out)), values);
    assert.match(written.stderr, /to .*dev\.env \(mode 0600\)/);
    assertNoValues(written, values);

    writeFileSync(out, 'MINE=1\n');
    const refused = await box.run(['export', '-o', 'dev.env', '--format', 'json']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^coffer: COFFER_E_EXISTS: .*dev\.env already exists.*--force/);
    assert.ok(oneLine(refused.stderr));
    assert.equal(refused.stdout, '');
    assert.equal(readFileSync(out, 'utf8'), 'MINE=1\n');

    const forced = await box.run(['export', '-o', 'dev.env', '--format', 'json', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), values);
    assert.equal(mode(out), 0o600);
    const backups = readdirSync(box.dir).filter((f) => f.startsWith('dev.env.bak-'));
    assert.equal(backups.length, 1);
    assert.equal(readFileSync(join(box.dir, backups[0] as string), 'utf8'), 'MINE=1\n');
    assert.equal(mode(join(box.dir, backups[0] as string)), 0o600);
    assertNoValues(forced, values);

    const missing = await box.run(['export', '--only', 'NOPE']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /COFFER_E_NOT_FOUND: --only names NOPE/);
    assert.equal(missing.stdout, '');
  } finally {
    box.cleanup();
  }
});

test('import into a dotenv environment: --dry-run writes nothing, the real run round-trips through get and export', async () => {
  const box = await project();
  try {
    const input = {
      JWT_SECRET: 'Yx3$kP9#qL2@wV8!mN5^rT1&zB7*cH4(jD6)fG0%sA3+eU9=iO2~uY5-tR8_oQ1',
      DB_PASSWORD: 'p#ss $word "quoted" `tick` Aa1!Bb2@Cc3#Dd4$',
      CUSTOM_TOKEN: 'short',
    };
    writeFileSync(join(box.dir, 'old.env'), Object.entries(input).map(([k, v]) => `${k}='${v}'\n`).join(''));
    const target = join(box.dir, '.env.production');

    const dry = await box.run(['import', 'old.env', '-e', 'production', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^created +JWT_SECRET$/m);
    assert.match(dry.stdout, /^created +CUSTOM_TOKEN +undeclared$/m);
    assert.match(dry.stdout, /^WARN CUSTOM_TOKEN: fails length/m);
    assert.match(dry.stdout, /Dry run, nothing written: production would get 3 created, 0 updated, 0 kept, 0 unchanged/);
    assert.ok(!existsSync(target), 'a dry run creates nothing');
    assertNoValues(dry, input);

    const dryJson = await box.run(['import', 'old.env', '-e', 'production', '--dry-run', '--json']);
    assert.equal(dryJson.code, 0, dryJson.stderr);
    const report = JSON.parse(dryJson.stdout);
    assert.equal(report.environment, 'production');
    assert.equal(report.dryRun, true);
    assert.deepEqual(report.secrets.map((s: { name: string; action: string }) => [s.name, s.action]), [['JWT_SECRET', 'created'], ['DB_PASSWORD', 'created'], ['CUSTOM_TOKEN', 'created']]);
    assert.ok(!existsSync(target));
    assertNoValues(dryJson, input);

    const real = await box.run(['import', 'old.env', '-e', 'production']);
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /production: 3 created, 0 updated, 0 kept, 0 unchanged/);
    assert.equal(mode(target), 0o600);
    assertNoValues(real, input);
    const got = await box.run(['get', 'DB_PASSWORD', '-e', 'production']);
    assert.equal(got.stdout, `${input.DB_PASSWORD}\n`);
    const exported = await box.run(['export', 'production', '--format', 'json']);
    assert.deepEqual(JSON.parse(exported.stdout), input);

    writeFileSync(join(box.dir, 'new.json'), JSON.stringify({ ...input, JWT_SECRET: `${input.JWT_SECRET}X` }));
    const kept = await box.run(['import', 'new.json', '-e', 'production', '--json']);
    assert.deepEqual(JSON.parse(kept.stdout).secrets.map((s: { action: string }) => s.action), ['kept', 'unchanged', 'unchanged']);
    assert.equal(parse(readFileSync(target)).JWT_SECRET, input.JWT_SECRET);
    const updated = await box.run(['import', 'new.json', '-e', 'production', '--overwrite']);
    assert.match(updated.stdout, /^updated +JWT_SECRET$/m);
    assert.equal(parse(readFileSync(target)).JWT_SECRET, `${input.JWT_SECRET}X`);
    assertNoValues(updated, { ...input, NEW: `${input.JWT_SECRET}X` });
  } finally {
    box.cleanup();
  }
});

test('a store environment moves to another environment through an export file', async () => {
  const box = await project();
  try {
    assert.equal((await box.run(['generate', 'development'])).code, 0);
    assert.equal((await box.run(['export', '--format', 'json', '-o', 'dev.json'])).code, 0);
    const values = JSON.parse(readFileSync(join(box.dir, 'dev.json'), 'utf8')) as Record<string, string>;
    const imported = await box.run(['import', 'dev.json', '-e', 'staging', '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.ok(JSON.parse(imported.stdout).secrets.every((s: { action: string }) => s.action === 'created'));
    assertNoValues(imported, values);
    const back = await box.run(['export', 'staging', '--format', 'json']);
    assert.deepEqual(JSON.parse(back.stdout), values);
  } finally {
    box.cleanup();
  }
});

test('bad input and unwritable values: exit 2, one line on stderr, nothing written, no value shown', async () => {
  const box = await project();
  try {
    const secret = 'do-not-print-this-value-9';
    const cases: [string, string, RegExp][] = [
      ['broken.json', `{"API_KEY": "${secret}",\n"OTHER": ${secret}}`, /COFFER_E_USAGE: .*broken\.json is not valid JSON/],
      ['typed.json', `{"API_KEY": "${secret}", "RETRIES": 3}`, /COFFER_E_USAGE: .*key "RETRIES" holds a number/],
      ['syntax.env', `API_KEY='${secret}'\nOTHER="${secret}\n`, /COFFER_E_DOTENV_SYNTAX: .*syntax\.env:2:/],
      ['carriage.json', JSON.stringify({ API_KEY: secret, OTHER: `${secret}\r` }), /COFFER_E_UNSAFE_VALUE: OTHER: /],
    ];
    for (const [file, text, message] of cases) {
      writeFileSync(join(box.dir, file), text);
      const result = await box.run(['import', file, '-e', 'production']);
      assert.equal(result.code, 2, `${file}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.ok(oneLine(result.stderr), result.stderr);
      assert.equal(result.stdout, '');
      assertNoValues(result, [secret]);
      const json = await box.run(['import', file, '-e', 'production', '--json']);
      assert.equal(json.code, 2);
      assert.match(JSON.parse(json.stdout).error.code, /^COFFER_E_/);
      assertNoValues(json, [secret]);
    }
    assert.ok(!existsSync(join(box.dir, '.env.production')));
    const missing = await box.run(['import', 'nope.env']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /COFFER_E_FILE_UNREADABLE/);

    // The store holds a carriage return; dotenv cannot, JSON can.
    assert.equal((await box.run(['import', 'carriage.json', '-e', 'development'])).code, 0);
    const asDotenv = await box.run(['export', '--format', 'dotenv']);
    assert.equal(asDotenv.code, 2);
    assert.match(asDotenv.stderr, /^coffer: COFFER_E_UNSAFE_VALUE: OTHER: .*--format json/);
    assert.ok(oneLine(asDotenv.stderr));
    assert.equal(asDotenv.stdout, '');
    assertNoValues(asDotenv, [secret]);
    const asJson = await box.run(['export', '--format', 'json', '-o', 'x.json']);
    assert.equal(asJson.code, 0, asJson.stderr);
    assert.equal(JSON.parse(readFileSync(join(box.dir, 'x.json'), 'utf8')).OTHER, `${secret}\r`);
    const badFormat = await box.run(['export', '--format', 'yaml']);
    assert.equal(badFormat.code, 2);
    assert.ok(oneLine(badFormat.stderr));
  } finally {
    box.cleanup();
  }
});

const hasScript = spawnSync('script', ['--version']).status === 0;

test('export to a terminal warns on stderr that values are shown', { skip: hasScript ? false : 'util-linux `script` is not installed' }, async () => {
  const box = await project();
  try {
    assert.equal((await box.run(['generate', 'development'])).code, 0);
    // `script` gives the command a pseudo-terminal as stdout.
    const tty = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} -- ${JSON.stringify(BIN)} export --only JWT_SECRET`, '/dev/null'], {
      cwd: box.dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: box.home, NO_COLOR: '1' },
    });
    const output = tty.stdout.toString();
    assert.equal(tty.status, 0, output);
    assert.match(output, /coffer: warning: the values of 1 secret of development are shown below/);
    assert.match(output, /JWT_SECRET='/);
  } finally {
    box.cleanup();
  }
});
