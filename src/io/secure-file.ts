/**
 * Safe file writes for files that hold secrets (DESIGN.md invariants 2 and 6).
 *
 * A file is written to a temp file created 0600 in the same directory (so it is never readable
 * by others, even for an instant), fsynced, then renamed over the target, and the directory is
 * fsynced: a reader sees the old content or the new one, never half of it, and a crash leaves
 * at worst a stray temp file. An existing target can be backed up first (also 0600).
 */
import { closeSync, constants, fsyncSync, linkSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CofferError } from '../core/errors.js';

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** File mode of the result; default 0o600. */
  readonly mode?: number;
  /** Refuse to replace an existing file (COFFER_E_EXISTS); default false. */
  readonly exclusive?: boolean;
  /**
   * Before replacing an existing file, keep its previous content as `<file>.bak-<timestamp>`
   * (mode 0600) and return that path; default false.
   */
  readonly backup?: boolean;
  /** Create missing parent directories with mode 0700; default false. */
  readonly mkdirs?: boolean;
}

/** The outcome of {@link writeFileAtomic}. */
export interface WriteFileAtomicResult {
  /** Path of the backup made of the previous content, when one was made. */
  readonly backupPath?: string;
}

/**
 * Writes `data` to `path` atomically with a private mode.
 *
 * @example
 * writeFileAtomic('.env.production', text, { backup: true });
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteFileAtomicOptions = {}): WriteFileAtomicResult {
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  if (options.mkdirs) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const existing = statOrUndefined(path);
  if (existing && options.exclusive) {
    throw new CofferError('COFFER_E_EXISTS', `${path} already exists; it was left untouched. Remove it or choose another path.`);
  }
  if (existing?.isDirectory()) {
    throw new CofferError('COFFER_E_FILE_WRITE', `${path} is a directory; give a file path instead.`);
  }
  // Named `<file>.coffer-tmp-<random>` so a temp file left by a crash matches the .gitignore
  // entries `coffer init` writes (`.env.*`, `*.coffer-tmp-*`) and is never committed.
  const temp = join(dir, `${basename(path)}.coffer-tmp-${randomBytes(6).toString('hex')}`);
  let backupPath: string | undefined;
  try {
    writeSynced(temp, data, mode);
    if (existing && options.backup) {
      // Timestamp for people, random suffix so two rewrites in one millisecond never collide.
      backupPath = `${path}.bak-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
      copyPrivate(path, backupPath);
    }
    if (options.exclusive) {
      // link() fails if the target appeared meanwhile, so a concurrent writer is never clobbered.
      linkSync(temp, path);
      unlinkSync(temp);
    } else {
      renameSync(temp, path);
    }
    fsyncDir(dir);
  } catch (error) {
    safeUnlink(temp);
    if (error instanceof CofferError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new CofferError('COFFER_E_EXISTS', `${path} already exists; it was left untouched. Remove it or choose another path.`, { cause: error });
    }
    throw new CofferError('COFFER_E_FILE_WRITE', `Cannot write ${path} (${code ?? 'error'}); nothing was changed. Check that the directory exists and is writable.`, { cause: error });
  }
  return backupPath === undefined ? {} : { backupPath };
}

/** Returns the permission bits of `path` (e.g. 0o600), or undefined when it does not exist. */
export function fileMode(path: string): number | undefined {
  const stat = statOrUndefined(path);
  return stat === undefined ? undefined : stat.mode & 0o777;
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CofferError('COFFER_E_FILE_UNREADABLE', `Cannot inspect ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check its permissions.`, { cause: error });
  }
}

function writeSynced(path: string, data: string | Uint8Array, mode: number): void {
  // O_EXCL with the final mode: the file exists with private permissions from its first instant.
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function copyPrivate(from: string, to: string): void {
  // Read and rewrite rather than copyFile, so the copy never inherits a wider mode.
  const fd = openSync(from, constants.O_RDONLY);
  try {
    const size = statSync(from).size;
    const buffer = Buffer.alloc(size);
    let offset = 0;
    while (offset < size) {
      const n = readSync(fd, buffer, offset, size - offset, null);
      if (n === 0) break;
      offset += n;
    }
    writeSynced(to, buffer.subarray(0, offset), 0o600);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself has still happened.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // The temp file may never have been created.
  }
}
