/**
 * The state and rules of the fake Secrets Manager (see _fake-aws-secrets-manager.ts): secrets
 * with versions and staging labels, kept the way the service documents them. A label is on at
 * most one version; PutSecretValue without VersionStages moves AWSCURRENT, and moving
 * AWSCURRENT anywhere moves AWSPREVIOUS to the version that lost it; AWSPENDING stays where it
 * is unless moved or removed; a label already on another version can be moved only by naming
 * that version in RemoveFromVersionId; AWSCURRENT cannot be removed; a secret carries at most
 * 20 labels; ClientRequestToken makes a write idempotent and a different value under the same
 * token is refused; a deleted secret refuses everything but DescribeSecret, DeleteSecret and
 * RestoreSecret until it is restored.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** An error the service returns: its `__type` and message. */
export class FakeAwsError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

/** One version of a fake secret. */
export interface FakeVersion {
  readonly id: string;
  readonly value: string;
  labels: string[];
  readonly created: number;
}

/** One fake secret. */
export interface FakeSecret {
  readonly name: string;
  readonly arn: string;
  readonly kmsKeyId?: string;
  tags: { Key: string; Value: string }[];
  /** Oldest first. */
  readonly versions: FakeVersion[];
  readonly created: number;
  lastChanged: number;
  deletedAt?: number;
}

type Input = Readonly<Record<string, unknown>>;
const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const LABEL_LIMIT = 20;
const seconds = (ms: number) => ms / 1000;
const notFound = (what = 'secret') => new FakeAwsError('ResourceNotFoundException', `Secrets Manager can't find the specified ${what}.`);
const invalid = (message: string) => new FakeAwsError('InvalidParameterException', message);

/** The secrets of one fake, and what each action does to them. */
export class FakeAwsState {
  readonly secrets = new Map<string, FakeSecret>();
  private clock = 0;

  constructor(readonly region: string, private readonly pageSize: number) {}

  /** True when `action` is one the fake implements. */
  handles(action: string): boolean {
    return Object.hasOwn(this.actions, action);
  }

  /** The secret name `id` (a name or an ARN) stands for. */
  nameOf(id: string): string {
    for (const secret of this.secrets.values()) if (secret.arn === id) return secret.name;
    return id;
  }

  /**
   * Adds a secret as another service would (RDS names its secrets `rds!db-...`, which
   * CreateSecret refuses), with one current version; returns it.
   */
  seed(name: string, value: string): FakeSecret {
    const at = this.now();
    const secret: FakeSecret = { name, arn: `arn:aws:secretsmanager:${this.region}:123456789012:secret:${name}-seeded`, tags: [], versions: [], created: at, lastChanged: at };
    this.secrets.set(name, secret);
    this.addVersion(secret, randomUUID(), value, ['AWSCURRENT']);
    return secret;
  }

  /** The version of `name` carrying `label`, for assertions. */
  holder(name: string, label: string): FakeVersion | undefined {
    return this.secrets.get(name)?.versions.find((v) => v.labels.includes(label));
  }

  run(action: string, input: Input): Record<string, unknown> {
    return this.actions[action]!(input);
  }

  /** Milliseconds that always increase, so versions have distinct creation dates. */
  private now(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }

  private find(input: Input, options: { deleted?: boolean } = {}): FakeSecret {
    const secret = this.secrets.get(this.nameOf(String(input.SecretId ?? '')));
    if (secret === undefined) throw notFound();
    if (secret.deletedAt !== undefined && !options.deleted) throw new FakeAwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
    return secret;
  }

  private addVersion(secret: FakeSecret, token: string, value: string, labels: readonly string[]): FakeVersion {
    if (token.length < 32 || token.length > 64) throw invalid('ClientRequestToken must be 32 to 64 characters long.');
    const wanted = secret.versions.length === 0 && !labels.includes('AWSCURRENT') ? [...labels, 'AWSCURRENT'] : [...labels];
    const others = secret.versions.flatMap((v) => v.labels).filter((l) => !wanted.includes(l));
    if (new Set([...others, ...wanted, ...(wanted.includes('AWSCURRENT') && secret.versions.length > 0 ? ['AWSPREVIOUS'] : [])]).size > LABEL_LIMIT) {
      throw new FakeAwsError('LimitExceededException', `A secret can have at most ${LABEL_LIMIT} staging labels.`);
    }
    const version: FakeVersion = { id: token, value, labels: [], created: this.now() };
    secret.versions.push(version);
    for (const label of wanted) this.attach(secret, label, version);
    return version;
  }

  /** Puts `label` on `version`, taking it off any other; AWSCURRENT drags AWSPREVIOUS along. */
  private attach(secret: FakeSecret, label: string, version: FakeVersion): void {
    const holder = secret.versions.find((v) => v.labels.includes(label));
    if (holder === version) return;
    if (holder !== undefined) holder.labels = holder.labels.filter((l) => l !== label);
    version.labels.push(label);
    if (label === 'AWSCURRENT' && holder !== undefined) {
      for (const v of secret.versions) v.labels = v.labels.filter((l) => l !== 'AWSPREVIOUS');
      holder.labels.push('AWSPREVIOUS');
    }
    secret.lastChanged = this.now();
  }

  private page<T>(items: readonly T[], input: Input): { items: T[]; NextToken?: string } {
    const start = typeof input.NextToken === 'string' ? Number(Buffer.from(input.NextToken, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) throw new FakeAwsError('InvalidNextTokenException', 'The NextToken value is invalid.');
    const size = Math.min(typeof input.MaxResults === 'number' ? input.MaxResults : 100, this.pageSize);
    const end = start + size;
    return { items: items.slice(start, end), ...(end < items.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}) };
  }

  private labelMap(secret: FakeSecret): Record<string, string[]> {
    return Object.fromEntries(secret.versions.filter((v) => v.labels.length > 0).map((v) => [v.id, [...v.labels]]));
  }

  private readonly actions: Record<string, (input: Input) => Record<string, unknown>> = {
    CreateSecret: (input) => {
      const name = String(input.Name ?? '');
      if (!NAME.test(name)) throw invalid('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
      const existing = this.secrets.get(name);
      if (existing?.deletedAt !== undefined) throw new FakeAwsError('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.");
      if (existing !== undefined) throw new FakeAwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      const at = this.now();
      const secret: FakeSecret = {
        name, arn: `arn:aws:secretsmanager:${this.region}:123456789012:secret:${name}-${randomBytes(3).toString('hex')}`,
        ...(typeof input.KmsKeyId === 'string' ? { kmsKeyId: input.KmsKeyId } : {}),
        tags: (input.Tags as FakeSecret['tags'] | undefined) ?? [], versions: [], created: at, lastChanged: at,
      };
      this.secrets.set(name, secret);
      const version = typeof input.SecretString === 'string' ? this.addVersion(secret, String(input.ClientRequestToken ?? randomUUID()), input.SecretString, ['AWSCURRENT']) : undefined;
      return { ARN: secret.arn, Name: name, ...(version ? { VersionId: version.id } : {}) };
    },
    PutSecretValue: (input) => {
      const secret = this.find(input);
      if (typeof input.SecretString !== 'string') throw invalid('You must provide either SecretString or SecretBinary.');
      const token = String(input.ClientRequestToken ?? '');
      const existing = secret.versions.find((v) => v.id === token);
      if (existing !== undefined) {
        if (existing.value !== input.SecretString) throw new FakeAwsError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
        return { ARN: secret.arn, Name: secret.name, VersionId: existing.id, VersionStages: [...existing.labels] };
      }
      const version = this.addVersion(secret, token, input.SecretString, (input.VersionStages as string[] | undefined) ?? ['AWSCURRENT']);
      return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.labels] };
    },
    GetSecretValue: (input) => {
      const secret = this.find(input);
      const stage = typeof input.VersionStage === 'string' ? input.VersionStage : undefined;
      const id = typeof input.VersionId === 'string' ? input.VersionId : undefined;
      const version = id !== undefined ? secret.versions.find((v) => v.id === id) : secret.versions.find((v) => v.labels.includes(stage ?? 'AWSCURRENT'));
      if (version === undefined || (id !== undefined && stage !== undefined && !version.labels.includes(stage))) {
        throw notFound(`secret value for ${id !== undefined ? `VersionId: ${id}` : `staging label: ${stage ?? 'AWSCURRENT'}`}`);
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: version.id, SecretString: version.value, VersionStages: [...version.labels], CreatedDate: seconds(version.created) };
    },
    DescribeSecret: (input) => {
      const secret = this.find(input, { deleted: true });
      return {
        ARN: secret.arn, Name: secret.name, ...(secret.kmsKeyId ? { KmsKeyId: secret.kmsKeyId } : {}), Tags: secret.tags,
        VersionIdsToStages: this.labelMap(secret), CreatedDate: seconds(secret.created), LastChangedDate: seconds(secret.lastChanged),
        ...(secret.deletedAt === undefined ? {} : { DeletedDate: seconds(secret.deletedAt) }),
      };
    },
    ListSecrets: (input) => {
      const filters = (input.Filters as { Key: string; Values: string[] }[] | undefined) ?? [];
      const prefixes = filters.filter((f) => f.Key === 'name').flatMap((f) => f.Values);
      const all = [...this.secrets.values()]
        .filter((s) => (input.IncludePlannedDeletion === true || s.deletedAt === undefined) && (prefixes.length === 0 || prefixes.some((p) => s.name.startsWith(p))))
        .sort((a, b) => b.created - a.created);
      const { items, NextToken } = this.page(all, input);
      return {
        SecretList: items.map((s) => ({ ARN: s.arn, Name: s.name, Tags: s.tags, SecretVersionsToStages: this.labelMap(s), CreatedDate: seconds(s.created), LastChangedDate: seconds(s.lastChanged) })),
        ...(NextToken ? { NextToken } : {}),
      };
    },
    ListSecretVersionIds: (input) => {
      const secret = this.find(input);
      const versions = [...secret.versions].reverse().filter((v) => input.IncludeDeprecated === true || v.labels.length > 0);
      const { items, NextToken } = this.page(versions, input);
      return { ARN: secret.arn, Name: secret.name, Versions: items.map((v) => ({ VersionId: v.id, VersionStages: [...v.labels], CreatedDate: seconds(v.created) })), ...(NextToken ? { NextToken } : {}) };
    },
    UpdateSecretVersionStage: (input) => {
      const secret = this.find(input);
      const label = String(input.VersionStage ?? '');
      const moveTo = typeof input.MoveToVersionId === 'string' ? input.MoveToVersionId : undefined;
      const removeFrom = typeof input.RemoveFromVersionId === 'string' ? input.RemoveFromVersionId : undefined;
      const holder = secret.versions.find((v) => v.labels.includes(label));
      if (removeFrom !== undefined && holder?.id !== removeFrom) throw invalid(`The staging label ${label} is not attached to version ${removeFrom}.`);
      if (moveTo === undefined) {
        if (removeFrom === undefined) throw invalid('You must specify MoveToVersionId or RemoveFromVersionId.');
        if (label === 'AWSCURRENT') throw invalid("You can't remove the staging label AWSCURRENT; move it to another version instead.");
        holder!.labels = holder!.labels.filter((l) => l !== label);
        secret.lastChanged = this.now();
      } else {
        const version = secret.versions.find((v) => v.id === moveTo);
        if (version === undefined) throw notFound('secret version');
        if (holder !== undefined && holder !== version && removeFrom === undefined) {
          throw invalid(`The staging label ${label} is currently attached to version ${holder.id}; to move it, give that version as RemoveFromVersionId.`);
        }
        this.attach(secret, label, version);
      }
      return { ARN: secret.arn, Name: secret.name };
    },
    DeleteSecret: (input) => {
      const secret = this.find(input, { deleted: input.ForceDeleteWithoutRecovery === true });
      if (input.ForceDeleteWithoutRecovery === true && input.RecoveryWindowInDays !== undefined) throw invalid("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      const days = typeof input.RecoveryWindowInDays === 'number' ? input.RecoveryWindowInDays : 30;
      if (days < 7 || days > 30) throw invalid('RecoveryWindowInDays must be between 7 and 30 days.');
      if (input.ForceDeleteWithoutRecovery === true) this.secrets.delete(secret.name);
      else secret.deletedAt = this.now();
      return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(Date.now() + (input.ForceDeleteWithoutRecovery === true ? 0 : days * 86_400_000)) };
    },
    RestoreSecret: (input) => {
      const secret = this.find(input, { deleted: true });
      delete secret.deletedAt;
      return { ARN: secret.arn, Name: secret.name };
    },
    TagResource: (input) => {
      const secret = this.find(input);
      for (const tag of (input.Tags as FakeSecret['tags'] | undefined) ?? []) secret.tags = [...secret.tags.filter((t) => t.Key !== tag.Key), tag];
      return {};
    },
    UntagResource: (input) => {
      const secret = this.find(input);
      const keys = (input.TagKeys as string[] | undefined) ?? [];
      secret.tags = secret.tags.filter((t) => !keys.includes(t.Key));
      return {};
    },
  };
}
