/**
 * The file formats of `coffer export` and `coffer import`: a flat list of name/value pairs
 * written as a dotenv file, a JSON object or shell `export` lines, and a JSON object read back.
 *
 * Each writer either produces text that its reader returns byte for byte or refuses with
 * COFFER_E_UNSAFE_VALUE naming the secret (never the value): dotenv goes through the provider's
 * own serializer, so dotenv and docker compose both read it back unchanged; shell values are
 * single-quoted (`'` written as `'\''`), which POSIX shells take literally, newlines, `$` and
 * backticks included. The JSON reader never repeats the input in its errors, since a syntax
 * error's neighbourhood may be a value.
 */
import { CofferError, isCofferError } from '../core/errors.js';
import { parseDotenv, serializeDotenv, setEntries } from '../providers/_dotenv-format.js';

/** The formats `coffer export` writes. */
export const EXPORT_FORMATS = ['dotenv', 'json', 'shell'] as const;
/** One export format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The formats `coffer import` reads. */
export const IMPORT_FORMATS = ['dotenv', 'json'] as const;
/** One import format. */
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** A name and its value. */
export interface NamedValue {
  readonly name: string;
  readonly value: string;
}

/** What a shell accepts as a variable name. */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Returns `entries` as the text of `format`, in the given order (JSON keys sorted by name).
 *
 * @throws CofferError COFFER_E_UNSAFE_VALUE when a name or value cannot be written in `format`.
 * @example
 * formatSecrets([{ name: 'API_KEY', value: "it's" }], 'shell'); // "export API_KEY='it'\\''s'\n"
 */
export function formatSecrets(entries: readonly NamedValue[], format: ExportFormat): string {
  if (format === 'json') return formatJson(entries);
  if (format === 'shell') return entries.map(({ name, value }) => formatShellLine(name, value)).join('');
  return formatDotenv(entries);
}

function formatJson(entries: readonly NamedValue[]): string {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // JSON.stringify escapes control characters and lone surrogates, so every string survives.
  return `${JSON.stringify(Object.fromEntries(sorted.map(({ name, value }) => [name, value])), null, 2)}\n`;
}

function formatDotenv(entries: readonly NamedValue[]): string {
  try {
    return serializeDotenv(setEntries(parseDotenv('', 'export'), entries));
  } catch (error) {
    if (!isCofferError(error, 'COFFER_E_UNSAFE_VALUE')) throw error;
    throw new CofferError('COFFER_E_UNSAFE_VALUE', `${error.message} To export it anyway, use --format json or --format shell, or leave it out with --only.`, { details: error.details });
  }
}

/**
 * `export NAME='value'` for a POSIX shell. Inside single quotes every byte is literal, so only
 * `'` itself needs care (close, escaped quote, reopen). A NUL cannot be held by a shell variable
 * and an unpaired surrogate has no UTF-8 bytes: both are refused.
 */
function formatShellLine(name: string, value: string): string {
  if (!SHELL_NAME.test(name)) {
    throw new CofferError('COFFER_E_UNSAFE_VALUE', `${JSON.stringify(name)} is not a valid shell variable name (letters, digits and _, not starting with a digit); use --format dotenv or json, or leave it out with --only.`, { details: { name } });
  }
  const problems = [value.includes('\0') ? 'a NUL character' : '', LONE_SURROGATE.test(value) ? 'an unpaired UTF-16 surrogate' : ''].filter(Boolean);
  if (problems.length > 0) {
    throw new CofferError('COFFER_E_UNSAFE_VALUE', `${name}: the value contains ${problems.join(' and ')}, which a shell variable cannot hold; use --format json, or leave it out with --only.`, { details: { name } });
  }
  return `export ${name}='${value.replaceAll("'", "'\\''")}'\n`;
}

/**
 * Reads a flat JSON object of string values, as `coffer export --format json` writes it.
 * Errors name the file, the key and what is wrong, never a value or a piece of the input.
 *
 * @throws CofferError COFFER_E_USAGE when the text is not such an object.
 * @example
 * parseJsonSecrets('{"API_KEY": "abc"}', 'secrets.json'); // [{ name: 'API_KEY', value: 'abc' }]
 */
export function parseJsonSecrets(text: string, file: string): NamedValue[] {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    // V8's message quotes the text around the error, which may be a value: keep only a line number.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    const where = position === undefined ? '' : ` (line ${text.slice(0, Number(position)).split('\n').length})`;
    throw new CofferError('COFFER_E_USAGE', `${file} is not valid JSON${where}; give a flat object such as {"NAME": "value"}, or use --format dotenv for a dotenv file.`, { details: { file } });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CofferError('COFFER_E_USAGE', `${file} holds ${describe(data)}, not an object; give a flat object such as {"NAME": "value"}.`, { details: { file } });
  }
  return Object.entries(data).map(([name, value]) => {
    if (typeof value !== 'string') {
      throw new CofferError('COFFER_E_USAGE', `${file}: key ${JSON.stringify(name)} holds ${describe(value)}; every value must be a string (quote numbers and booleans).`, { details: { file, name } });
    }
    return { name, value };
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
