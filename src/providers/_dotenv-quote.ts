/**
 * How Coffer writes one `NAME=value` line of a dotenv file so that every reader gets the value
 * back byte for byte: the `dotenv` npm package (v17) and docker compose's `env_file` /
 * `--env-file` parser (compose-go). The two disagree on almost everything outside quotes
 * (`#` comments, `$` interpolation, escapes), so a value is always written quoted:
 * single quotes when it has no `'` (both read single quotes literally), double quotes when it
 * has a `'` but nothing either reader would expand inside double quotes. Whatever fits neither
 * form is refused with COFFER_E_UNSAFE_VALUE naming the offending characters, never the value.
 */
import { CofferError } from '../core/errors.js';

/**
 * The names Coffer reads and writes: a letter or `_`, then letters, digits, `_`, `.` and `-`.
 * dotenv reads `[\w.-]+`; a leading digit is excluded because docker compose skips such keys
 * and shells cannot use them, and `__proto__` because dotenv's result object drops it.
 */
export const DOTENV_NAME_PATTERN = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Throws COFFER_E_UNSAFE_VALUE unless `name` matches {@link DOTENV_NAME_PATTERN}. */
export function assertDotenvName(name: string): void {
  if (!DOTENV_NAME_PATTERN.test(name)) {
    throw new CofferError(
      'COFFER_E_UNSAFE_VALUE',
      `${JSON.stringify(name)} is not a valid variable name for a dotenv file; use a letter or _ followed by letters, digits, _, . or -.`,
      { details: { name } },
    );
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Characters that double quotes would change: dotenv expands `\n`/`\r`, compose escapes and `$`. */
const DOUBLE_QUOTE_HAZARDS: readonly (readonly [string, string])[] = [
  ['\\', 'a backslash (\\)'],
  ['$', 'a dollar sign ($)'],
  ['"', 'a double quote (")'],
  ['\n', 'a newline'],
];

/**
 * Returns `value` quoted for a dotenv file, or throws COFFER_E_UNSAFE_VALUE.
 *
 * - No `'`: single-quoted (covers `#`, `$`, `"`, backslashes, spaces and newlines), unless the
 *   value ends with a backslash: dotenv reads `\'` as a quote that does not close the value.
 * - A `'` but no `\`, `$`, `"` or newline: double-quoted.
 * - A carriage return (dotenv turns it into a newline), a NUL, or an unpaired UTF-16 surrogate
 *   (not representable in a UTF-8 file): never.
 *
 * @example
 * quoteDotenvValue('DB_PASSWORD', 'p#ss $word'); // "'p#ss $word'"
 * quoteDotenvValue('GREETING', "it's");           // "\"it's\""
 */
export function quoteDotenvValue(name: string, value: string): string {
  const problems: string[] = [];
  if (value.includes('\0')) problems.push('a NUL character');
  if (LONE_SURROGATE.test(value)) problems.push('an unpaired UTF-16 surrogate');
  if (value.includes('\r')) problems.push('a carriage return');
  if (!value.includes("'")) {
    if (value.endsWith('\\')) problems.push('a trailing backslash');
    if (problems.length === 0) return `'${value}'`;
  } else {
    const hazards = DOUBLE_QUOTE_HAZARDS.filter(([char]) => value.includes(char)).map(([, label]) => label);
    if (hazards.length > 0) problems.push(`a single quote (') together with ${joinList(hazards)}`);
    if (problems.length === 0) return `"${value}"`;
  }
  throw new CofferError(
    'COFFER_E_UNSAFE_VALUE',
    `${name}: the value contains ${joinList(problems)} and cannot be written to a dotenv file so that both dotenv and docker compose read it back unchanged; choose a value without them.`,
    { details: { name } },
  );
}

/** Returns `NAME='value'` (or `export NAME=...`), validating both parts first. */
export function formatAssignment(name: string, value: string, exported = false): string {
  assertDotenvName(name);
  return `${exported ? 'export ' : ''}${name}=${quoteDotenvValue(name, value)}`;
}

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}
