import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyFile, decodeKey, defaultKeyFile, resolveRootKey } from '../../src/store/master-key.js';
import { isCofferError } from '../../src/core/errors.js';

const salt = Buffer.alloc(16, 7).toString('base64');

test('COFFER_MASTER_KEY wins, as hex or base64; malformed keys are refused without echoing them', async () => {
  const hex = 'ab'.repeat(32);
  const viaHex = await resolveRootKey({ storeId: 's', salt, env: { COFFER_MASTER_KEY: hex, HOME: '/nonexistent' } });
  assert.equal(viaHex.source, 'env');
  assert.equal(viaHex.key.toString('hex'), hex);
  const b64 = Buffer.alloc(32, 9).toString('base64');
  assert.deepEqual(decodeKey(b64, 'x'), Buffer.alloc(32, 9));
  await assert.rejects(resolveRootKey({ storeId: 's', salt, env: { COFFER_MASTER_KEY: 'too-short-secret' } }), (e) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY') && !e.message.includes('too-short-secret'));
});

test('the key file is created 0600 in a 0700 directory, read back, and refused when others can read it', async () => {
  const home = mkdtempSync(join(tmpdir(), 'coffer-home-'));
  const env = { HOME: home };
  const file = defaultKeyFile('store-1', env);
  assert.equal(file, join(home, '.config', 'coffer', 'keys', 'store-1.key'));
  const key = createKeyFile(file);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(home, '.config', 'coffer', 'keys')).mode & 0o777, 0o700);
  const found = await resolveRootKey({ storeId: 'store-1', salt, env });
  assert.equal(found.source, 'key-file');
  assert.deepEqual(found.key, key);
  assert.throws(() => createKeyFile(file), (e) => isCofferError(e, 'COFFER_E_EXISTS'));
  chmodSync(file, 0o644);
  await assert.rejects(resolveRootKey({ storeId: 'store-1', salt, env }), (e) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY') && /chmod 600/.test(e.message));
});

test('a passphrase is stretched with the store salt; no source at all is a clear error', async () => {
  const home = mkdtempSync(join(tmpdir(), 'coffer-home-'));
  const a = await resolveRootKey({ storeId: 's', salt, env: { HOME: home }, passphrase: async () => 'tr0ub4dor&3 horse' });
  const b = await resolveRootKey({ storeId: 's', salt, env: { HOME: home }, passphrase: async () => 'tr0ub4dor&3 horse' });
  const c = await resolveRootKey({ storeId: 's', salt: Buffer.alloc(16, 8).toString('base64'), env: { HOME: home }, passphrase: async () => 'tr0ub4dor&3 horse' });
  assert.equal(a.source, 'passphrase');
  assert.deepEqual(a.key, b.key);
  assert.notDeepEqual(a.key, c.key);
  await assert.rejects(resolveRootKey({ storeId: 's', salt, env: { HOME: home } }), (e) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY') && e.message.includes('COFFER_MASTER_KEY'));
});
