/**
 * The `hashicorp-vault` provider: secrets in a HashiCorp Vault key/value engine (KV v2 by
 * default, or KV v1), spoken to over Vault's HTTP API without an SDK. Each Coffer secret is one
 * Vault secret at `<mount>/<prefix><NAME>` whose data holds the value in the field `value`;
 * `NAME#FIELD` reads another field of an existing secret, and the `paths` option points a
 * Coffer name at any secret and field. On KV v2, versions are Vault's version numbers, writes
 * are check-and-set, the set and rotate-by dates live in the secret's custom metadata, `delete`
 * is Vault's soft delete, and `undelete`, `destroy`, `purge` and `checkAndSet` are offered beyond
 * the Provider contract. Tokens come from VAULT_TOKEN, ~/.vault-token or an AppRole login and
 * are renewed while in use (_vault-auth.ts); nothing is read or sent before the first call.
 * docs/providers/hashicorp-vault.md lists the options, the policy to grant and the errors.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CofferError } from '../core/errors.js';
import { createVaultAuth, type VaultCredentials } from './_vault-auth.js';
import { createVaultHttp, type VaultHttp } from './_vault-http.js';
import { createKv, type KvMetadata, type KvSubject } from './_vault-kv.js';
import { optionsSchema, resolveName, vaultSettings, type HashicorpVaultOptions } from './_vault-options.js';
import { checkAndSet, metadataFromCustom, writeAll } from './_vault-writes.js';
import type { GetOptions, Provider, ProviderFactory, SecretListing, SecretRecord, SecretWrite } from './types.js';

/** The options (see {@link HashicorpVaultOptions}) and their config-file schema. */
export { optionsSchema, type HashicorpVaultOptions };

/** The hashicorp-vault provider, with KV v2's operations beyond the Provider contract. */
export interface VaultProvider extends Provider {
  /** Every readable version, newest first (KV v2; COFFER_E_UNSUPPORTED on KV v1). */
  versions(name: string): Promise<SecretListing[]>;
  /**
   * KV v2: writes `value` only when the secret's current version is `version` (`0`: only when it
   * does not exist); COFFER_E_CONFLICT otherwise. Returns the new version.
   */
  checkAndSet(name: string, value: string, version: string, metadata?: SecretWrite['metadata']): Promise<string>;
  /** KV v2: brings back soft-deleted versions (default: the latest version). */
  undelete(name: string, versions?: readonly string[]): Promise<void>;
  /** KV v2: destroys versions for good (their data is erased; the version numbers stay in the history). */
  destroy(name: string, versions: readonly string[]): Promise<void>;
  /** Removes the secret entirely: on KV v2 every version and the metadata, on KV v1 the secret. */
  purge(name: string): Promise<void>;
}

/**
 * Creates a provider over a Vault KV mount.
 *
 * @example
 * // VAULT_ADDR and VAULT_TOKEN set; secret/data/app/production/DB_PASSWORD holds { value: "..." }
 * const vault = createHashicorpVaultProvider({ prefix: 'app/production/' });
 * await vault.get('DB_PASSWORD');
 * await vault.get('DATABASE#password'); // the field "password" of app/production/DATABASE
 */
export const createHashicorpVaultProvider: ProviderFactory<HashicorpVaultOptions> = (options = {}, context = {}) => createVaultProvider(options, context);

/** {@link createHashicorpVaultProvider}, typed with the methods beyond the contract. */
export function createVaultProvider(options: HashicorpVaultOptions = {}, context: Parameters<ProviderFactory<HashicorpVaultOptions>>[1] = {}): VaultProvider {
  const vars = context.env ?? process.env;
  const cwd = context.cwd ?? process.cwd();
  const s = vaultSettings(options, vars);
  const kvVersion = s.kvVersion;
  const where = `${s.address ?? 'VAULT_ADDR not set'}${s.namespace === undefined ? '' : `, namespace ${s.namespace}`}`;
  let transport: Promise<VaultHttp> | undefined;
  const http: VaultHttp = {
    async send(request) {
      transport ??= openTransport(s.address, s.namespace, s.caCert === undefined ? undefined : resolve(cwd, s.caCert), s.timeoutMs, s.maxAttempts);
      transport.catch(() => (transport = undefined));
      return (await transport).send(request);
    },
  };
  const home = vars.HOME || homedir();
  const credentials: VaultCredentials = s.auth === 'approle'
    ? { method: 'approle', roleId: s.roleId, secretId: s.secretId, secretIdFile: s.secretIdFile === undefined ? undefined : resolve(cwd, s.secretIdFile), mount: s.approleMount }
    : s.token !== undefined
      ? { method: 'token', token: s.token, source: s.tokenSource }
      : { method: 'token', source: 'the token file', file: s.tokenFile === undefined ? join(home, '.vault-token') : resolve(cwd, s.tokenFile) };
  const auth = createVaultAuth({ credentials, http, where, renew: s.renew, now: options.now ?? Date.now });
  const kv = createKv({ http, auth, mount: s.mount, version: kvVersion, where });
  const subject = (name: string, access: 'read' | 'write', values?: readonly string[]) => ({ ...resolveName(name, s.prefix, s.paths, access), ...(values ? { values } : {}) });
  const v2Only = (what: string) => {
    if (kvVersion !== 2) throw new CofferError('COFFER_E_UNSUPPORTED', `${what} needs KV version 2; the Vault mount "${s.mount}/" is used as KV version 1.`);
  };
  const missing = (t: KvSubject) => new CofferError('COFFER_E_NOT_FOUND', `Secret ${t.name} ("${s.mount}/${t.path}") does not exist in Vault (${where}).`, { details: { provider: 'hashicorp-vault', name: t.name, path: t.path } });
  /** The v2 metadata of a secret whose latest version is readable; COFFER_E_NOT_FOUND otherwise. */
  const liveMetadata = async (t: KvSubject): Promise<KvMetadata> => {
    const metadata = await kv.metadata(t);
    if (metadata === undefined || !isLive(metadata)) throw missing(t);
    return metadata;
  };
  const setMany = async (writes: readonly SecretWrite[]): Promise<void> => {
    const subjects = writes.map((w) => subject(w.name, 'write', [w.value]));
    const seen = new Set<string>();
    for (const t of subjects) {
      if (seen.has(t.path)) throw new CofferError('COFFER_E_USAGE', `${t.name} is written twice in one batch; give each secret once.`, { details: { name: t.name } });
      seen.add(t.path);
    }
    await writeAll(kv, { kvVersion, cas: s.checkAndSet }, subjects, writes);
  };

  return {
    id: 'hashicorp-vault',
    location: `HashiCorp Vault (${where}, mount ${s.mount}/, KV v${kvVersion}${s.prefix === '' ? '' : `, prefix ${s.prefix}`})`,
    capabilities: { write: true, list: true, versions: kvVersion === 2, stages: false, metadata: kvVersion === 2, persistent: true },
    async get(name: string, getOptions: GetOptions = {}): Promise<SecretRecord> {
      if (getOptions.stage !== undefined) throw new CofferError('COFFER_E_UNSUPPORTED', 'Vault has versions but no stages (current, previous, pending); read a version number instead.');
      if (getOptions.version !== undefined) {
        v2Only('Reading a version');
        if (!/^[1-9]\d{0,9}$/.test(getOptions.version)) throw new CofferError('COFFER_E_USAGE', `Vault versions are whole numbers from 1, not "${getOptions.version.slice(0, 40)}".`);
      }
      const t = subject(name, 'read');
      const read = await kv.read(t, getOptions.version);
      const raw = read.data[t.field];
      if (raw === undefined || raw === null) {
        const fields = Object.keys(read.data).slice(0, 20).join(', ') || 'none';
        throw new CofferError('COFFER_E_NOT_FOUND', `The Vault secret "${s.mount}/${t.path}" (${where}) has no field "${t.field}" (asked for as ${t.name}); its fields: ${fields}; read one as ${name.split('#')[0]}#FIELD.`, { details: { provider: 'hashicorp-vault', name: t.name, path: t.path } });
      }
      const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
      const dates = kvVersion === 2 ? metadataFromCustom(read.customMetadata, read.version, read.createdTime) : {};
      return { name, value, metadata: { ...(read.version === undefined ? {} : { version: String(read.version) }), ...dates } };
    },
    async list(): Promise<SecretListing[]> {
      const cut = s.prefix.lastIndexOf('/') + 1;
      const folder = s.prefix.slice(0, cut);
      const start = s.prefix.slice(cut);
      const names = (await kv.list(folder)).filter((key) => !key.endsWith('/') && key.startsWith(start) && key.length > start.length).map((key) => key.slice(start.length));
      if (kvVersion === 1) return sorted(names.map((name) => ({ name, metadata: {} })));
      const listed = await mapLimited(names, 8, async (name): Promise<SecretListing | undefined> => {
        const metadata = await kv.metadata({ name, path: `${s.prefix}${name}` });
        if (metadata === undefined || !isLive(metadata)) return undefined;
        const current = metadata.current_version;
        return { name, metadata: { version: String(current), ...metadataFromCustom(metadata.custom_metadata, current, metadata.versions[String(current)]?.created_time) } };
      });
      return sorted(listed.filter((entry): entry is SecretListing => entry !== undefined));
    },
    set: (name: string, value: string, metadata?: SecretWrite['metadata']) => setMany([{ name, value, ...(metadata ? { metadata } : {}) }]),
    setMany,
    async delete(name: string): Promise<void> {
      const t = subject(name, 'write');
      if (kvVersion === 2) await liveMetadata(t);
      else if ((await kv.latest(t)) === undefined) throw missing(t);
      await kv.deleteLatest(t);
    },
    async versions(name: string): Promise<SecretListing[]> {
      v2Only('A version history');
      const t = subject(name, 'read');
      const metadata = await kv.metadata(t);
      if (metadata === undefined) throw missing(t);
      return Object.entries(metadata.versions)
        .filter(([, v]) => !v.destroyed && v.deletion_time === '')
        .map(([n, v]) => ({ n: Number(n), created: v.created_time }))
        .sort((a, b) => b.n - a.n)
        .map(({ n, created }) => ({ name, metadata: { version: String(n), ...metadataFromCustom(metadata.custom_metadata, n, created) } }));
    },
    async checkAndSet(name: string, value: string, version: string, metadata?: SecretWrite['metadata']): Promise<string> {
      v2Only('Check-and-set');
      if (!/^\d{1,10}$/.test(version)) throw new CofferError('COFFER_E_USAGE', `A check-and-set version is a whole number (0: only if the secret does not exist), not "${version.slice(0, 40)}".`);
      return String(await checkAndSet(kv, subject(name, 'write', [value]), value, Number(version), metadata));
    },
    async undelete(name: string, versions?: readonly string[]): Promise<void> {
      v2Only('Undelete');
      const t = subject(name, 'write');
      const metadata = await kv.metadata(t);
      if (metadata === undefined) throw missing(t);
      await kv.versionsAction(t, 'undelete', versions === undefined ? [metadata.current_version] : versionNumbers(versions));
    },
    async destroy(name: string, versions: readonly string[]): Promise<void> {
      v2Only('Destroy');
      const t = subject(name, 'write');
      if ((await kv.metadata(t)) === undefined) throw missing(t);
      await kv.versionsAction(t, 'destroy', versionNumbers(versions));
    },
    async purge(name: string): Promise<void> {
      const t = subject(name, 'write');
      if ((kvVersion === 2 ? await kv.metadata(t) : await kv.latest(t)) === undefined) throw missing(t);
      await kv.purge(t);
    },
    async close(): Promise<void> {
      auth.close();
    },
  };
}

export default createHashicorpVaultProvider;

/** Builds the transport on first use: checks the address and reads the CA file. */
async function openTransport(address: string | undefined, namespace: string | undefined, caFile: string | undefined, timeoutMs: number, maxAttempts: number): Promise<VaultHttp> {
  if (address === undefined) {
    throw new CofferError('COFFER_E_CONFIG_INVALID', 'No Vault address: set VAULT_ADDR (https://vault.example.com:8200) or the address option of the hashicorp-vault provider.', { details: { provider: 'hashicorp-vault' } });
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CofferError('COFFER_E_CONFIG_INVALID', `The Vault address ${JSON.stringify(address.slice(0, 100))} is not an http:// or https:// URL; fix VAULT_ADDR or the address option.`, { details: { provider: 'hashicorp-vault' } });
  }
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = await readFile(caFile, 'utf8');
    } catch (error) {
      throw new CofferError('COFFER_E_FILE_UNREADABLE', `The Vault CA certificate file ${caFile} cannot be read (${(error as { code?: string }).code ?? 'error'}); fix the caCert option or VAULT_CACERT.`, { details: { provider: 'hashicorp-vault', file: caFile } });
    }
  }
  return createVaultHttp({ address: url, namespace, ca, timeoutMs, maxAttempts });
}

/** True when the latest version of a v2 secret can be read. */
function isLive(metadata: KvMetadata): boolean {
  const current = metadata.versions[String(metadata.current_version)];
  return metadata.current_version > 0 && current !== undefined && !current.destroyed && current.deletion_time === '';
}

function versionNumbers(versions: readonly string[]): number[] {
  if (versions.length === 0 || versions.some((v) => !/^[1-9]\d{0,9}$/.test(v))) {
    throw new CofferError('COFFER_E_USAGE', 'Give one or more Vault version numbers (whole numbers from 1).');
  }
  return versions.map(Number);
}

function sorted(listing: SecretListing[]): SecretListing[] {
  return listing.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `work` over `items` with at most `limit` at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
