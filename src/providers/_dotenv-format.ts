/**
 * Dotenv files as documents Coffer can read and rewrite without disturbing what the user wrote.
 *
 * {@link parseDotenv} reads a file exactly as the `dotenv` npm package does (see
 * _dotenv-parse.ts; what dotenv would misread is a COFFER_E_DOTENV_SYNTAX error) and keeps every
 * original line, so {@link serializeDotenv} of an unedited document returns the input byte for
 * byte. {@link setEntries} and {@link removeEntry} change only the lines of the entries they
 * touch; values are written quoted so that dotenv and docker compose both read them back
 * unchanged (see _dotenv-quote.ts). Coffer's metadata lives in a comment directly above an
 * entry: `# coffer: updated=<ISO 8601> rotate-by=<ISO 8601>`, either field optional.
 */
import { CofferError, isCofferError } from '../core/errors.js';
import type { SecretMetadata, SecretWrite } from './types.js';
import { scanDotenv } from './_dotenv-parse.js';
import { formatAssignment } from './_dotenv-quote.js';

export { DOTENV_NAME_PATTERN, assertDotenvName, quoteDotenvValue } from './_dotenv-quote.js';

/** The metadata a dotenv file can hold for an entry. */
export type DotenvMetadata = Omit<SecretMetadata, 'version'>;

/** One variable of a dotenv file, as dotenv reads it. */
export interface DotenvEntry {
  readonly name: string;
  readonly value: string;
  /** 1-based line the assignment starts on. */
  readonly line: number;
  /** From a `# coffer:` comment directly above the entry; empty when there is none. */
  readonly metadata: DotenvMetadata;
}

/**
 * One piece of the file: a blank line, a comment, or a whole assignment (several lines for a
 * multiline quoted value), with its original text and the line break that followed it.
 */
export interface DotenvPart {
  readonly raw: string;
  /** `\n`, `\r\n` or `\r` as in the file; '' for the last line. */
  readonly eol: string;
  /** The variable name, on assignments. */
  readonly name?: string;
  /** On assignments: whether the line starts with `export `. */
  readonly exported?: boolean;
  /** True on a `# coffer:` metadata comment directly above an assignment. */
  readonly meta?: boolean;
}

/** A parsed dotenv file. */
export interface DotenvDocument {
  /** The path used in error messages. */
  readonly file: string;
  /** Every variable, once each (a later duplicate wins, as in dotenv), in file order. */
  readonly entries: readonly DotenvEntry[];
  /** The file's lines, in order; `serializeDotenv` joins them back. */
  readonly parts: readonly DotenvPart[];
  /** The line break used for new lines: the file's first one, else `\n`. */
  readonly eol: '\n' | '\r\n';
}

const META_COMMENT = /^\s*#\s*coffer:(.*)$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Parses a dotenv file.
 *
 * @param text the file's content
 * @param file the path to name in COFFER_E_DOTENV_SYNTAX errors (`<file>:<line>: ...`)
 * @example
 * const doc = parseDotenv(readFileSync('.env', 'utf8'), '.env');
 * doc.entries.find((e) => e.name === 'DB_PASSWORD')?.value;
 */
export function parseDotenv(text: string, file: string): DotenvDocument {
  const rawLines: string[] = [];
  const breaks: string[] = [];
  let from = 0;
  for (const match of text.matchAll(/\r\n?|\n/g)) {
    rawLines.push(text.slice(from, match.index));
    breaks.push(match[0]);
    from = match.index + match[0].length;
  }
  rawLines.push(text.slice(from));
  breaks.push('');
  const parts: DotenvPart[] = [];
  const byName = new Map<string, DotenvEntry>();
  for (const item of scanDotenv(text.replace(/\r\n?/g, '\n'), file)) {
    const raw = rawLines.slice(item.firstLine, item.lastLine + 1).reduce((acc, line, i) => acc + breaks[item.firstLine + i - 1] + line);
    const eol = breaks[item.lastLine] ?? '';
    if (!('name' in item)) {
      parts.push({ raw, eol });
      continue;
    }
    const previous = parts[parts.length - 1];
    const metadata = previous && previous.name === undefined ? parseMetaComment(previous.raw) : undefined;
    if (metadata) parts[parts.length - 1] = { ...previous!, meta: true };
    parts.push({ raw, eol, name: item.name, exported: item.exported });
    byName.delete(item.name);
    byName.set(item.name, { name: item.name, value: item.value, line: item.firstLine + 1, metadata: metadata ?? {} });
  }
  const entries = [...byName.values()].sort((a, b) => a.line - b.line);
  return { file, entries, parts, eol: breaks[0] === '\r\n' ? '\r\n' : '\n' };
}

/** Returns the file text of `doc`: the original bytes for every line that was not edited. */
export function serializeDotenv(doc: DotenvDocument): string {
  return joinParts(doc.parts);
}

/**
 * Returns `doc` with each write applied: an existing variable is rewritten where it stands
 * (keeping `export `) and its `# coffer:` comment replaced by the write's metadata (removed when
 * the write has none); a new one is appended. Every write is validated before anything changes,
 * so an unsafe name or value (COFFER_E_UNSAFE_VALUE) means no write is applied.
 */
export function setEntries(doc: DotenvDocument, writes: readonly SecretWrite[]): DotenvDocument {
  const prepared = writes.map((write) => ({
    name: write.name,
    line: formatAssignment(write.name, write.value),
    meta: formatMetaComment(write.name, write.metadata ?? {}),
  }));
  let parts = [...doc.parts];
  for (const write of prepared) {
    const at = parts.findLastIndex((part) => part.name === write.name);
    if (at < 0) {
      parts = appendLines(parts, doc.eol, write.meta === undefined ? [write.line] : [write.meta, write.line]);
      continue;
    }
    const old = parts[at]!;
    const oldMeta = parts[at - 1]?.meta === true ? parts[at - 1] : undefined;
    const replacement: DotenvPart[] = [];
    if (write.meta !== undefined) replacement.push({ raw: write.meta, eol: oldMeta?.eol ?? doc.eol, meta: true });
    replacement.push({ ...old, raw: old.exported ? `export ${write.line}` : write.line });
    parts.splice(oldMeta ? at - 1 : at, oldMeta ? 2 : 1, ...replacement);
  }
  const expected = new Map(doc.entries.map((entry) => [entry.name, entry.value]));
  for (const write of writes) expected.set(write.name, write.value);
  return reparse(doc, parts, expected);
}

/** Returns `doc` without `name` (every occurrence, with its `# coffer:` comment); unchanged when absent. */
export function removeEntry(doc: DotenvDocument, name: string): DotenvDocument {
  if (!doc.parts.some((part) => part.name === name)) return doc;
  const parts = doc.parts.filter((part, i) => part.name !== name && !(part.meta === true && doc.parts[i + 1]?.name === name));
  const expected = new Map(doc.entries.map((entry) => [entry.name, entry.value]));
  expected.delete(name);
  return reparse(doc, parts, expected);
}

/** The `# coffer:` comment for `metadata`, or undefined when it has no field; validates the dates. */
function formatMetaComment(name: string, metadata: DotenvMetadata): string | undefined {
  const fields: string[] = [];
  for (const [key, value] of [['updated', metadata.updatedAt], ['rotate-by', metadata.rotateBy]] as const) {
    if (value === undefined) continue;
    if (!isIsoDate(value)) {
      throw new CofferError('COFFER_E_UNSAFE_VALUE', `${name}: the ${key} date is not an ISO 8601 date; pass a date such as 2025-01-31T00:00:00.000Z.`, { details: { name } });
    }
    fields.push(`${key}=${value}`);
  }
  return fields.length === 0 ? undefined : `# coffer: ${fields.join(' ')}`;
}

/** Reads a `# coffer:` comment; undefined when the line is not one. Invalid dates are ignored. */
function parseMetaComment(line: string): DotenvMetadata | undefined {
  const body = META_COMMENT.exec(line)?.[1];
  if (body === undefined) return undefined;
  const metadata: { updatedAt?: string; rotateBy?: string } = {};
  for (const field of body.trim().split(/\s+/)) {
    const [key, value] = [field.slice(0, field.indexOf('=')), field.slice(field.indexOf('=') + 1)];
    if (!isIsoDate(value)) continue;
    if (key === 'updated') metadata.updatedAt = value;
    if (key === 'rotate-by') metadata.rotateBy = value;
  }
  return metadata;
}

function isIsoDate(value: string): boolean {
  return ISO_DATE.test(value) && !Number.isNaN(Date.parse(value));
}

function appendLines(parts: DotenvPart[], eol: string, lines: readonly string[]): DotenvPart[] {
  const next = [...parts];
  const last = next[next.length - 1];
  // The empty piece after a final line break (or of an empty file) is replaced, not kept.
  if (last && last.raw === '' && last.eol === '' && last.name === undefined) next.pop();
  else if (last && last.eol === '') next[next.length - 1] = { ...last, eol };
  // A stray `# coffer:` comment at the end would otherwise become the new entry's metadata.
  const tail = next[next.length - 1];
  if (tail && tail.name === undefined && META_COMMENT.test(tail.raw)) next.push({ raw: '', eol });
  for (const raw of lines) next.push({ raw, eol, ...(raw.startsWith('#') ? { meta: true } : {}) });
  return next;
}

function joinParts(parts: readonly DotenvPart[]): string {
  return parts.map((part) => part.raw + part.eol).join('');
}

/**
 * Parses the edited text again and checks that dotenv reads exactly `expected`: a safety net
 * for the one way an untouched line can change meaning, a user's quoted value that ends in a
 * backslash and reaches for a later quote once lines around it change.
 */
function reparse(doc: DotenvDocument, parts: readonly DotenvPart[], expected: ReadonlyMap<string, string>): DotenvDocument {
  const refuse = (what: string, names: readonly string[]) =>
    new CofferError(
      'COFFER_E_UNSAFE_VALUE',
      `${doc.file}: this change would alter what dotenv reads ${what} (an existing quoted value that ends in a backslash would reach for a later quote); fix that entry by hand, then try again.`,
      { details: { file: doc.file, names } },
    );
  let next: DotenvDocument;
  try {
    next = parseDotenv(joinParts(parts), doc.file);
  } catch (error) {
    if (isCofferError(error, 'COFFER_E_DOTENV_SYNTAX')) throw refuse('from the file', []);
    throw error;
  }
  const actual = new Map(next.entries.map((entry) => [entry.name, entry.value]));
  const changed = [...new Set([...expected.keys(), ...actual.keys()])].filter((name) => expected.get(name) !== actual.get(name));
  if (changed.length > 0) throw refuse(`for ${changed.join(', ')}`, changed);
  return next;
}
