/**
 * The rotation engine over a real embedded store with a scripted target, whose steps can be made
 * to fail: a failed set or test rolls back (the target keeps the old credential, pending is
 * discarded); a rollback that fails too keeps the journal, and the next run finishes it; a
 * grace period ends on time and not before; the old value is never dropped before the new one
 * is current; no value reaches an error or the outcome; a run resuming past the test step keeps
 * the overlapping trait recorded then; a provider without stages is refused.
 *
 * Recovery: a `coffer rollback` cut off between the target and the store (a failing moveStage, a
 * real kill -9 in a child process) is journaled and finished by the next run; `--compromised`
 * with an interrupted rotation revokes the compromised credential and records the incident; a
 * run after a rolled-back interruption makes the rotation asked for; a `pending` value no
 * journal here knows of (another machine's, on the store and on AWS) is rolled back at the
 * target before it is discarded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveConfig, type ResolvedSecret } from '../../src/config/resolve.js';
import { CofferError, isCofferError } from '../../src/core/errors.js';
import createEnvProvider from '../../src/providers/env.js';
import createStoreProvider from '../../src/providers/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Provider } from '../../src/providers/types.js';
import { RotationEngine } from '../../src/rotation/engine.js';
import { journalPath, readJournal, writeJournal } from '../../src/rotation/journal.js';
import type { Rotator } from '../../src/rotation/types.js';
import { serviceHooks, withAwsRotation } from './_aws-rotation.js';

const KEY = 'beef'.repeat(16);
const config = resolveConfig({ version: 1, environments: { production: { provider: 'store' } }, secrets: { API_TOKEN: { category: 'token' } } }, '/p/coffer.config.json');
const secret = config.secrets[0] as ResolvedSecret;

/** A target that accepts a set of credentials; steps fail while named in `failing`. */
function target() {
  const accepted = new Set<string>();
  const failing = new Set<string>();
  const calls: string[] = [];
  let n = 0;
  const step = (name: string) => {
    calls.push(name);
    if (failing.has(name)) throw new CofferError('COFFER_E_UNAVAILABLE', `The target refused the ${name} step.`);
  };
  const rotator: Rotator = {
    id: 'scripted',
    traits: { overlapping: true, external: true },
    create: async () => `new-credential-${++n}-${'x'.repeat(40)}`,
    set: async (_s, v) => { step('set'); accepted.add(v.pending); },
    test: async (_s, v) => { step('test'); if (!accepted.has(v.pending)) throw new CofferError('COFFER_E_ACCESS_DENIED', 'login refused'); },
    rollback: async (_s, v) => { step('rollback'); accepted.delete(v.pending); accepted.add(v.current); },
    revoke: async (_s, v) => { step('revoke'); accepted.delete(v.previous); },
    close: async () => undefined,
  };
  return { accepted, failing, calls, rotator };
}

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-engine-'));
  const store = createStoreProvider({ environment: 'production' }, { cwd: dir, env: { COFFER_MASTER_KEY: KEY, HOME: dir } });
  await store.set(secret.name, 'original-credential-value-0000');
  const t = target();
  t.accepted.add('original-credential-value-0000');
  // The store, whose moveStage fails (as a lost connection or a full disk would) while `failMove` is set.
  const faults = { failMove: false, lockedStore: false };
  const provider: Provider = {
    ...store,
    get: async (name, options) => {
      if (faults.lockedStore) throw new CofferError('COFFER_E_UNAVAILABLE', 'The store is locked by another process (SQLITE_BUSY); try again.', { retryable: true });
      return store.get(name, options);
    },
    moveStage: async (name, stage, version) => {
      if (faults.failMove) throw new CofferError('COFFER_E_UNAVAILABLE', 'The store is unavailable.');
      return store.moveStage?.(name, stage, version);
    },
  };
  let now = new Date('2026-06-01T00:00:00.000Z');
  const engine = new RotationEngine({ provider, root: dir, environment: 'production', profile: 'production', rotatorFor: async () => t.rotator, generate: () => 'unused', env: {}, now: () => now });
  /** The store's audit entries of `action` (the provider is closed first, so everything is committed). */
  const audit = async (action: string) => {
    await store.close();
    const db = await openSqliteStore({ path: join(dir, '.coffer', 'store.db'), env: { COFFER_MASTER_KEY: KEY, HOME: dir } });
    try {
      return db.auditEntries().filter((e) => e.action === action);
    } finally {
      db.close();
    }
  };
  return { dir, provider, engine, t, faults, audit, advance: (ms: number) => (now = new Date(now.getTime() + ms)), cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const stageValue = async (provider: Provider, stage: 'current' | 'previous' | 'pending') => provider.get(secret.name, { stage }).then((r) => r.value, () => undefined);

test('a rotation makes the new value current, keeps the old one valid for the grace period, and retires it only when the grace is over', async () => {
  const s = await setup();
  try {
    const outcome = await s.engine.rotate(secret, { graceMs: 3_600_000 });
    assert.equal(outcome.status, 'rotated');
    assert.equal(outcome.graceUntil, '2026-06-01T01:00:00.000Z');
    const fresh = await stageValue(s.provider, 'current');
    assert.match(fresh ?? '', /^new-credential-1/);
    assert.equal(await stageValue(s.provider, 'previous'), 'original-credential-value-0000');
    assert.ok(!JSON.stringify(outcome).includes('credential-'), 'the outcome holds no value');
    assert.deepEqual(s.t.calls, ['set', 'test']);
    s.advance(3_599_000);
    assert.equal((await s.engine.finalize(secret, false))?.status, 'in-grace');
    assert.ok(s.t.accepted.has('original-credential-value-0000'), 'still valid inside the grace period');
    s.advance(2_000);
    assert.equal((await s.engine.finalize(secret, false))?.status, 'retired');
    assert.deepEqual([...s.t.accepted], [fresh]);
    assert.equal(await stageValue(s.provider, 'previous'), undefined);
    assert.equal(readJournal(s.dir, 'production', secret.name), undefined, 'the rotation ended');
  } finally {
    await s.cleanup();
  }
});

for (const failing of ['set', 'test'] as const) {
  test(`a failed ${failing} step rolls back: old credential current and accepted, pending discarded, the error names the step and holds no value`, async () => {
    const s = await setup();
    try {
      s.t.failing.add(failing);
      const error = await s.engine.rotate(secret, { graceMs: 3_600_000 }).then(() => assert.fail('should fail'), (e: unknown) => e);
      assert.ok(isCofferError(error, 'COFFER_E_ROTATION_FAILED'));
      assert.match(error.message, new RegExp(`at the ${failing} step \\(COFFER_E_UNAVAILABLE`));
      assert.ok(!error.message.includes('credential-'), 'no value in the error');
      assert.equal(await stageValue(s.provider, 'current'), 'original-credential-value-0000');
      assert.equal(await stageValue(s.provider, 'pending'), undefined);
      assert.deepEqual([...s.t.accepted], ['original-credential-value-0000']);
      assert.ok(s.t.calls.includes('rollback'));
      assert.ok(!existsSync(journalPath(s.dir, 'production', secret.name)));
    } finally {
      await s.cleanup();
    }
  });
}

test('when rolling back fails too, the journal stays and the next run finishes the rollback, then makes the rotation it was asked for', async () => {
  const s = await setup();
  try {
    s.t.failing.add('test');
    s.t.failing.add('rollback');
    await assert.rejects(s.engine.rotate(secret, { graceMs: 60_000 }), (e) => isCofferError(e, 'COFFER_E_ROTATION_FAILED') && /rolling back failed too/.test(e.message));
    assert.equal(readJournal(s.dir, 'production', secret.name)?.phase, 'rolling-back');
    assert.equal(await stageValue(s.provider, 'current'), 'original-credential-value-0000', 'current never moved');
    s.t.failing.clear();
    const outcome = await s.engine.rotate(secret, { graceMs: 60_000 });
    assert.equal(outcome.status, 'rotated');
    assert.match(outcome.notes.join(' '), /rolled back: test failed/, 'the report says the interrupted rotation was rolled back');
    assert.equal(s.t.calls.filter((c) => c === 'rollback').length, 2, 'the rollback was repeated once');
    assert.equal(await stageValue(s.provider, 'pending'), undefined);
    assert.equal(await stageValue(s.provider, 'current'), 'new-credential-2-' + 'x'.repeat(40), 'a new value, not the one rolled back');
    assert.equal(await stageValue(s.provider, 'previous'), 'original-credential-value-0000');
    assert.deepEqual([...s.t.accepted].sort(), ['new-credential-2-' + 'x'.repeat(40), 'original-credential-value-0000']);
  } finally {
    await s.cleanup();
  }
});

test('a rotation with no grace (compromised) revokes the old credential at once and records an incident', async () => {
  const s = await setup();
  try {
    const outcome = await s.engine.rotate(secret, { graceMs: 3_600_000, compromised: true });
    assert.equal(outcome.status, 'rotated');
    assert.deepEqual(outcome.notes, ['incident recorded in the audit log']);
    assert.equal(s.t.accepted.has('original-credential-value-0000'), false);
    assert.equal(await stageValue(s.provider, 'previous'), undefined);
  } finally {
    await s.cleanup();
  }
});

test('rollback during the grace period makes the old value current and accepted again; after the grace it is refused', async () => {
  const s = await setup();
  try {
    await s.engine.rotate(secret, { graceMs: 60_000 });
    const rolled = await s.engine.rollback(secret);
    assert.equal(rolled.status, 'rolled-back');
    assert.equal(await stageValue(s.provider, 'current'), 'original-credential-value-0000');
    assert.deepEqual([...s.t.accepted], ['original-credential-value-0000']);
    await s.engine.rotate(secret, { graceMs: 60_000 });
    s.advance(61_000);
    await s.engine.finalize(secret, false);
    await assert.rejects(s.engine.rollback(secret), (e) => isCofferError(e, 'COFFER_E_USAGE'));
  } finally {
    await s.cleanup();
  }
});

test('a run resuming past the test step goes by the overlapping trait the journal recorded, not by a rotator that has not asked the target', async () => {
  const s = await setup();
  try {
    // A process that recorded a target accepting one credential at a time was killed after test.
    const pendingVersion = (await s.provider.putPending?.(secret.name, 'new-credential-from-the-killed-run', { token: 'token-1', metadata: {} })) as string;
    s.t.accepted.clear();
    s.t.accepted.add('new-credential-from-the-killed-run');
    const at = '2026-06-01T00:00:00.000Z';
    writeJournal(s.dir, { format: 1, token: 'token-1', environment: 'production', name: secret.name, rotator: 'scripted', phase: 'tested', fromVersion: '1', pendingVersion, graceMs: 3_600_000, compromised: false, overlapping: false, startedAt: at, updatedAt: at });
    const outcome = await s.engine.rotate(secret, { graceMs: 3_600_000 });
    assert.equal(outcome.status, 'resumed');
    assert.equal(outcome.graceUntil, undefined, 'no grace for an old credential the target already refuses');
    assert.match(outcome.notes.join(' '), /one credential at a time/);
    assert.match(outcome.notes.join(' '), /the rotation asked for was not started: finishing the interrupted one made a new value current/, 'the report says no second rotation ran');
    assert.equal(await stageValue(s.provider, 'current'), 'new-credential-from-the-killed-run');
    assert.equal(await stageValue(s.provider, 'previous'), undefined);
    assert.equal(readJournal(s.dir, 'production', secret.name), undefined, 'the rotation ended');
  } finally {
    await s.cleanup();
  }
});

test('a provider without stages is refused with COFFER_E_UNSUPPORTED', () => {
  const provider = createEnvProvider({}, { env: {} });
  assert.throws(() => new RotationEngine({ provider, root: '/tmp', environment: 'production', profile: 'production', rotatorFor: async () => target().rotator, generate: () => '' }), (e) => isCofferError(e, 'COFFER_E_UNSUPPORTED') && /store or aws-secrets-manager/.test(e.message));
});

test('a rollback cut off after the target took the old credential back is journaled, and the next run finishes it instead of leaving readers on a refused value', async () => {
  const s = await setup();
  try {
    const rotated = await s.engine.rotate(secret, { graceMs: 60_000 });
    s.faults.failMove = true;
    const error = await s.engine.rollback(secret).then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(isCofferError(error, 'COFFER_E_ROTATION_FAILED'), String(error));
    assert.match(error.message, /coffer rollback production API_TOKEN/);
    assert.ok(!error.message.includes('credential-'), 'no value in the error');
    const journal = readJournal(s.dir, 'production', secret.name);
    assert.equal(journal?.phase, 'rolling-back', 'the journal says a rollback is under way');
    assert.equal(journal.restore, rotated.fromVersion, 'and which version it restores');
    s.faults.failMove = false;
    const finished = await s.engine.rollback(secret);
    assert.equal(finished.status, 'rolled-back');
    assert.deepEqual([finished.fromVersion, finished.toVersion], [rotated.toVersion, rotated.fromVersion]);
    assert.equal(await stageValue(s.provider, 'current'), 'original-credential-value-0000');
    assert.equal(await stageValue(s.provider, 'previous'), undefined);
    assert.equal(await stageValue(s.provider, 'pending'), undefined);
    assert.deepEqual([...s.t.accepted], ['original-credential-value-0000']);
    assert.equal(readJournal(s.dir, 'production', secret.name), undefined, 'the rollback ended');
  } finally {
    await s.cleanup();
  }
});

test('a store that is busy under its own lock during a rotation is reported as unavailable, not as another rotation in progress', async () => {
  const s = await setup();
  try {
    s.faults.lockedStore = true;
    const error = await s.engine.rotate(secret, { graceMs: 60_000 }).then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(isCofferError(error), String(error));
    assert.notEqual(error.code, 'COFFER_E_ROTATION_IN_PROGRESS');
    assert.match(error.message, /locked by another process|SQLITE_BUSY/);
    s.faults.lockedStore = false;
    assert.equal((await s.engine.rotate(secret, { graceMs: 60_000 })).status, 'rotated');
  } finally {
    await s.cleanup();
  }
});

test('a rollback cut off halfway is finished, not retired, by the run after the grace period: the value readers get is the one the target accepts', async () => {
  const s = await setup();
  try {
    await s.engine.rotate(secret, { graceMs: 60_000 });
    s.faults.failMove = true;
    await assert.rejects(s.engine.rollback(secret), (e) => isCofferError(e, 'COFFER_E_ROTATION_FAILED'));
    s.faults.failMove = false;
    s.advance(61_000);
    await s.engine.finalize(secret, false);
    const current = await stageValue(s.provider, 'current');
    assert.equal(current, 'original-credential-value-0000', 'the rollback was finished');
    assert.deepEqual([...s.t.accepted], [current], 'the target accepts the current value, and only it');
    assert.equal(readJournal(s.dir, 'production', secret.name), undefined);
  } finally {
    await s.cleanup();
  }
});

test('kill -9 of coffer rollback between the target and the store: the next rollback ends with the old value current and the only one accepted', async () => {
  const s = await setup();
  try {
    await s.engine.rotate(secret, { graceMs: 60_000 });
    // The rollback runs in a child process over the same project, whose target state lives in a file, and kills itself at the failpoint.
    const state = join(s.dir, 'accepted.json');
    writeFileSync(state, JSON.stringify([...s.t.accepted]));
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', rollbackChild(s.dir, state)], { env: { ...process.env, COFFER_FAILPOINT: 'after-rollback' }, encoding: 'utf8' });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    s.t.accepted.clear();
    for (const v of JSON.parse(readFileSync(state, 'utf8')) as string[]) s.t.accepted.add(v);
    assert.deepEqual([...s.t.accepted], ['original-credential-value-0000'], 'killed after the target took the old credential back');
    assert.match(await stageValue(s.provider, 'current') ?? '', /^new-credential-1/, 'and before current moved');
    assert.equal(readJournal(s.dir, 'production', secret.name)?.phase, 'rolling-back');
    assert.equal((await s.engine.rollback(secret)).status, 'rolled-back');
    assert.equal(await stageValue(s.provider, 'current'), 'original-credential-value-0000');
    assert.equal(await stageValue(s.provider, 'previous'), undefined);
    assert.deepEqual([...s.t.accepted], ['original-credential-value-0000']);
  } finally {
    await s.cleanup();
  }
});

/** A child process rolling back API_TOKEN of the project in `dir`, its target's accepted credentials kept in the file `state`. */
function rollbackChild(dir: string, state: string): string {
  const src = (path: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../src', path)).href);
  return `
    import { readFileSync, writeFileSync } from 'node:fs';
    import { RotationEngine } from ${src('rotation/engine.ts')};
    import createStoreProvider from ${src('providers/store.ts')};
    import { resolveConfig } from ${src('config/resolve.ts')};
    const dir = ${JSON.stringify(dir)}, state = ${JSON.stringify(state)};
    const load = () => new Set(JSON.parse(readFileSync(state, 'utf8')));
    const save = (set) => writeFileSync(state, JSON.stringify([...set]));
    const rotator = {
      id: 'scripted', traits: { overlapping: true, external: true },
      create: async () => { throw new Error('unused'); }, set: async () => undefined, test: async () => undefined,
      rollback: async (_s, v) => { const a = load(); a.delete(v.pending); a.add(v.current); save(a); },
      revoke: async (_s, v) => { const a = load(); a.delete(v.previous); save(a); },
      close: async () => undefined,
    };
    const config = resolveConfig({ version: 1, environments: { production: { provider: 'store' } }, secrets: { API_TOKEN: { category: 'token' } } }, '/p/coffer.config.json');
    const provider = createStoreProvider({ environment: 'production' }, { cwd: dir, env: { COFFER_MASTER_KEY: ${JSON.stringify(KEY)}, HOME: dir } });
    const engine = new RotationEngine({ provider, root: dir, environment: 'production', profile: 'production', rotatorFor: async () => rotator, generate: () => 'unused', env: process.env });
    await engine.rollback(config.secrets[0]);
  `;
}

/** Leaves the journal and stages of a rotation cut off at `phase`, its new value stored (and set at the target from `set` on). */
async function interrupted(s: Awaited<ReturnType<typeof setup>>, phase: 'set' | 'rolling-back') {
  const fromVersion = (await s.provider.get(secret.name)).metadata.version as string;
  const pendingVersion = (await s.provider.putPending?.(secret.name, 'new-credential-of-the-killed-run', { token: 'token-1', metadata: {} })) as string;
  s.t.accepted.add('new-credential-of-the-killed-run');
  const at = '2026-06-01T00:00:00.000Z';
  writeJournal(s.dir, { format: 1, token: 'token-1', environment: 'production', name: secret.name, rotator: 'scripted', phase, fromVersion, pendingVersion, graceMs: 3_600_000, compromised: false, startedAt: at, updatedAt: at, ...(phase === 'rolling-back' ? { reason: 'test failed: COFFER_E_UNAVAILABLE' } : {}) });
  return { fromVersion, pendingVersion };
}

for (const phase of ['set', 'rolling-back'] as const) {
  test(`--compromised with a rotation cut off at "${phase}": the compromised credential is revoked at once, a fresh value is current, and the incident is in the audit log`, async () => {
    const s = await setup();
    try {
      const { fromVersion } = await interrupted(s, phase);
      const outcome = await s.engine.rotate(secret, { graceMs: 3_600_000, compromised: true });
      assert.equal(outcome.status, 'rotated');
      assert.equal(outcome.graceUntil, undefined, 'no grace period');
      assert.match(outcome.notes.join(' '), new RegExp(`an interrupted rotation|rolled back`));
      assert.ok(outcome.notes.includes('incident recorded in the audit log'));
      const current = await stageValue(s.provider, 'current');
      assert.match(current ?? '', /^new-credential-1-/, 'a value made after the incident was declared');
      assert.deepEqual([...s.t.accepted], [current], 'the compromised credential and the interrupted run\'s value are refused');
      assert.equal(await stageValue(s.provider, 'previous'), undefined);
      assert.equal(await stageValue(s.provider, 'pending'), undefined);
      assert.equal(readJournal(s.dir, 'production', secret.name), undefined, 'nothing is left open');
      const incidents = await s.audit('incident');
      assert.ok(incidents.some((e) => e.name === secret.name && e.detail === `compromised: version ${fromVersion} revoked at once, no grace period`), JSON.stringify(incidents.map((e) => e.detail)));
    } finally {
      await s.cleanup();
    }
  });
}

test('a rotation cut off before its new value was stored is discarded, then the rotation asked for runs', async () => {
  const s = await setup();
  try {
    const fromVersion = (await s.provider.get(secret.name)).metadata.version as string;
    const at = '2026-06-01T00:00:00.000Z';
    writeJournal(s.dir, { format: 1, token: 'token-1', environment: 'production', name: secret.name, rotator: 'scripted', phase: 'creating', fromVersion, graceMs: 3_600_000, compromised: false, startedAt: at, updatedAt: at });
    const outcome = await s.engine.rotate(secret, { graceMs: 60_000 });
    assert.equal(outcome.status, 'rotated');
    assert.equal(outcome.graceUntil, '2026-06-01T00:01:00.000Z', 'with the grace period of this run');
    assert.match(outcome.notes.join(' '), /had not stored its new value yet/);
    assert.match(await stageValue(s.provider, 'current') ?? '', /^new-credential-1-/);
    assert.equal(await stageValue(s.provider, 'previous'), 'original-credential-value-0000');
  } finally {
    await s.cleanup();
  }
});

test('a value left pending with no journal here (another machine\'s cut-off rotation) is rolled back at the target before it is discarded', async () => {
  const s = await setup();
  try {
    // Another machine set the value at a target that accepts one credential at a time, then died.
    await s.provider.putPending?.(secret.name, 'credential-of-another-machine', { token: 'token-elsewhere', metadata: {} });
    s.t.accepted.clear();
    s.t.accepted.add('credential-of-another-machine');
    const outcome = await s.engine.rotate(secret, { graceMs: 60_000 });
    assert.equal(outcome.status, 'rotated');
    assert.deepEqual(s.t.calls, ['rollback', 'set', 'test'], 'the target was put back on current before anything else');
    assert.match(outcome.notes.join(' '), /left pending .* with no journal here was rolled back at the target and discarded/);
    const current = await stageValue(s.provider, 'current');
    assert.deepEqual([...s.t.accepted].sort(), [current, 'original-credential-value-0000'].sort(), 'the old value works through its grace period; the orphan does not');
    assert.equal(await stageValue(s.provider, 'pending'), undefined);
    assert.ok((await s.audit('rotate-rollback')).some((e) => /pending with no journal here/.test(e.detail ?? '')));
  } finally {
    await s.cleanup();
  }
});

test('when the target cannot be put back on current, the orphan pending value is kept and no rotation starts', async () => {
  const s = await setup();
  try {
    await s.provider.putPending?.(secret.name, 'credential-of-another-machine', { token: 'token-elsewhere', metadata: {} });
    s.t.failing.add('rollback');
    const error = await s.engine.rotate(secret, { graceMs: 60_000 }).then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(isCofferError(error, 'COFFER_E_ROTATION_FAILED'), String(error));
    assert.match(error.message, /no journal of .*putting the target back on the current credential before discarding it failed \(COFFER_E_UNAVAILABLE/);
    assert.ok(!error.message.includes('credential-'), 'no value in the error');
    assert.equal(await stageValue(s.provider, 'pending'), 'credential-of-another-machine', 'kept for the next run');
    assert.deepEqual(s.t.calls, ['rollback']);
    assert.equal(readJournal(s.dir, 'production', secret.name), undefined, 'no rotation was started');
  } finally {
    await s.cleanup();
  }
});

test('rollback of a rotation whose old value was being retired finishes the retirement and refuses: a revoked credential is not brought back', async () => {
  const s = await setup();
  try {
    await s.engine.rotate(secret, { graceMs: 60_000 });
    const open = readJournal(s.dir, 'production', secret.name);
    writeJournal(s.dir, { ...open!, phase: 'revoking' });
    await assert.rejects(s.engine.rollback(secret), (e) => isCofferError(e, 'COFFER_E_USAGE') && /was being retired, and that has now been finished/.test(e.message));
    const current = await stageValue(s.provider, 'current');
    assert.match(current ?? '', /^new-credential-1-/);
    assert.deepEqual([...s.t.accepted], [current], 'the target accepts the current value');
    assert.equal(readJournal(s.dir, 'production', secret.name), undefined);
  } finally {
    await s.cleanup();
  }
});

test('a rotation whose retirement of the old value was cut off: the next rotate finishes the retirement, then makes the rotation asked for', async () => {
  const s = await setup();
  try {
    await s.engine.rotate(secret, { graceMs: 60_000 });
    writeJournal(s.dir, { ...readJournal(s.dir, 'production', secret.name)!, phase: 'revoking' });
    const outcome = await s.engine.rotate(secret, { graceMs: 60_000 });
    assert.equal(outcome.status, 'rotated');
    assert.match(outcome.notes.join(' '), /retirement of the previous rotation's old value .* was finished first/);
    const [current, previous] = [await stageValue(s.provider, 'current'), await stageValue(s.provider, 'previous')];
    assert.match(current ?? '', /^new-credential-2-/);
    assert.match(previous ?? '', /^new-credential-1-/);
    assert.deepEqual([...s.t.accepted].sort(), [previous, current].sort(), 'the original credential was revoked');
  } finally {
    await s.cleanup();
  }
});

test('on aws-secrets-manager, a run with no journal of the AWSPENDING key another machine registered at the service withdraws it before discarding it', () => withAwsRotation((dir) => ({ SERVICE_API_KEY: { category: 'api_key', rotation: { rotator: 'api-key', options: serviceHooks(dir) } } }), async (p) => {
  const name = 'SERVICE_API_KEY';
  const old = 'sk_live_original_'.padEnd(64, 'k');
  await p.provider.set(name, old);
  p.accept(old);
  // The other machine stored its new key as AWSPENDING and registered it (set), then died; its journal died with it.
  const elsewhere = 'sk_live_other_machine_'.padEnd(64, 'k');
  await p.provider.putPending?.(name, elsewhere, { token: randomUUID(), metadata: {} });
  p.accept(elsewhere);
  const outcome = await p.engine.rotate(p.secret(name), { graceMs: 3_600_000 });
  assert.equal(outcome.status, 'rotated');
  const fresh = (await p.provider.get(name)).value;
  assert.deepEqual(p.accepted().sort(), [old, fresh].sort(), 'the old key works through its grace period; the other machine\'s key is withdrawn');
  assert.equal(p.holder(name, 'AWSPENDING'), undefined);
  assert.equal((await p.provider.get(name, { stage: 'previous' })).value, old);
}));
