/**
 * The store provider: the shared conformance suite over a fresh embedded store, plus what is
 * specific to it (environments kept apart, a missing store reads as empty, writes are audited).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createStoreProvider from '../../src/providers/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { isCofferError } from '../../src/core/errors.js';
import { describeProviderConformance } from '../conformance/provider-suite.js';

const KEY = 'f00d'.repeat(16);

describeProviderConformance('store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-store-provider-'));
  return {
    provider: createStoreProvider({ environment: 'production' }, { cwd: dir, env: { COFFER_MASTER_KEY: KEY, HOME: dir } }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

test('environments are kept apart; a store that does not exist yet reads as empty and is created 0600 by the first write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-store-provider-'));
  const env = { COFFER_MASTER_KEY: KEY, HOME: dir, COFFER_ACTOR: 'ci-bot' };
  const dev = createStoreProvider({ environment: 'development' }, { cwd: dir, env });
  const prod = createStoreProvider({ environment: 'production' }, { cwd: dir, env });
  assert.deepEqual(await dev.list(), []);
  await assert.rejects(dev.get('JWT_SECRET'), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'));
  assert.ok(!existsSync(join(dir, '.coffer', 'store.db')), 'a read creates nothing');
  await dev.set('JWT_SECRET', 'dev-value-1', { rotateBy: '2027-01-01T00:00:00.000Z' });
  await prod.set('JWT_SECRET', 'prod-value-1');
  assert.equal(statSync(join(dir, '.coffer', 'store.db')).mode & 0o777, 0o600);
  assert.equal((await dev.get('JWT_SECRET')).value, 'dev-value-1');
  assert.equal((await prod.get('JWT_SECRET')).value, 'prod-value-1');
  assert.equal((await dev.get('JWT_SECRET')).metadata.rotateBy, '2027-01-01T00:00:00.000Z');
  const store = await openSqliteStore({ path: join(dir, '.coffer', 'store.db'), env });
  try {
    assert.ok(store.auditEntries().every((e) => e.actor === 'ci-bot'));
    assert.equal(store.verifyAudit().ok, true);
  } finally {
    store.close();
  }
});
