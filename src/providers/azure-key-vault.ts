/**
 * The `azure-key-vault` provider: secrets in Azure Key Vault, one Key Vault secret per Coffer
 * secret, named by a reversible mapping (`DB_PASSWORD` is `DB-PASSWORD`; _azure-names.ts) under
 * an optional prefix. Every write adds a version (Key Vault's 32-character ids); reads take the
 * latest or a given version; versions can be disabled and enabled; Coffer's dates and the
 * configured tags go on each version as tags. `delete` is Key Vault's soft delete, and
 * `recover`, `purge` and `deleted` reach the recycle bin; a write that meets a soft-deleted
 * secret of the same name recovers it first (or says so, with `recoverDeleted: false`).
 *
 * The SDK (@azure/keyvault-secrets, with @azure/identity for DefaultAzureCredential) loads on
 * the first call (_azure-client.ts). docs/providers/azure-key-vault.md lists the options, the
 * RBAC roles and the errors.
 */
import { resolve } from 'node:path';
import { CofferError, isCofferError } from '../core/errors.js';
import { createAzureClient, type AzureSecretClient } from './_azure-client.js';
import { azureError } from './_azure-errors.js';
import { cofferName, vaultName } from './_azure-names.js';
import { azureSettings, optionsSchema, requireVaultUrl, type AzureKeyVaultOptions, type TokenCredentialLike } from './_azure-options.js';
import { META_TAGS, writeAll, type KeyVaultOps } from './_azure-writes.js';
import type { GetOptions, Provider, ProviderFactory, SecretListing, SecretMetadata, SecretRecord, SecretWrite } from './types.js';

/** The options (see {@link AzureKeyVaultOptions}) and their config-file schema. */
export { optionsSchema, type AzureKeyVaultOptions, type TokenCredentialLike };

/** A soft-deleted secret, as `deleted()` lists it. */
export interface DeletedSecretListing {
  readonly name: string;
  /** When it was deleted (ISO 8601). */
  readonly deletedAt?: string;
  /** When Key Vault purges it for good unless it is recovered (ISO 8601). */
  readonly purgeAt?: string;
}

/** The azure-key-vault provider, with Key Vault's operations beyond the Provider contract. */
export interface AzureKeyVaultProvider extends Provider {
  /** Readable (enabled) versions, newest first, without values. */
  versions(name: string): Promise<SecretListing[]>;
  /** Makes a version unreadable until enabled again (a leaked value, while consumers move on). */
  disableVersion(name: string, version: string): Promise<void>;
  /** Makes a disabled version readable again. */
  enableVersion(name: string, version: string): Promise<void>;
  /** The tags of the latest version (or of `version`), Coffer's own `coffer-*` tags included. */
  tags(name: string, version?: string): Promise<Record<string, string>>;
  /** Replaces the tags of the latest version (or of `version`); Coffer's own `coffer-*` tags are kept. */
  setTags(name: string, tags: Readonly<Record<string, string>>, version?: string): Promise<void>;
  /** Brings back a soft-deleted secret with all its versions, and waits until it is readable. */
  recover(name: string): Promise<void>;
  /** Removes a secret for good: a soft-deleted one, or a live one after deleting it. Its versions cannot be recovered. */
  purge(name: string): Promise<void>;
  /** The soft-deleted secrets under the prefix, sorted by name. */
  deleted(): Promise<DeletedSecretListing[]>;
}

/**
 * Creates a provider over an Azure Key Vault.
 *
 * @example
 * // AZURE_KEYVAULT_URL=https://shop-prod.vault.azure.net, credentials as DefaultAzureCredential finds them
 * const vault = createAzureKeyVaultProvider({ prefix: 'api-' });
 * await vault.get('DB_PASSWORD'); // the secret api-DB-PASSWORD
 */
export const createAzureKeyVaultProvider: ProviderFactory<AzureKeyVaultOptions> = (options = {}, context = {}) => createKeyVaultProvider(options, context);

/** {@link createAzureKeyVaultProvider}, typed with the methods beyond the contract. */
export function createKeyVaultProvider(options: AzureKeyVaultOptions = {}, context: Parameters<ProviderFactory<AzureKeyVaultOptions>>[1] = {}): AzureKeyVaultProvider {
  const s = azureSettings(options, context.env ?? process.env);
  const cwd = context.cwd ?? process.cwd();
  const vault = s.vaultUrl ?? '(no vault configured)';
  const request = { requestOptions: { timeout: s.timeoutMs } };
  const poll = { ...request, intervalInMs: s.pollIntervalMs };
  let client: Promise<AzureSecretClient> | undefined;
  let closed = false;

  const open = (): Promise<AzureSecretClient> => {
    if (closed) throw new CofferError('COFFER_E_USAGE', 'The azure-key-vault provider was closed; open a new one.');
    const url = requireVaultUrl(s);
    client ??= createAzureClient(url, s, s.caCert === undefined ? undefined : resolve(cwd, s.caCert), options.credential);
    client.catch(() => (client = undefined));
    return client;
  };
  const kvName = (name: string) => vaultName(name, s.prefix);
  /** Runs `work` with the client; any failure becomes a CofferError naming `name`. */
  const call = async <T>(what: string, name: string | undefined, work: (c: AzureSecretClient, id: string) => Promise<T>): Promise<T> => {
    const id = name === undefined ? '' : kvName(name);
    const c = await open();
    try {
      return await work(c, id);
    } catch (error) {
      throw azureError(error, { what, vault, ...(name !== undefined ? { name } : {}) });
    }
  };
  const checkVersion = (name: string, version: string) => {
    if (!/^[0-9A-Za-z]{1,64}$/.test(version)) throw new CofferError('COFFER_E_USAGE', `"${version.slice(0, 70)}" is not a Key Vault version id of ${name} (32 letters and digits, as versions() lists them).`, { details: { provider: 'azure-key-vault', name } });
    return version;
  };
  const readSecret = (name: string, version?: string) => call(`read of ${name}${version ? ` (version ${version})` : ''}`, name, (c, id) => c.getSecret(id, { ...request, ...(version ? { version } : {}) }));
  const softDelete = (name: string) => call(`delete of ${name}`, name, async (c, id) => {
    await (await c.beginDeleteSecret(id, poll)).pollUntilDone();
  });
  const purgeDeleted = (name: string) => call(`purge of ${name}`, name, (c, id) => c.purgeDeletedSecret(id, request));
  const recoverDeleted = (name: string) => call(`recovery of ${name}`, name, async (c, id) => {
    await (await c.beginRecoverDeletedSecret(id, poll)).pollUntilDone();
  });
  const propertiesOfVersions = (name: string) => call(`versions of ${name}`, name, async (c, id) => {
    const all = [];
    for await (const page of c.listPropertiesOfSecretVersions(id, request).byPage()) all.push(...page);
    return all;
  });
  /** Enabled versions, newest first: the latest one, then by creation time (Key Vault keeps seconds). */
  const enabledVersions = async (name: string) => {
    const all = (await propertiesOfVersions(name)).filter((v) => v.enabled !== false);
    const latest = all.length === 0 ? undefined : await readSecret(name).then((r) => r.properties.version, () => undefined);
    const time = (d: Date | undefined) => d?.getTime() ?? 0;
    return all.sort((a, b) => Number(b.version === latest) - Number(a.version === latest) || time(b.createdOn) - time(a.createdOn));
  };
  const write = (name: string, value: string, tags: Record<string, string>, contentType?: string) => call(`write of ${name}`, name, async (c, id) => {
    const put = () => c.setSecret(id, value, { ...request, tags, ...(contentType ? { contentType } : {}) });
    try {
      await put();
      return { recovered: false };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    }
    if (!s.recoverDeleted) {
      throw new CofferError('COFFER_E_CONFLICT', `${name} is deleted but recoverable in Azure Key Vault (${vault}) (soft delete), so its name cannot be written: recover it (\`recover\`), purge it (\`purge\`), or set recoverDeleted to true.`, { details: { provider: 'azure-key-vault', name } });
    }
    // The name is held by a soft-deleted secret: bring it back (with its history), then write on top.
    await (await c.beginRecoverDeletedSecret(id, poll)).pollUntilDone();
    await put();
    return { recovered: true };
  });
  const ops: KeyVaultOps = {
    async current(name) {
      try {
        const secret = await call(`read of ${name}`, name, (c, id) => c.getSecret(id, request));
        return { value: secret.value ?? '', tags: { ...secret.properties.tags }, ...(secret.properties.contentType ? { contentType: secret.properties.contentType } : {}) };
      } catch (error) {
        // A disabled latest version is not an absent secret: the batch stops rather than treat it as new.
        if (isCofferError(error, 'COFFER_E_NOT_FOUND') && error.details.disabled !== true) return undefined;
        throw error;
      }
    },
    write,
    remove: softDelete,
    purge: purgeDeleted,
    async recentValues(name, count) {
      const versions = (await enabledVersions(name)).slice(0, count);
      return Promise.all(versions.map(async (v) => (await readSecret(name, v.version)).value ?? ''));
    },
  };
  const setMany = async (writes: readonly SecretWrite[]): Promise<void> => {
    const seen = new Set<string>();
    for (const w of writes) {
      const id = kvName(w.name).toUpperCase();
      if (seen.has(id)) throw new CofferError('COFFER_E_USAGE', `${w.name} is written twice in one batch; give each secret once.`, { details: { provider: 'azure-key-vault', name: w.name } });
      seen.add(id);
    }
    await writeAll(ops, s.tags, writes);
  };
  const tagsOf = async (name: string, version?: string): Promise<Record<string, string>> => ({ ...(await readSecret(name, version === undefined ? undefined : checkVersion(name, version))).properties.tags });
  const versionOf = async (name: string, version: string | undefined) => (version === undefined ? (await readSecret(name)).properties.version : checkVersion(name, version));

  return {
    id: 'azure-key-vault',
    location: `Azure Key Vault (${vault}${s.prefix ? `, prefix ${s.prefix}` : ''})`,
    capabilities: { write: true, list: true, versions: true, stages: false, metadata: true, persistent: true },
    async get(name: string, getOptions: GetOptions = {}): Promise<SecretRecord> {
      if (getOptions.stage !== undefined) throw new CofferError('COFFER_E_UNSUPPORTED', 'Azure Key Vault keeps versions, not stages (current, previous, pending); read the latest or a version id.');
      const secret = await readSecret(name, getOptions.version === undefined ? undefined : checkVersion(name, getOptions.version));
      const { version } = secret.properties;
      return { name, value: secret.value ?? '', metadata: { ...(version ? { version } : {}), ...metadataOf(secret.properties) } };
    },
    async list(): Promise<SecretListing[]> {
      return call('list', undefined, (c) => underPrefix(c.listPropertiesOfSecrets(request).byPage(), s.prefix, (name, p) => ({ name, metadata: metadataOf(p) })));
    },
    set: (name: string, value: string, metadata?: SecretWrite['metadata']) => setMany([{ name, value, ...(metadata ? { metadata } : {}) }]),
    setMany,
    delete: softDelete,
    async versions(name: string): Promise<SecretListing[]> {
      return (await enabledVersions(name)).map((v) => ({ name, metadata: { ...(v.version ? { version: v.version } : {}), ...metadataOf(v) } }));
    },
    async disableVersion(name: string, version: string): Promise<void> {
      await call(`disable of version ${version} of ${name}`, name, (c, id) => c.updateSecretProperties(id, checkVersion(name, version), { ...request, enabled: false }));
    },
    async enableVersion(name: string, version: string): Promise<void> {
      await call(`enable of version ${version} of ${name}`, name, (c, id) => c.updateSecretProperties(id, checkVersion(name, version), { ...request, enabled: true }));
    },
    tags: tagsOf,
    async setTags(name: string, tags: Readonly<Record<string, string>>, version?: string): Promise<void> {
      const target = await versionOf(name, version);
      const own = Object.fromEntries(Object.entries(await tagsOf(name, target)).filter(([key]) => key.startsWith('coffer-')));
      const given = Object.fromEntries(Object.entries(tags).filter(([key]) => !key.startsWith('coffer-')));
      await call(`tag update of ${name}`, name, (c, id) => c.updateSecretProperties(id, target ?? '', { ...request, tags: { ...given, ...own } }));
    },
    recover: recoverDeleted,
    async purge(name: string): Promise<void> {
      try {
        await purgeDeleted(name);
      } catch (error) {
        if (!isCofferError(error, 'COFFER_E_NOT_FOUND')) throw error;
        // Not in the recycle bin: a live secret is deleted first (a missing one stays NOT_FOUND).
        await softDelete(name);
        await purgeDeleted(name);
      }
    },
    async deleted(): Promise<DeletedSecretListing[]> {
      return call('list of deleted secrets', undefined, (c) => underPrefix(c.listDeletedSecrets(request).byPage(), s.prefix, (name, d) => ({
        name,
        ...(d.properties.deletedOn ? { deletedAt: d.properties.deletedOn.toISOString() } : {}),
        ...(d.properties.scheduledPurgeDate ? { purgeAt: d.properties.scheduledPurgeDate.toISOString() } : {}),
      })));
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}

export default createAzureKeyVaultProvider;

/** The entries of every page whose Key Vault name is a Coffer name under `prefix`, sorted by that name. */
async function underPrefix<T extends { name: string }, R extends { name: string }>(pages: AsyncIterable<T[]>, prefix: string, entry: (name: string, item: T) => R): Promise<R[]> {
  const found: R[] = [];
  for await (const page of pages) {
    for (const item of page) {
      const name = cofferName(item.name, prefix);
      if (name !== undefined) found.push(entry(name, item));
    }
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Coffer's dates from a version's tags, else the version's own update time. */
function metadataOf(p: { tags?: Record<string, string>; updatedOn?: Date }): Omit<SecretMetadata, 'version'> {
  const updatedAt = p.tags?.[META_TAGS.updatedAt] ?? p.updatedOn?.toISOString();
  const rotateBy = p.tags?.[META_TAGS.rotateBy];
  return { ...(updatedAt ? { updatedAt } : {}), ...(rotateBy ? { rotateBy } : {}) };
}
