/**
 * Opens the @azure/keyvault-secrets SecretClient on first use. Both SDK packages load lazily
 * (an application that never reads Azure never loads them), and a missing one is
 * COFFER_E_MISSING_PACKAGE with its install command. The credential is the caller's, else
 * DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, ...),
 * which reads its own AZURE_* variables. A private CA (caCert) is trusted by this client and
 * the default credential only, never process-wide.
 */
import { readFile } from 'node:fs/promises';
import type { SecretClient } from '@azure/keyvault-secrets';
import { CofferError } from '../core/errors.js';
import { loadOptionalPackage } from '../io/optional-package.js';
import type { AzureSettings, TokenCredentialLike } from './_azure-options.js';

/** The SecretClient the provider uses. */
export type AzureSecretClient = SecretClient;

const USER = 'The azure-key-vault provider';

/** Creates the client for `vaultUrl`; `caFile` is already resolved against the project root. */
export async function createAzureClient(vaultUrl: URL, settings: AzureSettings, caFile: string | undefined, credential: TokenCredentialLike | undefined): Promise<AzureSecretClient> {
  const sdk = await loadOptionalPackage('@azure/keyvault-secrets', USER, () => import('@azure/keyvault-secrets'));
  const ca = caFile === undefined ? undefined : await readCa(caFile);
  const tls = ca === undefined ? {} : { tlsOptions: { ca } };
  const token = credential ?? await defaultCredential(settings, tls);
  return new sdk.SecretClient(vaultUrl.href.replace(/\/+$/, ''), token as ConstructorParameters<typeof sdk.SecretClient>[1], {
    ...tls,
    disableChallengeResourceVerification: settings.disableChallengeResourceVerification,
    // The SDK's retry policy waits as Retry-After asks on 429 and backs off on 5xx and network errors.
    retryOptions: { maxRetries: settings.maxAttempts - 1, retryDelayInMs: 500, maxRetryDelayInMs: 30_000 },
    userAgentOptions: { userAgentPrefix: 'coffer' },
  });
}

async function defaultCredential(settings: AzureSettings, tls: object): Promise<TokenCredentialLike> {
  const identity = await loadOptionalPackage('@azure/identity', USER, () => import('@azure/identity'));
  return new identity.DefaultAzureCredential({
    ...tls,
    ...(settings.authorityHost === undefined ? {} : { authorityHost: settings.authorityHost }),
    ...(settings.disableInstanceDiscovery ? { disableInstanceDiscovery: true } : {}),
  });
}

async function readCa(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CofferError('COFFER_E_FILE_UNREADABLE', `The Azure Key Vault CA certificate file ${file} cannot be read (${(error as { code?: string }).code ?? 'error'}); fix the caCert option.`, { details: { provider: 'azure-key-vault', file } });
  }
}
