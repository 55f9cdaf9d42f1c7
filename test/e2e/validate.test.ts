import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { assertNoValues, sandbox, type Sandbox } from './_harness.js';
import { storePath, storeValues } from './_store-read.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

interface Result { secret: string; check: string; status: string; message: string }
type Provider = 'store' | 'dotenv';

/** A project with generated development and production secrets, on the store (init's default) or dotenv files. */
async function project(provider: Provider = 'store'): Promise<Sandbox> {
  const box = sandbox();
  for (const args of [['init', '--yes', ...(provider === 'dotenv' ? ['--provider', 'dotenv'] : [])], ['generate', 'development'], ['generate', 'production']]) {
    const result = await box.run(args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  }
  return box;
}

const fileValues = (box: Sandbox, env: string) => parse(readFileSync(join(box.dir, `.env.${env}`), 'utf8'));
const valuesOf = (box: Sandbox, provider: Provider, env: string) => (provider === 'store' ? storeValues(box, env) : Promise.resolve(fileValues(box, env)));

for (const provider of ['store', 'dotenv'] as const) {
  test(`freshly generated environments are compliant, in human and JSON form (${provider})`, async () => {
    const box = await project(provider);
    try {
      for (const env of ['development', 'production']) {
        const human = await box.run(['validate', env]);
        assert.equal(human.code, 0, human.stdout + human.stderr);
        assert.match(human.stdout, /Status: COMPLIANT/);
        assert.match(human.stdout, /Total checks: \d+ {2}Passed: \d+ {2}Failed: 0 {2}Warnings: 0 {2}Pass rate: 100\.0%/);
        const json = await box.run(['validate', '-e', env, '--json']);
        assert.equal(json.code, 0);
        const report = JSON.parse(json.stdout);
        assert.equal(report.status, 'COMPLIANT');
        assert.deepEqual(Object.keys(report.summary).sort(), ['failed', 'passed', 'total', 'warnings']);
        assert.equal(report.summary.failed, 0);
        assert.ok(report.results.length >= 8 * 5);
        for (const r of report.results as Result[]) {
          assert.deepEqual(Object.keys(r).sort(), ['check', 'message', 'secret', 'status']);
          assert.ok(['pass', 'fail', 'warn'].includes(r.status));
        }
        const checks = new Set((report.results as Result[]).map((r) => r.check));
        // Only the store keeps the history that the reuse check (PCI-DSS 8.3.7) needs.
        const expected = ['present', 'length', 'strength', 'guessability', 'placeholder', 'unique-name', 'unique-env', 'rotation', 'permissions', ...(provider === 'store' ? ['reuse'] : [])];
        for (const c of expected) assert.ok(checks.has(c), `check ${c} ran`);
        if (provider === 'dotenv') assert.equal(checks.has('reuse'), false, 'no history, no reuse result');
        const values = Object.values(await valuesOf(box, provider, env));
        assert.equal(values.length, 8);
        assertNoValues(human, values);
        assertNoValues(json, values);
      }
    } finally {
      box.cleanup();
    }
  });
}

test('a weak, reused, world-readable file is non-compliant, with every problem named and no value shown', async () => {
  const box = sandbox();
  try {
    const weak = {
      JWT_SECRET: 'changeme',
      JWT_REFRESH_SECRET: 'changeme',
      DB_PASSWORD: 'Password123!Password123!Password123!',
      SESSION_SECRET: 'your-session-secret-here',
      ENCRYPTION_KEY: 'a'.repeat(64),
      PORT: '3000',
    };
    const path = join(box.dir, '.env.production');
    writeFileSync(path, Object.entries(weak).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    chmodSync(path, 0o644);
    const result = await box.run(['validate', '--env-file', '.env.production', '--json']);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.status, 'NON-COMPLIANT');
    const failed = (report.results as Result[]).filter((r) => r.status === 'fail');
    const has = (secret: string, check: string) => failed.some((r) => r.secret === secret && r.check === check);
    assert.ok(has('JWT_SECRET', 'placeholder'), 'changeme is a placeholder');
    assert.ok(has('JWT_SECRET', 'length'));
    assert.ok(has('JWT_SECRET', 'unique-name') && has('JWT_REFRESH_SECRET', 'unique-name'), 'reuse across names');
    assert.ok(has('DB_PASSWORD', 'guessability'), 'dictionary word with repeats');
    assert.ok(has('SESSION_SECRET', 'placeholder'));
    assert.ok(has('ENCRYPTION_KEY', 'strength'), 'a single repeated character has no randomness');
    assert.ok(failed.some((r) => r.check === 'permissions' && /chmod 600/.test(r.message)));
    assert.ok(!(report.results as Result[]).some((r) => r.secret === 'PORT'), 'PORT is not a secret');
    assert.equal(report.summary.failed, failed.length);
    const human = await box.run(['validate', '--env-file', '.env.production']);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /Status: NON-COMPLIANT/);
    assert.match(human.stdout, /FAIL JWT_SECRET +placeholder/);
    assertNoValues(result, Object.values(weak).filter((v) => v !== '3000'));
    assertNoValues(human, Object.values(weak).filter((v) => v !== '3000'));
  } finally {
    box.cleanup();
  }
});

/** Puts development's JWT_SECRET into production and makes production's SESSION_SECRET overdue. */
async function tamper(box: Sandbox, provider: Provider, dev: Record<string, string>): Promise<void> {
  if (provider === 'dotenv') {
    const prodPath = join(box.dir, '.env.production');
    const text = readFileSync(prodPath, 'utf8')
      .replace(/^JWT_SECRET=.*$/m, `JWT_SECRET='${dev.JWT_SECRET}'`)
      .replace(/(# coffer: updated=\S+ rotate-by=)\S+(\nSESSION_SECRET=)/, '$12020-01-01T00:00:00.000Z$2');
    writeFileSync(prodPath, text, { mode: 0o600 });
    return;
  }
  const store = await openSqliteStore({ path: storePath(box), env: { HOME: box.home } });
  try {
    await store.put('production', 'JWT_SECRET', dev.JWT_SECRET ?? '', { actor: 'test' });
    const session = await store.get('production', 'SESSION_SECRET', { actor: 'test' });
    await store.put('production', 'SESSION_SECRET', session.value, { actor: 'test', updatedAt: '2019-10-03T00:00:00.000Z', rotateBy: '2020-01-01T00:00:00.000Z' });
  } finally {
    store.close();
  }
}

for (const provider of ['store', 'dotenv'] as const) {
  test(`reuse across environments and overdue rotation are caught (${provider})`, async () => {
    const box = await project(provider);
    try {
      const dev = await valuesOf(box, provider, 'development');
      await tamper(box, provider, dev);
      const result = await box.run(['validate', 'production', '--json']);
      assert.equal(result.code, 1);
      const results = JSON.parse(result.stdout).results as Result[];
      const reuse = results.find((r) => r.secret === 'JWT_SECRET' && r.check === 'unique-env');
      assert.equal(reuse?.status, 'fail');
      assert.match(reuse?.message ?? '', /development/);
      const rotation = results.find((r) => r.secret === 'SESSION_SECRET' && r.check === 'rotation');
      assert.equal(rotation?.status, 'fail');
      assert.match(rotation?.message ?? '', /overdue/i);
      assertNoValues(result, Object.values(dev));
    } finally {
      box.cleanup();
    }
  });
}

test('--compliance groups results by framework requirement', async () => {
  const box = await project();
  try {
    const result = await box.run(['validate', 'production', '--compliance', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const groups = JSON.parse(result.stdout).compliance as { framework: string; requirement: string; status: string; results: Result[] }[];
    const frameworks = new Set(groups.map((g) => g.framework));
    for (const f of ['SOC 2', 'PCI-DSS', 'HIPAA', 'NIST SP 800-63B', 'OWASP']) assert.ok(frameworks.has(f), f);
    assert.ok(groups.every((g) => g.results.length > 0 && g.status === 'pass'));
    const human = await box.run(['validate', 'production', '--compliance']);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /PASS PCI-DSS/);
  } finally {
    box.cleanup();
  }
});

test('bad input: unknown environment, malformed line, missing file, conflicting arguments', async () => {
  const box = await project();
  try {
    const unknown = await box.run(['validate', 'qa']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^coffer: COFFER_E_UNKNOWN_ENV: Unknown environment "qa"/);
    writeFileSync(join(box.dir, 'broken.env'), 'A=1\nB="unterminated\n', { mode: 0o600 });
    const broken = await box.run(['validate', '--env-file', 'broken.env']);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /COFFER_E_DOTENV_SYNTAX: .*broken\.env:2/);
    const missing = await box.run(['validate', '--env-file', 'nope.env', '--json']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /COFFER_E_FILE_UNREADABLE/);
    assert.equal(JSON.parse(missing.stdout).error.code, 'COFFER_E_FILE_UNREADABLE');
    const both = await box.run(['validate', 'production', '--env-file', '.env.production']);
    assert.equal(both.code, 2);
    for (const r of [unknown, broken, missing, both]) assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    const corrupted = join(box.dir, 'coffer.config.json');
    writeFileSync(corrupted, readFileSync(corrupted, 'utf8').replace('"category": "jwt"', '"categry": "jwt"'));
    const typo = await box.run(['validate']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /COFFER_E_CONFIG_INVALID: .*coffer\.config\.json: unknown key "categry" at secrets\.JWT_SECRET; did you mean "category"\?/);
  } finally {
    box.cleanup();
  }
});

test('the installed executable runs through its shebang, and --env-file with a missing file is our error, not Node\'s', async () => {
  const { spawnSync } = await import('node:child_process');
  const { statSync: stat } = await import('node:fs');
  const { BIN } = await import('./_harness.js');
  assert.ok((stat(BIN).mode & 0o111) !== 0, 'bin is executable');
  const box = sandbox();
  try {
    const result = spawnSync(BIN, ['validate', '--env-file', 'missing.env'], { cwd: box.dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: box.home } });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /COFFER_E_FILE_UNREADABLE/);
  } finally {
    box.cleanup();
  }
});

test('--env-file on a configured environment\'s file takes that environment\'s profile and secrets; --profile wins (dotenv)', async () => {
  const box = await project('dotenv');
  try {
    await box.run(['generate', 'staging']);
    const staged = await box.run(['validate', '--env-file', '.env.staging', '--json']);
    assert.equal(staged.code, 0, staged.stdout);
    const report = JSON.parse(staged.stdout);
    assert.equal(report.subject.environment, 'staging');
    assert.equal(report.subject.profile, 'production');
    const relaxed = await box.run(['validate', '--env-file', '.env.staging', '--profile', 'development', '--json']);
    assert.equal(JSON.parse(relaxed.stdout).subject.profile, 'development');
    writeFileSync(join(box.dir, 'other.env'), "JWT_SECRET='short'\n", { mode: 0o600 });
    const bare = await box.run(['validate', '--env-file', 'other.env', '-e', 'production', '--json']);
    assert.equal(bare.code, 1);
    const results = JSON.parse(bare.stdout).results as Result[];
    assert.ok(results.some((r) => r.secret === 'DB_PASSWORD' && r.check === 'present' && r.status === 'fail'), 'production secrets expected');
    assert.ok(results.some((r) => r.secret === 'JWT_SECRET' && r.check === 'length' && !r.message.includes('coffer generate')), 'no command that would write elsewhere');
    const prodPath = join(box.dir, '.env.production');
    writeFileSync(prodPath, readFileSync(prodPath, 'utf8').replace(/^JWT_SECRET=.*$/m, "JWT_SECRET='short'"), { mode: 0o600 });
    const own = await box.run(['validate', '--env-file', '.env.production', '--json']);
    const ownResults = JSON.parse(own.stdout).results as Result[];
    assert.ok(ownResults.some((r) => r.secret === 'JWT_SECRET' && r.check === 'length' && r.message.includes('coffer generate production --force --only JWT_SECRET')), 'hint names a working command');
  } finally {
    box.cleanup();
  }
});

test('on the store, a password that went back to one of its last 4 values fails reuse (PCI-DSS 8.3.7), and a readable store file fails permissions', async () => {
  const box = await project('store');
  try {
    const before = await storeValues(box, 'production');
    // A value that went back to an earlier one through a path that skips the write-time check.
    const store = await openSqliteStore({ path: storePath(box), env: { HOME: box.home } });
    await store.put('production', 'DB_PASSWORD', 'Intermediate-Value-0123456789-abcdefghij!', { actor: 'test' });
    await store.put('production', 'DB_PASSWORD', before.DB_PASSWORD as string, { actor: 'test' });
    store.close();
    const result = await box.run(['validate', 'production', '--json', '--compliance']);
    assert.equal(result.code, 1);
    const out = JSON.parse(result.stdout) as { results: Result[]; compliance: { requirement: string; status: string }[]; complianceNotes: { requirement: string }[] };
    const reuse = out.results.filter((r) => r.check === 'reuse');
    assert.deepEqual(reuse.map((r) => `${r.secret} ${r.status}`).sort(), ['DB_PASSWORD fail', 'REDIS_PASSWORD pass']);
    assert.match(reuse.find((r) => r.secret === 'DB_PASSWORD')?.message ?? '', /repeats one of its last 4 values.*coffer generate production --force --only DB_PASSWORD/);
    assert.equal(out.compliance.find((g) => g.requirement === '8.3.7')?.status, 'fail');
    assert.equal(out.complianceNotes.some((n) => n.requirement === '8.3.7'), false);
    assertNoValues(result, [...Object.values(before), 'Intermediate-Value-0123456789-abcdefghij!']);

    chmodSync(storePath(box), 0o644);
    const open = await box.run(['validate', 'production', '--json']);
    const permissions = (JSON.parse(open.stdout) as { results: Result[] }).results.find((r) => r.check === 'permissions');
    assert.equal(permissions?.status, 'fail');
    assert.match(permissions?.message ?? '', /store\.db.*chmod 600/);
  } finally {
    box.cleanup();
  }
});
