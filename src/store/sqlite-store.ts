/**
 * The embedded store on SQLite (better-sqlite3, WAL, busy timeout, synchronous=FULL so an
 * acknowledged write survives a crash). The SQL here only moves sealed bytes: every value is
 * sealed and opened by the barrier, under data keys wrapped by the keyring, under the root key.
 * Each write, read and failed decryption appends to the audit chain in the same transaction as
 * the change it records.
 */
import type Database from 'better-sqlite3';
import { CofferError, isCofferError } from '../core/errors.js';
import { ENV_NAME, SECRET_NAME } from '../core/names.js';
import { chainMac, verifyChain, type AuditEntry, type AuditFields, type ChainVerdict } from '../audit/chain.js';
import type { Stage } from '../core/stages.js';
import { dataKeyAad, mac, macEqual, macKeyAad, MAX_ENCRYPTIONS_PER_KEY, newKey, open, seal, valueAad } from './barrier.js';
import { addKeyringVersion, currentKeyringVersion, keyringKey, openKeyring, sealKeyring, type Keyring } from './keyring.js';
import { createKeyFile, defaultKeyFile, resolveRootKey, type RootKeySource } from './master-key.js';
import { createPrivateFile, initialise, mapSqliteError, migrate, openDatabase, sealNewKeys } from './_sqlite-open.js';
import type { PutOptions, Store, StoreGetOptions, VersionInfo, VersionRecord } from './types.js';

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
  /** Supplies a passphrase when neither COFFER_MASTER_KEY nor a key file is available. */
  readonly passphrase?: () => Promise<string | undefined>;
  /** The clock; default now. */
  readonly now?: () => Date;
}

/** How many earlier values a no-reuse secret may not repeat (PCI-DSS 8.3.7). */
export const REUSE_DEPTH = 4;

type Row = Record<string, unknown>;

/** Opens (or creates) a SQLite store. */
export async function openSqliteStore(options: OpenSqliteStoreOptions): Promise<SqliteStore> {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const created = options.create === true && createPrivateFile(options.path);
  const db = openDatabase(options.path);
  try {
    migrate(db);
    if (created) initialise(db, now());
    const meta = (key: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    const storeId = meta('store_id');
    const salt = meta('salt');
    if (storeId === undefined || salt === undefined) throw new CofferError('COFFER_E_STORE_CORRUPT', `${options.path} is not an initialised Coffer store; restore it from a backup or create a new one.`);
    const keyFile = options.keyFile ?? defaultKeyFile(storeId, env);
    if (created && !env.COFFER_MASTER_KEY) createKeyFile(keyFile);
    const { key: root, source } = await resolveRootKey({ storeId, salt, env, keyFile, ...(options.passphrase ? { passphrase: options.passphrase } : {}) });
    if (created) sealNewKeys(db, root, storeId, now());
    const sealed = (kind: string) => (db.prepare('SELECT sealed FROM sealed_keys WHERE kind = ?').get(kind) as { sealed: Buffer } | undefined)?.sealed;
    const keyringBlob = sealed('keyring');
    const macBlob = sealed('mac');
    if (keyringBlob === undefined || macBlob === undefined) throw new CofferError('COFFER_E_STORE_CORRUPT', `${options.path} has no keyring; restore it from a backup.`);
    const keyring = openKeyring(root, storeId, keyringBlob);
    const macKey = open(root, macBlob, macKeyAad(storeId), 'the store MAC key (the master key does not match this store)', 'COFFER_E_BAD_MASTER_KEY');
    root.fill(0);
    return new SqliteStore(db, storeId, keyring, macKey, now, source, keyFile);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The SQLite implementation of {@link Store}; create it with {@link openSqliteStore}. */
export class SqliteStore implements Store {
  private readonly dataKeys = new Map<number, Buffer>();

  /** @internal use openSqliteStore */
  constructor(
    private readonly db: Database.Database,
    readonly id: string,
    private keyring: Keyring,
    private readonly macKey: Buffer,
    private readonly now: () => Date,
    /** Where the master key came from. */
    readonly keySource: RootKeySource,
    /** The key file this store uses (whether or not it exists). */
    readonly keyFile: string,
  ) {}

  async put(env: string, name: string, value: string, options: PutOptions): Promise<VersionInfo> {
    const [info] = await this.putMany(env, [{ name, value, options }]);
    return info as VersionInfo;
  }

  /** Writes several secrets of one environment in one transaction: all land or none does. */
  async putMany(env: string, writes: readonly { name: string; value: string; options: PutOptions }[]): Promise<VersionInfo[]> {
    for (const w of writes) assertName(env, w.name, w.value);
    let failing: (typeof writes)[number] | undefined;
    const write = this.db.transaction(() => writes.map((w) => {
      failing = w;
      return this.writeVersion(env, w.name, w.value, w.options);
    }));
    return this.guard(() => {
      try {
        return write.immediate();
      } catch (error) {
        // The refused write rolled back; its audit entry is written on its own so it is kept.
        const refusal = isCofferError(error, 'COFFER_E_CONFLICT') ? ['conflict', `expected version ${failing?.options.expectVersion}`]
          : isCofferError(error, 'COFFER_E_REUSED_VALUE') ? ['denied', 'reused value']
          : isCofferError(error, 'COFFER_E_USAGE') ? ['denied', 'secret is deleted'] : undefined;
        if (refusal !== undefined && failing !== undefined) {
          const [outcome, detail] = refusal as [string, string];
          const fields = { at: this.now().toISOString(), actor: failing.options.actor, action: 'write', env, name: failing.name, version: null, outcome, detail };
          this.db.transaction(() => this.appendAudit(fields)).immediate();
        }
        throw error;
      }
    });
  }

  private writeVersion(env: string, name: string, value: string, options: PutOptions): VersionInfo {
    const at = options.updatedAt ?? this.now().toISOString();
    if (this.secretRow(env, name)?.deleted_at) {
      throw new CofferError('COFFER_E_USAGE', `${env}/${name} is deleted; restore it first (\`coffer restore ${name} -e ${env}\`) or destroy it to start over.`);
    }
    const current = this.stageVersion(env, name, 'current');
    if (options.expectVersion !== undefined && options.expectVersion !== (current ?? 0)) {
      throw new CofferError('COFFER_E_CONFLICT', `${env}/${name} is at version ${current ?? 0}, not ${options.expectVersion}; read it again and retry.`, { details: { env, name, current: current ?? 0 } });
    }
    const fingerprint = mac(this.macKey, 'fingerprint', value);
    if (options.noReuse) this.refuseReuse(env, name, fingerprint);
    const version = ((this.db.prepare('SELECT MAX(version) AS v FROM versions WHERE env = ? AND name = ?').get(env, name) as { v: number | null }).v ?? 0) + 1;
    const dataKey = this.writableDataKey(at);
    const sealed = seal(dataKey.key, Buffer.from(value, 'utf8'), valueAad(this.id, env, name, version));
    this.db.prepare('INSERT INTO secrets (env, name, created_at) VALUES (?, ?, ?) ON CONFLICT (env, name) DO NOTHING').run(env, name, at);
    this.db.prepare('INSERT INTO versions (env, name, version, data_key_id, sealed, fingerprint, created_at, actor, rotate_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(env, name, version, dataKey.id, sealed, fingerprint, at, options.actor, options.rotateBy ?? null);
    const stage = options.stage ?? 'current';
    if (stage === 'current' && current !== undefined) this.setStage(env, name, 'previous', current);
    this.setStage(env, name, stage, version);
    this.appendAudit({ at: this.now().toISOString(), actor: options.actor, action: 'write', env, name, version, outcome: 'ok', detail: stage });
    return this.info(env, name, version);
  }

  async get(env: string, name: string, options: StoreGetOptions): Promise<VersionRecord> {
    return this.guard(() => {
      const at = this.now().toISOString();
      if (this.secretRow(env, name)?.deleted_at) {
        throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} was deleted; \`coffer restore ${name} -e ${env}\` brings it back.`, { details: { env, name } });
      }
      const version = options.version ?? this.stageVersion(env, name, options.stage ?? 'current');
      const row = version === undefined ? undefined : (this.db.prepare('SELECT data_key_id, sealed FROM versions WHERE env = ? AND name = ? AND version = ?').get(env, name, version) as Row | undefined);
      if (row === undefined || version === undefined) {
        const which = options.version !== undefined ? `version ${options.version}` : `stage ${options.stage ?? 'current'}`;
        throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} has no ${which} in the store; see \`coffer history ${name} -e ${env}\`.`, { details: { env, name } });
      }
      try {
        const key = this.dataKey(row.data_key_id as number);
        const plain = open(key, row.sealed as Buffer, valueAad(this.id, env, name, version), `${env}/${name} version ${version}`);
        this.auditRead({ at, actor: options.actor, action: 'read', env, name, version, outcome: 'ok', detail: null });
        return { ...this.info(env, name, version), value: plain.toString('utf8') };
      } catch (error) {
        if (isCofferError(error, 'COFFER_E_DECRYPT_FAILED')) {
          this.db.transaction(() => this.appendAudit({ at, actor: options.actor, action: 'decrypt-failed', env, name, version, outcome: 'failed', detail: null })).immediate();
        }
        throw error;
      }
    });
  }

  async list(env: string): Promise<VersionInfo[]> {
    return this.guard(() => {
      const rows = this.db.prepare(`SELECT s.name, st.version FROM secrets s JOIN stages st ON st.env = s.env AND st.name = s.name AND st.stage = 'current'
        WHERE s.env = ? AND s.deleted_at IS NULL ORDER BY s.name`).all(env) as Row[];
      return rows.map((r) => this.info(env, r.name as string, r.version as number));
    });
  }

  async history(env: string, name: string): Promise<VersionInfo[]> {
    return this.guard(() => {
      const rows = this.db.prepare('SELECT version FROM versions WHERE env = ? AND name = ? ORDER BY version DESC').all(env, name) as Row[];
      if (rows.length === 0) throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} is not in the store; see \`coffer list -e ${env}\`.`);
      return rows.map((r) => this.info(env, name, r.version as number));
    });
  }

  /** Soft-deletes a secret: it disappears from reads and lists but can be restored until `purgeAfter`. */
  async delete(env: string, name: string, options: { actor: string; recoveryDays?: number }): Promise<{ purgeAfter: string }> {
    return this.guard(() => this.db.transaction(() => {
      const now = this.now();
      const row = this.secretRow(env, name);
      if (row === undefined || row.deleted_at !== null) throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} is not in the store (or already deleted); see \`coffer list -e ${env}\`.`);
      const purgeAfter = new Date(now.getTime() + (options.recoveryDays ?? 7) * 86_400_000).toISOString();
      this.db.prepare('UPDATE secrets SET deleted_at = ?, purge_after = ? WHERE env = ? AND name = ?').run(now.toISOString(), purgeAfter, env, name);
      this.appendAudit({ at: now.toISOString(), actor: options.actor, action: 'delete', env, name, version: null, outcome: 'ok', detail: `recoverable until ${purgeAfter}` });
      return { purgeAfter };
    }).immediate());
  }

  /** Brings back a soft-deleted secret with all its versions. */
  async restore(env: string, name: string, options: { actor: string }): Promise<void> {
    this.guard(() => this.db.transaction(() => {
      const row = this.secretRow(env, name);
      if (row === undefined || row.deleted_at === null) throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} is not a deleted secret; nothing to restore.`);
      this.db.prepare('UPDATE secrets SET deleted_at = NULL, purge_after = NULL WHERE env = ? AND name = ?').run(env, name);
      this.appendAudit({ at: this.now().toISOString(), actor: options.actor, action: 'restore', env, name, version: null, outcome: 'ok', detail: null });
    }).immediate());
  }

  /** Removes a secret and every version for good; its audit entries stay. */
  async destroy(env: string, name: string, options: { actor: string }): Promise<void> {
    this.guard(() => this.db.transaction(() => {
      if (this.secretRow(env, name) === undefined) throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} is not in the store; nothing to destroy.`);
      for (const table of ['stages', 'versions', 'secrets']) this.db.prepare(`DELETE FROM ${table} WHERE env = ? AND name = ?`).run(env, name);
      this.appendAudit({ at: this.now().toISOString(), actor: options.actor, action: 'destroy', env, name, version: null, outcome: 'ok', detail: null });
    }).immediate());
  }

  /**
   * Points `stage` at `version`. Making a version `current` moves the old current to `previous`
   * and clears `pending` when it pointed at that version (the finish step of a rotation).
   */
  async moveStage(env: string, name: string, stage: Stage, version: number, options: { actor: string }): Promise<VersionInfo> {
    return this.guard(() => this.db.transaction(() => {
      const exists = this.db.prepare('SELECT 1 FROM versions WHERE env = ? AND name = ? AND version = ?').get(env, name, version);
      if (exists === undefined) throw new CofferError('COFFER_E_NOT_FOUND', `${env}/${name} has no version ${version}; see \`coffer history ${name} -e ${env}\`.`);
      const current = this.stageVersion(env, name, 'current');
      if (stage === 'current' && current !== undefined && current !== version) this.setStage(env, name, 'previous', current);
      if (stage === 'current' && this.stageVersion(env, name, 'pending') === version) this.db.prepare("DELETE FROM stages WHERE env = ? AND name = ? AND stage = 'pending'").run(env, name);
      this.setStage(env, name, stage, version);
      this.appendAudit({ at: this.now().toISOString(), actor: options.actor, action: 'stage', env, name, version, outcome: 'ok', detail: stage });
      return this.info(env, name, version);
    }).immediate());
  }

  /**
   * Rotates the master key: adds a keyring version and re-wraps every data key with it, without
   * rewriting any value. Older keyring versions no longer wrap anything and are retired.
   */
  async rotateMasterKey(rootKey: Uint8Array, options: { actor: string }): Promise<{ keyringVersion: number; dataKeys: number }> {
    return this.guard(() => this.db.transaction(() => {
      const opened = openKeyring(rootKey, this.id, this.sealedKey('keyring'));
      const at = this.now();
      const grown = addKeyringVersion(opened, at);
      const next = currentKeyringVersion(grown);
      const rows = this.db.prepare('SELECT id FROM data_keys').all() as Row[];
      for (const row of rows) {
        const id = row.id as number;
        this.db.prepare('UPDATE data_keys SET keyring_version = ?, wrapped = ? WHERE id = ?').run(next.version, seal(next.key, this.dataKey(id), dataKeyAad(this.id, id, next.version)), id);
      }
      const retired = grown.map((v) => (v.version === next.version || v.retiredAt !== undefined ? v : { ...v, retiredAt: at.toISOString() }));
      this.db.prepare("UPDATE sealed_keys SET sealed = ? WHERE kind = 'keyring'").run(sealKeyring(rootKey, this.id, retired));
      this.keyring = retired;
      this.appendAudit({ at: at.toISOString(), actor: options.actor, action: 'key-rotate', env: null, name: null, version: null, outcome: 'ok', detail: `keyring version ${next.version}, ${rows.length} data keys re-wrapped` });
      return { keyringVersion: next.version, dataKeys: rows.length };
    }).immediate());
  }

  /**
   * Appends a value-free entry for an operation the store does not perform itself (an export,
   * an import, a backup), so the chain shows values leaving or arriving.
   */
  record(event: { actor: string; action: string; env: string | null; name?: string | null; version?: number | null; outcome?: string; detail?: string | null }): void {
    this.guard(() => this.db.transaction(() => this.appendAudit({
      at: this.now().toISOString(), actor: event.actor, action: event.action, env: event.env, name: event.name ?? null,
      version: event.version ?? null, outcome: event.outcome ?? 'ok', detail: event.detail ?? null,
    })).immediate());
  }

  /** Audit entries in order, optionally only those after `sinceSeq`. */
  auditEntries(sinceSeq = 0): AuditEntry[] {
    return (this.db.prepare('SELECT * FROM audit WHERE seq > ? ORDER BY seq').all(sinceSeq) as Row[]).map(toAuditEntry);
  }

  /** Verifies the whole audit chain, including that nothing was cut off its end. */
  verifyAudit(): ChainVerdict {
    const entries = this.auditEntries();
    const verdict = verifyChain(this.macKey, entries);
    if (!verdict.ok) return verdict;
    const head = this.db.prepare("SELECT value FROM meta WHERE key = 'audit_head'").get() as { value: string } | undefined;
    const last = entries[entries.length - 1];
    if ((head?.value ?? '0') !== String(last?.seq ?? 0)) {
      return { ok: false, entries: entries.length, firstBadSeq: (last?.seq ?? 0) + 1, reason: 'removed-or-reordered' };
    }
    return verdict;
  }

  close(): void {
    for (const key of this.dataKeys.values()) key.fill(0);
    this.macKey.fill(0);
    this.db.close();
  }

  private secretRow(env: string, name: string): { deleted_at: string | null } | undefined {
    return this.db.prepare('SELECT deleted_at FROM secrets WHERE env = ? AND name = ?').get(env, name) as { deleted_at: string | null } | undefined;
  }

  private sealedKey(kind: string): Buffer {
    const row = this.db.prepare('SELECT sealed FROM sealed_keys WHERE kind = ?').get(kind) as { sealed: Buffer } | undefined;
    if (row === undefined) throw new CofferError('COFFER_E_STORE_CORRUPT', `The store has no ${kind}; restore it from a backup.`);
    return row.sealed;
  }

  private info(env: string, name: string, version: number): VersionInfo {
    const row = this.db.prepare('SELECT created_at, actor, rotate_by FROM versions WHERE env = ? AND name = ? AND version = ?').get(env, name, version) as Row;
    const stages = (this.db.prepare('SELECT stage FROM stages WHERE env = ? AND name = ? AND version = ? ORDER BY stage').all(env, name, version) as Row[]).map((r) => r.stage as Stage);
    return { env, name, version, stages, createdAt: row.created_at as string, actor: row.actor as string, rotateBy: (row.rotate_by as string | null) ?? null };
  }

  private stageVersion(env: string, name: string, stage: Stage): number | undefined {
    return (this.db.prepare('SELECT version FROM stages WHERE env = ? AND name = ? AND stage = ?').get(env, name, stage) as { version: number } | undefined)?.version;
  }

  private setStage(env: string, name: string, stage: Stage, version: number): void {
    this.db.prepare('INSERT INTO stages (env, name, stage, version) VALUES (?, ?, ?, ?) ON CONFLICT (env, name, stage) DO UPDATE SET version = excluded.version').run(env, name, stage, version);
  }

  private refuseReuse(env: string, name: string, fingerprint: Buffer): void {
    const recent = this.db.prepare('SELECT fingerprint FROM versions WHERE env = ? AND name = ? ORDER BY version DESC LIMIT ?').all(env, name, REUSE_DEPTH) as Row[];
    // Compare keyed fingerprints in constant time; plaintexts of old versions are never decrypted for this.
    if (recent.some((r) => macEqual(r.fingerprint as Buffer, fingerprint))) {
      throw new CofferError('COFFER_E_REUSED_VALUE', `${env}/${name}: the new value equals one of its last ${REUSE_DEPTH} values, which PCI-DSS forbids; choose a new value.`);
    }
  }

  private writableDataKey(at: string): { id: number; key: Buffer } {
    const row = this.db.prepare('SELECT id, uses FROM data_keys ORDER BY id DESC LIMIT 1').get() as Row | undefined;
    if (row !== undefined && (row.uses as number) < MAX_ENCRYPTIONS_PER_KEY) {
      this.db.prepare('UPDATE data_keys SET uses = uses + 1 WHERE id = ?').run(row.id);
      return { id: row.id as number, key: this.dataKey(row.id as number) };
    }
    // First write, or the nonce budget of the current key is spent: start a new data key.
    const id = ((row?.id as number | undefined) ?? 0) + 1;
    const ring = currentKeyringVersion(this.keyring);
    const key = newKey();
    this.db.prepare('INSERT INTO data_keys (id, keyring_version, wrapped, uses, created_at) VALUES (?, ?, ?, 1, ?)').run(id, ring.version, seal(ring.key, key, dataKeyAad(this.id, id, ring.version)), at);
    this.dataKeys.set(id, key);
    return { id, key };
  }

  private dataKey(id: number): Buffer {
    const cached = this.dataKeys.get(id);
    if (cached) return cached;
    const row = this.db.prepare('SELECT keyring_version, wrapped FROM data_keys WHERE id = ?').get(id) as Row | undefined;
    if (row === undefined) throw new CofferError('COFFER_E_STORE_CORRUPT', `Data key ${id} is missing from the store; restore it from a backup.`);
    const version = row.keyring_version as number;
    const key = open(keyringKey(this.keyring, version), row.wrapped as Buffer, dataKeyAad(this.id, id, version), `data key ${id}`);
    this.dataKeys.set(id, key);
    return key;
  }

  /**
   * Appends a read's audit entry without an fsync of its own: in WAL mode with synchronous=NORMAL
   * the entry survives a crash of the process and is made durable by the next fully synced
   * write, checkpoint or close. Reads change nothing, so this trades only the last reads' audit
   * entries on a power loss for reads that do not wait on the disk.
   */
  private auditRead(fields: AuditFields): void {
    this.db.pragma('synchronous = NORMAL');
    try {
      this.db.transaction(() => this.appendAudit(fields)).immediate();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  private appendAudit(fields: AuditFields): void {
    const last = this.db.prepare('SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; mac: Buffer } | undefined;
    const seq = (last?.seq ?? 0) + 1;
    const entryMac = chainMac(this.macKey, last?.mac ?? Buffer.alloc(0), seq, fields);
    this.db.prepare('INSERT INTO audit (seq, at, actor, action, env, name, version, outcome, detail, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(seq, fields.at, fields.actor, fields.action, fields.env, fields.name, fields.version, fields.outcome, fields.detail, entryMac);
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('audit_head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(seq));
  }

  /** Maps SQLite failures to Coffer codes: busy is retryable, corruption is named. */
  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw mapSqliteError(error);
    }
  }
}

function toAuditEntry(r: Row): AuditEntry {
  return {
    seq: r.seq as number, at: r.at as string, actor: r.actor as string, action: r.action as string, env: (r.env as string | null) ?? null,
    name: (r.name as string | null) ?? null, version: (r.version as number | null) ?? null, outcome: r.outcome as string, detail: (r.detail as string | null) ?? null, mac: r.mac as Buffer,
  };
}

function assertName(env: string, name: string, value: string): void {
  if (!ENV_NAME.test(env)) throw new CofferError('COFFER_E_USAGE', `"${env}" is not a valid environment name (lower-case letters, digits, - and _).`);
  if (!SECRET_NAME.test(name)) throw new CofferError('COFFER_E_USAGE', 'A secret name is letters, digits and _, not starting with a digit, at most 255 characters.');
  if (Buffer.byteLength(value, 'utf8') > 64 * 1024) throw new CofferError('COFFER_E_USAGE', `${name}: values are limited to 64 KiB.`);
}

