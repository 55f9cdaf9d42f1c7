import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { assertNoValues, editConfig, sandbox, type Sandbox } from './_harness.js';
import { assertNoPlaintextInStore, storePath, storeValues } from './_store-read.js';

// `coffer init` puts every environment on the encrypted store; tests of what is specific to
// dotenv files (backups, syntax errors, file locks, empty lines copied from .env.example) ask
// for `--provider dotenv`.
const DOTENV = ['init', '--yes', '--provider', 'dotenv'];
const envFile = (box: Sandbox, env: string) => parse(readFileSync(join(box.dir, `.env.${env}`), 'utf8'));
const valuesOf = (box: Sandbox, provider: 'store' | 'dotenv', env: string) => (provider === 'store' ? storeValues(box, env) : Promise.resolve(envFile(box, env)));

for (const provider of ['store', 'dotenv'] as const) {
  test(`generate writes every standard secret privately, distinct per secret and per environment (${provider})`, async () => {
    const box = sandbox();
    try {
      // The store is what a bare `init` gives.
      assert.equal((await box.run(provider === 'store' ? ['init', '--yes'] : DOTENV)).code, 0);
      const dev = await box.run(['generate', 'development']);
      assert.equal(dev.code, 0, dev.stderr);
      const prod = await box.run(['generate', '-e', 'production', '--json']);
      assert.equal(prod.code, 0, prod.stderr);
      const report = JSON.parse(prod.stdout);
      assert.equal(report.environment, 'production');
      assert.equal(report.secrets.length, 8);
      for (const s of report.secrets) {
        assert.equal(s.action, 'generated');
        assert.match(s.rotateBy, /^\d{4}-\d{2}-\d{2}T/);
        assert.equal(s.value, undefined);
      }
      const a = await valuesOf(box, provider, 'development');
      const b = await valuesOf(box, provider, 'production');
      assert.equal(Object.keys(a).length, 8);
      if (provider === 'dotenv') {
        assert.equal(statSync(join(box.dir, '.env.development')).mode & 0o777, 0o600);
        assert.equal(statSync(join(box.dir, '.env.production')).mode & 0o777, 0o600);
      } else {
        assert.match(report.location, /\.coffer\/store\.db \(environment production\)$/);
        assert.equal(statSync(join(box.dir, '.coffer')).mode & 0o777, 0o700);
        assert.equal(statSync(storePath(box)).mode & 0o777, 0o600);
        assert.ok(!readdirSync(box.dir).some((f) => f.startsWith('.env.') && f !== '.env.example'), 'no dotenv file written');
        assertNoPlaintextInStore(box, [...Object.values(a), ...Object.values(b)]);
      }
      assert.equal(new Set([...Object.values(a), ...Object.values(b)]).size, 16, 'all values distinct');
      assert.match(a.ENCRYPTION_KEY ?? '', /^[0-9a-f]{64}$/);
      assert.ok((a.JWT_SECRET ?? '').length >= 64);
      assert.ok(/[^A-Za-z0-9]/.test(b.DB_PASSWORD ?? '') && /[A-Z]/.test(b.DB_PASSWORD ?? ''), 'database password has every class');
      assertNoValues(dev, a);
      assertNoValues(prod, b);
    } finally {
      box.cleanup();
    }
  });
}

test('existing values are kept unless --force; --only limits; the old file is backed up 0600 (dotenv)', async () => {
  const box = sandbox();
  try {
    await box.run(DOTENV);
    await box.run(['generate']);
    const first = envFile(box, 'development');
    const kept = await box.run(['generate', '--json']);
    assert.equal(kept.code, 0);
    assert.ok(JSON.parse(kept.stdout).secrets.every((s: { action: string }) => s.action === 'kept'));
    assert.deepEqual(envFile(box, 'development'), first);
    const only = await box.run(['generate', '--force', '--only', 'JWT_SECRET', 'SESSION_SECRET']);
    assert.equal(only.code, 0, only.stderr);
    const second = envFile(box, 'development');
    assert.notEqual(second.JWT_SECRET, first.JWT_SECRET);
    assert.notEqual(second.SESSION_SECRET, first.SESSION_SECRET);
    assert.equal(second.DB_PASSWORD, first.DB_PASSWORD);
    const backups = readdirSync(box.dir).filter((f) => f.startsWith('.env.development.bak-'));
    assert.equal(backups.length, 1);
    assert.equal(statSync(join(box.dir, backups[0] as string)).mode & 0o777, 0o600);
    assert.deepEqual(parse(readFileSync(join(box.dir, backups[0] as string))), first);
    assertNoValues(only, { ...first, ...second });
    const unknown = await box.run(['generate', '--only', 'NOPE']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /COFFER_E_USAGE: --only names NOPE/);
  } finally {
    box.cleanup();
  }
});

test('on the store, existing values are kept unless --force, which adds a version; --only limits', async () => {
  const box = sandbox();
  try {
    await box.run(['init', '--yes']);
    await box.run(['generate']);
    const first = await storeValues(box, 'development');
    assert.equal(Object.keys(first).length, 8);
    const kept = await box.run(['generate', '--json']);
    assert.equal(kept.code, 0);
    assert.ok(JSON.parse(kept.stdout).secrets.every((s: { action: string }) => s.action === 'kept'));
    assert.deepEqual(await storeValues(box, 'development'), first);
    const only = await box.run(['generate', '--force', '--only', 'JWT_SECRET', 'SESSION_SECRET']);
    assert.equal(only.code, 0, only.stderr);
    const second = await storeValues(box, 'development');
    assert.notEqual(second.JWT_SECRET, first.JWT_SECRET);
    assert.notEqual(second.SESSION_SECRET, first.SESSION_SECRET);
    assert.equal(second.DB_PASSWORD, first.DB_PASSWORD);
    // The replaced value is kept as the previous version, not lost.
    const store = await openSqliteStore({ path: storePath(box), env: { HOME: box.home } });
    try {
      assert.deepEqual((await store.history('development', 'JWT_SECRET')).map((v) => [v.version, v.stages]), [[2, ['current']], [1, ['previous']]]);
      assert.equal((await store.get('development', 'JWT_SECRET', { actor: 'test', stage: 'previous' })).value, first.JWT_SECRET);
      assert.equal((await store.history('development', 'DB_PASSWORD')).length, 1);
    } finally {
      store.close();
    }
    assertNoValues(only, { ...first, ...second });
    assertNoPlaintextInStore(box, [...Object.values(first), ...Object.values(second)]);
  } finally {
    box.cleanup();
  }
});

test('external secrets come from the environment; a missing required one writes nothing', async () => {
  const box = sandbox();
  try {
    await box.run(['init', '--yes']);
    editConfig(box, (config) => {
      config.secrets.STRIPE_API_KEY = { category: 'api_key', external: true, description: 'Stripe secret key' };
      config.secrets.SENTRY_TOKEN = { category: 'token', external: true, required: false, level: 'Internal' };
    });
    const missing = await box.run(['generate']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /COFFER_E_MISSING_SECRETS: .*STRIPE_API_KEY.*Nothing was written/);
    assert.deepEqual(await storeValues(box, 'development'), {}, 'nothing written');
    const supplied = 'sk_live_' + 'Zx9'.repeat(16);
    const ok = await box.run(['generate', '--json'], { env: { STRIPE_API_KEY: supplied } });
    assert.equal(ok.code, 0, ok.stderr);
    const actions = Object.fromEntries(JSON.parse(ok.stdout).secrets.map((s: { name: string; action: string }) => [s.name, s.action]));
    assert.equal(actions.STRIPE_API_KEY, 'supplied');
    assert.equal(actions.SENTRY_TOKEN, 'skipped');
    assert.equal((await storeValues(box, 'development')).STRIPE_API_KEY, supplied);
    assertNoValues(ok, { STRIPE_API_KEY: supplied });
    assertNoPlaintextInStore(box, [supplied]);
  } finally {
    box.cleanup();
  }
});

test('COFFER_ENV picks the environment; an argument and a different -e are a usage error', async () => {
  const box = sandbox();
  try {
    await box.run(['init', '--yes']);
    const staged = await box.run(['generate'], { env: { COFFER_ENV: 'staging' } });
    assert.equal(staged.code, 0, staged.stderr);
    assert.equal(Object.keys(await storeValues(box, 'staging')).length, 8);
    assert.deepEqual(await storeValues(box, 'development'), {});
    const conflict = await box.run(['generate', 'production', '-e', 'staging']);
    assert.equal(conflict.code, 2);
    assert.match(conflict.stderr, /COFFER_E_USAGE/);
  } finally {
    box.cleanup();
  }
});

test('a malformed existing file stops generate with file and line, and is left untouched (dotenv)', async () => {
  const box = sandbox();
  try {
    await box.run(DOTENV);
    const path = join(box.dir, '.env.development');
    writeFileSync(path, 'OK=1\nthis is not an assignment\n', { mode: 0o600 });
    const result = await box.run(['generate']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /COFFER_E_DOTENV_SYNTAX: .*\.env\.development:2/);
    assert.equal(readFileSync(path, 'utf8'), 'OK=1\nthis is not an assignment\n');
  } finally {
    box.cleanup();
  }
});

test('on a terminal an external secret is prompted for with echo off', async (t) => {
  const { spawnSync, spawn } = await import('node:child_process');
  if (spawnSync('script', ['--version']).status !== 0) {
    t.skip('util-linux `script` is not installed; it provides the pseudo-terminal');
    return;
  }
  const box = sandbox();
  try {
    await box.run(['init', '--yes']);
    editConfig(box, (config) => {
      config.secrets.STRIPE_API_KEY = { category: 'api_key', external: true, description: 'Stripe key' };
    });
    const typed = 'sk_live_typedOnTheTerminal_9f8e7d';
    const child = spawn('script', ['-qec', `${process.execPath} ${join(process.cwd(), 'dist/cli/coffer.cjs')} generate --only STRIPE_API_KEY`, '/dev/null'], {
      cwd: box.dir, env: { PATH: process.env.PATH ?? '', HOME: box.home, NO_COLOR: '1', TERM: 'dumb' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('Value for STRIPE_API_KEY') && !output.includes('\u0000sent')) {
        output += '\u0000sent';
        child.stdin.write(`${typed}\r`);
      }
    });
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    assert.equal(code, 0, output);
    assert.match(output, /Value for STRIPE_API_KEY \(Stripe key\):/);
    assert.match(output, /supplied\s+STRIPE_API_KEY/);
    assert.ok(!output.includes(typed), 'the typed value was echoed');
    assert.equal((await storeValues(box, 'development')).STRIPE_API_KEY, typed);
  } finally {
    box.cleanup();
  }
});

test('review cases: empty values count as missing, Public and defaulted secrets are skipped, --force keeps an unsupplied external value (dotenv)', async () => {
  const box = sandbox();
  try {
    await box.run(DOTENV);
    editConfig(box, (config) => {
      config.secrets.LOG_LEVEL = { level: 'Public', required: false, default: 'info' };
      config.secrets.STRIPE_API_KEY = { category: 'api_key', external: true };
    });
    // A copy of .env.example: every variable present but empty.
    writeFileSync(join(box.dir, '.env.development'), readFileSync(join(box.dir, '.env.example'), 'utf8'), { mode: 0o600 });
    const first = await box.run(['generate', '--json'], { env: { STRIPE_API_KEY: 'sk_live_' + 'Q7r'.repeat(16) } });
    assert.equal(first.code, 0, first.stderr);
    const actions = Object.fromEntries(JSON.parse(first.stdout).secrets.map((s: { name: string; action: string }) => [s.name, s.action]));
    assert.equal(actions.JWT_SECRET, 'generated');
    assert.equal(actions.LOG_LEVEL, 'skipped');
    assert.equal(actions.STRIPE_API_KEY, 'supplied');
    assert.equal(envFile(box, 'development').LOG_LEVEL, undefined, 'LOG_LEVEL not written');
    const forced = await box.run(['generate', '--force', '--json']);
    assert.equal(forced.code, 0, forced.stderr);
    const after = Object.fromEntries(JSON.parse(forced.stdout).secrets.map((s: { name: string; action: string }) => [s.name, s.action]));
    assert.equal(after.STRIPE_API_KEY, 'kept');
    assert.equal(envFile(box, 'development').STRIPE_API_KEY, 'sk_live_' + 'Q7r'.repeat(16));
  } finally {
    box.cleanup();
  }
});

test('review cases: provider option typos, non-persistent providers, COFFER_ENV precedence, usage errors with a code', async () => {
  const box = sandbox();
  try {
    await box.run(['init', '--yes']);
    editConfig(box, (config) => {
      config.environments.staging.options = { paht: '.coffer/store.db' };
      config.environments.qa = { provider: 'env' };
    });
    const typo = await box.run(['generate', 'staging']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /COFFER_E_CONFIG_INVALID: environment "staging" in .*coffer\.config\.json: options: unknown option "paht" for the store provider/);
    const env = await box.run(['generate', 'qa']);
    assert.equal(env.code, 2);
    assert.match(env.stderr, /COFFER_E_UNSUPPORTED: .*cannot keep generated values/);
    const precedence = await box.run(['generate', 'production'], { env: { COFFER_ENV: 'development' } });
    assert.equal(precedence.code, 0, precedence.stderr);
    assert.equal(Object.keys(await storeValues(box, 'production')).length, 8);
    assert.deepEqual(await storeValues(box, 'development'), {});
    const usage = await box.run(['generate', '--nope', '--json']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^coffer: COFFER_E_USAGE: unknown option '--nope'/);
    assert.equal(JSON.parse(usage.stdout).error.code, 'COFFER_E_USAGE');
  } finally {
    box.cleanup();
  }
});

for (const provider of ['store', 'dotenv'] as const) {
  test(`two generate runs at once into the same ${provider === 'store' ? 'store' : 'file'} both land (${provider === 'store' ? 'SQLite locking' : 'cross-process lock'})`, async () => {
    const box = sandbox();
    try {
      await box.run(provider === 'store' ? ['init', '--yes'] : DOTENV);
      for (let round = 0; round < 3; round++) {
        const [a, b] = await Promise.all([
          box.run(['generate', '--force', '--only', 'JWT_SECRET', 'DB_PASSWORD', 'REDIS_PASSWORD', 'SESSION_SECRET', '--json']),
          box.run(['generate', '--force', '--only', 'ENCRYPTION_KEY', 'INTERNAL_API_KEY', 'WEBHOOK_SECRET', 'JWT_REFRESH_SECRET', '--json']),
        ]);
        assert.equal(a?.code, 0, a?.stderr);
        assert.equal(b?.code, 0, b?.stderr);
        const written = await valuesOf(box, provider, 'development');
        assert.equal(Object.keys(written).length, 8, `round ${round}: a run lost the other's values`);
        assert.ok(!readdirSync(box.dir).some((f) => f.endsWith('.lock') || f.includes('coffer-tmp')), 'no lock or temp file left behind');
      }
    } finally {
      box.cleanup();
    }
  });
}
