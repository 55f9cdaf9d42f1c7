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
export { initProject, GITIGNORE_ENTRIES, MIN_PASSPHRASE_LENGTH, type InitOptions, type InitFileResult, type InitResult, type InitStoreResult } from './project/init.js';
export { validateEnvironment, validateEnvFile, type ValidationOutcome, type ValidateEnvironmentRequest, type ValidateFileRequest } from './project/validate.js';
export { getSecret, listSecrets, secretHistory, type GetSecretRequest, type SecretValue, type SecretList, type SecretHistory, type HistoryEntry } from './project/secrets.js';
export { setSecret, type SetSecretRequest, type SetSecretResult } from './project/secret-set.js';
export { deleteSecret, restoreSecret, destroySecret, type DeleteSecretRequest, type DeleteSecretResult, type RestoreSecretResult } from './project/secret-lifecycle.js';
export { exportSecrets, EXPORT_FORMATS, type ExportFormat, type ExportRequest, type ExportResult } from './project/export.js';
export { importSecrets, IMPORT_FORMATS, type ImportFormat, type ImportRequest, type ImportResult, type ImportOutcome } from './project/import.js';
export { backupStore, restoreStoreBackup, type BackupRequest, type BackupResult, type RestoreRequest } from './project/backup.js';
export { openSqliteStore, SqliteStore, type OpenSqliteStoreOptions } from './store/sqlite-store.js';
export type { Store, VersionInfo, VersionRecord, PutOptions } from './store/types.js';
export { generateSecrets, type GenerateRequest, type GenerateResult, type GenerateOutcome } from './project/generate.js';
export { createSecretManager, getSecretManager, closeSecretManager } from './client/create.js';
export { SecretManager, isAuthError, type CacheEntry } from './client/manager.js';
export { defineSecrets, schemaFromConfig, type SecretDefinition, type SecretSchema, type SecretValueOf, type SecretNameOf, type ValueFor } from './client/schema.js';
export type { SecretManagerOptions, GetSecretOptions, HealthReport, SecretHealth, ChangeEvent, RefreshEvent, ErrorEvent, LogRecord } from './client/types.js';
export type { AccessEntry } from './client/audit-log.js';
export { selectProvider, detectProvider, createChainProvider, DETECTION_RULES } from './client/sources.js';
export { createJwtKeyring, createSigningKeyring, createEncryptionKeyring, type JwtKeyring, type JwtKeyringOptions, type JwtSignOptions, type JwtAlgorithm, type SigningKeyring, type SigningKeyringOptions, type Signature, type EncryptionKeyring, type EncryptionKeyringOptions, type KeyringOptions } from './client/keyring/index.js';
export type { VersionedValue } from './client/types.js';
