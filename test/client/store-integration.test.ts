import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecretManager, defineSecrets } from '../../src/index.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const KEY = 'a11ce'.repeat(12) + 'a11c';

test('a manager over the embedded store: values, versions and stages, and every provider read in the store\'s audit chain', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-client-store-'));
  const env = { COFFER_MASTER_KEY: KEY, COFFER_ACTOR: 'app' };
  try {
    const store = await openSqliteStore({ path: join(dir, '.coffer', 'store.db'), env, create: true });
    await store.put('production', 'JWT_SECRET', 'jwt-value-one-0000000000', { actor: 'ops' });
    await store.put('production', 'JWT_SECRET', 'jwt-value-two-0000000000', { actor: 'ops' });
    store.close();

    const secrets = await createSecretManager({
      schema: defineSecrets({ JWT_SECRET: { category: 'jwt' } }),
      provider: 'store', providerOptions: { environment: 'production' }, cwd: dir, env,
    });
    try {
      const health = await secrets.initialize();
      assert.equal(health.source, 'store');
      assert.equal(health.secrets.JWT_SECRET?.version, '2');
      assert.equal(secrets.value('JWT_SECRET'), 'jwt-value-two-0000000000');
      assert.equal(await secrets.get('JWT_SECRET', { stage: 'previous' }), 'jwt-value-one-0000000000');
      assert.deepEqual((await secrets.versions('JWT_SECRET')).map((v) => v.metadata.version), ['2', '1']);
      assert.ok(secrets.getAuditLogs().some((e) => e.action === 'versions' && e.name === 'JWT_SECRET' && e.outcome === 'ok'));
      await secrets.rotate('JWT_SECRET', () => 'jwt-value-three-000000000');
      assert.equal(secrets.health().secrets.JWT_SECRET?.version, '3');
    } finally {
      await secrets.close();
    }
    const reopened = await openSqliteStore({ path: join(dir, '.coffer', 'store.db'), env });
    try {
      const entries = reopened.auditEntries({ name: 'JWT_SECRET' });
      assert.ok(entries.some((e) => e.action === 'read' && e.actor === 'app' && e.version === 2));
      assert.ok(entries.some((e) => e.action === 'write' && e.actor === 'app' && e.version === 3));
      assert.equal(reopened.verifyAudit().ok, true);
    } finally {
      reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
