/**
 * End-to-end rotation of a credential that a real server checks (a PostgreSQL role, a Redis
 * user), with the built binary on a store project: `coffer rotate production NAME --yes` makes a
 * new value current that logs in; a kill -9 after each step (COFFER_FAILPOINT, the engine's
 * crash hook) followed by another `coffer rotate` ends fully rotated or fully rolled back, and
 * the value the store says is current always logs in afterwards; at the instant of the kill, the
 * stored current or pending value logs in (never both refused), and with an overlapping target
 * the current one does; two rotations of the secret at once: one runs, the other is refused.
 * Each target's test file calls {@link describeServerRotation}.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoValues, editConfig, sandbox, type RunResult, type Sandbox } from './_harness.js';

/** A fresh credential at a real server, and how the project's config rotates it. */
export interface ServerTarget {
  /** The secret (declared by `coffer init`: DB_PASSWORD, REDIS_PASSWORD). */
  readonly name: string;
  /** Whether the old credential keeps working through the grace period. */
  readonly overlapping: boolean;
  /** The value stored before the first rotation; the server accepts it. */
  readonly initial: string;
  /** The secret's `rotation` config block. */
  readonly rotation: Readonly<Record<string, unknown>>;
  /** Environment of every coffer run (the admin URL the options reference with `${env:...}`). */
  readonly env: Readonly<Record<string, string>>;
  /** Values that must never be printed besides the rotated ones (the admin password). */
  readonly secrets: readonly string[];
  /** Whether the server accepts `value` as the secret's credential now (a real login). */
  logsIn(value: string): Promise<boolean>;
}

/** Options of {@link describeServerRotation}. */
export interface ServerRotationOptions {
  /** Skip everything, with the reason (the server is not installed). */
  readonly skip: string | false;
}

const POINTS = ['after-create', 'after-set', 'after-test', 'after-finish', 'after-rollback'] as const;

/** Registers the end-to-end rotation tests for one kind of target; `makeTarget` gives a fresh credential per test. */
export function describeServerRotation(label: string, makeTarget: () => Promise<ServerTarget>, options: ServerRotationOptions): void {
  describe(`coffer rotate with a real server: ${label}`, { skip: options.skip }, () => {
    test('coffer rotate production NAME --yes: the new value logs in; the old one through the grace period exactly when the target overlaps, and not after --finalize', async () => {
      const { box, t, run, stored } = await project(makeTarget);
      try {
        const rotated = await run(['rotate', 'production', t.name, '--yes']);
        assert.equal(rotated.code, 0, rotated.stdout + rotated.stderr);
        const fresh = await stored('current');
        assert.notEqual(fresh, t.initial);
        assert.deepEqual([await t.logsIn(fresh), await t.logsIn(t.initial)], [true, t.overlapping]);
        assert.equal(await stored('previous'), t.overlapping ? t.initial : '');
        if (!t.overlapping) assert.match(rotated.stdout, /no grace period/);
        const finalized = await run(['rotate', 'production', '--finalize', t.name, '--yes']);
        assert.equal(finalized.code, 0, finalized.stdout + finalized.stderr);
        assert.deepEqual([await t.logsIn(fresh), await t.logsIn(t.initial)], [true, false]);
        assertNoValues(rotated, [...t.secrets, t.initial, fresh]);
      } finally {
        box.cleanup();
      }
    });

    for (const point of POINTS) {
      test(`kill -9 ${point}, then coffer rotate again: fully rotated or fully rolled back, and the stored current value logs in`, async () => {
        // after-rollback is reached by a failing health check that passes from the next run on.
        const { box, t, run, stored } = await project(makeTarget, point === 'after-rollback' ? { healthCheck: { command: ['sh', '-c', 'test -f healthy'] } } : {});
        try {
          const crashed = await run(['rotate', 'production', t.name, '--yes'], { COFFER_FAILPOINT: point });
          assert.equal(crashed.code, -1, `killed by SIGKILL: ${crashed.stdout}${crashed.stderr}`);
          const [current, pending] = [await stored('current'), await stored('pending')];
          assertNoValues(crashed, [...t.secrets, t.initial, current, pending]);
          const atKill = { current: await t.logsIn(current), pending: pending !== '' && (await t.logsIn(pending)) };
          assert.ok(atKill.current || atKill.pending, 'at the kill, the stored current or pending value logs in');
          if (t.overlapping) assert.equal(atKill.current, true, 'an overlapping target accepts the stored current value at every instant');
          if (point === 'after-rollback') writeFileSync(join(box.dir, 'healthy'), '');

          const recovered = await run(['rotate', 'production', t.name, '--yes']);
          assertNoValues(recovered, [...t.secrets, t.initial, current, pending]);
          if (point === 'after-finish' && t.overlapping) {
            // Finished and in its grace period: nothing to recover, so a new rotation is refused until it ends.
            assert.equal(recovered.code, 1);
            assert.match(recovered.stdout, /COFFER_E_ROTATION_IN_PROGRESS/);
          } else {
            assert.equal(recovered.code, 0, recovered.stdout + recovered.stderr);
          }
          const now = await stored('current');
          assert.equal(await t.logsIn(now), true, 'the value the store says is current logs in');
          assert.equal(await stored('pending'), '', 'nothing is left pending');
          if (!t.overlapping) assert.ok(!existsSync(join(box.dir, '.coffer', 'rotation', 'production', `${t.name}.json`)), 'a rotation with no grace period left no journal');
          if (now === t.initial) {
            assert.equal(await stored('previous'), '', 'rolled back: nothing else is live');
          } else {
            assert.equal(await t.logsIn(t.initial), t.overlapping, t.overlapping ? 'rotated: the old value works through its grace period' : 'rotated: the old value stopped at once');
            assert.equal(await stored('previous'), t.overlapping ? t.initial : '');
          }
          const finalized = await run(['rotate', 'production', '--finalize', t.name, '--yes']);
          assert.equal(finalized.code, 0, finalized.stdout + finalized.stderr);
          assert.equal(await t.logsIn(await stored('current')), true);
          if (now !== t.initial) assert.equal(await t.logsIn(t.initial), false, 'finalized: the old value is refused');
        } finally {
          box.cleanup();
        }
      });
    }

    test('two coffer rotate of the secret at once: one runs, the other is refused with COFFER_E_ROTATION_IN_PROGRESS', async () => {
      // The first run's health check holds it inside the rotation until the test lets it go.
      const hold = ['sh', '-c', 'touch started; while [ ! -f release ]; do sleep 0.05; done'];
      const { box, t, run, stored } = await project(makeTarget, { healthCheck: { command: hold, timeout: '60s' } });
      try {
        const first = run(['rotate', 'production', t.name, '--yes']);
        while (!existsSync(join(box.dir, 'started'))) await new Promise((r) => setTimeout(r, 50));
        const second = await run(['rotate', 'production', t.name, '--yes']);
        writeFileSync(join(box.dir, 'release'), '');
        const done = await first;
        assert.equal(done.code, 0, done.stdout + done.stderr);
        assert.equal(second.code, 1);
        assert.match(second.stdout, /COFFER_E_ROTATION_IN_PROGRESS.*Another coffer process/);
        const history = JSON.parse((await run(['history', '-e', 'production', t.name, '--json'])).stdout) as { versions: unknown[] };
        assert.equal(history.versions.length, 2, 'exactly one new version');
        assert.equal(await t.logsIn(await stored('current')), true);
      } finally {
        box.cleanup();
      }
    });
  });
}

/** A store project whose production `target.name` holds the target's initial value and rotates with its config (plus `extra`). */
async function project(makeTarget: () => Promise<ServerTarget>, extra: Readonly<Record<string, unknown>> = {}) {
  const t = await makeTarget();
  const box: Sandbox = sandbox();
  const run = (args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<RunResult> => box.run(args, { env: { ...t.env, ...env } });
  const stored = async (stage: 'current' | 'previous' | 'pending'): Promise<string> => {
    const result = await run(['get', '-e', 'production', t.name, '--stage', stage]);
    return result.code === 0 ? result.stdout.replace(/\n$/, '') : '';
  };
  try {
    assert.equal((await box.run(['init', '--yes'])).code, 0);
    editConfig(box, (config) => {
      config.secrets[t.name].rotation = { ...t.rotation, ...extra };
    });
    // --force: the initial value is random but made by the test, not by coffer's generator.
    const set = await box.run(['set', '-e', 'production', t.name, '--force'], { input: t.initial });
    assert.equal(set.code, 0, set.stderr);
  } catch (error) {
    box.cleanup();
    throw error;
  }
  return { box, t, run, stored };
}
