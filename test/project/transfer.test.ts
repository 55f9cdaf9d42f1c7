/**
 * transferSecrets and rollbackTransfer through the library, between real dotenv files (a target
 * without versions, so updates are undone from the backup of replaced values): what rollback
 * does with records a crash or an older Coffer left (pending writes, retryable failures kept
 * only as a code), and what it does when the backup was deleted by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { rollbackTransfer, transferSecrets } from '../../src/project/transfer.js';

const OLD = { API_KEY: 'old-api-key-Zt5x9Qm2', DB_PASSWORD: 'old-db-Hq7vN2xR9', TOKEN: 'old-token-Lr8Vw4Kp' };
const NEW = { API_KEY: 'new-api-key-Jn3Hb6Gc', DB_PASSWORD: 'new-db-Fd0SeYx1', TOKEN: 'new-token-Tn6Wm3Zq', EXTRA: 'new-extra-Kv5Qm2Lr' };

/** A temp dir with `target.env` holding OLD but TOKEN, and `source.env` holding NEW; a migration between them. */
async function migrated(): Promise<{ dir: string; id: string; backupFile: string; target: () => Record<string, string>; record: () => string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-transfer-'));
  const write = (file: string, values: Record<string, string>) => writeFileSync(join(dir, file), Object.entries(values).map(([k, v]) => `${k}='${v}'\n`).join(''), { mode: 0o600 });
  write('target.env', { API_KEY: OLD.API_KEY, DB_PASSWORD: OLD.DB_PASSWORD });
  write('source.env', NEW);
  const result = await transferSecrets({ kind: 'migrate', from: 'source.env', to: 'target.env', cwd: dir });
  assert.equal(result.complete, true);
  assert.ok(result.id !== undefined && result.backupFile !== undefined);
  return {
    dir, id: result.id, backupFile: result.backupFile,
    target: () => parse(readFileSync(join(dir, 'target.env'))),
    record: () => join(dir, '.coffer', 'migrations', `${result.id}.json`),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('the backup holds exactly the replaced values; once deleted by hand, rollback still deletes the creates but reports each update failed and is not complete', async () => {
  const m = await migrated();
  try {
    assert.deepEqual(parse(readFileSync(m.backupFile)), { API_KEY: OLD.API_KEY, DB_PASSWORD: OLD.DB_PASSWORD });
    rmSync(m.backupFile);
    const undo = await rollbackTransfer({ cwd: m.dir });
    assert.equal(undo.complete, false);
    const by = Object.fromEntries(undo.outcomes.map((o) => [o.name, o]));
    assert.equal(by.TOKEN?.action, 'deleted');
    assert.equal(by.API_KEY?.action, 'failed');
    assert.match(by.API_KEY?.detail ?? '', /the backup holding the earlier value of API_KEY, .*\.backup, is gone/);
    assert.deepEqual(m.target(), { API_KEY: NEW.API_KEY, DB_PASSWORD: NEW.DB_PASSWORD }, 'updates stay; the creates are gone');
    assert.equal(JSON.parse(readFileSync(m.record(), 'utf8')).status, 'complete', 'the record still offers the rollback');
  } finally {
    m.cleanup();
  }
});

test('a record left by a crash or by an older Coffer: pending and retryable-failed writes are undone where they landed, and left where they did not', async () => {
  const m = await migrated();
  try {
    const record = JSON.parse(readFileSync(m.record(), 'utf8'));
    assert.deepEqual(record.entries.map((e: { name: string; action: string }) => [e.name, e.action]), [['API_KEY', 'update'], ['DB_PASSWORD', 'update'], ['EXTRA', 'create'], ['TOKEN', 'create']]);
    const state = (name: string, fields: Record<string, unknown>) => Object.assign(record.entries.find((e: { name: string }) => e.name === name), fields);
    state('API_KEY', { state: 'pending' }); // landed: the target holds the new value
    state('DB_PASSWORD', { state: 'pending' }); // did not land: put back below
    state('TOKEN', { state: 'failed', code: 'COFFER_E_UNAVAILABLE' }); // an older record: no `retryable`, landed
    state('EXTRA', { state: 'failed', code: 'COFFER_E_UNSAFE_VALUE', retryable: false }); // failed for good
    record.entries.push({ name: 'GHOST', action: 'create', state: 'pending' }); // never reached the target
    record.status = 'running';
    writeFileSync(m.record(), JSON.stringify(record));
    const text = readFileSync(join(m.dir, 'target.env'), 'utf8').replace(NEW.DB_PASSWORD, OLD.DB_PASSWORD);
    writeFileSync(join(m.dir, 'target.env'), text);

    const undo = await rollbackTransfer({ cwd: m.dir, id: m.id });
    const by = Object.fromEntries(undo.outcomes.map((o) => [o.name, o]));
    assert.deepEqual(by.API_KEY, { name: 'API_KEY', action: 'restored', detail: 'from the backup; its unfinished write had landed' });
    assert.deepEqual(by.DB_PASSWORD, { name: 'DB_PASSWORD', action: 'skipped', detail: 'its unfinished write had not landed' });
    assert.deepEqual(by.TOKEN, { name: 'TOKEN', action: 'deleted', detail: 'its failed write had landed' });
    assert.deepEqual(by.EXTRA, { name: 'EXTRA', action: 'skipped', detail: 'its write failed (COFFER_E_UNSAFE_VALUE)' });
    assert.deepEqual(by.GHOST, { name: 'GHOST', action: 'skipped', detail: 'its unfinished write had not landed' });
    assert.equal(undo.complete, true);
    assert.equal(undo.removedBackup, m.backupFile);
    assert.equal(existsSync(m.backupFile), false);
    // EXTRA "failed for good" in this record, so the rollback leaves the value it finds there.
    assert.deepEqual(m.target(), { API_KEY: OLD.API_KEY, DB_PASSWORD: OLD.DB_PASSWORD, EXTRA: NEW.EXTRA });
    const after = JSON.parse(readFileSync(m.record(), 'utf8'));
    assert.equal(after.status, 'rolled-back');
    assert.equal(after.backupFile, undefined);
  } finally {
    m.cleanup();
  }
});
