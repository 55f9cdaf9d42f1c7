/**
 * The SecretManager's health report, computed from its cache and counters: what `/healthz` and
 * `/admin/secrets/health` show. Names, sources, versions and ages only; never a value.
 */
import { isRequired, type SecretSchema } from './schema.js';
import type { HealthReport, SecretHealth } from './types.js';
import type { CacheEntry } from './manager.js';
import type { ErrorState } from './_error-state.js';

/** What {@link buildHealth} reads. */
export interface HealthInput {
  readonly schema: SecretSchema;
  readonly cache: ReadonlyMap<string, CacheEntry>;
  readonly now: number;
  readonly initialized: boolean;
  readonly source: string;
  readonly lastRefresh: number | undefined;
  readonly errors: ErrorState;
  readonly circuit: 'closed' | 'open' | 'half-open';
  /** Entries this far past their TTL whose refresh failed are no longer served, so count as not loaded. */
  readonly maxStalenessMs: number;
  /** Masks a secret name that is in fact a value (an application passed a value as a name). */
  readonly maskName?: (name: string) => string;
}

/**
 * Whether a cached value is no longer served: it is past its TTL by the maximum staleness and
 * its last refresh failed. Only failing refreshes withdraw a value; one that nobody read for that
 * long is served once more while the read refreshes it, since nothing says the provider is down.
 */
export function withdrawn(entry: CacheEntry, now: number, maxStalenessMs: number, failing: boolean): boolean {
  return failing && now - entry.expiresAt >= maxStalenessMs;
}

/**
 * unhealthy: not initialised, or a required secret has no value; degraded: a secret whose last
 * fetch failed (its last good value still served), or a circuit that is not closed; else healthy.
 * Only a secret's own successful fetch clears its failure. A value past its TTL alone is not
 * degraded (`cacheExpired` says so): it is refreshed at its next read, and a secret read only at
 * start-up would otherwise make a sound process read as degraded an hour later, forever.
 */
export function buildHealth(input: HealthInput): HealthReport {
  const names = [...new Set([...Object.keys(input.schema), ...input.cache.keys(), ...input.errors.bySecret.keys()])].sort();
  const secrets: Record<string, SecretHealth> = {};
  let requiredOk = true;
  let expired = false;
  let oldest: number | undefined;
  for (const name of names) {
    const definition = input.schema[name];
    const entry = input.cache.get(name);
    const servable = entry !== undefined && !withdrawn(entry, input.now, input.maxStalenessMs, input.errors.bySecret.has(name));
    const loaded = servable && entry.value !== undefined;
    const required = isRequired(definition) && definition !== undefined;
    const stale = entry !== undefined && input.now >= entry.expiresAt;
    if (required && !loaded) requiredOk = false;
    if (stale) expired = true;
    if (entry !== undefined) oldest = Math.min(oldest ?? entry.fetchedAt, entry.fetchedAt);
    const failed = input.errors.bySecret.get(name);
    secrets[input.maskName?.(name) ?? name] = {
      loaded, required, hasDefault: definition?.default !== undefined,
      source: entry === undefined ? null : entry.source, version: entry?.version ?? null, stale,
      lastError: failed === undefined ? null : { code: failed.code, at: new Date(failed.at).toISOString() },
    };
  }
  const loadedCount = Object.values(secrets).filter((s) => s.loaded).length;
  const status = !input.initialized || !requiredOk ? 'unhealthy'
    : input.errors.bySecret.size > 0 || input.circuit !== 'closed' ? 'degraded' : 'healthy';
  return {
    status, initialized: input.initialized, source: input.source, secretsLoaded: loadedCount, requiredSecretsOk: requiredOk,
    cacheAge: oldest === undefined ? 0 : input.now - oldest, cacheExpired: expired,
    lastRefresh: input.lastRefresh === undefined ? null : new Date(input.lastRefresh).toISOString(),
    errors: { count: input.errors.count, lastCode: input.errors.lastCode, lastAt: input.errors.lastAt === undefined ? null : new Date(input.errors.lastAt).toISOString() },
    circuit: input.circuit, secrets,
  };
}
