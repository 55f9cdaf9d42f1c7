/**
 * SQLite-specific lifecycle: master-key rotation at the byte level, root-key changes (key file,
 * passphrase, crash in the middle) and the purge of expired deleted secrets when the store is
 * opened. The lifecycle every store shares (delete, restore, destroy, stages, purgeExpired,
 * rotation keeping values readable) is in test/conformance/store-suite.ts, run from
 * sqlite-store.test.ts.
 */
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

test('master-key rotation re-wraps the data key without rewriting any value', async () => {
  const { path, store } = await open();
  try {
    await store.put('prod', 'A', 'value-a', { actor: 'a' });
    await store.put('prod', 'B', 'value-b', { actor: 'a' });
    const sealedBefore = rawVersions(path);
    assert.deepEqual(await store.rotateMasterKey({ actor: 'ops' }), { keyringVersion: 2, dataKeys: 1 });
    assert.deepEqual(rawVersions(path), sealedBefore, 'no value was rewritten');
  } finally {
    store.close();
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

test('opening the store purges the deleted secrets whose recovery window has passed, and audits the purge', async () => {
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

test('a connection opened before another process rotated or re-keyed the store never writes with, or re-seals, an old keyring', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-stale-ring-'));
  const path = join(dir, 'store.db');
  const env = { HOME: join(dir, 'home') };
  (await openSqliteStore({ path, env, create: true })).close();
  // (a) B rotates the keyring; A, opened before, then creates the first data key.
  const a = await openSqliteStore({ path, env });
  const b = await openSqliteStore({ path, env });
  await b.rotateMasterKey({ actor: 'b' });
  await a.put('prod', 'FIRST', 'first-value', { actor: 'a' });
  // (b) A rotates again; B, still holding the older keyring, changes the root key.
  await a.rotateMasterKey({ actor: 'a' });
  await b.changeRootKey({ kind: 'key-file' }, { actor: 'b' });
  await b.put('prod', 'SECOND', 'second-value', { actor: 'b' });
  a.close();
  b.close();
  const reopened = await openSqliteStore({ path, env });
  try {
    assert.equal((await reopened.get('prod', 'FIRST', { actor: 't' })).value, 'first-value');
    assert.equal((await reopened.get('prod', 'SECOND', { actor: 't' })).value, 'second-value');
    assert.deepEqual(await reopened.rotateMasterKey({ actor: 't' }), { keyringVersion: 4, dataKeys: 1 });
    assert.equal(reopened.verifyAudit().ok, true);
  } finally {
    reopened.close();
  }
});

test('a store whose creation was interrupted before its keys were sealed is created again by init, and named as unfinished otherwise', async () => {
  const { createPrivateFile, initialise, migrate, openDatabase } = await import('../../src/store/_sqlite-open.js');
  const dir = mkdtempSync(join(tmpdir(), 'coffer-unfinished-'));
  const path = join(dir, 'store.db');
  createPrivateFile(path);
  const db = openDatabase(path);
  migrate(db);
  initialise(db, new Date());
  db.close(); // as if killed at the passphrase prompt
  await assert.rejects(openSqliteStore({ path, env: { COFFER_MASTER_KEY: KEY } }), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND') && /never finished.*coffer init/.test(e.message));
  const store = await openSqliteStore({ path, env: { COFFER_MASTER_KEY: KEY }, create: true });
  try {
    await store.put('dev', 'A', 'value', { actor: 't' });
    assert.equal((await store.get('dev', 'A', { actor: 't' })).value, 'value');
  } finally {
    store.close();
  }
});
