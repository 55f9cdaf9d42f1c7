/**
 * `coffer migrate` and `coffer copy`: move secrets from one endpoint (an environment, the process
 * environment, a dotenv file, a provider) to another. A plan compares every selected name by
 * digest (never by value): `create` when the target lacks it, `update` when it differs (migrate
 * always; copy only with `overwrite`), `kept` when it differs and is left alone, `unchanged` when
 * equal. A dry run stops at the plan. A real run keeps a record (see _transfer-record.ts) so
 * `rollbackTransfer` undoes exactly what it did, and, for a target without versions, a backup of
 * the values its updates replace (see _transfer-backup.ts); writes go one name at a time, and a failure is
 * reported per name: what was written, what failed and why, and what was not attempted (after an
 * outage nothing more is tried). `validate` reads each written secret back and compares digests.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { CofferError, isCofferError } from '../core/errors.js';
import type { Config } from '../config/resolve.js';
import type { Provider } from '../providers/types.js';
import type { AccessOptions } from './_environment.js';
import { openEndpoint, selectFromProcessEnv, type Endpoint } from './_endpoint.js';
import { formatValueBackup, openValueBackup, removeValueBackup, writeValueBackup, type ReplacedValue } from './_transfer-backup.js';
import { loadRecord, mayHaveWritten, saveRecord, type RecordEntry, type TransferRecord } from './_transfer-record.js';

export type { TransferRecord } from './_transfer-record.js';

/** What to move. */
export interface TransferRequest {
  readonly kind: 'migrate' | 'copy';
  readonly from: string;
  readonly to: string;
  /** The project config, for endpoints that name environments; undefined outside a project. */
  readonly config?: Config;
  /** Where relative files resolve and records go when there is no config. */
  readonly cwd: string;
  /**
   * Only these names (each must exist at the source). With `env` as the source and neither this
   * nor `prefix`, only the secrets the config declares are taken (without a config: COFFER_E_USAGE).
   */
  readonly names?: readonly string[];
  /** Only names starting with this. */
  readonly prefix?: string;
  /** Replace differing values at the target (always true for migrate). */
  readonly overwrite?: boolean;
  readonly dryRun?: boolean;
  /** Read every written secret back and compare digests. */
  readonly validate?: boolean;
  readonly access?: AccessOptions;
  readonly now?: () => Date;
}

/** What happened to one name. */
export interface TransferOutcome {
  readonly name: string;
  readonly action: 'create' | 'update' | 'kept' | 'unchanged';
  /** For create and update in a real run. */
  readonly state?: 'done' | 'failed' | 'not-attempted';
  /** Why it failed: code and a value-free message. */
  readonly error?: { readonly code: string; readonly message: string };
  /** With `validate`: the target reads back the same value (absent when the read itself failed). */
  readonly verified?: boolean;
  /** With `validate`: the read-back failed (denied, unavailable, not found), so nothing was compared. */
  readonly readBackError?: { readonly code: string; readonly message: string };
}

/** The result of a transfer. */
export interface TransferResult {
  readonly from: string;
  readonly to: string;
  readonly dryRun: boolean;
  /** The record id (real runs that wrote or tried to write). */
  readonly id?: string;
  /** Where the values that updates replaced are kept (0600) for rollback, at a target without versions. */
  readonly backupFile?: string;
  readonly outcomes: readonly TransferOutcome[];
  /** Every planned write happened (and, with validate, was read back and found identical). */
  readonly complete: boolean;
}

/** Plans and (unless a dry run) applies a transfer. */
export async function transferSecrets(request: TransferRequest): Promise<TransferResult> {
  if (request.from === request.to) throw new CofferError('COFFER_E_USAGE', `The source and the target are both "${request.from}"; name two different endpoints.`);
  const source = await openEndpoint(request.from, request.config, request.cwd, request.access);
  try {
    const target = await openEndpoint(request.to, request.config, request.cwd, request.access);
    try {
      if (!target.provider.capabilities.write) throw new CofferError('COFFER_E_UNSUPPORTED', `${target.label} cannot be written to.`);
      if (!target.provider.capabilities.persistent) throw new CofferError('COFFER_E_UNSUPPORTED', `${target.label} does not keep what is written past this process; migrate to an environment, a file or a provider.`);
      const plan = await makePlan(source, target, request);
      // A dry run refuses what the real run would: a replaced value the backup cannot hold.
      if (request.dryRun) formatValueBackup(target.label, replacedValues(plan));
      if (request.dryRun) return { from: source.label, to: target.label, dryRun: true, outcomes: plan.map(({ name, action }) => ({ name, action })), complete: true };
      return await apply(source, target, plan, request);
    } finally {
      await target.provider.close();
    }
  } finally {
    await source.provider.close();
  }
}

interface Planned {
  readonly name: string;
  readonly action: TransferOutcome['action'];
  readonly value: string;
  readonly previousVersion?: string;
  /** For an update at a target that cannot give the earlier value back: that value, for the backup. */
  readonly previous?: string;
}

async function makePlan(source: Endpoint, target: Endpoint, request: TransferRequest): Promise<Planned[]> {
  const all = (await source.provider.list()).map((s) => s.name);
  const listed = source.kind === 'process' ? selectFromProcessEnv(all, request.config, request.names !== undefined || request.prefix !== undefined) : all;
  const missing = (request.names ?? []).filter((n) => !listed.includes(n));
  if (missing.length > 0) throw new CofferError('COFFER_E_NOT_FOUND', `${source.label} has no ${missing.join(', ')}.`);
  const names = listed.filter((n) => (request.names === undefined || request.names.includes(n)) && (request.prefix === undefined || n.startsWith(request.prefix)));
  const overwrite = request.kind === 'migrate' || request.overwrite === true;
  const plan: Planned[] = [];
  for (const name of names) {
    const value = (await source.provider.get(name)).value;
    const existing = await readOptional(target.provider, name);
    if (existing === undefined) plan.push({ name, action: 'create', value });
    else if (sameValue(existing.value, value)) plan.push({ name, action: 'unchanged', value });
    else if (!overwrite) plan.push({ name, action: 'kept', value });
    else if (existing.version !== undefined && target.provider.capabilities.versions) plan.push({ name, action: 'update', value, previousVersion: existing.version });
    else plan.push({ name, action: 'update', value, previous: existing.value });
  }
  return plan;
}

/** The values the planned updates replace where the target cannot give them back. */
function replacedValues(plan: readonly Planned[]): ReplacedValue[] {
  return plan.flatMap((p) => (p.action === 'update' && p.previous !== undefined ? [{ name: p.name, value: p.previous }] : []));
}

async function apply(source: Endpoint, target: Endpoint, plan: readonly Planned[], request: TransferRequest): Promise<TransferResult> {
  const writes = plan.filter((p) => p.action === 'create' || p.action === 'update');
  const root = request.config?.root ?? request.cwd;
  const now = request.now ?? (() => new Date());
  const base = { from: source.label, to: target.label, dryRun: false };
  if (writes.length === 0) return { ...base, outcomes: plan.map(({ name, action }) => ({ name, action })), complete: true };
  const id = `${now().toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 18)}-${randomBytes(3).toString('hex')}`;
  // Before the first write: the values updates replace where the target keeps no history, so
  // that rollback can put them back (a value that cannot be kept refuses the whole transfer here).
  const replaced = replacedValues(writes);
  const backupFile = replaced.length > 0 ? writeValueBackup(root, id, target.label, replaced) : undefined;
  const record: TransferRecord = {
    id, kind: request.kind, from: request.from, to: request.to, startedAt: now().toISOString(), status: 'running',
    ...(backupFile !== undefined ? { backupFile } : {}),
    entries: writes.map(({ name, action, previousVersion }) => ({ name, action: action as RecordEntry['action'], state: 'pending', ...(previousVersion ? { previousVersion } : {}) })),
  };
  try {
    saveRecord(root, record);
  } catch (error) {
    if (backupFile !== undefined) removeValueBackup(backupFile);
    throw error;
  }
  const states = new Map<string, TransferOutcome>();
  let outage = false;
  for (const [i, write] of writes.entries()) {
    const entry = record.entries[i] as RecordEntry;
    if (outage) {
      entry.state = 'not-attempted';
      states.set(write.name, { name: write.name, action: write.action, state: 'not-attempted' });
      continue;
    }
    try {
      await target.provider.set(write.name, write.value);
      entry.state = 'done';
      states.set(write.name, { name: write.name, action: write.action, state: 'done' });
    } catch (error) {
      const failure = describe(error);
      entry.state = 'failed';
      entry.code = failure.code;
      outage = isCofferError(error) && error.retryable;
      // A retryable failure may come after the target acted (a lost answer): rollback checks it.
      entry.retryable = outage;
      states.set(write.name, { name: write.name, action: write.action, state: 'failed', error: failure });
    }
    saveRecord(root, record);
  }
  if (request.validate) {
    for (const write of writes) {
      const outcome = states.get(write.name);
      if (outcome?.state !== 'done') continue;
      // A read that fails compared nothing: it is reported as such, never as a mismatch.
      try {
        const back = await target.provider.get(write.name);
        states.set(write.name, { ...outcome, verified: sameValue(back.value, write.value) });
      } catch (error) {
        states.set(write.name, { ...outcome, readBackError: describe(error) });
      }
    }
  }
  const outcomes = plan.map((p) => states.get(p.name) ?? { name: p.name, action: p.action });
  const complete = outcomes.every((o) => (o.state === undefined || o.state === 'done') && o.verified !== false && o.readBackError === undefined);
  record.status = record.entries.every((e) => e.state === 'done') ? 'complete' : 'partial';
  saveRecord(root, record);
  return { ...base, id, ...(backupFile !== undefined ? { backupFile } : {}), outcomes, complete };
}

/** What `rollbackTransfer` did per name. */
export interface RollbackOutcome {
  readonly name: string;
  readonly action: 'deleted' | 'restored' | 'skipped' | 'failed';
  readonly detail?: string;
}

/** The result of {@link rollbackTransfer}. */
export interface RollbackResult {
  readonly id: string;
  readonly to: string;
  readonly outcomes: RollbackOutcome[];
  /** Nothing the transfer wrote is left to undo. */
  readonly complete: boolean;
  /** The backup of replaced values, deleted because the rollback completed. */
  readonly removedBackup?: string;
}

/**
 * Undoes the recorded transfer `id` (default: the newest not rolled back): deletes what it
 * created, and puts back the previous value of what it updated (from the target's version
 * history, or from the backup of replaced values, which is deleted once the rollback is
 * complete). Names it never wrote are left alone.
 */
export async function rollbackTransfer(request: { config?: Config; cwd: string; id?: string; access?: AccessOptions }): Promise<RollbackResult> {
  const root = request.config?.root ?? request.cwd;
  const record = loadRecord(root, request.id === undefined ? undefined : request.id);
  const target = await openEndpoint(record.to, request.config, request.cwd, request.access);
  const backupFile = record.backupFile;
  const backup = backupFile !== undefined && existsSync(backupFile) ? await openValueBackup(backupFile, root) : undefined;
  const earlier = async (entry: RecordEntry): Promise<string> => {
    if (entry.previousVersion !== undefined) return (await target.provider.get(entry.name, { version: entry.previousVersion })).value;
    if (backupFile === undefined) throw new CofferError('COFFER_E_NOT_FOUND', `no earlier value of ${entry.name} was kept (this record predates the backup of replaced values)`);
    if (backup === undefined) throw new CofferError('COFFER_E_NOT_FOUND', `the backup holding the earlier value of ${entry.name}, ${backupFile}, is gone`);
    return (await backup.get(entry.name)).value;
  };
  const outcomes: RollbackOutcome[] = [];
  try {
    for (const entry of [...record.entries].reverse()) {
      if (!mayHaveWritten(entry)) {
        const detail = entry.state === 'rolled-back' ? 'already rolled back' : entry.state === 'not-attempted' ? 'it was not attempted' : `its write failed (${entry.code ?? 'an error'})`;
        outcomes.push({ name: entry.name, action: 'skipped', detail });
        continue;
      }
      // A write in flight when the run died, or one whose answer was lost, may or may not have
      // landed: look at the target, and undo it only where it did.
      const unsure = entry.state !== 'done';
      const write = `its ${entry.state === 'pending' ? 'unfinished' : 'failed'} write`;
      const neverLanded = { name: entry.name, action: 'skipped' as const, detail: `${write} had not landed` };
      try {
        if (entry.action === 'create') {
          const present = await target.provider.delete(entry.name).then(() => true, (error: unknown) => {
            if (!isCofferError(error, 'COFFER_E_NOT_FOUND')) throw error;
            return false;
          });
          outcomes.push(unsure && !present ? neverLanded : { name: entry.name, action: 'deleted', ...(unsure ? { detail: `${write} had landed` } : {}) });
        } else {
          const value = await earlier(entry);
          const current = unsure ? await readOptional(target.provider, entry.name) : undefined;
          if (current !== undefined && sameValue(current.value, value)) outcomes.push(neverLanded);
          else {
            await target.provider.set(entry.name, value);
            outcomes.push({ name: entry.name, action: 'restored', detail: `${entry.previousVersion ? `from version ${entry.previousVersion}` : 'from the backup'}${unsure ? `; ${write} had landed` : ''}` });
          }
        }
        entry.state = 'rolled-back';
      } catch (error) {
        outcomes.push({ name: entry.name, action: 'failed', detail: describe(error).message });
      }
      saveRecord(root, record);
    }
    const complete = !record.entries.some(mayHaveWritten);
    if (complete) {
      record.status = 'rolled-back';
      delete record.backupFile;
    }
    saveRecord(root, record);
    // The replaced values are needed no more once nothing is left to undo; the record no longer
    // points at them, so a crash before this line leaves only a stray file that nothing reads.
    if (complete && backupFile !== undefined) removeValueBackup(backupFile);
    return { id: record.id, to: target.label, outcomes: outcomes.reverse(), complete, ...(complete && backupFile !== undefined ? { removedBackup: backupFile } : {}) };
  } finally {
    await backup?.close();
    await target.provider.close();
  }
}

async function readOptional(provider: Provider, name: string): Promise<{ value: string; version?: string } | undefined> {
  try {
    const record = await provider.get(name);
    return { value: record.value, ...(record.metadata.version !== undefined ? { version: record.metadata.version } : {}) };
  } catch (error) {
    if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return undefined;
    throw error;
  }
}

/** Compares two values by SHA-256 digest in constant time. */
export function sameValue(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function describe(error: unknown): { code: string; message: string } {
  return error instanceof CofferError ? { code: error.code, message: error.message } : { code: 'COFFER_E_INTERNAL', message: 'an unexpected error (not shown: it may hold a value)' };
}
