/**
 * The embedded store on SQLite (better-sqlite3, WAL, busy timeout, synchronous=FULL so an
 * acknowledged write survives a crash). The SQL here only moves sealed bytes: every value is
 * sealed and opened by the barrier, under data keys wrapped by the keyring, under the root key.
 * Each change appends to the audit chain in the same transaction as the change it records;
 * reads are group-committed (see _sqlite-audit.ts).
 *
 * Reads are served from a cache of sealed rows and version facts, dropped whenever this
 * connection writes or SQLite's data_version shows that another connection did; every read
 * still decrypts and is still audited.
 */
import { rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { CofferError, isCofferError } from '../core/errors.js';
import { ENV_NAME, SECRET_NAME } from '../core/names.js';
import type { AuditEntry, AuditFields, ChainVerdict } from '../audit/chain.js';
import type { Stage } from '../core/stages.js';
import { dataKeyAad, mac, macEqual, MAX_ENCRYPTIONS_PER_KEY, newKey, open, seal, valueAad } from './barrier.js';
import { currentKeyringVersion, keyringKey, type Keyring } from './keyring.js';
import { createKeyFile, decodeKey, defaultKeyFile, deriveFromPassphrase, unlockRootKey, type RootKeySource } from './master-key.js';
import { createPrivateFile, initialise, mapSqliteError, migrate, openDatabase, sealNewKeys } from './_sqlite-open.js';
import { SqliteAuditLog } from './_sqlite-audit.js';
import { changeRootKey, openKeys, rotateKeyring, type RootKeyTarget } from './_sqlite-keys.js';
import type { AuditFilter, PutOptions, Store, StoreGetOptions, VersionInfo, VersionRecord } from './types.js';

/** Options of {@link openSqliteStore}. */
export interface OpenSqliteStoreOptions {
  /** Path of the database file (its directory is created 0700). */
  readonly path: string;
  /** Create the store when the file does not exist; default false (COFFER_E_NOT_FOUND). */
  readonly create?: boolean;
  /** Environment for COFFER_MASTER_KEY, HOME and XDG_CONFIG_HOME; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Explicit key file. */
  readonly keyFile?: string;
  /**
   * How a new store gets its root key when COFFER_MASTER_KEY is not set: a random key in a new
   * key file (default), or a passphrase from `passphrase`.
   */
  readonly createKey?: 'key-file' | 'passphrase';
  /** Supplies a passphrase when neither COFFER_MASTER_KEY nor a key file is available. */
  readonly passphrase?: () => Promise<string | undefined>;
  /** The clock; default now. */
  readonly now?: () => Date;
}

/** How many earlier values a no-reuse secret may not repeat (PCI-DSS 8.3.7). */
export const REUSE_DEPTH = 4;
/** Default recovery window of a soft-deleted secret. */
export const DEFAULT_RECOVERY_DAYS = 7;
const READ_CACHE_LIMIT = 10_000;
/**
 * How often a long-lived connection asks SQLite whether another connection committed (any
 * SQLite call costs more than a decrypt). A read may reflect another process's commit up to
 * this late, as if it had started that much earlier; this connection's own writes are seen at once.
 */
const FRESHNESS_MS = 2;

type Row = Record<string, unknown>;
interface CachedRead { readonly info: VersionInfo; readonly dataKeyId: number; readonly sealed: Buffer }

/** Opens (or creates) a SQLite store. */
export async function openSqliteStore(options: OpenSqliteStoreOptions): Promise<SqliteStore> {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const created = options.create === true && createPrivateFile(options.path);
  const db = openDatabase(options.path);
  try {
    migrate(db);
    if (!created && isUnfinished(db)) {
      // A creation interrupted before its keys were sealed (a kill during the passphrase prompt):
      // it holds nothing, so it is made again rather than reported as damaged.
      db.close();
      if (options.create !== true) throw new CofferError('COFFER_E_NOT_FOUND', `The store ${options.path} was never finished (its creation was interrupted); run \`coffer init\` again to create it.`);
      for (const suffix of ['', '-wal', '-shm']) rmSync(options.path + suffix, { force: true });
      return openSqliteStore(options);
    }
    if (created) initialise(db, now());
    const meta = (key: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    const storeId = meta('store_id');
    const salt = meta('salt');
    if (storeId === undefined || salt === undefined) throw new CofferError('COFFER_E_STORE_CORRUPT', `${options.path} is not an initialised Coffer store; restore it from a backup or create a new one.`);
    const keyFile = options.keyFile ?? defaultKeyFile(storeId, env);
    if (created) {
      const { key, source } = await newRootKey(options, env, keyFile, salt);
      sealNewKeys(db, key, storeId, now());
      const keys = openKeys(db, storeId, key);
      return new SqliteStore(db, { path: options.path, id: storeId, keyFile, keySource: source, root: key, ...keys, now });
    }
    const unlocked = await unlockRootKey({ storeId, salt, env, keyFile, ...(options.passphrase ? { passphrase: options.passphrase } : {}) },
      (key, source) => ({ key, source, ...openKeys(db, storeId, key) }));
    const store = new SqliteStore(db, { path: options.path, id: storeId, keyFile, keySource: unlocked.source, root: unlocked.key, keyring: unlocked.keyring, macKey: unlocked.macKey, now });
    store.purgeExpired();
    return store;
  } catch (error) {
    db.close();
    // A store that failed during its own creation (no key could be had) is removed, not left half-made.
    if (created) for (const suffix of ['', '-wal', '-shm']) rmSync(options.path + suffix, { force: true });
    throw mapSqliteError(error);
  }
}

/** True for a store file whose creation stopped before its keys were sealed, and which holds no secret. */
function isUnfinished(db: Database.Database): boolean {
  const keys = (db.prepare('SELECT COUNT(*) AS n FROM sealed_keys').get() as { n: number }).n;
  const versions = (db.prepare('SELECT COUNT(*) AS n FROM versions').get() as { n: number }).n;
  return keys === 0 && versions === 0;
}

async function newRootKey(options: OpenSqliteStoreOptions, env: Readonly<Record<string, string | undefined>>, keyFile: string, salt: string): Promise<{ key: Buffer; source: RootKeySource }> {
  if (env.COFFER_MASTER_KEY) return { key: decodeKey(env.COFFER_MASTER_KEY, 'COFFER_MASTER_KEY'), source: 'env' };
  if (options.createKey !== 'passphrase') return { key: createKeyFile(keyFile), source: 'key-file' };
  const passphrase = await options.passphrase?.();
  if (!passphrase) throw new CofferError('COFFER_E_BAD_MASTER_KEY', 'A new passphrase-protected store needs a passphrase; run on a terminal, or use a key file or COFFER_MASTER_KEY instead.');
  return { key: await deriveFromPassphrase(passphrase, salt), source: 'passphrase' };
}

/** What {@link SqliteStore} is built from. */
interface StoreState {
  readonly path: string;
  readonly id: string;
  readonly keyFile: string;
  readonly keySource: RootKeySource;
  readonly root: Buffer;
  readonly keyring: Keyring;
  readonly macKey: Buffer;
  readonly now: () => Date;
}

/** The SQLite implementation of {@link Store}; create it with {@link openSqliteStore}. */
export class SqliteStore implements Store {
  /** Random id of this store, bound into every ciphertext's associated data. */
  readonly id: string;
  /** The database file. */
  readonly path: string;
  /** The key file this store uses (whether or not it exists). */
  readonly keyFile: string;
  private source: RootKeySource;
  private root: Buffer;
  private keyring: Keyring;
  private readonly macKey: Buffer;
  private readonly now: () => Date;
  private readonly audit: SqliteAuditLog;
  private readonly dataKeys = new Map<number, Buffer>();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly reads = new Map<string, CachedRead>();
  /** Environments whose current versions are all in `reads` (cleared with it). */
  private readonly warmed = new Set<string>();
  private readonly dataVersionStmt: Database.Statement;
  private dataVersion: unknown;
  private checkedAt = 0;
  private closed = false;

  /** @internal use openSqliteStore */
  constructor(private readonly db: Database.Database, state: StoreState) {
    ({ id: this.id, path: this.path, keyFile: this.keyFile, keySource: this.source, root: this.root, keyring: this.keyring, macKey: this.macKey, now: this.now } = state);
    this.audit = new SqliteAuditLog(db, this.macKey);
    this.dataVersionStmt = db.prepare('PRAGMA data_version').pluck();
    this.dataVersion = this.dataVersionStmt.get();
  }

  /** Where the root key came from: COFFER_MASTER_KEY, the key file or a passphrase. */
  get keySource(): RootKeySource {
    return this.source;
  }

  async put(env: string, name: string, value: string, options: PutOptions): Promise<VersionInfo> {
    const [info] = await this.putMany(env, [{ name, value, options }]);
    return info as VersionInfo;
  }

  /** Writes several secrets of one environment in one transaction: all land or none does. */
  async putMany(env: string, writes: readonly { name: string; value: string; options: PutOptions }[]): Promise<VersionInfo[]> {
    for (const w of writes) assertName(env, w.name, w.value);
    let failing: (typeof writes)[number] | undefined;
    try {
      return this.mutate(() => writes.map((w) => {
        failing = w;
        return this.writeVersion(env, w.name, w.value, w.options);
      }));
    } catch (error) {
      // The refused write rolled back; its audit entry is written on its own so it is kept.
      const refusal = isCofferError(error, 'COFFER_E_CONFLICT') ? ['conflict', `expected version ${failing?.options.expectVersion}`]
        : isCofferError(error, 'COFFER_E_REUSED_VALUE') ? ['denied', 'reused value']
        : isCofferError(error, 'COFFER_E_USAGE') ? ['denied', 'secret is deleted'] : undefined;
      if (refusal !== undefined && failing !== undefined) {
        const [outcome, detail] = refusal as [string, string];
        this.mutate(() => this.audit.append({ at: this.now().toISOString(), actor: failing?.options.actor ?? 'unknown', action: 'write', env, name: failing?.name ?? null, version: null, outcome, detail }));
      }
      throw error;
    }
  }

  async get(env: string, name: string, options: StoreGetOptions): Promise<VersionRecord> {
    return this.guard(() => {
      const now = this.now();
      const nowMs = now.getTime();
      this.dropStaleReads(nowMs);
      const cacheKey = `${env}\0${name}\0${options.version ?? ''}\0${options.stage ?? ''}`;
      const hit = this.reads.get(cacheKey) ?? this.lookup(env, name, options, cacheKey);
      const { version } = hit.info;
      let plain: Buffer;
      try {
        plain = open(this.dataKey(hit.dataKeyId), hit.sealed, valueAad(this.id, env, name, version), `${env}/${name} version ${version}`);
      } catch (error) {
        if (isCofferError(error, 'COFFER_E_DECRYPT_FAILED')) {
          this.mutate(() => this.audit.append({ at: now.toISOString(), actor: options.actor, action: 'decrypt-failed', env, name, version, outcome: 'failed', detail: null }));
        }
        throw error;
      }
      this.audit.defer({ actor: options.actor, action: 'read', env, name, version, outcome: 'ok', detail: null }, nowMs);
      const value = plain.toString('utf8');
      plain.fill(0);
      return { ...hit.info, value };
    });
  }

  async list(env: string): Promise<VersionInfo[]> {
    return this.guard(() => {
      const rows = this.sql(`SELECT v.name, v.version, v.created_at, v.actor, v.rotate_by FROM secrets s
        JOIN stages st ON st.env = s.env AND st.name = s.name AND st.stage = 'current'
        JOIN versions v ON v.env = s.env AND v.name = s.name AND v.version = st.version
        WHERE s.env = ? AND s.deleted_at IS NULL ORDER BY s.name`).all(env) as Row[];
      const stages = this.stagesOf(env);
      return rows.map((r) => toInfo(env, r, stages));
    });
  }

  async history(env: string, name: string): Promise<VersionInfo[]> {
    return this.guard(() => {
      const rows = this.sql('SELECT name, version, created_at, actor, rotate_by FROM versions WHERE env = ? AND name = ? ORDER BY version DESC').all(env, name) as Row[];
      if (rows.length === 0) throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} is not in the store; see \`coffer list -e ${env}\`.`, { details: { env, name } });
      const stages = this.stagesOf(env, name);
      return rows.map((r) => toInfo(env, r, stages));
    });
  }

  /**
   * Of `names`, those whose current value equals one of the `depth` versions before it, found by
   * comparing keyed fingerprints in constant time; no old value is decrypted.
   */
  reusedValues(env: string, names: readonly string[], depth = REUSE_DEPTH): Set<string> {
    return this.guard(() => {
      const reused = new Set<string>();
      for (const name of names) {
        const current = this.stageVersion(env, name, 'current');
        if (current === undefined) continue;
        const rows = this.sql('SELECT version, fingerprint FROM versions WHERE env = ? AND name = ? AND version <= ? ORDER BY version DESC LIMIT ?').all(env, name, current, depth + 1) as Row[];
        const [latest, ...earlier] = rows;
        if (latest !== undefined && earlier.some((r) => macEqual(r.fingerprint as Buffer, latest.fingerprint as Buffer))) reused.add(name);
      }
      return reused;
    });
  }

  /** Names of the environments that hold at least one secret (deleted ones included). */
  environments(): string[] {
    return this.guard(() => (this.sql('SELECT DISTINCT env FROM secrets ORDER BY env').all() as Row[]).map((r) => r.env as string));
  }

  /** Soft-deletes a secret: it disappears from reads and lists but can be restored until `purgeAfter`. */
  async delete(env: string, name: string, options: { actor: string; recoveryDays?: number }): Promise<{ purgeAfter: string }> {
    return this.mutate(() => {
      const now = this.now();
      const row = this.secretRow(env, name);
      if (row === undefined || row.deleted_at !== null) throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} is not in the store (or already deleted); see \`coffer list -e ${env}\`.`, { details: { env, name } });
      const purgeAfter = new Date(now.getTime() + (options.recoveryDays ?? DEFAULT_RECOVERY_DAYS) * 86_400_000).toISOString();
      this.sql('UPDATE secrets SET deleted_at = ?, purge_after = ? WHERE env = ? AND name = ?').run(now.toISOString(), purgeAfter, env, name);
      this.audit.append({ at: now.toISOString(), actor: options.actor, action: 'delete', env, name, version: null, outcome: 'ok', detail: `recoverable until ${purgeAfter}` });
      return { purgeAfter };
    });
  }

  /** Brings back a soft-deleted secret with all its versions. */
  async restore(env: string, name: string, options: { actor: string }): Promise<void> {
    this.mutate(() => {
      const row = this.secretRow(env, name);
      if (row === undefined || row.deleted_at === null) throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} is not a deleted secret; nothing to restore.`, { details: { env, name } });
      this.sql('UPDATE secrets SET deleted_at = NULL, purge_after = NULL WHERE env = ? AND name = ?').run(env, name);
      this.audit.append({ at: this.now().toISOString(), actor: options.actor, action: 'restore', env, name, version: null, outcome: 'ok', detail: null });
    });
  }

  /** Removes a secret and every version for good; its audit entries stay. */
  async destroy(env: string, name: string, options: { actor: string }): Promise<void> {
    this.mutate(() => {
      if (this.secretRow(env, name) === undefined) throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} is not in the store; nothing to destroy.`, { details: { env, name } });
      this.erase(env, name);
      this.audit.append({ at: this.now().toISOString(), actor: options.actor, action: 'destroy', env, name, version: null, outcome: 'ok', detail: null });
    });
  }

  /** Destroys the deleted secrets whose recovery window has passed; returns how many. */
  purgeExpired(): number {
    const at = this.now().toISOString();
    const due = () => this.sql('SELECT env, name FROM secrets WHERE deleted_at IS NOT NULL AND purge_after <= ?').all(at) as Row[];
    if (due().length === 0) return 0;
    return this.mutate(() => {
      const rows = due();
      for (const r of rows) {
        this.erase(r.env as string, r.name as string);
        this.audit.append({ at, actor: 'coffer', action: 'purge', env: r.env as string, name: r.name as string, version: null, outcome: 'ok', detail: 'recovery window passed' });
      }
      return rows.length;
    });
  }

  /**
   * Points `stage` at `version`. Making a version `current` moves the old current to `previous`
   * and clears `pending` when it pointed at that version (the finish step of a rotation).
   */
  async moveStage(env: string, name: string, stage: Stage, version: number, options: { actor: string }): Promise<VersionInfo> {
    return this.mutate(() => {
      const exists = this.sql('SELECT 1 FROM versions WHERE env = ? AND name = ? AND version = ?').get(env, name, version);
      if (exists === undefined) throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} has no version ${version}; see \`coffer history ${name} -e ${env}\`.`);
      const current = this.stageVersion(env, name, 'current');
      if (stage === 'current' && current !== undefined && current !== version) this.setStage(env, name, 'previous', current);
      if (stage === 'current' && this.stageVersion(env, name, 'pending') === version) this.sql("DELETE FROM stages WHERE env = ? AND name = ? AND stage = 'pending'").run(env, name);
      this.setStage(env, name, stage, version);
      this.audit.append({ at: this.now().toISOString(), actor: options.actor, action: 'stage', env, name, version, outcome: 'ok', detail: stage });
      return this.info(env, name, version);
    });
  }

  /** Takes `stage` off the version carrying it; the version stays in history. */
  async clearStage(env: string, name: string, stage: Exclude<Stage, 'current'>, options: { actor: string }): Promise<void> {
    this.mutate(() => {
      const version = this.stageVersion(env, name, stage);
      if (version === undefined) return;
      this.sql('DELETE FROM stages WHERE env = ? AND name = ? AND stage = ?').run(env, name, stage);
      this.audit.append({ at: this.now().toISOString(), actor: options.actor, action: 'unstage', env, name, version, outcome: 'ok', detail: stage });
    });
  }

  /**
   * Rotates the master key: adds a keyring version and re-wraps every data key with it, without
   * rewriting any value. Older keyring versions no longer wrap anything and are retired.
   */
  async rotateMasterKey(options: { actor: string }): Promise<{ keyringVersion: number; dataKeys: number }> {
    const result = this.mutate(() => {
      const at = this.now();
      const rotated = rotateKeyring(this.db, this.id, this.root, at, (id) => this.dataKey(id));
      this.audit.append({ at: at.toISOString(), actor: options.actor, action: 'key-rotate', env: null, name: null, version: null, outcome: 'ok', detail: `keyring version ${rotated.keyringVersion}, ${rotated.dataKeys} data keys re-wrapped` });
      return rotated;
    });
    // Only once committed: a rolled-back rotation must not leave memory ahead of the database.
    this.keyring = result.keyring;
    return { keyringVersion: result.keyringVersion, dataKeys: result.dataKeys };
  }

  /**
   * Changes the root key: re-seals the keyring and MAC key under a new random key file or a new
   * passphrase. No data key or value is rewritten. Crash-safe: see pendingKeyFile().
   */
  async changeRootKey(target: RootKeyTarget, options: { actor: string }): Promise<{ keySource: RootKeySource; keyFile?: string; oldKeyFileBackup?: string }> {
    this.guard(() => this.audit.flush());
    let result: Awaited<ReturnType<typeof changeRootKey>>;
    try {
      result = await changeRootKey({ db: this.db, storeId: this.id, keyFile: this.keyFile, root: this.root, macKey: this.macKey, now: this.now(), actor: options.actor, append: (f) => this.audit.append(f) }, target);
    } catch (error) {
      throw mapSqliteError(error);
    }
    this.root.fill(0);
    this.root = result.root;
    this.source = result.keySource;
    this.keyring = openKeys(this.db, this.id, this.root).keyring;
    this.forgetReads();
    return { keySource: result.keySource, ...(result.keyFile ? { keyFile: result.keyFile } : {}), ...(result.oldKeyFileBackup ? { oldKeyFileBackup: result.oldKeyFileBackup } : {}) };
  }

  /**
   * Appends a value-free entry for an operation the store does not perform itself (an export,
   * an import, a backup), so the chain shows values leaving or arriving.
   */
  record(event: { actor: string; action: string; env: string | null; name?: string | null; version?: number | null; outcome?: string; detail?: string | null }): void {
    this.mutate(() => this.audit.append({
      at: this.now().toISOString(), actor: event.actor, action: event.action, env: event.env, name: event.name ?? null,
      version: event.version ?? null, outcome: event.outcome ?? 'ok', detail: event.detail ?? null,
    }));
  }

  /** Audit entries in order, filtered (a number is the old `sinceSeq` form). */
  auditEntries(filter: AuditFilter | number = {}): AuditEntry[] {
    return this.guard(() => this.audit.entries(typeof filter === 'number' ? { afterSeq: filter } : filter));
  }

  /** Verifies the whole audit chain, including that nothing was cut off its end. */
  verifyAudit(): ChainVerdict {
    return this.guard(() => this.audit.verify());
  }

  /** @internal For backups: the database, MAC key and the root-sealed MAC key blob. */
  backupMaterial(): { db: Database.Database; macKey: Buffer; sealedMac: Buffer; salt: string } {
    this.guard(() => this.audit.flush());
    const sealedMac = (this.sql("SELECT sealed FROM sealed_keys WHERE kind = 'mac'").get() as { sealed: Buffer }).sealed;
    const salt = (this.sql("SELECT value FROM meta WHERE key = 'salt'").get() as { value: string }).value;
    return { db: this.db, macKey: this.macKey, sealedMac, salt };
  }

  /** @internal For restores: every version of a secret with its value and facts, oldest first. */
  versionsWithValues(env: string, name: string): (VersionRecord & { deleted: boolean })[] {
    const deleted = this.secretRow(env, name)?.deleted_at != null;
    const rows = this.sql('SELECT version, data_key_id, sealed FROM versions WHERE env = ? AND name = ? ORDER BY version').all(env, name) as Row[];
    const stages = this.stagesOf(env, name);
    return rows.map((r) => {
      const version = r.version as number;
      const plain = open(this.dataKey(r.data_key_id as number), r.sealed as Buffer, valueAad(this.id, env, name, version), `${env}/${name} version ${version}`);
      return { ...this.info(env, name, version, stages), value: plain.toString('utf8'), deleted };
    });
  }

  /** @internal For restores: every secret of the store with its state, without values. */
  secretSummaries(): { env: string; name: string; deleted: boolean; current: number | null; latestAt: string }[] {
    const rows = this.guard(() => this.sql(`SELECT s.env, s.name, s.deleted_at, st.version AS current, MAX(v.created_at) AS latest_at FROM secrets s
      JOIN versions v ON v.env = s.env AND v.name = s.name
      LEFT JOIN stages st ON st.env = s.env AND st.name = s.name AND st.stage = 'current'
      GROUP BY s.env, s.name, s.deleted_at, st.version ORDER BY s.env, s.name`).all() as Row[]);
    return rows.map((r) => ({ env: r.env as string, name: r.name as string, deleted: r.deleted_at !== null, current: (r.current as number | null) ?? null, latestAt: r.latest_at as string }));
  }

  /**
   * @internal For restores: in one transaction, adds each secret's versions (oldest first) after
   * its existing ones, keeping their dates and actors; the last becomes current. All or nothing.
   */
  appendVersions(items: readonly { env: string; name: string; versions: readonly VersionRecord[] }[], options: { actor: string; detail: string }): void {
    this.mutate(() => {
      for (const { env, name, versions } of items) {
        if (this.secretRow(env, name)?.deleted_at) throw new CofferError('COFFER_E_CONFLICT', `${env}/${name} is deleted in the store; restore or destroy it before restoring it from a backup.`);
        const numbers = versions.map((v) => this.insertVersion(env, name, v.value, { actor: v.actor, updatedAt: v.createdAt, ...(v.rotateBy ? { rotateBy: v.rotateBy } : {}) }));
        const last = numbers[numbers.length - 1];
        if (last === undefined) continue;
        const current = this.stageVersion(env, name, 'current');
        if (current !== undefined) this.setStage(env, name, 'previous', current);
        this.setStage(env, name, 'current', last);
        this.audit.append({ at: this.now().toISOString(), actor: options.actor, action: 'restore-backup', env, name, version: last, outcome: 'ok', detail: options.detail });
      }
    });
  }

  /** Commits queued audit entries, forgets keys and closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.audit.close();
    } finally {
      for (const key of this.dataKeys.values()) key.fill(0);
      for (const v of this.keyring) v.key.fill(0);
      this.macKey.fill(0);
      this.root.fill(0);
      this.db.close();
    }
  }

  private writeVersion(env: string, name: string, value: string, options: PutOptions): VersionInfo {
    if (this.secretRow(env, name)?.deleted_at) {
      throw new CofferError('COFFER_E_USAGE', `${env}/${name} is deleted; restore it first (\`coffer restore ${name} -e ${env}\`) or destroy it to start over.`);
    }
    const current = this.stageVersion(env, name, 'current');
    if (options.expectVersion !== undefined && options.expectVersion !== (current ?? 0)) {
      throw new CofferError('COFFER_E_CONFLICT', `${env}/${name} is at version ${current ?? 0}, not ${options.expectVersion}; read it again and retry.`, { details: { env, name, current: current ?? 0 } });
    }
    const version = this.insertVersion(env, name, value, options);
    const stage = options.stage ?? 'current';
    if (stage === 'current' && current !== undefined) this.setStage(env, name, 'previous', current);
    this.setStage(env, name, stage, version);
    this.audit.append({ at: this.now().toISOString(), actor: options.actor, action: 'write', env, name, version, outcome: 'ok', detail: stage });
    return this.info(env, name, version);
  }

  private insertVersion(env: string, name: string, value: string, options: PutOptions): number {
    const at = options.updatedAt ?? this.now().toISOString();
    const fingerprint = mac(this.macKey, 'fingerprint', value);
    if (options.noReuse) this.refuseReuse(env, name, fingerprint);
    const version = ((this.sql('SELECT MAX(version) AS v FROM versions WHERE env = ? AND name = ?').get(env, name) as { v: number | null }).v ?? 0) + 1;
    const dataKey = this.writableDataKey(at);
    const sealed = seal(dataKey.key, Buffer.from(value, 'utf8'), valueAad(this.id, env, name, version));
    this.sql('INSERT INTO secrets (env, name, created_at) VALUES (?, ?, ?) ON CONFLICT (env, name) DO NOTHING').run(env, name, at);
    this.sql('INSERT INTO versions (env, name, version, data_key_id, sealed, fingerprint, created_at, actor, rotate_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(env, name, version, dataKey.id, sealed, fingerprint, at, options.actor, options.rotateBy ?? null);
    return version;
  }

  /** Resolves a read to a sealed row and caches it; failures are not cached. */
  private lookup(env: string, name: string, options: StoreGetOptions, cacheKey: string): CachedRead {
    if (options.version === undefined && (options.stage ?? 'current') === 'current' && !this.warmed.has(env)) {
      this.warmCurrent(env);
      const warm = this.reads.get(cacheKey);
      if (warm !== undefined) return warm;
    }
    if (this.secretRow(env, name)?.deleted_at) {
      throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} was deleted; \`coffer restore ${name} -e ${env}\` brings it back.`, { details: { env, name } });
    }
    const version = options.version ?? this.stageVersion(env, name, options.stage ?? 'current');
    const row = version === undefined ? undefined : (this.sql('SELECT data_key_id, sealed FROM versions WHERE env = ? AND name = ? AND version = ?').get(env, name, version) as Row | undefined);
    if (row === undefined || version === undefined) {
      const which = options.version !== undefined ? `version ${options.version}` : `stage ${options.stage ?? 'current'}`;
      throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} has no ${which} in the store; see \`coffer history ${name} -e ${env}\`.`, { details: { env, name } });
    }
    const entry = { info: this.info(env, name, version), dataKeyId: row.data_key_id as number, sealed: row.sealed as Buffer };
    if (this.reads.size >= READ_CACHE_LIMIT) this.forgetReads();
    this.reads.set(cacheKey, entry);
    return entry;
  }

  /**
   * Caches the current version of every live secret of `env` in two queries: an application or
   * `coffer run` reads them all at start, and one query beats a hundred lookups of four each.
   */
  private warmCurrent(env: string): void {
    const rows = this.sql(`SELECT v.name, v.version, v.created_at, v.actor, v.rotate_by, v.data_key_id, v.sealed FROM stages st
      JOIN versions v ON v.env = st.env AND v.name = st.name AND v.version = st.version
      JOIN secrets s ON s.env = st.env AND s.name = st.name
      WHERE st.env = ? AND st.stage = 'current' AND s.deleted_at IS NULL`).all(env) as Row[];
    if (this.reads.size + rows.length * 2 > READ_CACHE_LIMIT) return;
    const stages = this.stagesOf(env);
    for (const row of rows) {
      const entry = { info: toInfo(env, row, stages), dataKeyId: row.data_key_id as number, sealed: row.sealed as Buffer };
      this.reads.set(`${env}\0${row.name as string}\0\0`, entry);
      this.reads.set(`${env}\0${row.name as string}\0\0current`, entry);
    }
    this.warmed.add(env);
  }

  private forgetReads(): void {
    this.reads.clear();
    this.warmed.clear();
  }

  /** Another connection committed since the cache was filled: forget what may have changed. */
  private dropStaleReads(nowMs: number): void {
    if (nowMs - this.checkedAt < FRESHNESS_MS && nowMs >= this.checkedAt) return;
    this.checkedAt = nowMs;
    const version = this.dataVersionStmt.get();
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.forgetReads();
    }
  }

  private erase(env: string, name: string): void {
    for (const table of ['stages', 'versions', 'secrets']) this.sql(`DELETE FROM ${table} WHERE env = ? AND name = ?`).run(env, name);
  }

  private secretRow(env: string, name: string): { deleted_at: string | null } | undefined {
    return this.sql('SELECT deleted_at FROM secrets WHERE env = ? AND name = ?').get(env, name) as { deleted_at: string | null } | undefined;
  }

  private info(env: string, name: string, version: number, stages = this.stagesOf(env, name)): VersionInfo {
    const row = this.sql('SELECT name, version, created_at, actor, rotate_by FROM versions WHERE env = ? AND name = ? AND version = ?').get(env, name, version) as Row;
    return toInfo(env, row, stages);
  }

  /** Stages by `name\0version`, for one secret or a whole environment. */
  private stagesOf(env: string, name?: string): Map<string, Stage[]> {
    const rows = (name === undefined
      ? this.sql('SELECT name, version, stage FROM stages WHERE env = ? ORDER BY stage').all(env)
      : this.sql('SELECT name, version, stage FROM stages WHERE env = ? AND name = ? ORDER BY stage').all(env, name)) as Row[];
    const map = new Map<string, Stage[]>();
    for (const r of rows) {
      const key = `${r.name as string}\0${r.version as number}`;
      map.set(key, [...(map.get(key) ?? []), r.stage as Stage]);
    }
    return map;
  }

  private stageVersion(env: string, name: string, stage: Stage): number | undefined {
    return (this.sql('SELECT version FROM stages WHERE env = ? AND name = ? AND stage = ?').get(env, name, stage) as { version: number } | undefined)?.version;
  }

  private setStage(env: string, name: string, stage: Stage, version: number): void {
    this.sql('INSERT INTO stages (env, name, stage, version) VALUES (?, ?, ?, ?) ON CONFLICT (env, name, stage) DO UPDATE SET version = excluded.version').run(env, name, stage, version);
  }

  private refuseReuse(env: string, name: string, fingerprint: Buffer): void {
    const recent = this.sql('SELECT fingerprint FROM versions WHERE env = ? AND name = ? ORDER BY version DESC LIMIT ?').all(env, name, REUSE_DEPTH) as Row[];
    // Compare keyed fingerprints in constant time; plaintexts of old versions are never decrypted for this.
    if (recent.some((r) => macEqual(r.fingerprint as Buffer, fingerprint))) {
      throw new CofferError('COFFER_E_REUSED_VALUE', `${env}/${name}: the new value equals one of its last ${REUSE_DEPTH} values, which PCI-DSS forbids; choose a new value.`, { details: { env, name } });
    }
  }

  private writableDataKey(at: string): { id: number; key: Buffer } {
    const row = this.sql('SELECT id, uses FROM data_keys ORDER BY id DESC LIMIT 1').get() as Row | undefined;
    if (row !== undefined && (row.uses as number) < MAX_ENCRYPTIONS_PER_KEY) {
      this.sql('UPDATE data_keys SET uses = uses + 1 WHERE id = ?').run(row.id);
      return { id: row.id as number, key: this.dataKey(row.id as number) };
    }
    // First write, or the nonce budget of the current key is spent: start a new data key, wrapped
    // by the keyring as committed now (another process may have rotated it since this one opened).
    const id = ((row?.id as number | undefined) ?? 0) + 1;
    this.keyring = openKeys(this.db, this.id, this.root).keyring;
    const ring = currentKeyringVersion(this.keyring);
    const key = newKey();
    this.sql('INSERT INTO data_keys (id, keyring_version, wrapped, uses, created_at) VALUES (?, ?, ?, 1, ?)').run(id, ring.version, seal(ring.key, key, dataKeyAad(this.id, id, ring.version)), at);
    this.dataKeys.set(id, key);
    return { id, key };
  }

  private dataKey(id: number): Buffer {
    const cached = this.dataKeys.get(id);
    if (cached) return cached;
    const row = this.sql('SELECT keyring_version, wrapped FROM data_keys WHERE id = ?').get(id) as Row | undefined;
    if (row === undefined) throw new CofferError('COFFER_E_STORE_CORRUPT', `Data key ${id} is missing from the store; restore it from a backup.`);
    const version = row.keyring_version as number;
    // Another process may have rotated the master key since this store was opened.
    if (!this.keyring.some((v) => v.version === version)) this.keyring = openKeys(this.db, this.id, this.root).keyring;
    const key = open(keyringKey(this.keyring, version), row.wrapped as Buffer, dataKeyAad(this.id, id, version), `data key ${id}`);
    this.dataKeys.set(id, key);
    return key;
  }

  /** Runs `work` in a write transaction after committing queued reads; drops the read cache. */
  private mutate<T>(work: () => T): T {
    return this.guard(() => {
      this.audit.flush();
      this.forgetReads();
      return this.db.transaction(work).immediate();
    });
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Maps SQLite failures to Coffer codes: busy is retryable, corruption is named. */
  private guard<T>(work: () => T): T {
    if (this.closed) throw new CofferError('COFFER_E_USAGE', `The store ${this.path} is closed; open it again.`);
    try {
      return work();
    } catch (error) {
      throw mapSqliteError(error);
    }
  }
}

function toInfo(env: string, r: Row, stages: Map<string, Stage[]>): VersionInfo {
  const name = r.name as string;
  const version = r.version as number;
  return { env, name, version, stages: stages.get(`${name}\0${version}`) ?? [], createdAt: r.created_at as string, actor: r.actor as string, rotateBy: (r.rotate_by as string | null) ?? null };
}

function assertName(env: string, name: string, value: string): void {
  if (!ENV_NAME.test(env)) throw new CofferError('COFFER_E_USAGE', `"${env}" is not a valid environment name (lower-case letters, digits, - and _).`);
  if (!SECRET_NAME.test(name)) throw new CofferError('COFFER_E_USAGE', `${JSON.stringify(name).slice(0, 80)} is not a valid secret name: use letters, digits and _, not starting with a digit, at most 255 characters.`);
  if (Buffer.byteLength(value, 'utf8') > 64 * 1024) throw new CofferError('COFFER_E_USAGE', `${name}: values are limited to 64 KiB.`);
}

export type { AuditFields, AuditFilter, RootKeyTarget };
