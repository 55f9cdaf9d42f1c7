/**
 * Coffer's public entry point: re-exports only, no logic.
 *
 * @example
 * import { loadConfig, generateSecrets } from 'coffer';
 */
export * from './core/index.js';
export * from './config/index.js';
export type { Provider, ProviderCapabilities, ProviderContext, ProviderFactory, SecretRecord, SecretListing, SecretMetadata, SecretWrite, GetOptions, Stage } from './providers/types.js';
export { openProvider, PROVIDER_IDS, isProviderId, type ProviderId } from './providers/registry.js';
export { initProject, GITIGNORE_ENTRIES, type InitOptions, type InitFileResult } from './project/init.js';
export { generateSecrets, type GenerateRequest, type GenerateResult, type GenerateOutcome } from './project/generate.js';
