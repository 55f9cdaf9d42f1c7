/**
 * The `aws-secrets-manager` provider: secrets in AWS Secrets Manager, one AWS secret per Coffer
 * secret (`prefix + NAME`), read with the standard credential chain.
 *
 * Versions are AWS's version ids and stages its staging labels (AWSCURRENT, AWSPREVIOUS,
 * AWSPENDING as current, previous, pending), so Coffer's rotation and AWS's own rotation
 * functions see the same thing. `NAME#KEY` reads the property KEY of a JSON secret, as ECS task
 * definitions do; the `secretIds` option points a Coffer name at any secret (an RDS-managed one,
 * `rds!db-...#password`). Metadata (set and rotate-by dates) rides on staging labels of the
 * version it describes (see _aws-labels.ts). Writes are idempotent through ClientRequestToken;
 * `setMany` is all-or-nothing by compensation (see _aws-writes.ts). The SDK
 * (@aws-sdk/client-secrets-manager) is loaded on the first call, never when the provider is
 * opened, and a client can be passed in instead. docs/providers/aws-secrets-manager.md lists the
 * options, the IAM permissions and the errors.
 */
import { z } from 'zod/v3';
import { CofferError } from '../core/errors.js';
import type { Stage } from '../core/stages.js';
import { createAwsApi, type VersionValue } from './_aws-api.js';
import { resolveTarget } from './_aws-client.js';
import { isValidPrefix, jsonProperty, metadataFromLabels, resolveSecret, stagesOf, type SecretTarget } from './_aws-labels.js';
import { checkValue, clearStage, moveStage, putPending, writeAll, type WriteSettings } from './_aws-writes.js';
import type { GetOptions, PendingWriteOptions, ProviderFactory, SecretListing, SecretMetadata, SecretRecord, SecretWrite } from './types.js';

const REGION = /^[a-z]{2,}(-[a-z]+)+-\d{1,2}$/;

/** Validates `AwsSecretsManagerOptions` as written in a config file. */
export const optionsSchema = z.object({
  region: z.string().regex(REGION, 'an AWS region such as eu-west-1').optional(),
  prefix: z.string().refine(isValidPrefix, 'letters, digits and / _ + = . @ - only').optional(),
  secretIds: z.record(z.string().min(1), z.string().min(1)).optional(),
  kmsKeyId: z.string().min(1).optional(),
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
  endpoint: z.string().url().optional(),
  profile: z.string().min(1).optional(),
  recoveryWindowDays: z.number().int().min(7).max(30).optional(),
  forceDelete: z.boolean().optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
}).strict();

/** Options of the `aws-secrets-manager` provider. */
export interface AwsSecretsManagerOptions {
  /**
   * The region. Default: AWS_SECRETS_MANAGER_REGION, AWS_SECRET_MANAGER_REGION, AWS_REGION or
   * AWS_DEFAULT_REGION, else the profile's region in ~/.aws/config.
   */
  readonly region?: string;
  /**
   * Prepended to every name to form the secret name (`app/production/` stores DB_PASSWORD as
   * `app/production/DB_PASSWORD`); `list` returns only secrets under it, without it. Default:
   * AWS_SECRET_PREFIX, else none.
   */
  readonly prefix?: string;
  /**
   * Names kept somewhere the prefix does not lead: Coffer name -> secret name or ARN, with
   * `#KEY` for a property of a JSON secret (`{ "DB_PASSWORD": "rds!db-1f2e#password" }`).
   * Such secrets are not listed. Default: none.
   */
  readonly secretIds?: Readonly<Record<string, string>>;
  /** KMS key (id, ARN or alias) that encrypts the secrets Coffer creates. Default: the account's `aws/secretsmanager` key. */
  readonly kmsKeyId?: string;
  /** Tags put on the secrets Coffer creates (existing secrets keep theirs). Default: none. */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Endpoint URL (LocalStack, a VPC endpoint, a test server). Default:
   * AWS_ENDPOINT_URL_SECRETS_MANAGER, else AWS_ENDPOINT_URL (both ignored when
   * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), else the region's public endpoint.
   */
  readonly endpoint?: string;
  /** Named profile of ~/.aws/config and ~/.aws/credentials. Default: AWS_PROFILE, else the standard chain (environment keys, SSO, web identity, container or instance role). */
  readonly profile?: string;
  /** Days a deleted secret can be restored, 7 to 30. Default 30, as AWS. */
  readonly recoveryWindowDays?: number;
  /** Delete at once, with no recovery window. Default false. */
  readonly forceDelete?: boolean;
  /** Tries per call, retries included (throttling, 5xx, network), with backoff that honours Retry-After. Default: AWS_MAX_ATTEMPTS, else 3. */
  readonly maxAttempts?: number;
  /** Milliseconds to wait for a connection, and then for an answer, before a try fails. Default 10000. */
  readonly timeoutMs?: number;
  /**
   * A client to use instead of creating one: a SecretsManagerClient or anything with its `send`
   * (custom middleware, a shared pool). Region, endpoint, profile and retry options then come
   * from the client; `close` leaves it open. Code only; not in a config file. Default: none.
   */
  readonly client?: SecretsManagerClientLike;
}

/** What the provider needs of an injected client: the `send` of a SecretsManagerClient. */
export interface SecretsManagerClientLike {
  send(command: object): Promise<unknown>;
}

/**
 * Creates a provider over AWS Secrets Manager.
 *
 * @example
 * const provider = createAwsSecretsManagerProvider({ region: 'eu-west-1', prefix: 'app/production/' });
 * await provider.get('DB_PASSWORD');          // the secret app/production/DB_PASSWORD
 * await provider.get('DATABASE#password');    // the property "password" of the JSON secret app/production/DATABASE
 */
export const createAwsSecretsManagerProvider: ProviderFactory<AwsSecretsManagerOptions> = (options = {}, context = {}) => {
  const vars = context.env ?? process.env;
  const prefix = options.prefix ?? vars.AWS_SECRET_PREFIX ?? '';
  if (!isValidPrefix(prefix)) throw new CofferError('COFFER_E_CONFIG_INVALID', `The aws-secrets-manager prefix ${JSON.stringify(prefix.slice(0, 80))} may hold only letters, digits and / _ + = . @ -.`);
  const secretIds = options.secretIds ?? {};
  const target = resolveTarget(options, vars);
  const region = target.region === undefined ? 'region from the AWS profile' : `region ${target.region}`;
  const where = `${region}${target.endpoint === undefined ? '' : `, endpoint ${target.endpoint}`}`;
  const api = createAwsApi({
    target, where, region,
    endpoint: target.endpoint ?? `https://secretsmanager.${target.region ?? '<region>'}.amazonaws.com`,
    maxAttempts: options.maxAttempts ?? attemptsFrom(vars.AWS_MAX_ATTEMPTS),
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.client === undefined ? {} : { client: options.client }),
  });
  const settings: WriteSettings = { kmsKeyId: options.kmsKeyId, tags: options.tags, recoveryWindowDays: options.recoveryWindowDays, now: () => new Date() };
  const secret = (name: string, access: 'read' | 'write'): SecretTarget => resolveSecret(name, prefix, secretIds, access);
  let closed = false;
  const live = () => {
    if (closed) throw new CofferError('COFFER_E_USAGE', 'The aws-secrets-manager provider was closed; open a new one.');
  };
  /** Checks every name and value before the first call, then writes (all or nothing). */
  const setMany = async (writes: readonly SecretWrite[]): Promise<void> => {
    live();
    const targets = writes.map((w) => secret(w.name, 'write'));
    const seen = new Set<string>();
    for (const [i, t] of targets.entries()) {
      checkValue(t, (writes[i] as SecretWrite).value);
      if (seen.has(t.id)) throw new CofferError('COFFER_E_USAGE', `${t.name} is written twice in one batch; give each secret once.`, { details: { name: t.name } });
      seen.add(t.id);
    }
    await writeAll(api, settings, targets, writes);
  };

  return {
    id: 'aws-secrets-manager',
    location: `AWS Secrets Manager (${where}${prefix === '' ? '' : `, prefix ${prefix}`})`,
    capabilities: { write: true, list: true, versions: true, stages: true, metadata: true, persistent: true },
    async get(name: string, getOptions: GetOptions = {}): Promise<SecretRecord> {
      live();
      const t = secret(name, 'read');
      const read = await api.getValue(t, { ...(getOptions.version === undefined ? {} : { versionId: getOptions.version }), ...(getOptions.stage === undefined ? {} : { stage: getOptions.stage }) });
      return { name, value: valueOf(t, read), metadata: { version: read.versionId, ...metadataOf(read.labels, read.createdAt) } };
    },
    async list(): Promise<SecretListing[]> {
      live();
      const listing: SecretListing[] = [];
      for (const entry of await api.list(prefix)) {
        const current = [...entry.labels].find(([, labels]) => labels.includes('AWSCURRENT'));
        // A secret with no current value (created empty, never written) holds nothing to read.
        if (current === undefined) continue;
        const dates = metadataFromLabels(current[1]);
        const updatedAt = dates.updatedAt ?? entry.lastRotatedAt;
        const rotateBy = dates.rotateBy ?? entry.nextRotationAt;
        listing.push({ name: entry.id.slice(prefix.length), metadata: { version: current[0], ...(updatedAt ? { updatedAt } : {}), ...(rotateBy ? { rotateBy } : {}) } });
      }
      return listing.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    set: (name: string, value: string, metadata?: SecretWrite['metadata']) => setMany([{ name, value, ...(metadata ? { metadata } : {}) }]),
    setMany,
    async delete(name: string): Promise<void> {
      live();
      await api.remove(secret(name, 'write'), { recoveryWindowDays: options.recoveryWindowDays, force: options.forceDelete });
    },
    async versions(name: string): Promise<SecretListing[]> {
      live();
      const t = secret(name, 'read');
      return (await api.versions(t)).map((v) => ({ name, metadata: { version: v.versionId, ...metadataOf(v.labels, v.createdAt), stages: stagesOf(v.labels) } }));
    },
    async putPending(name: string, value: string, pendingOptions: PendingWriteOptions = {}): Promise<string> {
      live();
      const t = secret(name, 'write');
      checkValue(t, value);
      return putPending(api, settings, t, value, pendingOptions.token, pendingOptions.metadata);
    },
    async moveStage(name: string, stage: Stage, version: string): Promise<void> {
      live();
      await moveStage(api, secret(name, 'write'), stage, version);
    },
    async clearStage(name: string, stage: Exclude<Stage, 'current'>): Promise<void> {
      live();
      await clearStage(api, secret(name, 'write'), stage);
    },
    async close(): Promise<void> {
      closed = true;
      await api.close();
    },
  };
};

export default createAwsSecretsManagerProvider;

/** AWS_MAX_ATTEMPTS when it is a whole number from 1 to 10, else the SDK's default of 3. */
function attemptsFrom(text: string | undefined): number {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 10 ? n : 3;
}

/** The value of a read, or of its JSON property; never quoted in an error. */
function valueOf(t: SecretTarget, read: VersionValue): string {
  if (read.value === undefined) {
    throw new CofferError('COFFER_E_UNSUPPORTED', `Secret ${t.name} ("${t.id}") is a binary secret (SecretBinary); Coffer reads text secrets only.`, { details: { name: t.name, secretId: t.id } });
  }
  if (t.key === undefined) return read.value;
  const property = jsonProperty(read.value, t.key);
  if (property === 'not-json') {
    throw new CofferError('COFFER_E_NOT_FOUND', `Secret "${t.id}" is not a JSON object, so it has no property ${t.key} (asked for as ${t.name}).`, { details: { name: t.name, secretId: t.id } });
  }
  if (property === 'missing') {
    throw new CofferError('COFFER_E_NOT_FOUND', `The JSON secret "${t.id}" has no property ${t.key} (asked for as ${t.name}).`, { details: { name: t.name, secretId: t.id } });
  }
  return property.value;
}

/** Dates from a version's labels; the version's creation date when Coffer did not write it. */
function metadataOf(labels: readonly string[], createdAt: string | undefined): Omit<SecretMetadata, 'version'> {
  const dates = metadataFromLabels(labels);
  const updatedAt = dates.updatedAt ?? createdAt;
  return { ...(updatedAt ? { updatedAt } : {}), ...(dates.rotateBy ? { rotateBy: dates.rotateBy } : {}), stages: stagesOf(labels) };
}
