/**
 * The dotenv reader: splits a dotenv file into lines, comments and assignments exactly the way
 * the `dotenv` npm package (v17, `parse` in lib/main.js) reads it, and refuses what dotenv would
 * silently skip or misread. dotenv is a single multiline regex whose quirks (a value taken from
 * the next line, a quoted value that swallows later lines, U+2028 acting as a line break) are
 * reproduced here step by step; wherever the result would still be surprising it throws
 * COFFER_E_DOTENV_SYNTAX with `file:line`. The rule the tests check: whenever this reader
 * accepts a file, it returns exactly what `dotenv.parse` returns. Values never appear in errors.
 */
import { CofferError } from '../core/errors.js';
import { DOTENV_NAME_PATTERN } from './_dotenv-quote.js';

/** One assignment as read from the file. */
export interface RawAssignment {
  /** Index (0-based) of the line the assignment starts on. */
  readonly firstLine: number;
  /** Index (0-based) of the line it ends on (later than firstLine for multiline quoted values). */
  readonly lastLine: number;
  readonly name: string;
  readonly value: string;
  /** Whether the line starts with `export `. */
  readonly exported: boolean;
}

/** One line that is not part of an assignment: blank or a comment. */
export interface RawTextLine {
  readonly firstLine: number;
  readonly lastLine: number;
  readonly comment: boolean;
}

/** What {@link scanDotenv} finds, in file order. */
export type RawItem = RawAssignment | RawTextLine;

/** dotenv's line end inside its `m`-flag regex: `$` also matches before U+2028 and U+2029. */
const UNICODE_LINE_BREAK = /[\u2028\u2029]/;
/** What dotenv accepts after a closing quote (its regex tail, anchored where the quote ends). */
const QUOTED_TAIL = /\s*(?:#.*)?$/my;
const QUOTES = new Set(["'", '"', '`']);

/**
 * Scans normalised dotenv text (line breaks already `\n`) into assignments and text lines.
 *
 * @param src the text with `\r\n` and `\r` replaced by `\n`, as dotenv does first
 * @param file the path to name in errors
 */
export function scanDotenv(src: string, file: string): RawItem[] {
  const lines = src.split('\n');
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  const items: RawItem[] = [];
  for (let index = 0; index < lines.length; ) {
    const line = lines[index] ?? '';
    const body = line.replace(/^\s+/, '');
    if (body === '' || body.startsWith('#')) {
      if (UNICODE_LINE_BREAK.test(line)) fail(file, index, unicodeBreakProblem);
      items.push({ firstLine: index, lastLine: index, comment: body !== '' });
      index += 1;
      continue;
    }
    const assignment = scanAssignment(src, starts, lines, index, line.length - body.length, file);
    items.push(assignment);
    index = assignment.lastLine + 1;
  }
  return items;
}

const unicodeBreakProblem =
  'a Unicode line or paragraph separator (U+2028/U+2029) outside quotes, which dotenv treats as a line break; remove it or move it inside a quoted value';

function scanAssignment(src: string, starts: readonly number[], lines: readonly string[], index: number, indent: number, file: string): RawAssignment {
  const line = lines[index] ?? '';
  const body = line.slice(indent);
  // dotenv tries `export NAME=` first and falls back to a variable literally named `export`.
  const exportPrefix = /^export\s+/.exec(body)?.[0];
  let head = exportPrefix === undefined ? undefined : splitHead(body.slice(exportPrefix.length));
  const exported = head !== undefined;
  head ??= splitHead(body);
  if (head === undefined) {
    fail(file, index, /^[\w.-]/.test(body)
      ? 'expected "=" (or ": ") after the variable name; write NAME=value'
      : 'this line is not an assignment, a comment or blank; write NAME=value, or start a comment with #');
  }
  if (!DOTENV_NAME_PATTERN.test(head.name)) {
    fail(file, index, 'the variable name is not valid; use a letter or _ followed by letters, digits, _, . or -');
  }
  const valueStart = starts[index]! + indent + (exported ? exportPrefix?.length ?? 0 : 0) + head.valueOffset;
  const lineEnd = starts[index]! + line.length;
  const rest = src.slice(valueStart, lineEnd);
  const lead = /^\s*/.exec(rest)?.[0].length ?? 0;
  const quote = rest[lead];
  if (quote === undefined || !QUOTES.has(quote)) {
    if (UNICODE_LINE_BREAK.test(line)) fail(file, index, unicodeBreakProblem);
    const hash = rest.indexOf('#');
    const value = (hash < 0 ? rest : rest.slice(0, hash)).trim();
    return { firstLine: index, lastLine: index, name: head.name, value, exported };
  }
  const open = valueStart + lead;
  if (UNICODE_LINE_BREAK.test(src.slice(starts[index]!, open))) fail(file, index, unicodeBreakProblem);
  const close = findClosingQuote(src, open, quote);
  if (close === undefined) {
    fail(file, index, `the ${quoteName(quote)}-quoted value is not closed by a quote followed only by spaces or a # comment; close it, or move text after the quote into a # comment`);
  }
  let lastLine = index;
  while (lastLine + 1 < starts.length && starts[lastLine + 1]! <= close) lastLine += 1;
  const tailEnd = starts[lastLine]! + (lines[lastLine]?.length ?? 0);
  if (UNICODE_LINE_BREAK.test(src.slice(close + 1, tailEnd))) fail(file, lastLine, unicodeBreakProblem);
  let value = src.slice(open + 1, close);
  if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
  return { firstLine: index, lastLine, name: head.name, value, exported };
}

/** Splits `NAME=...`, `NAME = ...` or `NAME: ...` into the name and where the value starts. */
function splitHead(text: string): { name: string; valueOffset: number } | undefined {
  const name = /^[\w.-]+/.exec(text)?.[0];
  if (name === undefined) return undefined;
  const after = text.slice(name.length);
  const equals = /^\s*=/.exec(after)?.[0];
  if (equals !== undefined) return { name, valueOffset: name.length + equals.length };
  // dotenv's `:\s+?` needs whitespace on the same line; at a line end it would take the next line.
  if (after.length >= 2 && after[0] === ':' && /\s/.test(after[1]!)) return { name, valueOffset: name.length + 2 };
  return undefined;
}

/**
 * Where dotenv closes a quoted value opening at `open`, or undefined when it would not.
 *
 * dotenv's `'(?:\\'|[^'])*'` lets a backslash-quote pair stay inside the value, so the candidate
 * closing quotes are every quote up to the first one not preceded by a backslash; the greedy
 * regex tries the furthest first and keeps the first whose rest of line is blank or a comment.
 */
function findClosingQuote(src: string, open: number, quote: string): number | undefined {
  const candidates: number[] = [];
  for (let at = src.indexOf(quote, open + 1); at >= 0; at = src.indexOf(quote, at + 1)) {
    candidates.push(at);
    if (src[at - 1] !== '\\') break;
  }
  for (let i = candidates.length - 1; i >= 0; i -= 1) {
    const at = candidates[i]!;
    QUOTED_TAIL.lastIndex = at + 1;
    if (QUOTED_TAIL.test(src)) return at;
  }
  return undefined;
}

function quoteName(quote: string): string {
  return quote === "'" ? 'single' : quote === '"' ? 'double' : 'backtick';
}

function fail(file: string, index: number, problem: string): never {
  const line = index + 1;
  throw new CofferError('COFFER_E_DOTENV_SYNTAX', `${file}:${line}: ${problem}.`, { details: { file, line } });
}
