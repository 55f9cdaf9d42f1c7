/**
 * An encryption keyring for application data under a key that Coffer rotates. Values are
 * encrypted with AES-256-GCM under the secret's `current` version; each ciphertext carries the
 * version of its key, so decryption picks the right live key (`previous` too during a rotation's
 * grace period). `reencrypt` moves data to the current key; the `encryption-key` rotator's
 * `retireCheck` lets a rotation end only when nothing still needs the old key.
 *
 * Format: `cfr1.<kid>.<base64url(iv || ciphertext || tag)>`. The associated data binds the
 * format, the key id and an optional caller context (a table and row id, say), so a ciphertext
 * cannot be relabelled with another key id or moved to another row unnoticed. The 256-bit key is
 * derived from the secret's value with HKDF-SHA256, whatever its text encoding.
 *
 * @example
 * const vault = createEncryptionKeyring({ manager, name: 'DATA_ENCRYPTION_KEY' });
 * const stored = await vault.encrypt(card, `cards:${id}`);
 * const card = (await vault.decrypt(stored, `cards:${id}`)).toString('utf8');
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { CofferError } from '../../core/errors.js';
import { openLiveKeys, type KeyringOptions, type LiveKey } from './_live-keys.js';

const PREFIX = 'cfr1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = /^cfr1\.([A-Za-z0-9_-]{1,128})\.([A-Za-z0-9_-]+)$/;

/** Options of {@link createEncryptionKeyring}. */
export type EncryptionKeyringOptions = KeyringOptions;

/** Encrypts and decrypts application data across rotations of one key. */
export interface EncryptionKeyring {
  /** Encrypts with the current key; `context` (optional) must be given again to decrypt. */
  encrypt(plaintext: string | Uint8Array, context?: string): Promise<string>;
  /**
   * Decrypts with the live key the ciphertext names. COFFER_E_DECRYPT_FAILED when the data or
   * context was altered, or when that key is no longer live (retired after its grace period).
   */
  decrypt(ciphertext: string, context?: string): Promise<Buffer>;
  /** The key id a ciphertext was made with (no decryption). */
  keyIdOf(ciphertext: string): string;
  /** True when `ciphertext` is not under the current key, so `reencrypt` would change it. */
  needsReencrypt(ciphertext: string): Promise<boolean>;
  /** The same plaintext under the current key; returns `ciphertext` itself when already there. */
  reencrypt(ciphertext: string, context?: string): Promise<string>;
  /** The live key ids, current first. */
  keyIds(): Promise<string[]>;
  /** Reads the keys again now. */
  reload(): Promise<void>;
  /** Stops listening to the manager. */
  close(): void;
}

/** Creates an encryption keyring over the secret `options.name`. */
export function createEncryptionKeyring(options: EncryptionKeyringOptions): EncryptionKeyring {
  const keys = openLiveKeys(options);
  const derived = new Map<string, Buffer>();
  const keyBytes = (key: LiveKey) => {
    let bytes = derived.get(`${key.kid}\0${key.value}`);
    if (bytes === undefined) {
      bytes = Buffer.from(hkdfSync('sha256', key.value, Buffer.alloc(0), 'coffer encryption keyring v1', 32));
      derived.set(`${key.kid}\0${key.value}`, bytes);
    }
    return bytes;
  };
  const failed = (why: string, kid?: string) =>
    new CofferError('COFFER_E_DECRYPT_FAILED', `Decryption with the keyring of ${options.name} failed${kid ? ` (key version ${kid})` : ''}: ${why}.`, { details: { name: options.name, ...(kid ? { kid } : {}) } });
  const parse = (ciphertext: string) => {
    const match = FORMAT.exec(ciphertext);
    if (match === null) throw failed('the input is not a Coffer ciphertext (cfr1.<kid>.<data>)');
    const body = Buffer.from(match[2] as string, 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) throw failed('the ciphertext is truncated', match[1]);
    return { kid: match[1] as string, body };
  };

  const keyring: EncryptionKeyring = {
    async encrypt(plaintext, context = '') {
      const key = await keys.current();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyBytes(key), iv);
      cipher.setAAD(aad(key.kid, context));
      const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return `${PREFIX}.${key.kid}.${Buffer.concat([iv, data, cipher.getAuthTag()]).toString('base64url')}`;
    },
    async decrypt(ciphertext, context = '') {
      const { kid, body } = parse(ciphertext);
      const key = await keys.find(kid);
      if (key === undefined) throw failed('that key is not live (retired after a rotation, or never issued); restore it from the secret\'s history to read this data', kid);
      const decipher = createDecipheriv('aes-256-gcm', keyBytes(key), body.subarray(0, IV_BYTES));
      decipher.setAAD(aad(kid, context));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw failed('the data, its key id or its context was altered', kid);
      }
    },
    keyIdOf: (ciphertext) => parse(ciphertext).kid,
    needsReencrypt: async (ciphertext) => parse(ciphertext).kid !== (await keys.current()).kid,
    async reencrypt(ciphertext, context = '') {
      if (!(await keyring.needsReencrypt(ciphertext))) return ciphertext;
      return keyring.encrypt(await keyring.decrypt(ciphertext, context), context);
    },
    keyIds: async () => (await keys.all()).map((key) => key.kid),
    reload: async () => {
      await keys.reload();
    },
    close: keys.close,
  };
  return keyring;
}

function aad(kid: string, context: string): Buffer {
  return Buffer.from(`${PREFIX}\0${kid}\0${context}`, 'utf8');
}
