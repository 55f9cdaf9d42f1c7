/**
 * The file provider: the shared conformance suite (writable, and read-only as mounts are), plus
 * what is specific to mounted secret files: NAME_FILE, the Kubernetes `..data` symlink layout,
 * permission denied, trailing newlines, lower-case names, names that are not file names, and
 * files that are not secrets (directories, FIFOs, huge files).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCofferError, type ErrorCode } from '../../src/core/errors.js';
import createFileProvider, { MAX_SECRET_FILE_BYTES } from '../../src/providers/file.js';
import { describeProviderConformance } from '../conformance/provider-suite.js';

describeProviderConformance('file (write: true)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-file-'));
  return {
    provider: createFileProvider({ dir, write: true }, { env: {} }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
    rejectedWrite: { name: 'ENDS_WITH_NEWLINE', value: 'rejected-value-f00d\n' },
  };
});

describeProviderConformance('file (read-only mount)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-file-'));
  return { provider: createFileProvider({ dir }, { env: {} }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-file-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Asserts a rejection with `code` whose message contains `includes` and none of `values`. */
async function rejects(promise: Promise<unknown>, code: ErrorCode, includes: readonly string[], values: readonly string[] = []): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isCofferError(error), String(error));
    assert.equal(error.code, code, error.message);
    for (const text of includes) assert.ok(error.message.includes(text), `"${error.message}" lacks "${text}"`);
    for (const value of values) assert.ok(!`${error.message} ${JSON.stringify(error.details)}`.includes(value), 'a value leaked into the error');
    return true;
  });
}

test('NAME_FILE wins over the directory, relative paths resolve against the project root, and env: false ignores it', () => withDir(async (dir) => {
  await mkdir(join(dir, 'secrets'));
  await writeFile(join(dir, 'secrets', 'DB_PASSWORD'), 'from the directory');
  await writeFile(join(dir, 'elsewhere.txt'), 'from DB_PASSWORD_FILE\n');
  const env = { DB_PASSWORD_FILE: 'elsewhere.txt' };
  const provider = createFileProvider({ dir: 'secrets' }, { cwd: dir, env });
  assert.equal((await provider.get('DB_PASSWORD')).value, 'from DB_PASSWORD_FILE');
  assert.deepEqual((await provider.list()).map((entry) => entry.name), ['DB_PASSWORD']);
  const ignoring = createFileProvider({ dir: 'secrets', env: false }, { cwd: dir, env });
  assert.equal((await ignoring.get('DB_PASSWORD')).value, 'from the directory');
}));

test('a NAME_FILE variable alone serves and lists the secret; one pointing nowhere is an error naming it, not "not found"', () => withDir(async (dir) => {
  await writeFile(join(dir, 'jwt'), 'jwt-value-1');
  const env = { JWT_SECRET_FILE: join(dir, 'jwt'), API_KEY_FILE: join(dir, 'missing'), AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'jwt'), EMPTY_FILE: '' };
  const provider = createFileProvider({ dir: join(dir, 'none') }, { env });
  assert.equal((await provider.get('JWT_SECRET')).value, 'jwt-value-1');
  await rejects(provider.get('API_KEY'), 'COFFER_E_FILE_UNREADABLE', ['API_KEY_FILE', join(dir, 'missing')]);
  await rejects(provider.get('EMPTY'), 'COFFER_E_NOT_FOUND', ['EMPTY']);
  // A tool's own *_FILE variable is not listed as a secret, but can still be read by name.
  assert.deepEqual((await provider.list()).map((entry) => entry.name), ['API_KEY', 'JWT_SECRET']);
  assert.equal((await provider.get('AWS_WEB_IDENTITY_TOKEN')).value, 'jwt-value-1');
}));

test('a Kubernetes secret volume (..data symlinks) is read, listed without its internals, and follows an update', () => withDir(async (dir) => {
  // What the kubelet writes: a timestamped directory, ..data pointing at it, and one symlink per key.
  const first = '..2024_06_01_12_00_00.000000001';
  await mkdir(join(dir, first));
  await writeFile(join(dir, first, 'DB_PASSWORD'), 'k8s-password-one');
  await writeFile(join(dir, first, 'api_key'), 'k8s-api-key');
  await symlink(first, join(dir, '..data'));
  await symlink('..data/DB_PASSWORD', join(dir, 'DB_PASSWORD'));
  await symlink('..data/api_key', join(dir, 'api_key'));
  const provider = createFileProvider({ dir }, { env: {} });
  assert.equal((await provider.get('DB_PASSWORD')).value, 'k8s-password-one');
  assert.equal((await provider.get('API_KEY')).value, 'k8s-api-key');
  const listing = await provider.list();
  assert.deepEqual(listing.map((entry) => entry.name), ['DB_PASSWORD', 'api_key']);
  assert.ok(listing.every((entry) => typeof entry.metadata.updatedAt === 'string'));
  // A rotation: the kubelet writes a new directory and swaps ..data atomically.
  const second = '..2024_06_02_12_00_00.000000002';
  await mkdir(join(dir, second));
  await writeFile(join(dir, second, 'DB_PASSWORD'), 'k8s-password-two');
  await writeFile(join(dir, second, 'api_key'), 'k8s-api-key');
  await symlink(second, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  assert.equal((await provider.get('DB_PASSWORD')).value, 'k8s-password-two');
}));

test('a file without read permission is COFFER_E_ACCESS_DENIED naming the path, never "not found"', (t: TestContext) => {
  if (process.getuid?.() === 0) {
    t.skip('running as root, which reads files whatever their mode');
    return;
  }
  return withDir(async (dir) => {
    await writeFile(join(dir, 'DB_PASSWORD'), 'unreadable-value-77', { mode: 0o000 });
    const provider = createFileProvider({ dir }, { env: {} });
    await rejects(provider.get('DB_PASSWORD'), 'COFFER_E_ACCESS_DENIED', [join(dir, 'DB_PASSWORD')], ['unreadable-value-77']);
    await mkdir(join(dir, 'locked'), { mode: 0o000 });
    await rejects(createFileProvider({ dir: join(dir, 'locked') }, { env: {} }).list(), 'COFFER_E_ACCESS_DENIED', [join(dir, 'locked')]);
  });
});

test('exactly one trailing newline is stripped (LF or CRLF), unless trimNewline is false', () => withDir(async (dir) => {
  await writeFile(join(dir, 'ECHOED'), 'echoed-value\n');
  await writeFile(join(dir, 'TWO'), 'two-newlines\n\n');
  await writeFile(join(dir, 'CRLF'), 'windows-editor\r\n');
  await writeFile(join(dir, 'PLAIN'), '  spaces kept  ');
  const provider = createFileProvider({ dir }, { env: {} });
  assert.equal((await provider.get('ECHOED')).value, 'echoed-value');
  assert.equal((await provider.get('TWO')).value, 'two-newlines\n');
  assert.equal((await provider.get('CRLF')).value, 'windows-editor');
  assert.equal((await provider.get('PLAIN')).value, '  spaces kept  ');
  assert.equal((await createFileProvider({ dir, trimNewline: false }, { env: {} }).get('ECHOED')).value, 'echoed-value\n');
}));

test('a value ending in a newline cannot be written while trimNewline is on, since it would not read back', () => withDir(async (dir) => {
  const provider = createFileProvider({ dir, write: true }, { env: {} });
  await rejects(provider.set('A', 'line-value-3c\n'), 'COFFER_E_UNSAFE_VALUE', ['trimNewline'], ['line-value-3c']);
  assert.deepEqual(await readdir(dir), []);
  const raw = createFileProvider({ dir, write: true, trimNewline: false }, { env: {} });
  await raw.set('A', 'kept\n');
  assert.equal((await raw.get('A')).value, 'kept\n');
}));

test('the lower-case file name is found too, unless lowercase is false', () => withDir(async (dir) => {
  await writeFile(join(dir, 'db_password'), 'docker-style');
  assert.equal((await createFileProvider({ dir }, { env: {} }).get('DB_PASSWORD')).value, 'docker-style');
  await rejects(createFileProvider({ dir, lowercase: false }, { env: {} }).get('DB_PASSWORD'), 'COFFER_E_NOT_FOUND', ['DB_PASSWORD', dir]);
}));

test('a name that is not a secret name is refused, so no path escapes the directory', () => withDir(async (dir) => {
  await mkdir(join(dir, 'secrets'));
  await writeFile(join(dir, 'outside'), 'outside-value-91');
  await writeFile(join(dir, 'secrets', '.hidden'), 'hidden-value-92');
  const provider = createFileProvider({ dir: join(dir, 'secrets'), write: true }, { env: {} });
  for (const name of ['../outside', 'a/b', '..data', '.hidden', '/etc/passwd', '']) {
    await rejects(provider.get(name), 'COFFER_E_USAGE', ['not a secret name'], ['outside-value-91', 'hidden-value-92']);
  }
  await rejects(provider.set('../outside', 'overwrite'), 'COFFER_E_USAGE', []);
  assert.equal(await readFile(join(dir, 'outside'), 'utf8'), 'outside-value-91');
  assert.deepEqual(await provider.list(), []);
}));

test('a directory, a FIFO or a file over 64 KiB in place of a secret is a clear error, without hanging or leaking', () => withDir(async (dir) => {
  await mkdir(join(dir, 'A_DIRECTORY'));
  await writeFile(join(dir, 'HUGE'), 'h'.repeat(MAX_SECRET_FILE_BYTES + 1));
  await writeFile(join(dir, 'LIMIT'), 'l'.repeat(MAX_SECRET_FILE_BYTES));
  execFileSync('mkfifo', [join(dir, 'A_FIFO')]);
  await writeFile(join(dir, 'BINARY'), Buffer.from([0xff, 0xfe, 0x00, 0x80]));
  const provider = createFileProvider({ dir }, { env: {} });
  await rejects(provider.get('A_DIRECTORY'), 'COFFER_E_FILE_UNREADABLE', ['directory', join(dir, 'A_DIRECTORY')]);
  await rejects(provider.get('A_FIFO'), 'COFFER_E_FILE_UNREADABLE', ['not a regular file']);
  await rejects(provider.get('HUGE'), 'COFFER_E_FILE_UNREADABLE', ['64 KiB'], ['hhhhhhhh']);
  await rejects(provider.get('BINARY'), 'COFFER_E_FILE_UNREADABLE', ['UTF-8']);
  assert.equal((await provider.get('LIMIT')).value.length, MAX_SECRET_FILE_BYTES);
  assert.deepEqual((await provider.list()).map((entry) => entry.name), ['BINARY', 'HUGE', 'LIMIT']);
}));

test('list skips dot-files and names that are not secret names; updatedAt is the file mtime', () => withDir(async (dir) => {
  await writeFile(join(dir, 'GOOD'), 'x');
  await writeFile(join(dir, '.env'), 'x');
  await writeFile(join(dir, 'db-password'), 'x');
  await writeFile(join(dir, 'GOOD.coffer-tmp-abc'), 'x');
  const when = new Date('2024-03-04T05:06:07.000Z');
  await utimes(join(dir, 'GOOD'), when, when);
  const provider = createFileProvider({ dir }, { env: {} });
  assert.deepEqual(await provider.list(), [{ name: 'GOOD', metadata: { updatedAt: when.toISOString() } }]);
  assert.equal((await provider.get('GOOD')).metadata.updatedAt, when.toISOString());
  assert.deepEqual(await createFileProvider({ dir: join(dir, 'absent') }, { env: {} }).list(), []);
}));

test('writes are 0600 files, replace the file get reads (NAME_FILE included), and delete refuses a NAME_FILE secret', () => withDir(async (dir) => {
  await writeFile(join(dir, 'db_password'), 'old', { mode: 0o644 });
  await writeFile(join(dir, 'named'), 'old named');
  const provider = createFileProvider({ dir: join(dir), write: true }, { env: { TOKEN_FILE: join(dir, 'named') } });
  await provider.set('DB_PASSWORD', 'new');
  assert.deepEqual((await readdir(dir)).sort(), ['db_password', 'named']);
  assert.equal((await stat(join(dir, 'db_password'))).mode & 0o777, 0o600);
  assert.equal((await provider.get('DB_PASSWORD')).value, 'new');
  await provider.set('TOKEN', 'new named');
  assert.equal(await readFile(join(dir, 'named'), 'utf8'), 'new named');
  await rejects(provider.delete('TOKEN'), 'COFFER_E_UNSUPPORTED', ['TOKEN_FILE']);
  await provider.delete('DB_PASSWORD');
  assert.deepEqual(await readdir(dir), ['named']);
  const nested = createFileProvider({ dir: join(dir, 'new', 'secrets'), write: true }, { env: {} });
  await nested.set('A', 'v');
  assert.equal((await stat(join(dir, 'new', 'secrets'))).mode & 0o777, 0o700);
}));

test('registered as "file", with options checked against its schema', async () => {
  const { openProvider } = await import('../../src/providers/registry.js');
  const provider = await openProvider('file', { dir: '/nonexistent-coffer-dir' }, { env: {} });
  assert.equal(provider.id, 'file');
  assert.equal(provider.capabilities.write, false);
  await rejects(openProvider('file', { directory: '/x' }), 'COFFER_E_CONFIG_INVALID', ['directory', 'docs/providers/file.md']);
});

test('a batch whose later file cannot be written changes no file', () => withDir(async (dir) => {
  await writeFile(join(dir, 'A'), 'a-before');
  await writeFile(join(dir, 'plain-file'), 'x');
  const provider = createFileProvider({ dir, write: true }, { env: { B_FILE: join(dir, 'plain-file', 'B') } });
  await rejects(provider.setMany([{ name: 'A', value: 'a-after' }, { name: 'B', value: 'b-after' }]), 'COFFER_E_FILE_UNREADABLE', [join(dir, 'plain-file', 'B')], ['a-after', 'b-after']);
  assert.equal(await readFile(join(dir, 'A'), 'utf8'), 'a-before');
}));
