/**
 * What the database and Redis rotators share: reading a stored credential that is either a bare
 * password or a connection URL (`postgres://user:password@host/db`, `redis://user:password@host`),
 * making the next value in the same form (only the password, and for alternating roles the user,
 * change; host, port, database and query stay), naming a server in messages by host and port
 * only, and telling a network failure apart from the server's own refusal. Driver packages are
 * loaded with src/io/optional-package.ts, as the providers' SDKs are.
 *
 * Security: URL parsing errors carry the input, so they are never passed on; every message here
 * names hosts, ports, users and option keys, never a password or a whole URL. Passwords are
 * percent-encoded in URLs (encodeURIComponent, so `%`, `@`, `:` and `/` survive every parser) and
 * decoded when read.
 */
import { CofferError } from '../../core/errors.js';

/** A stored credential, parsed. */
export type Credential =
  | { readonly form: 'password'; readonly password: string }
  | { readonly form: 'url'; readonly url: URL; readonly user: string | undefined; readonly password: string };

/**
 * Parses a stored value: a URL when it starts with one of `schemes` (`['postgres:', 'postgresql:']`),
 * otherwise a bare password. `what` names the value in errors (`the value of DB_URL`).
 */
export function parseCredential(value: string, schemes: readonly string[], what: string): Credential {
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined || !schemes.includes(scheme)) return { form: 'password', password: value };
  const url = parseUrl(value, what);
  try {
    const user = url.username === '' ? undefined : decodeURIComponent(url.username);
    return { form: 'url', url, user, password: decodeURIComponent(url.password) };
  } catch {
    throw new CofferError('COFFER_E_CONFIG_INVALID', `${what} is a ${scheme}// URL whose user or password has a malformed %-escape; percent-encode them (encodeURIComponent).`);
  }
}

/**
 * The value `value` becomes with a new password (and user, when given), in the same form: a
 * bare password stays bare, a URL keeps everything but its user and password.
 */
export function withCredential(value: Credential, password: string, user?: string): string {
  if (value.form === 'password') return password;
  const url = new URL(value.url.href);
  url.username = encodeURIComponent(user ?? value.user ?? '');
  url.password = encodeURIComponent(password);
  return url.href;
}

/** Parses a connection URL given in options (`admin`), naming the option, never the text, in errors. */
export function parseUrl(text: string, what: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new CofferError('COFFER_E_CONFIG_INVALID', `${what} is not a valid URL (scheme://user:password@host:port/...).`);
  }
}

/** `host:port` of a URL, for messages; never the user or password. */
export function endpoint(url: URL, defaultPort: number): string {
  return `${url.hostname || 'localhost'}:${url.port || defaultPort}`;
}

/** The error code of a failed network connection (ECONNREFUSED, ENOTFOUND, ...), if it is one. */
export function networkCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  const message = String((error as Error | undefined)?.message ?? '');
  if (/timeout|timed out/i.test(message)) return 'ETIMEDOUT';
  if (/Connection terminated|connection is closed|Connection is closed/i.test(message)) return 'ECONNRESET';
  return undefined;
}
