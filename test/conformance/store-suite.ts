/**
 * The conformance suite every store passes: the Store contract of src/store/types.ts checked as a
 * user would notice it (versions and stages, check-and-set, reuse refusal, soft delete and purge,
 * validation, the audit chain, master-key rotation, isolation and durability). A store's test
 * calls {@link describeStoreConformance} and adds only what is specific to its engine (file
 * modes, raw bytes at rest, tampering with rows). The only opt-out is a declared one: a store that
 * cannot take the suite's clock says so, and the cases that need a controlled clock are skipped.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { isCofferError, type CofferError, type ErrorCode } from '../../src/core/errors.js';
import type { AuditEntry } from '../../src/audit/chain.js';
import type { Store } from '../../src/store/types.js';

/** What the suite hands to the factory of each case. */
export interface StoreFactoryOptions {
  /** The clock the store should use for every date it records and every purge decision. */
  readonly now: () => Date;
}

/** A fresh, empty store and the means to open it again. */
export interface StoreSubject {
  readonly store: Store;
  /** Opens the same store again (same key, same clock); the suite closes the previous handle first. */
  readonly reopen: () => Promise<Store>;
  /** Removes whatever the case created (files, schemas, databases). */
  readonly cleanup?: () => Promise<void>;
  /** Set when the store cannot use the suite's clock: the cases that need it are skipped. */
  readonly ignoresClock?: true;
}

/** Opens a fresh, empty store for one case. */
export type StoreFactory = (options: StoreFactoryOptions) => Promise<StoreSubject>;

/** What a case works with; `store` changes when the case reopens it. */
interface Case {
  store: Store;
  readonly reopen: () => Promise<Store>;
  /** The store's clock: starts at T0 and moves only when a case moves it. */
  readonly clock: { advance(ms: number): void; iso(): string };
  readonly clocked: boolean;
}

const T0 = '2026-01-01T00:00:00.000Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Declares the conformance tests for one store.
 *
 * @param name shown as the describe block's title
 * @param factory called once per case; must open a store that holds no secrets yet
 * @example
 * describeStoreConformance('sqlite', async ({ now }) => {
 *   const path = join(mkdtempSync(join(tmpdir(), 'coffer-')), 'store.db');
 *   const env = { COFFER_MASTER_KEY: KEY };
 *   return { store: await openSqliteStore({ path, env, now, create: true }), reopen: () => openSqliteStore({ path, env, now }) };
 * });
 */
export function describeStoreConformance(name: string, factory: StoreFactory): void {
  const run = (needs: { clock?: boolean }, body: (c: Case) => Promise<void>) => async (t: TestContext) => {
    let now = new Date(T0);
    const subject = await factory({ now: () => new Date(now.getTime()) });
    const c: Case = {
      store: subject.store,
      clocked: subject.ignoresClock !== true,
      clock: {
        advance(ms) {
          now = new Date(now.getTime() + ms);
        },
        iso: () => now.toISOString(),
      },
      reopen: async () => {
        await c.store.close();
        c.store = await subject.reopen();
        return c.store;
      },
    };
    try {
      if (needs.clock === true && !c.clocked) {
        t.skip('the store declares that it ignores the suite\'s clock');
        return;
      }
      await body(c);
    } finally {
      await c.store.close();
      await subject.cleanup?.();
    }
  };
  const read = async (store: Store, env: string, secret: string, options: { version?: number; stage?: 'current' | 'previous' | 'pending' } = {}) =>
    (await store.get(env, secret, { actor: 'reader', ...options })).value;

  describe(`store conformance: ${name}`, () => {
    test('each write is a new version; current and previous move; any version reads back by number or stage', run({}, async ({ store }) => {
      const v1 = await store.put('prod', 'DB_PASSWORD', 'first-Value#1', { actor: 'alice' });
      const v2 = await store.put('prod', 'DB_PASSWORD', 'second-Value#2', { actor: 'bob' });
      const v3 = await store.put('prod', 'DB_PASSWORD', 'third-Value#3', { actor: 'carol' });
      assert.deepEqual([v1.version, v2.version, v3.version], [1, 2, 3]);
      assert.deepEqual([v1.stages, v3.stages], [['current'], ['current']]);
      const current = await store.get('prod', 'DB_PASSWORD', { actor: 't' });
      assert.deepEqual([current.env, current.name, current.version, current.stages, current.value], ['prod', 'DB_PASSWORD', 3, ['current'], 'third-Value#3']);
      const previous = await store.get('prod', 'DB_PASSWORD', { actor: 't', stage: 'previous' });
      assert.deepEqual([previous.version, previous.stages, previous.value], [2, ['previous'], 'second-Value#2']);
      const first = await store.get('prod', 'DB_PASSWORD', { actor: 't', version: 1 });
      assert.deepEqual([first.version, first.stages, first.value], [1, [], 'first-Value#1']);
      const values = ['first-Value#1', 'second-Value#2', 'third-Value#3'];
      assert.match((await refused(() => store.get('prod', 'DB_PASSWORD', { actor: 't', version: 4 }), 'COFFER_E_NOT_FOUND', values)).message, /DB_PASSWORD/);
      await refused(() => store.get('prod', 'DB_PASSWORD', { actor: 't', stage: 'pending' }), 'COFFER_E_NOT_FOUND', values);
      await refused(() => store.get('prod', 'NOT_THERE', { actor: 't' }), 'COFFER_E_NOT_FOUND', values);
    }));

    test('a pending write leaves current and previous alone; moving it to current finishes the rotation and clears pending', run({}, async ({ store }) => {
      await store.put('prod', 'DB_PASSWORD', 'old-1', { actor: 'a' });
      await store.put('prod', 'DB_PASSWORD', 'old-2', { actor: 'a' });
      const pending = await store.put('prod', 'DB_PASSWORD', 'new-3', { actor: 'rotation', stage: 'pending' });
      assert.deepEqual([pending.version, pending.stages], [3, ['pending']]);
      assert.equal(await read(store, 'prod', 'DB_PASSWORD'), 'old-2', 'readers still get current');
      assert.equal(await read(store, 'prod', 'DB_PASSWORD', { stage: 'previous' }), 'old-1');
      assert.equal(await read(store, 'prod', 'DB_PASSWORD', { stage: 'pending' }), 'new-3');
      assert.equal((await store.list('prod'))[0]?.version, 2, 'list shows the current version');
      const finished = await store.moveStage('prod', 'DB_PASSWORD', 'current', pending.version, { actor: 'rotation' });
      assert.deepEqual(finished.stages, ['current']);
      assert.equal(await read(store, 'prod', 'DB_PASSWORD'), 'new-3');
      assert.equal(await read(store, 'prod', 'DB_PASSWORD', { stage: 'previous' }), 'old-2');
      await refused(() => store.get('prod', 'DB_PASSWORD', { actor: 'a', stage: 'pending' }), 'COFFER_E_NOT_FOUND');
      assert.deepEqual((await store.history('prod', 'DB_PASSWORD')).map((h) => [h.version, h.stages]), [[3, ['current']], [2, ['previous']], [1, []]]);
      await refused(() => store.moveStage('prod', 'DB_PASSWORD', 'current', 9, { actor: 'a' }), 'COFFER_E_NOT_FOUND', ['old-1', 'old-2', 'new-3']);
      // Rolling back: the version being left becomes previous.
      await store.moveStage('prod', 'DB_PASSWORD', 'current', 2, { actor: 'ops' });
      assert.equal(await read(store, 'prod', 'DB_PASSWORD'), 'old-2');
      assert.equal(await read(store, 'prod', 'DB_PASSWORD', { stage: 'previous' }), 'new-3');
      const moves = await store.auditEntries({ action: 'stage' });
      assert.deepEqual(moves.map((e) => [e.actor, e.name, e.version, e.outcome]), [['rotation', 'DB_PASSWORD', 3, 'ok'], ['ops', 'DB_PASSWORD', 2, 'ok']]);
      assert.ok(moves.every((e) => e.detail?.includes('current')), 'a stage move names the stage');
      // Ending the grace period: previous is retired, the version stays in history.
      await store.clearStage('prod', 'DB_PASSWORD', 'previous', { actor: 'rotation' });
      await refused(() => store.get('prod', 'DB_PASSWORD', { actor: 'a', stage: 'previous' }), 'COFFER_E_NOT_FOUND', ['new-3']);
      await store.clearStage('prod', 'DB_PASSWORD', 'pending', { actor: 'rotation' });
      assert.deepEqual((await store.history('prod', 'DB_PASSWORD')).map((h) => [h.version, h.stages]), [[3, []], [2, ['current']], [1, []]]);
      assert.deepEqual((await store.auditEntries({ action: 'unstage' })).map((e) => [e.version, e.detail]), [[3, 'previous']], 'only a change is audited');
    }));

    test('history is newest first with actor, date and rotate-by; list holds the current version of each live secret, sorted, without values', run({}, async ({ store, clock, clocked }) => {
      const rotateBy = '2026-04-01T00:00:00.000Z';
      const t0 = clock.iso();
      await store.put('dev', 'ZETA', 'zeta-value-1', { actor: 'alice', rotateBy });
      clock.advance(HOUR);
      const t1 = clock.iso();
      await store.put('dev', 'ZETA', 'zeta-value-2', { actor: 'bob' });
      await store.put('dev', 'ALPHA', 'alpha-value-1', { actor: 'importer', updatedAt: '2025-06-01T00:00:00.000Z' });
      await store.put('dev', 'GONE', 'gone-value-1', { actor: 'alice' });
      await store.delete('dev', 'GONE', { actor: 'alice' });
      const history = await store.history('dev', 'ZETA');
      assert.deepEqual(history.map((h) => [h.env, h.name, h.version, h.actor, h.rotateBy, h.stages]), [['dev', 'ZETA', 2, 'bob', null, ['current']], ['dev', 'ZETA', 1, 'alice', rotateBy, ['previous']]]);
      if (clocked) assert.deepEqual(history.map((h) => h.createdAt), [t1, t0]);
      else assert.ok(history.every((h) => !Number.isNaN(Date.parse(h.createdAt))));
      assert.equal((await store.history('dev', 'ALPHA'))[0]?.createdAt, '2025-06-01T00:00:00.000Z', 'an import keeps the original date');
      await refused(() => store.history('dev', 'NOT_THERE'), 'COFFER_E_NOT_FOUND');
      const listing = await store.list('dev');
      assert.deepEqual(listing.map((s) => [s.name, s.version, s.actor]), [['ALPHA', 1, 'importer'], ['ZETA', 2, 'bob']]);
      const text = JSON.stringify([listing, history]);
      for (const value of ['zeta-value', 'alpha-value', 'gone-value']) assert.ok(!text.includes(value), 'list or history holds a value');
      assert.deepEqual(await store.list('staging'), []);
    }));

    test('check-and-set: 0 means must not exist, a stale version is COFFER_E_CONFLICT, nothing is written and the refusal is audited', run({}, async ({ store }) => {
      await store.put('dev', 'API_KEY', 'api-value-1', { actor: 'x', expectVersion: 0 });
      await refused(() => store.put('dev', 'API_KEY', 'api-refused-A', { actor: 'late', expectVersion: 0 }), 'COFFER_E_CONFLICT', ['api-refused-A']);
      await store.put('dev', 'API_KEY', 'api-value-2', { actor: 'x', expectVersion: 1 });
      await refused(() => store.put('dev', 'API_KEY', 'api-refused-B', { actor: 'late', expectVersion: 1 }), 'COFFER_E_CONFLICT', ['api-refused-B']);
      await refused(() => store.put('dev', 'API_KEY', 'api-refused-C', { actor: 'late', expectVersion: 7 }), 'COFFER_E_CONFLICT', ['api-refused-C']);
      assert.equal(await read(store, 'dev', 'API_KEY'), 'api-value-2');
      assert.equal((await store.history('dev', 'API_KEY')).length, 2);
      // In a batch, one stale write refuses the whole batch.
      await refused(() => store.putMany('dev', [
        { name: 'NEW_ONE', value: 'batch-new-value', options: { actor: 'late', expectVersion: 0 } },
        { name: 'API_KEY', value: 'api-refused-D', options: { actor: 'late', expectVersion: 1 } },
      ]), 'COFFER_E_CONFLICT', ['batch-new-value', 'api-refused-D']);
      await refused(() => store.history('dev', 'NEW_ONE'), 'COFFER_E_NOT_FOUND');
      assert.equal(await read(store, 'dev', 'API_KEY'), 'api-value-2');
      const writes = await store.auditEntries({ name: 'API_KEY', action: 'write' });
      assert.deepEqual(writes.map((e) => [e.actor, e.outcome]), [['x', 'ok'], ['late', 'conflict'], ['x', 'ok'], ['late', 'conflict'], ['late', 'conflict'], ['late', 'conflict']]);
      assert.deepEqual(writes.filter((e) => e.outcome === 'ok').map((e) => e.version), [1, 2]);
      assertNoValues(await store.auditEntries(), ['api-value', 'api-refused', 'batch-new-value']);
    }));

    test('noReuse refuses each of the last 4 values (COFFER_E_REUSED_VALUE, value not shown) and allows the 5th-oldest', run({}, async ({ store }) => {
      const p = ['reuse-pw-1', 'reuse-pw-2', 'reuse-pw-3', 'reuse-pw-4', 'reuse-pw-5'] as const;
      for (const v of p.slice(0, 4)) await store.put('dev', 'DB_PASSWORD', v, { actor: 'x', noReuse: true });
      for (const v of p.slice(0, 4)) await refused(() => store.put('dev', 'DB_PASSWORD', v, { actor: 'x', noReuse: true }), 'COFFER_E_REUSED_VALUE', [v]);
      assert.equal((await store.history('dev', 'DB_PASSWORD')).length, 4, 'a refused value is not written');
      assert.equal(await read(store, 'dev', 'DB_PASSWORD'), p[3]);
      await store.put('dev', 'DB_PASSWORD', p[4], { actor: 'x', noReuse: true });
      const again = await store.put('dev', 'DB_PASSWORD', p[0], { actor: 'x', noReuse: true }); // five values ago: allowed
      assert.equal(again.version, 6);
      assert.equal(await read(store, 'dev', 'DB_PASSWORD'), p[0]);
      // Reuse is per secret and only refused when asked for.
      await store.put('dev', 'OTHER_PASSWORD', p[4], { actor: 'x', noReuse: true });
      await store.put('dev', 'API_KEY', 'same-api-value', { actor: 'x' });
      await store.put('dev', 'API_KEY', 'same-api-value', { actor: 'x' });
      const refusals = await store.auditEntries({ name: 'DB_PASSWORD', action: 'write' });
      assert.deepEqual(refusals.map((e) => e.outcome), ['ok', 'ok', 'ok', 'ok', 'denied', 'denied', 'denied', 'denied', 'ok', 'ok']);
      assertNoValues(await store.auditEntries(), [...p]);
    }));

    test('reusedValues names the secrets whose current value repeats one of the versions before it', run({}, async ({ store }) => {
      const write = async (env: string, secret: string, values: readonly string[]) => {
        for (const value of values) await store.put(env, secret, value, { actor: 'x' });
      };
      await write('dev', 'REPEATED', ['rep-a', 'rep-b', 'rep-a']);
      await write('dev', 'FRESH', ['fresh-a', 'fresh-b']);
      await write('dev', 'DEEP', ['deep-x', 'deep-1', 'deep-2', 'deep-3', 'deep-4', 'deep-x']);
      await write('dev', 'SINGLE', ['single-a']);
      await write('dev', 'COPY', ['rep-b']);
      await write('prod', 'REPEATED', ['rep-a']);
      const names = ['REPEATED', 'FRESH', 'DEEP', 'SINGLE', 'COPY', 'MISSING'];
      assert.deepEqual([...await store.reusedValues('dev', names)].sort(), ['REPEATED']);
      assert.deepEqual([...await store.reusedValues('dev', names, 5)].sort(), ['DEEP', 'REPEATED']);
      assert.deepEqual([...await store.reusedValues('prod', ['REPEATED'])], [], 'other environments do not count');
      // It judges the current version: after a rollback to rep-b nothing before it repeats.
      await store.moveStage('dev', 'REPEATED', 'current', 2, { actor: 'ops' });
      assert.deepEqual([...await store.reusedValues('dev', ['REPEATED'])], []);
    }));

    test('a deleted secret is hidden, refuses writes and can be restored; a destroyed one cannot; every step is audited', run({}, async ({ store }) => {
      await store.put('dev', 'TOKEN', 'token-v1', { actor: 'a' });
      await store.delete('dev', 'TOKEN', { actor: 'a', recoveryDays: 3 });
      assert.deepEqual(await store.list('dev'), []);
      const hidden = await refused(() => store.get('dev', 'TOKEN', { actor: 'a' }), 'COFFER_E_NOT_FOUND', ['token-v1']);
      assert.ok(hidden.message.includes('coffer restore TOKEN'), 'the error says how to restore it');
      await refused(() => store.put('dev', 'TOKEN', 'token-v2', { actor: 'a' }), 'COFFER_E_USAGE', ['token-v2']);
      await store.restore('dev', 'TOKEN', { actor: 'a' });
      assert.equal(await read(store, 'dev', 'TOKEN'), 'token-v1');
      await store.destroy('dev', 'TOKEN', { actor: 'a' });
      await refused(() => store.history('dev', 'TOKEN'), 'COFFER_E_NOT_FOUND');
      await refused(() => store.restore('dev', 'TOKEN', { actor: 'a' }), 'COFFER_E_NOT_FOUND');
      const entries = await store.auditEntries();
      assert.deepEqual(entries.map((e) => e.action), ['write', 'delete', 'write', 'restore', 'read', 'destroy']);
      assert.deepEqual(entries.map((e) => e.outcome), ['ok', 'ok', 'denied', 'ok', 'ok', 'ok']);
      assertNoValues(entries, ['token-v1', 'token-v2']);
      assert.equal((await store.verifyAudit()).ok, true);
    }));

    test('soft delete keeps every version until the recovery window ends; restore brings them all back', run({ clock: true }, async ({ store, clock }) => {
      await store.put('dev', 'TOKEN', 'token-v1', { actor: 'a' });
      await store.put('dev', 'TOKEN', 'token-v2', { actor: 'a' });
      await store.put('dev', 'OTHER', 'other-v1', { actor: 'a' });
      const { purgeAfter } = await store.delete('dev', 'TOKEN', { actor: 'a', recoveryDays: 3 });
      assert.equal(purgeAfter, new Date(Date.parse(clock.iso()) + 3 * DAY).toISOString());
      assert.equal((await store.delete('dev', 'OTHER', { actor: 'a' })).purgeAfter, new Date(Date.parse(clock.iso()) + 7 * DAY).toISOString(), 'default window: 7 days');
      await store.restore('dev', 'OTHER', { actor: 'a' });
      assert.deepEqual((await store.list('dev')).map((s) => s.name), ['OTHER']);
      await refused(() => store.get('dev', 'TOKEN', { actor: 'a', version: 1 }), 'COFFER_E_NOT_FOUND', ['token-v1']);
      await refused(() => store.get('dev', 'TOKEN', { actor: 'a', stage: 'previous' }), 'COFFER_E_NOT_FOUND', ['token-v1']);
      await refused(() => store.delete('dev', 'TOKEN', { actor: 'a' }), 'COFFER_E_NOT_FOUND');
      await refused(() => store.putMany('dev', [{ name: 'NEW_ONE', value: 'new-v1', options: { actor: 'a' } }, { name: 'TOKEN', value: 'token-v3', options: { actor: 'a' } }]), 'COFFER_E_USAGE', ['token-v3', 'new-v1']);
      await refused(() => store.history('dev', 'NEW_ONE'), 'COFFER_E_NOT_FOUND');
      clock.advance(3 * DAY - 1);
      assert.equal(await store.purgeExpired(), 0);
      await store.restore('dev', 'TOKEN', { actor: 'a' });
      assert.equal(await read(store, 'dev', 'TOKEN'), 'token-v2');
      assert.equal(await read(store, 'dev', 'TOKEN', { stage: 'previous' }), 'token-v1');
      assert.deepEqual((await store.list('dev')).map((s) => [s.name, s.version]), [['OTHER', 1], ['TOKEN', 2]]);
      await refused(() => store.restore('dev', 'TOKEN', { actor: 'a' }), 'COFFER_E_NOT_FOUND');
      await refused(() => store.delete('dev', 'NOT_THERE', { actor: 'a' }), 'COFFER_E_NOT_FOUND');
    }));

    test('destroy removes every version for good, deleted or not; the name starts over at version 1; its audit entries stay', run({}, async ({ store }) => {
      await store.put('dev', 'LIVE', 'live-v1', { actor: 'a' });
      await store.put('dev', 'LIVE', 'live-v2', { actor: 'a' });
      await store.put('dev', 'DELETED', 'deleted-v1', { actor: 'a' });
      await store.delete('dev', 'DELETED', { actor: 'a' });
      await store.destroy('dev', 'LIVE', { actor: 'ops' });
      await store.destroy('dev', 'DELETED', { actor: 'ops' });
      for (const secret of ['LIVE', 'DELETED']) {
        await refused(() => store.get('dev', secret, { actor: 'a' }), 'COFFER_E_NOT_FOUND');
        await refused(() => store.history('dev', secret), 'COFFER_E_NOT_FOUND');
        await refused(() => store.restore('dev', secret, { actor: 'a' }), 'COFFER_E_NOT_FOUND');
        await refused(() => store.destroy('dev', secret, { actor: 'a' }), 'COFFER_E_NOT_FOUND');
      }
      assert.deepEqual(await store.list('dev'), []);
      const reborn = await store.put('dev', 'LIVE', 'live-new', { actor: 'a', expectVersion: 0 });
      assert.equal(reborn.version, 1);
      await refused(() => store.get('dev', 'LIVE', { actor: 'a', stage: 'previous' }), 'COFFER_E_NOT_FOUND');
      const kept = await store.auditEntries({ name: 'LIVE' });
      assert.deepEqual(kept.map((e) => `${e.action} ${e.actor}`), ['write a', 'write a', 'destroy ops', 'write a']);
    }));

    test('purgeExpired destroys deleted secrets once their recovery window has passed, and audits the purge', run({ clock: true }, async ({ store, clock }) => {
      await store.put('dev', 'OLD', 'old-value', { actor: 'a' });
      await store.put('dev', 'KEPT', 'kept-value', { actor: 'a' });
      await store.put('dev', 'LIVE', 'live-value', { actor: 'a' });
      await store.delete('dev', 'OLD', { actor: 'a', recoveryDays: 2 });
      await store.delete('dev', 'KEPT', { actor: 'a', recoveryDays: 30 });
      clock.advance(2 * DAY - 1);
      assert.equal(await store.purgeExpired(), 0, 'still inside the window');
      assert.deepEqual(await store.auditEntries({ action: 'purge' }), []);
      clock.advance(1);
      assert.equal(await store.purgeExpired(), 1);
      await refused(() => store.history('dev', 'OLD'), 'COFFER_E_NOT_FOUND');
      await refused(() => store.restore('dev', 'OLD', { actor: 'a' }), 'COFFER_E_NOT_FOUND');
      assert.equal(await store.purgeExpired(), 0);
      await store.restore('dev', 'KEPT', { actor: 'a' });
      assert.equal(await read(store, 'dev', 'KEPT'), 'kept-value');
      assert.equal(await read(store, 'dev', 'LIVE'), 'live-value');
      const purges = await store.auditEntries({ action: 'purge' });
      assert.deepEqual(purges.map((e) => [e.env, e.name, e.outcome, e.at]), [['dev', 'OLD', 'ok', clock.iso()]]);
      assertNoValues(purges, ['old-value']);
      assert.equal((await store.verifyAudit()).ok, true);
    }));

    test('invalid names, environments and oversized values are COFFER_E_USAGE and nothing is written', run({}, async ({ store }) => {
      const value = 'validation-value-7c1e';
      const before = (await store.auditEntries()).length;
      const badNames = ['../x', 'a/b', 'A\\B', '', 'A\nB', 'A\u0000B', 'A\tB', '1_STARTS_WITH_DIGIT', 'A'.repeat(256)];
      for (const bad of badNames) await refused(() => store.put('dev', bad, value, { actor: 'x' }), 'COFFER_E_USAGE', [value]);
      for (const bad of ['../x', 'dev/x', '', 'dev\n', 'dev\u0007', 'Dev']) await refused(() => store.put(bad, 'GOOD_NAME', value, { actor: 'x' }), 'COFFER_E_USAGE', [value]);
      const ascii = 'o'.repeat(64 * 1024 + 1);
      const multibyte = 'é'.repeat(32 * 1024 + 1); // fewer than 64 Ki characters, more than 64 KiB
      for (const big of [ascii, multibyte]) {
        const error = await refused(() => store.put('dev', 'BIG', big, { actor: 'x' }), 'COFFER_E_USAGE', [big.slice(0, 64)]);
        assert.ok(error.message.length < 500, 'the error does not echo the value');
      }
      await refused(() => store.putMany('dev', [{ name: 'GOOD_NAME', value, options: { actor: 'x' } }, { name: '../x', value, options: { actor: 'x' } }]), 'COFFER_E_USAGE', [value]);
      assert.deepEqual(await store.list('dev'), []);
      await refused(() => store.history('dev', 'GOOD_NAME'), 'COFFER_E_NOT_FOUND');
      await refused(() => store.history('dev', 'BIG'), 'COFFER_E_NOT_FOUND');
      assert.equal((await store.auditEntries()).length, before, 'nothing was written, not even an audit entry');
    }));

    test('audit: every write, read, stage move, record, delete, restore and destroy appears in order, with no value in any entry', run({}, async ({ store }) => {
      const values = ['audit-value-1', 'audit-value-2', 'audit-value-3', 'audit-stale-4', 'audit-reused-5'];
      const base = (await store.auditEntries()).at(-1)?.seq ?? 0;
      await store.put('dev', 'TOKEN', values[0]!, { actor: 'alice' });
      await store.get('dev', 'TOKEN', { actor: 'bob' });
      await store.put('dev', 'TOKEN', values[1]!, { actor: 'alice' });
      await store.get('dev', 'TOKEN', { actor: 'carol' });
      await store.put('dev', 'TOKEN', values[2]!, { actor: 'rotation', stage: 'pending', noReuse: true });
      await store.moveStage('dev', 'TOKEN', 'current', 3, { actor: 'rotation' });
      for (let i = 0; i < 3; i++) await store.get('dev', 'TOKEN', { actor: 'dave' });
      await refused(() => store.put('dev', 'TOKEN', values[3]!, { actor: 'late', expectVersion: 1 }), 'COFFER_E_CONFLICT');
      await refused(() => store.put('dev', 'TOKEN', values[1]!, { actor: 'mallory', noReuse: true }), 'COFFER_E_REUSED_VALUE');
      await store.record({ actor: 'ops', action: 'export', env: 'dev', detail: '1 secret to .env' });
      await store.record({ actor: 'ops', action: 'backup', env: null });
      await store.record({ actor: 'ops', action: 'import', env: 'dev', name: 'TOKEN', version: 3, outcome: 'failed', detail: 'refused' });
      await store.delete('dev', 'TOKEN', { actor: 'eve' });
      await store.restore('dev', 'TOKEN', { actor: 'eve' });
      await store.destroy('dev', 'TOKEN', { actor: 'eve' });
      const entries = await store.auditEntries({ afterSeq: base });
      assert.deepEqual(timeline(entries), [
        'write alice dev/TOKEN v1 ok', 'read bob dev/TOKEN v1 ok x1', 'write alice dev/TOKEN v2 ok', 'read carol dev/TOKEN v2 ok x1',
        'write rotation dev/TOKEN v3 ok', 'stage rotation dev/TOKEN v3 ok', 'read dave dev/TOKEN v3 ok x3',
        'write late dev/TOKEN v- conflict', 'write mallory dev/TOKEN v- denied',
        'export ops dev/- v- ok', 'backup ops -/- v- ok', 'import ops dev/TOKEN v3 failed',
        'delete eve dev/TOKEN v- ok', 'restore eve dev/TOKEN v- ok', 'destroy eve dev/TOKEN v- ok',
      ]);
      assert.deepEqual(entries.filter((e) => e.action === 'export' || e.action === 'import' || e.action === 'backup').map((e) => e.detail), ['1 secret to .env', null, 'refused']);
      assert.ok(entries.every((e) => !Number.isNaN(Date.parse(e.at))), 'every entry is dated');
      assertNoValues(entries, values);
      assert.deepEqual(await store.verifyAudit(), { ok: true, entries: (await store.auditEntries()).length });
    }));

    test('audit entries filter by environment, name, action, time, sequence and limit', run({}, async ({ store, clock, clocked }) => {
      const t0 = clock.iso();
      await store.put('dev', 'A', 'filter-x', { actor: 'w' });
      clock.advance(DAY);
      const t1 = clock.iso();
      await store.put('dev', 'B', 'filter-y', { actor: 'w' });
      await store.put('prod', 'A', 'filter-z', { actor: 'w' });
      await store.get('prod', 'A', { actor: 'app' });
      await store.record({ actor: 'ops', action: 'export', env: 'prod' });
      const show = (entries: readonly AuditEntry[]) => entries.map((e) => `${e.action} ${e.env ?? '-'}/${e.name ?? '-'}`);
      assert.deepEqual(show(await store.auditEntries({ name: 'A' })), ['write dev/A', 'write prod/A', 'read prod/A']);
      assert.deepEqual(show(await store.auditEntries({ env: 'prod' })), ['write prod/A', 'read prod/A', 'export prod/-']);
      assert.deepEqual(show(await store.auditEntries({ action: 'write' })), ['write dev/A', 'write dev/B', 'write prod/A']);
      assert.deepEqual(show(await store.auditEntries({ env: 'prod', action: 'write' })), ['write prod/A']);
      assert.deepEqual(await store.auditEntries({ action: 'delete' }), []);
      assert.deepEqual(show(await store.auditEntries({ limit: 2 })), ['read prod/A', 'export prod/-'], 'the newest, oldest first');
      assert.deepEqual(show(await store.auditEntries({ name: 'A', limit: 1 })), ['read prod/A']);
      const third = (await store.auditEntries({ env: 'prod', action: 'write' }))[0]?.seq ?? assert.fail('no entry');
      assert.deepEqual(show(await store.auditEntries({ afterSeq: third })), ['read prod/A', 'export prod/-']);
      if (clocked) {
        assert.deepEqual(show(await store.auditEntries({ env: 'dev', since: new Date(Date.parse(t0) + DAY / 2).toISOString() })), ['write dev/B']);
        assert.deepEqual(show(await store.auditEntries({ since: t1 })), ['write dev/B', 'write prod/A', 'read prod/A', 'export prod/-'], 'since is inclusive');
      }
    }));

    test('rotating the master key keeps every value, older versions included, readable, also after reopening', run({}, async (c) => {
      await c.store.put('prod', 'A', 'value-a1', { actor: 'a' });
      await c.store.put('prod', 'A', 'value-a2', { actor: 'a' });
      await c.store.put('prod', 'B', 'value-b', { actor: 'a' });
      const first = await c.store.rotateMasterKey({ actor: 'ops' });
      assert.equal(first.keyringVersion, 2);
      assert.ok(first.dataKeys >= 1, 'the data keys in use were re-wrapped');
      assert.equal(await read(c.store, 'prod', 'A', { version: 1 }), 'value-a1');
      await c.store.put('prod', 'C', 'value-c', { actor: 'a' });
      assert.equal((await c.store.rotateMasterKey({ actor: 'ops' })).keyringVersion, 3);
      const store = await c.reopen();
      const expected: [string, number, string][] = [['A', 1, 'value-a1'], ['A', 2, 'value-a2'], ['B', 1, 'value-b'], ['C', 1, 'value-c']];
      for (const [secret, version, value] of expected) assert.equal(await read(store, 'prod', secret, { version }), value);
      assert.equal(await read(store, 'prod', 'A'), 'value-a2');
      await store.put('prod', 'D', 'value-d', { actor: 'a' });
      assert.equal(await read(store, 'prod', 'D'), 'value-d');
      const rotations = await store.auditEntries({ action: 'key-rotate' });
      assert.deepEqual(rotations.map((e) => [e.actor, e.outcome]), [['ops', 'ok'], ['ops', 'ok']]);
      assert.ok(rotations[0]?.detail?.includes('keyring version 2') && rotations[1]?.detail?.includes('keyring version 3'));
      assert.equal((await store.verifyAudit()).ok, true);
    }));

    test('environments are isolated: versions, stages, check-and-set, reuse, delete and destroy stay in their environment', run({}, async ({ store }) => {
      await store.put('dev', 'SHARED', 'dev-value-1', { actor: 'a' });
      await store.put('prod', 'SHARED', 'prod-value-1', { actor: 'a' });
      await store.put('prod', 'SHARED', 'prod-value-2', { actor: 'a' });
      assert.deepEqual([await read(store, 'dev', 'SHARED'), await read(store, 'prod', 'SHARED')], ['dev-value-1', 'prod-value-2']);
      await refused(() => store.get('dev', 'SHARED', { actor: 'a', stage: 'previous' }), 'COFFER_E_NOT_FOUND', ['prod-value-1']);
      await refused(() => store.get('dev', 'SHARED', { actor: 'a', version: 2 }), 'COFFER_E_NOT_FOUND', ['prod-value-2']);
      await refused(() => store.get('staging', 'SHARED', { actor: 'a' }), 'COFFER_E_NOT_FOUND');
      assert.deepEqual((await store.list('dev')).map((s) => [s.env, s.version]), [['dev', 1]]);
      assert.deepEqual((await store.list('prod')).map((s) => [s.env, s.version]), [['prod', 2]]);
      assert.deepEqual(await store.list('staging'), []);
      await store.put('dev', 'SHARED', 'dev-value-2', { actor: 'a', expectVersion: 1 });
      await store.put('prod', 'SHARED', 'dev-value-1', { actor: 'a', noReuse: true }); // a value only dev has used
      await refused(() => store.moveStage('dev', 'SHARED', 'current', 3, { actor: 'a' }), 'COFFER_E_NOT_FOUND');
      await store.delete('dev', 'SHARED', { actor: 'a' });
      assert.equal(await read(store, 'prod', 'SHARED'), 'dev-value-1');
      assert.deepEqual((await store.list('prod')).map((s) => s.name), ['SHARED']);
      await store.destroy('dev', 'SHARED', { actor: 'a' });
      assert.deepEqual((await store.history('prod', 'SHARED')).map((h) => h.version), [3, 2, 1]);
      assert.equal(await read(store, 'prod', 'SHARED', { version: 1 }), 'prod-value-1');
    }));

    test('a value survives close and reopen byte for byte: unicode, newlines, quotes and exactly 64 KiB', run({}, async (c) => {
      const values: Record<string, string> = {
        UNICODE: 'päßwörd — 秘密 🔑 ǅ e\u0301 \u00a0nbsp',
        NEWLINES: 'line one\nline two\r\n\nline four\n',
        BOM_AND_SPACES: '\ufeff  leading and trailing  ',
        QUOTES: 'it\'s "quoted" \\back\\slash $HOME ${X} `id` # not a comment',
        MAX_SIZE: ofBytes(64 * 1024),
      };
      assert.equal(Buffer.byteLength(values.MAX_SIZE ?? '', 'utf8'), 64 * 1024);
      const [single, ...batch] = Object.entries(values);
      await c.store.put('dev', single![0], single![1], { actor: 'a' });
      await c.store.putMany('dev', batch.map(([secret, value]) => ({ name: secret, value, options: { actor: 'a' } })));
      for (const [secret, value] of Object.entries(values)) assert.equal(await read(c.store, 'dev', secret), value);
      const auditBefore = (await c.store.auditEntries()).map((e) => `${e.seq} ${e.action} ${e.name ?? '-'}`);
      const store = await c.reopen();
      for (const [secret, value] of Object.entries(values)) {
        const back = await read(store, 'dev', secret);
        assert.ok(Buffer.from(back, 'utf8').equals(Buffer.from(value, 'utf8')), `${secret} changed on its way through the store`);
      }
      assert.deepEqual((await store.list('dev')).map((s) => s.name), Object.keys(values).sort());
      const auditAfter = (await store.auditEntries()).map((e) => `${e.seq} ${e.action} ${e.name ?? '-'}`);
      assert.deepEqual(auditAfter.slice(0, auditBefore.length), auditBefore, 'the audit log survives too');
      assert.equal((await store.verifyAudit()).ok, true);
    }));
  });
}

/** Runs `work` and expects a CofferError with `code` whose message and details show none of `values`. */
async function refused(work: () => unknown, code: ErrorCode, values: readonly string[] = []): Promise<CofferError> {
  let outcome: { error: unknown } | undefined;
  try {
    await work();
  } catch (error) {
    outcome = { error };
  }
  if (outcome === undefined) return assert.fail(`expected ${code}, but the operation succeeded`);
  if (!isCofferError(outcome.error)) throw outcome.error;
  const error = outcome.error;
  assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
  const shown = `${error.message} ${JSON.stringify(error.details)}`;
  for (const value of values) assert.ok(!shown.includes(value), `the ${code} error shows a secret value`);
  return error;
}

/** Asserts that no entry (MAC aside) contains any of `values`. */
function assertNoValues(entries: readonly AuditEntry[], values: readonly string[]): void {
  const text = JSON.stringify(entries.map(({ mac: _mac, ...fields }) => fields));
  for (const value of values) assert.ok(!text.includes(value), `an audit entry contains a value (${value.slice(0, 3)}...)`);
}

/**
 * Entries as `action actor env/name vVersion outcome`, with consecutive identical reads merged
 * and counted (` xN`): a store may coalesce reads into one entry whose detail starts with
 * `<count> reads`, but every read must be accounted for.
 */
function timeline(entries: readonly AuditEntry[]): string[] {
  const out: { key: string; reads: number }[] = [];
  for (const e of entries) {
    const key = `${e.action} ${e.actor} ${e.env ?? '-'}/${e.name ?? '-'} v${e.version ?? '-'} ${e.outcome}`;
    const reads = e.action === 'read' ? Number(/^(\d+) reads\b/.exec(e.detail ?? '')?.[1] ?? 1) : 0;
    const last = out.at(-1);
    if (reads > 0 && last?.key === key) last.reads += reads;
    else out.push({ key, reads });
  }
  return out.map(({ key, reads }) => (reads > 0 ? `${key} x${reads}` : key));
}

/** A value of exactly `bytes` UTF-8 bytes mixing multi-byte characters, tabs and newlines. */
function ofBytes(bytes: number): string {
  const unit = 'ligne ü 秘密 🔑\r\n\t"q" \\ $x\n';
  const unitBytes = Buffer.byteLength(unit, 'utf8');
  const whole = Math.floor(bytes / unitBytes);
  return unit.repeat(whole) + 'x'.repeat(bytes - whole * unitBytes);
}
