/**
 * `coffer init`: writes the starter config, the annotated `.env.example` and the .gitignore
 * entries that keep every secret-holding file out of version control, and creates the embedded
 * encrypted store that the starter environments use by default, with its master key.
 *
 * Nothing is overwritten without `force`: an existing config is an error (COFFER_E_EXISTS), an
 * existing .env.example is kept, and .gitignore only gains the lines it lacks. An existing store
 * is always kept, with its key, even with `force`: it is opened (which proves its key is at hand)
 * and reported, never replaced.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseConfig } from '../config/load.js';
import type { Config } from '../config/resolve.js';
import { envExample, starterConfig, type StarterProvider } from '../config/starter.js';
import { CofferError, isCofferError } from '../core/errors.js';
import { fileMode, writeFileAtomic } from '../io/secure-file.js';
import { optionsSchema as storeOptionsSchema, storeLocation, type StoreLocation, type StoreOptions } from '../providers/store.js';
import type { RootKeySource } from '../store/master-key.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { AccessOptions } from './_environment.js';

/** Lines `coffer init` makes sure .gitignore has: every file that may hold a secret value. */
export const GITIGNORE_ENTRIES = ['.env', '.env.*', '!.env.example', '.coffer/', '*.key', '*.bak-*', '*.coffer-tmp-*'] as const;

/**
 * Shortest passphrase accepted for a new store. The passphrase is the only thing between a copy
 * of the store file and every value in it; scrypt makes each guess costly, length makes the
 * number of guesses large.
 */
export const MIN_PASSPHRASE_LENGTH = 12;

/** Options of {@link initProject}. */
export interface InitOptions {
  /** The project directory. */
  readonly cwd: string;
  /** Project name written to the config; default the directory name. */
  readonly project?: string;
  /** Replace an existing config and .env.example (the old ones are backed up). An existing store is kept regardless. */
  readonly force?: boolean;
  /** Provider of the three starter environments; default `store` (`dotenv`: no store is created). */
  readonly provider?: StarterProvider;
  /**
   * Gives a new store a passphrase-derived master key instead of a random key file; called only
   * when a store is created. Refused together with COFFER_MASTER_KEY, which would win.
   */
  readonly newPassphrase?: () => Promise<string>;
  /**
   * Environment variables (COFFER_MASTER_KEY, HOME, XDG_CONFIG_HOME; default process.env) and
   * the prompt that unlocks an existing passphrase store.
   */
  readonly access?: AccessOptions;
}

/** What happened to one file. */
export interface InitFileResult {
  readonly path: string;
  readonly action: 'created' | 'replaced' | 'updated' | 'kept';
}

/** The store the starter environments use. */
export interface InitStoreResult {
  /** The store file. */
  readonly path: string;
  /** The store's random id (it names the default key file). */
  readonly id: string;
  /** Where its master key comes from: COFFER_MASTER_KEY (`env`), a key file, or a passphrase. */
  readonly keySource: RootKeySource;
  /** The key file holding the master key, when that is the key's source: back it up. */
  readonly keyFile?: string;
}

/** The result of {@link initProject}. */
export interface InitResult {
  /** Every file written or kept, the store file included. */
  readonly files: readonly InitFileResult[];
  /** The store, unless the environments are on dotenv. */
  readonly store?: InitStoreResult;
}

/**
 * Creates the starter files and the store; returns what was done to each.
 *
 * @example
 * const { files, store } = await initProject({ cwd: process.cwd() });
 * // store.keyFile: back it up, never commit it
 */
export async function initProject(options: InitOptions): Promise<InitResult> {
  const { cwd, force = false, provider = 'store' } = options;
  const vars = options.access?.env ?? process.env;
  const project = options.project ?? (basename(cwd).replace(/[^A-Za-z0-9._-]/g, '-') || 'app');
  const configPath = join(cwd, 'coffer.config.json');
  const configText = `${JSON.stringify(starterConfig(project, provider), null, 2)}\n`;
  // Resolve the starter once, so the example and the store come from exactly what the config says.
  const config = parseConfig(configText, configPath);
  const configExisted = fileMode(configPath) !== undefined;
  // Checked before the store is touched, so a refused init changes nothing.
  if (configExisted && !force) throw configExists(configPath);
  if (options.newPassphrase !== undefined && provider !== 'store') {
    throw new CofferError('COFFER_E_USAGE', 'A passphrase protects the store, and --provider dotenv creates none; drop --passphrase or use --provider store.');
  }
  if (options.newPassphrase !== undefined && vars.COFFER_MASTER_KEY) {
    throw new CofferError('COFFER_E_USAGE', 'COFFER_MASTER_KEY is set and would be the store\'s master key instead of a passphrase; unset it or drop --passphrase.');
  }

  // The starter puts every environment in one store; a custom path per environment would give several.
  const storeFiles: InitFileResult[] = [];
  let store: InitStoreResult | undefined;
  for (const location of storeLocations(config)) {
    const made = await ensureStore(location, options);
    storeFiles.push(made.file);
    store ??= made.store;
  }

  try {
    // exclusive: a config that appears between the check and the write is never clobbered.
    writeFileAtomic(configPath, configText, { mode: 0o644, backup: true, exclusive: !force });
  } catch (error) {
    if (!isCofferError(error, 'COFFER_E_EXISTS')) throw error;
    throw configExists(configPath, error);
  }
  const files: InitFileResult[] = [{ path: configPath, action: configExisted ? 'replaced' : 'created' }];

  const examplePath = join(cwd, '.env.example');
  const exampleExisted = fileMode(examplePath) !== undefined;
  if (exampleExisted && !force) {
    files.push({ path: examplePath, action: 'kept' });
  } else {
    writeFileAtomic(examplePath, envExample(config), { mode: 0o644, backup: true });
    files.push({ path: examplePath, action: exampleExisted ? 'replaced' : 'created' });
  }

  files.push(ensureGitignore(join(cwd, '.gitignore')), ...storeFiles);
  return { files, ...(store === undefined ? {} : { store }) };
}

function configExists(path: string, cause?: unknown): CofferError {
  return new CofferError('COFFER_E_EXISTS', `${path} already exists and was left untouched; use --force to replace it (the old file is backed up).`, cause === undefined ? {} : { cause });
}

/** The distinct store files the config's store environments use. */
function storeLocations(config: Config): StoreLocation[] {
  const byPath = new Map<string, StoreLocation>();
  for (const env of Object.values(config.environments)) {
    if (env.provider !== 'store') continue;
    const location = storeLocation(storeOptionsSchema.parse(env.options) as StoreOptions, config.root);
    if (!byPath.has(location.path)) byPath.set(location.path, location);
  }
  return [...byPath.values()];
}

/** Creates the store at `location`, or opens the existing one to prove its key is at hand. */
async function ensureStore(location: StoreLocation, options: InitOptions): Promise<{ file: InitFileResult; store: InitStoreResult }> {
  const existed = fileMode(location.path) !== undefined;
  const { newPassphrase } = options;
  const unlock = options.access?.passphrase;
  const passphrase = existed ? unlock : newPassphrase === undefined ? undefined : async () => checkedPassphrase(await newPassphrase());
  const store = await openSqliteStore({
    path: location.path,
    create: true,
    ...(options.access?.env ? { env: options.access.env } : {}),
    ...(location.keyFile ? { keyFile: location.keyFile } : {}),
    ...(!existed && newPassphrase !== undefined ? { createKey: 'passphrase' as const } : {}),
    ...(passphrase ? { passphrase } : {}),
  }).catch((error: unknown) => {
    if (!existed || !isCofferError(error, 'COFFER_E_BAD_MASTER_KEY')) throw error;
    // init never replaces a store; say how to start over, since that is often why init was re-run.
    throw new CofferError('COFFER_E_BAD_MASTER_KEY', `${error.message.replace(/\.$/, '')}. init keeps existing stores: to start over with a new one, move ${location.path} away first (its values cannot be read without the key).`, { cause: error });
  });
  try {
    return {
      file: { path: location.path, action: existed ? 'kept' : 'created' },
      store: { path: location.path, id: store.id, keySource: store.keySource, ...(store.keySource === 'key-file' ? { keyFile: store.keyFile } : {}) },
    };
  } finally {
    store.close();
  }
}

function checkedPassphrase(passphrase: string): string {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new CofferError('COFFER_E_USAGE', `The passphrase is shorter than ${MIN_PASSPHRASE_LENGTH} characters; choose a longer one (a few unrelated words), or run init without --passphrase to get a random key file.`);
  }
  return passphrase;
}

function ensureGitignore(path: string): InitFileResult {
  const mode = fileMode(path);
  const current = mode === undefined ? '' : readFileSync(path, 'utf8');
  const present = new Set(current.split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_ENTRIES.filter((entry) => !present.has(entry));
  if (missing.length === 0) return { path, action: 'kept' };
  const prefix = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  const block = `${prefix === '' ? '' : '\n'}# Secrets managed by Coffer: never commit these.\n${missing.join('\n')}\n`;
  writeFileAtomic(path, prefix + block, { mode: mode ?? 0o644 });
  return { path, action: mode === undefined ? 'created' : 'updated' };
}
