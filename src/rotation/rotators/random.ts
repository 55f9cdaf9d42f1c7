/**
 * The `random` rotator: app-owned secrets that nothing outside Coffer has to accept (a session
 * secret, an internal token, a generic secret). The new value is a fresh random value of the
 * secret's category and length; there is no target to update, so set, test, rollback and
 * revoke change nothing, and the old value stays readable as `previous` during the grace
 * period for applications that accept both.
 */
import { z } from 'zod/v3';
import type { Rotator, RotatorFactory } from '../types.js';

/** Validates `RandomOptions` as written in a config file: none. */
export const optionsSchema = z.object({}).strict();

/** Options of the `random` rotator: none. */
export type RandomOptions = Readonly<Record<string, never>>;

/** Creates the `random` rotator. */
export const createRandomRotator: RotatorFactory<RandomOptions> = (): Rotator => ({
  id: 'random',
  traits: { overlapping: true, external: false },
  create: async (input) => input.generate(),
  set: async () => undefined,
  test: async () => undefined,
  rollback: async () => undefined,
  revoke: async () => undefined,
  close: async () => undefined,
});

export default createRandomRotator;
