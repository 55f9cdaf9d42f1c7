/**
 * The commands on individual secrets: `get` (the one that returns a value, because the caller
 * asked for it), `list` and `history` (names, versions and dates, never values) here, with `set`
 * in secret-set.ts (apart, because the policy checks it loads take a while to load and reads do
 * not need them) and `delete`, `restore` and `destroy` in secret-lifecycle.ts. Each function
 * opens the environment's provider or store and closes it before returning. Commands that need
 * versions, stages or the audited actor use the embedded store directly; the rest work on any
 * provider that declares the capability they need.
 */
import { CofferError } from '../core/errors.js';
import type { Stage } from '../core/stages.js';
import { getEnvironment } from '../config/resolve.js';
import type { SecretListing } from '../providers/types.js';
import type { VersionInfo } from '../store/types.js';
import { openEnvironmentProvider } from './_environment.js';
import { assertSecretName, assertWholeNumber, openExistingStore, withStore, type SecretRequest } from './secret-common.js';

export { assertSecretName, wholeNumberOption, type SecretRequest } from './secret-common.js';

/** Options of {@link getSecret}. */
export interface GetSecretRequest extends SecretRequest {
  /** Read this version instead of the current one (providers with versions). */
  readonly version?: number;
  /** Read the version carrying this stage (providers with stages). */
  readonly stage?: Stage;
}

/** A secret's value with what its provider knows about it. Fields a provider does not keep are absent. */
export interface SecretValue {
  readonly name: string;
  readonly environment: string;
  readonly value: string;
  readonly version?: number;
  readonly stages?: readonly Stage[];
  /** When this value was set (ISO 8601). */
  readonly createdAt?: string;
  /** Who set it (store only). */
  readonly actor?: string;
  /** When it must be rotated (ISO 8601); null when the store has no date for it. */
  readonly rotateBy?: string | null;
}

/**
 * Reads one secret's value: the current one, or a version or stage on the embedded store.
 * Throws COFFER_E_NOT_FOUND when it is not set, COFFER_E_UNSUPPORTED when a version or stage is
 * asked of a provider without them.
 */
export async function getSecret(request: GetSecretRequest): Promise<SecretValue> {
  const { config, environment, name, version, stage } = request;
  assertSecretName(name);
  if (version !== undefined) assertWholeNumber(version, '--version', 1);
  if (version !== undefined && stage !== undefined) throw new CofferError('COFFER_E_USAGE', 'Give --version or --stage, not both.');
  if (getEnvironment(config, environment).provider === 'store') {
    return withStore(openExistingStore(request), async (es) => {
      const record = await es.store.get(es.env, name, { actor: es.actor, ...(version === undefined ? {} : { version }), ...(stage === undefined ? {} : { stage }) });
      return { name, environment, value: record.value, version: record.version, stages: record.stages, createdAt: record.createdAt, actor: record.actor, rotateBy: record.rotateBy };
    });
  }
  const provider = await openEnvironmentProvider(config, environment, request.access);
  try {
    const record = await provider.get(name, { ...(version === undefined ? {} : { version: String(version) }), ...(stage === undefined ? {} : { stage }) });
    const { metadata } = record;
    return {
      name, environment, value: record.value,
      ...(metadata.version === undefined || !/^\d+$/.test(metadata.version) ? {} : { version: Number(metadata.version) }),
      ...(metadata.updatedAt === undefined ? {} : { createdAt: metadata.updatedAt }),
      ...(metadata.rotateBy === undefined ? {} : { rotateBy: metadata.rotateBy }),
    };
  } finally {
    await provider.close();
  }
}

/** The result of {@link listSecrets}: names and metadata, no values. */
export interface SecretList {
  readonly environment: string;
  readonly location: string;
  readonly secrets: readonly SecretListing[];
}

/** Lists the secrets an environment's provider holds, sorted by name; values are never read. */
export async function listSecrets(request: Omit<SecretRequest, 'name'>): Promise<SecretList> {
  const { config, environment } = request;
  const provider = await openEnvironmentProvider(config, environment, request.access);
  try {
    if (!provider.capabilities.list) {
      throw new CofferError('COFFER_E_UNSUPPORTED', `The ${provider.id} provider of environment "${environment}" cannot list its secrets; use \`coffer get NAME\` for a known name.`);
    }
    return { environment, location: provider.location, secrets: await provider.list() };
  } finally {
    await provider.close();
  }
}

/** The result of {@link secretHistory}: every version, newest first, without values. */
export interface SecretHistory {
  readonly name: string;
  readonly environment: string;
  readonly versions: readonly HistoryEntry[];
}

/** One version in a secret's history. */
export type HistoryEntry = Omit<VersionInfo, 'env' | 'name'>;

/** Every version of a secret on the embedded store, newest first; COFFER_E_UNSUPPORTED elsewhere. */
export async function secretHistory(request: SecretRequest): Promise<SecretHistory> {
  const { environment, name } = request;
  assertSecretName(name);
  return withStore(openExistingStore(request), async (es) => ({
    name, environment,
    versions: (await es.store.history(es.env, name)).map(({ version, stages, createdAt, actor, rotateBy }) => ({ version, stages, createdAt, actor, rotateBy })),
  }));
}
