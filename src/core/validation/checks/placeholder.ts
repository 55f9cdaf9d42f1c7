/**
 * Check `placeholder`: the value is not a placeholder (template text such as REPLACE_WITH_...,
 * CHANGE_ME, your-...-here, <...>, ${...}, long runs of x or *), not a well-known default (the
 * values attackers try first: keyboard cat, changeit, postgres, admin, ...), not mostly made of
 * default words (test-secret-123, my_redis_password), and not a key published in vendor
 * documentation. These fail in every profile. In production, a sandbox key (Stripe sk_test_...)
 * or a framework's development key (django-insecure-...) fails too, since it cannot be the live
 * credential.
 *
 * The markers are long enough (or anchored to the whole value) that a random string matches one
 * with negligible probability. Messages name the kind of problem only, never the text matched.
 */
import type { CheckResult } from '../types.js';
import { replaceHint, result, type SecretContext } from './_context.js';

/** Text that marks a value as a placeholder wherever it appears. */
const MARKERS: readonly RegExp[] = [
  /replace[-_ .]?(?:with|me|this)/i,
  /change[-_ .]?(?:me|it|this)/i,
  /your[-_ .]?[\w.-]{0,40}?[-_ .]?here/i,
  /(?:insert|enter|put|add|paste)[-_ .]?your/i,
  /placeholder/i,
  /example/i,
  // \u2022 is a bullet, escaped so that the CLI bundle stays ASCII (scripts/cli-entry.cjs reads it faster).
  /x{8,}|\*{6,}|\u2022{4,}|#{8,}/i,
  /not[-_ .]?(?:a[-_ .]?)?(?:real|secure|secret)/i,
  /generate[-_ .]?(?:one|me|a[-_ .]?(?:new|random|secure|real))/i,
  /^(?:todo|tbd|fixme)(?:[-_ .:]|$)/i,
];

/**
 * Patterns that are placeholders when they are the whole value. Template brackets must enclose
 * word characters only: `<` `>` `{` `}` `%` occur in generated values, and a random value that
 * merely starts and ends with them must not match.
 */
const WHOLE: readonly RegExp[] = [
  /^<[A-Za-z][A-Za-z_ -]+>$/, /^\{\{\s*[\w.\s-]+\}\}$/, /^\$\{[\w.:-]+\}$/, /^\$[A-Z_][A-Z0-9_]*$/, /^%[A-Za-z_]+%$/,
  /^(?:none|null|nil|undefined|empty|n\/?a|secret|password|x+|\*+|\.+|-+|_+|0+|\?+)$/i,
];

/** Well-known defaults, compared whole, case-insensitively, ignoring surrounding spaces. */
const DEFAULTS: ReadonlySet<string> = new Set([
  'keyboard cat', 'supersecret', 'super-secret', 'super_secret', 'supersecretkey', 'topsecret', 'top-secret', 'mysecret',
  'my-secret', 'my_secret', 'mysecretkey', 'secretkey', 'secret-key', 'secret_key', 'secret123', 'thisisasecret', 's3cr3t',
  'shhhhh', 'notasecret', 'changeit', 'changeme123', 'letmein', 'welcome', 'welcome1', 'password1', 'password123',
  'password!', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'pass', 'pass123', 'admin', 'admin123', 'administrator', 'root',
  'root123', 'toor', 'guest', 'test', 'test123', 'testing', 'default', 'demo', 'sample', 'dummy', 'postgres', 'postgresql',
  'mysql', 'redis', 'mongo', 'mongodb', 'oracle', 'sa', 'minioadmin', 'rabbitmq', 'elastic', 'qwerty', 'qwerty123',
  'abc123', '123456', '12345678', '123456789', '1234567890', 'iloveyou', 'monkey', 'dragon', 'master', 'foobar',
  'development', 'development_secret', 'dev', 'devsecret', 'dev-secret', 'dev_secret', 'local', 'localhost',
  'jwt_secret', 'jwt-secret', 'jwtsecret', 'session_secret', 'session-secret', 'sessionsecret', 'api_key', 'apikey',
  'your-256-bit-secret', 'a-string-secret-at-least-256-bits-long', 'secretorprivatekey', 'secret_key_base',
]);

/** Words whose combination, with separators and digits, makes a value a default ("test-secret-123"). */
const DEFAULT_WORDS: readonly string[] = [
  'placeholder', 'development', 'production', 'encryption', 'password', 'postgres', 'localhost', 'database', 'internal',
  'example', 'default', 'session', 'service', 'server', 'client', 'cookie', 'master',
  'staging', 'changeme', 'private', 'testing', 'secret', 'sample', 'passwd', 'public', 'access', 'signing', 'refresh',
  'webhook', 'dummy', 'admin', 'redis', 'mysql', 'token', 'super', 'local', 'guest', 'hello', 'world', 'value',
  'test', 'root', 'demo', 'temp', 'pass', 'mongo', 'user', 'auth', 'key', 'jwt', 'api', 'app', 'dev', 'prod', 'db',
  'my', 'your', 'our', 'the', 'top', 'foo', 'bar', 'baz',
];
/** A value is only judged by default words when one of at least this many letters occurs. */
const ANCHOR_LENGTH = 4;
const SEPARATORS = /[\s\-_.:/|,;+!#@*]/;

/** Published documentation keys (Stripe's docs test key pair; AWS's examples contain "EXAMPLE"). */
const PUBLISHED: ReadonlySet<string> = new Set(['sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'pk_test_TYooMQauvdEDq54NiTphI7jx']);

/** Prefixes of keys that work only outside production. */
const NON_LIVE_PREFIXES = /^(?:sk|pk|rk)_test_|^django-insecure-/;

/** Whether default words (with separators and digits) make up at least half of the value. */
function dominatedByDefaultWords(value: string): boolean {
  const lower = value.toLowerCase();
  const covered = new Uint8Array(lower.length);
  let anchored = false;
  for (const word of DEFAULT_WORDS) {
    for (let at = lower.indexOf(word); at !== -1; at = lower.indexOf(word, at + 1)) {
      covered.fill(1, at, at + word.length);
      if (word.length >= ANCHOR_LENGTH) anchored = true;
    }
  }
  if (!anchored) return false;
  let words = 0;
  let filler = 0;
  for (let k = 0; k < lower.length; k += 1) {
    if (covered[k] === 1) words += 1;
    else if (SEPARATORS.test(lower.charAt(k)) || /[0-9]/.test(lower.charAt(k))) filler += 1;
  }
  return words * 2 >= lower.length && words + filler >= lower.length * 0.75;
}

/** What is wrong with a placeholder or default (a predicate), and what should replace it. */
export interface PlaceholderKind {
  readonly problem: string;
  readonly replacement: string;
}

/** Why a value is a placeholder or default, or undefined when it is neither. */
export function placeholderKind(value: string, production: boolean): PlaceholderKind | undefined {
  const trimmed = value.trim();
  if (PUBLISHED.has(trimmed)) return { problem: 'is a key published in vendor documentation, known to everyone', replacement: 'a key of your own' };
  if (DEFAULTS.has(trimmed.toLowerCase())) return { problem: 'is a well-known default value, the first thing an attacker tries', replacement: 'a generated value' };
  if (WHOLE.some((p) => p.test(trimmed)) || MARKERS.some((p) => p.test(trimmed))) {
    return { problem: 'is placeholder text, not a secret', replacement: 'the real value or a generated one' };
  }
  if (dominatedByDefaultWords(trimmed)) return { problem: 'is built from generic default words, the kind found in sample configs and tutorials', replacement: 'a generated value' };
  if (production && NON_LIVE_PREFIXES.test(trimmed)) return { problem: 'is a sandbox or development key, which cannot be the production credential', replacement: 'the live key' };
  return undefined;
}

/** Runs the check. */
export function checkPlaceholder(ctx: SecretContext): CheckResult {
  const { name } = ctx.secret;
  const kind = placeholderKind(ctx.value, ctx.profile === 'production');
  if (kind === undefined) return result(name, 'placeholder', 'pass', `${name} is not a placeholder or known default.`);
  return result(name, 'placeholder', 'fail', `${name} ${kind.problem}; ${replaceHint(name, ctx.hint, kind.replacement)}.`);
}
