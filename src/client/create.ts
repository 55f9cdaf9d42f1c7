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

// Created with the first caller's schema; each caller types it with its own (see getSecretManager).
let shared: Promise<SecretManager<SecretSchema>> | undefined;

/**
 * The process-wide manager, created on the first call with that call's options. A failed
 * creation is not kept, so a later call can try again. Typed by the schema like
 * {@link createSecretManager}; later calls get the same instance whatever options they pass, so
 * give every call the same schema (or none after the first: `getSecretManager<typeof schema>()`).
 *
 * @example
 * const secrets = await getSecretManager({ schema });
 * secrets.value('JWT_SECRET'); // string; a misspelt name does not compile
 */
export function getSecretManager<const S extends SecretSchema = SecretSchema>(options: SecretManagerOptions<S> = {}): Promise<SecretManager<S>> {
  if (shared !== undefined) return shared as unknown as Promise<SecretManager<S>>;
  const creating: Promise<SecretManager<S>> = createSecretManager(options).catch((error: unknown) => {
    // Only forget this attempt: a newer one (after closeSecretManager) stays.
    if (shared === (creating as unknown)) shared = undefined;
    throw error;
  });
  shared = creating as unknown as Promise<SecretManager<SecretSchema>>;
  return creating;
}

/** Closes and forgets the process-wide manager (tests, graceful shutdown). */
export async function closeSecretManager(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current !== undefined) await (await current.catch(() => undefined))?.close();
}
