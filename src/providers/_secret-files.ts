/**
 * Reading and writing the files of the `file` provider (src/providers/file.ts): one secret per
 * file, read whole and bounded, with file-system errors mapped to Coffer's codes so that a
 * refused read is ACCESS_DENIED and a flaky one UNAVAILABLE, never "not found".
 */
import { constants, unlinkSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CofferError } from '../core/errors.js';
import { SECRET_NAME } from '../core/names.js';
import { writeFileAtomic } from '../io/secure-file.js';
import type { SecretRecord } from './types.js';

/** The largest secret file read or written: 64 KiB. A bigger file is a wrong path, not a secret. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads a secret file: the value and its mtime, or undefined when it does not exist. Opened
 * non-blocking so that a FIFO in place of a file is refused instead of hanging the read.
 */
export async function readSecretFile(path: string, name: string, trim: boolean): Promise<Omit<SecretRecord, 'name'> | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw fileError(error, path, name);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw unreadable(path, name, 'EISDIR', 'it is a directory, not a file; mount the secret as a file');
    if (!info.isFile()) throw unreadable(path, name, 'ENOTFILE', 'it is not a regular file; mount the secret as a file');
    const buffer = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let size = 0;
    while (size < buffer.length) {
      const { bytesRead } = await handle.read(buffer, size, buffer.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    if (size > MAX_SECRET_FILE_BYTES) throw unreadable(path, name, 'EFBIG', 'it is larger than 64 KiB, which is no secret; check the path');
    let value: string;
    try {
      value = utf8.decode(buffer.subarray(0, size));
    } catch {
      throw unreadable(path, name, 'EILSEQ', 'it is not UTF-8 text; store binary secrets base64-encoded');
    }
    if (trim) value = value.endsWith('\r\n') ? value.slice(0, -2) : value.endsWith('\n') ? value.slice(0, -1) : value;
    return { value, metadata: { updatedAt: info.mtime.toISOString() } };
  } catch (error) {
    throw error instanceof CofferError ? error : fileError(error, path, name);
  } finally {
    await handle.close();
  }
}

/** The secret files of `dir`: regular files (or links to them) named as secrets, dot-files and `..data` skipped. */
export async function listDir(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return [];
    throw fileError(error, dir);
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || !SECRET_NAME.test(entry.name)) continue;
    if (entry.isFile() || (entry.isSymbolicLink() && (await stat(join(dir, entry.name)).catch(() => undefined))?.isFile())) names.push(entry.name);
  }
  return names;
}

/** `{ updatedAt }` from a file's mtime; `{}` when it cannot be seen (get reports why). */
export async function mtimeOf(path: string): Promise<{ updatedAt?: string }> {
  const info = await stat(path).catch(() => undefined);
  return info === undefined ? {} : { updatedAt: info.mtime.toISOString() };
}

/** Whether `path` exists (following symlinks); errors other than ENOENT are raised. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return false;
    throw fileError(error, path);
  }
}

/** The bytes a file holds before a write, or undefined when there is none. */
export async function previousContent(path: string, name: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw fileError(error, path, name);
  }
}

/** Puts back what a file held before a failed batch write (`undefined`: it did not exist). */
export function restore(path: string, before: Buffer | undefined): void {
  try {
    if (before === undefined) unlinkSync(path);
    else writeFileAtomic(path, before, { mode: 0o600 });
  } catch {
    // Best effort: the error that made us roll back is the one reported.
  }
}

/** The errno code of a Node file-system error. */
export const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? 'error';

/** Errors a retry may cure; everything else is about the file or its permissions. */
const TRANSIENT = new Set(['EIO', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'ETIMEDOUT', 'ESTALE', 'EINTR']);

/** A file-system error as a CofferError. Permission denied is never "not found". */
export function fileError(error: unknown, path: string, name?: string): CofferError {
  const code = codeOf(error);
  const details = { ...(name === undefined ? {} : { name }), file: path, reason: code };
  const what = name === undefined ? path : `${path} (secret ${name})`;
  if (code === 'EACCES' || code === 'EPERM') {
    return new CofferError('COFFER_E_ACCESS_DENIED', `Permission denied on ${what}; give this process's user read access to it (owner or group of the file).`, { cause: error, details });
  }
  if (code === 'EROFS') {
    return new CofferError('COFFER_E_FILE_WRITE', `Cannot change ${what}: the file system is read-only (a secret mount); change the secret at its source.`, { cause: error, details });
  }
  if (TRANSIENT.has(code)) {
    return new CofferError('COFFER_E_UNAVAILABLE', `Cannot read ${what} right now (${code}); try again.`, { cause: error, details });
  }
  const hint = code === 'EISDIR' ? 'it is a directory, not a file' : code === 'ENOTDIR' ? 'a part of the path is not a directory; check the dir option' : code === 'ELOOP' ? 'its symlinks form a loop' : 'check the path';
  return new CofferError('COFFER_E_FILE_UNREADABLE', `Cannot read ${what} (${code}); ${hint}.`, { cause: error, details });
}

function unreadable(path: string, name: string, reason: string, why: string): CofferError {
  return new CofferError('COFFER_E_FILE_UNREADABLE', `Cannot read ${path} (secret ${name}): ${why}.`, { details: { name, file: path, reason } });
}
