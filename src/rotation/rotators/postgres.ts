/**
 * The `postgres` rotator: a PostgreSQL role's password, changed with `ALTER ROLE ... PASSWORD`.
 * The secret holds a bare password or a `postgres://` URL; only the password (and, alternating,
 * the user) of a URL changes. Two strategies:
 *
 * - `single`: one role; set gives it the new password, which ends the old one at once (not
 *   overlapping). Without `admin`, the role changes its own password, which PostgreSQL allows
 *   every role.
 * - `alternating`: two roles with the same privileges take turns. The new value names the role
 *   not in use, with a new password; the role in use keeps working until the grace period ends,
 *   when its password is removed (`PASSWORD NULL`), so a valid login exists at every instant.
 *
 * The password reaches the server only as a SCRAM-SHA-256 verifier computed here; the test step
 * is a real login with the new credential and `SELECT 1`. Every step is idempotent: it sets the
 * state it names (a password, or none) whatever the state was.
 */
import { z } from 'zod/v3';
import { CofferError, isCofferError } from '../../core/errors.js';
import type { RotationSubject, Rotator, RotatorContext, RotatorFactory } from '../types.js';
import { parseCredential, parseUrl, withCredential, type Credential } from './_credential.js';
import { loadPg, quoteIdent, quoteLiteral, scramVerifier, statementError, withConnection, type PgModule } from './_postgres-client.js';

const ROLE = z.string().min(1).max(63);

/** Validates `PostgresOptions` as written in a config file. */
export const optionsSchema = z.object({
  admin: z.string().min(1).optional(),
  strategy: z.enum(['single', 'alternating']).optional(),
  roles: z.array(ROLE).min(1).max(2).optional(),
}).strict().superRefine((options, ctx) => {
  const roles = options.roles ?? [];
  if (options.strategy === 'alternating') {
    if (roles.length !== 2 || roles[0] === roles[1]) ctx.addIssue({ code: 'custom', path: ['roles'], message: 'the alternating strategy needs two different roles' });
    if (options.admin === undefined) ctx.addIssue({ code: 'custom', path: ['admin'], message: 'the alternating strategy needs an admin connection URL (a role with CREATEROLE)' });
  } else if (roles.length > 1) {
    ctx.addIssue({ code: 'custom', path: ['roles'], message: 'the single strategy rotates one role' });
  }
});

/** Options of the `postgres` rotator. */
export interface PostgresOptions {
  /**
   * Connection URL of a role allowed to change the passwords (a superuser, or CREATEROLE; on
   * PostgreSQL 16+ also ADMIN OPTION on the roles). Write `${secret:PG_ADMIN_URL}` or
   * `${env:PG_ADMIN_URL}` to keep it out of the config. Default: none, and with `single` the
   * role changes its own password with the current credential (the value must then be a URL).
   * Required with `alternating`.
   */
  readonly admin?: string;
  /** `single` (default): one role, not overlapping; `alternating`: two roles take turns, overlapping. */
  readonly strategy?: 'single' | 'alternating';
  /**
   * The roles: `[role]` with `single` (default: the user of the stored URL), `[a, b]` with
   * `alternating` (the stored URL's user must be one of them).
   */
  readonly roles?: readonly string[];
}

/** What one step works on: a role and the credential it logs in with. */
interface Login {
  readonly role: string;
  readonly credential: Credential;
}

/**
 * Creates the `postgres` rotator; `load` replaces the lazy import of pg (tests).
 *
 * @example
 * "rotation": { "rotator": "postgres", "options": { "strategy": "alternating", "roles": ["app_blue", "app_green"], "admin": "${secret:PG_ADMIN_URL}" } }
 */
export const createPostgresRotator = (options: PostgresOptions, context: RotatorContext, load: () => Promise<PgModule> = loadPg): Rotator => {
  const alternating = options.strategy === 'alternating';
  const timeoutMs = context.timeoutMs ?? 10_000;
  const admin = options.admin === undefined ? undefined : parseUrl(options.admin, 'options.admin of the postgres rotator');
  let driver: Promise<PgModule> | undefined;
  const pg = () => (driver ??= load());

  const login = (subject: RotationSubject, value: string, stage: string): Login => {
    const credential = parseCredential(value, ['postgres:', 'postgresql:'], `the ${stage} value of ${subject.name}`);
    const role = credential.form === 'url' ? credential.user : options.roles?.[0];
    if (role === undefined) {
      throw new CofferError('COFFER_E_CONFIG_INVALID', `The postgres rotator of ${subject.name} does not know which role to rotate: store a postgres:// URL with a user, or set options.roles.`);
    }
    if (alternating && credential.form !== 'url') {
      throw new CofferError('COFFER_E_CONFIG_INVALID', `The alternating strategy of ${subject.name} changes the user with each rotation, so the secret must hold a postgres:// URL, not a bare password.`);
    }
    const allowed = alternating ? options.roles ?? [] : [options.roles?.[0] ?? role];
    if (!allowed.includes(role)) {
      throw new CofferError('COFFER_E_CONFIG_INVALID', `The ${stage} value of ${subject.name} logs in as role "${role}", which options.roles (${allowed.map((r) => `"${r}"`).join(', ')}) does not name.`);
    }
    return { role, credential };
  };

  /** Where a role logs in with a credential: the stored URL, else the admin URL with that user and password. */
  const loginUrl = (subject: RotationSubject, l: Login, password = l.credential.password): URL => {
    if (l.credential.form === 'url') return new URL(withCredential(l.credential, password, l.role));
    if (admin === undefined) {
      throw new CofferError('COFFER_E_CONFIG_INVALID', `The postgres rotator of ${subject.name} needs options.admin (the server to connect to) when the secret holds a bare password.`);
    }
    const url = new URL(admin.href);
    url.username = encodeURIComponent(l.role);
    url.password = encodeURIComponent(password);
    return url;
  };

  /** Runs statements as the admin; without one, as the role itself with the first of `own` that logs in. */
  const asAdmin = async (subject: RotationSubject, own: readonly Login[], role: string, work: (run: (sql: string) => Promise<void>) => Promise<void>) => {
    const driverModule = await pg();
    const candidates = admin !== undefined ? [{ url: admin, user: decodeURIComponent(admin.username) || '(the default user)' }] : own.map((l) => ({ url: loginUrl(subject, l), user: l.role }));
    let refused: unknown;
    for (const candidate of candidates) {
      try {
        return await withConnection(driverModule, candidate.url, { as: 'admin', user: candidate.user }, timeoutMs, (client) => work(async (sql) => {
          try {
            await client.query(sql);
          } catch (error) {
            throw statementError(error, candidate.url, candidate.user, role);
          }
        }));
      } catch (error) {
        // Without an admin, the role logs in with whichever of its credentials the server has now.
        if (!(isCofferError(error, 'COFFER_E_ACCESS_DENIED') && error.details.refused === 'login')) throw error;
        refused = error;
      }
    }
    throw refused;
  };

  const setPassword = (role: string, password: string | null) => (run: (sql: string) => Promise<void>) =>
    run(`ALTER ROLE ${quoteIdent(role)} PASSWORD ${password === null ? 'NULL' : quoteLiteral(scramVerifier(password))}`);

  return {
    id: 'postgres',
    traits: { overlapping: alternating, external: true },
    create: async (input) => {
      const current = login(input.subject, input.current, 'current');
      const next = alternating ? (options.roles ?? []).find((r) => r !== current.role) : current.role;
      return withCredential(current.credential, input.generate(), next);
    },
    set: async (subject, values) => {
      const current = login(subject, values.current, 'current');
      const pending = login(subject, values.pending, 'pending');
      await asAdmin(subject, [current, pending], pending.role, setPassword(pending.role, pending.credential.password));
    },
    test: async (subject, values) => {
      const pending = login(subject, values.pending, 'pending');
      const url = loginUrl(subject, pending);
      await withConnection(await pg(), url, { as: 'test', user: pending.role }, timeoutMs, async (client) => {
        try {
          await client.query('SELECT 1');
        } catch (error) {
          throw statementError(error, url, pending.role, pending.role);
        }
      });
    },
    rollback: async (subject, values) => {
      const current = login(subject, values.current, 'current');
      const pending = login(subject, values.pending, 'pending');
      await asAdmin(subject, [current, pending], current.role, async (run) => {
        await setPassword(current.role, current.credential.password)(run);
        if (pending.role !== current.role) await setPassword(pending.role, null)(run);
      });
    },
    revoke: async (subject, values) => {
      const previous = login(subject, values.previous, 'previous');
      const current = login(subject, values.current, 'current');
      // With one role, set already replaced the old password: nothing is left to revoke.
      if (previous.role === current.role) return;
      await asAdmin(subject, [current], previous.role, setPassword(previous.role, null));
    },
    close: async () => undefined,
  };
};

export default createPostgresRotator satisfies RotatorFactory<PostgresOptions>;
