import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const KEY = 'feed'.repeat(16);
const env = { COFFER_MASTER_KEY: KEY };
const fresh = async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'coffer-reads-')), 'store.db');
  return { path, store: await openSqliteStore({ path, env, create: true }) };
};
const worker = (path: string, mode: string, tag: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', resolve('test/store/_writer.ts'), path, mode, tag], { env: { ...process.env, ...env }, encoding: 'utf8' });

test('identical reads in one batch become one audit entry with a count; order around writes is kept', async () => {
  // A fixed clock: the batch closes on the write, not on the 25 ms window of a slow machine.
  const path = join(mkdtempSync(join(tmpdir(), 'coffer-reads-')), 'store.db');
  const store = await openSqliteStore({ path, env, create: true, now: () => new Date('2026-03-01T00:00:00Z') });
  try {
    await store.put('dev', 'A', 'value-a', { actor: 'w' });
    await store.put('dev', 'B', 'value-b', { actor: 'w' });
    for (let i = 0; i < 5; i++) await store.get('dev', 'A', { actor: 'app' });
    await store.get('dev', 'B', { actor: 'app' });
    await store.put('dev', 'A', 'value-a2', { actor: 'w' });
    await store.get('dev', 'A', { actor: 'app' });
    const entries = store.auditEntries();
    assert.deepEqual(entries.map((e) => [e.action, e.name, e.version]), [
      ['write', 'A', 1], ['write', 'B', 1], ['read', 'A', 1], ['read', 'B', 1], ['write', 'A', 2], ['read', 'A', 2],
    ]);
    assert.match(entries[2]?.detail ?? '', /^5 reads, last at \d{4}-/);
    assert.equal(entries[3]?.detail, null);
    assert.equal(store.verifyAudit().ok, true);
  } finally {
    store.close();
  }
});

test('a process that reads and exits at once still leaves its read in the audit log', async () => {
  const { path, store } = await fresh();
  await store.put('dev', 'SHARED', 'v', { actor: 'w' });
  store.close();
  const run = worker(path, 'read-exit', 'reader');
  assert.equal(run.status, 0, run.stderr);
  const reopened = await openSqliteStore({ path, env });
  try {
    assert.deepEqual(reopened.auditEntries({ action: 'read' }).map((e) => e.actor), ['reader']);
    assert.equal(reopened.verifyAudit().ok, true);
  } finally {
    reopened.close();
  }
});

test('a long-lived reader sees a version another process wrote, and its cached reads stay audited', async () => {
  const { path, store } = await fresh();
  try {
    await store.put('dev', 'SHARED', 'first', { actor: 'w' });
    assert.equal((await store.get('dev', 'SHARED', { actor: 'app' })).value, 'first');
    const run = worker(path, 'write-once', 'other');
    assert.equal(run.status, 0, run.stderr);
    await new Promise((r) => setTimeout(r, 5));
    const record = await store.get('dev', 'SHARED', { actor: 'app' });
    assert.equal(record.value, 'value-from-other');
    assert.equal(record.version, 2);
    // Chain order is commit order: the first read's batch may commit after the other process's
    // write, but its time says when it happened.
    const entries = store.auditEntries({ name: 'SHARED' });
    assert.deepEqual(entries.map((e) => `${e.action} ${e.actor} ${e.version}`).sort(), ['read app 1', 'read app 2', 'write other 2', 'write w 1']);
    const at = (action: string, version: number) => entries.find((e) => e.action === action && e.version === version)?.at ?? '';
    assert.ok(at('read', 1) <= at('write', 2) && at('write', 2) <= at('read', 2));
  } finally {
    store.close();
  }
});

test('audit entries filter by secret, action, time and limit', async () => {
  let clock = new Date('2026-03-01T00:00:00Z');
  const path = join(mkdtempSync(join(tmpdir(), 'coffer-reads-')), 'store.db');
  const store = await openSqliteStore({ path, env, create: true, now: () => clock });
  try {
    await store.put('dev', 'A', 'x', { actor: 'w' });
    clock = new Date('2026-03-02T00:00:00Z');
    await store.put('dev', 'B', 'y', { actor: 'w' });
    await store.put('prod', 'A', 'z', { actor: 'w' });
    assert.deepEqual(store.auditEntries({ name: 'A' }).map((e) => e.env), ['dev', 'prod']);
    assert.deepEqual(store.auditEntries({ env: 'dev', since: '2026-03-01T12:00:00Z' }).map((e) => e.name), ['B']);
    assert.deepEqual(store.auditEntries({ limit: 2 }).map((e) => `${e.env}/${e.name}`), ['dev/B', 'prod/A']);
    assert.deepEqual(store.auditEntries({ action: 'delete' }), []);
  } finally {
    store.close();
  }
});
