import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { decodeKey } from '../../src/store/master-key.js';
import { isCofferError } from '../../src/core/errors.js';

const KEY = 'be7a'.repeat(16);
const open = async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'coffer-life-')), 'store.db');
  return { path, store: await openSqliteStore({ path, env: { COFFER_MASTER_KEY: KEY }, create: true }) };
};

test('delete is soft and restorable; destroy is final; a deleted secret refuses writes', async () => {
  const { store } = await open();
  try {
    await store.put('dev', 'TOKEN', 'v1', { actor: 'a' });
    const { purgeAfter } = await store.delete('dev', 'TOKEN', { actor: 'a', recoveryDays: 3 });
    assert.ok(Date.parse(purgeAfter) > Date.now());
    assert.deepEqual(await store.list('dev'), []);
    await assert.rejects(store.get('dev', 'TOKEN', { actor: 'a' }), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND') && e.message.includes('coffer restore TOKEN'));
    await assert.rejects(store.put('dev', 'TOKEN', 'v2', { actor: 'a' }), (e) => isCofferError(e, 'COFFER_E_USAGE'));
    await store.restore('dev', 'TOKEN', { actor: 'a' });
    assert.equal((await store.get('dev', 'TOKEN', { actor: 'a' })).value, 'v1');
    await store.destroy('dev', 'TOKEN', { actor: 'a' });
    await assert.rejects(store.history('dev', 'TOKEN'), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'));
    await assert.rejects(store.restore('dev', 'TOKEN', { actor: 'a' }), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'));
    assert.deepEqual(store.auditEntries().map((e) => e.action), ['write', 'delete', 'write', 'restore', 'read', 'destroy']);
    assert.equal(store.verifyAudit().ok, true);
  } finally {
    store.close();
  }
});

test('stages: a pending version becomes current, the old current becomes previous, pending is cleared', async () => {
  const { store } = await open();
  try {
    await store.put('prod', 'DB_PASSWORD', 'old', { actor: 'a' });
    const pending = await store.put('prod', 'DB_PASSWORD', 'new', { actor: 'rotation', stage: 'pending' });
    assert.deepEqual(pending.stages, ['pending']);
    assert.equal((await store.get('prod', 'DB_PASSWORD', { actor: 'a' })).value, 'old', 'readers still get current');
    const finished = await store.moveStage('prod', 'DB_PASSWORD', 'current', pending.version, { actor: 'rotation' });
    assert.deepEqual(finished.stages, ['current']);
    assert.equal((await store.get('prod', 'DB_PASSWORD', { actor: 'a', stage: 'previous' })).value, 'old');
    await assert.rejects(store.get('prod', 'DB_PASSWORD', { actor: 'a', stage: 'pending' }), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'));
    await assert.rejects(store.moveStage('prod', 'DB_PASSWORD', 'current', 9, { actor: 'a' }), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'));
  } finally {
    store.close();
  }
});

test('master-key rotation re-wraps data keys without rewriting values; everything still reads after reopening', async () => {
  const { path, store } = await open();
  await store.put('prod', 'A', 'value-a', { actor: 'a' });
  await store.put('prod', 'B', 'value-b', { actor: 'a' });
  const result = await store.rotateMasterKey(decodeKey(KEY, 'test'), { actor: 'ops' });
  assert.deepEqual(result, { keyringVersion: 2, dataKeys: 1 });
  await store.put('prod', 'C', 'value-c', { actor: 'a' });
  await assert.rejects(store.rotateMasterKey(decodeKey('00'.repeat(32), 'test'), { actor: 'ops' }), (e) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY'));
  store.close();
  const reopened = await openSqliteStore({ path, env: { COFFER_MASTER_KEY: KEY } });
  try {
    for (const [name, value] of [['A', 'value-a'], ['B', 'value-b'], ['C', 'value-c']]) assert.equal((await reopened.get('prod', name as string, { actor: 'a' })).value, value);
    assert.ok(reopened.auditEntries().some((e) => e.action === 'key-rotate' && e.detail?.includes('keyring version 2')));
    assert.equal(reopened.verifyAudit().ok, true);
  } finally {
    reopened.close();
  }
});
