/**
 * Coffer's project config: finding and validating the config file, and the resolved types.
 * Subpath export `coffer/config`.
 */
export { loadConfig, parseConfig, findConfigFile, CONFIG_FILE_NAMES, type LoadConfigOptions } from './load.js';
export { resolveConfig, getEnvironment, secretsOf, type Config, type ResolvedEnvironment, type ResolvedSecret } from './resolve.js';
export { configSchema, ENV_NAME, SECRET_NAME, type ConfigFile, type SecretEntry, type EnvironmentEntry } from './schema.js';
export { starterConfig, envExample, STANDARD_SECRETS, STARTER_PROVIDERS, type StarterProvider } from './starter.js';
