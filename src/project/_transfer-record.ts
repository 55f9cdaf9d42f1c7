/**
 * The record a real `coffer migrate` or `coffer copy` keeps of what it changed, so that
 * `coffer migrate --rollback` undoes exactly that: per name, whether it was created or updated at
 * the target, the target's version before the update (where the target keeps versions), and
 * whether the write happened. It is written (0600, atomically, in .coffer/migrations/) before the
 * first write and after each one, so a run that fails or is killed part-way still says what it
 * did. It never holds a value: old values come back from the target's history, or, for a target
 * without versions, from a private backup of the replaced values taken before the first write
 * (see _transfer-backup.ts). A write that was under way when the run died (`pending`) or whose
 * answer was lost (`failed` with a retryable error) may have landed, so rollback treats both as
 * "maybe written" and checks the target.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CofferError } from '../core/errors.js';
import { writeFileAtomic } from '../io/secure-file.js';

/** One name of a transfer. */
export interface RecordEntry {
  readonly name: string;
  readonly action: 'create' | 'update';
  /** The target's version before an update, where the target has versions. */
  readonly previousVersion?: string;
  /**
   * `pending` until the write is answered (a run killed mid-write leaves it so); `done` once it
   * was acknowledged; `failed` with its code; `not-attempted` when an outage stopped the run
   * before it; `rolled-back` once undone (or found never to have landed).
   */
  state: 'pending' | 'done' | 'failed' | 'not-attempted' | 'rolled-back';
  code?: string;
  /** On `failed`: the error was retryable (an outage, a lost answer), so the write may have landed. */
  retryable?: boolean;
}

/**
 * Whether rollback has something to undo, or to check, for `entry`: it was written, or it may
 * have been (a write in flight when the run died, or one whose failure may have come after the
 * target acted, as when an answer is lost).
 */
export function mayHaveWritten(entry: RecordEntry): boolean {
  // Records written before `retryable` was kept say only the code; an outage was the retryable one.
  const retryable = entry.retryable ?? entry.code === 'COFFER_E_UNAVAILABLE';
  return entry.state === 'done' || entry.state === 'pending' || (entry.state === 'failed' && retryable);
}

/** A transfer's record. */
export interface TransferRecord {
  readonly id: string;
  readonly kind: 'migrate' | 'copy';
  readonly from: string;
  readonly to: string;
  readonly startedAt: string;
  /**
   * For targets without versions: the private (0600) dotenv file holding the values that the
   * updates replace, written before the first write; removed once a rollback completes. Older
   * records point at a copy of the target file instead, which reads the same way.
   */
  backupFile?: string;
  status: 'running' | 'complete' | 'partial' | 'rolled-back';
  readonly entries: RecordEntry[];
}

/** The directory records live in. */
export function recordsDir(root: string): string {
  return join(root, '.coffer', 'migrations');
}

/** Writes `record` (atomically, 0600). */
export function saveRecord(root: string, record: TransferRecord): void {
  writeFileAtomic(join(recordsDir(root), `${record.id}.json`), `${JSON.stringify(record, null, 2)}\n`, { mkdirs: true });
}

/** Reads record `id`, or the newest one not yet rolled back; COFFER_E_NOT_FOUND when there is none. */
export function loadRecord(root: string, id?: string): TransferRecord {
  const dir = recordsDir(root);
  let ids: string[];
  try {
    ids = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  } catch {
    ids = [];
  }
  const read = (which: string) => JSON.parse(readFileSync(join(dir, `${which}.json`), 'utf8')) as TransferRecord;
  if (id !== undefined) {
    if (!ids.includes(id)) throw new CofferError('COFFER_E_NOT_FOUND', `No migration ${id} is recorded in ${dir}; recorded: ${ids.join(', ') || 'none'}.`);
    return read(id);
  }
  // Ids begin with the start time to the millisecond, but the random suffix decides between two
  // runs started in the same second on older records, so the start time orders them.
  const open = ids.map(read).filter((r) => r.status !== 'rolled-back').sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const newest = open[open.length - 1];
  if (newest === undefined) throw new CofferError('COFFER_E_NOT_FOUND', `No migration to roll back: none is recorded in ${dir}, or all were rolled back already.`);
  return newest;
}
