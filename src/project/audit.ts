/**
 * `coffer audit` and `coffer audit verify` at library level: lists the embedded store's audit
 * entries with filters, and checks the hash chain that makes an edited, removed or reordered entry
 * detectable. Entries never hold a value, so nothing here can show one. `--since` accepts an ISO
 * date or time, or a duration back from now (`30m`, `24h`, `7d`, `2w`).
 */
import { CofferError, isCofferError } from '../core/errors.js';
import { SECRET_NAME } from '../core/names.js';
import type { Config } from '../config/resolve.js';
import type { AuditFilter } from '../store/sqlite-store.js';
import { openEnvironmentStore, type AccessOptions, type EnvironmentStore } from './_environment.js';

/** What the audit commands receive. */
export interface AuditRequest {
  readonly config: Config;
  /** The configured environment whose store is read. */
  readonly environment: string;
  /** Actor, passphrase prompt and environment variables. */
  readonly access?: AccessOptions;
}

/** Filters of {@link listAudit}; all optional and combined with AND. */
export interface ListAuditRequest extends AuditRequest {
  /** Only entries about this secret. */
  readonly secret?: string;
  /** Only entries with this action (read, write, delete, key-rotate, ...). */
  readonly action?: string;
  /** Only entries at or after this time: an ISO date/time or a duration such as `24h` (see {@link parseSince}). */
  readonly since?: string;
  /** Only the newest `limit` entries (still listed oldest first). */
  readonly limit?: number;
  /**
   * Entries of every environment in the store file, and the store-wide ones (key changes);
   * default false: only the environment's own entries.
   */
  readonly allEnvs?: boolean;
  /** The clock for relative `since`; default now. */
  readonly now?: Date;
}

/** One audit entry as listed: value-free fields, with its chain MAC in hex. */
export interface AuditRecord {
  readonly seq: number;
  /** ISO 8601 time (of the first read, for coalesced reads). */
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  /** The environment inside the store; null for store-wide entries. */
  readonly env: string | null;
  readonly name: string | null;
  readonly version: number | null;
  readonly outcome: string;
  /** Value-free detail: a stage, a reason, or `N reads, last at <time>` for coalesced reads. */
  readonly detail: string | null;
  /** The entry's chain MAC (HMAC-SHA-256), hex. */
  readonly mac: string;
}

/** The result of {@link listAudit}. */
export interface AuditListing {
  /** The store file. */
  readonly store: string;
  /** The environment inside the store the listing is limited to; null with `allEnvs`. */
  readonly env: string | null;
  /** The time `since` resolved to, when given. */
  readonly since?: string;
  readonly entries: readonly AuditRecord[];
}

/** The result of {@link verifyAuditChain}. */
export type AuditVerdict = { readonly store: string; readonly entries: number } & (
  | { readonly ok: true }
  | { readonly ok: false; readonly firstBadSeq: number; readonly reason: 'edited' | 'removed-or-reordered' }
);

const UNITS_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d{1,6})([smhdw])$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Turns a `--since` argument into the ISO 8601 UTC time the audit log compares with: a
 * duration back from `now` (`30m`, `24h`, `7d`, `2w`; units s, m, h, d, w), a date
 * (`2024-05-01`, midnight UTC) or a date and time (`2024-05-01T12:00:00Z`; without an offset it
 * is local time). Anything else, or an impossible date, is COFFER_E_USAGE with an example.
 *
 * @example
 * parseSince('24h', new Date('2024-05-02T00:00:00Z')) // '2024-05-01T00:00:00.000Z'
 */
export function parseSince(text: string, now: Date = new Date()): string {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  if (duration !== null) {
    const ms = Number(duration[1]) * UNITS_MS[duration[2] as keyof typeof UNITS_MS];
    const at = new Date(now.getTime() - ms);
    if (!Number.isNaN(at.getTime())) return at.toISOString();
  } else if (ISO_TIME.test(trimmed)) {
    const at = new Date(trimmed.replace(' ', 'T'));
    if (!Number.isNaN(at.getTime()) && isRealDate(trimmed.slice(0, 10))) return at.toISOString();
  }
  throw new CofferError('COFFER_E_USAGE', `--since ${JSON.stringify(trimmed.slice(0, 40))} is not a time: give a duration back from now such as 30m, 24h or 7d, or an ISO date or time such as 2024-05-01 or 2024-05-01T12:00:00Z.`);
}

/**
 * Lists the audit entries of an environment's store, oldest first, filtered. Reads of the same
 * secret close together appear as one entry whose detail counts them.
 */
export async function listAudit(request: ListAuditRequest): Promise<AuditListing> {
  const { secret, action, limit } = request;
  if (secret !== undefined && !SECRET_NAME.test(secret)) {
    throw new CofferError('COFFER_E_USAGE', '--secret takes a secret name: letters, digits and _, not starting with a digit.');
  }
  if (action !== undefined && !/^[a-z][a-z-]{0,39}$/.test(action)) {
    throw new CofferError('COFFER_E_USAGE', '--action takes an action name such as read, write, delete or key-rotate.');
  }
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new CofferError('COFFER_E_USAGE', '--limit takes a whole number of entries, 1 or more.');
  }
  const since = request.since === undefined ? undefined : parseSince(request.since, request.now);
  return withAuditStore(request, (es) => {
    const filter: AuditFilter = {
      ...(request.allEnvs ? {} : { env: es.env }),
      ...(secret === undefined ? {} : { name: secret }),
      ...(action === undefined ? {} : { action }),
      ...(since === undefined ? {} : { since }),
      ...(limit === undefined ? {} : { limit }),
    };
    const entries = es.store.auditEntries(filter).map((e): AuditRecord => ({
      seq: e.seq, at: e.at, actor: e.actor, action: e.action, env: e.env, name: e.name,
      version: e.version, outcome: e.outcome, detail: e.detail, mac: Buffer.from(e.mac).toString('hex'),
    }));
    return { store: es.path, env: request.allEnvs ? null : es.env, ...(since === undefined ? {} : { since }), entries };
  });
}

/**
 * Verifies the store's whole audit chain (every environment of the store file): each entry's
 * MAC, that sequence numbers run without gaps, and that nothing was cut off the end. A broken
 * chain names the first entry that fails; the entries before it are intact.
 */
export async function verifyAuditChain(request: AuditRequest): Promise<AuditVerdict> {
  return withAuditStore(request, (es) => {
    const verdict = es.store.verifyAudit();
    return verdict.ok
      ? { store: es.path, ok: true, entries: verdict.entries }
      : { store: es.path, ok: false, entries: verdict.entries, firstBadSeq: verdict.firstBadSeq, reason: verdict.reason };
  });
}

/**
 * Opens the environment's store, runs `work` and closes it (the audit and key commands share
 * it). A store that does not exist yet is COFFER_E_NOT_FOUND saying how one is created.
 */
export async function withAuditStore<T>(request: AuditRequest, work: (es: EnvironmentStore) => T | Promise<T>): Promise<T> {
  let es: EnvironmentStore;
  try {
    es = await openEnvironmentStore(request.config, request.environment, request.access);
  } catch (error) {
    if (!isCofferError(error, 'COFFER_E_NOT_FOUND')) throw error;
    throw new CofferError('COFFER_E_NOT_FOUND', `Environment "${request.environment}" has no store yet (no audit log, no keys); the first write creates it (\`coffer generate ${request.environment}\`).`, { cause: error });
  }
  try {
    return await work(es);
  } finally {
    es.store.close();
  }
}

/** True when `yyyy-mm-dd` names a day that exists (Date would turn 2024-02-30 into March 1). */
function isRealDate(date: string): boolean {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}
