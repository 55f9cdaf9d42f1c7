/**
 * The PostgreSQL side of the `postgres` rotator: opening a connection with the pg driver (loaded
 * lazily), the SCRAM-SHA-256 verifier sent in `ALTER ROLE ... PASSWORD`, identifier and literal
 * quoting for the one statement that cannot take parameters, and the mapping of driver and
 * server failures to Coffer codes.
 *
 * Security: the password is turned into a SCRAM verifier here, in the client, so the plaintext
 * never travels to the server and never appears in its statement log or pg_stat_activity (the
 * verifier cannot be used to log in). Server error texts may quote the statement, so messages
 * carry the SQLSTATE only, with the host, port and role names.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { CofferError, isCofferError } from '../../core/errors.js';
import { loadOptionalPackage } from '../../io/optional-package.js';
import { endpoint, networkCode } from './_credential.js';

/** The pg module, as the rotator uses it (injectable for tests). */
export type PgModule = typeof pg;

/** Loads pg; COFFER_E_MISSING_PACKAGE when it is not installed. */
export async function loadPg(): Promise<PgModule> {
  return (await loadOptionalPackage('pg', 'The postgres rotator', () => import('pg'))).default;
}

/** Who is connecting, for messages and for the code of a refused login. */
export interface LoginRole {
  /** `admin` (the connection that changes passwords) or `test` (the new credential being tried). */
  readonly as: 'admin' | 'test';
  /** The role that logs in. */
  readonly user: string;
}

/**
 * Opens a connection to `url` and runs `work` on it, closing it after. Failures are CofferErrors:
 * UNAVAILABLE for an unreachable server, ACCESS_DENIED for a refused admin login,
 * ROTATION_TEST_FAILED for a refused test login.
 */
export async function withConnection<T>(driver: PgModule, url: URL, role: LoginRole, timeoutMs: number, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new driver.Client({ connectionString: url.href, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'coffer-rotate' });
  client.on('error', () => undefined);
  const where = endpoint(url, 5432);
  try {
    try {
      await client.connect();
    } catch (error) {
      throw loginError(error, where, role);
    }
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Maps a failed connection attempt; never quotes the server's text. */
function loginError(error: unknown, where: string, role: LoginRole): CofferError {
  const state = sqlState(error);
  if (state === '28P01' || state === '28000') {
    const refused = state === '28000' ? 'is not permitted to log in (NOLOGIN, or no pg_hba.conf entry)' : 'was refused: wrong password, or no password set';
    return role.as === 'test'
      ? new CofferError('COFFER_E_ROTATION_TEST_FAILED', `PostgreSQL at ${where} refused the new credential: the login of role "${role.user}" ${refused}.`, { cause: error })
      : new CofferError('COFFER_E_ACCESS_DENIED', `PostgreSQL at ${where} refused the rotation's admin login: role "${role.user}" ${refused}. Check options.admin.`, { cause: error, details: { refused: 'login' } });
  }
  if (state === '3D000') return new CofferError('COFFER_E_CONFIG_INVALID', `PostgreSQL at ${where}: the database in the ${role.as === 'admin' ? 'admin URL' : 'connection URL'} does not exist.`, { cause: error });
  return unavailable(error, where);
}

/** The failure of a statement run by the rotator, for `ALTER ROLE "role"` at `where`. */
export function statementError(error: unknown, url: URL, admin: string, role: string): CofferError {
  if (isCofferError(error)) return error;
  const where = endpoint(url, 5432);
  const state = sqlState(error);
  if (state === '42704') {
    return new CofferError('COFFER_E_CONFIG_INVALID', `PostgreSQL at ${where} has no role "${role}"; create it (CREATE ROLE "${role}" LOGIN) or fix options.roles.`, { cause: error });
  }
  if (state === '42501') {
    return new CofferError('COFFER_E_ACCESS_DENIED', `Role "${admin}" may not change the password of role "${role}" at ${where}: grant it CREATEROLE (PostgreSQL 16+: also ADMIN OPTION on "${role}"), or use a superuser in options.admin.`, { cause: error });
  }
  return unavailable(error, where);
}

function unavailable(error: unknown, where: string): CofferError {
  const state = sqlState(error);
  const net = state === undefined ? networkCode(error) : undefined;
  if (net !== undefined || (state !== undefined && /^(08|53|57)/.test(state))) {
    return new CofferError('COFFER_E_UNAVAILABLE', `PostgreSQL at ${where} cannot be reached (${net ?? `SQLSTATE ${state}`}); check that it runs and accepts connections, then run the rotation again.`, { cause: error });
  }
  return new CofferError('COFFER_E_ROTATION_FAILED', `PostgreSQL at ${where} failed the rotation's statement (${state === undefined ? 'error' : `SQLSTATE ${state}`}).`, { cause: error });
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * The SCRAM-SHA-256 verifier of `password` in PostgreSQL's format
 * (`SCRAM-SHA-256$4096:salt$StoredKey:ServerKey`, RFC 5802/7677). PostgreSQL stores a password
 * given in this form as is, so the server never sees the plaintext. The password is used as
 * UTF-8 bytes without SASLprep, as the pg driver does when it logs in; generated passwords are
 * ASCII, for which SASLprep changes nothing.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** `"name"` with inner quotes doubled: a role name as an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `'text'` with inner quotes doubled (standard_conforming_strings: backslashes are literal). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
