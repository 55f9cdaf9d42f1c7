/**
 * The `store` provider: one environment of Coffer's embedded encrypted store
 * (`.coffer/store.db` by default). Versions and stages come from the store; every read and
 * write is audited there. The store file is opened on first use and created by the first write;
 * the master key comes from COFFER_MASTER_KEY, the key file or a passphrase (see the store docs).
 */
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod/v3';
import { CofferError, isCofferError } from '../core/errors.js';
import { ENV_NAME } from '../core/names.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.js';
import type { PutOptions, VersionInfo } from '../store/types.js';
import type { Stage } from '../core/stages.js';
import type { GetOptions, PendingWriteOptions, ProviderAuditEvent, ProviderFactory, SecretListing, SecretMetadata, SecretRecord, SecretWrite } from './types.js';

/** Validates `StoreOptions` as written in a config file. */
export const optionsSchema = z.object({
  path: z.string().min(1).optional(),
  environment: z.string().regex(ENV_NAME).optional(),
  keyFile: z.string().min(1).optional(),
}).strict();

/** Options of the `store` provider. */
export interface StoreOptions {
  /** Store file, resolved against the project root; default `.coffer/store.db`. */
  readonly path?: string;
  /** The environment inside the store; default `default` (the config sets the environment's own name). */
  readonly environment?: string;
  /** Key file holding the master key; default `~/.config/coffer/keys/<store-id>.key`. */
  readonly keyFile?: string;
}

/** Where a store environment lives, resolved from provider options: file, environment, key file. */
export interface StoreLocation {
  readonly path: string;
  readonly environment: string;
  readonly keyFile?: string;
}

/** Resolves `options` against the project root `cwd`. */
export function storeLocation(options: StoreOptions, cwd: string): StoreLocation {
  return {
    path: resolve(cwd, options.path ?? '.coffer/store.db'),
    environment: options.environment ?? 'default',
    ...(options.keyFile ? { keyFile: resolve(cwd, options.keyFile) } : {}),
  };
}

/** The audit actor: COFFER_ACTOR, else the OS user. */
export function defaultActor(vars: Readonly<Record<string, string | undefined>> = process.env): string {
  return vars.COFFER_ACTOR || safeUser();
}

/**
 * Creates a provider over one environment of the embedded store.
 *
 * @example
 * const provider = createStoreProvider({ environment: 'production' }, { cwd: projectRoot });
 */
export const createStoreProvider: ProviderFactory<StoreOptions> = (options = {}, context = {}) => {
  const { path, environment: env, keyFile } = storeLocation(options, context.cwd ?? process.cwd());
  const vars = context.env ?? process.env;
  const actor = context.actor ?? defaultActor(vars);
  let opened: Promise<SqliteStore> | undefined;
  let closed = false;
  const store = (create: boolean): Promise<SqliteStore> => {
    if (closed) return Promise.reject(new CofferError('COFFER_E_USAGE', `The store provider for ${path} was closed; open a new one.`));
    opened ??= openSqliteStore({ path, env: vars, create, ...(keyFile ? { keyFile } : {}), ...(context.passphrase ? { passphrase: context.passphrase } : {}) });
    // A failed open (no store yet for a read) is not cached, so a later write can create it.
    opened.catch(() => (opened = undefined));
    return opened;
  };
  const readable = async (): Promise<SqliteStore | undefined> => {
    try {
      return await store(false);
    } catch (error) {
      if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return undefined;
      throw error;
    }
  };
  const absent = (name: string) => new CofferError('COFFER_E_NOT_FOUND', `Secret ${name} is not in the store: ${path} does not exist yet.`, { details: { name } });

  return {
    id: 'store',
    location: `${path} (environment ${env})`,
    // Values in it are encrypted, but the file's mode still matters: it is checked like a dotenv file's.
    file: path,
    capabilities: { write: true, list: true, versions: true, stages: true, metadata: true, persistent: true },
    async get(name: string, getOptions: GetOptions = {}): Promise<SecretRecord> {
      const s = await readable();
      if (s === undefined) throw absent(name);
      const version = getOptions.version === undefined ? undefined : storeVersion(getOptions.version);
      const record = await s.get(env, name, { actor, ...(version === undefined ? {} : { version }), ...(getOptions.stage ? { stage: getOptions.stage } : {}) });
      return { name, value: record.value, metadata: metadataOf(record) };
    },
    async list(): Promise<SecretListing[]> {
      const s = await readable();
      return s === undefined ? [] : (await s.list(env)).map((info) => ({ name: info.name, metadata: metadataOf(info) }));
    },
    async set(name: string, value: string, metadata?: SecretWrite['metadata']): Promise<void> {
      await (await store(true)).put(env, name, value, putOptions(actor, { name, value, ...(metadata ? { metadata } : {}) }));
    },
    async setMany(writes: readonly SecretWrite[]): Promise<void> {
      await (await store(true)).putMany(env, writes.map((w) => ({ name: w.name, value: w.value, options: putOptions(actor, w) })));
    },
    async delete(name: string): Promise<void> {
      const s = await readable();
      if (s === undefined) throw absent(name);
      await s.delete(env, name, { actor });
    },
    async versions(name: string): Promise<SecretListing[]> {
      const s = await readable();
      if (s === undefined) throw absent(name);
      return (await s.history(env, name)).map((info) => ({ name, metadata: { ...metadataOf(info), stages: info.stages } }));
    },
    async putPending(name: string, value: string, pendingOptions: PendingWriteOptions = {}): Promise<string> {
      const options = putOptions(actor, { name, value, ...(pendingOptions.metadata ? { metadata: pendingOptions.metadata } : {}) });
      return String((await (await store(true)).put(env, name, value, { ...options, stage: 'pending' })).version);
    },
    async moveStage(name: string, stage: Stage, version: string): Promise<void> {
      const s = await readable();
      if (s === undefined) throw absent(name);
      await s.moveStage(env, name, stage, storeVersion(version), { actor });
    },
    async clearStage(name: string, stage: Exclude<Stage, 'current'>): Promise<void> {
      const s = await readable();
      if (s === undefined) throw absent(name);
      await s.clearStage(env, name, stage, { actor });
    },
    async reusedValues(names: readonly string[], depth: number): Promise<ReadonlySet<string>> {
      const s = await readable();
      return s === undefined ? new Set() : s.reusedValues(env, names, depth);
    },
    async audit(event: ProviderAuditEvent): Promise<void> {
      const s = await readable();
      s?.record({ actor, action: event.action, env, name: event.name ?? null, detail: event.detail ?? null });
    },
    async close(): Promise<void> {
      closed = true;
      const pending = opened;
      opened = undefined;
      if (pending !== undefined) (await pending.catch(() => undefined))?.close();
    },
  };
};

export default createStoreProvider;

function putOptions(actor: string, write: SecretWrite): PutOptions {
  const { metadata } = write;
  return {
    actor,
    ...(metadata?.updatedAt ? { updatedAt: metadata.updatedAt } : {}),
    ...(metadata?.rotateBy ? { rotateBy: metadata.rotateBy } : {}),
    ...(write.noReuse ? { noReuse: true } : {}),
  };
}

/** A version id as the store numbers them: a whole number from 1. */
function storeVersion(id: string): number {
  const version = Number(id);
  if (!(Number.isInteger(version) && version > 0)) throw new CofferError('COFFER_E_USAGE', `Store versions are whole numbers from 1, not "${id}".`);
  return version;
}

function metadataOf(info: VersionInfo): SecretMetadata {
  return { version: String(info.version), updatedAt: info.createdAt, ...(info.rotateBy ? { rotateBy: info.rotateBy } : {}) };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
