/**
 * Store backups: one encrypted, integrity-checked file that restores with the master key alone.
 *
 * Layout: the line `COFFER-BACKUP 1`, a JSON header line (store id, passphrase salt, creation
 * time, the store's MAC key sealed under the root key, the number of secrets), then a consistent snapshot of
 * the whole database (VACUUM INTO) sealed with AES-256-GCM under a key derived from the MAC key,
 * with the header as associated data. So the root key (from COFFER_MASTER_KEY, the store's key
 * file or its passphrase) opens the MAC key, which opens the snapshot; a changed header, a
 * flipped bit or a truncated file fails authentication; and nothing in the file, names
 * included, is readable without the key. A restored snapshot must also pass SQLite's integrity
 * check and the audit chain's verification before anything is taken from it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CofferError, isCofferError } from '../core/errors.js';
import { writeFileAtomic } from '../io/secure-file.js';
import { deriveKey, macKeyAad, open, seal } from './barrier.js';
import { defaultKeyFile, unlockRootKey } from './master-key.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';
import type { VersionRecord } from './types.js';

const MAGIC = 'COFFER-BACKUP 1\n';

/** The readable header of a backup file (no secret in it; authenticated with the payload). */
export interface BackupHeader {
  readonly format: 1;
  readonly storeId: string;
  readonly salt: string;
  readonly createdAt: string;
  readonly sealedMac: string;
  readonly secrets: number;
}

/** Writes a backup of the whole store (every environment, version and audit entry) to `file`, 0600. */
export function writeBackup(store: SqliteStore, file: string, options: { actor: string; force?: boolean; now?: Date }): BackupHeader & { file: string; bytes: number; environments: string[] } {
  const summaries = store.secretSummaries();
  const { db, macKey, sealedMac, salt } = store.backupMaterial();
  const dir = mkdtempSync(join(tmpdir(), 'coffer-backup-'));
  try {
    const snapshotPath = join(dir, 'snapshot.db');
    db.prepare('VACUUM INTO ?').run(snapshotPath);
    const snapshot = readFileSync(snapshotPath);
    const header: BackupHeader = {
      format: 1, storeId: store.id, salt, createdAt: (options.now ?? new Date()).toISOString(), sealedMac: sealedMac.toString('base64'),
      secrets: summaries.length,
    };
    const headerLine = Buffer.from(`${JSON.stringify(header)}\n`, 'utf8');
    const payload = seal(deriveKey(macKey, 'backup'), snapshot, headerLine);
    const bytes = Buffer.concat([Buffer.from(MAGIC), headerLine, payload]);
    writeFileAtomic(file, bytes, { mode: 0o600, mkdirs: true, ...(options.force ? { backup: true } : { exclusive: true }) });
    // Recorded once the file exists, so the log never claims a backup that was not written.
    store.record({ actor: options.actor, action: 'backup', env: null, detail: `${summaries.length} secrets to ${file}` });
    return { ...header, file, bytes: bytes.length, environments: [...new Set(summaries.map((s) => s.env))] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where a backup is restored to, and how to unlock keys. */
export interface RestoreBackupOptions {
  /** The backup file. */
  readonly file: string;
  /** The store file to restore into (created when missing). */
  readonly path: string;
  /** Environment for COFFER_MASTER_KEY, HOME and XDG_CONFIG_HOME; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Key file of the target store (and of the backup when it came from the same store). */
  readonly keyFile?: string;
  readonly passphrase?: () => Promise<string | undefined>;
  readonly actor: string;
  /** Report what would happen without writing anything. */
  readonly dryRun?: boolean;
}

/** What a restore does (or would do) to one secret. */
export interface RestoredSecret {
  readonly env: string;
  readonly name: string;
  readonly action: 'restored' | 'updated' | 'kept' | 'skipped';
  /** Versions taken from the backup. */
  readonly versions: number;
  readonly reason?: string;
}

/** The result of {@link restoreBackup}. */
export interface RestoreBackupResult {
  readonly header: BackupHeader;
  /** True when the target store did not exist and the backup became it, audit log included. */
  readonly createdStore: boolean;
  readonly dryRun: boolean;
  readonly secrets: readonly RestoredSecret[];
}

/**
 * Restores a backup: into a missing store by recreating it exactly; into an existing store by
 * adding what it lacks without losing anything newer. Per secret: absent from the store ->
 * restored with its history; present -> the backup's versions newer than the store's latest are
 * added (updated), else the store's are kept; deleted in the store, or in the backup -> skipped.
 * All changes land in one transaction.
 */
export async function restoreBackup(options: RestoreBackupOptions): Promise<RestoreBackupResult> {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-restore-'));
  try {
    const { header, snapshotPath, root } = await openBackupFile(options, dir);
    const snapshot = await openSqliteStore({ path: snapshotPath, env: { COFFER_MASTER_KEY: root.toString('hex') } });
    root.fill(0);
    let target: SqliteStore | undefined;
    try {
      checkSnapshot(snapshot);
      target = await openTarget(options);
      const plan = planRestore(snapshot, target);
      if (target === undefined) {
        if (!options.dryRun) snapshot.record({ actor: options.actor, action: 'restore-backup', env: null, detail: `store recreated from backup of ${header.createdAt}` });
        snapshot.close();
        if (!options.dryRun) writeFileAtomic(options.path, readFileSync(snapshotPath), { mode: 0o600, exclusive: true, mkdirs: true });
        return { header, createdStore: true, dryRun: options.dryRun === true, secrets: plan.map((p) => p.outcome) };
      }
      if (!options.dryRun) {
        const items = plan.filter((p) => p.versions.length > 0).map((p) => ({ env: p.outcome.env, name: p.outcome.name, versions: p.versions }));
        target.appendVersions(items, { actor: options.actor, detail: `from backup of ${header.createdAt}` });
      }
      return { header, createdStore: false, dryRun: options.dryRun === true, secrets: plan.map((p) => p.outcome) };
    } finally {
      snapshot.close();
      target?.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads and authenticates a backup file, writing its snapshot (0600) into `dir`. */
async function openBackupFile(options: RestoreBackupOptions, dir: string): Promise<{ header: BackupHeader; snapshotPath: string; root: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(options.file);
  } catch (error) {
    throw new CofferError('COFFER_E_FILE_UNREADABLE', `Cannot read the backup ${options.file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path.`, { cause: error });
  }
  const notBackup = () => new CofferError('COFFER_E_STORE_CORRUPT', `${options.file} is not a Coffer backup (or its header is damaged); give a file written by \`coffer backup\`.`);
  if (!bytes.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) throw notBackup();
  const end = bytes.indexOf(0x0a, MAGIC.length);
  if (end < 0) throw notBackup();
  const headerLine = bytes.subarray(MAGIC.length, end + 1);
  const header = parseHeader(headerLine.toString('utf8'));
  if (header === undefined) throw notBackup();
  const env = options.env ?? process.env;
  const keyFile = defaultKeyFile(header.storeId, env);
  const candidates = options.keyFile !== undefined && options.keyFile !== keyFile ? [options.keyFile, keyFile] : [keyFile];
  let unlocked: { root: Buffer; macKey: Buffer } | undefined;
  let failure: unknown;
  for (const candidate of candidates) {
    try {
      unlocked = await unlockRootKey({ storeId: header.storeId, salt: header.salt, env, keyFile: candidate, ...(options.passphrase ? { passphrase: options.passphrase } : {}) },
        (key) => ({ root: key, macKey: open(key, Buffer.from(header.sealedMac, 'base64'), macKeyAad(header.storeId), 'the backup key (the master key does not match this backup)', 'COFFER_E_BAD_MASTER_KEY') }));
      break;
    } catch (error) {
      if (!isCofferError(error, 'COFFER_E_BAD_MASTER_KEY')) throw error;
      failure ??= error;
    }
  }
  if (unlocked === undefined) throw failure;
  const snapshot = open(deriveKey(unlocked.macKey, 'backup'), bytes.subarray(end + 1), headerLine, `the backup ${options.file} (damaged or altered)`);
  unlocked.macKey.fill(0);
  const snapshotPath = join(dir, 'snapshot.db');
  writeFileSync(snapshotPath, snapshot, { mode: 0o600 });
  snapshot.fill(0);
  return { header, snapshotPath, root: unlocked.root };
}

function parseHeader(text: string): BackupHeader | undefined {
  try {
    const h = JSON.parse(text) as Partial<BackupHeader>;
    const ok = h.format === 1 && typeof h.storeId === 'string' && typeof h.salt === 'string' && typeof h.createdAt === 'string'
      && typeof h.sealedMac === 'string' && typeof h.secrets === 'number';
    return ok ? (h as BackupHeader) : undefined;
  } catch {
    return undefined;
  }
}

function checkSnapshot(snapshot: SqliteStore): void {
  const verdict = snapshot.verifyAudit();
  if (!verdict.ok) throw new CofferError('COFFER_E_STORE_CORRUPT', `The backup's audit chain is broken at entry #${verdict.firstBadSeq}; the backup was altered and is not restored.`);
}

async function openTarget(options: RestoreBackupOptions): Promise<SqliteStore | undefined> {
  try {
    return await openSqliteStore({ path: options.path, ...(options.env ? { env: options.env } : {}), ...(options.keyFile ? { keyFile: options.keyFile } : {}), ...(options.passphrase ? { passphrase: options.passphrase } : {}) });
  } catch (error) {
    if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return undefined;
    throw error;
  }
}

function planRestore(snapshot: SqliteStore, target: SqliteStore | undefined): { outcome: RestoredSecret; versions: VersionRecord[] }[] {
  const existing = new Map((target?.secretSummaries() ?? []).map((s) => [`${s.env}\0${s.name}`, s]));
  return snapshot.secretSummaries().map((s) => {
    const base = { env: s.env, name: s.name };
    if (s.deleted) return { outcome: { ...base, action: 'skipped', versions: 0, reason: 'deleted in the backup' }, versions: [] };
    // Versions after the backup's current one were pending rotations; they are not restored.
    const all = snapshot.versionsWithValues(s.env, s.name).filter((v) => s.current === null || v.version <= s.current);
    const mine = existing.get(`${s.env}\0${s.name}`);
    if (target === undefined || mine === undefined) return { outcome: { ...base, action: 'restored', versions: all.length }, versions: all };
    if (mine.deleted) return { outcome: { ...base, action: 'skipped', versions: 0, reason: 'deleted in the store; restore or destroy it first' }, versions: [] };
    const newer = all.filter((v) => v.createdAt > mine.latestAt);
    if (newer.length === 0) return { outcome: { ...base, action: 'kept', versions: 0, reason: 'the store is as new or newer' }, versions: [] };
    return { outcome: { ...base, action: 'updated', versions: newer.length }, versions: newer };
  });
}
