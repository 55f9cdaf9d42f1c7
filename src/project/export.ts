/**
 * `coffer export`: reads every secret of an environment's provider and returns them as a
 * dotenv file, a JSON object or shell `export` lines, or writes that text to a file (0600,
 * atomic; an existing file only with `force`, which backs it up). Values leave Coffer here
 * because the user asked for them; the export is recorded in the provider's audit log (a count,
 * the format and the destination, never a value). Every value is formatted before anything is
 * written, so a value the format cannot hold stops the export with nothing written.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CofferError } from '../core/errors.js';
import type { Config } from '../config/resolve.js';
import { writeFileAtomic } from '../io/secure-file.js';
import type { Provider } from '../providers/types.js';
import { openEnvironmentProvider, type AccessOptions } from './_environment.js';
import { formatSecrets, type ExportFormat, type NamedValue } from './_export-formats.js';

export { EXPORT_FORMATS, type ExportFormat } from './_export-formats.js';

/** What to export, and where. */
export interface ExportRequest {
  readonly config: Config;
  readonly environment: string;
  readonly format: ExportFormat;
  /** Export only these names; each must be set in the environment. */
  readonly only?: readonly string[];
  /** Write the text to this file (resolved against `cwd`) instead of returning it. */
  readonly output?: string;
  /** Directory `output` is resolved against; default the process's working directory. */
  readonly cwd?: string;
  /** Replace an existing `output` file (its previous content is backed up, 0600). */
  readonly force?: boolean;
  /** Actor and passphrase prompt for providers that need them. */
  readonly access?: AccessOptions;
}

/** The result of {@link exportSecrets}. */
export interface ExportResult {
  readonly environment: string;
  readonly format: ExportFormat;
  /** Where the values came from (a path or a description). */
  readonly location: string;
  /** The names exported, sorted. */
  readonly names: readonly string[];
  /** The exported text (holding the values), when no `output` was given. */
  readonly text?: string;
  /** The file written, when `output` was given. */
  readonly file?: string;
  /** The backup of the file's previous content, when one was replaced. */
  readonly backupPath?: string;
}

/**
 * Exports an environment's secrets; see the module comment.
 *
 * @example
 * const { text } = await exportSecrets({ config, environment: 'development', format: 'json' });
 */
export async function exportSecrets(request: ExportRequest): Promise<ExportResult> {
  const { config, environment, format } = request;
  const file = request.output === undefined ? undefined : resolve(request.cwd ?? process.cwd(), request.output);
  // Refuse before any value is read, so a refused export leaves no trace of reads.
  if (file !== undefined && request.force !== true) refuseExisting(file);
  const provider = await openEnvironmentProvider(config, environment, request.access);
  try {
    if (file !== undefined && provider.file !== undefined && resolve(provider.file) === file) {
      // Rewriting the environment's own file in export form would drop its comments and dates.
      throw new CofferError('COFFER_E_USAGE', `${file} is where environment "${environment}" keeps its values; export to another file.`);
    }
    const entries = await readAll(provider, environment, request.only);
    const text = formatSecrets(entries, format);
    const names = entries.map((e) => e.name);
    const base = { environment, format, location: provider.location, names };
    if (file === undefined) {
      await provider.audit?.({ action: 'export', detail: `${names.length} secrets, ${format}, to stdout` });
      return { ...base, text };
    }
    const { backupPath } = writeFileAtomic(file, text, { mode: 0o600, exclusive: request.force !== true, backup: request.force === true });
    await provider.audit?.({ action: 'export', detail: `${names.length} secrets, ${format}, to ${file}` });
    return { ...base, file, ...(backupPath === undefined ? {} : { backupPath }) };
  } finally {
    await provider.close();
  }
}

async function readAll(provider: Provider, environment: string, only: readonly string[] | undefined): Promise<NamedValue[]> {
  if (!provider.capabilities.list) {
    throw new CofferError('COFFER_E_UNSUPPORTED', `The ${provider.id} provider of environment "${environment}" cannot list its secrets, so there is nothing to export from; read them one by one with \`coffer get\`.`);
  }
  let names = (await provider.list()).map((s) => s.name);
  if (only !== undefined && only.length > 0) {
    const missing = only.filter((name) => !names.includes(name));
    if (missing.length > 0) {
      throw new CofferError('COFFER_E_NOT_FOUND', `--only names ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not set in environment "${environment}" (${provider.location}); nothing was exported.`, { details: { missing } });
    }
    names = names.filter((name) => only.includes(name));
  }
  const entries: NamedValue[] = [];
  for (const name of names) entries.push({ name, value: (await provider.get(name)).value });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function refuseExisting(file: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(file).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new CofferError('COFFER_E_FILE_UNREADABLE', `Cannot inspect ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check its permissions.`, { cause: error });
  }
  if (isDirectory) throw new CofferError('COFFER_E_USAGE', `${file} is a directory; give the path of a file to write.`);
  throw new CofferError('COFFER_E_EXISTS', `${file} already exists and was left untouched; use --force to replace it (its content is backed up first) or choose another path.`, { details: { file } });
}
