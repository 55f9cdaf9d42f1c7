/**
 * The keyring: versioned internal keys that wrap the store's data keys, itself sealed under the
 * root (master) key the user supplies.
 *
 * Three levels, as in Vault: root key -> keyring versions -> data keys -> values. Rotating the
 * master key (`coffer key rotate`) adds a keyring version and re-wraps the data keys with it, so
 * no value is rewritten; older versions keep decrypting until retired. Changing the root key
 * only re-seals the keyring. A wrong root key fails to open the keyring and is reported as
 * COFFER_E_BAD_MASTER_KEY, before any value is touched.
 */
import { CofferError } from '../core/errors.js';
import { KEY_BYTES, keyringAad, newKey, open, seal } from './barrier.js';

/** One version of the keyring. */
export interface KeyringVersion {
  readonly version: number;
  readonly key: Buffer;
  readonly createdAt: string;
  /** Set once no data key is wrapped by this version any more and it may not be used. */
  readonly retiredAt?: string;
}

/** The keyring's versions, oldest first; the last live one is current. */
export type Keyring = readonly KeyringVersion[];

/** A keyring with one fresh version. */
export function newKeyring(now: Date): Keyring {
  return [{ version: 1, key: newKey(), createdAt: now.toISOString() }];
}

/** The keyring with a new current version added. */
export function addKeyringVersion(keyring: Keyring, now: Date): Keyring {
  const next = Math.max(0, ...keyring.map((v) => v.version)) + 1;
  return [...keyring, { version: next, key: newKey(), createdAt: now.toISOString() }];
}

/** The version new data keys are wrapped with. */
export function currentKeyringVersion(keyring: Keyring): KeyringVersion {
  const live = keyring.filter((v) => v.retiredAt === undefined);
  const current = live[live.length - 1];
  if (current === undefined) throw new CofferError('COFFER_E_STORE_CORRUPT', 'The store keyring has no live key version; restore the store from a backup.');
  return current;
}

/** The key of keyring version `version`; a retired or unknown version is an error naming it. */
export function keyringKey(keyring: Keyring, version: number): Buffer {
  const entry = keyring.find((v) => v.version === version);
  if (entry === undefined) throw new CofferError('COFFER_E_STORE_CORRUPT', `Keyring version ${version} is missing from the store; restore the store from a backup.`);
  if (entry.retiredAt !== undefined) throw new CofferError('COFFER_E_STORE_CORRUPT', `Keyring version ${version} was retired but is still referenced; run \`coffer key rotate\` again.`);
  return entry.key;
}

/** Seals the keyring under the root key, bound to the store id. */
export function sealKeyring(rootKey: Uint8Array, storeId: string, keyring: Keyring): Buffer {
  const json = JSON.stringify(keyring.map((v) => ({ ...v, key: v.key.toString('base64') })));
  return seal(rootKey, Buffer.from(json, 'utf8'), keyringAad(storeId));
}

/** Opens the sealed keyring; a wrong root key is COFFER_E_BAD_MASTER_KEY. */
export function openKeyring(rootKey: Uint8Array, storeId: string, sealed: Uint8Array): Keyring {
  const plain = open(rootKey, sealed, keyringAad(storeId), 'the store keyring (the master key does not match this store)', 'COFFER_E_BAD_MASTER_KEY');
  const parsed = JSON.parse(plain.toString('utf8')) as (Omit<KeyringVersion, 'key'> & { key: string })[];
  plain.fill(0);
  return parsed.map((v) => {
    const key = Buffer.from(v.key, 'base64');
    if (key.length !== KEY_BYTES) throw new CofferError('COFFER_E_STORE_CORRUPT', `Keyring version ${v.version} holds a malformed key; restore the store from a backup.`);
    return { ...v, key };
  });
}
