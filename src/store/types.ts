/**
 * The Store contract: the embedded encrypted store's operations, which the SQLite store
 * implements and a PostgreSQL store will implement too (one conformance suite for both).
 * Values cross this interface in plaintext only for the caller that asked for them.
 */
import type { Stage } from '../core/stages.js';

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

/** Options of {@link Store.get}. */
export interface StoreGetOptions {
  readonly actor: string;
  readonly version?: number;
  readonly stage?: Stage;
}

/** The embedded store. */
export interface Store {
  /** Random id of this store, bound into every ciphertext's associated data. */
  readonly id: string;
  put(env: string, name: string, value: string, options: PutOptions): Promise<VersionInfo>;
  get(env: string, name: string, options: StoreGetOptions): Promise<VersionRecord>;
  /** Current versions of the live secrets of `env`, sorted by name; no values. */
  list(env: string): Promise<VersionInfo[]>;
  /** Every version of a secret, newest first; no values. */
  history(env: string, name: string): Promise<VersionInfo[]>;
  close(): void;
}
