/**
 * `coffer rollback` as a library function: undoes the last rotation of one secret during its
 * grace period, through the engine (which holds the secret's lock and journal).
 */
import type { Config } from '../config/resolve.js';
import { openEnvironmentProvider, type AccessOptions } from '../project/_environment.js';
import type { RotationOutcome } from './engine.js';
import { createEngine, selectSecrets } from './rotate.js';

/** What to roll back. */
export interface RollbackRequest {
  readonly config: Config;
  readonly environment: string;
  readonly name: string;
  readonly access?: AccessOptions;
}

/** Rolls back the last rotation of `request.name`; see RotationEngine.rollback. */
export async function rollbackRotation(request: RollbackRequest): Promise<RotationOutcome> {
  const { config, environment } = request;
  const [secret] = selectSecrets(config, environment, [request.name]);
  const env = request.access?.env ?? process.env;
  const provider = await openEnvironmentProvider(config, environment, request.access);
  try {
    const engine = createEngine(config, environment, provider, env);
    return await engine.rollback(secret as NonNullable<typeof secret>);
  } finally {
    await provider.close();
  }
}
