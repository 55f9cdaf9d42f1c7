/**
 * The SecretManager: what applications use to read secrets at run time, from any provider,
 * through a cache built for secrets that rotate.
 *
 * - Cached values are served for `ttlMs` (jittered); after it the stale value is still served
 *   while one background refresh runs (stale-while-revalidate), and a failed refresh keeps the
 *   last good value (stale-if-error) until `maxStalenessMs`, after which reads fail closed.
 * - Concurrent misses of one secret make one provider call (single-flight). A refresh that finds
 *   the same version and value changes nothing and emits nothing; a real change emits `change`.
 * - Provider calls have a timeout, retries with backoff for retryable errors only, and a circuit
 *   breaker. A missing secret, a refusal and an outage stay three different errors.
 * - Every access goes to an in-memory ring buffer (and, on the embedded store, to its chained
 *   audit log); log records pass through a redactor of every value the manager holds.
 */
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { CofferError, isCofferError } from '../core/errors.js';
import { createRedactor, type Redactor } from '../core/redaction.js';
import { hasReferences } from '../core/references.js';
import type { Provider, SecretListing } from '../providers/types.js';
import { AccessLog, type AccessEntry } from './audit-log.js';
import { ErrorState } from './_error-state.js';
import { codeOf, loadFailure, type LoadFailure } from './_load-failure.js';
import { isAuthError } from './_auth-error.js';
import { resolveStored } from './_references.js';
import { buildHealth, withdrawn } from './health.js';
import { Circuit, DEFAULT_CIRCUIT, DEFAULT_RETRY, type RetryOptions } from './resilience.js';
import { ProviderCalls } from './_provider-calls.js';
import { sourceLabel } from './_source-chain.js';
import { isRequired, type SecretNameOf, type SecretSchema, type ValueFor } from './schema.js';
import type { ErrorEvent, GetSecretOptions, HealthReport, LogRecord, RefreshEvent, SecretManagerEvents, SecretManagerOptions, VersionedValue } from './types.js';

const HOUR = 3_600_000;

/** A cached value and what is known about it. */
export interface CacheEntry {
  /** undefined: the provider does not have it and the schema gives no default. */
  readonly value: string | undefined;
  readonly version: string | undefined;
  readonly fingerprint: string;
  readonly source: string;
  readonly fetchedAt: number;
  readonly expiresAt: number;
}

/** Resolved settings. */
interface Settings {
  readonly ttlMs: number;
  readonly jitter: number;
  readonly maxStalenessMs: number;
  readonly timeoutMs: number;
  readonly retry: RetryOptions;
  /** The circuit's cool-down; also how long a secret whose background refresh failed waits for the next. */
  readonly cooldownMs: number;
}

/** The runtime secret manager; create it with `createSecretManager`. */
export class SecretManager<S extends SecretSchema = SecretSchema> extends EventEmitter<SecretManagerEvents> {
  /** The declared secrets. */
  readonly schema: S;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();
  private readonly generations = new Map<string, number>();
  private readonly accessLog: AccessLog;
  private readonly circuit: Circuit;
  private readonly settings: Settings;
  private readonly now: () => number;
  private initialized = false;
  private lastRefresh: number | undefined;
  private readonly errors = new ErrorState();
  /** Per secret: the reload clearCache() started, which reads wait for. */
  private readonly clearing = new Map<string, Promise<RefreshEvent>>();
  /** Per secret: no background refresh before this time (ms), after a failed one. */
  private readonly retryAt = new Map<string, number>();
  private readonly calls: ProviderCalls;
  private redactor: Redactor | undefined;

  /** @internal use createSecretManager */
  constructor(
    readonly provider: Provider,
    private readonly options: SecretManagerOptions<S>,
    /** Why this provider was chosen (for health and logs). */
    readonly providerReason = 'given by the caller',
  ) {
    super();
    this.schema = (options.schema ?? {}) as S;
    this.now = options.now ?? Date.now;
    const circuit = { ...DEFAULT_CIRCUIT, ...options.circuit };
    this.settings = {
      cooldownMs: circuit.cooldownMs,
      ttlMs: options.ttlMs ?? HOUR,
      jitter: Math.min(Math.max(options.jitter ?? 0.1, 0), 0.5),
      maxStalenessMs: options.maxStalenessMs ?? 24 * HOUR,
      timeoutMs: options.timeoutMs ?? 10_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
    };
    this.circuit = new Circuit(circuit, this.now);
    this.calls = new ProviderCalls({
      provider, circuit: this.circuit, errors: this.errors, settings: this.settings, now: this.now,
      onError: (event) => this.reportError(event), log: (record) => this.log(record),
    });
    this.accessLog = new AccessLog(options.auditSize ?? 1000);
  }

  /**
   * Loads every declared secret once. Throws COFFER_E_MISSING_SECRETS listing every required
   * secret that has no value, and naming with its code every secret that could not be read
   * (names and codes only); optional ones fall back to their defaults. When nothing is missing
   * but reads failed, throws the failure (or, for several, one error with the first one's code
   * listing them all).
   */
  async initialize(): Promise<HealthReport> {
    const names = Object.keys(this.schema);
    const failures = await this.loadAll(names);
    const failed = new Set(failures.map((f) => f.name));
    const missing = names.filter((name) => isRequired(this.schema[name]) && !failed.has(name) && this.cache.get(name)?.value === undefined);
    if (missing.length > 0 || failures.length > 0) throw loadFailure(missing, failures, this.provider.id, (text) => this.redact(text));
    this.initialized = true;
    this.lastRefresh = this.now();
    return this.health();
  }

  /**
   * Loads `names` (default: every declared secret) into the cache, in parallel, so `value()` can
   * read them. Every name is tried; then the failures are thrown as `initialize()` does.
   */
  async preload(names: readonly string[] = Object.keys(this.schema)): Promise<void> {
    const failures = await this.loadAll(names);
    if (failures.length > 0) throw loadFailure([], failures, this.provider.id, (text) => this.redact(text));
  }

  private async loadAll(names: readonly string[]): Promise<LoadFailure[]> {
    const results = await Promise.allSettled(names.map((name) => this.load(name)));
    return names.flatMap((name, i) => {
      const result = results[i];
      return result?.status === 'rejected' ? [{ name, error: result.reason as unknown }] : [];
    });
  }

  /**
   * The cached value of a loaded secret, synchronously: the fast path for hot code after
   * `initialize()`. A value past its TTL is still returned while a background refresh runs;
   * past the maximum staleness it throws COFFER_E_UNAVAILABLE.
   */
  value<K extends SecretNameOf<S>>(name: K): ValueFor<S, K> {
    const entry = this.cache.get(name);
    if (entry === undefined) throw new CofferError('COFFER_E_USAGE', `Secret ${name} is not loaded; await initialize() or preload(['${name}']) first, or use get().`);
    const now = this.now();
    if (now >= entry.expiresAt) this.revalidate(name, entry, now);
    this.record(now, 'get', name, entry, now >= entry.expiresAt ? 'stale' : 'cache');
    if (entry.value === undefined && isRequired(this.schema[name])) throw this.missing(name);
    return entry.value as ValueFor<S, K>;
  }

  /** Reads a secret: from cache when fresh, else from the provider (once, however many callers wait). */
  get<K extends SecretNameOf<S>>(name: K, options?: GetSecretOptions): Promise<ValueFor<S, K>> {
    // The cache hit is answered without an async function's overhead: it is the hot path.
    const entry = options === undefined ? this.cache.get(name) : undefined;
    if (entry !== undefined && entry.value !== undefined) {
      const now = this.now();
      if (now < entry.expiresAt) {
        this.record(now, 'get', name, entry, 'cache');
        return Promise.resolve(entry.value as ValueFor<S, K>);
      }
    }
    return this.getSlow(name, options ?? {});
  }

  private async getSlow<K extends SecretNameOf<S>>(name: K, options: GetSecretOptions): Promise<ValueFor<S, K>> {
    if (options.version !== undefined || options.stage !== undefined) return (await this.readVersion(name, options)).value as ValueFor<S, K>;
    // After clearCache(), a read waits for the reload instead of answering with the old value.
    const clearing = this.clearing.get(name);
    if (clearing !== undefined) await clearing;
    const entry = this.cache.get(name);
    const now = this.now();
    const servable = entry !== undefined && !options.bypassCache && (entry.value !== undefined || !isRequired(this.schema[name]));
    if (servable && now < entry.expiresAt) {
      this.record(now, 'get', name, entry, 'cache');
      return entry.value as ValueFor<S, K>;
    }
    // Past the maximum staleness a read waits for the provider instead of failing for good.
    if (servable && !withdrawn(entry, now, this.settings.maxStalenessMs, this.errors.bySecret.has(name))) {
      this.revalidate(name, entry, now);
      this.record(now, 'get', name, entry, 'stale');
      return entry.value as ValueFor<S, K>;
    }
    const loaded = await this.load(name, true);
    if (loaded.value === undefined && isRequired(this.schema[name])) throw this.missing(name);
    return loaded.value as ValueFor<S, K>;
  }

  private missing(name: string): CofferError {
    return new CofferError('COFFER_E_NOT_FOUND', `Secret ${name} is not set in ${this.provider.location}.`, { details: { name } });
  }

  /**
   * Writes a secret through the provider and reloads its cache entry; a new version (or value)
   * is announced with `change`, as a rotation seen by a refresh would be.
   */
  async set(name: SecretNameOf<S>, value: string): Promise<void> {
    await this.audited('set', name, () => this.call(() => this.provider.set(name, value, { updatedAt: new Date(this.now()).toISOString() }), `write of ${name}`, name));
    // A fetch that started before the write must not put the old value back. The old entry stays
    // until the reload replaces it: it is what the reload compares with to emit `change`.
    this.bump(name);
    try {
      await this.load(name, true);
    } catch {
      // The write happened but the reload failed: forget the old value; the next read fetches again.
      this.cache.delete(name);
      this.redactor = undefined;
    }
  }

  /** Deletes a secret at the provider and forgets it. */
  async delete(name: SecretNameOf<S>): Promise<void> {
    await this.audited('delete', name, () => this.call(() => this.provider.delete(name), `delete of ${name}`, name));
    this.bump(name);
    this.cache.delete(name);
    // A failure of a secret that no longer exists says nothing about health.
    this.errors.secretSucceeded(name);
    this.redactor = undefined;
  }

  /** Names and metadata of the provider's secrets; no values. */
  async list(): Promise<SecretListing[]> {
    return this.audited('list', undefined, () => this.call(() => this.provider.list(), 'list'));
  }

  /** Every version of a secret, newest first, without values (providers with versions). */
  async versions(name: SecretNameOf<S>): Promise<SecretListing[]> {
    return this.audited('versions', name, async () => {
      const versions = this.provider.versions;
      if (versions === undefined) throw new CofferError('COFFER_E_UNSUPPORTED', `The ${this.provider.id} provider keeps no versions of ${name}.`);
      return this.call(() => versions.call(this.provider, name), `versions of ${name}`, name);
    });
  }

  /**
   * Replaces a secret's value with `generate(current)` and reloads it; returns the new version.
   * For credentials that live elsewhere too (a database password), use the rotation engine.
   */
  async rotate(name: SecretNameOf<S>, generate: (current: string | undefined) => string | Promise<string>): Promise<string | undefined> {
    const current = this.cache.get(name)?.value;
    await this.audited('rotate', name, async () => {
      const next = await generate(current);
      if (next === '' || next === current) throw new CofferError('COFFER_E_USAGE', `rotate(${name}): the generator returned ${next === '' ? 'an empty value' : 'the current value'}; nothing was written.`);
      await this.set(name, next);
    }, () => this.cache.get(name));
    return this.cache.get(name)?.version;
  }

  /**
   * Runs `work` and records it in the access log whatever the outcome: ok, not-found or error
   * with the code. `entry` gives the entry to record on success (its version and source).
   */
  private async audited<T>(action: string, name: string | undefined, work: () => Promise<T>, entry: () => CacheEntry | undefined = () => undefined): Promise<T> {
    try {
      const result = await work();
      this.record(this.now(), action, name, entry(), 'ok');
      return result;
    } catch (error) {
      this.record(this.now(), action, name, undefined, isCofferError(error, 'COFFER_E_NOT_FOUND') ? 'not-found' : 'error', error);
      throw error;
    }
  }

  /** Reloads every cached and declared secret now; failures keep their last good value. */
  async refresh(): Promise<RefreshEvent> {
    return this.reload([...new Set([...Object.keys(this.schema), ...this.cache.keys()])]);
  }

  /**
   * Reloads `names` from the provider; the one path of every refresh (refresh(), background
   * refreshes of stale values, withFreshOnAuthError), so each emits `refresh` and one without
   * failures moves `lastRefresh`. Never rejects: failures are in the event, and each failed
   * secret keeps its last good value.
   */
  private async reload(names: readonly string[]): Promise<RefreshEvent> {
    const before = new Map(names.map((n) => [n, this.cache.get(n)]));
    const results = await Promise.allSettled(names.map((n) => this.load(n, true, 'refresh')));
    const failed = names.filter((_, i) => results[i]?.status === 'rejected');
    const refreshed = names.filter((_, i) => results[i]?.status === 'fulfilled');
    const changed = refreshed.filter((n) => {
      const [was, is] = [before.get(n), this.cache.get(n)];
      return was !== undefined && is !== undefined && (was.fingerprint !== is.fingerprint || was.version !== is.version);
    });
    if (failed.length === 0) this.lastRefresh = this.now();
    const event = { refreshed, changed, failed };
    this.emit('refresh', event);
    return event;
  }

  /**
   * Forces fresh values: every declared or cached secret is reloaded from the provider now, and
   * fetches that started before the call can no longer put what they read into the cache. Until
   * the reload lands, `value()` still returns the old value (as it does past a TTL, so hot code
   * and health do not break), while `get()` waits for the reload. A secret whose reload fails
   * keeps its last good value, as after any failed refresh. Resolves with the refresh result.
   *
   * @example
   * await secrets.clearCache(); // after rotating secrets out of band
   */
  async clearCache(): Promise<RefreshEvent> {
    const names = [...new Set([...Object.keys(this.schema), ...this.cache.keys()])];
    const now = this.now();
    for (const name of names) {
      this.bump(name);
      const entry = this.cache.get(name);
      if (entry !== undefined && entry.expiresAt > now) this.cache.set(name, { ...entry, expiresAt: now });
    }
    const reloading = this.reload(names);
    for (const name of names) this.clearing.set(name, reloading);
    try {
      return await reloading;
    } finally {
      for (const name of names) if (this.clearing.get(name) === reloading) this.clearing.delete(name);
    }
  }

  /** Value-free health of the manager and of every declared or cached secret. */
  health(): HealthReport {
    return buildHealth({
      schema: this.schema, cache: this.cache, now: this.now(), initialized: this.initialized, source: sourceLabel(this.provider),
      lastRefresh: this.lastRefresh, errors: this.errors, circuit: this.circuit.state, maxStalenessMs: this.settings.maxStalenessMs,
      maskName: (name) => this.currentRedactor().redact(name),
    });
  }

  /**
   * `text` with every value this manager holds masked (`[REDACTED:NAME]`), in any of the common
   * encodings a log line may carry: pass application log lines through it, e.g. from a logger hook.
   *
   * @example
   * const logger = pino({ hooks: { streamWrite: (line) => secrets.redact(line) } });
   */
  redact(text: string): string {
    return this.currentRedactor().redact(text);
  }

  /** The newest `n` access-log entries (default 100), oldest first. */
  getAuditLogs(n = 100): AccessEntry[] {
    // Names are masked too: an application that passes a value where a name belongs must not see it logged.
    const redactor = this.currentRedactor();
    return this.accessLog.recent(n).map((entry) => (entry.name === undefined ? entry : { ...entry, name: redactor.redact(entry.name) }));
  }

  /**
   * Runs `fn`; if it fails with an authentication error (a rotated password the cache has not
   * seen yet), refreshes and runs it once more. `isAuthError` decides what counts (default:
   * PostgreSQL 28P01/28000, Redis WRONGPASS/NOAUTH, HTTP 401, COFFER_E_ACCESS_DENIED).
   */
  async withFreshOnAuthError<T>(fn: () => Promise<T>, options: { names?: readonly SecretNameOf<S>[]; isAuthError?: (error: unknown) => boolean } = {}): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (!(options.isAuthError ?? isAuthError)(error)) throw error;
      if (options.names === undefined) await this.refresh();
      else await this.reload(options.names);
      return fn();
    }
  }

  /** Closes the provider. The manager cannot be used afterwards. */
  async close(): Promise<void> {
    await this.provider.close();
  }

  /**
   * Marks every fetch of `name` started before now as outdated (after a write, a delete or
   * clearCache()); the next background refresh of it need not wait for an earlier failure's pause.
   */
  private bump(name: string): void {
    this.generations.set(name, (this.generations.get(name) ?? 0) + 1);
    this.inflight.delete(name);
    this.retryAt.delete(name);
  }

  /** Fetches `name` (single-flight) and caches it; `force` fetches even when a fetch is not due. */
  private load(name: string, force = false, action: 'get' | 'refresh' = 'get'): Promise<CacheEntry> {
    const running = this.inflight.get(name);
    if (running !== undefined) return running;
    const cached = this.cache.get(name);
    const usable = cached !== undefined && (cached.value !== undefined || !isRequired(this.schema[name]));
    if (usable && !force && this.now() < cached.expiresAt) return Promise.resolve(cached);
    // Only its own slot: after a write, a newer fetch may hold it.
    const work: Promise<CacheEntry> = this.fetch(name, action).finally(() => {
      if (this.inflight.get(name) === work) this.inflight.delete(name);
    });
    this.inflight.set(name, work);
    return work;
  }

  /** Reads `name` from the provider into the cache; audited as `action` (a read, or part of a refresh). */
  private async fetch(name: string, action: 'get' | 'refresh'): Promise<CacheEntry> {
    const previous = this.cache.get(name);
    const generation = this.generations.get(name) ?? 0;
    let entry: CacheEntry;
    try {
      const record = await this.call(() => this.provider.get(name), `read of ${name}`, name);
      const value = hasReferences(record.value) ? await resolveStored(name, record.value, (next) => this.readReferenced(next), this.options.env ?? process.env) : record.value;
      entry = this.entryFor(name, value, record.metadata.version, record.metadata.source ?? this.provider.id);
      this.record(this.now(), action, name, entry, 'ok');
    } catch (error) {
      // A required secret that vanished keeps its last good value (degraded), like any failed refresh.
      if (isCofferError(error, 'COFFER_E_NOT_FOUND') && previous?.value !== undefined && isRequired(this.schema[name]) && this.schema[name] !== undefined) {
        this.failed(name, error, generation, previous);
        this.record(this.now(), action, name, previous, 'not-found', error);
        throw error;
      }
      if (isCofferError(error, 'COFFER_E_NOT_FOUND')) {
        const fallback = this.schema[name]?.default;
        entry = this.entryFor(name, fallback, undefined, fallback === undefined ? this.provider.id : 'default');
        this.record(this.now(), action, name, entry, 'not-found');
      } else {
        // The caller (a background refresh, or a first read) decides what a failure means; the cached entry stays.
        this.failed(name, error, generation, previous);
        this.record(this.now(), action, name, previous, 'error', error);
        throw error;
      }
    }
    if ((this.generations.get(name) ?? 0) !== generation) return entry; // outdated by a write meanwhile
    const ended = this.errors.secretSucceeded(name);
    if (ended !== undefined) this.log({ level: 'info', message: `Secret ${name} was read again from the ${this.provider.id} provider (failing since ${new Date(ended.at).toISOString()}).`, name });
    // Same version and value: keep the entry (no event), only push its expiry.
    if (previous !== undefined && previous.fingerprint === entry.fingerprint && previous.version === entry.version) {
      const renewed = { ...previous, fetchedAt: entry.fetchedAt, expiresAt: entry.expiresAt };
      this.cache.set(name, renewed);
      return renewed;
    }
    this.cache.set(name, entry);
    this.redactor = undefined;
    if (previous !== undefined) {
      this.emit('change', { name, source: entry.source, ...(entry.version ? { version: entry.version } : {}), ...(previous.version ? { previousVersion: previous.version } : {}) });
      this.log({ level: 'info', message: `Secret ${name} changed${entry.version ? ` (version ${entry.version})` : ''}.`, name });
    }
    return entry;
  }

  /** The stored value of a secret another one references: its default when the provider lacks it. */
  private readReferenced(name: string): Promise<string | undefined> {
    return this.call(() => this.provider.get(name), `read of ${name}`, name).then((r) => r.value, (error: unknown) => {
      if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return this.schema[name]?.default;
      throw error;
    });
  }

  /**
   * A stale entry is refreshed in the background; past the maximum staleness reads fail closed.
   * No refresh starts while the circuit refuses calls, nor for a secret whose last background
   * refresh failed less than the circuit's cool-down ago (a refusal does not open the circuit):
   * a thousand reads of a stale value make at most one failing call, one `error` event and one
   * log line, not a thousand.
   */
  private revalidate(name: string, entry: CacheEntry, now: number): void {
    const tooOld = withdrawn(entry, now, this.settings.maxStalenessMs, this.errors.bySecret.has(name));
    if (!this.inflight.has(name) && this.circuit.admits && now >= (this.retryAt.get(name) ?? 0)) {
      this.reload([name]).then((event) => {
        // Failures are counted, logged and emitted where they happen; here only the pace is set.
        if (event.failed.length === 0) this.retryAt.delete(name);
        else this.retryAt.set(name, this.now() + this.settings.cooldownMs);
      }, (error: unknown) => {
        // Only an event listener that threw gets here; nobody awaits a background refresh, so say it.
        this.log({ level: 'error', message: `A listener of the secret manager's events threw during a background refresh of ${name}: ${error instanceof Error ? error.message : String(error)}`, name });
      });
    }
    if (tooOld) {
      throw new CofferError('COFFER_E_UNAVAILABLE', `Secret ${name} could not be refreshed for ${Math.round((now - entry.fetchedAt) / 60_000)} minutes, past the maximum staleness; it is no longer served. Check the ${this.provider.id} provider.`, { details: { name } });
    }
  }

  /**
   * Reads one version of a secret (by `version` or `stage`, default `current`) straight from the
   * provider, with its version id: what keyrings need to tag what they sign or encrypt. Not
   * cached; audited like any read. COFFER_E_NOT_FOUND when no version carries that stage.
   */
  getVersion(name: SecretNameOf<S>, options: Pick<GetSecretOptions, 'version' | 'stage'> = {}): Promise<VersionedValue> {
    return this.readVersion(name, options);
  }

  private async readVersion(name: string, options: GetSecretOptions): Promise<VersionedValue> {
    const at = { ...(options.version ? { version: options.version } : {}), ...(options.stage ? { stage: options.stage } : {}) };
    let record;
    try {
      record = await this.call(() => this.provider.get(name, at), `read of ${name}`, name);
    } catch (error) {
      this.record(this.now(), 'get', name, undefined, isCofferError(error, 'COFFER_E_NOT_FOUND') ? 'not-found' : 'error', error);
      throw error;
    }
    const version = record.metadata.version;
    const source = record.metadata.source ?? this.provider.id;
    this.accessLog.add(this.now(), 'get', name, source, 'ok', version);
    return { value: record.value, ...(version !== undefined ? { version } : {}), source };
  }

  /** Calls the provider (circuit, retries, timeout, error accounting); see src/client/_provider-calls.ts. */
  private call<T>(work: () => Promise<T>, what: string, name?: string): Promise<T> {
    return this.calls.call(work, what, name);
  }

  /** Emits `error` with every value the manager holds masked, only to listeners: without one Node would throw, and a failed refresh must never crash the app. */
  private reportError(event: ErrorEvent): void {
    if (this.listenerCount('error') === 0) return;
    const redactor = this.currentRedactor();
    this.emit('error', { ...(event.name !== undefined ? { name: redactor.redact(event.name) } : {}), code: event.code, message: redactor.redact(event.message) });
  }

  /**
   * A failed fetch of `name`: counted (once), and kept as the secret's last error until its next
   * success, unless a write made the fetch outdated meanwhile. Logged when the secret starts
   * failing, not at every failure after that.
   */
  private failed(name: string, error: unknown, generation: number, previous: CacheEntry | undefined): void {
    const at = this.now();
    const code = codeOf(error);
    this.errors.add(error, code, at);
    if ((this.generations.get(name) ?? 0) !== generation || !this.errors.secretFailed(name, code, at)) return;
    const served = previous?.value !== undefined ? 'serving its last good value until a refresh succeeds' : 'it has no value to serve';
    this.log({ level: 'warn', message: `Secret ${name} could not be read from the ${this.provider.id} provider (${code}); ${served}.`, name, code });
  }

  private entryFor(name: string, value: string | undefined, version: string | undefined, source: string): CacheEntry {
    const now = this.now();
    const ttl = this.schema[name]?.ttlMs ?? this.settings.ttlMs;
    const expiresAt = now + ttl * (1 - this.settings.jitter * Math.random());
    const fingerprint = value === undefined ? '' : createHash('sha256').update(value).digest('base64');
    return { value, version, fingerprint, source, fetchedAt: now, expiresAt };
  }

  private record(now: number, action: string, name: string | undefined, entry: CacheEntry | undefined, outcome: string, error?: unknown): void {
    this.accessLog.add(now, action, name, entry?.source ?? this.provider.id, outcome, entry?.version, error instanceof CofferError ? error.code : undefined);
  }

  private log(record: LogRecord): void {
    this.options.log?.(this.redactRecord(record));
  }

  /**
   * Masks every value the manager holds in a log record's message and name (records are built
   * without values; this is the second line, e.g. for a value passed by mistake as a name).
   */
  private redactRecord(record: LogRecord): LogRecord {
    const redactor = this.currentRedactor();
    return { ...record, message: redactor.redact(record.message), ...(record.name !== undefined ? { name: redactor.redact(record.name) } : {}) };
  }

  /** The redactor of the values now cached, rebuilt only after the cache changed. */
  private currentRedactor(): Redactor {
    this.redactor ??= createRedactor([...this.cache].flatMap(([name, e]) => (e.value === undefined ? [] : [{ name, value: e.value }])));
    return this.redactor;
  }
}

/** The default test of `withFreshOnAuthError` for an authentication failure; see src/client/_auth-error.ts. */
export { isAuthError };
