/**
 * The conformance suite every rotator passes: the Rotator contract of src/rotation/types.ts
 * checked as a user notices it. With a target (a real PostgreSQL role, a Redis user, a service
 * kept by hooks), "accepts" is a real login: after set and test the new credential works; an
 * overlapping rotator keeps the old one working until revoke and a non-overlapping one ends it
 * at set (its declared trait is checked against the target); rollback brings the old one back
 * and refuses the new one, also when set never ran; every step repeated changes nothing more; a
 * rotation after a rolled-back one leaves no stale credential; no error holds a value. For every
 * rotator, app-owned ones included, the engine-visible behaviour is checked over a real store:
 * the new value is current, the old one is kept as `previous` exactly when the rotator is
 * overlapping, and retiring it ends the rotation.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type ResolvedSecret } from '../../src/config/resolve.js';
import type { CategoryId } from '../../src/core/categories.js';
import { isCofferError } from '../../src/core/errors.js';
import { generateSecret } from '../../src/core/generator.js';
import createStoreProvider from '../../src/providers/store.js';
import { RotationEngine } from '../../src/rotation/engine.js';
import type { CreateInput, RotationSubject, Rotator } from '../../src/rotation/types.js';

/** What a rotator's test hands to the suite for each case: a rotator and a fresh target. */
export interface RotatorTarget {
  readonly rotator: Rotator;
  /** The secret's category (decides the generated values). */
  readonly category: CategoryId;
  /** The value stored before the rotation; the target accepts it. */
  readonly initial: string;
  /**
   * Whether the target accepts `value` now (a real login). Omitted for app-owned rotators, which
   * have no target: the suite then checks what the engine and the store show.
   */
  accepts?(value: string): Promise<boolean>;
  /**
   * False when the rotator's test step cannot ask the target (the api-key hooks register and
   * withdraw but cannot check; a health check does that): the suite then does not expect test
   * to fail for a refused value. Default true.
   */
  readonly testAsksTarget?: boolean;
  /** Rotators for the same secret that cannot reach their target or are refused by it. */
  broken?(): Promise<readonly Rotator[]>;
  /** Removes what the case created. */
  close?(): Promise<void>;
}

const MASTER_KEY = 'beef'.repeat(16);

/** The forms a value takes in a message if it leaked: as is, and the password part of a URL. */
function leakForms(value: string): string[] {
  const forms = [value];
  try {
    const url = new URL(value);
    if (url.password !== '') forms.push(url.password, decodeURIComponent(url.password));
  } catch {
    // a bare password
  }
  return forms.filter((f) => f.length >= 6);
}

/** Fails when an error's message or details hold any form of `values`. */
export function assertNoValueIn(error: unknown, values: readonly string[]): void {
  const text = `${(error as Error).message} ${JSON.stringify((error as { details?: unknown }).details ?? {})}`;
  for (const value of values) for (const form of leakForms(value)) assert.ok(!text.includes(form), `a value leaked into: ${(error as Error).message}`);
}

/** Options of {@link describeRotatorConformance}. */
export interface RotatorSuiteOptions {
  /** Skip the whole suite, with the reason (the target's server is not installed here). */
  readonly skip?: string | false;
}

/**
 * Registers the suite for one rotator configuration; `makeTarget` is called once per case.
 *
 * @example
 * describeRotatorConformance('postgres (alternating)', async () => ({ rotator, category: 'database', initial, accepts }));
 */
export function describeRotatorConformance(name: string, makeTarget: () => Promise<RotatorTarget>, options: RotatorSuiteOptions = {}): void {
  const run = (title: string, body: (t: RotatorTarget, s: RotationSubject, create: () => Promise<string>, context: TestContext) => Promise<void>) =>
    test(title, async (context) => {
      const target = await makeTarget();
      const subject: RotationSubject = { name: 'CONFORMANCE_SECRET', environment: 'production', category: target.category, profile: 'production' };
      const secret = secretOf(target.category);
      const create = () => target.rotator.create({ subject, current: target.initial, generate: () => generate(secret) } satisfies CreateInput);
      try {
        await body(target, subject, create, context);
      } finally {
        await target.rotator.close();
        await target.rotator.close();
        await target.close?.();
      }
    });
  // A case whose every check is a login: an app-owned rotator (no `accepts`) runs its steps, which
  // must not throw, and the case is reported skipped rather than passing with nothing checked.
  const runLogin = (title: string, body: Parameters<typeof run>[1]) =>
    run(title, async (t, s, create, context) => {
      await body(t, s, create, context);
      if (!t.accepts) context.skip('app-owned rotator: no login to check at a target (its steps ran without error)');
    });
  const accepted = async (t: RotatorTarget, values: Record<string, string>) => {
    const result: Record<string, boolean> = {};
    for (const [key, value] of Object.entries(values)) result[key] = await (t.accepts as (v: string) => Promise<boolean>)(value);
    return result;
  };

  describe(`rotator conformance: ${name}`, { skip: options.skip ?? false }, () => {
    run('create makes a new value in the stored form, different each time, without touching the target', async (t, _s, create) => {
      const first = await create();
      const second = await create();
      assert.notEqual(first, t.initial);
      assert.notEqual(first, second);
      assert.equal(/^[a-z]+:\/\//.test(first), /^[a-z]+:\/\//.test(t.initial), 'a URL stays a URL, a bare password stays bare');
      if (/^[a-z]+:\/\//.test(t.initial)) assert.equal(new URL(first).host, new URL(t.initial).host, 'the URL keeps its host and port');
      if (t.accepts) assert.deepEqual(await accepted(t, { current: t.initial, created: first }), { current: true, created: false });
    });

    runLogin('after set and test the new value works; the old one works until revoke exactly when the rotator says it overlaps', async (t, s, create) => {
      const values = { current: t.initial, pending: await create() };
      await t.rotator.set(s, values);
      await t.rotator.test(s, values);
      if (t.accepts) assert.deepEqual(await accepted(t, values), { current: t.rotator.traits.overlapping, pending: true });
      await t.rotator.revoke(s, { previous: values.current, current: values.pending });
      if (t.accepts) assert.deepEqual(await accepted(t, values), { current: false, pending: true });
    });

    runLogin('every step repeated changes nothing more', async (t, s, create) => {
      const values = { current: t.initial, pending: await create() };
      for (let i = 0; i < 2; i++) await t.rotator.set(s, values);
      for (let i = 0; i < 2; i++) await t.rotator.test(s, values);
      if (t.accepts) assert.deepEqual(await accepted(t, values), { current: t.rotator.traits.overlapping, pending: true });
      for (let i = 0; i < 2; i++) await t.rotator.revoke(s, { previous: values.current, current: values.pending });
      if (t.accepts) assert.deepEqual(await accepted(t, values), { current: false, pending: true });
      await t.rotator.test(s, values);
    });

    runLogin('rollback after set restores the old value and refuses the new one; repeated, still; test then fails', async (t, s, create) => {
      const values = { current: t.initial, pending: await create() };
      await t.rotator.set(s, values);
      await t.rotator.rollback(s, values);
      await t.rotator.rollback(s, values);
      if (!t.accepts) return; // reported skipped by runLogin
      assert.deepEqual(await accepted(t, values), { current: true, pending: false });
      if (t.testAsksTarget === false) return;
      const error = await t.rotator.test(s, values).then(() => assert.fail('test must fail once the target refuses the value'), (e: unknown) => e);
      assert.ok(isCofferError(error), String(error));
      assertNoValueIn(error, [values.current, values.pending]);
    });

    runLogin('rollback when set never ran keeps the old value working', async (t, s, create) => {
      const values = { current: t.initial, pending: await create() };
      await t.rotator.rollback(s, values);
      if (t.accepts) assert.deepEqual(await accepted(t, values), { current: true, pending: false });
    });

    runLogin('set repeated after an interrupted set, then a rotation after a rolled-back one, leaves no stale credential', async (t, s, create) => {
      const abandoned = { current: t.initial, pending: await create() };
      await t.rotator.set(s, abandoned);
      await t.rotator.set(s, abandoned); // the journal said "setting": the step runs again
      await t.rotator.rollback(s, abandoned); // its test failed: rolled back
      const values = { current: t.initial, pending: await create() };
      await t.rotator.set(s, values);
      await t.rotator.test(s, values);
      await t.rotator.revoke(s, { previous: values.current, current: values.pending });
      if (t.accepts) assert.deepEqual(await accepted(t, { ...values, abandoned: abandoned.pending }), { current: false, pending: true, abandoned: false });
    });

    run('no error holds a value: an unreachable or refused target fails every step it touches with a CofferError naming no value', async (t, s, create, context) => {
      if (t.broken === undefined) return context.skip('no target that could fail');
      const broken = await t.broken();
      const values = { current: t.initial, pending: await create() };
      let failures = 0;
      for (const rotator of broken) {
        try {
          for (const step of [() => rotator.set(s, values), () => rotator.test(s, values), () => rotator.rollback(s, values), () => rotator.revoke(s, { previous: values.current, current: values.pending })]) {
            const error = await step().then(() => undefined, (e: unknown) => e);
            if (error === undefined) continue;
            failures++;
            assert.ok(isCofferError(error), `not a CofferError: ${String(error)}`);
            assertNoValueIn(error, [values.current, values.pending]);
          }
        } finally {
          await rotator.close();
        }
      }
      assert.ok(failures >= broken.length, 'each broken rotator failed at least one step');
      if (t.accepts) assert.deepEqual(await accepted(t, values), { current: true, pending: false }, 'failed steps changed nothing');
    });

    test('through the engine over a real store: the new value is current, the old one is kept as previous exactly when the rotator overlaps, and retiring ends it', async () => {
      const target = await makeTarget();
      const dir = mkdtempSync(join(tmpdir(), 'coffer-rotator-suite-'));
      const secret = secretOf(target.category);
      const provider = createStoreProvider({ environment: 'production' }, { cwd: dir, env: { COFFER_MASTER_KEY: MASTER_KEY, HOME: dir } });
      try {
        await provider.set(secret.name, target.initial);
        const engine = new RotationEngine({ provider, root: dir, environment: 'production', profile: 'production', rotatorFor: async () => target.rotator, generate: () => generate(secret), env: {} });
        const outcome = await engine.rotate(secret, { graceMs: 3_600_000 });
        assert.equal(outcome.status, 'rotated');
        const current = (await provider.get(secret.name)).value;
        assert.notEqual(current, target.initial);
        assert.ok(!JSON.stringify(outcome).includes(current) && !JSON.stringify(outcome).includes(target.initial), 'the outcome holds no value');
        const previous = await provider.get(secret.name, { stage: 'previous' }).then((r) => r.value, () => undefined);
        const overlapping = target.rotator.traits.overlapping;
        assert.equal(previous, overlapping ? target.initial : undefined, overlapping ? 'the old value stays readable for the grace period' : 'no grace: nothing is left to keep valid');
        assert.equal(outcome.graceUntil !== undefined, overlapping);
        if (target.accepts) assert.deepEqual({ current: await target.accepts(current), old: await target.accepts(target.initial) }, { current: true, old: overlapping });
        if (overlapping) assert.equal((await engine.finalize(secret, true))?.status, 'retired');
        assert.equal(await provider.get(secret.name, { stage: 'previous' }).then((r) => r.value, () => undefined), undefined);
        assert.equal((await provider.get(secret.name)).value, current);
        if (target.accepts) assert.deepEqual({ current: await target.accepts(current), old: await target.accepts(target.initial) }, { current: true, old: false });
      } finally {
        await provider.close();
        await target.close?.();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

function secretOf(category: CategoryId): ResolvedSecret {
  const config = resolveConfig({ version: 1, environments: { production: { provider: 'store' } }, secrets: { CONFORMANCE_SECRET: { category } } }, '/p/coffer.config.json');
  return config.secrets[0] as ResolvedSecret;
}

function generate(secret: ResolvedSecret): string {
  return generateSecret({ length: secret.generator.length, encoding: secret.generator.encoding, requiredClasses: secret.generator.requiredClasses });
}
