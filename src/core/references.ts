/**
 * The reference grammar and its one resolver, shared by the library, the CLI and the server:
 * `${secret:NAME}` is replaced by the value of secret NAME (whose own references resolve first),
 * `${env:NAME}` by environment variable NAME (taken literally, never scanned), and `$${` is the
 * escape for a literal `${`. Everything else is text: `$VAR`, `${VAR}` and compose/shell forms
 * such as `${VAR:-default}` pass through untouched, because dotenv and compose expand them (or
 * not) before Coffer sees the value. There is no command substitution, no default syntax and no
 * nesting, so resolving a value can never run anything.
 *
 * Resolution is iterative with memoization (a chain of 10,000 references neither recurses nor
 * repeats work) and detects cycles, naming the whole loop. A value without `$` is returned as is.
 * Security: errors name secrets, variables and character positions, never a value or a piece of
 * one; a malformed reference may be an accident inside a password, so its text is not quoted.
 * The size of an expansion is capped so that a reference repeated at every level cannot blow up
 * into gigabytes.
 */
import { CofferError } from './errors.js';
import { SECRET_NAME } from './names.js';

/** Names `${env:NAME}` accepts: a POSIX shell variable name. */
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A word and a colon after `${`: something written as a reference (sticky, used at an index). */
const KIND = /[A-Za-z][A-Za-z0-9_]*:/y;
/** After `${WORD:`, shell/compose parameter expansion (`:-`, `:?`, `:+`, `:=`), left as text. */
const SHELL_OPERATORS = '-?+=';
const SUPPORTED = 'Write ${secret:NAME} or ${env:NAME}, or $${ for a literal ${.';

/** Default of {@link ResolveOptions.maxLength}: 1 MiB of characters. */
export const DEFAULT_MAX_RESOLVED_LENGTH = 1_048_576;

/** Where references find their targets. */
export interface ResolveOptions {
  /** Environment variables read by `${env:NAME}` (e.g. `process.env`); their values are taken literally. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Looks up a secret that is not in the map being resolved: returns its stored value (references
   * in it resolve like any other), or undefined when it does not exist. Called at most once per
   * name; an error it throws (a provider failure) propagates unchanged.
   */
  readonly secret?: ((name: string) => string | undefined) | undefined;
  /** Longest value, in characters, that a text with references may resolve to; default 1 MiB. */
  readonly maxLength?: number | undefined;
}

/** Options of {@link resolveValue}. */
export interface ResolveValueOptions extends ResolveOptions {
  /** Secrets (name -> stored value) the text may refer to; looked up before `secret`. */
  readonly values?: ReadonlyMap<string, string> | undefined;
  /** How errors name the text, e.g. `Config key environments.production.options.url`; default `The value`. */
  readonly label?: string | undefined;
}

/**
 * Resolves every value of `values` (secret name -> stored value) and returns a new map with the
 * same keys in the same order. A reference to a secret is looked up in `values`, then through
 * `options.secret`.
 *
 * @throws CofferError COFFER_E_REFERENCE_CYCLE (naming the loop), COFFER_E_REFERENCE_MISSING
 * (naming the referring secret and the target) or COFFER_E_REFERENCE_INVALID (naming the secret
 * and the character position).
 * @example
 * resolveReferences(new Map([['DB_PASSWORD', 'pw'], ['DATABASE_URL', 'postgres://app:${secret:DB_PASSWORD}@${env:DB_HOST}/app']]), { env: process.env });
 */
export function resolveReferences(values: ReadonlyMap<string, string>, options: ResolveOptions): Map<string, string> {
  const engine = createEngine(values, options);
  const resolved = new Map<string, string>();
  for (const [name, raw] of values) resolved.set(name, engine(name, secretLabel(name), raw));
  return resolved;
}

/**
 * Resolves one text, such as a config value, whose `${secret:NAME}` references are looked up in
 * `options.values`, then through `options.secret`. Errors as {@link resolveReferences}.
 *
 * @example
 * resolveValue('https://${env:API_HOST}/v1', { env: process.env, label: 'Config key options.endpoint' });
 */
export function resolveValue(text: string, options: ResolveValueOptions): string {
  if (!text.includes('$')) return text;
  return createEngine(options.values ?? new Map(), options)(undefined, options.label ?? 'The value', text);
}

/**
 * True when resolving `text` may change it or fail: it holds a reference (well-formed or not) or
 * an escape. When false, {@link resolveValue} returns the text unchanged.
 */
export function hasReferences(text: string): boolean {
  if (!text.includes('$')) return false;
  const parsed = parse(text);
  return parsed.problem !== undefined || parsed.changed;
}

/**
 * The secret names `text` refers to through `${secret:NAME}`, each once, in order of first
 * appearance (not following references in those secrets): what must be loaded to resolve it.
 *
 * @throws CofferError COFFER_E_REFERENCE_INVALID when the text holds a malformed reference.
 */
export function referencedSecrets(text: string, label = 'The value'): string[] {
  if (!text.includes('$')) return [];
  const parsed = parse(text);
  if (parsed.problem !== undefined) throw invalid(label, undefined, parsed.problem);
  const names = new Set<string>();
  for (const part of parsed.parts) if (typeof part !== 'string' && part.kind === 'secret') names.add(part.name);
  return [...names];
}

/**
 * Escapes `text` so that resolving it gives back exactly `text`: every `${` becomes `$${`. Use it
 * to store a value that must keep a literal `${secret:...}`.
 *
 * @example
 * escapeReferences('${secret:X}'); // '$${secret:X}', which resolves to '${secret:X}'
 */
export function escapeReferences(text: string): string {
  return text.includes('${') ? text.split('${').join('$${') : text; // not replaceAll: `$$` there means `$`
}

/** A parsed reference. */
interface Reference {
  readonly kind: 'secret' | 'env';
  readonly name: string;
}

/** Why a text cannot be read, with a 1-based character position; never quotes the text. */
interface Problem {
  readonly at: number;
  readonly reason: string;
}

interface Parsed {
  /** Literal text (escapes already applied) and references, in order. */
  readonly parts: readonly (string | Reference)[];
  /** Whether the text holds a reference or an escape. */
  readonly changed: boolean;
  /** The first malformed reference; parts stop there. */
  readonly problem?: Problem;
}

/** Splits `text` into literal parts and references, left to right. */
function parse(text: string): Parsed {
  const parts: (string | Reference)[] = [];
  let literal = '';
  let changed = false;
  let i = 0;
  for (;;) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) break;
    literal += text.slice(i, dollar);
    if (text[dollar + 1] === '$' && text[dollar + 2] === '{') {
      literal += '${';
      changed = true;
      i = dollar + 3;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      literal += '$';
      i = dollar + 1;
      continue;
    }
    KIND.lastIndex = dollar + 2;
    const word = KIND.exec(text)?.[0].slice(0, -1);
    const after = KIND.lastIndex;
    if (word === undefined || (word !== 'secret' && word !== 'env' && after < text.length && SHELL_OPERATORS.includes(text[after] ?? ''))) {
      literal += '${';
      i = dollar + 2;
      continue;
    }
    const at = dollar + 1;
    if (word !== 'secret' && word !== 'env') {
      return { parts, changed, problem: { at, reason: '"${" followed by a word and ":" is not a kind of reference Coffer knows' } };
    }
    const close = text.indexOf('}', after);
    if (close < 0) return { parts, changed, problem: { at, reason: `\${${word}:... has no closing "}"` } };
    const name = text.slice(after, close);
    if (!(word === 'secret' ? SECRET_NAME : ENV_VAR_NAME).test(name)) {
      return { parts, changed, problem: { at, reason: `\${${word}:...} needs a name of letters, digits and _, not starting with a digit (no spaces, defaults or nested references)` } };
    }
    if (literal !== '') parts.push(literal);
    parts.push({ kind: word, name });
    literal = '';
    changed = true;
    i = close + 1;
  }
  literal += text.slice(i);
  if (literal !== '') parts.push(literal);
  return { parts, changed };
}

/** A value being resolved; frames form an explicit stack instead of recursion. */
interface Frame {
  readonly key: string | undefined;
  readonly label: string;
  readonly parts: readonly (string | Reference)[];
  index: number;
  length: number;
  readonly out: string[];
}

type Engine = (key: string | undefined, label: string, raw: string) => string;

/** A resolver over one set of secrets; resolved secrets are memoized across calls. */
function createEngine(values: ReadonlyMap<string, string>, options: ResolveOptions): Engine {
  const done = new Map<string, string>();
  const maxLength = options.maxLength ?? DEFAULT_MAX_RESOLVED_LENGTH;
  return (key, label, raw) => {
    const known = key === undefined ? undefined : done.get(key);
    if (known !== undefined) return known;
    const stack: Frame[] = [];
    const onStack = new Map<string, number>();
    let result = raw;
    const open = (frameKey: string | undefined, frameLabel: string, text: string): void => {
      const parsed = parse(text);
      if (parsed.problem !== undefined) throw invalid(frameLabel, frameKey, parsed.problem);
      if (frameKey !== undefined) onStack.set(frameKey, stack.length);
      stack.push({ key: frameKey, label: frameLabel, parts: parsed.parts, index: 0, length: 0, out: [] });
    };
    const append = (frame: Frame, text: string): void => {
      frame.length += text.length;
      if (frame.length > maxLength) {
        throw new CofferError('COFFER_E_REFERENCE_INVALID', `${frame.label} expands to more than ${maxLength} characters through its references; look for a secret referred to many times over.`, { details: detailsOf(frame.key, { limit: maxLength }) });
      }
      frame.out.push(text);
      frame.index += 1;
    };
    if (!raw.includes('$')) {
      if (key !== undefined) done.set(key, raw);
      return raw;
    }
    open(key, label, raw);
    for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
      const part = frame.parts[frame.index];
      if (part === undefined) {
        const value = frame.out.join('');
        stack.pop();
        if (frame.key !== undefined) {
          onStack.delete(frame.key);
          done.set(frame.key, value);
        }
        result = value;
        continue;
      }
      if (typeof part === 'string') {
        append(frame, part);
        continue;
      }
      if (part.kind === 'env') {
        const value = Object.hasOwn(options.env, part.name) ? options.env[part.name] : undefined;
        if (typeof value !== 'string') throw missing(frame, part, `the environment variable ${part.name} is not set. Set it, or change the reference`);
        append(frame, value);
        continue;
      }
      const value = done.get(part.name);
      if (value !== undefined) {
        append(frame, value);
        continue;
      }
      const loopStart = onStack.get(part.name);
      if (loopStart !== undefined) {
        const cycle = [...stack.slice(loopStart).map((f) => f.key ?? f.label), part.name];
        throw new CofferError('COFFER_E_REFERENCE_CYCLE', `Secret references form a cycle: ${cycle.join(' -> ')}. Replace one of these references with a value.`, { details: { cycle } });
      }
      const target = values.get(part.name) ?? options.secret?.(part.name);
      if (target === undefined) throw missing(frame, part, `no secret ${part.name} exists. Set ${part.name}, or change the reference`);
      if (target.includes('$')) open(part.name, secretLabel(part.name), target);
      else done.set(part.name, target);
    }
    return result;
  };
}

function secretLabel(name: string): string {
  return `Secret ${name}`;
}

function detailsOf(key: string | undefined, rest: Record<string, unknown>): Record<string, unknown> {
  return key === undefined ? rest : { secret: key, ...rest };
}

function invalid(label: string, key: string | undefined, problem: Problem): CofferError {
  return new CofferError('COFFER_E_REFERENCE_INVALID', `${label} has an unreadable reference at character ${problem.at}: ${problem.reason}. ${SUPPORTED}`, { details: detailsOf(key, { position: problem.at }) });
}

function missing(frame: Frame, ref: Reference, what: string): CofferError {
  const reference = `\${${ref.kind}:${ref.name}}`;
  return new CofferError('COFFER_E_REFERENCE_MISSING', `${frame.label} refers to ${reference}, but ${what}.`, { details: detailsOf(frame.key, { reference, target: ref.name, kind: ref.kind }) });
}
