/**
 * The `gcp-secret-manager` provider: secrets in Google Cloud Secret Manager, one secret per
 * Coffer secret (secret id `prefix + NAME`) in one project. Every write adds a version (numbered
 * 1, 2, ...); reads take `latest` or a numbered version; versions can be disabled, enabled and
 * destroyed. Each payload carries a CRC32C checksum, sent with writes (the service refuses a
 * damaged payload) and checked on reads. Labels go on the secrets Coffer creates.
 *
 * The SDK (@google-cloud/secret-manager) loads on the first call and uses Application Default
 * Credentials over gRPC; an `endpoint` URL (an emulator, a private endpoint, a test server)
 * switches it to its REST transport, and `accessToken` replaces ADC with a bearer token. A
 * client can be passed in instead. docs/providers/gcp-secret-manager.md lists options, IAM
 * roles and errors.
 */
import { z } from 'zod/v3';
import { CofferError, isCofferError } from '../core/errors.js';
import { createGcpClient, retried, type RetrySettings } from './_gcp-client.js';
import { crc32c } from './_crc32c.js';
import { gcpError } from './_gcp-errors.js';
import { writeAll, type GcpWriteApi } from './_gcp-writes.js';
import type { GetOptions, ProviderFactory, SecretListing, SecretRecord, SecretWrite } from './types.js';

const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;

/** Validates `GcpSecretManagerOptions` as written in a config file. */
export const optionsSchema = z.object({
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^\d+$/, 'a project id such as my-project-123, or a project number').optional(),
  prefix: z.string().regex(/^[A-Za-z0-9_-]*$/, 'letters, digits, _ and - only').optional(),
  labels: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'lower-case label keys'), z.string().regex(/^[a-z0-9_-]{0,63}$/, 'lower-case label values')).optional(),
  endpoint: z.string().url().optional(),
  accessToken: z.string().min(1).optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  maxRetryAfterMs: z.number().int().min(0).max(600_000).optional(),
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
}).strict();

/** Options of the `gcp-secret-manager` provider. */
export interface GcpSecretManagerOptions {
  /** The project id or number. Default: GOOGLE_CLOUD_PROJECT, else GCP_PROJECT_ID, GCLOUD_PROJECT or GCP_PROJECT. */
  readonly project?: string;
  /** Prepended to every name to form the secret id (`prod_` stores DB_PASSWORD as `prod_DB_PASSWORD`); `list` returns only secrets under it. Default: GCP_SECRET_PREFIX, else none. */
  readonly prefix?: string;
  /** Labels put on the secrets Coffer creates (lower-case keys and values). Default: `managed-by: coffer`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Endpoint URL (`http://127.0.0.1:8085`); switches the SDK to its REST transport. Default: the public gRPC endpoint. */
  readonly endpoint?: string;
  /** A bearer token (`"${env:GCP_ACCESS_TOKEN}"`, as printed by `gcloud auth print-access-token`) used instead of Application Default Credentials. Default: ADC. */
  readonly accessToken?: string;
  /**
   * Tries per call, retries included, waiting as long as the service asks (RetryInfo, Retry-After),
   * else with exponential backoff and jitter. Reads are retried on throttling, outages and
   * timeouts; writes only on throttling (RESOURCE_EXHAUSTED), where the service did not act, since
   * a write retried after an outage could add a second version. Default 3.
   */
  readonly maxAttempts?: number;
  /** The longest wait the service may ask for before a retry; a throttled call asked to wait longer fails at once, saying how long. Default 30000. */
  readonly maxRetryAfterMs?: number;
  /** Milliseconds one call may take (over gRPC, and over REST with `accessToken`; the SDK's REST transport with ADC applies none). Default 30000. */
  readonly timeoutMs?: number;
  /** A SecretManagerServiceClient (or one with the same methods) to use instead of creating one; `close` leaves it open. Code only. */
  readonly client?: GcpClientLike;
}

/** The methods of a SecretManagerServiceClient the provider uses. */
export interface GcpClientLike {
  accessSecretVersion(request: object, options?: object): Promise<[{ name?: string | null; payload?: { data?: Uint8Array | string | null; dataCrc32c?: number | string | { toString(): string } | null } | null }, ...unknown[]]>;
  addSecretVersion(request: object, options?: object): Promise<[{ name?: string | null }, ...unknown[]]>;
  createSecret(request: object, options?: object): Promise<unknown>;
  deleteSecret(request: object, options?: object): Promise<unknown>;
  getSecret(request: object, options?: object): Promise<[{ name?: string | null }, ...unknown[]]>;
  listSecrets(request: object, options?: object): Promise<[{ name?: string | null }[], ...unknown[]]>;
  listSecretVersions(request: object, options?: object): Promise<[{ name?: string | null; createTime?: { seconds?: number | string | { toString(): string } | null; nanos?: number | null } | null; state?: number | string | null }[], ...unknown[]]>;
  disableSecretVersion(request: object, options?: object): Promise<unknown>;
  enableSecretVersion(request: object, options?: object): Promise<unknown>;
  destroySecretVersion(request: object, options?: object): Promise<unknown>;
  close?(): Promise<void>;
}

/** The provider, with version management beyond the Provider contract. */
export type GcpSecretManagerProvider = ReturnType<typeof createGcpSecretManagerProvider>;

/**
 * Creates a provider over Google Cloud Secret Manager.
 *
 * @example
 * const provider = createGcpSecretManagerProvider({ project: 'shop-prod', prefix: 'api_' });
 * await provider.get('DB_PASSWORD');                    // projects/shop-prod/secrets/api_DB_PASSWORD/versions/latest
 * await provider.get('DB_PASSWORD', { version: '3' });  // a numbered version
 */
export const createGcpSecretManagerProvider = ((options: GcpSecretManagerOptions = {}, context: { env?: Readonly<Record<string, string | undefined>> } = {}) => {
  const vars = context.env ?? process.env;
  const project = options.project ?? vars.GOOGLE_CLOUD_PROJECT ?? vars.GCP_PROJECT_ID ?? vars.GCLOUD_PROJECT ?? vars.GCP_PROJECT;
  // GCP_SECRET_PREFIX is what teams moving from the requirements' secrets module already set.
  const prefix = options.prefix ?? (vars.GCP_SECRET_PREFIX || '');
  const where = `project ${project ?? '(not set)'}${options.endpoint ? `, endpoint ${options.endpoint}` : ''}`;
  // The SDK's own retries are off: once they give up they report DEADLINE_EXCEEDED and hide the
  // cause (quota, outage). Calls are retried here instead, where the cause stays known (_gcp-client.ts).
  const callOptions = { timeout: options.timeoutMs ?? 30_000, retry: null };
  const retry: RetrySettings = { attempts: options.maxAttempts ?? 3, maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000 };
  let client: Promise<GcpClientLike> | undefined;
  let closed = false;

  /** A prefix from GCP_SECRET_PREFIX is checked at the first call (the option's, by the config schema and secretId). */
  const checkPrefix = () => {
    if (options.prefix === undefined && !/^[A-Za-z0-9_-]*$/.test(prefix)) throw new CofferError('COFFER_E_CONFIG_INVALID', `The gcp-secret-manager prefix ${JSON.stringify(prefix.slice(0, 80))} (GCP_SECRET_PREFIX) may hold only letters, digits, _ and -; fix it.`, { details: { provider: 'gcp-secret-manager' } });
  };
  const open = (): Promise<GcpClientLike> => {
    if (closed) throw new CofferError('COFFER_E_USAGE', 'The gcp-secret-manager provider was closed; open a new one.');
    if (project === undefined) throw new CofferError('COFFER_E_CONFIG_INVALID', 'The gcp-secret-manager provider needs a project: set the `project` option or GOOGLE_CLOUD_PROJECT.');
    checkPrefix();
    client ??= options.client !== undefined ? Promise.resolve(options.client) : createGcpClient<GcpClientLike>({ endpoint: options.endpoint, accessToken: options.accessToken, timeoutMs: callOptions.timeout });
    return client;
  };
  const secretId = (name: string): string => {
    checkPrefix();
    const id = prefix + name;
    if (!SECRET_ID.test(name) || !SECRET_ID.test(id)) throw new CofferError('COFFER_E_USAGE', `${JSON.stringify(name).slice(0, 80)} cannot be a Secret Manager secret id (letters, digits, _ and -, at most 255 with the prefix).`, { details: { name } });
    return id;
  };
  const secretPath = (name: string) => `projects/${project}/secrets/${secretId(name)}`;
  /** One call, its failure mapped to a CofferError, tried again as _gcp-client.ts says for a read or a write. */
  const call = <T>(kind: 'read' | 'write', what: string, name: string | undefined, work: (c: GcpClientLike) => Promise<T>): Promise<T> => retried(retry, kind, async () => {
    const c = await open();
    try {
      return await work(c);
    } catch (error) {
      throw gcpError(error, { what, where, ...(name !== undefined ? { name } : {}) });
    }
  });

  const read = (name: string, version: string) => call('read', `read of ${name}`, name, async (c) => {
    const [response] = await c.accessSecretVersion({ name: `${secretPath(name)}/versions/${version}` }, callOptions);
    const data = Buffer.from(response.payload?.data ?? new Uint8Array());
    const expected = response.payload?.dataCrc32c;
    if (expected !== undefined && expected !== null && Number(String(expected)) !== crc32c(data)) {
      throw new CofferError('COFFER_E_UNAVAILABLE', `The value of ${name} read from Google Cloud Secret Manager (${where}) failed its CRC32C check (damaged in transit); try again.`, { details: { name }, retryable: true });
    }
    return { value: data.toString('utf8'), version: versionOf(response.name) };
  });
  /** Adds a version (creating the secret first if it does not exist); returns the version number. */
  const add = (name: string, value: string) => call('write', `write of ${name}`, name, async (c) => {
    const data = Buffer.from(value, 'utf8');
    const request = { parent: secretPath(name), payload: { data, dataCrc32c: crc32c(data) } };
    try {
      return versionOf((await c.addSecretVersion(request, callOptions))[0].name);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 5) throw error;
      // The secret does not exist yet: create it (a concurrent creator is fine), then add the version.
      await c.createSecret({ parent: `projects/${project}`, secretId: secretId(name), secret: { replication: { automatic: {} }, labels: options.labels ?? { 'managed-by': 'coffer' } } }, callOptions).catch((e: unknown) => {
        if ((e as { code?: unknown }).code !== 6) throw e;
      });
      return versionOf((await c.addSecretVersion(request, callOptions))[0].name);
    }
  });
  const remove = (name: string) => call('write', `delete of ${name}`, name, async (c) => {
    await c.deleteSecret({ name: secretPath(name) }, callOptions);
  });
  const listVersions = (name: string) => call('read', `versions of ${name}`, name, async (c) => (await c.listSecretVersions({ parent: secretPath(name) }, callOptions))[0]);
  const versionCall = (verb: 'disable' | 'enable' | 'destroy', name: string, version: string) => call('write', `${verb} of version ${version} of ${name}`, name, async (c) => {
    if (!/^\d+$/.test(version)) throw new CofferError('COFFER_E_USAGE', `"${version}" is not a version number of ${name}.`);
    const request = { name: `${secretPath(name)}/versions/${version}` };
    await (verb === 'disable' ? c.disableSecretVersion(request, callOptions) : verb === 'enable' ? c.enableSecretVersion(request, callOptions) : c.destroySecretVersion(request, callOptions));
  });
  const writeApi: GcpWriteApi = {
    readLatest: async (name: string) => (await read(name, 'latest')).value,
    exists: (name: string) => call('read', `check of ${name}`, name, (c) => c.getSecret({ name: secretPath(name) }, callOptions)).then(() => true, (error: unknown) => {
      if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return false;
      throw error;
    }),
    add, remove,
    disable: (name: string, version: string) => versionCall('disable', name, version),
    hasVersions: async (name: string) => (await listVersions(name)).length > 0,
  };

  return {
    id: 'gcp-secret-manager' as const,
    location: `Google Cloud Secret Manager (${where}${prefix ? `, prefix ${prefix}` : ''})`,
    capabilities: { write: true, list: true, versions: true, stages: false, metadata: false, persistent: true },
    async get(name: string, getOptions: GetOptions = {}): Promise<SecretRecord> {
      if (getOptions.stage !== undefined) throw new CofferError('COFFER_E_UNSUPPORTED', 'Google Cloud Secret Manager keeps numbered versions, not stages; read `latest` or a version number.');
      const version = getOptions.version ?? 'latest';
      if (version !== 'latest' && !/^\d+$/.test(version)) throw new CofferError('COFFER_E_USAGE', `"${version}" is not a version of ${name}: use a number or latest.`);
      const { value, version: got } = await read(name, version);
      return { name, value, metadata: got === undefined ? {} : { version: got } };
    },
    async list(): Promise<SecretListing[]> {
      const secrets = await call('read', 'list', undefined, async (c) => (await c.listSecrets({ parent: `projects/${project}` }, callOptions))[0]);
      return secrets
        .map((s) => (s.name ?? '').split('/').pop() ?? '')
        .filter((id) => id.startsWith(prefix) && id.length > prefix.length)
        .map((id) => ({ name: id.slice(prefix.length), metadata: {} }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async set(name: string, value: string): Promise<void> {
      await add(name, value);
    },
    /**
     * Writes in order; on a failure, what was written is undone before the error is thrown: new
     * secrets deleted, replaced values written back, and a version added over an unreadable
     * latest one disabled (see _gcp-writes.ts). The error says which undo failed, if any.
     */
    async setMany(writes: readonly SecretWrite[]): Promise<void> {
      for (const w of writes) secretId(w.name);
      await writeAll(writeApi, writes);
    },
    async delete(name: string): Promise<void> {
      await remove(name);
    },
    /** Enabled versions, newest first (disabled and destroyed ones cannot be read). */
    async versions(name: string): Promise<SecretListing[]> {
      const versions = await listVersions(name);
      return versions
        .filter((v) => v.state === 1 || v.state === 'ENABLED')
        .map((v) => ({ name, metadata: { version: versionOf(v.name) ?? '', ...(v.createTime?.seconds != null ? { updatedAt: new Date(Number(String(v.createTime.seconds)) * 1000).toISOString() } : {}) } }))
        .sort((a, b) => Number(b.metadata.version) - Number(a.metadata.version));
    },
    /** Makes a version unreadable until enabled again (a leaked value, while consumers move on). */
    disableVersion: (name: string, version: string) => versionCall('disable', name, version),
    /** Makes a disabled version readable again. */
    enableVersion: (name: string, version: string) => versionCall('enable', name, version),
    /** Destroys a version's value for good; the version number stays in the history. */
    destroyVersion: (name: string, version: string) => versionCall('destroy', name, version),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (options.client === undefined && client !== undefined) await (await client.catch(() => undefined))?.close?.();
    },
  };
}) satisfies ProviderFactory<GcpSecretManagerOptions>;

export default createGcpSecretManagerProvider;

/** The version number at the end of a version's resource name. */
function versionOf(resource: string | null | undefined): string | undefined {
  return /\/versions\/(\d+)$/.exec(resource ?? '')?.[1];
}
