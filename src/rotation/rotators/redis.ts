/**
 * The `redis` rotator: a Redis password. The secret holds a bare password or a `redis://` /
 * `rediss://` URL (only its password changes). Modes:
 *
 * - `acl` (Redis 6+): the ACL user gets the new password beside the old one (`ACL SETUSER user
 *   #<sha256>`), so both work during the grace period; revoke removes the old one
 *   (`!<sha256>`). Only hashes are sent, never a new password in plaintext.
 * - `requirepass`: `CONFIG SET requirepass`, for servers without ACL; the old password stops
 *   working at once (not overlapping).
 * - `auto` (default): `acl` when the server knows ACL commands, else `requirepass`.
 *
 * With `persist` (default), every change is saved where the server keeps its users: `ACL SAVE`
 * with an ACL file, `CONFIG REWRITE` with a config file, so a restart does not bring back the old
 * password. Every step reads the user's passwords first and changes only what differs, so it
 * is idempotent; the test step is a new connection that logs in with the new password and PINGs.
 */
import { z } from 'zod/v3';
import { CofferError, isCofferError } from '../../core/errors.js';
import type { RotationSubject, Rotator, RotatorContext, RotatorFactory } from '../types.js';
import { endpoint, parseCredential, parseUrl, withCredential, type Credential } from './_credential.js';
import { loadRedis, passwordHash, withRedis, type RedisCall, type RedisConstructor } from './_redis-client.js';

/** Validates `RedisOptions` as written in a config file. */
export const optionsSchema = z.object({
  admin: z.string().min(1).optional(),
  mode: z.enum(['auto', 'acl', 'requirepass']).optional(),
  user: z.string().min(1).regex(/^[^\s]+$/, 'an ACL user name has no spaces').optional(),
  persist: z.boolean().optional(),
}).strict().refine((o) => o.mode !== 'requirepass' || o.user === undefined || o.user === 'default', { path: ['user'], message: 'requirepass sets the password of the default user only' });

/** Options of the `redis` rotator. */
export interface RedisOptions {
  /**
   * Connection URL of a user allowed to change passwords (`redis://admin:pw@host:6379`): ACL
   * SETUSER, ACL GETUSER and ACL SAVE, or CONFIG SET and CONFIG REWRITE. Write
   * `${secret:REDIS_ADMIN_URL}` or `${env:REDIS_ADMIN_URL}` to keep it out of the config.
   * Default: the rotated credential itself (the value must then be a URL), which works for the
   * default user and for users granted those commands.
   */
  readonly admin?: string;
  /** `auto` (default): `acl` when the server has ACL commands (Redis 6+), else `requirepass`. */
  readonly mode?: 'auto' | 'acl' | 'requirepass';
  /** The ACL user whose password rotates; default: the user of the stored URL, else `default`. */
  readonly user?: string;
  /** Save each change to the server's ACL file or config file, when it has one; default true. */
  readonly persist?: boolean;
}

/**
 * Creates the `redis` rotator; `load` replaces the lazy import of ioredis (tests).
 *
 * @example
 * "rotation": { "rotator": "redis", "options": { "admin": "${secret:REDIS_ADMIN_URL}" } }
 */
export const createRedisRotator = (options: RedisOptions, context: RotatorContext, load: () => Promise<RedisConstructor> = loadRedis): Rotator => {
  const timeoutMs = context.timeoutMs ?? 10_000;
  const admin = options.admin === undefined ? undefined : parseUrl(options.admin, 'options.admin of the redis rotator');
  let driver: Promise<RedisConstructor> | undefined;
  const redis = () => (driver ??= load());
  let mode: 'acl' | 'requirepass' | undefined = options.mode === 'auto' ? undefined : options.mode;

  const parse = (subject: RotationSubject, value: string, stage: string): Credential => parseCredential(value, ['redis:', 'rediss:'], `the ${stage} value of ${subject.name}`);
  /** The user that logs in with the credential; undefined: the default user, with AUTH <password> (every Redis version). */
  const loginUser = (credential: Credential): string | undefined => options.user ?? (credential.form === 'url' ? credential.user : undefined);
  const userOf = (credential: Credential): string => loginUser(credential) ?? 'default';

  /** Where the rotated user logs in: the stored URL, else the admin URL. */
  const serverOf = (subject: RotationSubject, credential: Credential): URL => {
    if (credential.form === 'url') return credential.url;
    if (admin === undefined) throw new CofferError('COFFER_E_CONFIG_INVALID', `The redis rotator of ${subject.name} needs options.admin (the server to connect to) when the secret holds a bare password.`);
    return admin;
  };

  /** Runs `work` as the admin; without one, as the rotated user with the first of its credentials that logs in. */
  const asAdmin = async <T>(subject: RotationSubject, own: readonly Credential[], work: (call: RedisCall) => Promise<T>): Promise<T> => {
    const Redis = await redis();
    const logins = admin !== undefined
      ? [{ url: admin, user: admin.username === '' ? undefined : decodeURIComponent(admin.username), password: decodeURIComponent(admin.password) }]
      : own.map((c) => ({ url: serverOf(subject, c), user: loginUser(c), password: c.password }));
    let refused: unknown;
    for (const login of logins) {
      try {
        return await withRedis(Redis, { ...login, as: 'admin' }, timeoutMs, async (call) => {
          mode ??= await detectMode(call);
          // Where changes are saved is found before anything changes, so a missing permission changes nothing.
          const save = options.persist === false ? undefined : await saveCommand(call);
          const result = await work(call);
          if (save !== undefined) await call(...save);
          return result;
        });
      } catch (error) {
        if (!(isCofferError(error, 'COFFER_E_ACCESS_DENIED') && error.details.refused === 'login')) throw error;
        refused = error;
      }
    }
    throw refused;
  };

  /** Makes `user` accept exactly the wanted ones of `add` and refuse `remove` (ACL), or sets requirepass. */
  const apply = (subject: RotationSubject, user: string, add: string, remove: readonly string[]) => async (call: RedisCall) => {
    if (mode === 'requirepass') {
      if (user !== 'default') throw new CofferError('COFFER_E_CONFIG_INVALID', `Redis without ACL has one password, the default user's; ${subject.name} names user "${user}". Use options.mode "acl" (Redis 6+) or a URL without a user.`);
      await call('CONFIG', 'SET', 'requirepass', add);
      return;
    }
    const passwords = await aclPasswords(call, subject, user);
    const changes = [
      ...(passwords.has(passwordHash(add)) ? [] : [`#${passwordHash(add)}`]),
      ...remove.filter((p) => p !== add && passwords.has(passwordHash(p))).map((p) => `!${passwordHash(p)}`),
    ];
    if (changes.length > 0) await call('ACL', 'SETUSER', user, ...changes);
  };

  return {
    id: 'redis',
    get traits() {
      return { overlapping: (mode ?? options.mode ?? 'auto') !== 'requirepass', external: true };
    },
    create: async (input) => withCredential(parse(input.subject, input.current, 'current'), input.generate()),
    set: async (subject, values) => {
      const current = parse(subject, values.current, 'current');
      const pending = parse(subject, values.pending, 'pending');
      await asAdmin(subject, [current, pending], apply(subject, userOf(pending), pending.password, []));
    },
    test: async (subject, values) => {
      const pending = parse(subject, values.pending, 'pending');
      await withRedis(await redis(), { url: serverOf(subject, pending), user: loginUser(pending), password: pending.password, as: 'test' }, timeoutMs, async (call) => {
        if (await call('PING') !== 'PONG') throw new CofferError('COFFER_E_ROTATION_TEST_FAILED', `Redis at ${endpoint(serverOf(subject, pending), 6379)} did not answer PING with the new credential.`);
        // A run resuming after a crash may skip set, where `auto` learns the mode; the engine reads
        // `traits.overlapping` after test, so without this a requirepass server would get a grace period.
        mode ??= await detectMode(call);
      });
    },
    rollback: async (subject, values) => {
      const current = parse(subject, values.current, 'current');
      const pending = parse(subject, values.pending, 'pending');
      await asAdmin(subject, [current, pending], apply(subject, userOf(current), current.password, [pending.password]));
    },
    revoke: async (subject, values) => {
      const previous = parse(subject, values.previous, 'previous');
      const current = parse(subject, values.current, 'current');
      await asAdmin(subject, [current], async (call) => {
        // requirepass keeps one password: set already replaced the old one.
        if (mode !== 'requirepass') await apply(subject, userOf(current), current.password, [previous.password])(call);
      });
    },
    close: async () => undefined,
  };
};

export default createRedisRotator satisfies RotatorFactory<RedisOptions>;

/** `acl` when the server answers ACL commands (NOPERM too: only a server with ACL says it), else `requirepass`. */
async function detectMode(call: RedisCall): Promise<'acl' | 'requirepass'> {
  try {
    await call('ACL', 'WHOAMI');
    return 'acl';
  } catch (error) {
    if (isCofferError(error, 'COFFER_E_UNSUPPORTED')) return 'requirepass';
    if (isCofferError(error, 'COFFER_E_ACCESS_DENIED')) return 'acl';
    throw error;
  }
}

/** The SHA-256 hashes of `user`'s passwords; CONFIG_INVALID when the user does not exist. */
async function aclPasswords(call: RedisCall, subject: RotationSubject, user: string): Promise<Set<string>> {
  const reply = await call('ACL', 'GETUSER', user);
  if (!Array.isArray(reply)) {
    throw new CofferError('COFFER_E_CONFIG_INVALID', `Redis has no ACL user "${user}" for ${subject.name}; create it (ACL SETUSER ${user} on ...) or fix options.user.`);
  }
  const index = reply.findIndex((item) => String(item) === 'passwords');
  const passwords = index >= 0 ? reply[index + 1] : [];
  return new Set(Array.isArray(passwords) ? passwords.map(String) : []);
}

/** The command that saves users where the server keeps them: ACL SAVE with an ACL file, CONFIG REWRITE with a config file, else none. */
async function saveCommand(call: RedisCall): Promise<string[] | undefined> {
  const aclfile = await call('CONFIG', 'GET', 'aclfile');
  if (Array.isArray(aclfile) && String(aclfile[1] ?? '') !== '') return ['ACL', 'SAVE'];
  const info = String(await call('INFO', 'server'));
  return /^config_file:\S+/m.test(info) ? ['CONFIG', 'REWRITE'] : undefined;
}
