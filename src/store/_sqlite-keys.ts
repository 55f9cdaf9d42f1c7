/**
 * Key operations on the SQLite store: opening the sealed keys with a root key, rotating the
 * keyring (`coffer key rotate`), and changing the root key itself (`coffer key change`).
 *
 * Rotation re-wraps data keys under a new keyring version; a root-key change re-seals only the
 * keyring and the MAC key. Neither rewrites a value. A root-key change to a new key file is
 * crash-safe in two phases: the new key is first written beside the old one (pendingKeyFile),
 * then the store is re-sealed in one transaction, then the new file replaces the old one (kept
 * as a 0600 backup, since backups made before the change still need it). A crash between the
 * phases leaves a store that opens with one of the two files, and the next open finishes the job.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { CofferError } from '../core/errors.js';
import type { AuditFields } from '../audit/chain.js';
import { dataKeyAad, macKeyAad, newKey, open, seal } from './barrier.js';
import { addKeyringVersion, currentKeyringVersion, openKeyring, sealKeyring, type Keyring } from './keyring.js';
import { deriveFromPassphrase, pendingKeyFile, promotePendingKeyFile, type RootKeySource } from './master-key.js';
import { writeFileAtomic } from '../io/secure-file.js';

/** Where `coffer key change` puts the new root key. */
export type RootKeyTarget = { readonly kind: 'key-file' } | { readonly kind: 'passphrase'; readonly passphrase: string };

/** Opens the keyring and MAC key with `root`; a wrong root is COFFER_E_BAD_MASTER_KEY. */
export function openKeys(db: Database.Database, storeId: string, root: Uint8Array): { keyring: Keyring; macKey: Buffer } {
  const keyring = openKeyring(root, storeId, sealedKey(db, 'keyring'));
  const macKey = open(root, sealedKey(db, 'mac'), macKeyAad(storeId), 'the store MAC key (the master key does not match this store)', 'COFFER_E_BAD_MASTER_KEY');
  return { keyring, macKey };
}

/** Adds a keyring version, re-wraps every data key with it and retires the older versions. Call inside a transaction. */
export function rotateKeyring(db: Database.Database, storeId: string, root: Uint8Array, at: Date, dataKey: (id: number) => Buffer): { keyring: Keyring; keyringVersion: number; dataKeys: number } {
  const opened = openKeyring(root, storeId, sealedKey(db, 'keyring'));
  const grown = addKeyringVersion(opened, at);
  const next = currentKeyringVersion(grown);
  const ids = (db.prepare('SELECT id FROM data_keys').all() as { id: number }[]).map((r) => r.id);
  const update = db.prepare('UPDATE data_keys SET keyring_version = ?, wrapped = ? WHERE id = ?');
  for (const id of ids) update.run(next.version, seal(next.key, dataKey(id), dataKeyAad(storeId, id, next.version)), id);
  const retired = grown.map((v) => (v.version === next.version || v.retiredAt !== undefined ? v : { ...v, retiredAt: at.toISOString() }));
  db.prepare("UPDATE sealed_keys SET sealed = ? WHERE kind = 'keyring'").run(sealKeyring(root, storeId, retired));
  return { keyring: retired, keyringVersion: next.version, dataKeys: ids.length };
}

/** What {@link changeRootKey} works on. */
export interface RootKeyChange {
  readonly db: Database.Database;
  readonly storeId: string;
  readonly keyFile: string;
  /** The current root key, which opens the committed keyring. */
  readonly root: Buffer;
  readonly macKey: Buffer;
  readonly now: Date;
  readonly actor: string;
  readonly append: (fields: AuditFields) => void;
}

/** Re-seals the store's keys under a new root key; see the module comment for crash safety. */
export async function changeRootKey(change: RootKeyChange, target: RootKeyTarget): Promise<{ root: Buffer; keySource: RootKeySource; keyFile?: string; oldKeyFileBackup?: string }> {
  const { db, storeId, keyFile } = change;
  const reseal = (root: Buffer, salt: string | undefined, detail: string) => db.transaction(() => {
    // The keyring as committed, not as this process last saw it: another may have rotated it.
    const keyring = openKeyring(change.root, storeId, sealedKey(db, 'keyring'));
    db.prepare("UPDATE sealed_keys SET sealed = ? WHERE kind = 'keyring'").run(sealKeyring(root, storeId, keyring));
    db.prepare("UPDATE sealed_keys SET sealed = ? WHERE kind = 'mac'").run(seal(root, change.macKey, macKeyAad(storeId)));
    if (salt !== undefined) db.prepare("UPDATE meta SET value = ? WHERE key = 'salt'").run(salt);
    change.append({ at: change.now.toISOString(), actor: change.actor, action: 'key-change', env: null, name: null, version: null, outcome: 'ok', detail });
  }).immediate();

  if (target.kind === 'key-file') {
    const root = newKey();
    const pending = pendingKeyFile(keyFile);
    rmSync(pending, { force: true });
    writeFileAtomic(pending, `${root.toString('hex')}\n`, { mode: 0o600, exclusive: true, mkdirs: true });
    reseal(root, undefined, 'root key replaced by a new key file');
    const { backupPath } = promotePendingKeyFile(keyFile);
    return { root, keySource: 'key-file', keyFile, ...(backupPath ? { oldKeyFileBackup: backupPath } : {}) };
  }
  if (target.passphrase.length < 12) {
    throw new CofferError('COFFER_E_USAGE', 'A store passphrase must be at least 12 characters; a long phrase of several words is best.');
  }
  const salt = randomBytes(16).toString('base64');
  const root = await deriveFromPassphrase(target.passphrase, salt);
  reseal(root, salt, 'root key now derived from a passphrase');
  // The old key file no longer opens the store; keep it aside for backups made before the change.
  let oldKeyFileBackup: string | undefined;
  if (existsSync(keyFile)) {
    oldKeyFileBackup = `${keyFile}.bak-${change.now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(keyFile, oldKeyFileBackup);
  }
  return { root, keySource: 'passphrase', ...(oldKeyFileBackup ? { oldKeyFileBackup } : {}) };
}

function sealedKey(db: Database.Database, kind: string): Buffer {
  const row = db.prepare('SELECT sealed FROM sealed_keys WHERE kind = ?').get(kind) as { sealed: Buffer } | undefined;
  if (row === undefined) throw new CofferError('COFFER_E_STORE_CORRUPT', `The store has no ${kind}; restore it from a backup.`);
  return row.sealed;
}
