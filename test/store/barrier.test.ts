import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dataKeyAad, newKey, open, seal, valueAad } from '../../src/store/barrier.js';
import { addKeyringVersion, currentKeyringVersion, keyringKey, newKeyring, openKeyring, sealKeyring } from '../../src/store/keyring.js';
import { isCofferError } from '../../src/core/errors.js';

test('seal/open round-trips any bytes under the same key and AAD', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string(), (plain, name) => {
    const key = newKey();
    const aad = valueAad('store-1', 'production', name, 3);
    assert.deepEqual(new Uint8Array(open(key, seal(key, plain, aad), aad, 'x')), plain);
  }), { numRuns: 200 });
});

test('the same plaintext seals differently every time (fresh nonce) and never appears in the blob', () => {
  const key = newKey();
  const plain = Buffer.from('correct horse battery staple correct horse');
  const aad = valueAad('s', 'dev', 'A', 1);
  const a = seal(key, plain, aad);
  const b = seal(key, plain, aad);
  assert.notDeepEqual(a, b);
  assert.equal(a.indexOf(plain.subarray(0, 8)), -1);
});

test('a wrong key, another AAD, a flipped bit or truncation is detected and named, never garbage', () => {
  const key = newKey();
  const aad = valueAad('s', 'production', 'DB_PASSWORD', 2);
  const sealed = seal(key, Buffer.from('value'), aad);
  const fails = (fn: () => unknown) => assert.throws(fn, (e) => isCofferError(e, 'COFFER_E_DECRYPT_FAILED') && e.message.includes('DB_PASSWORD v2') && !e.message.includes('value'));
  fails(() => open(newKey(), sealed, aad, 'DB_PASSWORD v2'));
  fails(() => open(key, sealed, valueAad('s', 'staging', 'DB_PASSWORD', 2), 'DB_PASSWORD v2'));
  fails(() => open(key, sealed, valueAad('s', 'production', 'DB_PASSWORD', 1), 'DB_PASSWORD v2'));
  fails(() => open(key, sealed, valueAad('other-store', 'production', 'DB_PASSWORD', 2), 'DB_PASSWORD v2'));
  fails(() => open(key, sealed.subarray(0, 20), aad, 'DB_PASSWORD v2'));
  for (let i = 0; i < sealed.length; i++) {
    const flipped = Buffer.from(sealed);
    flipped[i] = (flipped[i] as number) ^ 0x01;
    fails(() => open(key, flipped, aad, 'DB_PASSWORD v2'));
  }
});

test('AAD fields are length-prefixed, so shifting a separator changes the AAD', () => {
  assert.notDeepEqual(valueAad('s', 'a:b', 'c', 1), valueAad('s', 'a', 'b:c', 1));
  assert.notDeepEqual(dataKeyAad('s', 1, 12), dataKeyAad('s', 11, 2));
});

test('the keyring opens only with its root key and its own store id', () => {
  const now = new Date('2026-11-23T00:00:00Z');
  const root = newKey();
  let ring = newKeyring(now);
  ring = addKeyringVersion(ring, now);
  assert.equal(currentKeyringVersion(ring).version, 2);
  const sealed = sealKeyring(root, 'store-a', ring);
  const opened = openKeyring(root, 'store-a', sealed);
  assert.deepEqual(opened.map((v) => v.version), [1, 2]);
  assert.deepEqual(keyringKey(opened, 1), keyringKey(ring, 1));
  assert.throws(() => openKeyring(newKey(), 'store-a', sealed), (e) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY'));
  assert.throws(() => openKeyring(root, 'store-b', sealed), (e) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY'));
  assert.throws(() => keyringKey(opened, 9), (e) => isCofferError(e, 'COFFER_E_STORE_CORRUPT'));
});
