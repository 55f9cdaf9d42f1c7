import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import Database from 'better-sqlite3';
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
  const sealedBefore = rawVersions(path);
  const result = await store.rotateMasterKey({ actor: 'ops' });
  assert.deepEqual(result, { keyringVersion: 2, dataKeys: 1 });
  assert.deepEqual(rawVersions(path), sealedBefore, 'no value was rewritten');
  await store.put('prod', 'C', 'value-c', { actor: 'a' });
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

function rawVersions(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT name, version, sealed FROM versions ORDER BY name, version').all() as { name: string; version: number; sealed: Buffer }[])
      .map((r) => `${r.name}/${r.version}/${r.sealed.toString('hex')}`);
  } finally {
    db.close();
  }
}

const keyedStore = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-rekey-'));
  const env = { HOME: join(dir, 'home') };
  const path = join(dir, 'store.db');
  const store = await openSqliteStore({ path, env, create: true });
  await store.put('prod', 'A', 'value-a', { actor: 'a' });
  return { dir, env, path, store, keyFile: store.keyFile };
};

test('changing the root key to a new key file re-seals the keys; the old file no longer opens the store and is kept as a backup', async () => {
  const { env, path, store, keyFile } = await keyedStore();
  const oldKey = readFileSync(keyFile, 'utf8');
  const sealedBefore = rawVersions(path);
  const result = await store.changeRootKey({ kind: 'key-file' }, { actor: 'ops' });
  assert.equal(result.keySource, 'key-file');
  assert.ok(result.oldKeyFileBackup !== undefined && readFileSync(result.oldKeyFileBackup, 'utf8') === oldKey);
  assert.equal(statSync(result.oldKeyFileBackup).mode & 0o777, 0o600);
  assert.notEqual(readFileSync(keyFile, 'utf8'), oldKey);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.deepEqual(rawVersions(path), sealedBefore, 'values are not rewritten');
  assert.equal((await store.get('prod', 'A', { actor: 'a' })).value, 'value-a');
  store.close();
  const reopened = await openSqliteStore({ path, env });
  assert.equal((await reopened.get('prod', 'A', { actor: 'a' })).value, 'value-a');
  assert.ok(reopened.auditEntries({ action: 'key-change' }).length === 1);
  assert.equal(reopened.verifyAudit().ok, true);
  reopened.close();
  await assert.rejects(openSqliteStore({ path, env: { COFFER_MASTER_KEY: oldKey.trim() } }), (e) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY'));
});

test('a crash in the middle of a root-key change leaves a store that opens, and the next open finishes the change', async () => {
  const { env, path, store, keyFile } = await keyedStore();
  const oldKey = readFileSync(keyFile, 'utf8');
  await store.changeRootKey({ kind: 'key-file' }, { actor: 'ops' });
  store.close();
  const newKey = readFileSync(keyFile, 'utf8');
  // As if the process died after re-sealing but before the new key file replaced the old one.
  writeFileSync(`${keyFile}.new`, newKey, { mode: 0o600 });
  writeFileSync(keyFile, oldKey, { mode: 0o600 });
  const reopened = await openSqliteStore({ path, env });
  assert.equal((await reopened.get('prod', 'A', { actor: 'a' })).value, 'value-a');
  reopened.close();
  assert.equal(readFileSync(keyFile, 'utf8'), newKey);
  assert.equal(existsSync(`${keyFile}.new`), false);
  // As if the process died after writing the pending file but before re-sealing: the old key still opens it.
  writeFileSync(`${keyFile}.new`, 'ab'.repeat(32), { mode: 0o600 });
  const again = await openSqliteStore({ path, env });
  assert.equal((await again.get('prod', 'A', { actor: 'a' })).value, 'value-a');
  again.close();
});

test('changing to a passphrase: the store opens with it alone, a wrong passphrase is BAD_MASTER_KEY, short ones are refused', async () => {
  const { env, path, store, keyFile } = await keyedStore();
  await assert.rejects(store.changeRootKey({ kind: 'passphrase', passphrase: 'short' }, { actor: 'ops' }), (e) => isCofferError(e, 'COFFER_E_USAGE'));
  const result = await store.changeRootKey({ kind: 'passphrase', passphrase: 'correct horse battery staple' }, { actor: 'ops' });
  assert.equal(result.keySource, 'passphrase');
  assert.equal(existsSync(keyFile), false, 'the old key file is moved aside');
  store.close();
  const reopened = await openSqliteStore({ path, env, passphrase: async () => 'correct horse battery staple' });
  assert.equal(reopened.keySource, 'passphrase');
  assert.equal((await reopened.get('prod', 'A', { actor: 'a' })).value, 'value-a');
  reopened.close();
  await assert.rejects(openSqliteStore({ path, env, passphrase: async () => 'wrong horse battery staple' }), (e) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY'));
});

test('deleted secrets are purged when their recovery window has passed, and the purge is audited', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-purge-'));
  const path = join(dir, 'store.db');
  let clock = new Date('2026-01-01T00:00:00Z');
  const env = { COFFER_MASTER_KEY: KEY };
  const store = await openSqliteStore({ path, env, create: true, now: () => clock });
  await store.put('dev', 'OLD', 'x', { actor: 'a' });
  await store.put('dev', 'KEPT', 'y', { actor: 'a' });
  await store.delete('dev', 'OLD', { actor: 'a', recoveryDays: 2 });
  await store.delete('dev', 'KEPT', { actor: 'a', recoveryDays: 30 });
  store.close();
  clock = new Date('2026-01-04T00:00:00Z');
  const later = await openSqliteStore({ path, env, now: () => clock });
  try {
    await assert.rejects(later.history('dev', 'OLD'), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'));
    await later.restore('dev', 'KEPT', { actor: 'a' });
    assert.equal((await later.get('dev', 'KEPT', { actor: 'a' })).value, 'y');
    assert.deepEqual(later.auditEntries({ action: 'purge' }).map((e) => e.name), ['OLD']);
    assert.equal(later.verifyAudit().ok, true);
  } finally {
    later.close();
  }
});
