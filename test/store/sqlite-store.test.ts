/**
 * The SQLite store: the shared store conformance suite, plus what only SQLite has: file modes,
 * no plaintext in the database, WAL or key files, a wrong key, and tampering with rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { isCofferError } from '../../src/core/errors.js';
import { describeStoreConformance } from '../conformance/store-suite.js';

const KEY = 'c0ffee'.repeat(10) + 'c0ff';
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-store-'));
  return { dir, path: join(dir, '.coffer', 'store.db'), env: { COFFER_MASTER_KEY: KEY, HOME: join(dir, 'home') } };
};

describeStoreConformance('sqlite', async ({ now }) => {
  const { dir, path, env } = fresh();
  return {
    store: await openSqliteStore({ path, env, now, create: true }),
    reopen: () => openSqliteStore({ path, env, now }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

test('files are private, and no plaintext value appears in the database, WAL or key files', async () => {
  const { dir, path, env } = fresh();
  const store = await openSqliteStore({ path, env: { HOME: env.HOME }, create: true });
  const marker = 'PLAINTEXT-MARKER-7f3a9c';
  try {
    for (let i = 0; i < 20; i++) await store.put('production', `SECRET_${i}`, `${marker}-${i}`, { actor: 'x' });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, '.coffer')).mode & 0o777, 0o700);
    assert.equal(statSync(store.keyFile).mode & 0o777, 0o600);
    assert.ok(store.keyFile.startsWith(env.HOME), 'key file lives under HOME, not next to the store');
    const files = readdirSync(join(dir, '.coffer')).map((f) => join(dir, '.coffer', f));
    assert.ok(files.some((f) => f.endsWith('-wal')));
    for (const file of [...files, store.keyFile]) {
      assert.equal(statSync(file).mode & 0o077, 0, `${file} is private`);
      assert.equal(readFileSync(file).indexOf(marker), -1, `${file} holds plaintext`);
    }
  } finally {
    store.close();
  }
});

test('a wrong master key is named and reveals nothing; a flipped bit names the secret and version', async () => {
  const { path, env } = fresh();
  const store = await openSqliteStore({ path, env, create: true });
  await store.put('production', 'JWT_SECRET', 'signing-value', { actor: 'x' });
  store.close();
  await assert.rejects(openSqliteStore({ path, env: { ...env, COFFER_MASTER_KEY: 'ab'.repeat(32) } }), (e) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY'));
  const raw = new Database(path);
  const row = raw.prepare("SELECT sealed FROM versions WHERE name = 'JWT_SECRET'").get() as { sealed: Buffer };
  row.sealed[row.sealed.length - 1] = (row.sealed[row.sealed.length - 1] as number) ^ 1;
  raw.prepare("UPDATE versions SET sealed = ? WHERE name = 'JWT_SECRET'").run(row.sealed);
  raw.close();
  const reopened = await openSqliteStore({ path, env });
  try {
    await assert.rejects(reopened.get('production', 'JWT_SECRET', { actor: 'x' }), (e) => isCofferError(e, 'COFFER_E_DECRYPT_FAILED') && e.message.includes('production/JWT_SECRET version 1'));
    assert.equal(reopened.auditEntries().at(-1)?.action, 'decrypt-failed');
  } finally {
    reopened.close();
  }
});

test('a value moved to another secret\'s row fails authentication instead of reading as that secret', async () => {
  const { path, env } = fresh();
  const store = await openSqliteStore({ path, env, create: true });
  await store.put('production', 'A_SECRET', 'value-of-a', { actor: 'x' });
  await store.put('production', 'B_SECRET', 'value-of-b', { actor: 'x' });
  store.close();
  const raw = new Database(path);
  const a = raw.prepare("SELECT sealed FROM versions WHERE name = 'A_SECRET'").get() as { sealed: Buffer };
  raw.prepare("UPDATE versions SET sealed = ? WHERE name = 'B_SECRET'").run(a.sealed);
  raw.close();
  const reopened = await openSqliteStore({ path, env });
  try {
    await assert.rejects(reopened.get('production', 'B_SECRET', { actor: 'x' }), (e) => isCofferError(e, 'COFFER_E_DECRYPT_FAILED'));
  } finally {
    reopened.close();
  }
});

test('the audit chain detects rows edited, removed, reordered or cut off in the database', async () => {
  const { path, env } = fresh();
  const store = await openSqliteStore({ path, env, create: true });
  await store.put('dev', 'TOKEN', 'tok-value-1', { actor: 'alice' });
  await store.get('dev', 'TOKEN', { actor: 'bob' });
  await store.put('dev', 'TOKEN', 'tok-value-2', { actor: 'alice' });
  await store.get('dev', 'TOKEN', { actor: 'carol' });
  // The untampered chain: four entries (write, read, write, read), verified.
  assert.deepEqual(store.verifyAudit(), { ok: true, entries: 4 });
  store.close();
  const tamper = async (sql: string) => {
    const copy = join(mkdtempSync(join(tmpdir(), 'coffer-tamper-')), 'store.db');
    const src = new Database(path);
    await src.backup(copy);
    src.close();
    const raw = new Database(copy);
    raw.exec(sql);
    raw.close();
    const s = await openSqliteStore({ path: copy, env });
    try {
      return s.verifyAudit();
    } finally {
      s.close();
    }
  };
  assert.deepEqual(await tamper("UPDATE audit SET actor = 'mallory' WHERE seq = 2"), { ok: false, entries: 2, firstBadSeq: 2, reason: 'edited' });
  assert.equal((await tamper('DELETE FROM audit WHERE seq = 2')).ok, false);
  assert.equal((await tamper('UPDATE audit SET seq = seq + 10 WHERE seq = 1; UPDATE audit SET seq = 1 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 11')).ok, false);
  const truncated = await tamper('DELETE FROM audit WHERE seq = 4');
  assert.equal(truncated.ok, false);
  assert.ok(existsSync(path));
});
