/**
 * The `api-key` rotator: API keys and admin tokens that Coffer issues. Two strategies: `grace`
 * (default) keeps the old key valid as `previous` for the grace period, so clients can move
 * over; `immediate` retires it at finish (a leaked key, or a service that accepts one key only).
 * Optional hook commands register the new key with the service that checks it and withdraw the
 * old one; each gets the key on its standard input (never in its arguments, where `ps` would
 * show it) and must exit 0. The old key is kept as `previous` (the backup) until revoked, and a
 * failed hook rolls back: with `immediate` the `register` hook is run again for the old key (a
 * service that keeps one key dropped it), then the `withdraw` hook for the new key.
 */
import { z } from 'zod/v3';
import { CofferError } from '../../core/errors.js';
import type { Rotator, RotatorFactory } from '../types.js';
import { commandName, describeFailure, runCommand } from '../_command.js';

/** Validates `ApiKeyOptions` as written in a config file. */
export const optionsSchema = z.object({
  strategy: z.enum(['grace', 'immediate']).optional(),
  register: z.array(z.string().min(1)).min(1).optional(),
  withdraw: z.array(z.string().min(1)).min(1).optional(),
}).strict();

/** Options of the `api-key` rotator. */
export interface ApiKeyOptions {
  /** `grace` (default): the old key stays valid for the grace period; `immediate`: it is retired at finish. */
  readonly strategy?: 'grace' | 'immediate';
  /** Command that makes the service accept a key read from its stdin; exit 0 on success. Default: none. */
  readonly register?: readonly string[];
  /** Command that makes the service refuse a key read from its stdin; exit 0 on success (also when unknown). Default: none. */
  readonly withdraw?: readonly string[];
}

/** Creates the `api-key` rotator. */
export const createApiKeyRotator: RotatorFactory<ApiKeyOptions> = (options, context): Rotator => {
  const run = async (hook: 'register' | 'withdraw', key: string, name: string) => {
    const command = options[hook];
    if (command !== undefined) await runHook(command, key, `${hook} hook of ${name}`, context.timeoutMs ?? 10_000, context.env);
  };
  return {
    id: 'api-key',
    traits: { overlapping: options.strategy !== 'immediate', external: options.register !== undefined },
    create: async (input) => input.generate(),
    set: async (subject, values) => run('register', values.pending, subject.name),
    test: async () => undefined,
    // With `immediate`, a service may keep one key and have dropped the old one at set: register it again.
    rollback: async (subject, values) => {
      if (options.strategy === 'immediate') await run('register', values.current, subject.name);
      await run('withdraw', values.pending, subject.name);
    },
    revoke: async (subject, values) => run('withdraw', values.previous, subject.name),
    close: async () => undefined,
  };
};

export default createApiKeyRotator;

async function runHook(command: readonly string[], key: string, what: string, timeoutMs: number, env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const outcome = await runCommand(command, { env, timeoutMs, stdin: key });
  if (outcome.code !== 0) throw new CofferError('COFFER_E_ROTATION_FAILED', `The ${what} (${commandName(command)}) ${describeFailure(outcome, timeoutMs)}.`);
}
