/**
 * Opens what holds a configured environment's values: its provider (any backend), or, for the
 * commands that only the embedded store supports (history, restore, destroy, audit, backup,
 * key management), the store itself. Options are checked against the provider's schema, and
 * errors name the environment and the config file.
 */
import { CofferError } from '../core/errors.js';
import { resolveValue } from '../core/references.js';
import { environmentLabel, getEnvironment, type Config } from '../config/resolve.js';
import { openProvider } from '../providers/registry.js';
import { defaultActor, optionsSchema as storeOptionsSchema, storeLocation, type StoreLocation, type StoreOptions } from '../providers/store.js';
import type { Provider, ProviderContext } from '../providers/types.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.js';

/** What the caller can add to a provider's context: who acts, and how to ask for a passphrase. */
export type AccessOptions = Partial<Pick<ProviderContext, 'actor' | 'passphrase' | 'env'>>;

/** The provider holding `environment`'s values. Close it when done. */
export async function openEnvironmentProvider(config: Config, environment: string, access: AccessOptions = {}): Promise<Provider> {
  const env = getEnvironment(config, environment);
  const options = resolveOptionReferences(env.options, access.env ?? process.env, `Config key environments.${environment}.options`);
  return openProvider(env.provider, options, { cwd: config.root, ...access }, environmentLabel(config, environment));
}

/**
 * Provider options may hold `${env:NAME}` references (an endpoint, a vault address), resolved
 * when the provider opens; errors name the config key, never a value.
 */
function resolveOptionReferences(options: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string | undefined>>, label: string): Record<string, unknown> {
  const resolveAny = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') return resolveValue(value, { env, label: path });
    if (Array.isArray(value)) return value.map((item, i) => resolveAny(item, `${path}[${i}]`));
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveAny(v, `${path}.${k}`)]));
    return value;
  };
  return resolveAny(options, label) as Record<string, unknown>;
}

/** An environment's slice of the embedded store. */
export interface EnvironmentStore {
  readonly store: SqliteStore;
  /** The environment's name inside the store (the `environment` option, default the config name). */
  readonly env: string;
  /** Who acts, for the audit log. */
  readonly actor: string;
  /** The store file. */
  readonly path: string;
}

/**
 * Opens the embedded store behind `environment`; COFFER_E_UNSUPPORTED when the environment keeps
 * its values elsewhere, COFFER_E_NOT_FOUND when the store does not exist and `create` is not set.
 * The caller closes `store`.
 */
export async function openEnvironmentStore(config: Config, environment: string, access: AccessOptions & { create?: boolean } = {}): Promise<EnvironmentStore> {
  const location = environmentStoreLocation(config, environment);
  const vars = access.env ?? process.env;
  const store = await openSqliteStore({
    path: location.path,
    env: vars,
    ...(access.create ? { create: true } : {}),
    ...(location.keyFile ? { keyFile: location.keyFile } : {}),
    ...(access.passphrase ? { passphrase: access.passphrase } : {}),
  });
  return { store, env: location.environment, actor: access.actor ?? defaultActor(vars), path: location.path };
}

/** Where the store behind `environment` lives; COFFER_E_UNSUPPORTED when it is not on the store. */
export function environmentStoreLocation(config: Config, environment: string): StoreLocation {
  const env = getEnvironment(config, environment);
  if (env.provider !== 'store') {
    throw new CofferError('COFFER_E_UNSUPPORTED', `Environment "${environment}" keeps its values in the ${env.provider} provider, which has no version history or audit log; this command needs \`"provider": "store"\` (${environmentLabel(config, environment)}).`);
  }
  const parsed = storeOptionsSchema.safeParse(env.options);
  if (!parsed.success) {
    throw new CofferError('COFFER_E_CONFIG_INVALID', `${environmentLabel(config, environment)}: invalid store options; see docs/providers/store.md.`);
  }
  return storeLocation(parsed.data as StoreOptions, config.root);
}
