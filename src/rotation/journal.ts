/**
 * The rotation journal: one small JSON file per secret being rotated, under
 * `<project>/.coffer/rotation/<env>/<NAME>.json`, rewritten atomically (0600, temp file and
 * rename) before and after every step, so that after a crash at any instant the next
 * `coffer rotate` knows which step was in flight and can finish or roll back the rotation. It
 * holds version ids, times and step names: never a value (the values live in the provider,
 * under the `pending`, `current` and `previous` stages). A rotation that ended (retired or
 * rolled back) leaves no journal; the audit log keeps its history.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CofferError } from '../core/errors.js';
import { writeFileAtomic } from '../io/secure-file.js';

/**
 * Where a rotation stands. `creating`, `setting`, `testing`, `finishing`, `revoking` and
 * `rolling-back` are written before the step runs (the step may or may not have happened);
 * `created`, `set`, `tested` and `finished` after it succeeded.
 */
export type RotationPhase =
  | 'creating' | 'created'
  | 'setting' | 'set'
  | 'testing' | 'tested'
  | 'finishing' | 'finished'
  | 'revoking'
  | 'rolling-back';

/** One secret's journal. */
export interface JournalEntry {
  /** Format version of this file. */
  readonly format: 1;
  /** Random id of this rotation; also the provider's idempotency token. */
  readonly token: string;
  readonly environment: string;
  readonly name: string;
  readonly rotator: string;
  readonly phase: RotationPhase;
  /** The version that was current when the rotation started. */
  readonly fromVersion: string;
  /** The new version, once created. */
  readonly pendingVersion?: string;
  /** Grace period asked for, in milliseconds (0: retire the old value at finish). */
  readonly graceMs: number;
  /** Revoke the old credential at once and record an incident (`--compromised`). */
  readonly compromised: boolean;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** Whether the target still accepts the old credential after set (the rotator's trait, recorded at test). */
  readonly overlapping?: boolean;
  /** When the grace period ends (set at finish). */
  readonly graceUntil?: string;
  /** Why the rotation is being rolled back (a code and the failed step), value-free. */
  readonly reason?: string;
  /**
   * The version a rollback makes current again, written with `rolling-back` before the target
   * is touched when a rotation that may have finished (`coffer rollback`) is undone: the run
   * that finds it puts the target back on this version and moves `current` back to it.
   */
  readonly restore?: string;
}

/** The journal directory of one environment. */
export function journalDir(root: string, environment: string): string {
  return join(root, '.coffer', 'rotation', environment);
}

/** Creates the journal directory of an environment (0700) if missing, so its lock files can be made. */
export function ensureJournalDir(root: string, environment: string): void {
  mkdirSync(journalDir(root, environment), { recursive: true, mode: 0o700 });
}

/** Path of a secret's journal. */
export function journalPath(root: string, environment: string, name: string): string {
  return join(journalDir(root, environment), `${name}.json`);
}

/** Reads a secret's journal; undefined when no rotation of it is open. */
export function readJournal(root: string, environment: string, name: string): JournalEntry | undefined {
  const path = journalPath(root, environment, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CofferError('COFFER_E_FILE_UNREADABLE', `Cannot read the rotation journal ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`, { cause: error });
  }
  return parseJournal(text, path);
}

/** Every open rotation of an environment, sorted by name. */
export function listJournals(root: string, environment: string): JournalEntry[] {
  const dir = journalDir(root, environment);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseJournal(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
}

/** Writes the journal atomically (0600, parent directories 0700). */
export function writeJournal(root: string, entry: JournalEntry): JournalEntry {
  writeFileAtomic(journalPath(root, entry.environment, entry.name), `${JSON.stringify(entry, null, 2)}\n`, { mkdirs: true });
  return entry;
}

/** Removes a secret's journal: its rotation has ended. */
export function removeJournal(root: string, environment: string, name: string): void {
  rmSync(journalPath(root, environment, name), { force: true });
}

const PHASES = new Set<string>(['creating', 'created', 'setting', 'set', 'testing', 'tested', 'finishing', 'finished', 'revoking', 'rolling-back']);

function parseJournal(text: string, path: string): JournalEntry {
  let entry: Partial<JournalEntry>;
  try {
    entry = JSON.parse(text) as Partial<JournalEntry>;
  } catch (error) {
    throw corrupt(path, error);
  }
  const ok = entry.format === 1 && typeof entry.token === 'string' && typeof entry.name === 'string' && typeof entry.environment === 'string'
    && typeof entry.rotator === 'string' && typeof entry.fromVersion === 'string' && PHASES.has(String(entry.phase))
    && typeof entry.graceMs === 'number' && typeof entry.compromised === 'boolean';
  if (!ok) throw corrupt(path);
  return entry as JournalEntry;
}

function corrupt(path: string, cause?: unknown): CofferError {
  return new CofferError('COFFER_E_STORE_CORRUPT', `The rotation journal ${path} is damaged; check the secret's stages with \`coffer history\`, fix them, then remove the file.`, cause === undefined ? {} : { cause });
}
