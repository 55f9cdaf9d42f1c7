/**
 * `coffer rollback` as a library function: undoes the last rotation of one secret during its
 * grace period, through the engine (which holds the secret's lock and journal). It takes exactly
 * one declared secret name: a group (`jwt`, `database`) or `all` is refused, because undoing a
 * rotation puts an old credential back, and doing that to a secret nobody named is how the
 * wrong one gets rolled back.
 */
import { CofferError } from '../core/errors.js';
import { secretsOf, type Config, type ResolvedSecret } from '../config/resolve.js';
import { openEnvironmentProvider, type AccessOptions } from '../project/_environment.js';
import type { RotationOutcome } from './engine.js';
import { createEngine, ROTATION_GROUPS } from './rotate.js';

/** What to roll back. */
export interface RollbackRequest {
  readonly config: Config;
  readonly environment: string;
  /** One declared secret name; never a group. */
  readonly name: string;
  readonly access?: AccessOptions;
}

/**
 * The declared secret `name` of `environment`, which `coffer rollback` undoes; COFFER_E_USAGE
 * for `all`, a group name or a name the environment does not declare. The CLI calls it before
 * asking for confirmation, so a wrong name is refused before anyone types yes.
 */
export function rollbackSecret(config: Config, environment: string, name: string): ResolvedSecret {
  const secret = secretsOf(config, environment).find((s) => s.name === name);
  if (secret !== undefined) return secret;
  const what = name === 'all' || Object.hasOwn(ROTATION_GROUPS, name) ? `"${name}" is a group, and rollback undoes one secret` : `"${name}" is not a secret of environment "${environment}"`;
  throw new CofferError('COFFER_E_USAGE', `${what}: name the secret, \`coffer rollback ${environment} NAME\`, once per secret (\`coffer status ${environment}\` shows which have an open rotation).`);
}

/** Rolls back the last rotation of `request.name`; see RotationEngine.rollback. */
export async function rollbackRotation(request: RollbackRequest): Promise<RotationOutcome> {
  const { config, environment } = request;
  const secret = rollbackSecret(config, environment, request.name);
  const env = request.access?.env ?? process.env;
  const provider = await openEnvironmentProvider(config, environment, request.access);
  try {
    const engine = createEngine(config, environment, provider, env);
    return await engine.rollback(secret);
  } finally {
    await provider.close();
  }
}
