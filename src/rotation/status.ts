/**
 * `coffer status` as a library function: for every secret of an environment, its age, when it
 * was last rotated, when it is due, how many days are left and a level (ok; warning at 30 days
 * or fewer; critical at 7 or fewer; overdue past the date), with the rotation period its risk
 * tier implies, and any rotation still open (in its grace period, interrupted, or an encryption
 * key's old key kept live until `--finalize` because no retireCheck can tell that data no longer
 * needs it). The dates come from the provider's metadata, the same way `coffer validate`'s
 * rotation check reads them; no value is read.
 */
import { ROTATION_CRITICAL_DAYS, ROTATION_WARNING_DAYS, rotationDue } from '../core/validation/index.js';
import { DAY_MS, type RiskTier } from '../core/categories.js';
import { isCofferError } from '../core/errors.js';
import { secretsOf, type Config, type ResolvedSecret } from '../config/resolve.js';
import { openEnvironmentProvider, type AccessOptions } from '../project/_environment.js';
import type { Provider, SecretMetadata } from '../providers/types.js';
import { listJournals, type JournalEntry } from './journal.js';
import { DEFAULT_ROTATORS } from './registry.js';

/**
 * Whether `secret`'s old value is retired only when the operator asks (`coffer rotate --finalize
 * NAME`), never at the end of its grace period: an encryption key without a retireCheck, since
 * nothing tells coffer that the data under the old key was re-encrypted.
 */
export function heldUntilFinalize(secret: ResolvedSecret): boolean {
  const rotator = secret.rotation?.rotator ?? DEFAULT_ROTATORS[secret.category];
  return rotator === 'encryption-key' && secret.rotation?.options?.retireCheck === undefined;
}

/** A secret's rotation level. */
export type RotationLevel = 'ok' | 'warning' | 'critical' | 'overdue' | 'unknown' | 'missing';

/** One row of `coffer status`; value-free. */
export interface SecretStatus {
  readonly name: string;
  readonly category: string;
  readonly riskTier: RiskTier;
  readonly rotationDays: number;
  /** When the current value was set (the last rotation), if known. */
  readonly lastRotation?: string;
  /** Whole days since then. */
  readonly ageDays?: number;
  readonly dueDate?: string;
  /** Whole days until the due date, negative when past it. */
  readonly daysLeft?: number;
  readonly level: RotationLevel;
  /** An open rotation: `grace until <time>`, or `interrupted at <step>`, and what keeps an old key live. */
  readonly rotation?: string;
  /**
   * The old key of an open rotation stays live until `coffer rotate ENV --finalize NAME`,
   * whatever the grace period: an encryption key without a retireCheck ({@link heldUntilFinalize}).
   */
  readonly heldUntilFinalize?: true;
  /**
   * When the grace period of an open rotation ended, though its old value was never retired: it
   * is still valid at the target until `coffer rotate ENV --finalize NAME` (or the next run).
   */
  readonly graceEnded?: string;
}

/** The report of `coffer status`. */
export interface StatusReport {
  readonly environment: string;
  readonly secrets: readonly SecretStatus[];
  readonly summary: Readonly<Record<RotationLevel, number>>;
  /** Secrets whose grace period ended but whose old value was never retired: run `coffer rotate ENV --finalize` for them. */
  readonly toFinalize: readonly string[];
}

/** Reads the rotation status of every secret of `environment`. */
export async function rotationStatus(config: Config, environment: string, access: AccessOptions = {}, now: Date = new Date()): Promise<StatusReport> {
  const provider = await openEnvironmentProvider(config, environment, access);
  try {
    const listing = provider.capabilities.list ? new Map((await provider.list()).map((s) => [s.name, s.metadata])) : undefined;
    const open = new Map(listJournals(config.root, environment).map((j) => [j.name, j]));
    const rows: SecretStatus[] = [];
    for (const secret of secretsOf(config, environment)) {
      const metadata = listing ? listing.get(secret.name) : await metadataOf(provider, secret.name);
      const journal = open.get(secret.name);
      rows.push({ ...statusOf(secret, metadata, now), ...(journal ? openRotationOf(secret, journal, environment, now) : {}) });
    }
    const summary = { ok: 0, warning: 0, critical: 0, overdue: 0, unknown: 0, missing: 0 };
    for (const row of rows) summary[row.level] += 1;
    return { environment, secrets: rows, summary, toFinalize: rows.filter((r) => r.graceEnded !== undefined).map((r) => r.name) };
  } finally {
    await provider.close();
  }
}

/** When `secret` is due for rotation in `provider` (ISO 8601), or undefined when unknown. */
export async function dueDate(provider: Provider, secret: ResolvedSecret): Promise<string | undefined> {
  return statusOf(secret, await metadataOf(provider, secret.name), new Date()).dueDate;
}

/** One row from a secret's metadata; `metadata` undefined means the secret is missing. */
export function statusOf(secret: ResolvedSecret, metadata: SecretMetadata | undefined, now: Date): SecretStatus {
  const base = { name: secret.name, category: secret.category, riskTier: secret.riskTier, rotationDays: secret.rotationDays };
  if (metadata === undefined) return { ...base, level: 'missing' };
  const due = rotationDue({ name: secret.name, value: undefined, category: secret.category, required: secret.required, rotationDays: secret.rotationDays, metadata });
  const updated = metadata.updatedAt === undefined ? Number.NaN : Date.parse(metadata.updatedAt);
  const age = Number.isNaN(updated) ? {} : { lastRotation: new Date(updated).toISOString(), ageDays: Math.floor((now.getTime() - updated) / DAY_MS) };
  if (due === undefined || due === null) return { ...base, ...age, level: 'unknown' };
  const daysLeft = Math.floor((due.getTime() - now.getTime()) / DAY_MS);
  const level: RotationLevel = daysLeft < 0 ? 'overdue' : daysLeft <= ROTATION_CRITICAL_DAYS ? 'critical' : daysLeft <= ROTATION_WARNING_DAYS ? 'warning' : 'ok';
  return { ...base, ...age, dueDate: due.toISOString(), daysLeft, level };
}

async function metadataOf(provider: Provider, name: string): Promise<SecretMetadata | undefined> {
  try {
    return (await provider.get(name)).metadata;
  } catch (error) {
    if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return undefined;
    throw error;
  }
}

/**
 * What `coffer status` says about the open rotation `journal` of `secret`: `rotation` (`grace
 * until ...`, `interrupted at ...`, or that the grace period ended and the old value is still
 * valid until --finalize), `graceEnded` when a finished rotation's grace period is over but its
 * old value was never retired (the next `coffer rotate` or `--finalize` does that, except for a
 * key held until `--finalize NAME`), and `heldUntilFinalize`.
 */
export function openRotationOf(secret: ResolvedSecret, journal: JournalEntry, environment: string, now: Date): Pick<SecretStatus, 'rotation' | 'graceEnded' | 'heldUntilFinalize'> {
  const held = heldUntilFinalize(secret) && (journal.phase === 'finished' || journal.phase === 'revoking');
  const until = journal.graceUntil;
  const ended = journal.phase === 'finished' && until !== undefined && Date.parse(until) <= now.getTime();
  const finalize = `\`coffer rotate ${environment} --finalize ${journal.name}\``;
  const extra = { ...(ended ? { graceEnded: until } : {}), ...(held ? { heldUntilFinalize: true as const } : {}) };
  if (held) {
    const grace = journal.phase === 'finished' && !ended && until !== undefined ? `grace until ${until}; after that ` : ended ? `grace ended ${until}; ` : '';
    return { rotation: `${grace}old key version ${journal.fromVersion} stays live (no retireCheck): re-encrypt its data, then ${finalize}`, ...extra };
  }
  if (ended) return { rotation: `grace ended ${until}, not finalized: the old value (version ${journal.fromVersion}) is still valid; run ${finalize}`, ...extra };
  return { rotation: journal.phase === 'finished' ? `grace until ${until ?? '?'}` : `interrupted at ${journal.phase}` };
}
