/**
 * The options of the azure-key-vault provider, their config-file schema, and how they resolve
 * against the environment (AZURE_KEYVAULT_URL, AZURE_KEYVAULT_NAME or AZURE_KEY_VAULT_NAME,
 * AZURE_AUTHORITY_HOST, AZURE_SECRET_PREFIX). Credentials never come from a config file: the
 * default is DefaultAzureCredential, which reads its own variables; code may pass a
 * TokenCredential.
 */
import { z } from 'zod/v3';
import { CofferError } from '../core/errors.js';

const TAG_KEY = z.string().min(1).max(512).refine((key) => !key.startsWith('coffer-'), 'keys starting with coffer- are Coffer\'s own');

/** Validates `AzureKeyVaultOptions` as written in a config file. */
export const optionsSchema = z.object({
  vaultUrl: z.string().url().refine((text) => /^https:\/\//i.test(text), 'an https:// URL such as https://shop-prod.vault.azure.net').optional(),
  vaultName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/, 'a vault name of 3-24 letters, digits and -').optional(),
  dnsSuffix: z.string().regex(/^[a-z0-9.-]+$/, 'a DNS suffix such as vault.azure.net').optional(),
  prefix: z.string().regex(/^[0-9A-Za-z-]{0,100}$/, 'letters, digits and - only').optional(),
  tags: z.record(TAG_KEY, z.string().max(256)).refine((tags) => Object.keys(tags).length <= 13, 'at most 13 tags (Key Vault keeps 15, Coffer uses 2)').optional(),
  recoverDeleted: z.boolean().optional(),
  caCert: z.string().min(1).optional(),
  authorityHost: z.string().url().optional(),
  disableInstanceDiscovery: z.boolean().optional(),
  disableChallengeResourceVerification: z.boolean().optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
  pollIntervalMs: z.number().int().min(10).max(60_000).optional(),
}).strict();

/** What the provider needs of a TokenCredential (@azure/core-auth); any @azure/identity credential fits. */
export interface TokenCredentialLike {
  getToken(scopes: string | string[], options?: object): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** Options of the `azure-key-vault` provider. */
export interface AzureKeyVaultOptions {
  /** The vault's URL (`https://shop-prod.vault.azure.net`). Default: AZURE_KEYVAULT_URL, else built from the vault name. */
  readonly vaultUrl?: string;
  /** The vault's name, used when no URL is given (`shop-prod` is `https://shop-prod.vault.azure.net`). Default: AZURE_KEYVAULT_NAME, else AZURE_KEY_VAULT_NAME. */
  readonly vaultName?: string;
  /** DNS suffix of vault names in a sovereign cloud (`vault.usgovcloudapi.net`, `vault.azure.cn`). Default `vault.azure.net`. */
  readonly dnsSuffix?: string;
  /** Put before every mapped name (`prod-` stores DB_PASSWORD as `prod-DB-PASSWORD`); `list` returns only secrets under it. Letters, digits and `-`. Default: AZURE_SECRET_PREFIX, else none. */
  readonly prefix?: string;
  /** Tags put on every version Coffer writes, beside Coffer's own `coffer-updated-at` and `coffer-rotate-by`. Default: `managed-by: coffer`. */
  readonly tags?: Readonly<Record<string, string>>;
  /** When a write meets a deleted but recoverable secret of the same name (soft delete), recover it and write on top (its history comes back); when false, the write fails with COFFER_E_CONFLICT saying so. Default true. */
  readonly recoverDeleted?: boolean;
  /** PEM file of the CA that signed the vault's certificate (a TLS-inspecting proxy, a private endpoint), resolved against the project root; also trusted by the default credential. Default: the system's CAs. */
  readonly caCert?: string;
  /** Microsoft Entra ID host for the default credential (`https://login.microsoftonline.us`). Default: AZURE_AUTHORITY_HOST, else the public cloud. */
  readonly authorityHost?: string;
  /** Skip Entra ID instance discovery (Azure Stack, private clouds, an authority host of your own). Default false. */
  readonly disableInstanceDiscovery?: boolean;
  /** Accept an authentication challenge whose resource is not the vault's domain (a vault behind a custom domain or a test server). Default false. */
  readonly disableChallengeResourceVerification?: boolean;
  /** Tries per call, retries included: the SDK retries throttling (waiting as Retry-After asks), 5xx and network failures with exponential backoff. Default 4. */
  readonly maxAttempts?: number;
  /** Milliseconds one request may take. Default 30000. */
  readonly timeoutMs?: number;
  /** Milliseconds between checks while a delete or a recovery completes. Default 2000. */
  readonly pollIntervalMs?: number;
  /** A TokenCredential (an @azure/identity credential) to use instead of DefaultAzureCredential. Code only. */
  readonly credential?: TokenCredentialLike;
}

/** Options resolved against the environment. */
export interface AzureSettings {
  /** The vault URL without a trailing slash, or undefined when none is configured. */
  readonly vaultUrl: string | undefined;
  readonly prefix: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly recoverDeleted: boolean;
  readonly caCert: string | undefined;
  readonly authorityHost: string | undefined;
  readonly disableInstanceDiscovery: boolean;
  readonly disableChallengeResourceVerification: boolean;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
}

/** Resolves `options` against the environment `vars`; reads no file and opens no connection. */
export function azureSettings(options: AzureKeyVaultOptions, vars: Readonly<Record<string, string | undefined>>): AzureSettings {
  const env = (name: string) => (vars[name] ?? '').trim() || undefined;
  // AZURE_SECRET_PREFIX is what teams moving from the requirements' secrets module already set.
  const prefix = options.prefix ?? env('AZURE_SECRET_PREFIX') ?? '';
  const source = options.prefix !== undefined ? '' : ' (AZURE_SECRET_PREFIX)';
  if (!/^[0-9A-Za-z-]{0,100}$/.test(prefix)) throw new CofferError('COFFER_E_CONFIG_INVALID', `The azure-key-vault prefix ${JSON.stringify(prefix.slice(0, 80))}${source} must be letters, digits and - (at most 100).`, { details: { provider: 'azure-key-vault' } });
  const name = options.vaultName ?? env('AZURE_KEYVAULT_NAME') ?? env('AZURE_KEY_VAULT_NAME');
  const url = options.vaultUrl ?? env('AZURE_KEYVAULT_URL') ?? (name === undefined ? undefined : `https://${name}.${options.dnsSuffix ?? 'vault.azure.net'}`);
  return {
    vaultUrl: url?.replace(/\/+$/, ''),
    prefix,
    tags: options.tags ?? { 'managed-by': 'coffer' },
    recoverDeleted: options.recoverDeleted ?? true,
    caCert: options.caCert,
    authorityHost: options.authorityHost ?? env('AZURE_AUTHORITY_HOST'),
    disableInstanceDiscovery: options.disableInstanceDiscovery ?? false,
    disableChallengeResourceVerification: options.disableChallengeResourceVerification ?? false,
    maxAttempts: options.maxAttempts ?? 4,
    timeoutMs: options.timeoutMs ?? 30_000,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
  };
}

/** The vault URL, checked; COFFER_E_CONFIG_INVALID when none is configured or it is not https. */
export function requireVaultUrl(settings: AzureSettings): URL {
  if (settings.vaultUrl === undefined) {
    throw new CofferError('COFFER_E_CONFIG_INVALID', 'The azure-key-vault provider needs a vault: set the vaultUrl or vaultName option, or AZURE_KEYVAULT_URL (https://<name>.vault.azure.net) or AZURE_KEYVAULT_NAME.', { details: { provider: 'azure-key-vault' } });
  }
  let url: URL | undefined;
  try {
    url = new URL(settings.vaultUrl);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') {
    throw new CofferError('COFFER_E_CONFIG_INVALID', `The Azure Key Vault URL ${JSON.stringify(settings.vaultUrl.slice(0, 100))} is not an https:// URL (Key Vault only speaks TLS); fix vaultUrl or AZURE_KEYVAULT_URL.`, { details: { provider: 'azure-key-vault' } });
  }
  return url;
}
