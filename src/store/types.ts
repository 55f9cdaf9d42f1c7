/**
 * The Store contract: the embedded encrypted store's operations, which the SQLite store
 * implements and a PostgreSQL store will implement too. test/conformance/store-suite.ts checks
 * every implementation against it. Values cross this interface in plaintext only for the caller
 * that asked for them (`get`); every other type here is value-free.
 *
 * Operations that SQLite performs synchronously (audit, purge, reuse checks, close) are typed
 * {@link MaybePromise}: an implementation on a network database returns a promise, so code
 * written against `Store` awaits them.
 */
import type { AuditEntry, ChainVerdict } from '../audit/chain.js';
import type { Stage } from '../core/stages.js';

/** A result an implementation may give at once or as a promise; callers of {@link Store} await it. */
export type MaybePromise<T> = T | Promise<T>;

/** Value-free facts about one version. */
export interface VersionInfo {
  readonly env: string;
  readonly name: string;
  readonly version: number;
  readonly stages: readonly Stage[];
  readonly createdAt: string;
  readonly actor: string;
  readonly rotateBy: string | null;
}

/** A version with its value. */
export interface VersionRecord extends VersionInfo {
  readonly value: string;
}

/** Options of {@link Store.put}. */
export interface PutOptions {
  /** Who writes; recorded in history and audit. */
  readonly actor: string;
  /** Check-and-set: the write fails with COFFER_E_CONFLICT unless the current version is this (0: the secret must not exist). */
  readonly expectVersion?: number;
  /** Refuse a value equal to any of the last 4 versions (PCI-DSS 8.3.7). */
  readonly noReuse?: boolean;
  /** When the new value must be rotated (ISO 8601). */
  readonly rotateBy?: string;
  /** When the value was set, if not now (an import keeps the original date, so rotation status stays true). */
  readonly updatedAt?: string;
  /** Stage the new version gets: `current` (default) or `pending` (rotation). */
  readonly stage?: 'current' | 'pending';
}

/** One write of {@link Store.putMany}. */
export interface StoreWrite {
  readonly name: string;
  readonly value: string;
  readonly options: PutOptions;
}

/** Options of {@link Store.get}. */
export interface StoreGetOptions {
  /** Who reads; recorded in the audit log. */
  readonly actor: string;
  /** Read this version instead of a stage. */
  readonly version?: number;
  /** Read the version carrying this stage; default `current`. */
  readonly stage?: Stage;
}

/** Options of the operations that only need to know who acts. */
export interface ActorOptions {
  /** Who acts; recorded in the audit log. */
  readonly actor: string;
}

/** Options of {@link Store.delete}. */
export interface DeleteOptions extends ActorOptions {
  /** Days during which the secret can be restored; default 7. */
  readonly recoveryDays?: number;
}

/** Filters of {@link Store.auditEntries}; all optional and combined with AND. */
export interface AuditFilter {
  readonly env?: string;
  readonly name?: string;
  readonly action?: string;
  /** Entries at or after this ISO 8601 time. */
  readonly since?: string;
  /** Entries with a sequence number above this. */
  readonly afterSeq?: number;
  /** At most this many entries: the newest ones, still returned oldest first. */
  readonly limit?: number;
}

/** An operation the store did not perform itself, for {@link Store.record}; never a value. */
export interface AuditEvent {
  readonly actor: string;
  /** What happened: export, import, backup, ... */
  readonly action: string;
  /** The environment concerned, or null for the whole store. */
  readonly env: string | null;
  readonly name?: string | null;
  readonly version?: number | null;
  /** Default `ok`. */
  readonly outcome?: string;
  /** Value-free detail (a count, a file name, a reason). */
  readonly detail?: string | null;
}

/** The result of {@link Store.rotateMasterKey}. */
export interface MasterKeyRotation {
  /** The keyring version that now wraps every data key. */
  readonly keyringVersion: number;
  /** How many data keys were re-wrapped. */
  readonly dataKeys: number;
}

/**
 * The embedded store. Every value is sealed at rest; every change, read and refused write is
 * audited in a hash chain that never holds a value. Names follow core/names.ts (ENV_NAME,
 * SECRET_NAME) and values are at most 64 KiB of UTF-8; anything else is COFFER_E_USAGE and
 * nothing is written.
 */
export interface Store {
  /** Random id of this store, bound into every ciphertext's associated data. */
  readonly id: string;

  /**
   * Writes a new version of a secret. By default it becomes `current` and the old current
   * becomes `previous`; with `stage: 'pending'` current and previous stay where they are.
   * Refusals are audited: a stale `expectVersion` is COFFER_E_CONFLICT (outcome `conflict`), a
   * reused value under `noReuse` COFFER_E_REUSED_VALUE, a write to a deleted secret
   * COFFER_E_USAGE (both outcome `denied`). No error message holds the value.
   */
  put(env: string, name: string, value: string, options: PutOptions): Promise<VersionInfo>;

  /** Writes several secrets of one environment in one transaction: all land or none does. Results are in the order of `writes`. */
  putMany(env: string, writes: readonly StoreWrite[]): Promise<VersionInfo[]>;

  /**
   * Reads a value: `current` by default, or the given stage or version. A missing, deleted or
   * destroyed secret, stage or version is COFFER_E_NOT_FOUND. Audited as a read; identical reads
   * close together may be coalesced into one entry whose detail starts with `<count> reads`.
   */
  get(env: string, name: string, options: StoreGetOptions): Promise<VersionRecord>;

  /** Current versions of the live (not deleted) secrets of `env`, sorted by name; no values. */
  list(env: string): Promise<VersionInfo[]>;

  /** Every version of a secret, newest first, with who wrote it and when; no values. COFFER_E_NOT_FOUND when it has none. */
  history(env: string, name: string): Promise<VersionInfo[]>;

  /**
   * Soft-deletes a secret: it disappears from reads and lists, refuses writes, and can be
   * restored until `purgeAfter` (now + `recoveryDays`). COFFER_E_NOT_FOUND when it is missing or
   * already deleted.
   */
  delete(env: string, name: string, options: DeleteOptions): Promise<{ purgeAfter: string }>;

  /** Brings back a soft-deleted secret with all its versions and stages. COFFER_E_NOT_FOUND when it is not deleted. */
  restore(env: string, name: string, options: ActorOptions): Promise<void>;

  /** Removes a secret (deleted or not) and every version for good; its audit entries stay. COFFER_E_NOT_FOUND when it is missing. */
  destroy(env: string, name: string, options: ActorOptions): Promise<void>;

  /** Destroys the deleted secrets whose recovery window has passed (audited as `purge`); returns how many. */
  purgeExpired(): MaybePromise<number>;

  /**
   * Points `stage` at `version`. Making a version `current` moves the old current to `previous`
   * and clears `pending` when it pointed at that version (the finish step of a rotation).
   * COFFER_E_NOT_FOUND when the version does not exist. Audited as `stage`.
   */
  moveStage(env: string, name: string, stage: Stage, version: number, options: ActorOptions): Promise<VersionInfo>;

  /**
   * Takes `stage` off the version carrying it (discarding a rotation's pending value, or
   * retiring `previous` when a grace period ends); the version stays in history. Nothing
   * happens when no version carries it. Audited as `unstage` when something changed.
   */
  clearStage(env: string, name: string, stage: Exclude<Stage, 'current'>, options: ActorOptions): Promise<void>;

  /**
   * Of `names`, those whose current value equals one of the `depth` (default 4) versions before
   * it. Compared by keyed fingerprint in constant time; no old value is decrypted.
   */
  reusedValues(env: string, names: readonly string[], depth?: number): MaybePromise<ReadonlySet<string>>;

  /** Appends a value-free entry for an operation the store does not perform itself (an export, an import, a backup). */
  record(event: AuditEvent): MaybePromise<void>;

  /** Audit entries in chain order, filtered; reads not yet committed are committed first. */
  auditEntries(filter?: AuditFilter): MaybePromise<AuditEntry[]>;

  /** Verifies the whole audit chain, including that nothing was cut off its end. */
  verifyAudit(): MaybePromise<ChainVerdict>;

  /**
   * Rotates the master key: adds a keyring version and re-wraps every data key with it, without
   * rewriting any value. Audited as `key-rotate`. Every value stays readable, also after reopening.
   */
  rotateMasterKey(options: ActorOptions): Promise<MasterKeyRotation>;

  /** Commits queued audit entries, forgets keys and releases the connection. Idempotent. */
  close(): MaybePromise<void>;
}
