/**
 * The registry of provider ids. Each id is the name of a file in src/providers/ and a subpath
 * export of the package; modules load lazily so an unused backend (and its SDK) costs nothing.
 * test/providers/registry.test.ts keeps this list, the files, package.json exports and
 * docs/providers/ in agreement.
 */
import { CofferError } from '../core/errors.js';
import type { Provider, ProviderContext, ProviderFactory } from './types.js';

type Loader = () => Promise<{ default: ProviderFactory<never> }>;

const LOADERS = {
  env: () => import('./env.js'),
  dotenv: () => import('./dotenv.js'),
} satisfies Record<string, Loader>;

/** Every provider id Coffer ships. */
export const PROVIDER_IDS = Object.keys(LOADERS) as ProviderId[];
/** A provider id. */
export type ProviderId = keyof typeof LOADERS;

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
export async function openProvider(id: string, options: Readonly<Record<string, unknown>>, context: Partial<ProviderContext> = {}): Promise<Provider> {
  if (!isProviderId(id)) {
    throw new CofferError('COFFER_E_UNKNOWN_PROVIDER', `Unknown provider "${id}"; available: ${PROVIDER_IDS.join(', ')}. Fix the "provider" of the environment in the config.`);
  }
  const factory = (await LOADERS[id]()).default as ProviderFactory<Readonly<Record<string, unknown>>>;
  return factory(options, context);
}
