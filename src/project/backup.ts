/**
 * `coffer backup` and `coffer restore-backup`: the store behind an environment (every
 * environment it holds, with history and audit log) to and from one encrypted backup file.
 * The file format and the merge rules live in store/backup.ts.
 */
import { resolve } from 'node:path';
import type { Config } from '../config/resolve.js';
import { defaultActor } from '../providers/store.js';
import { restoreBackup, writeBackup, type RestoreBackupResult } from '../store/backup.js';
import { environmentStoreLocation, openEnvironmentStore, type AccessOptions } from './_environment.js';

/** What to back up, and where. */
export interface BackupRequest {
  readonly config: Config;
  readonly environment: string;
  /** The backup file, relative to the working directory. */
  readonly file: string;
  /** Replace an existing file (it is kept as a .bak copy). */
  readonly force?: boolean;
  readonly access?: AccessOptions;
}

/** The result of {@link backupStore}: counts and paths, never a value or a key. */
export interface BackupResult {
  readonly file: string;
  readonly store: string;
  readonly storeId: string;
  readonly secrets: number;
  readonly environments: readonly string[];
  readonly bytes: number;
  readonly createdAt: string;
}

/** Writes a backup of the store behind `environment`. */
export async function backupStore(request: BackupRequest): Promise<BackupResult> {
  const { store, actor, path } = await openEnvironmentStore(request.config, request.environment, request.access);
  try {
    const file = resolve(request.file);
    const written = writeBackup(store, file, { actor, ...(request.force ? { force: true } : {}) });
    return { file, store: path, storeId: written.storeId, secrets: written.secrets, environments: written.environments, bytes: written.bytes, createdAt: written.createdAt };
  } finally {
    store.close();
  }
}

/** What to restore, and into which store. */
export interface RestoreRequest {
  readonly config: Config;
  readonly environment: string;
  readonly file: string;
  readonly dryRun?: boolean;
  readonly access?: AccessOptions;
}

/** Restores a backup into the store behind `environment` (created when missing). */
export async function restoreStoreBackup(request: RestoreRequest): Promise<RestoreBackupResult & { store: string }> {
  const location = environmentStoreLocation(request.config, request.environment);
  const access = request.access ?? {};
  const vars = access.env ?? process.env;
  const result = await restoreBackup({
    file: resolve(request.file),
    path: location.path,
    env: vars,
    actor: access.actor ?? defaultActor(vars),
    ...(location.keyFile ? { keyFile: location.keyFile } : {}),
    ...(access.passphrase ? { passphrase: access.passphrase } : {}),
    ...(request.dryRun ? { dryRun: true } : {}),
  });
  return { ...result, store: location.path };
}
