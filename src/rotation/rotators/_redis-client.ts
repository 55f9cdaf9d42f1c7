/**
 * The Redis side of the `redis` rotator: a short-lived ioredis connection (loaded lazily) that
 * authenticates explicitly with AUTH, so a refused login is an error of its own and not a
 * background reconnect loop; the SHA-256 form of a password that ACL SETUSER accepts (`#hex`),
 * so the plaintext of a new password is never sent to the server, its ACL LOG, MONITOR or
 * SLOWLOG; and the mapping of failures to Coffer codes.
 *
 * Security: Redis error texts may quote a command's arguments, so messages carry only the
 * error's first word (WRONGPASS, NOPERM, ERR), the host, the port and the user.
 */
import { createHash } from 'node:crypto';
import type { Redis as RedisClient } from 'ioredis';
import { CofferError, isCofferError } from '../../core/errors.js';
import { loadOptionalPackage } from '../../io/optional-package.js';
import { endpoint, networkCode } from './_credential.js';

/** The ioredis constructor, as the rotator uses it (injectable for tests). */
export type RedisConstructor = typeof RedisClient;

/** Loads ioredis; COFFER_E_MISSING_PACKAGE when it is not installed. */
export async function loadRedis(): Promise<RedisConstructor> {
  return (await loadOptionalPackage('ioredis', 'The redis rotator', () => import('ioredis'))).Redis;
}

/** Where to connect and who logs in. */
export interface RedisLogin {
  /** redis:// or rediss:// URL: host, port, database number and TLS are taken from it. */
  readonly url: URL;
  /** ACL user; undefined logs in with the password only (the default user). */
  readonly user: string | undefined;
  readonly password: string;
  /** `admin` (the connection that changes passwords) or `test` (the new credential being tried). */
  readonly as: 'admin' | 'test';
}

/** One command on an authenticated connection; throws mapped errors. */
export type RedisCall = (...args: string[]) => Promise<unknown>;

/** Connects, authenticates, runs `work`, disconnects; failures are CofferErrors. */
export async function withRedis<T>(Redis: RedisConstructor, login: RedisLogin, timeoutMs: number, work: (call: RedisCall) => Promise<T>): Promise<T> {
  const where = endpoint(login.url, 6379);
  const db = Number(login.url.pathname.slice(1) || 0);
  // RESP2: no HELLO handshake, which a server with a password refuses before AUTH.
  const client = new Redis({
    host: login.url.hostname || 'localhost', port: Number(login.url.port || 6379), db: Number.isInteger(db) ? db : 0,
    ...(login.url.protocol === 'rediss:' ? { tls: {} } : {}),
    protocol: 2, lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, enableReadyCheck: false,
    enableOfflineQueue: false, retryStrategy: () => null, reconnectOnError: () => false, connectionName: 'coffer-rotate',
  });
  // ioredis reports a failed connect as "Connection is closed"; the socket's own error says why.
  let socketError: unknown;
  client.on('error', (error: unknown) => (socketError ??= error));
  try {
    try {
      await client.connect();
      if (login.password !== '' || login.user !== undefined) await client.call('AUTH', ...(login.user === undefined ? [] : [login.user]), login.password);
    } catch (error) {
      throw loginError(networkCode(socketError) === undefined ? error : socketError, where, login);
    }
    return await work(async (...args) => {
      try {
        return await client.call(args[0] as string, ...args.slice(1));
      } catch (error) {
        throw commandError(error, where, login.user ?? 'default', `${args[0]} ${args[1] ?? ''}`.trim());
      }
    });
  } finally {
    client.disconnect();
  }
}

function loginError(error: unknown, where: string, login: RedisLogin): CofferError {
  if (isCofferError(error)) return error;
  const word = firstWord(error);
  const who = login.user === undefined ? 'the password' : `user "${login.user}"`;
  if (word === 'WRONGPASS' || word === 'NOAUTH' || (word === 'ERR' && /invalid password|no password is set|called without any password configured/i.test(String((error as Error).message)))) {
    return login.as === 'test'
      ? new CofferError('COFFER_E_ROTATION_TEST_FAILED', `Redis at ${where} refused the new credential (${who}, ${word}).`, { cause: error })
      : new CofferError('COFFER_E_ACCESS_DENIED', `Redis at ${where} refused the rotation's admin login (${who}, ${word}); check options.admin.`, { cause: error, details: { refused: 'login' } });
  }
  return commandError(error, where, login.user ?? 'default', 'AUTH');
}

/** Maps a failed command (`what`: its name, never its arguments). */
export function commandError(error: unknown, where: string, user: string, what: string): CofferError {
  if (isCofferError(error)) return error;
  const word = firstWord(error);
  if (word === 'NOPERM') {
    return new CofferError('COFFER_E_ACCESS_DENIED', `Redis user "${user}" may not run ${what} at ${where}: give the admin user +@admin (or +acl|setuser, +acl|getuser, +acl|save, +config), or use another options.admin.`, { cause: error });
  }
  if (word === 'ERR' && /unknown (sub)?command/i.test(String((error as Error).message))) {
    return new CofferError('COFFER_E_UNSUPPORTED', `Redis at ${where} does not know ${what} (Redis before 6 has no ACL): use options.mode "requirepass".`, { cause: error });
  }
  const net = networkCode(error);
  if (net !== undefined || word === 'LOADING' || word === 'BUSY' || word === 'MASTERDOWN') {
    return new CofferError('COFFER_E_UNAVAILABLE', `Redis at ${where} cannot be reached (${net ?? word}); check that it runs, then run the rotation again.`, { cause: error });
  }
  return new CofferError('COFFER_E_ROTATION_FAILED', `Redis at ${where} failed ${what} (${word ?? 'error'}).`, { cause: error });
}

function firstWord(error: unknown): string | undefined {
  const message = String((error as Error | undefined)?.message ?? '');
  return /^([A-Z]{2,})\b/.exec(message)?.[1];
}

/** The SHA-256 hex of a password: the form ACL SETUSER takes after `#` (add) or `!` (remove). */
export function passwordHash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('hex');
}
