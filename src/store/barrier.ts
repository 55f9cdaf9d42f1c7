/**
 * The barrier: the only place in Coffer that encrypts or decrypts (DESIGN.md invariant 4).
 *
 * Everything is AES-256-GCM with a fresh random 96-bit nonce and associated data (AAD) that
 * binds the ciphertext to what it is: a value to its (environment, name, version), a data key to
 * its id and keyring version, the keyring to its store. A ciphertext moved to another row, a
 * wrong key or a flipped bit fails authentication and is reported as a decryption failure of a
 * named thing; garbage is never returned.
 *
 * Sealed layout: format byte (1) | nonce (12) | tag (16) | ciphertext.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { CofferError, type ErrorCode } from '../core/errors.js';

const FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Key length of AES-256. */
export const KEY_BYTES = 32;

/**
 * Encryptions allowed under one key before it must be replaced. Random 96-bit nonces keep the
 * collision probability below 2^-32 up to 2^32 encryptions (NIST SP 800-38D 8.3); Coffer stops
 * at 2^31 for margin.
 */
export const MAX_ENCRYPTIONS_PER_KEY = 2 ** 31;

/** Encrypts `plaintext` under `key`, authenticating `aad`. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  assertKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT]), nonce, cipher.getAuthTag(), body]);
}

/**
 * Decrypts a sealed blob. On any failure (wrong key, other AAD, altered bytes, truncation)
 * throws a CofferError with `code` whose message says that decryption of `what` failed.
 */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array, what: string, code: ErrorCode = 'COFFER_E_DECRYPT_FAILED'): Buffer {
  assertKey(key);
  const blob = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (blob.length < 1 + NONCE_BYTES + TAG_BYTES || blob[0] !== FORMAT) {
    throw new CofferError(code, `Decryption of ${what} failed: the stored ciphertext is malformed.`);
  }
  const nonce = blob.subarray(1, 1 + NONCE_BYTES);
  const tag = blob.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(1 + NONCE_BYTES + TAG_BYTES)), decipher.final()]);
  } catch (error) {
    throw new CofferError(code, `Decryption of ${what} failed: wrong key, or the stored data was altered.`, { cause: error });
  }
}

/** Returns a new random key. */
export function newKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** AAD of a secret value: binds it to its environment, name and version. */
export function valueAad(storeId: string, environment: string, name: string, version: number): Buffer {
  return aad('value', storeId, environment, name, String(version));
}

/** AAD of a wrapped data key: binds it to its id and the keyring version that wraps it. */
export function dataKeyAad(storeId: string, dataKeyId: number, keyringVersion: number): Buffer {
  return aad('data-key', storeId, String(dataKeyId), String(keyringVersion));
}

/** AAD of the wrapped keyring: binds it to its store, so another store's keyring cannot be swapped in. */
export function keyringAad(storeId: string): Buffer {
  return aad('keyring', storeId);
}

/** Length-prefixed fields, so ("a:b", "c") and ("a", "b:c") never give the same bytes. */
function aad(kind: string, ...fields: string[]): Buffer {
  const parts = [kind, ...fields].map((f) => {
    const bytes = Buffer.from(f, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    return Buffer.concat([len, bytes]);
  });
  return Buffer.concat([Buffer.from('coffer/1\0'), ...parts]);
}

function assertKey(key: Uint8Array): void {
  if (key.byteLength !== KEY_BYTES) throw new CofferError('COFFER_E_INTERNAL', `An AES-256 key must be ${KEY_BYTES} bytes.`);
}

/** AAD of the sealed MAC key (fingerprints and the audit chain), bound to its store. */
export function macKeyAad(storeId: string): Buffer {
  return aad('mac-key', storeId);
}

/** A keyed HMAC-SHA-256 of `parts`, length-prefixed like the AADs; for fingerprints and the audit chain. */
export function mac(key: Uint8Array, ...parts: string[]): Buffer {
  const hmac = createHmac('sha256', key);
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    hmac.update(len).update(bytes);
  }
  return hmac.digest();
}

/** Constant-time equality of two MACs (DESIGN.md invariant 3). */
export function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/**
 * A subkey of `key` for one purpose (HKDF-SHA-256), so one stored key can serve a second use
 * (the backup key comes from the MAC key) without the two uses ever sharing key material.
 */
export function deriveKey(key: Uint8Array, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `coffer/1 ${purpose}`, KEY_BYTES));
}
