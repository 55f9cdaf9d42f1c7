/**
 * The Provider contract: what every backend that holds secret values implements.
 *
 * A provider is one file in src/providers/ whose kebab-case name is its id and its subpath
 * export. It declares its capabilities; callers (and the shared conformance suite in
 * test/conformance/) use only what is declared. Failures are CofferErrors with distinct codes:
 * a missing secret is COFFER_E_NOT_FOUND, a refusal COFFER_E_ACCESS_DENIED, an outage
 * COFFER_E_UNAVAILABLE; one is never reported as another.
 */
import type { Stage } from '../core/stages.js';

/** What a provider can do beyond reading. */
export interface ProviderCapabilities {
  /** `set`, `setMany` and `delete` work. */
  readonly write: boolean;
  /** `list` enumerates the names it holds. */
  readonly list: boolean;
  /** Older values can be read by version. */
  readonly versions: boolean;
  /** Stages (`current`, `previous`, `pending`) can be read and moved. */
  readonly stages: boolean;
  /** Generation and rotation dates are kept with each secret. */
  readonly metadata: boolean;
  /** Writes outlive the process (false for the process environment). */
  readonly persistent: boolean;
}

/** The stages a version can carry (defined in core). */
export type { Stage };

/** Value-free facts a provider keeps about a secret. */
export interface SecretMetadata {
  /** When the current value was generated or set (ISO 8601). */
  readonly updatedAt?: string;
  /** When the current value must be rotated (ISO 8601). */
  readonly rotateBy?: string;
  /** Version identifier, where the provider has versions. */
  readonly version?: string;
  /**
   * The id of the provider that served the value, set by a fallback chain
   * (`createChainProvider` in src/client/sources.ts) so that health and audit can say where each
   * secret came from; absent when a single provider answers.
   */
  readonly source?: string;
  /** The stages this version carries, where the provider has stages (`versions` listings). */
  readonly stages?: readonly Stage[];
}

/** A secret as read from a provider. */
export interface SecretRecord {
  readonly name: string;
  readonly value: string;
  readonly metadata: SecretMetadata;
}

/** A name and its metadata, without the value. */
export interface SecretListing {
  readonly name: string;
  readonly metadata: SecretMetadata;
}

/** One write of {@link Provider.setMany}. */
export interface SecretWrite {
  readonly name: string;
  readonly value: string;
  /** Metadata to record with the value (needs the `metadata` capability to be kept). */
  readonly metadata?: Omit<SecretMetadata, 'version'>;
  /**
   * Refuse a value equal to one of the secret's last 4 values (PCI-DSS 8.3.7, password-class
   * categories). Providers with `versions` enforce it (COFFER_E_REUSED_VALUE); others keep no
   * history to compare with and ignore it.
   */
  readonly noReuse?: boolean;
}

/** A value-free event a caller asks a provider to add to its own audit log (an export, an import). */
export interface ProviderAuditEvent {
  /** What happened: `export`, `import`, ... */
  readonly action: string;
  /** The secret concerned, if one. */
  readonly name?: string;
  /** Value-free detail: a count, a format, a destination path. */
  readonly detail?: string;
}

/** Options of {@link Provider.putPending}. */
export interface PendingWriteOptions {
  /**
   * The rotation's idempotency token (AWS's ClientRequestToken): a provider that supports one
   * writes nothing new when a version was already made with this token and returns its id.
   */
  readonly token?: string;
  /** Metadata to record with the value. */
  readonly metadata?: SecretWrite['metadata'];
}

/** Options of {@link Provider.get}. */
export interface GetOptions {
  readonly version?: string;
  readonly stage?: Stage;
}

/** The contract every backend implements. */
export interface Provider {
  /** The provider id, equal to its file name (`dotenv`, `aws-secrets-manager`, ...). */
  readonly id: string;
  /** A short, value-free description of where values live (a path, a URL), for messages. */
  readonly location: string;
  /** The local file holding the values, for providers backed by one (its permissions are checked). */
  readonly file?: string;
  readonly capabilities: ProviderCapabilities;
  /** Reads one secret; throws COFFER_E_NOT_FOUND when it does not exist. */
  get(name: string, options?: GetOptions): Promise<SecretRecord>;
  /** Names and metadata of every secret, sorted by name. Needs `list`. */
  list(): Promise<SecretListing[]>;
  /** Writes one secret. Needs `write`. */
  set(name: string, value: string, metadata?: SecretWrite['metadata']): Promise<void>;
  /** Writes several secrets as one operation: all land or none does. Needs `write`. */
  setMany(writes: readonly SecretWrite[]): Promise<void>;
  /** Deletes one secret; throws COFFER_E_NOT_FOUND when it does not exist. Needs `write`. */
  delete(name: string): Promise<void>;
  /**
   * Records an event in the provider's audit log, where it keeps one (the embedded store);
   * absent elsewhere. Reads and writes are audited by the provider itself; this is for what it
   * cannot see, such as values leaving through an export.
   */
  audit?(event: ProviderAuditEvent): Promise<void>;
  /** Every version of a secret, newest first, without values. Needs `versions`. */
  versions?(name: string): Promise<SecretListing[]>;
  /**
   * Of `names`, those whose current value equals one of the `depth` values before it (PCI-DSS
   * 8.3.7), for providers that keep history; absent elsewhere. Providers that keep keyed
   * fingerprints answer without decrypting old values.
   */
  reusedValues?(names: readonly string[], depth: number): Promise<ReadonlySet<string>>;
  /**
   * Writes `value` as a new version carrying only `pending` (the create step of a rotation):
   * readers keep getting `current`. Returns the new version's id. Needs `stages`.
   */
  putPending?(name: string, value: string, options?: PendingWriteOptions): Promise<string>;
  /**
   * Points `stage` at `version`. Making a version `current` moves the old current to `previous`
   * and clears `pending` when it was on that version (a rotation's finish step, or a rollback).
   * COFFER_E_NOT_FOUND when the version does not exist. Needs `stages`.
   */
  moveStage?(name: string, stage: Stage, version: string): Promise<void>;
  /**
   * Takes `stage` off whatever version carries it: discards a rotation's pending value, or ends
   * a grace period by retiring `previous`. Nothing happens when no version carries it. The
   * version itself stays in history. Needs `stages`.
   */
  clearStage?(name: string, stage: Exclude<Stage, 'current'>): Promise<void>;
  /** Releases what the provider holds open (files, connections, keys in memory). Idempotent. */
  close(): Promise<void>;
}

/** The options every provider factory receives besides its own. */
export interface ProviderContext {
  /** Directory relative paths are resolved against (the project root). */
  readonly cwd: string;
  /** The environment variables to consult (defaults to process.env at the call site). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Who acts, for providers that audit (default COFFER_ACTOR, else the OS user). */
  readonly actor: string;
  /** Asks for a passphrase when a provider needs one and has no other key (the CLI prompts on a terminal). */
  readonly passphrase: () => Promise<string | undefined>;
}

/** A provider factory: the default export of each provider file. */
export type ProviderFactory<Options> = (options?: Options, context?: Partial<ProviderContext>) => Provider;
