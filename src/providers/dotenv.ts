/**
 * The `dotenv` provider: secrets in a dotenv file (`.env`, `.env.production`, ...).
 *
 * The file is read as the `dotenv` npm package reads it (lines it would misread are
 * COFFER_E_DOTENV_SYNTAX errors with `file:line`) and rewritten atomically with mode 0600,
 * keeping a 0600 backup of the previous content, the user's comments and the order of lines.
 * Values are written quoted so that dotenv and docker compose read them back unchanged; values
 * that cannot be (see docs/providers/dotenv.md) are refused before anything is written. Each
 * secret's update and rotate-by dates live in a `# coffer:` comment directly above it.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod/v3';
import { resolve } from 'node:path';
import { CofferError } from '../core/errors.js';
import { withFileLock } from '../io/file-lock.js';
import { writeFileAtomic } from '../io/secure-file.js';
import type { GetOptions, ProviderFactory, SecretListing, SecretRecord, SecretWrite } from './types.js';
import { parseDotenv, removeEntry, serializeDotenv, setEntries, type DotenvDocument, type DotenvEntry } from './_dotenv-format.js';

/** Validates `DotenvOptions` as written in a config file. */
export const optionsSchema = z.object({ path: z.string().min(1).optional() }).strict();

/** Options of the `dotenv` provider. */
export interface DotenvOptions {
  /** Path of the dotenv file, resolved against the project root (`context.cwd`); default `.env`. */
  readonly path?: string;
}

/**
 * Creates a provider over one dotenv file. A missing file reads as empty and is created (0600)
 * on the first write.
 *
 * @example
 * const provider = createDotenvProvider({ path: '.env.production' }, { cwd: projectRoot });
 * await provider.set('JWT_SECRET', value, { updatedAt: new Date().toISOString() });
 */
export const createDotenvProvider: ProviderFactory<DotenvOptions> = (options = {}, context = {}) => {
  const path = resolve(context.cwd ?? process.cwd(), options.path ?? '.env');
  // Writes are read-modify-write of the whole file: run them one at a time within this instance.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };
  // ...and across processes: the file lock makes two `coffer` runs take turns, so neither
  // overwrites a value the other has reported as written.
  const update = (edit: (doc: DotenvDocument) => DotenvDocument) =>
    exclusive(() => withFileLock(path, async () => {
      const { doc, exists } = await load(path);
      const next = edit(doc);
      writeWithBackup(path, serializeDotenv(next), exists);
    }));

  return {
    id: 'dotenv',
    location: path,
    file: path,
    capabilities: { write: true, list: true, versions: false, stages: false, metadata: true, persistent: true },
    async get(name: string, getOptions: GetOptions = {}): Promise<SecretRecord> {
      refuseVersions(getOptions, path);
      const entry = (await load(path)).doc.entries.find((candidate) => candidate.name === name);
      if (entry === undefined) throw notFound(name, path);
      return { name, value: entry.value, metadata: entry.metadata };
    },
    async list(): Promise<SecretListing[]> {
      const { doc } = await load(path);
      return doc.entries
        .map((entry) => ({ name: entry.name, metadata: entry.metadata }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    set(name: string, value: string, metadata?: SecretWrite['metadata']): Promise<void> {
      return update((doc) => setEntries(doc, [metadata === undefined ? { name, value } : { name, value, metadata }]));
    },
    setMany(writes: readonly SecretWrite[]): Promise<void> {
      return update((doc) => setEntries(doc, writes));
    },
    delete(name: string): Promise<void> {
      return update((doc) => {
        if (!doc.entries.some((entry) => entry.name === name)) throw notFound(name, path);
        return removeEntry(doc, name);
      });
    },
    async close(): Promise<void> {},
  };
};

export default createDotenvProvider;

/**
 * Reads and parses a dotenv file, returning its variables in file order (a later duplicate
 * wins, as in dotenv). Unlike the provider, a missing file is an error here.
 *
 * @throws CofferError COFFER_E_FILE_UNREADABLE when the file is missing or cannot be read,
 *   COFFER_E_DOTENV_SYNTAX when a line cannot be parsed.
 * @example
 * for (const { name, value, line } of await readDotenvFile('.env')) check(name, value, line);
 */
export async function readDotenvFile(path: string): Promise<DotenvEntry[]> {
  const text = await readText(path);
  if (text === undefined) {
    throw new CofferError('COFFER_E_FILE_UNREADABLE', `Cannot read ${path}: it does not exist. Check the path.`, { details: { file: path, reason: 'ENOENT' } });
  }
  return [...parseDotenv(text, path).entries];
}

async function load(path: string): Promise<{ doc: DotenvDocument; exists: boolean }> {
  const text = await readText(path);
  return { doc: parseDotenv(text ?? '', path), exists: text !== undefined };
}

/** The file's text, or undefined when it does not exist. */
async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') return undefined;
    const hint = code === 'EISDIR' ? 'it is a directory; give the path of a file' : 'check that it is a file you may read';
    throw new CofferError('COFFER_E_FILE_UNREADABLE', `Cannot read ${path} (${code}); ${hint}.`, { cause: error, details: { file: path, reason: code } });
  }
}

function writeWithBackup(path: string, text: string, exists: boolean): void {
  writeFileAtomic(path, text, { mode: 0o600, backup: exists });
}

function refuseVersions(options: GetOptions, path: string): void {
  if (options.version !== undefined || options.stage !== undefined) {
    throw new CofferError('COFFER_E_UNSUPPORTED', `The dotenv provider (${path}) keeps one value per secret, without versions or stages; read the current value instead.`);
  }
}

function notFound(name: string, path: string): CofferError {
  return new CofferError('COFFER_E_NOT_FOUND', `Secret ${name} is not set in ${path}; add it to that file or choose another environment.`, { details: { name, file: path } });
}
