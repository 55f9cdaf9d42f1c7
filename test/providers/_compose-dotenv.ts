/**
 * A test-only model of docker compose's env-file reader (compose-go v2 dotenv/parser.go: the
 * statement loop, `export`, key scanning, quoted values with backslash-quote escapes, double
 * quote escape sequences, unquoted values cut at " #"). It lets the property tests check that
 * what Coffer writes is read back unchanged by compose too. `$` interpolation is not modelled:
 * a `$` that compose would interpolate throws, so a test can never pass by accident on one.
 */

/** Go's unicode.IsSpace. */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
/** compose-go's isSpace: spaces but not the line break. */
const isSpace = (c: string) => '\t\v\f\r \u0085\u00a0'.includes(c);
const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '"': '"', '\\': '\\' };

/** Parses `src` the way `docker compose --env-file` does (without interpolation). */
export function parseComposeEnv(src: string): Map<string, string> {
  const out = new Map<string, string>();
  let rest = src.replace(/^\uFEFF/, '');
  for (;;) {
    rest = statementStart(rest);
    if (rest === '') return out;
    if (/^export[\t\n\f\r ]+/.test(rest)) rest = trimLeft(rest.slice('export'.length));
    let end = 0;
    while (end < rest.length && !'=:\n'.includes(rest[end]!)) {
      const c = rest[end]!;
      if (!isSpace(c) && !/[\p{L}\p{N}_.\-[\]]/u.test(c)) throw new Error(`compose: unexpected character in variable name`);
      end += 1;
    }
    if (end >= rest.length) throw new Error('compose: statement without a terminator');
    const key = rest.slice(0, end).replace(new RegExp(`${GO_SPACE.source}+$`), '');
    if (key.includes(' ')) throw new Error('compose: key cannot contain a space');
    if (rest[end] === '\n') {
      rest = rest.slice(end + 1); // an inherited variable: taken from the environment, not modelled
      continue;
    }
    const [value, after] = extractValue(trimLeft(rest.slice(end + 1)));
    out.set(key, value);
    rest = after;
  }
}

function extractValue(src: string): [string, string] {
  const quote = src[0];
  if (quote !== "'" && quote !== '"') {
    const newline = src.indexOf('\n');
    const line = newline < 0 ? src : src.slice(0, newline);
    const value = line.split(' #')[0]!.replace(new RegExp(`${GO_SPACE.source}+$`), '');
    return [noInterpolation(value), newline < 0 ? '' : src.slice(newline)];
  }
  let chars = '';
  let escaped = false;
  for (let i = 1; i < src.length; i += 1) {
    const c = src[i]!;
    if (escaped) {
      escaped = false;
      chars += c === quote ? c : `\\${c}`;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === quote) {
      const value = quote === '"' ? noInterpolation(expandEscapes(chars)) : chars;
      return [value, src.slice(i + 1)];
    } else {
      chars += c;
    }
  }
  throw new Error('compose: unterminated quoted value');
}

function expandEscapes(text: string): string {
  return text.replace(/\\([abcfnrtv$"\\]|0\d{0,3})/g, (match, c: string) => {
    if (c === '$') throw new Error('compose: escaped $ not modelled');
    if (c.startsWith('0')) throw new Error('compose: octal escapes not modelled');
    return ESCAPES[c] ?? match;
  });
}

function noInterpolation(value: string): string {
  if (value.includes('$')) throw new Error('compose: interpolation not modelled');
  return value;
}

function statementStart(src: string): string {
  let rest = src;
  for (;;) {
    let i = 0;
    while (i < rest.length && GO_SPACE.test(rest[i]!)) i += 1;
    rest = rest.slice(i);
    if (!rest.startsWith('#')) return rest;
    const newline = rest.indexOf('\n');
    if (newline < 0) return '';
    rest = rest.slice(newline);
  }
}

function trimLeft(text: string): string {
  let i = 0;
  while (i < text.length && isSpace(text[i]!)) i += 1;
  return text.slice(i);
}
