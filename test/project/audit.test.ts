/**
 * The audit commands at library level over a real SQLite store in a temp directory: `--since`
 * parsing (durations, dates, times, refusals), the filters of listAudit (environment, all
 * environments, secret, action, since, newest N), verification, and the refusals for an
 * environment without a store file or on another provider.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCofferError, type ErrorCode } from '../../src/core/errors.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openEnvironmentStore } from '../../src/project/_environment.js';
import { listAudit, parseSince, verifyAuditChain } from '../../src/project/audit.js';

const KEY = 'c0ffee00'.repeat(8);
const code = (expected: ErrorCode) => (error: unknown) => isCofferError(error, expected);

interface Project {
  readonly config: Config;
  readonly access: { env: Record<string, string>; actor: string };
  cleanup(): void;
}

function project(): Project {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-audit-'));
  writeFileSync(join(dir, 'coffer.config.json'), JSON.stringify({
    version: 1,
    defaultEnvironment: 'development',
    environments: {
      development: { profile: 'development', provider: 'store' },
      production: { profile: 'production', provider: 'store' },
      local: { profile: 'development', provider: 'dotenv', options: { path: '.env.local' } },
    },
    secrets: { JWT_SECRET: { category: 'jwt' }, DB_PASSWORD: { category: 'database' } },
  }));
  return {
    config: loadConfig({ cwd: dir }),
    access: { env: { COFFER_MASTER_KEY: KEY, HOME: dir }, actor: 'tester' },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes and reads through the store itself, as the provider does, and rotates the key once. */
async function populate(p: Project): Promise<string[]> {
  const values: string[] = [];
  for (const env of ['development', 'production']) {
    const es = await openEnvironmentStore(p.config, env, { ...p.access, create: true });
    try {
      for (const name of ['JWT_SECRET', 'DB_PASSWORD']) {
        const value = `${env}-${name}-value-Zq8xW3rT`;
        values.push(value);
        await es.store.put(es.env, name, value, { actor: es.actor });
      }
      await es.store.get(es.env, 'JWT_SECRET', { actor: es.actor });
      await es.store.get(es.env, 'JWT_SECRET', { actor: es.actor });
      if (env === 'production') await es.store.rotateMasterKey({ actor: es.actor });
    } finally {
      es.store.close();
    }
  }
  return values;
}

test('parseSince: durations back from now, dates, times with and without offsets', () => {
  const now = new Date('2030-05-10T12:00:00.000Z');
  assert.equal(parseSince('30m', now), '2030-05-10T11:30:00.000Z');
  assert.equal(parseSince('24h', now), '2030-05-09T12:00:00.000Z');
  assert.equal(parseSince('7d', now), '2030-05-03T12:00:00.000Z');
  assert.equal(parseSince('2w', now), '2030-04-26T12:00:00.000Z');
  assert.equal(parseSince('45s', now), '2030-05-10T11:59:15.000Z');
  assert.equal(parseSince(' 0h ', now), now.toISOString());
  assert.equal(parseSince('2030-05-01', now), '2030-05-01T00:00:00.000Z');
  assert.equal(parseSince('2030-05-01T08:15:00Z', now), '2030-05-01T08:15:00.000Z');
  assert.equal(parseSince('2030-05-01T08:15:00+02:00', now), '2030-05-01T06:15:00.000Z');
  assert.equal(parseSince('2030-05-01T08:15:00.5-0130', now), '2030-05-01T09:45:00.500Z');
  assert.equal(parseSince('2030-05-01 08:15Z', now), '2030-05-01T08:15:00.000Z');
  // Without an offset a time is local, as people type it.
  assert.equal(parseSince('2030-05-01T08:15', now), new Date(2030, 4, 1, 8, 15).toISOString());
});

test('parseSince refuses what is not a time, naming an example', () => {
  for (const bad of ['', 'yesterday', '24', 'h', '-1h', '1.5h', '24 hours', '1y', '2030-02-30', '2030-13-01', '2030-05-01T25:00Z', '30/05/2030', '1e3d', '9999999d']) {
    assert.throws(() => parseSince(bad), (error: unknown) => code('COFFER_E_USAGE')(error) && /24h.*2024-05-01/.test((error as Error).message), bad);
  }
});

test('listAudit lists the environment\'s entries oldest first, without values; coalesced reads carry a count', async () => {
  const p = project();
  try {
    const values = await populate(p);
    const listing = await listAudit({ config: p.config, environment: 'development', access: p.access });
    assert.equal(listing.env, 'development');
    assert.match(listing.store, /\.coffer\/store\.db$/);
    assert.deepEqual(listing.entries.map((e) => [e.action, e.name]), [['write', 'JWT_SECRET'], ['write', 'DB_PASSWORD'], ['read', 'JWT_SECRET']]);
    assert.ok(listing.entries.every((e) => e.env === 'development' && e.actor === 'tester' && /^[0-9a-f]{64}$/.test(e.mac)));
    assert.match(listing.entries[2]?.detail ?? '', /^2 reads, last at \d{4}-/);
    const seqs = listing.entries.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    const text = JSON.stringify(listing);
    for (const value of values) assert.ok(!text.includes(value), 'a value is in the listing');
  } finally {
    p.cleanup();
  }
});

test('listAudit filters: all environments, secret, action, since, newest N; combined with AND', async () => {
  const p = project();
  try {
    await populate(p);
    const list = (filter: Record<string, unknown>) => listAudit({ config: p.config, environment: 'development', access: p.access, ...filter });
    const all = await list({ allEnvs: true });
    assert.equal(all.env, null);
    assert.deepEqual(all.entries.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(all.entries.filter((e) => e.env === null).map((e) => e.action), ['key-rotate'], 'the store-wide entry shows with allEnvs');
    assert.ok((await list({})).entries.every((e) => e.env === 'development'));
    assert.deepEqual((await list({ secret: 'DB_PASSWORD' })).entries.map((e) => e.seq), [2]);
    assert.deepEqual((await list({ secret: 'DB_PASSWORD', allEnvs: true })).entries.map((e) => [e.env, e.name]), [['development', 'DB_PASSWORD'], ['production', 'DB_PASSWORD']]);
    assert.deepEqual((await list({ action: 'read', allEnvs: true })).entries.map((e) => e.env), ['development', 'production']);
    assert.deepEqual((await list({ action: 'key-rotate', allEnvs: true })).entries.map((e) => e.seq), [7]);
    assert.deepEqual((await list({ limit: 2, allEnvs: true })).entries.map((e) => e.seq), [6, 7], 'the newest, oldest first');
    assert.deepEqual((await list({ limit: 1, action: 'write' })).entries.map((e) => e.name), ['DB_PASSWORD']);
    assert.equal((await list({ since: '1h' })).entries.length, 3);
    const later = await list({ since: '1h', now: new Date(Date.now() + 2 * 3_600_000) });
    assert.deepEqual(later.entries, []);
    assert.equal(later.since, new Date(Date.parse(later.since ?? '')).toISOString());
    assert.deepEqual((await list({ since: '2099-01-01' })).entries, []);
    assert.deepEqual((await list({ action: 'nothing-like-this' })).entries, []);
  } finally {
    p.cleanup();
  }
});

test('listAudit refuses bad filters before opening anything', async () => {
  const p = project();
  try {
    const list = (filter: Record<string, unknown>) => listAudit({ config: p.config, environment: 'development', access: p.access, ...filter });
    // No store exists yet: these fail on their arguments, not on the missing store.
    await assert.rejects(list({ secret: '../etc' }), code('COFFER_E_USAGE'));
    await assert.rejects(list({ action: 'DROP TABLE' }), code('COFFER_E_USAGE'));
    for (const limit of [0, -1, 1.5, Number.NaN]) await assert.rejects(list({ limit }), code('COFFER_E_USAGE'));
    await assert.rejects(list({ since: 'last week' }), code('COFFER_E_USAGE'));
    await assert.rejects(list({}), (error: unknown) => code('COFFER_E_NOT_FOUND')(error) && /has no store yet.*coffer generate development/.test((error as Error).message));
    await assert.rejects(listAudit({ config: p.config, environment: 'local', access: p.access }), code('COFFER_E_UNSUPPORTED'));
    await assert.rejects(verifyAuditChain({ config: p.config, environment: 'local', access: p.access }), code('COFFER_E_UNSUPPORTED'));
  } finally {
    p.cleanup();
  }
});

test('verifyAuditChain covers every environment of the store file', async () => {
  const p = project();
  try {
    await populate(p);
    const verdict = await verifyAuditChain({ config: p.config, environment: 'production', access: p.access });
    assert.deepEqual({ ok: verdict.ok, entries: verdict.entries }, { ok: true, entries: 7 });
  } finally {
    p.cleanup();
  }
});
