import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { restoreBackup, writeBackup } from '../../src/store/backup.js';
import { isCofferError } from '../../src/core/errors.js';

const KEY = 'ba5e'.repeat(16);
const env = { COFFER_MASTER_KEY: KEY };
const MARKER = 'PLAINTEXT-MARKER-b4ck';
let clock = new Date('2026-05-01T00:00:00Z');
const tick = () => (clock = new Date(clock.getTime() + 60_000));

async function sourceStore() {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-backup-'));
  const path = join(dir, 'store.db');
  const store = await openSqliteStore({ path, env, create: true, now: () => tick() });
  await store.put('production', 'DB_PASSWORD', `${MARKER}-1`, { actor: 'alice' });
  await store.put('production', 'DB_PASSWORD', `${MARKER}-2`, { actor: 'bob' });
  await store.put('production', 'API_KEY', `${MARKER}-api`, { actor: 'alice' });
  await store.put('staging', 'API_KEY', `${MARKER}-stg`, { actor: 'alice' });
  return { dir, path, store, file: join(dir, 'backups', 'store.backup') };
}

test('a backup restores a missing store exactly: values, history, stages and a verifiable audit chain', async () => {
  const { dir, store, file } = await sourceStore();
  const written = writeBackup(store, file, { actor: 'ops' });
  assert.equal(store.auditEntries({ action: 'backup' }).length, 1);
  await assert.rejects(async () => writeBackup(store, file, { actor: 'ops' }));
  assert.equal(store.auditEntries({ action: 'backup' }).length, 1, 'a refused backup is not recorded as one');
  store.close();
  assert.equal(written.secrets, 3);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const raw = readFileSync(file);
  for (const needle of [MARKER, 'DB_PASSWORD', 'alice', 'production']) assert.equal(raw.includes(needle), false, `${needle} is readable in the backup`);
  const target = join(dir, 'restored', 'store.db');
  const result = await restoreBackup({ file, path: target, env, actor: 'ops' });
  assert.equal(result.createdStore, true);
  assert.deepEqual(result.secrets.map((s) => `${s.env}/${s.name} ${s.action} ${s.versions}`), ['production/API_KEY restored 1', 'production/DB_PASSWORD restored 2', 'staging/API_KEY restored 1']);
  assert.equal(statSync(target).mode & 0o777, 0o600);
  const restored = await openSqliteStore({ path: target, env });
  try {
    assert.equal((await restored.get('production', 'DB_PASSWORD', { actor: 't' })).value, `${MARKER}-2`);
    assert.equal((await restored.get('production', 'DB_PASSWORD', { actor: 't', stage: 'previous' })).value, `${MARKER}-1`);
    assert.deepEqual((await restored.history('production', 'DB_PASSWORD')).map((h) => h.actor), ['bob', 'alice']);
    assert.ok(restored.auditEntries({ action: 'restore-backup' }).length === 1);
    assert.equal(restored.verifyAudit().ok, true);
  } finally {
    restored.close();
  }
});

test('a backup needs the right key, and any change to the file is detected', async () => {
  const { dir, store, file } = await sourceStore();
  writeBackup(store, file, { actor: 'ops' });
  await assert.rejects(async () => writeBackup(store, file, { actor: 'ops' }), (e) => isCofferError(e, 'COFFER_E_EXISTS'));
  store.close();
  const target = join(dir, 'restored.db');
  await assert.rejects(restoreBackup({ file, path: target, env: { COFFER_MASTER_KEY: '00'.repeat(32) }, actor: 'ops' }), (e) => isCofferError(e, 'COFFER_E_BAD_MASTER_KEY'));
  const bytes = readFileSync(file);
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 40] = (flipped[flipped.length - 40] as number) ^ 1;
  const headerEdited = Buffer.from(bytes.toString('latin1').replace('"secrets":3', '"secrets":4'), 'latin1');
  for (const [label, altered, code] of [
    ['flipped bit', flipped, 'COFFER_E_DECRYPT_FAILED'],
    ['edited header', headerEdited, 'COFFER_E_DECRYPT_FAILED'],
    ['truncated', bytes.subarray(0, bytes.length - 100), 'COFFER_E_DECRYPT_FAILED'],
    ['not a backup', Buffer.from('hello\n'), 'COFFER_E_STORE_CORRUPT'],
  ] as const) {
    const bad = join(dir, `bad-${label.replace(/ /g, '-')}`);
    writeFileSync(bad, altered);
    await assert.rejects(restoreBackup({ file: bad, path: target, env, actor: 'ops' }), (e) => isCofferError(e, code) && !String((e as Error).message).includes(MARKER), label);
    assert.equal(existsSync(target), false, `${label}: nothing restored`);
  }
});

test('restoring into an existing store adds what it lacks and never loses newer versions; dry-run writes nothing', async () => {
  const { path, store, file } = await sourceStore();
  writeBackup(store, file, { actor: 'ops' });
  // After the backup: one secret moves on, one is destroyed, one is added.
  await store.put('production', 'DB_PASSWORD', `${MARKER}-3`, { actor: 'carol' });
  await store.destroy('staging', 'API_KEY', { actor: 'carol' });
  await store.put('production', 'NEW_ONLY', `${MARKER}-new`, { actor: 'carol' });
  store.close();
  const dry = await restoreBackup({ file, path, env, actor: 'ops', dryRun: true });
  assert.deepEqual(dry.secrets.map((s) => `${s.env}/${s.name} ${s.action}`), ['production/API_KEY kept', 'production/DB_PASSWORD kept', 'staging/API_KEY restored']);
  const before = await openSqliteStore({ path, env });
  await assert.rejects(before.history('staging', 'API_KEY'), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'));
  before.close();
  const result = await restoreBackup({ file, path, env, actor: 'ops' });
  assert.equal(result.createdStore, false);
  const after = await openSqliteStore({ path, env });
  try {
    assert.equal((await after.get('production', 'DB_PASSWORD', { actor: 't' })).value, `${MARKER}-3`);
    assert.equal((await after.get('staging', 'API_KEY', { actor: 't' })).value, `${MARKER}-stg`);
    assert.equal((await after.get('production', 'NEW_ONLY', { actor: 't' })).value, `${MARKER}-new`);
    assert.deepEqual(after.auditEntries({ action: 'restore-backup' }).map((e) => `${e.env}/${e.name}`), ['staging/API_KEY']);
    assert.equal(after.verifyAudit().ok, true);
  } finally {
    after.close();
  }
});
