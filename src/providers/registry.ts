/**
 * The registry of provider ids. Each id is the name of a file in src/providers/ and a subpath
 * export of the package; modules load lazily so an unused backend (and its SDK) costs nothing.
 * test/providers/registry.test.ts keeps this list, the files, package.json exports and
 * docs/providers/ in agreement.
 */
import type { z } from 'zod/v3';
import { CofferError } from '../core/errors.js';
import type { Provider, ProviderContext, ProviderFactory } from './types.js';

/** What every provider module exports: its factory and the schema of its config options. */
interface ProviderModule {
  default: ProviderFactory<never>;
  optionsSchema: z.ZodType;
}
type Loader = () => Promise<ProviderModule>;

const LOADERS = {
  env: () => import('./env.js'),
  dotenv: () => import('./dotenv.js'),
  store: () => import('./store.js'),
  file: () => import('./file.js'),
  'gcp-secret-manager': () => import('./gcp-secret-manager.js'),
  'aws-secrets-manager': () => import('./aws-secrets-manager.js'),
  'hashicorp-vault': () => import('./hashicorp-vault.js'),
  'azure-key-vault': () => import('./azure-key-vault.js'),
  kubernetes: () => import('./kubernetes.js'),
} satisfies Record<string, Loader>;

/** Every provider id Coffer ships. */
export const PROVIDER_IDS = Object.keys(LOADERS) as ProviderId[];
/** A provider id. */
export type ProviderId = keyof typeof LOADERS;

/** Short names accepted wherever a provider id is chosen at run time (`SECRET_PROVIDER=aws`). */
export const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  aws: 'aws-secrets-manager',
  gcp: 'gcp-secret-manager',
  azure: 'azure-key-vault',
  vault: 'hashicorp-vault',
  k8s: 'kubernetes',
};

/** True when `id` names a provider Coffer ships. */
export function isProviderId(id: string): id is ProviderId {
  return Object.hasOwn(LOADERS, id);
}

/**
 * Creates the provider `id` with options as written in a config file.
 *
 * @example
 * const provider = await openProvider('dotenv', { path: '.env.production' }, { cwd: root });
 */
export async function openProvider(
  id: string,
  options: Readonly<Record<string, unknown>>,
  context: Partial<ProviderContext> = {},
  /** Where the options come from, for messages (e.g. `environment "production" in coffer.config.json`). */
  where = 'provider options',
): Promise<Provider> {
  if (!isProviderId(id)) {
    throw new CofferError('COFFER_E_UNKNOWN_PROVIDER', `Unknown provider "${id}" (${where}); available: ${PROVIDER_IDS.join(', ')}.`);
  }
  const module = await LOADERS[id]();
  const parsed = module.optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = ['options', ...(issue?.path ?? []).map(String)].join('.');
    const what = issue?.code === 'unrecognized_keys' ? `unknown option "${issue.keys[0]}"` : (issue?.message ?? 'invalid');
    throw new CofferError('COFFER_E_CONFIG_INVALID', `${where}: ${path}: ${what} for the ${id} provider; see docs/providers/${id}.md.`);
  }
  const factory = module.default as ProviderFactory<Readonly<Record<string, unknown>>>;
  return factory(parsed.data as Readonly<Record<string, unknown>>, context);
}
