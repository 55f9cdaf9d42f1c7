/**
 * A cross-process advisory lock, so that coffer processes doing read-modify-write of one file
 * (e.g. `.env.production`) never lose each other's updates. The lock is `<path>.lock`, created
 * with O_EXCL (exactly one process can create it) and mode 0600 (it holds no secret, but lives
 * next to files that do); it records the holder's pid, host, creation time and a random token.
 * A lock left by a dead process on this host is taken over; one held by a live process, or by
 * any process on another host (a shared filesystem, where its pid means nothing here), is waited
 * for with jittered backoff until a timeout. Advisory: only code that takes the lock is
 * serialised. Not reentrant: a nested call for the same path waits for itself until it times out.
 */
import { closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { CofferError } from '../core/errors.js';

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for a lock held by another live process, in milliseconds; default 10000. */
  readonly timeoutMs?: number;
}

/** What a lock file says about its holder; every field is unchecked input. */
type LockRecord = { readonly pid?: unknown; readonly hostname?: unknown };

const CREATE_FLAGS = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY;

/**
 * Runs `work` holding the lock `<path>.lock` and returns its result; the lock is released after,
 * also when `work` throws. Throws COFFER_E_UNAVAILABLE (retryable) when another live process
 * holds the lock for longer than `timeoutMs`.
 *
 * @example
 * await withFileLock('.env.production', () => {
 *   const text = readFileSync('.env.production', 'utf8');
 *   writeFileAtomic('.env.production', setDotenvValue(text, 'API_KEY', key));
 * });
 */
export async function withFileLock<T>(path: string, work: () => Promise<T> | T, options: FileLockOptions = {}): Promise<T> {
  const lockPath = `${path}.lock`;
  const ours = await acquire(path, lockPath, options.timeoutMs ?? 10_000);
  try {
    return await work();
  } finally {
    // Only if still ours (not removed by hand and retaken). If removal fails, the lock names our
    // pid and is taken over as stale once this process exits.
    if (readLock(lockPath)?.raw === ours) safeUnlink(lockPath);
  }
}

/** Waits until the lock is ours and returns the exact content we wrote into it. */
async function acquire(path: string, lockPath: string, timeoutMs: number): Promise<string> {
  const token = randomBytes(12).toString('hex');
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const content = JSON.stringify({ pid: process.pid, hostname: hostname(), createdAt: new Date().toISOString(), token });
    if (tryCreate(lockPath, content)) return content;
    const held = readLock(lockPath); // undefined: released since our attempt, so try again now
    if (held === undefined || (held.raw !== undefined && isStale(held.record) && takeOver(lockPath, held.raw))) continue;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw timeoutError(path, lockPath, held.record, timeoutMs);
    await sleep(Math.min(remaining, delay / 2 + (Math.random() * delay) / 2)); // jitter: no lockstep
    delay = Math.min(100, delay * 2);
  }
}

function tryCreate(lockPath: string, content: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(lockPath, CREATE_FLAGS, 0o600);
    writeSync(fd, content); // a few dozen bytes: one write
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (fd === undefined && code === 'EEXIST') return false;
    if (fd !== undefined) safeUnlink(lockPath);
    throw new CofferError('COFFER_E_FILE_WRITE', `Cannot create the lock file ${lockPath} (${code ?? 'error'}); nothing was changed. Check that the directory exists and is writable.`, { cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The lock: undefined when gone; no `raw` when unreadable, empty `record` when not (yet) JSON. */
function readLock(lockPath: string): { raw?: string; record: LockRecord } | undefined {
  let raw: string;
  try {
    raw = readFileSync(lockPath, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : { record: {} };
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    return { raw, record: typeof parsed === 'object' && parsed !== null ? (parsed as LockRecord) : {} };
  } catch {
    return { raw, record: {} };
  }
}

/** Stale only when we can know it: the holder ran on this host and its pid no longer exists. */
function isStale(record: LockRecord): boolean {
  const { pid } = record; // pid 0 and negative pids address process groups: never a holder
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || record.hostname !== hostname()) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: alive, owned by another user
  }
}

/**
 * Removes the stale lock `raw` if still there; true when the lock is now something else. A blind
 * unlink (or rename aside) could hit a fresh lock another waiter made after taking the stale one
 * over, so waiters race for a claim named after the stale content (O_EXCL: one winner) and the
 * winner removes the lock only if it still has that content (unique by its token). A waiter
 * killed inside these few sync steps leaves its claim, and the stale lock to the user.
 */
function takeOver(lockPath: string, raw: string): boolean {
  const claim = `${lockPath}.takeover-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
  try {
    closeSync(openSync(claim, CREATE_FLAGS, 0o600));
  } catch {
    return false; // another waiter is taking it over
  }
  try {
    return readLock(lockPath)?.raw !== raw || safeUnlink(lockPath);
  } finally {
    safeUnlink(claim);
  }
}

function timeoutError(path: string, lockPath: string, record: LockRecord, timeoutMs: number): CofferError {
  const pid = typeof record.pid === 'number' ? record.pid : undefined;
  const host = typeof record.hostname === 'string' && record.hostname !== hostname() ? record.hostname : undefined;
  const holder = pid === undefined ? 'another process' : `process ${pid}${host === undefined ? '' : ` on ${host}`}`;
  const details = { path, lockPath, ...(pid === undefined ? {} : { pid }), ...(host === undefined ? {} : { hostname: host }) };
  return new CofferError('COFFER_E_UNAVAILABLE', `${path} is locked by ${holder} for more than ${timeoutMs / 1000} s; if no coffer process is running, remove ${lockPath}.`, { details });
}

function safeUnlink(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false; // gone already, or not ours to remove (read-only or sticky directory)
  }
}
