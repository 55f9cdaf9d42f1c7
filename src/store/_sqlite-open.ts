/**
 * Opening the SQLite file behind the store: a private (0600) file created before SQLite sees it,
 * the pragmas that make writes durable, numbered migrations, first-time initialisation, and the
 * mapping of SQLite failures to Coffer codes.
 */
import { closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { CofferError } from '../core/errors.js';
import { macKeyAad, newKey, seal } from './barrier.js';
import { newKeyring, sealKeyring } from './keyring.js';
import { MIGRATIONS } from './schema.js';

/** Creates the database file 0600 before SQLite opens it (SQLite gives its WAL files the same mode). */
export function createPrivateFile(path: string): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new CofferError('COFFER_E_FILE_WRITE', `Cannot create the store ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the directory permissions.`, { cause: error });
  }
}

/** Opens an existing database file with WAL, full sync and a busy timeout. */
export function openDatabase(path: string): Database.Database {
  if (!existsSync(path)) throw new CofferError('COFFER_E_NOT_FOUND', `No store at ${path}; run \`coffer init\` to create one.`);
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_CANTOPEN') throw new CofferError('COFFER_E_NOT_FOUND', `No store at ${path}; run \`coffer init\` to create one.`, { cause: error });
    throw mapSqliteError(error);
  }
  return db;
}

/** Runs the migrations the file has not had yet, each in its own transaction. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new CofferError('COFFER_E_STORE_CORRUPT', `The store was written by a newer Coffer (schema ${current}, this one knows ${MIGRATIONS.length}); upgrade Coffer.`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/** Records a new store's id, passphrase salt and creation time. */
export function initialise(db: Database.Database, at: Date): void {
  const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  db.transaction(() => {
    insert.run('store_id', randomUUID());
    insert.run('salt', randomBytes(16).toString('base64'));
    insert.run('created_at', at.toISOString());
  }).immediate();
}

/** Seals a new store's keyring and MAC key under its root key. */
export function sealNewKeys(db: Database.Database, root: Buffer, storeId: string, at: Date): void {
  const insert = db.prepare('INSERT INTO sealed_keys (kind, sealed) VALUES (?, ?)');
  db.transaction(() => {
    insert.run('keyring', sealKeyring(root, storeId, newKeyring(at)));
    insert.run('mac', seal(root, newKey(), macKeyAad(storeId)));
  }).immediate();
}

/** Maps SQLite failures to Coffer codes: busy is retryable, corruption is named. */
export function mapSqliteError(error: unknown): unknown {
  if (error instanceof CofferError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return new CofferError('COFFER_E_UNAVAILABLE', 'The store is locked by another process; try again.', { cause: error });
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return new CofferError('COFFER_E_STORE_CORRUPT', 'The store file is damaged or not a Coffer store; restore it from a backup.', { cause: error });
  return error;
}
