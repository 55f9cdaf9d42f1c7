/**
 * Creating SecretManagers: `createSecretManager(options)` for one with its own cache, and
 * `getSecretManager()` for the process-wide one most applications want (the first call's
 * options win; later calls get the same instance).
 */
import { selectProvider } from './sources.js';
import { SecretManager } from './manager.js';
import type { SecretSchema } from './schema.js';
import type { SecretManagerOptions } from './types.js';

/**
 * Chooses the provider (see docs/sources.md) and returns a manager over it. Call
 * `initialize()` next to load every declared secret and fail fast on missing ones.
 *
 * @example
 * const secrets = await createSecretManager({ schema: defineSecrets({ JWT_SECRET: { category: 'jwt' } }) });
 * await secrets.initialize();
 * const signingKey = secrets.value('JWT_SECRET');
 */
export async function createSecretManager<const S extends SecretSchema = SecretSchema>(options: SecretManagerOptions<S> = {}): Promise<SecretManager<S>> {
  const { provider, reason } = await selectProvider({
    ...(options.provider !== undefined ? { provider: options.provider } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.providerOptions !== undefined ? { providerOptions: options.providerOptions } : {}),
    ...(options.fallback !== undefined ? { fallback: options.fallback } : {}),
  });
  return new SecretManager(provider, options, reason);
}

let shared: Promise<SecretManager> | undefined;

/**
 * The process-wide manager, created on the first call with that call's options. A failed
 * creation is not kept, so a later call can try again.
 */
export function getSecretManager(options: SecretManagerOptions = {}): Promise<SecretManager> {
  if (shared !== undefined) return shared;
  const creating: Promise<SecretManager> = createSecretManager(options).catch((error: unknown) => {
    // Only forget this attempt: a newer one (after closeSecretManager) stays.
    if (shared === creating) shared = undefined;
    throw error;
  });
  shared = creating;
  return creating;
}

/** Closes and forgets the process-wide manager (tests, graceful shutdown). */
export async function closeSecretManager(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current !== undefined) await (await current.catch(() => undefined))?.close();
}
