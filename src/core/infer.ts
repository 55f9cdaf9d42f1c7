/**
 * Infers a secret's category from its name, for secrets no config declares (for example every
 * variable of a dotenv file passed to `coffer validate --env-file`).
 *
 * Rules are tried in order; the first match wins, so the more specific patterns come first
 * (JWT_REFRESH_SECRET is a JWT secret, not a generic one; DB_PASSWORD is a database password,
 * not a plain password). Names are compared upper-cased.
 */
import type { CategoryId } from './categories.js';

/** One inference rule: names matching `pattern` are of `category`. */
export interface InferenceRule {
  readonly pattern: RegExp;
  readonly category: CategoryId;
}

/** The ordered rules; documented in docs/categories.md. */
export const INFERENCE_RULES: readonly InferenceRule[] = [
  { pattern: /^JWT_|_JWT_|JWT_SECRET|_JWT$/, category: 'jwt' },
  { pattern: /ENCRYPTION_KEY|ENC_KEY|MASTER_KEY|CIPHER_KEY|DATA_KEY|_AES_KEY|^AES_KEY/, category: 'encryption' },
  { pattern: /SESSION_SECRET|SESSION_KEY|COOKIE_SECRET/, category: 'session' },
  { pattern: /WEBHOOK_SECRET|WEBHOOK_SIGNING|SIGNING_SECRET/, category: 'webhook' },
  { pattern: /REDIS.*(PASSWORD|PASS|PWD)|REDIS_AUTH/, category: 'redis' },
  { pattern: /^(DB|DATABASE|POSTGRES|PG|MYSQL|MARIADB|MONGO|MONGODB|MSSQL)_.*(PASSWORD|PASS|PWD)|(DB|DATABASE)_(PASSWORD|PASS|PWD)/, category: 'database' },
  { pattern: /API_KEY|APIKEY|ACCESS_KEY|SECRET_KEY$/, category: 'api_key' },
  { pattern: /_TOKEN$|_TOKEN_|^TOKEN_|^TOKEN$/, category: 'token' },
  { pattern: /PASSWORD|PASSWD|_PASS$|_PWD$/, category: 'password' },
];

/**
 * Returns the category a name implies, `generic` when no rule matches.
 *
 * @example
 * inferCategory('JWT_REFRESH_SECRET'); // 'jwt'
 * inferCategory('STRIPE_API_KEY');     // 'api_key'
 */
export function inferCategory(name: string): CategoryId {
  const upper = name.toUpperCase();
  for (const rule of INFERENCE_RULES) if (rule.pattern.test(upper)) return rule.category;
  return 'generic';
}

/** Name fragments that mark a variable as holding a secret even when no category rule matches. */
const SECRET_HINT = /SECRET|PASSWORD|PASSWD|PASSPHRASE|_PASS$|_PWD$|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|_KEY$|^KEY_|_AUTH$|SALT|SIGNING/;

/**
 * True when a variable's name says it holds a secret. Used for dotenv files Coffer did not
 * write, where settings such as PORT or LOG_LEVEL sit beside secrets and must not be judged as
 * weak secrets.
 *
 * @example
 * looksSecret('APP_SECRET'); // true
 * looksSecret('PORT');       // false
 */
export function looksSecret(name: string): boolean {
  const upper = name.toUpperCase();
  return inferCategory(upper) !== 'generic' || SECRET_HINT.test(upper);
}
