/**
 * `coffer migrate` and `coffer copy`: move secrets from one endpoint (an environment, the process
 * environment, a dotenv file, a provider) to another. A plan compares every selected name by
 * digest (never by value): `create` when the target lacks it, `update` when it differs (migrate
 * always; copy only with `overwrite`), `kept` when it differs and is left alone, `unchanged` when
 * equal. A dry run stops at the plan. A real run keeps a record (see _transfer-record.ts) so
 * `rollbackTransfer` undoes exactly what it did; writes go one name at a time, and a failure is
 * reported per name: what was written, what failed and why, and what was not attempted (after an
 * outage nothing more is tried). `validate` reads each written secret back and compares digests.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CofferError, isCofferError } from '../core/errors.js';
import type { Config } from '../config/resolve.js';
import { writeFileAtomic } from '../io/secure-file.js';
import { openProvider } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';
import type { AccessOptions } from './_environment.js';
import { openEndpoint, type Endpoint } from './_endpoint.js';
import { loadRecord, recordsDir, saveRecord, type RecordEntry, type TransferRecord } from './_transfer-record.js';

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
  /** Only these names (each must exist at the source). */
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
  /** With `validate`: the target reads back the same value. */
  readonly verified?: boolean;
}

/** The result of a transfer. */
export interface TransferResult {
  readonly from: string;
  readonly to: string;
  readonly dryRun: boolean;
  /** The record id (real runs that wrote or tried to write). */
  readonly id?: string;
  readonly outcomes: readonly TransferOutcome[];
  /** Every planned write happened (and, with validate, read back identical). */
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
}

async function makePlan(source: Endpoint, target: Endpoint, request: TransferRequest): Promise<Planned[]> {
  const listed = (await source.provider.list()).map((s) => s.name);
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
    else plan.push({ name, action: overwrite ? 'update' : 'kept', value, ...(existing.version !== undefined && target.provider.capabilities.versions ? { previousVersion: existing.version } : {}) });
  }
  return plan;
}

async function apply(source: Endpoint, target: Endpoint, plan: readonly Planned[], request: TransferRequest): Promise<TransferResult> {
  const writes = plan.filter((p) => p.action === 'create' || p.action === 'update');
  const root = request.config?.root ?? request.cwd;
  const now = request.now ?? (() => new Date());
  const base = { from: source.label, to: target.label, dryRun: false };
  if (writes.length === 0) return { ...base, outcomes: plan.map(({ name, action }) => ({ name, action })), complete: true };
  const id = `${now().toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 18)}-${randomBytes(3).toString('hex')}`;
  const record: TransferRecord = {
    id, kind: request.kind, from: request.from, to: request.to, startedAt: now().toISOString(), status: 'running',
    ...backupFor(target.provider, writes, root, id),
    entries: writes.map(({ name, action, previousVersion }) => ({ name, action: action as RecordEntry['action'], state: 'pending', ...(previousVersion ? { previousVersion } : {}) })),
  };
  saveRecord(root, record);
  const states = new Map<string, TransferOutcome>();
  let outage = false;
  for (const [i, write] of writes.entries()) {
    const entry = record.entries[i] as RecordEntry;
    if (outage) {
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
      states.set(write.name, { name: write.name, action: write.action, state: 'failed', error: failure });
    }
    saveRecord(root, record);
  }
  if (request.validate) {
    for (const write of writes) {
      const outcome = states.get(write.name);
      if (outcome?.state !== 'done') continue;
      const back = await readOptional(target.provider, write.name).catch(() => undefined);
      states.set(write.name, { ...outcome, verified: back !== undefined && sameValue(back.value, write.value) });
    }
  }
  const outcomes = plan.map((p) => states.get(p.name) ?? { name: p.name, action: p.action });
  const complete = outcomes.every((o) => (o.state === undefined || o.state === 'done') && o.verified !== false);
  record.status = record.entries.every((e) => e.state === 'done') ? 'complete' : 'partial';
  saveRecord(root, record);
  return { ...base, id, outcomes, complete };
}

/** For a target without versions whose values live in a file, a private copy of that file taken before the first update. */
function backupFor(provider: Provider, writes: readonly Planned[], root: string, id: string): { backupFile?: string } {
  if (provider.capabilities.versions || provider.file === undefined || !writes.some((w) => w.action === 'update') || !existsSync(provider.file)) return {};
  const backupFile = join(recordsDir(root), `${id}.backup`);
  writeFileAtomic(backupFile, readFileSync(provider.file), { mkdirs: true, exclusive: true });
  return { backupFile };
}

/** What `rollbackTransfer` did per name. */
export interface RollbackOutcome {
  readonly name: string;
  readonly action: 'deleted' | 'restored' | 'skipped' | 'failed';
  readonly detail?: string;
}

/**
 * Undoes the recorded transfer `id` (default: the newest not rolled back): deletes what it
 * created, and puts back the previous value of what it updated (from the target's version
 * history, or from the backup of the target file). Names it never wrote are left alone.
 */
export async function rollbackTransfer(request: { config?: Config; cwd: string; id?: string; access?: AccessOptions }): Promise<{ id: string; to: string; outcomes: RollbackOutcome[]; complete: boolean }> {
  const root = request.config?.root ?? request.cwd;
  const record = loadRecord(root, request.id === undefined ? undefined : request.id);
  const target = await openEndpoint(record.to, request.config, request.cwd, request.access);
  const backup = record.backupFile !== undefined ? await openProvider('dotenv', { path: record.backupFile }, { cwd: root }) : undefined;
  const outcomes: RollbackOutcome[] = [];
  try {
    for (const entry of [...record.entries].reverse()) {
      if (entry.state !== 'done') {
        outcomes.push({ name: entry.name, action: 'skipped', detail: entry.state === 'rolled-back' ? 'already rolled back' : 'it was never written' });
        continue;
      }
      try {
        if (entry.action === 'create') {
          await target.provider.delete(entry.name).catch((error: unknown) => {
            if (!isCofferError(error, 'COFFER_E_NOT_FOUND')) throw error;
          });
          outcomes.push({ name: entry.name, action: 'deleted' });
        } else {
          const old = entry.previousVersion !== undefined ? await target.provider.get(entry.name, { version: entry.previousVersion }) : await backup?.get(entry.name);
          if (old === undefined) throw new CofferError('COFFER_E_NOT_FOUND', `no earlier value of ${entry.name} was kept (the target has no versions and no file to back up)`);
          await target.provider.set(entry.name, old.value);
          outcomes.push({ name: entry.name, action: 'restored', ...(entry.previousVersion ? { detail: `from version ${entry.previousVersion}` } : {}) });
        }
        entry.state = 'rolled-back';
      } catch (error) {
        outcomes.push({ name: entry.name, action: 'failed', detail: describe(error).message });
      }
      saveRecord(root, record);
    }
    const complete = record.entries.every((e) => e.state !== 'done');
    if (complete) record.status = 'rolled-back';
    saveRecord(root, record);
    return { id: record.id, to: target.label, outcomes: outcomes.reverse(), complete };
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
