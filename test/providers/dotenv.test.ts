/**
 * The dotenv provider: the shared conformance suite on a temp directory, plus what is specific
 * to a file on disk: modes, backups, syntax errors with file:line, refused values leaving the
 * file untouched, and the user's comments surviving a rewrite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dotenv from 'dotenv';
import { isCofferError } from '../../src/core/errors.js';
import createDotenvProvider, { readDotenvFile } from '../../src/providers/dotenv.js';
import { describeProviderConformance } from '../conformance/provider-suite.js';

describeProviderConformance('dotenv', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-dotenv-'));
  return {
    provider: createDotenvProvider({ path: '.env.test' }, { cwd: dir }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
    rejectedWrite: { name: 'UNSAFE', value: 'both \' and " quotes' },
  };
});

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-dotenv-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

test('a new file and a rewritten file are mode 0600', () => withDir(async (dir) => {
  const provider = createDotenvProvider({}, { cwd: dir });
  await provider.set('A', 'one');
  assert.equal(await mode(join(dir, '.env')), 0o600);
  await writeFile(join(dir, '.env.shared'), 'B=two\n', { mode: 0o644 });
  await chmod(join(dir, '.env.shared'), 0o644);
  await createDotenvProvider({ path: '.env.shared' }, { cwd: dir }).set('B', 'three');
  assert.equal(await mode(join(dir, '.env.shared')), 0o600);
}));

test('a rewrite keeps a 0600 backup holding the previous content; setMany makes one rewrite', () => withDir(async (dir) => {
  const path = join(dir, '.env');
  await writeFile(path, 'A=old\n', { mode: 0o600 });
  await createDotenvProvider({}, { cwd: dir }).setMany([{ name: 'A', value: 'new' }, { name: 'B', value: 'b' }]);
  const backups = (await readdir(dir)).filter((name) => name.startsWith('.env.bak-'));
  assert.equal(backups.length, 1);
  assert.equal(await readFile(join(dir, backups[0]!), 'utf8'), 'A=old\n');
  assert.equal(await mode(join(dir, backups[0]!)), 0o600);
  assert.deepEqual(dotenv.parse(await readFile(path, 'utf8')), { A: 'new', B: 'b' });
}));

test('a malformed line is COFFER_E_DOTENV_SYNTAX with file:line and no value', () => withDir(async (dir) => {
  const path = join(dir, '.env');
  await writeFile(path, 'GOOD=secret-good-value\n# note\nthis line is broken-secret-text\n');
  const provider = createDotenvProvider({}, { cwd: dir });
  // Each operation starts only when awaited, so no rejection is ever left unhandled meanwhile.
  for (const operation of [() => provider.get('GOOD'), () => provider.list(), () => provider.set('X', 'y')]) {
    await assert.rejects(operation(), (error) => {
      assert.ok(isCofferError(error, 'COFFER_E_DOTENV_SYNTAX'));
      assert.ok(error.message.startsWith(`${path}:3: `), error.message);
      assert.deepEqual(error.details, { file: path, line: 3 });
      assert.ok(!error.message.includes('secret'));
      return true;
    });
  }
  assert.equal(await readFile(path, 'utf8'), 'GOOD=secret-good-value\n# note\nthis line is broken-secret-text\n');
}));

test('an unsafe value leaves the file byte-identical, with no backup', () => withDir(async (dir) => {
  const path = join(dir, '.env');
  const original = '# keep\r\nA=1\r\n';
  await writeFile(path, original, { mode: 0o600 });
  const provider = createDotenvProvider({}, { cwd: dir });
  for (const value of ['it\'s "both"', 'carriage\rreturn', 'trailing\\', 'nul\0']) {
    await assert.rejects(provider.setMany([{ name: 'B', value: 'fine' }, { name: 'C', value }]), (error) => {
      assert.ok(isCofferError(error, 'COFFER_E_UNSAFE_VALUE'));
      assert.match(error.message, /^C: the value contains /);
      assert.ok(!error.message.includes(value));
      return true;
    });
  }
  await assert.rejects(provider.set('1BAD', 'x'), (error) => isCofferError(error, 'COFFER_E_UNSAFE_VALUE'));
  assert.equal(await readFile(path, 'utf8'), original);
  assert.deepEqual(await readdir(dir), ['.env']);
}));

test('comments, blank lines, order, export and CRLF survive a rewrite; metadata is replaced', () => withDir(async (dir) => {
  const path = join(dir, '.env');
  const original = [
    '# Database settings',
    'export DB_HOST=localhost # the host',
    '# coffer: updated=2024-01-01T00:00:00.000Z rotate-by=2024-04-01T00:00:00.000Z',
    'DB_PASSWORD="old"',
    '',
    'KEEP: untouched value',
    '',
  ].join('\r\n');
  await writeFile(path, original);
  const provider = createDotenvProvider({}, { cwd: dir });
  assert.deepEqual((await provider.get('DB_PASSWORD')).metadata, { updatedAt: '2024-01-01T00:00:00.000Z', rotateBy: '2024-04-01T00:00:00.000Z' });
  await provider.set('DB_PASSWORD', 'n3w # pass', { updatedAt: '2025-02-03T00:00:00.000Z' });
  await provider.set('DB_HOST', 'db.internal');
  await provider.set('ADDED', 'multi\nline');
  assert.equal(await readFile(path, 'utf8'), [
    '# Database settings',
    "export DB_HOST='db.internal'",
    '# coffer: updated=2025-02-03T00:00:00.000Z',
    "DB_PASSWORD='n3w # pass'",
    '',
    'KEEP: untouched value',
    "ADDED='multi\nline'",
    '',
  ].join('\r\n'));
  assert.deepEqual((await provider.get('DB_PASSWORD')).metadata, { updatedAt: '2025-02-03T00:00:00.000Z' });
  await provider.delete('DB_PASSWORD');
  assert.ok(!(await readFile(path, 'utf8')).includes('coffer:'));
}));

test('a missing file is empty; a directory is COFFER_E_FILE_UNREADABLE', () => withDir(async (dir) => {
  const provider = createDotenvProvider({ path: 'nope/.env' }, { cwd: dir });
  assert.deepEqual(await provider.list(), []);
  await assert.rejects(provider.get('A'), (error) => isCofferError(error, 'COFFER_E_NOT_FOUND') && error.message.includes(join(dir, 'nope/.env')));
  await mkdir(join(dir, 'adir'));
  const onDir = createDotenvProvider({ path: 'adir' }, { cwd: dir });
  await assert.rejects(onDir.list(), (error) => isCofferError(error, 'COFFER_E_FILE_UNREADABLE') && error.message.includes('EISDIR'));
  await assert.rejects(onDir.get('A'), (error) => isCofferError(error, 'COFFER_E_FILE_UNREADABLE'));
}));

test('a file without read permission is COFFER_E_FILE_UNREADABLE', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, () => withDir(async (dir) => {
  await writeFile(join(dir, '.env'), 'A=1\n', { mode: 0o000 });
  await assert.rejects(createDotenvProvider({}, { cwd: dir }).get('A'), (error) => isCofferError(error, 'COFFER_E_FILE_UNREADABLE') && error.message.includes('EACCES'));
}));

test('concurrent writes through one provider all land', () => withDir(async (dir) => {
  const provider = createDotenvProvider({}, { cwd: dir });
  await Promise.all(Array.from({ length: 20 }, (_, i) => provider.set(`K${i}`, `v${i}`)));
  assert.equal((await provider.list()).length, 20);
}));

test('readDotenvFile returns the entries, and a missing file is an error', () => withDir(async (dir) => {
  const path = join(dir, '.env.production');
  await writeFile(path, 'A=1\nB="two words" # c\nA=3\n');
  assert.deepEqual((await readDotenvFile(path)).map(({ name, value, line }) => ({ name, value, line })), [
    { name: 'B', value: 'two words', line: 2 },
    { name: 'A', value: '3', line: 3 },
  ]);
  await assert.rejects(readDotenvFile(join(dir, 'missing')), (error) => isCofferError(error, 'COFFER_E_FILE_UNREADABLE'));
}));
