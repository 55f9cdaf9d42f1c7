/**
 * `coffer delete`, `restore` and `destroy`: the end of a secret's life. On the embedded store a
 * delete is soft (the secret disappears from reads and lists but keeps every version until its
 * recovery window ends, so `restore` can bring it back) and `destroy` removes every version for
 * good (its audit entries stay). Other providers delete in place, for good, and have neither
 * restore nor destroy. Confirmation is the caller's job; these functions act when called.
 */
import { CofferError, isCofferError } from '../core/errors.js';
import { getEnvironment } from '../config/resolve.js';
import { openEnvironmentProvider } from './_environment.js';
import { assertSecretName, assertWholeNumber, openExistingStore, storeLocationLabel, withStore, type SecretRequest } from './secret-common.js';

/** Longest recovery window a soft delete accepts, in days (ten years). */
const MAX_RECOVERY_DAYS = 3650;

/** Options of {@link deleteSecret}. */
export interface DeleteSecretRequest extends SecretRequest {
  /** Days the store keeps a deleted secret restorable; default the store's (7). Store only. */
  readonly recoveryDays?: number;
}

/** What {@link deleteSecret} did. */
export interface DeleteSecretResult {
  readonly name: string;
  readonly environment: string;
  readonly location: string;
  /** Until when `coffer restore` can bring it back (store only; other providers delete their own way). */
  readonly restorableUntil?: string;
}

/** Deletes one secret: soft on the store, elsewhere as the provider deletes; COFFER_E_NOT_FOUND when it is not set. */
export async function deleteSecret(request: DeleteSecretRequest): Promise<DeleteSecretResult> {
  const { config, environment, name, recoveryDays } = request;
  assertSecretName(name);
  if (recoveryDays !== undefined) assertWholeNumber(recoveryDays, '--recovery-days', 1, MAX_RECOVERY_DAYS);
  const env = getEnvironment(config, environment);
  if (env.provider === 'store') {
    return withStore(openExistingStore(request), async (es) => {
      const { purgeAfter } = await es.store.delete(es.env, name, { actor: es.actor, ...(recoveryDays === undefined ? {} : { recoveryDays }) });
      return { name, environment, location: storeLocationLabel(es), restorableUntil: purgeAfter };
    });
  }
  if (recoveryDays !== undefined) {
    throw new CofferError('COFFER_E_UNSUPPORTED', `--recovery-days needs the store provider; the ${env.provider} provider of environment "${environment}" deletes its own way (see docs/cli.md#coffer-delete-name). Drop the option.`);
  }
  const provider = await openEnvironmentProvider(config, environment, request.access);
  try {
    if (!provider.capabilities.write) throw new CofferError('COFFER_E_UNSUPPORTED', `The ${provider.id} provider of environment "${environment}" is read-only; delete ${name} where it is defined.`);
    await provider.delete(name);
    return { name, environment, location: provider.location };
  } finally {
    await provider.close();
  }
}

/** What {@link restoreSecret} did. */
export interface RestoreSecretResult {
  readonly name: string;
  readonly environment: string;
  /** The version that is current again. */
  readonly version?: number;
}

/** Brings back a soft-deleted secret of the embedded store with all its versions. */
export async function restoreSecret(request: SecretRequest): Promise<RestoreSecretResult> {
  const { environment, name } = request;
  assertSecretName(name);
  return withStore(openExistingStore(request), async (es) => {
    await es.store.restore(es.env, name, { actor: es.actor });
    const current = (await es.store.history(es.env, name)).find((v) => v.stages.includes('current'));
    return { name, environment, ...(current === undefined ? {} : { version: current.version }) };
  });
}

/** Removes a secret of the embedded store and every version of it for good (deleted or not). */
export async function destroySecret(request: SecretRequest): Promise<{ name: string; environment: string; versions: number }> {
  const { environment, name } = request;
  assertSecretName(name);
  return withStore(openExistingStore(request), async (es) => {
    // A secret with no version left still has a row to destroy; the store names what is missing.
    const versions = (await es.store.history(es.env, name).catch((error: unknown) => {
      if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return [];
      throw error;
    })).length;
    await es.store.destroy(es.env, name, { actor: es.actor });
    return { name, environment, versions };
  });
}
