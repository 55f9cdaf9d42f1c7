/**
 * The Secrets Manager calls the aws-secrets-manager provider makes, each a thin typed wrapper
 * over one SDK command that maps its failure to a CofferError naming the secret (see
 * _aws-errors.ts). The SDK is loaded, and the client created, on the first call; pagination is
 * followed to the end here so callers see whole lists.
 */
import type { Stage } from '../core/stages.js';
import { awsError, type AwsCall } from './_aws-errors.js';
import { createClient, loadAwsSdk, type AwsSdk, type AwsTarget } from './_aws-client.js';
import { AWS_STAGES, type SecretTarget } from './_aws-labels.js';

/** One version's value as GetSecretValue returns it. */
export interface VersionValue {
  readonly versionId: string;
  readonly labels: readonly string[];
  readonly createdAt?: string;
  /** Undefined for a binary secret. */
  readonly value?: string;
}

/** A secret's versions and the labels each carries (versions without labels are not listed). */
export interface SecretState {
  readonly labels: ReadonlyMap<string, readonly string[]>;
  /** Set when the secret is scheduled for deletion. */
  readonly deletedAt?: string;
}

/** One secret of a listing. */
export interface ListedSecret {
  readonly id: string;
  readonly labels: ReadonlyMap<string, readonly string[]>;
  /** AWS's own rotation dates, for secrets rotated by AWS. */
  readonly lastRotatedAt?: string;
  readonly nextRotationAt?: string;
}

/** One version of a history listing. */
export interface ListedVersion {
  readonly versionId: string;
  readonly labels: readonly string[];
  readonly createdAt?: string;
}

/** The client the provider uses, with what messages say about where it goes. */
export interface AwsConnection {
  readonly target: AwsTarget;
  /** `region eu-west-1` (with `endpoint ...` when custom), for messages. */
  readonly where: string;
  /** The endpoint called, for network errors. */
  readonly endpoint: string;
  /** `region eu-west-1` alone. */
  readonly region: string;
  /** A client given by the caller, used instead of creating one (and not destroyed by close). */
  readonly client?: { send(command: object): Promise<unknown> };
  readonly maxAttempts: number;
  readonly timeoutMs: number;
}

type Send = (command: object) => Promise<Record<string, unknown>>;
const iso = (date: unknown): string | undefined => (date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined);
const labelMap = (record: unknown): Map<string, string[]> => new Map(Object.entries((record ?? {}) as Record<string, string[]>));

/** Creates the call wrappers over `connection`; `close` destroys a client it created. */
export function createAwsApi(connection: AwsConnection) {
  let opened: Promise<{ sdk: AwsSdk; send: Send; destroy: () => void }> | undefined;
  const open = () => {
    opened ??= loadAwsSdk().then((sdk) => {
      if (connection.client) return { sdk, send: (c: object) => connection.client!.send(c) as Promise<Record<string, unknown>>, destroy: () => undefined };
      const client = createClient(sdk, connection.target, connection.maxAttempts, connection.timeoutMs);
      return { sdk, send: (c: object) => client.send(c as never) as unknown as Promise<Record<string, unknown>>, destroy: () => client.destroy() };
    });
    opened.catch(() => (opened = undefined));
    return opened;
  };
  const call = async (action: string, target: Partial<SecretTarget>, make: (sdk: AwsSdk) => object, extra: Partial<AwsCall> = {}) => {
    const context: AwsCall = { action, where: connection.where, endpoint: connection.endpoint, region: connection.region, ...(target.name === undefined ? {} : { name: target.name }), ...(target.id === undefined ? {} : { id: target.id }), ...extra };
    try {
      const { sdk, send } = await open();
      return await send(make(sdk));
    } catch (error) {
      throw awsError(error, context);
    }
  };

  return {
    async getValue(target: SecretTarget, options: { versionId?: string; stage?: Stage }): Promise<VersionValue> {
      const out = await call('GetSecretValue', target, (sdk) => new sdk.GetSecretValueCommand({
        SecretId: target.id,
        ...(options.versionId === undefined ? {} : { VersionId: options.versionId }),
        ...(options.stage === undefined ? {} : { VersionStage: AWS_STAGES[options.stage] }),
      }), { ...(options.versionId === undefined ? {} : { version: options.versionId }), ...(options.stage === undefined ? {} : { stage: options.stage }) });
      const createdAt = iso(out.CreatedDate);
      return {
        versionId: String(out.VersionId),
        labels: (out.VersionStages as string[] | undefined) ?? [],
        ...(createdAt === undefined ? {} : { createdAt }),
        ...(typeof out.SecretString === 'string' ? { value: out.SecretString } : {}),
      };
    },
    async describe(target: SecretTarget): Promise<SecretState> {
      const out = await call('DescribeSecret', target, (sdk) => new sdk.DescribeSecretCommand({ SecretId: target.id }));
      const deletedAt = iso(out.DeletedDate);
      return { labels: labelMap(out.VersionIdsToStages), ...(deletedAt === undefined ? {} : { deletedAt }) };
    },
    async put(target: SecretTarget, value: string, token: string, labels: readonly string[]): Promise<{ versionId: string; labels: readonly string[] }> {
      const out = await call('PutSecretValue', target, (sdk) => new sdk.PutSecretValueCommand({ SecretId: target.id, SecretString: value, ClientRequestToken: token, VersionStages: [...labels] }), { values: [value] });
      return { versionId: String(out.VersionId), labels: (out.VersionStages as string[] | undefined) ?? [] };
    },
    /** Creates the secret without a value (its first PutSecretValue sets value, stages and metadata at once). */
    async create(target: SecretTarget, options: { kmsKeyId?: string | undefined; tags?: Readonly<Record<string, string>> | undefined }): Promise<void> {
      const tags = Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
      await call('CreateSecret', target, (sdk) => new sdk.CreateSecretCommand({
        Name: target.id,
        ...(options.kmsKeyId === undefined ? {} : { KmsKeyId: options.kmsKeyId }),
        ...(tags.length === 0 ? {} : { Tags: tags }),
      }));
    },
    async restore(target: SecretTarget): Promise<void> {
      await call('RestoreSecret', target, (sdk) => new sdk.RestoreSecretCommand({ SecretId: target.id }));
    },
    /** Moves `label` to `moveTo` (taking it from `removeFrom`), or removes it from `removeFrom`. */
    async moveLabel(target: SecretTarget, label: string, moveTo: string | undefined, removeFrom: string | undefined): Promise<void> {
      await call('UpdateSecretVersionStage', target, (sdk) => new sdk.UpdateSecretVersionStageCommand({
        SecretId: target.id, VersionStage: label,
        ...(moveTo === undefined ? {} : { MoveToVersionId: moveTo }),
        ...(removeFrom === undefined ? {} : { RemoveFromVersionId: removeFrom }),
      }), moveTo === undefined ? {} : { version: moveTo });
    },
    async remove(target: SecretTarget, options: { recoveryWindowDays?: number | undefined; force?: boolean | undefined }): Promise<void> {
      await call('DeleteSecret', target, (sdk) => new sdk.DeleteSecretCommand({
        SecretId: target.id,
        ...(options.force ? { ForceDeleteWithoutRecovery: true } : options.recoveryWindowDays === undefined ? {} : { RecoveryWindowInDays: options.recoveryWindowDays }),
      }));
    },
    /** Every secret whose name starts with `prefix` (compared exactly: AWS's filter is only a first cut). */
    async list(prefix: string): Promise<ListedSecret[]> {
      const found: ListedSecret[] = [];
      let token: string | undefined;
      do {
        const out = await call('ListSecrets', {}, (sdk) => new sdk.ListSecretsCommand({
          MaxResults: 100,
          ...(prefix === '' ? {} : { Filters: [{ Key: 'name', Values: [prefix] }] }),
          ...(token === undefined ? {} : { NextToken: token }),
        }));
        for (const entry of (out.SecretList as Record<string, unknown>[] | undefined) ?? []) {
          const id = String(entry.Name ?? '');
          if (!id.startsWith(prefix)) continue;
          const lastRotatedAt = iso(entry.LastRotatedDate);
          const nextRotationAt = iso(entry.NextRotationDate);
          found.push({ id, labels: labelMap(entry.SecretVersionsToStages), ...(lastRotatedAt ? { lastRotatedAt } : {}), ...(nextRotationAt ? { nextRotationAt } : {}) });
        }
        token = typeof out.NextToken === 'string' && out.NextToken !== '' ? out.NextToken : undefined;
      } while (token !== undefined);
      return found;
    },
    /** Every version of the secret that AWS still keeps, newest first. */
    async versions(target: SecretTarget): Promise<ListedVersion[]> {
      const found: ListedVersion[] = [];
      let token: string | undefined;
      do {
        const out = await call('ListSecretVersionIds', target, (sdk) => new sdk.ListSecretVersionIdsCommand({
          SecretId: target.id, IncludeDeprecated: true, MaxResults: 100,
          ...(token === undefined ? {} : { NextToken: token }),
        }));
        for (const v of (out.Versions as Record<string, unknown>[] | undefined) ?? []) {
          const createdAt = iso(v.CreatedDate);
          found.push({ versionId: String(v.VersionId), labels: (v.VersionStages as string[] | undefined) ?? [], ...(createdAt ? { createdAt } : {}) });
        }
        token = typeof out.NextToken === 'string' && out.NextToken !== '' ? out.NextToken : undefined;
      } while (token !== undefined);
      return found.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
    },
    async close(): Promise<void> {
      const pending = opened;
      opened = undefined;
      if (pending !== undefined) (await pending.catch(() => undefined))?.destroy();
    },
  };
}

/** The call wrappers of one provider. */
export type AwsApi = ReturnType<typeof createAwsApi>;
