/**
 * A cross-process advisory lock, so that coffer processes doing read-modify-write of the same
 * file (e.g. `.env.production`) never lose each other's updates.
 *
 * The lock is a file `<path>.lock` created with O_EXCL, so exactly one process can create it,
 * and mode 0600 (it holds no secret, but it lives next to files that do). It records the
 * holder's pid, host, creation time and a random token. A lock left by a dead process on this
 * host is taken over; one held by a live process, or by any process on another host (a shared
 * filesystem, where its pid means nothing here), is waited for with jittered backoff until a
 * timeout. Advisory: only code that takes the lock is serialised. Not reentrant: a nested call
 * for the same path waits for its own lock until it times out.
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
interface LockRecord {
  readonly pid?: unknown;
  readonly hostname?: unknown;
}

const CREATE_FLAGS = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY;

/**
 * Runs `work` while holding the lock `<path>.lock` and returns its result. The lock is released
 * afterwards, also when `work` throws. Throws COFFER_E_UNAVAILABLE (retryable) when another live
 * process holds the lock for longer than `timeoutMs`.
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
    release(lockPath, ours);
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
    const held = readLock(lockPath);
    if (held === undefined) continue; // released between our attempt and the read: try again now
    if (held.raw !== undefined && isStale(held.record) && takeOver(lockPath, held.raw)) continue;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw timeoutError(path, lockPath, held.record, timeoutMs);
    // Jitter, so waiters that collided once do not collide again on every retry.
    await sleep(Math.min(remaining, delay / 2 + (Math.random() * delay) / 2));
    delay = Math.min(100, delay * 2);
  }
}

function tryCreate(lockPath: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, CREATE_FLAGS, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new CofferError('COFFER_E_FILE_WRITE', `Cannot create the lock file ${lockPath} (${code ?? 'error'}); nothing was changed. Check that the directory exists and is writable.`, { cause: error });
  }
  try {
    const bytes = Buffer.from(content, 'utf8');
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  } catch (error) {
    closeSync(fd);
    safeUnlink(lockPath);
    throw new CofferError('COFFER_E_FILE_WRITE', `Cannot write the lock file ${lockPath}; nothing was changed.`, { cause: error });
  }
  closeSync(fd);
  return true;
}

/**
 * Reads the lock: undefined when it is gone, `raw` undefined when it cannot be read (another
 * user's 0600 lock), `record` empty when it is not (yet) complete JSON. Both mean "held by an
 * unknown owner": a holder writes its record right after creating the file.
 */
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
  const { pid } = record;
  // pid 0 and negative pids would address process groups, never a single holder.
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || record.hostname !== hostname()) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: alive, owned by another user
  }
}

/**
 * Removes the stale lock whose content is `raw`, if it is still there. A plain unlink could
 * remove a fresh lock that another waiter created after taking the stale one over, and renaming
 * the lock aside has the same flaw when the name it moves is no longer the stale one. So the
 * waiters first race for a claim file named after the stale content (O_EXCL: one winner per
 * stale lock); the winner re-reads the lock and removes it only if it is still that content
 * (unique by its token). A waiter killed inside these few synchronous steps leaves its claim
 * behind, and the stale lock is then left to the user, as the timeout message says. Returns
 * whether to retry at once.
 */
function takeOver(lockPath: string, raw: string): boolean {
  const claim = `${lockPath}.takeover-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
  try {
    closeSync(openSync(claim, CREATE_FLAGS, 0o600));
  } catch {
    return false; // another waiter is taking it over
  }
  try {
    if (readLock(lockPath)?.raw === raw) safeUnlink(lockPath);
    return true;
  } finally {
    safeUnlink(claim);
  }
}

function release(lockPath: string, ours: string): void {
  // Never remove a lock that is no longer ours (removed by hand and taken by someone else). If
  // removal fails, the lock names our pid and is taken over as stale once this process exits.
  if (readLock(lockPath)?.raw === ours) safeUnlink(lockPath);
}

function timeoutError(path: string, lockPath: string, record: LockRecord, timeoutMs: number): CofferError {
  const pid = typeof record.pid === 'number' ? record.pid : undefined;
  const host = typeof record.hostname === 'string' && record.hostname !== hostname() ? record.hostname : undefined;
  const holder = pid === undefined ? 'another process' : `process ${pid}${host === undefined ? '' : ` on ${host}`}`;
  return new CofferError(
    'COFFER_E_UNAVAILABLE',
    `${path} is locked by ${holder} for more than ${timeoutMs / 1000} s; if no coffer process is running, remove ${lockPath}.`,
    { details: { path, lockPath, ...(pid === undefined ? {} : { pid }), ...(host === undefined ? {} : { hostname: host }) } },
  );
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or not ours to remove; the callers re-check the lock either way.
  }
}
