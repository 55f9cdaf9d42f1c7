/**
 * `coffer export`'s formats against the real readers (the `dotenv` package, JSON.parse and a
 * real `sh`), and exportSecrets on real providers: the 0600 output file, the refusal to
 * overwrite, the backup with --force, --only, refusals that write nothing, and the audit entry.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import dotenv from 'dotenv';
import { isCofferError } from '../../src/core/errors.js';
import { resolveConfig, type Config } from '../../src/config/resolve.js';
import { exportSecrets } from '../../src/project/export.js';
import { formatSecrets, parseJsonSecrets, type NamedValue } from '../../src/project/_export-formats.js';
import createStoreProvider from '../../src/providers/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const KEY = 'c0ffee00'.repeat(8);
const shellName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
const specials = ["'", '"', '`', '\\', '$', '#', ' ', '\t', '\n', '\r', '\0', '=', '!', '*', '?', '~', '{', '}', '(', ';', '&', '|', '<', 'é', '🔑', '\uD800', 'a', 'Z', '9'];
const value = fc.oneof(fc.string({ unit: fc.constantFrom(...specials), maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ maxLength: 30 }));
/** Distinct names with arbitrary values. */
const entriesOf = (v: fc.Arbitrary<string>) => fc.uniqueArray(fc.record({ name: shellName, value: v }), { selector: (e) => e.name, maxLength: 5 });

/** Asserts a refusal is COFFER_E_UNSAFE_VALUE naming a secret of `entries` and quoting no value. */
function assertRefusal(error: unknown, entries: readonly NamedValue[]): void {
  assert.ok(isCofferError(error, 'COFFER_E_UNSAFE_VALUE'), String(error));
  const named = entries.find((e) => error.message.startsWith(`${e.name}:`) || error.message.startsWith(JSON.stringify(e.name)));
  assert.ok(named, `the error names the secret: ${error.message}`);
  for (const e of entries) if (e.value.length >= 8 && !e.name.includes(e.value)) assert.ok(!error.message.includes(e.value), 'the error quotes a value');
}

/** Runs a real POSIX shell that sources `file` and prints `$name` with printf %s. */
function sourceAndPrint(file: string, name: string): Buffer {
  const result = spawnSync('sh', ['-c', `. "$1" && printf %s "$${name}"`, 'sh', file], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  assert.equal(result.status, 0, result.stderr.toString());
  return result.stdout;
}

describe('formats', () => {
  test('dotenv: for any values, the dotenv package reads back exactly what was exported, or the secret is named in a refusal', () => {
    fc.assert(fc.property(entriesOf(value), (entries) => {
      let text: string;
      try {
        text = formatSecrets(entries, 'dotenv');
      } catch (error) {
        assertRefusal(error, entries);
        return;
      }
      assert.deepEqual(dotenv.parse(Buffer.from(text, 'utf8')), Object.fromEntries(entries.map((e) => [e.name, e.value])));
    }), { numRuns: 1000 });
  });

  test('json: a flat object sorted by name that JSON.parse and the import reader return unchanged, whatever the values', () => {
    fc.assert(fc.property(entriesOf(fc.oneof(value, fc.string({ unit: 'binary', maxLength: 10 }))), (entries) => {
      const text = formatSecrets(entries, 'json');
      const parsed = JSON.parse(text) as Record<string, string>;
      assert.deepEqual(parsed, Object.fromEntries(entries.map((e) => [e.name, e.value])));
      assert.deepEqual(Object.keys(parsed), entries.map((e) => e.name).sort());
      assert.deepEqual(new Map(parseJsonSecrets(text, 'x.json').map((e) => [e.name, e.value])), new Map(entries.map((e) => [e.name, e.value])));
    }), { numRuns: 500 });
  });

  test('shell: sourcing the output in a real sh gives back the exact bytes of every value (quotes, newlines, $, backticks)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-export-sh-'));
    try {
      const shellSafe = value.filter((v) => !v.includes('\0') && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(v));
      let run = 0;
      fc.assert(fc.property(fc.uniqueArray(fc.record({ name: shellName, value: shellSafe }), { selector: (e) => e.name, minLength: 1, maxLength: 3 }), (entries) => {
        const file = join(dir, `run-${run++}.sh`);
        writeFileSync(file, formatSecrets(entries, 'shell'));
        for (const e of entries) assert.deepEqual(sourceAndPrint(file, e.name), Buffer.from(e.value, 'utf8'), `value of ${e.name}`);
      }), { numRuns: 80 });
      const file = join(dir, 'fixed.sh');
      const tricky = "it's \"$HOME\" `id` $(id) \\n\n'\n\n";
      writeFileSync(file, formatSecrets([{ name: 'A', value: tricky }, { name: 'B', value: "'" }, { name: 'C', value: '' }], 'shell'));
      assert.equal(sourceAndPrint(file, 'A').toString('utf8'), tricky);
      assert.equal(sourceAndPrint(file, 'B').toString('utf8'), "'");
      assert.equal(sourceAndPrint(file, 'C').toString('utf8'), '');
      // `export`: a child process of the shell sees the variables too.
      const child = spawnSync('sh', ['-c', '. "$1" && sh -c \'printf %s "$B"\'', 'sh', file], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
      assert.equal(child.stdout.toString(), "'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refusals name the secret, never the value: shell names and NULs, dotenv carriage returns', () => {
    const secretish = 'Sup3r-secret-value';
    assert.throws(() => formatSecrets([{ name: 'APP.KEY', value: secretish }], 'shell'), (e) => isCofferError(e, 'COFFER_E_UNSAFE_VALUE') && e.message.includes('"APP.KEY" is not a valid shell variable name'));
    assert.throws(() => formatSecrets([{ name: 'K', value: `${secretish}\0` }], 'shell'), (e) => isCofferError(e, 'COFFER_E_UNSAFE_VALUE') && e.message.startsWith('K: the value contains a NUL') && !e.message.includes(secretish));
    assert.throws(() => formatSecrets([{ name: 'OK', value: 'x' }, { name: 'K', value: `${secretish}\r` }], 'dotenv'), (e) => isCofferError(e, 'COFFER_E_UNSAFE_VALUE') && e.message.startsWith('K: ') && e.message.includes('--format json') && !e.message.includes(secretish));
    assert.equal(formatSecrets([{ name: 'K', value: `${secretish}\r\0` }], 'json'), `{\n  "K": "${secretish}\\r\\u0000"\n}\n`);
  });
});

describe('exportSecrets', () => {
  const project = (provider: 'dotenv' | 'store') => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-export-'));
    const config: Config = resolveConfig({
      version: 1,
      environments: { development: provider === 'store' ? { provider: 'store' } : {} },
      secrets: { JWT_SECRET: {}, DB_PASSWORD: {} },
    }, join(dir, 'coffer.config.json'));
    return { dir, config, access: { env: { COFFER_MASTER_KEY: KEY, HOME: dir, COFFER_ACTOR: 'tester' } } };
  };

  test('to a file: written 0600; an existing file is refused and left untouched, or replaced with --force after a 0600 backup', async () => {
    const { dir, config } = project('dotenv');
    try {
      writeFileSync(join(dir, '.env.development'), "JWT_SECRET='jwt value #1'\nDB_PASSWORD=\"it's\"\nEXTRA=plain\n");
      const first = await exportSecrets({ config, environment: 'development', format: 'json', output: 'out.json', cwd: dir });
      assert.deepEqual(first.names, ['DB_PASSWORD', 'EXTRA', 'JWT_SECRET']);
      assert.equal(first.text, undefined);
      const out = join(dir, 'out.json');
      assert.equal(statSync(out).mode & 0o777, 0o600);
      assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { DB_PASSWORD: "it's", EXTRA: 'plain', JWT_SECRET: 'jwt value #1' });
      writeFileSync(out, 'precious');
      await assert.rejects(exportSecrets({ config, environment: 'development', format: 'dotenv', output: out, cwd: dir }), (e) => isCofferError(e, 'COFFER_E_EXISTS') && e.message.includes('--force'));
      assert.equal(readFileSync(out, 'utf8'), 'precious');
      const forced = await exportSecrets({ config, environment: 'development', format: 'dotenv', output: out, cwd: dir, force: true, only: ['JWT_SECRET'] });
      assert.deepEqual(dotenv.parse(readFileSync(out)), { JWT_SECRET: 'jwt value #1' });
      assert.ok(forced.backupPath !== undefined && readFileSync(forced.backupPath, 'utf8') === 'precious');
      assert.equal(statSync(forced.backupPath).mode & 0o777, 0o600);
      assert.equal(statSync(out).mode & 0o777, 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--only with a name that is not set, a value the format cannot hold, or the environment\'s own file as output: nothing is written', async () => {
    const { dir, config } = project('dotenv');
    try {
      writeFileSync(join(dir, '.env.development'), "JWT_SECRET='a'\nWEIRD.NAME='b'\n");
      await assert.rejects(exportSecrets({ config, environment: 'development', format: 'json', only: ['JWT_SECRET', 'NOPE'] }), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND') && e.message.includes('NOPE'));
      await assert.rejects(exportSecrets({ config, environment: 'development', format: 'shell', output: 'out.sh', cwd: dir }), (e) => isCofferError(e, 'COFFER_E_UNSAFE_VALUE') && e.message.includes('WEIRD.NAME'));
      assert.ok(!existsSync(join(dir, 'out.sh')));
      assert.deepEqual(readdirSync(dir).sort(), ['.env.development']);
      await assert.rejects(exportSecrets({ config, environment: 'development', format: 'dotenv', output: '.env.development', cwd: dir, force: true }), (e) => isCofferError(e, 'COFFER_E_USAGE') && e.message.includes('keeps its values'));
      assert.equal(readFileSync(join(dir, '.env.development'), 'utf8'), "JWT_SECRET='a'\nWEIRD.NAME='b'\n");
      const partial = await exportSecrets({ config, environment: 'development', format: 'shell', only: ['JWT_SECRET'] });
      assert.equal(partial.text, "export JWT_SECRET='a'\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a store export returns the values and records a value-free audit entry', async () => {
    const { dir, config, access } = project('store');
    try {
      const provider = createStoreProvider({ environment: 'development' }, { cwd: dir, env: access.env });
      await provider.setMany([{ name: 'JWT_SECRET', value: 'store-jwt-value-1' }, { name: 'DB_PASSWORD', value: 'store-db-value-1' }]);
      await provider.close();
      const result = await exportSecrets({ config, environment: 'development', format: 'dotenv', access });
      assert.deepEqual(dotenv.parse(result.text ?? ''), { DB_PASSWORD: 'store-db-value-1', JWT_SECRET: 'store-jwt-value-1' });
      const store = await openSqliteStore({ path: join(dir, '.coffer', 'store.db'), env: access.env });
      try {
        const entries = store.auditEntries().filter((e) => e.action === 'export');
        assert.equal(entries.length, 1);
        assert.equal(entries[0]?.detail, '2 secrets, dotenv, to stdout');
        assert.equal(entries[0]?.actor, 'tester');
        assert.ok(store.auditEntries().every((e) => !`${e.detail}`.includes('store-')), 'no value in the audit log');
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
