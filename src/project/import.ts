/**
 * `coffer import`: reads a dotenv file or a flat JSON object and writes its values into an
 * environment's provider in ONE `setMany`, so either every value lands or none does.
 *
 * Per name: absent (or empty, as in a copy of .env.example) -> `created`; present with the same
 * value -> `unchanged`, not rewritten; present with another value -> `kept`, or `updated` with
 * `overwrite`. Values are compared by SHA-256 digest with timingSafeEqual, never with `===`.
 * Names the config declares for the environment are written with the category's no-reuse rule,
 * the time of the import and a rotation date; other names are imported too and reported
 * `undeclared`. Values that fail the environment's policy are imported with a warning per secret
 * naming the failed checks. `dryRun` reports the same outcomes and writes nothing. No value is
 * ever part of the result, an error or the audit entry.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CATEGORIES, rotationDeadline } from '../core/categories.js';
import { CofferError } from '../core/errors.js';
import { inferCategory, looksSecret } from '../core/infer.js';
import { SECRET_NAME } from '../core/names.js';
import { validateSecrets, type CheckId, type SecretUnderTest } from '../core/validation/index.js';
import { getEnvironment, secretsOf, type Config, type ResolvedSecret } from '../config/resolve.js';
import { readDotenvFile } from '../providers/dotenv.js';
import type { Provider, SecretWrite } from '../providers/types.js';
import { openEnvironmentProvider, type AccessOptions } from './_environment.js';
import { parseJsonSecrets, type ImportFormat, type NamedValue } from './_export-formats.js';

export { IMPORT_FORMATS, type ImportFormat } from './_export-formats.js';

/** What to import, from where, into which environment. */
export interface ImportRequest {
  readonly config: Config;
  readonly environment: string;
  /** The file to read, resolved against `cwd`. */
  readonly file: string;
  /** Directory `file` is resolved against; default the process's working directory. */
  readonly cwd?: string;
  /** Default: `json` for a `.json` file, else `dotenv`. */
  readonly format?: ImportFormat;
  /** Report what would happen; write nothing. */
  readonly dryRun?: boolean;
  /** Replace existing values that differ (otherwise they are kept). */
  readonly overwrite?: boolean;
  /** Import only these names; each must be in the file. */
  readonly only?: readonly string[];
  /** The clock; default now. */
  readonly now?: Date;
  /** Actor and passphrase prompt for providers that need them. */
  readonly access?: AccessOptions;
}

/** What happens to one name. */
export type ImportAction = 'created' | 'updated' | 'kept' | 'unchanged';

/** A policy check the imported value fails; the message never holds the value. */
export interface ImportWarning {
  readonly check: CheckId;
  readonly message: string;
}

/** The outcome for one name; never carries a value. */
export interface ImportOutcome {
  readonly name: string;
  readonly action: ImportAction;
  /** True when the config does not declare the name for this environment. */
  readonly undeclared?: true;
  /** Policy checks the written value fails (only for `created` and `updated`). */
  readonly warnings?: readonly ImportWarning[];
}

/** The result of {@link importSecrets}. */
export interface ImportResult {
  readonly environment: string;
  readonly dryRun: boolean;
  /** The file read (absolute) and how it was read. */
  readonly file: string;
  readonly format: ImportFormat;
  /** Where the values went (a path or a description), never a value. */
  readonly location: string;
  /** One outcome per name, in file order. */
  readonly secrets: readonly ImportOutcome[];
}

/**
 * Imports a file into an environment; see the module comment.
 *
 * @example
 * const result = await importSecrets({ config, environment: 'staging', file: 'old.env', dryRun: true });
 * result.secrets.filter((s) => s.action === 'created').map((s) => s.name);
 */
export async function importSecrets(request: ImportRequest): Promise<ImportResult> {
  const { config, environment } = request;
  const profile = getEnvironment(config, environment).profile;
  const file = resolve(request.cwd ?? process.cwd(), request.file);
  const format: ImportFormat = request.format ?? (file.toLowerCase().endsWith('.json') ? 'json' : 'dotenv');
  const entries = select(await readEntries(file, format), request.only, file);
  const now = request.now ?? new Date();
  const provider = await openEnvironmentProvider(config, environment, request.access);
  try {
    requireWritable(provider, environment);
    const declared = new Map(secretsOf(config, environment).map((s) => [s.name, s]));
    const actions = await decide(provider, entries, request.overwrite === true);
    const writes: SecretWrite[] = [];
    for (const entry of entries) {
      const action = actions.get(entry.name);
      if (action === 'created' || action === 'updated') writes.push(writeFor(entry, declared.get(entry.name), now));
    }
    const warnings = policyWarnings(writes, declared, environment, profile, now);
    const secrets = entries.map(({ name }): ImportOutcome => {
      const failed = warnings.get(name);
      return {
        name,
        action: actions.get(name) ?? 'kept',
        ...(declared.has(name) ? {} : { undeclared: true as const }),
        ...(failed === undefined ? {} : { warnings: failed }),
      };
    });
    const dryRun = request.dryRun === true;
    if (!dryRun) {
      if (writes.length > 0) await provider.setMany(writes);
      await provider.audit?.({ action: 'import', detail: auditDetail(secrets, format, file) });
    }
    return { environment, dryRun, file, format, location: provider.location, secrets };
  } finally {
    await provider.close();
  }
}

async function readEntries(file: string, format: ImportFormat): Promise<ImportedValue[]> {
  // A `# coffer:` comment's dates come along, so an old value does not look freshly rotated.
  if (format === 'dotenv') return (await readDotenvFile(file)).map(({ name, value, metadata }) => ({ name, value, ...(metadata.updatedAt || metadata.rotateBy ? { metadata } : {}) }));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const hint = code === 'ENOENT' ? 'it does not exist; check the path' : code === 'EISDIR' ? 'it is a directory; give the path of a file' : 'check that it is a file you may read';
    throw new CofferError('COFFER_E_FILE_UNREADABLE', `Cannot read ${file} (${code}); ${hint}.`, { cause: error, details: { file, reason: code } });
  }
  return parseJsonSecrets(text, file);
}

/** Applies `only` and checks every remaining name; a later duplicate (JSON) has already won. */
function select(entries: ImportedValue[], only: readonly string[] | undefined, file: string): ImportedValue[] {
  let chosen = entries;
  if (only !== undefined && only.length > 0) {
    const missing = only.filter((name) => !entries.some((e) => e.name === name));
    if (missing.length > 0) {
      throw new CofferError('COFFER_E_USAGE', `--only names ${missing.join(', ')}, which ${file} does not contain; nothing was imported.`, { details: { file, missing } });
    }
    chosen = entries.filter((e) => only.includes(e.name));
  }
  for (const { name } of chosen) {
    if (!SECRET_NAME.test(name)) {
      throw new CofferError('COFFER_E_USAGE', `${file}: ${JSON.stringify(name)} is not a valid secret name (letters, digits and _, not starting with a digit, at most 255 characters); rename it or leave it out with --only. Nothing was imported.`, { details: { file, name } });
    }
  }
  return chosen;
}

function requireWritable(provider: Provider, environment: string): void {
  const { write, persistent, list } = provider.capabilities;
  if (!write || !persistent || !list) {
    throw new CofferError('COFFER_E_UNSUPPORTED', `The ${provider.id} provider of environment "${environment}" cannot keep imported values; give the environment a provider that stores them (e.g. dotenv or store).`);
  }
}

/** The action for each name, comparing with what the provider holds. */
async function decide(provider: Provider, entries: readonly NamedValue[], overwrite: boolean): Promise<Map<string, ImportAction>> {
  const existing = new Set((await provider.list()).map((s) => s.name));
  const actions = new Map<string, ImportAction>();
  for (const { name, value } of entries) {
    if (!existing.has(name)) {
      actions.set(name, 'created');
      continue;
    }
    const current = (await provider.get(name)).value;
    if (sameValue(current, value)) actions.set(name, 'unchanged');
    // An empty value (a copy of .env.example) counts as no value, as in `coffer generate`.
    else if (current === '') actions.set(name, 'created');
    else actions.set(name, overwrite ? 'updated' : 'kept');
  }
  return actions;
}

/**
 * Constant-time equality of two values through their SHA-256 digests (equal length by
 * construction). UTF-16 code units are hashed, so strings that UTF-8 cannot tell apart
 * (distinct lone surrogates) still differ.
 */
function sameValue(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf16le').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * The write for one imported value. Dates recorded in the source (a dotenv file's `# coffer:`
 * comment) are kept when they are valid and not in the future, so rotation status stays true;
 * otherwise the value counts as set now, with its rotation due one period later.
 */
function writeFor(entry: ImportedValue, secret: ResolvedSecret | undefined, now: Date): SecretWrite {
  const recorded = entry.metadata?.updatedAt;
  const updated = recorded !== undefined && Date.parse(recorded) <= now.getTime() ? new Date(Date.parse(recorded)) : now;
  const updatedAt = updated.toISOString();
  const rotateByRecorded = entry.metadata?.rotateBy !== undefined && !Number.isNaN(Date.parse(entry.metadata.rotateBy)) ? new Date(Date.parse(entry.metadata.rotateBy)).toISOString() : undefined;
  if (secret === undefined) return { name: entry.name, value: entry.value, metadata: { updatedAt, ...(rotateByRecorded ? { rotateBy: rotateByRecorded } : {}) } };
  const rotateBy = rotateByRecorded ?? rotationDeadline(updated, secret.rotationDays);
  return { name: entry.name, value: entry.value, metadata: { updatedAt, rotateBy }, ...(CATEGORIES[secret.category].noReuse ? { noReuse: true } : {}) };
}

/** A value read from an import file, with the dates the file recorded for it, if any. */
interface ImportedValue extends NamedValue {
  readonly metadata?: { readonly updatedAt?: string; readonly rotateBy?: string };
}

/**
 * The failed checks of each value about to be written, under the environment's profile.
 * Declared secrets are judged by their category; undeclared ones by the category their name
 * implies, when it marks a secret at all (PORT is not judged). Public variables are not secrets.
 */
function policyWarnings(writes: readonly SecretWrite[], declared: ReadonlyMap<string, ResolvedSecret>, environment: string, profile: 'production' | 'development', now: Date): Map<string, ImportWarning[]> {
  const secrets: SecretUnderTest[] = [];
  for (const write of writes) {
    const secret = declared.get(write.name);
    if (secret?.level === 'Public') continue;
    if (secret !== undefined) {
      secrets.push({ name: write.name, value: write.value, category: secret.category, required: secret.required, rotationDays: secret.rotationDays, ...(write.metadata ? { metadata: write.metadata } : {}) });
    } else if (looksSecret(write.name)) {
      const category = inferCategory(write.name);
      secrets.push({ name: write.name, value: write.value, category, required: true, rotationDays: CATEGORIES[category].rotationDays });
    }
  }
  const warnings = new Map<string, ImportWarning[]>();
  if (secrets.length === 0) return warnings;
  for (const result of validateSecrets({ environment, profile, secrets, now }).results) {
    if (result.status !== 'fail') continue;
    warnings.set(result.secret, [...(warnings.get(result.secret) ?? []), { check: result.check, message: result.message }]);
  }
  return warnings;
}

function auditDetail(secrets: readonly ImportOutcome[], format: ImportFormat, file: string): string {
  const count = (action: ImportAction) => secrets.filter((s) => s.action === action).length;
  return `${count('created')} created, ${count('updated')} updated, ${count('kept')} kept, ${count('unchanged')} unchanged, ${format}, from ${file}`;
}
