/**
 * The directory of secret files behind `coffer run --mount DIR`: created 0700 (it must not exist,
 * so nobody else can have prepared it), one file per secret named after it, 0600, holding the
 * value's UTF-8 bytes and nothing else (no trailing newline), written atomically. A marker file
 * holds the pid of the run that owns the directory, so a directory left behind by a run that
 * was killed (kill -9 cannot be caught) is recognised and cleaned by the next run, while one in
 * use by a live run is refused. Removing it takes everything in it.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CofferError } from '../core/errors.js';
import { writeFileAtomic } from '../io/secure-file.js';

/** The marker file in a mount directory: `coffer-run pid=<pid>`. */
export const MOUNT_MARKER = '.coffer-run';

/** A mounted directory of secret files. */
export interface MountedSecrets {
  /** Absolute path of the directory. */
  readonly dir: string;
  /** Rewrites the files to hold exactly `secrets` (for a restart with changed values). */
  update(secrets: readonly { readonly name: string; readonly value: string }[]): void;
  /** Removes the directory and everything in it; idempotent and never throws. */
  remove(): void;
}

/**
 * Creates `dir` (resolved against the working directory) holding one file per secret.
 * COFFER_E_EXISTS when it exists and is not a stale mount of a dead run, and when it belongs to
 * a run still alive; COFFER_E_FILE_WRITE when it cannot be written (what was made is removed).
 *
 * @example
 * const mount = mountSecrets('/dev/shm/app-secrets', [{ name: 'DB_PASSWORD', value }]);
 * try { ... } finally { mount.remove(); }
 */
export function mountSecrets(dir: string, secrets: readonly { readonly name: string; readonly value: string }[], pid: number = process.pid): MountedSecrets {
  const path = resolve(dir);
  clearStale(path);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Not recursive: fails if the directory appeared meanwhile, so it is always one we made.
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw exists(path, 'was created by someone else just now');
    throw new CofferError('COFFER_E_FILE_WRITE', `Cannot create the mount directory ${path} (${code ?? 'error'}); check that its parent is writable.`, { cause: error });
  }
  let removed = false;
  let names = new Set<string>();
  const mount: MountedSecrets = {
    dir: path,
    update(next) {
      for (const s of next) writeFileAtomic(join(path, s.name), s.value, { mode: 0o600 });
      const keep = new Set(next.map((s) => s.name));
      for (const name of names) if (!keep.has(name)) rmSync(join(path, name), { force: true });
      names = keep;
    },
    remove() {
      if (removed) return;
      removed = true;
      try {
        rmSync(path, { recursive: true, force: true });
      } catch {
        // Best effort: the caller is exiting; a stale directory is cleaned by the next run.
      }
    },
  };
  try {
    chmodSync(path, 0o700);
    writeFileAtomic(join(path, MOUNT_MARKER), `coffer-run pid=${pid}\n`, { mode: 0o600 });
    mount.update(secrets);
  } catch (error) {
    mount.remove();
    throw error;
  }
  return mount;
}

/**
 * Removes `path` when it is a mount directory left by a run that is no longer alive: a real
 * directory (not a link), ours, private, holding a marker whose pid is gone and only plain files.
 * Anything else that exists there is refused, never deleted.
 */
function clearStale(path: string): void {
  const stat = lstatOrUndefined(path);
  if (stat === undefined) return;
  if (!stat.isDirectory()) throw exists(path, 'is not a directory');
  const marker = lstatOrUndefined(join(path, MOUNT_MARKER));
  const pid = marker?.isFile() ? /^coffer-run pid=(\d+)\n$/.exec(readFileSync(join(path, MOUNT_MARKER), 'utf8'))?.[1] : undefined;
  if (pid === undefined) throw exists(path, 'was not made by `coffer run`');
  if (isAlive(Number(pid))) throw exists(path, `is in use by a running \`coffer run\` (pid ${pid})`);
  const ours = process.getuid === undefined || stat.uid === process.getuid();
  const plain = readdirSync(path).every((name) => lstatOrUndefined(join(path, name))?.isFile() === true);
  if (!ours || (stat.mode & 0o077) !== 0 || !plain) throw exists(path, 'looks like a mount left by a dead run but is not private to you or holds more than files; remove it yourself');
  rmSync(path, { recursive: true, force: true });
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CofferError('COFFER_E_FILE_UNREADABLE', `Cannot inspect ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check its permissions.`, { cause: error });
  }
}

function exists(path: string, why: string): CofferError {
  return new CofferError('COFFER_E_EXISTS', `The mount directory ${path} already exists and ${why}; it was left untouched. Give --mount a path that does not exist (on a tmpfs such as /dev/shm or $XDG_RUNTIME_DIR, so values never reach a disk).`, { details: { dir: path } });
}
