/**
 * importSecrets on real providers: the action per name (created, updated, kept, unchanged),
 * metadata and no-reuse for declared names, undeclared names, policy warnings without values,
 * --dry-run writing nothing, all-or-nothing writes, --only, and the errors for bad input files.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dotenv from 'dotenv';
import { isCofferError } from '../../src/core/errors.js';
import { resolveConfig, type Config } from '../../src/config/resolve.js';
import { importSecrets, type ImportResult } from '../../src/project/import.js';
import createDotenvProvider from '../../src/providers/dotenv.js';
import createStoreProvider from '../../src/providers/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const KEY = 'beef'.repeat(16);
const NOW = new Date('2025-03-01T12:00:00.000Z');
const STRONG = 'Zq8#vR2!mW9@kL4$pT7^xN3&bH6*cF1(Yd5)Gs0%Jw8+Qe2=Ua4~Ro7';

function project(provider: 'dotenv' | 'store', profile: 'development' | 'production' = 'development') {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-import-'));
  const config: Config = resolveConfig({
    version: 1,
    environments: { staging: { profile, ...(provider === 'store' ? { provider: 'store' } : {}) } },
    secrets: { JWT_SECRET: {}, DB_PASSWORD: {}, LOG_LEVEL: { level: 'Public', required: false, default: 'info' } },
  }, join(dir, 'coffer.config.json'));
  const env = { COFFER_MASTER_KEY: KEY, HOME: dir, COFFER_ACTOR: 'importer' };
  return { dir, config, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const actions = (result: ImportResult) => Object.fromEntries(result.secrets.map((s) => [s.name, s.action]));

describe('importSecrets', () => {
  test('created, kept, unchanged and (with overwrite) updated; declared names get dates, undeclared ones are marked', async () => {
    const p = project('dotenv');
    try {
      const target = join(p.dir, '.env.staging');
      writeFileSync(target, "JWT_SECRET='old-jwt'\nDB_PASSWORD='same-db'\nEMPTY_ONE=\n");
      writeFileSync(join(p.dir, 'in.env'), "JWT_SECRET='new-jwt'\nDB_PASSWORD='same-db'\nEMPTY_ONE='filled'\nPORT=8080\n");
      const kept = await importSecrets({ config: p.config, environment: 'staging', file: 'in.env', cwd: p.dir, now: NOW });
      assert.deepEqual(actions(kept), { JWT_SECRET: 'kept', DB_PASSWORD: 'unchanged', EMPTY_ONE: 'created', PORT: 'created' });
      assert.equal(kept.format, 'dotenv');
      assert.deepEqual(kept.secrets.filter((s) => s.undeclared).map((s) => s.name), ['EMPTY_ONE', 'PORT']);
      assert.deepEqual(dotenv.parse(readFileSync(target)), { JWT_SECRET: 'old-jwt', DB_PASSWORD: 'same-db', EMPTY_ONE: 'filled', PORT: '8080' });

      const updated = await importSecrets({ config: p.config, environment: 'staging', file: 'in.env', cwd: p.dir, now: NOW, overwrite: true });
      assert.deepEqual(actions(updated), { JWT_SECRET: 'updated', DB_PASSWORD: 'unchanged', EMPTY_ONE: 'unchanged', PORT: 'unchanged' });
      const provider = createDotenvProvider({ path: '.env.staging' }, { cwd: p.dir });
      const jwt = await provider.get('JWT_SECRET');
      assert.equal(jwt.value, 'new-jwt');
      // JWT secrets rotate every 90 days by default.
      assert.deepEqual(jwt.metadata, { updatedAt: NOW.toISOString(), rotateBy: '2025-05-30T12:00:00.000Z' });
      assert.deepEqual((await provider.get('PORT')).metadata, { updatedAt: NOW.toISOString() });
      // The unchanged secret was not rewritten: it still has no metadata.
      assert.deepEqual((await provider.get('DB_PASSWORD')).metadata, {});
    } finally {
      p.cleanup();
    }
  });

  test('--dry-run reports the same outcomes and writes nothing', async () => {
    const p = project('dotenv');
    try {
      const target = join(p.dir, '.env.staging');
      writeFileSync(target, "JWT_SECRET='old-jwt'\n");
      writeFileSync(join(p.dir, 'in.json'), JSON.stringify({ JWT_SECRET: 'new-jwt', DB_PASSWORD: STRONG }));
      const dry = await importSecrets({ config: p.config, environment: 'staging', file: 'in.json', cwd: p.dir, dryRun: true, overwrite: true });
      assert.equal(dry.dryRun, true);
      assert.equal(dry.format, 'json');
      assert.deepEqual(actions(dry), { JWT_SECRET: 'updated', DB_PASSWORD: 'created' });
      assert.equal(readFileSync(target, 'utf8'), "JWT_SECRET='old-jwt'\n");
      const real = await importSecrets({ config: p.config, environment: 'staging', file: 'in.json', cwd: p.dir, overwrite: true });
      assert.deepEqual(real.secrets, dry.secrets.map((s) => ({ ...s })));
      assert.deepEqual(dotenv.parse(readFileSync(target)), { JWT_SECRET: 'new-jwt', DB_PASSWORD: STRONG });
    } finally {
      p.cleanup();
    }
  });

  test('values that fail the profile are imported with a warning naming the checks, never the value; Public and non-secret names are not judged', async () => {
    const p = project('dotenv', 'production');
    try {
      const weak = 'password123password';
      writeFileSync(join(p.dir, 'in.env'), `JWT_SECRET='${weak}'\nDB_PASSWORD='${STRONG}'\nLOG_LEVEL=debug\nPORT=80\nSTRIPE_API_KEY=x\n`);
      const result = await importSecrets({ config: p.config, environment: 'staging', file: 'in.env', cwd: p.dir });
      const byName = new Map(result.secrets.map((s) => [s.name, s]));
      const checks = byName.get('JWT_SECRET')?.warnings?.map((w) => w.check) ?? [];
      assert.ok(checks.includes('length') && checks.includes('strength'), checks.join());
      assert.equal(byName.get('DB_PASSWORD')?.warnings, undefined);
      assert.equal(byName.get('LOG_LEVEL')?.warnings, undefined);
      assert.equal(byName.get('PORT')?.warnings, undefined);
      assert.ok(byName.get('STRIPE_API_KEY')?.warnings?.some((w) => w.check === 'length'), 'an undeclared secret-looking name is judged by its inferred category');
      assert.ok(!JSON.stringify(result).includes(weak) && !JSON.stringify(result).includes(STRONG), 'no value in the result');
      assert.equal(dotenv.parse(readFileSync(join(p.dir, '.env.staging'))).JWT_SECRET, weak);
    } finally {
      p.cleanup();
    }
  });

  test('one write for everything: a value the target cannot hold means nothing is written', async () => {
    const p = project('dotenv');
    try {
      const target = join(p.dir, '.env.staging');
      writeFileSync(target, "JWT_SECRET='kept'\n");
      writeFileSync(join(p.dir, 'in.json'), JSON.stringify({ DB_PASSWORD: STRONG, OTHER: 'has a \r carriage return' }));
      await assert.rejects(importSecrets({ config: p.config, environment: 'staging', file: 'in.json', cwd: p.dir }), (e) => isCofferError(e, 'COFFER_E_UNSAFE_VALUE') && e.message.startsWith('OTHER:'));
      assert.equal(readFileSync(target, 'utf8'), "JWT_SECRET='kept'\n");
    } finally {
      p.cleanup();
    }
  });

  test('into the store: a reused database password is refused (no-reuse), nothing is written, and imports are audited without values', async () => {
    const p = project('store');
    try {
      const provider = createStoreProvider({ environment: 'staging' }, { cwd: p.dir, env: p.env });
      await provider.set('DB_PASSWORD', 'Old-db-Password-1');
      await provider.set('DB_PASSWORD', 'Old-db-Password-2');
      await provider.close();
      writeFileSync(join(p.dir, 'reuse.json'), JSON.stringify({ DB_PASSWORD: 'Old-db-Password-1', JWT_SECRET: 'jwt-import-value' }));
      await assert.rejects(importSecrets({ config: p.config, environment: 'staging', file: 'reuse.json', cwd: p.dir, overwrite: true, access: { env: p.env } }), (e) => isCofferError(e, 'COFFER_E_REUSED_VALUE'));
      writeFileSync(join(p.dir, 'ok.json'), JSON.stringify({ DB_PASSWORD: 'New-db-Password-3', JWT_SECRET: 'jwt-import-value' }));
      const result = await importSecrets({ config: p.config, environment: 'staging', file: 'ok.json', cwd: p.dir, overwrite: true, access: { env: p.env } });
      assert.deepEqual(actions(result), { DB_PASSWORD: 'updated', JWT_SECRET: 'created' });
      const store = await openSqliteStore({ path: join(p.dir, '.coffer', 'store.db'), env: p.env });
      try {
        assert.deepEqual((await store.list('staging')).map((s) => [s.name, s.version]), [['DB_PASSWORD', 3], ['JWT_SECRET', 1]]);
        const audit = store.auditEntries().filter((e) => e.action === 'import');
        assert.equal(audit.length, 1, 'the refused import recorded no import');
        assert.match(audit[0]?.detail ?? '', /^1 created, 1 updated, 0 kept, 0 unchanged, json, from .*ok\.json$/);
        assert.ok(store.auditEntries().every((e) => !`${e.detail}`.includes('Password') && !`${e.detail}`.includes('jwt-import')));
      } finally {
        store.close();
      }
    } finally {
      p.cleanup();
    }
  });

  test('--only picks names from the file; bad input files are errors that name the key, never the value', async () => {
    const p = project('dotenv');
    const run = (file: string, extra: { only?: string[]; format?: 'json' | 'dotenv' } = {}) => importSecrets({ config: p.config, environment: 'staging', file, cwd: p.dir, ...extra });
    try {
      writeFileSync(join(p.dir, 'in.env'), "JWT_SECRET='a-jwt'\nDB_PASSWORD='a-db'\n");
      assert.deepEqual(actions(await run('in.env', { only: ['DB_PASSWORD'], format: 'dotenv' })), { DB_PASSWORD: 'created' });
      await assert.rejects(run('in.env', { only: ['NOPE'] }), (e) => isCofferError(e, 'COFFER_E_USAGE') && e.message.includes('NOPE'));
      const secret = 'very-secret-value-42';
      const cases: [string, string, RegExp][] = [
        ['number.json', `{"A": "${secret}", "PORT": 8080}`, /key "PORT" holds a number; every value must be a string/],
        ['nested.json', `{"A": {"inner": "${secret}"}}`, /key "A" holds an object/],
        ['array.json', `["${secret}"]`, /holds an array, not an object/],
        ['broken.json', `{"A": "${secret}",\n "B": ${secret}}`, /is not valid JSON/],
        ['badname.json', `{"9LIVES": "${secret}"}`, /"9LIVES" is not a valid secret name/],
      ];
      for (const [file, text, message] of cases) {
        writeFileSync(join(p.dir, file), text);
        await assert.rejects(run(file), (e) => isCofferError(e, 'COFFER_E_USAGE') && message.test(e.message) && !e.message.includes(secret) && !e.message.includes('\n'), file);
      }
      writeFileSync(join(p.dir, 'syntax.env'), `A='ok'\nB="${secret}\n`);
      await assert.rejects(run('syntax.env'), (e) => isCofferError(e, 'COFFER_E_DOTENV_SYNTAX') && e.message.includes('syntax.env:2') && !e.message.includes(secret));
      await assert.rejects(run('missing.json'), (e) => isCofferError(e, 'COFFER_E_FILE_UNREADABLE'));
      assert.deepEqual(Object.keys(dotenv.parse(readFileSync(join(p.dir, '.env.staging')))), ['DB_PASSWORD']);
    } finally {
      p.cleanup();
    }
  });

  test('dates a dotenv file records for a value are kept, so an old value still shows as due for rotation', async () => {
    const p = project('store');
    try {
      writeFileSync(join(p.dir, 'old.env'), `# coffer: updated=2024-01-10T00:00:00.000Z rotate-by=2024-04-09T00:00:00.000Z\nJWT_SECRET=${STRONG}\n# coffer: updated=2099-01-01T00:00:00.000Z\nDB_PASSWORD=${STRONG}x\n`);
      await importSecrets({ config: p.config, environment: 'staging', file: 'old.env', cwd: p.dir, now: NOW, access: { env: p.env } });
      const store = await openSqliteStore({ path: join(p.dir, '.coffer', 'store.db'), env: p.env });
      try {
        const [db, jwt] = await store.list('staging');
        assert.equal(jwt?.createdAt, '2024-01-10T00:00:00.000Z');
        assert.equal(jwt?.rotateBy, '2024-04-09T00:00:00.000Z');
        // A date in the future is not believed: the value counts as set now.
        assert.equal(db?.createdAt, NOW.toISOString());
      } finally {
        store.close();
      }
    } finally {
      p.cleanup();
    }
  });
});
