/**
 * The SecretManager's options, events and health report: the vocabulary applications use.
 * Nothing here carries a value except what `get`/`value` return to the caller who asked.
 */
import type { Provider, Stage } from '../providers/types.js';
import type { CircuitOptions, RetryOptions } from './resilience.js';
import type { SecretSchema } from './schema.js';

/** Options of `createSecretManager`. Every duration is in milliseconds. */
export interface SecretManagerOptions<S extends SecretSchema = SecretSchema> {
  /** The declared secrets (from `defineSecrets` or `schemaFromConfig`); types `get` and `value`. */
  readonly schema?: S;
  /**
   * Where values come from: a Provider instance, a provider id, or nothing to choose from the
   * environment (SECRET_PROVIDER, then detection; see docs/sources.md). ENABLE_SECRET_MANAGER=false
   * in the environment overrides it (plain environment variables: the emergency switch).
   */
  readonly provider?: Provider | string;
  /** Options of the provider when it is given by id. */
  readonly providerOptions?: Readonly<Record<string, unknown>>;
  /** Providers tried in order after the first, for secrets it does not have (e.g. `['env']`). */
  readonly fallback?: readonly (Provider | string)[];
  /** Environment variables for detection and `${env:NAME}` references; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory provider paths resolve against; default process.cwd(). */
  readonly cwd?: string;
  /** How long a value is served before it is refreshed; default 1 hour. */
  readonly ttlMs?: number;
  /** Fraction of the TTL randomly taken off each expiry so many processes do not refresh at once; default 0.1. */
  readonly jitter?: number;
  /**
   * How long past its TTL a value may still be served while refreshes fail; after it, once a
   * refresh has failed, reads fail closed with COFFER_E_UNAVAILABLE. A value nobody read for that
   * long is not withdrawn unread: its next read refreshes it. Default 24 hours.
   */
  readonly maxStalenessMs?: number;
  /** Longest wait for one provider call; default 10 s. */
  readonly timeoutMs?: number;
  /** Retries of retryable failures; default 3 attempts, 100 ms doubling up to 2 s. */
  readonly retry?: Partial<RetryOptions>;
  /**
   * Circuit breaker; default open after 5 failures in a row, for 30 s. While open no background
   * refresh starts; a secret whose background refresh failed waits one cool-down before the next.
   */
  readonly circuit?: Partial<CircuitOptions>;
  /** Entries kept in the in-memory access log; default 1,000. */
  readonly auditSize?: number;
  /**
   * Receives value-free log records, one per change of state (a secret changed, started failing
   * or was read again; the circuit opened or closed); every known value is masked first.
   */
  readonly log?: (record: LogRecord) => void;
  /** The clock, in ms since the epoch; default Date.now. */
  readonly now?: () => number;
}

/** A value-free log record from the manager. */
export interface LogRecord {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly name?: string;
  readonly code?: string;
}

/** Options of `get`. */
export interface GetSecretOptions {
  /** Read this version (provider-specific id; a number for the embedded store). Not cached. */
  readonly version?: string;
  /** Read the version carrying this stage. Not cached. */
  readonly stage?: Stage;
  /** Ask the provider now instead of serving from cache (the answer refreshes the cache). */
  readonly bypassCache?: boolean;
}

/** One version of a secret with its id, as {@link SecretManager.getVersion} returns it. */
export interface VersionedValue {
  readonly value: string;
  /** The provider's version id; absent for providers without versions (env, dotenv, file). */
  readonly version?: string;
  /** The provider that served it. */
  readonly source: string;
}

/** Payload of the `change` event: a secret's value changed (new version, or new value). */
export interface ChangeEvent {
  readonly name: string;
  readonly version?: string;
  readonly previousVersion?: string;
  readonly source: string;
}

/** Payload of the `refresh` event. */
export interface RefreshEvent {
  readonly refreshed: readonly string[];
  readonly changed: readonly string[];
  readonly failed: readonly string[];
}

/** Payload of the `error` event: a failed provider call (the value, if cached, is still served). */
export interface ErrorEvent {
  readonly name?: string;
  readonly code: string;
  readonly message: string;
}

/** The events a SecretManager emits. */
export interface SecretManagerEvents {
  change: [ChangeEvent];
  refresh: [RefreshEvent];
  error: [ErrorEvent];
}

/** One secret in the health report: facts, never the value. */
export interface SecretHealth {
  readonly loaded: boolean;
  readonly required: boolean;
  readonly hasDefault: boolean;
  /** The provider that served it, `default`, or null when not loaded. */
  readonly source: string | null;
  readonly version: string | null;
  /** The value is past its TTL (served stale while refreshing or after a failed refresh). */
  readonly stale: boolean;
  /**
   * The secret's last fetch failed: its code and ISO 8601 time. The last good value (if any) is
   * still served. Cleared by this secret's next successful fetch only; null while it is fine.
   */
  readonly lastError: { readonly code: string; readonly at: string } | null;
}

/** What `health()` returns. */
export interface HealthReport {
  /**
   * unhealthy: not initialised, or a required secret is missing or unreadable; degraded: a
   * secret's last fetch failed (its last good value is served) or the circuit is not closed; else
   * healthy. Values past their TTL alone are not degraded (see `cacheExpired`).
   */
  readonly status: 'healthy' | 'degraded' | 'unhealthy';
  readonly initialized: boolean;
  /** The provider id (`store`, `dotenv`, ...), or for a fallback chain its providers in order (`chain(store,env)`). */
  readonly source: string;
  readonly secretsLoaded: number;
  readonly requiredSecretsOk: boolean;
  /** Milliseconds since the oldest cached value was fetched (0 when nothing is cached). */
  readonly cacheAge: number;
  /** True when any cached value is past its TTL. */
  readonly cacheExpired: boolean;
  /** ISO 8601 time of the last successful refresh or initialisation, or null. */
  readonly lastRefresh: string | null;
  /**
   * Errors since the manager was created (failed provider calls for reads, refreshes, writes and
   * lists, and failed fetches such as a required secret that vanished or a broken reference; a
   * missing optional secret is an answer, not an error), with the last one's code and ISO time.
   * Per secret, `secrets[name].lastError` says which ones are failing now.
   */
  readonly errors: { readonly count: number; readonly lastCode: string | null; readonly lastAt: string | null };
  /** The provider's circuit breaker. */
  readonly circuit: 'closed' | 'open' | 'half-open';
  readonly secrets: Readonly<Record<string, SecretHealth>>;
}
