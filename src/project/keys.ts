/**
 * `coffer key rotate`, `coffer key change` and `coffer key info` at library level, on the
 * embedded store behind an environment (the keys belong to the whole store file, so every
 * environment in it is affected).
 *
 * Rotating adds a keyring version and re-wraps the data keys: no value is rewritten and the
 * root key (key file, passphrase or COFFER_MASTER_KEY) stays the same. Changing the root key
 * re-seals the keyring under a new random key file or a new passphrase; the old key file is kept
 * as a 0600 backup because backups taken before the change still need it. See docs/keys.md.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CofferError } from '../core/errors.js';
import type { RootKeySource } from '../store/master-key.js';
import { withAuditStore, type AuditRequest } from './audit.js';

/** What the key commands receive. */
export type KeyRequest = AuditRequest;

/** The result of {@link rotateKey}. */
export interface KeyRotation {
  /** The store file. */
  readonly store: string;
  /** The keyring version that now wraps every data key. */
  readonly keyringVersion: number;
  /** How many data keys were re-wrapped. */
  readonly dataKeys: number;
}

/** Options of {@link changeKey}. */
export interface ChangeKeyRequest extends KeyRequest {
  /**
   * What protects the store afterwards: a new random key file, or a passphrase. Default: the
   * kind it has now (a passphrase store stays one; a key file or COFFER_MASTER_KEY becomes a key file).
   */
  readonly to?: 'key-file' | 'passphrase';
  /**
   * Supplies the new passphrase (asked only once the store is open and a passphrase is the
   * target). At least 12 characters.
   */
  readonly newPassphrase?: () => Promise<string>;
  /**
   * Change the key even though COFFER_MASTER_KEY is set. After the change that variable no
   * longer opens the store and, while it is set, it is the only key Coffer tries, so it must be
   * removed wherever it is configured. Default false: refused with COFFER_E_USAGE.
   */
  readonly overrideMasterKeyEnv?: boolean;
}

/** The result of {@link changeKey}. */
export interface KeyChange {
  readonly store: string;
  /** What the store opened with before the change. */
  readonly previousKeySource: RootKeySource;
  /** What opens the store now. */
  readonly keySource: RootKeySource;
  /** The new key file, when the new key is one. */
  readonly keyFile?: string;
  /** Where the old key file was kept; backups taken before the change need it. */
  readonly oldKeyFileBackup?: string;
  /** True when COFFER_MASTER_KEY is set in this process: it no longer opens the store. */
  readonly masterKeyEnvStale: boolean;
}

/** The result of {@link keyInfo}. */
export interface KeyInfo {
  readonly store: string;
  /** The store's random id (names its default key file). */
  readonly storeId: string;
  /** What opened the store this time. */
  readonly keySource: RootKeySource;
  /** The key file this store uses when COFFER_MASTER_KEY is not set. */
  readonly keyFile: string;
  readonly keyFileExists: boolean;
  /** The key file's permission bits, as `0600`; null when it does not exist. */
  readonly keyFileMode: string | null;
  /** Old key files kept beside it by earlier key changes (needed by backups taken before them). */
  readonly oldKeyFiles: readonly string[];
  /** True when COFFER_MASTER_KEY is set in this process. */
  readonly masterKeyEnv: boolean;
}

/** Rotates the store's keyring: a new keyring version re-wraps every data key; audited as `key-rotate`. */
export async function rotateKey(request: KeyRequest): Promise<KeyRotation> {
  return withAuditStore(request, async (es) => {
    const result = await es.store.rotateMasterKey({ actor: es.actor });
    return { store: es.path, keyringVersion: result.keyringVersion, dataKeys: result.dataKeys };
  });
}

/**
 * Re-seals the store under a new root key (a new key file or a passphrase); audited as
 * `key-change`. Refused while COFFER_MASTER_KEY is set unless `overrideMasterKeyEnv`.
 * Crash-safe: at every moment the store opens with the old key or the new one.
 */
export async function changeKey(request: ChangeKeyRequest): Promise<KeyChange> {
  const vars = request.access?.env ?? process.env;
  const masterKeyEnv = (vars.COFFER_MASTER_KEY ?? '') !== '';
  if (masterKeyEnv && request.overrideMasterKeyEnv !== true) {
    throw new CofferError('COFFER_E_USAGE', 'COFFER_MASTER_KEY is set: after a key change it no longer opens the store, and while it is set it is the only key Coffer tries. Pass --yes to change the key anyway, then remove COFFER_MASTER_KEY wherever it is configured.');
  }
  return withAuditStore(request, async (es) => {
    const previousKeySource = es.store.keySource;
    const to = request.to ?? (previousKeySource === 'passphrase' ? 'passphrase' : 'key-file');
    let target: { kind: 'key-file' } | { kind: 'passphrase'; passphrase: string };
    if (to === 'passphrase') {
      if (request.newPassphrase === undefined) throw new CofferError('COFFER_E_USAGE', 'A passphrase is needed to protect the store with one; run on a terminal.');
      target = { kind: 'passphrase', passphrase: await request.newPassphrase() };
    } else {
      target = { kind: 'key-file' };
    }
    const result = await es.store.changeRootKey(target, { actor: es.actor });
    return {
      store: es.path, previousKeySource, keySource: result.keySource,
      ...(result.keyFile === undefined ? {} : { keyFile: result.keyFile }),
      ...(result.oldKeyFileBackup === undefined ? {} : { oldKeyFileBackup: result.oldKeyFileBackup }),
      masterKeyEnvStale: masterKeyEnv,
    };
  });
}

/** Where the store's key is and what opened it; never the key itself. */
export async function keyInfo(request: KeyRequest): Promise<KeyInfo> {
  const vars = request.access?.env ?? process.env;
  return withAuditStore(request, (es) => {
    const { keyFile } = es.store;
    const exists = existsSync(keyFile);
    return {
      store: es.path, storeId: es.store.id, keySource: es.store.keySource, keyFile,
      keyFileExists: exists,
      keyFileMode: exists ? `0${(statSync(keyFile).mode & 0o777).toString(8)}` : null,
      oldKeyFiles: oldKeyFiles(keyFile),
      masterKeyEnv: (vars.COFFER_MASTER_KEY ?? '') !== '',
    };
  });
}

/** The `<key file>.bak-*` files beside a key file, oldest first (their names carry the time). */
function oldKeyFiles(keyFile: string): string[] {
  const dir = dirname(keyFile);
  const prefix = `${basename(keyFile)}.bak-`;
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.startsWith(prefix)).sort().map((f) => join(dir, f));
}
