/**
 * The `redis` rotator against private redis-server instances: one with ACL users kept in an ACL
 * file, one configured with `requirepass` whose ACL command is renamed away (the "no ACL" path
 * that `auto` must detect), and Redis 7 configured with `requirepass`, rotated through ACL (`auto`)
 * and in `requirepass` mode. The shared conformance
 * suite runs for each, then what is specific: through the engine the new password logs in on a
 * separate raw connection, the old one keeps working through the grace period with ACL and is
 * refused after finalize (also after a restart, as ACL SAVE / CONFIG REWRITE persisted it);
 * with requirepass the old one is refused at once and the rotation says there is no grace; a
 * failing health check rolls back; an unreachable server, a refused admin, a missing user and a
 * missing permission each fail in their own way, naming no value.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isCofferError } from '../../src/core/errors.js';
import { openRotator } from '../../src/rotation/registry.js';
import createRedisRotator, { type RedisOptions } from '../../src/rotation/rotators/redis.js';
import type { RotationSubject } from '../../src/rotation/types.js';
import { freePort, redisMissing, startRedis, type RedisServer } from '../_servers.js';
import { assertNoValueIn, describeRotatorConformance, type RotatorTarget } from '../conformance/rotator-suite.js';
import { storeEngine } from './_engine.js';
import { createRedisUser, freshRedisPassword, redisAs, redisLogsIn } from './_redis.js';

const skip = redisMissing();
const ADMIN = { user: 'admin', password: freshRedisPassword() };
/** The ACL server: the default user off, an admin with every permission, users kept in an ACL file. */
let acl: RedisServer;
before(async () => {
  if (!skip) acl = await startRedis({ acl: `user default off\nuser ${ADMIN.user} on >${ADMIN.password} ~* &* +@all\n` });
});
after(async () => acl?.stop());

const context = { env: {}, timeoutMs: 5000 };
const subject: RotationSubject = { name: 'REDIS_URL', environment: 'production', category: 'redis', profile: 'production' };
const adminUrl = () => acl.url(ADMIN.user, ADMIN.password);

/** A server with one password (requirepass): ACL renamed away (`auto` must find no ACL), or Redis 7 as is. */
async function passwordServer(password: string, withoutAcl: boolean): Promise<RedisServer> {
  return startRedis({ config: `${withoutAcl ? 'rename-command ACL ""\n' : ''}requirepass ${password}\n` });
}

/** Whether a stored value (a redis:// URL, or a bare password of `user`) logs in at `port`. */
function accepts(port: number, user?: string) {
  return (value: string) => {
    if (!value.startsWith('redis://')) return redisLogsIn(port, user, value);
    const url = new URL(value);
    return redisLogsIn(port, url.username === '' ? user : decodeURIComponent(url.username), decodeURIComponent(url.password));
  };
}

/** A conformance target on the ACL server: a fresh user per case, a URL or a bare password. */
function aclTarget(form: 'url' | 'password', withAdmin: boolean) {
  return async (): Promise<RotatorTarget> => {
    const password = freshRedisPassword();
    const user = await createRedisUser(acl.port, ADMIN, password);
    const options: RedisOptions = form === 'password' ? { admin: adminUrl(), user } : withAdmin ? { admin: adminUrl() } : {};
    const closed = await freePort();
    return {
      rotator: createRedisRotator(options, context),
      category: 'redis',
      initial: form === 'url' ? acl.url(user, password) : password,
      accepts: accepts(acl.port, user),
      broken: async () => [
        createRedisRotator({ ...options, admin: acl.url(ADMIN.user, 'not-the-admin-password') }, context),
        createRedisRotator({ ...options, admin: `redis://admin:x@127.0.0.1:${closed}` }, context),
      ],
    };
  };
}

/** A conformance target on a fresh one-password server; the stored value is a URL without a user. */
function passwordTarget(withoutAcl: boolean, options: RedisOptions) {
  return async (): Promise<RotatorTarget> => {
    const password = freshRedisPassword();
    const server = await passwordServer(password, withoutAcl);
    const closed = await freePort();
    return {
      rotator: createRedisRotator(options, context),
      category: 'redis',
      initial: server.url(undefined, password),
      accepts: accepts(server.port),
      broken: async () => [
        createRedisRotator({ ...options, admin: server.url(undefined, 'not-the-password') }, context),
        createRedisRotator({ ...options, admin: `redis://:x@127.0.0.1:${closed}` }, context),
      ],
      close: () => server.stop(),
    };
  };
}

describeRotatorConformance('redis acl (URL, admin)', aclTarget('url', true), { skip });
describeRotatorConformance('redis acl (URL, the user changes its own password)', aclTarget('url', false), { skip });
describeRotatorConformance('redis acl (bare password, admin, options.user)', aclTarget('password', true), { skip });
describeRotatorConformance('redis auto on a server without ACL (requirepass)', passwordTarget(true, {}), { skip });
describeRotatorConformance('redis auto on Redis 7 configured with requirepass (the default user through ACL, overlapping)', passwordTarget(false, {}), { skip });
describeRotatorConformance('redis requirepass mode on Redis 7', passwordTarget(false, { mode: 'requirepass' }), { skip });

/** A store and an engine rotating REDIS_URL with `options` and `rotation` config; `generated` lists every new password made. */
function engineFor(initial: string, options: RedisOptions, rotation: Record<string, unknown> = {}) {
  return storeEngine({ name: 'REDIS_URL', category: 'redis', rotation: { rotator: 'redis', ...rotation }, initial, rotator: () => createRedisRotator(options, context), generate: (n) => `Gen-${n}-${freshRedisPassword()}` });
}

const failure = (promise: Promise<unknown>) => promise.then(() => assert.fail('must fail'), (x: unknown) => x);

describe('redis rotator', { skip }, () => {
  test('ACL through the engine: the new password logs in, the old one still does during the grace period, finalize refuses it, and a restart keeps that (ACL SAVE, hashes only)', async () => {
    const password = freshRedisPassword();
    const user = await createRedisUser(acl.port, ADMIN, password);
    const initial = acl.url(user, password);
    const e = await engineFor(initial, { admin: adminUrl() });
    try {
      const outcome = await e.engine.rotate(e.secret, { graceMs: 3_600_000 });
      assert.equal(outcome.status, 'rotated');
      assert.ok(outcome.graceUntil !== undefined, 'ACL keeps both passwords: a grace period');
      assert.deepEqual(outcome.notes, []);
      const fresh = (await e.stage('current')) as string;
      const next = e.generated[0] as string;
      assert.equal(decodeURIComponent(new URL(fresh).password), next);
      assert.equal(new URL(fresh).username, user, 'the same user');
      assert.equal(await e.stage('previous'), initial);
      assert.deepEqual([await redisLogsIn(acl.port, user, password), await redisLogsIn(acl.port, user, next)], [true, true], 'both log in during the grace period');
      assert.equal((await e.engine.finalize(e.secret, false))?.status, 'in-grace');
      assert.equal(await redisLogsIn(acl.port, user, password), true, 'the old one still logs in before the grace period ends');
      assert.equal((await e.engine.finalize(e.secret, true))?.status, 'retired');
      assert.deepEqual([await redisLogsIn(acl.port, user, password), await redisLogsIn(acl.port, user, next)], [false, true]);
      const file = readFileSync(acl.aclFile as string, 'utf8');
      assert.ok(!file.includes(next) && !file.includes(password), 'the ACL file holds hashes, never a password');
      await acl.restart();
      assert.deepEqual([await redisLogsIn(acl.port, user, password), await redisLogsIn(acl.port, user, next)], [false, true], 'after a restart too');
    } finally {
      await e.close();
    }
  });

  for (const [title, withoutAcl, options] of [['auto on a server without ACL', true, {}], ['mode requirepass on Redis 7', false, { mode: 'requirepass' }]] as const) {
    test(`${title}: CONFIG SET requirepass refuses the old password at once, the rotation says there is no grace, and a restart keeps the new one (CONFIG REWRITE)`, async () => {
      const password = freshRedisPassword();
      const server = await passwordServer(password, withoutAcl);
      const e = await engineFor(server.url(undefined, password), options);
      try {
        const outcome = await e.engine.rotate(e.secret, { graceMs: 3_600_000 });
        assert.equal(outcome.status, 'rotated');
        assert.equal(outcome.graceUntil, undefined);
        assert.match(outcome.notes.join(' '), /one credential at a time \(redis\).*no grace period/);
        assert.equal(await e.stage('previous'), undefined, 'nothing is kept valid');
        const next = e.generated[0] as string;
        assert.deepEqual([await redisLogsIn(server.port, undefined, password), await redisLogsIn(server.port, undefined, next)], [false, true]);
        assert.match(readFileSync(server.configFile as string, 'utf8'), /^requirepass /m);
        await server.restart();
        assert.deepEqual([await redisLogsIn(server.port, undefined, password), await redisLogsIn(server.port, undefined, next)], [false, true], 'after a restart too');
      } finally {
        await e.close();
        await server.stop();
      }
    });
  }

  test('a rotator that only runs test (a run resuming after a crash past set) still knows whether the target overlaps', async () => {
    const password = freshRedisPassword();
    const server = await passwordServer(password, true);
    const user = await createRedisUser(acl.port, ADMIN, password, ['+ping', '-acl']);
    try {
      const one = { current: server.url(undefined, password), pending: server.url(undefined, freshRedisPassword()) };
      await createRedisRotator({}, context).set(subject, one);
      const resumed = createRedisRotator({}, context);
      await resumed.test(subject, one);
      assert.equal(resumed.traits.overlapping, false, 'requirepass: no grace');
      const two = { current: acl.url(user, password), pending: acl.url(user, freshRedisPassword()) };
      await createRedisRotator({ admin: adminUrl() }, context).set(subject, two);
      const resumedAcl = createRedisRotator({ admin: adminUrl() }, context);
      await resumedAcl.test(subject, two);
      assert.equal(resumedAcl.traits.overlapping, true, 'ACL (the tested user may not run ACL commands): both passwords work');
    } finally {
      await server.stop();
    }
  });

  test('ACL: a failing health check rolls back; the old password still logs in and the new one does not', async () => {
    const password = freshRedisPassword();
    const user = await createRedisUser(acl.port, ADMIN, password);
    const initial = acl.url(user, password);
    const e = await engineFor(initial, { admin: adminUrl() }, { healthCheck: { command: ['sh', '-c', 'exit 1'] } });
    try {
      const error = await failure(e.engine.rotate(e.secret, { graceMs: 60_000 }));
      assert.ok(isCofferError(error, 'COFFER_E_ROTATION_FAILED'));
      assert.match(error.message, /health check.*exited 1.*rolled back/);
      assertNoValueIn(error, [initial, e.generated[0] as string]);
      assert.equal(await e.stage('current'), initial);
      assert.equal(await e.stage('pending'), undefined);
      assert.deepEqual([await redisLogsIn(acl.port, user, password), await redisLogsIn(acl.port, user, e.generated[0] as string)], [true, false]);
    } finally {
      await e.close();
    }
  });

  test('requirepass: a failing health check rolls back; the old password logs in again and the new one does not', async () => {
    const password = freshRedisPassword();
    const server = await passwordServer(password, true);
    const initial = server.url(undefined, password);
    const e = await engineFor(initial, {}, { healthCheck: { command: ['sh', '-c', 'exit 1'] } });
    try {
      const error = await failure(e.engine.rotate(e.secret, { graceMs: 60_000 }));
      assert.ok(isCofferError(error, 'COFFER_E_ROTATION_FAILED'));
      assert.equal(await e.stage('current'), initial);
      assert.deepEqual([await redisLogsIn(server.port, undefined, password), await redisLogsIn(server.port, undefined, e.generated[0] as string)], [true, false]);
    } finally {
      await e.close();
      await server.stop();
    }
  });

  test('an unreachable server: COFFER_E_UNAVAILABLE naming host and port, no value; through the engine the rotation stays open to finish its rollback, and the old password still logs in', async () => {
    const password = freshRedisPassword();
    const user = await createRedisUser(acl.port, ADMIN, password);
    const initial = acl.url(user, password);
    const port = await freePort();
    const admin = `redis://admin:admin-secret-pw@127.0.0.1:${port}`;
    const direct = await failure(createRedisRotator({ admin }, context).set(subject, { current: initial, pending: acl.url(user, 'Next-password-value-123!') }));
    assert.ok(isCofferError(direct, 'COFFER_E_UNAVAILABLE'), String(direct));
    assert.match(direct.message, new RegExp(`Redis at 127\\.0\\.0\\.1:${port} cannot be reached \\(ECONNREFUSED\\)`));
    assertNoValueIn(direct, [initial, 'Next-password-value-123!', 'admin-secret-pw', admin]);
    const e = await engineFor(initial, { admin });
    try {
      const error = await failure(e.engine.rotate(e.secret, { graceMs: 60_000 }));
      assert.ok(isCofferError(error, 'COFFER_E_ROTATION_FAILED'));
      assert.match(error.message, new RegExp(`\\(set failed: COFFER_E_UNAVAILABLE\\) and rolling back failed too \\(COFFER_E_UNAVAILABLE: Redis at 127\\.0\\.0\\.1:${port} cannot be reached`));
      assertNoValueIn(error, [initial, 'admin-secret-pw', e.generated[0] as string]);
      assert.equal(await e.stage('current'), initial);
      assert.equal(await redisLogsIn(acl.port, user, password), true);
    } finally {
      await e.close();
    }
  });

  test('a refused admin, a missing user and a missing permission each fail in their own way, naming users and commands, never values; nothing changed', async () => {
    const password = freshRedisPassword();
    const user = await createRedisUser(acl.port, ADMIN, password);
    const current = acl.url(user, password);
    const pending = acl.url(user, 'Next-password-value-123!');
    const weakPassword = freshRedisPassword();
    // May read users and where they are saved, but not change them.
    const weak = await createRedisUser(acl.port, ADMIN, weakPassword, ['+acl|whoami', '+acl|getuser', '+config|get', '+info']);
    const set = (options: RedisOptions, values = { current, pending }) => failure(createRedisRotator(options, context).set(subject, values));
    const secrets = [current, pending, weakPassword, 'wrong-admin-pw'];

    const refused = await set({ admin: acl.url(ADMIN.user, 'wrong-admin-pw') });
    assert.ok(isCofferError(refused, 'COFFER_E_ACCESS_DENIED'), String(refused));
    assert.equal(refused.details.refused, 'login');
    assert.match(refused.message, new RegExp(`Redis at 127\\.0\\.0\\.1:${acl.port} refused the rotation's admin login \\(user "admin", WRONGPASS\\)`));
    assertNoValueIn(refused, secrets);

    const missing = await set({ admin: adminUrl() }, { current: acl.url('no_such_user', password), pending: acl.url('no_such_user', 'Next-password-value-123!') });
    assert.ok(isCofferError(missing, 'COFFER_E_CONFIG_INVALID'), String(missing));
    assert.match(missing.message, /has no ACL user "no_such_user" for REDIS_URL/);
    assertNoValueIn(missing, secrets);
    assert.equal(await redisAs(acl.port, ADMIN.user, ADMIN.password, 'ACL', 'GETUSER', 'no_such_user'), null, 'the missing user was not created');

    const denied = await set({ admin: acl.url(weak, weakPassword) });
    assert.ok(isCofferError(denied, 'COFFER_E_ACCESS_DENIED'), String(denied));
    assert.equal(denied.details.refused, undefined, 'a missing permission is not a refused login');
    assert.match(denied.message, new RegExp(`Redis user "${weak}" may not run ACL SETUSER at 127\\.0\\.0\\.1:${acl.port}`));
    assertNoValueIn(denied, secrets);

    assert.deepEqual([await redisLogsIn(acl.port, user, password), await redisLogsIn(acl.port, user, 'Next-password-value-123!')], [true, false], 'nothing changed');
    const test = await failure(createRedisRotator({ admin: adminUrl() }, context).test(subject, { current, pending }));
    assert.ok(isCofferError(test, 'COFFER_E_ROTATION_TEST_FAILED'), String(test));
    assertNoValueIn(test, secrets);
  });

  test('a server with no password at all refuses a password login: the admin gets COFFER_E_ACCESS_DENIED and the test step COFFER_E_ROTATION_TEST_FAILED, as with a wrong password', async () => {
    const open = await startRedis();
    try {
      const values = { current: open.url(undefined, 'Old-password-value-123!'), pending: open.url(undefined, 'Next-password-value-123!') };
      const admin = await failure(createRedisRotator({ admin: open.url(undefined, 'Admin-password-value-123!') }, context).set(subject, values));
      assert.ok(isCofferError(admin, 'COFFER_E_ACCESS_DENIED'), String(admin));
      assert.equal(admin.details.refused, 'login');
      const tested = await failure(createRedisRotator({}, context).test(subject, values));
      assert.ok(isCofferError(tested, 'COFFER_E_ROTATION_TEST_FAILED'), String(tested));
      assertNoValueIn(tested, [values.current, values.pending, 'Admin-password-value-123!']);
    } finally {
      await open.stop();
    }
  });

  test('options that cannot work: mode acl without ACL is COFFER_E_UNSUPPORTED, requirepass with a user other than default is refused, a bare password needs options.admin', async () => {
    const password = freshRedisPassword();
    const server = await passwordServer(password, true);
    try {
      const values = { current: server.url(undefined, password), pending: server.url(undefined, 'Next-password-value-123!') };
      const unsupported = await failure(createRedisRotator({ mode: 'acl' }, context).set(subject, values));
      assert.ok(isCofferError(unsupported, 'COFFER_E_UNSUPPORTED'), String(unsupported));
      assert.match(unsupported.message, /does not know ACL \w+ \(Redis before 6 has no ACL\): use options\.mode "requirepass"/);
      assertNoValueIn(unsupported, [values.current, values.pending]);
      const named = await failure(createRedisRotator({ admin: server.url(undefined, password) }, context).set(subject, { current: server.url('app', password), pending: server.url('app', 'Next-password-value-123!') }));
      assert.ok(isCofferError(named, 'COFFER_E_CONFIG_INVALID'), String(named));
      assert.match(named.message, /names user "app"/);
      assert.equal(await redisLogsIn(server.port, undefined, password), true, 'nothing changed');
    } finally {
      await server.stop();
    }
    const schema = await failure(openRotator('redis', { mode: 'requirepass', user: 'app' }, { env: {} }, 'Config key secrets.REDIS_URL.rotation'));
    assert.ok(isCofferError(schema, 'COFFER_E_CONFIG_INVALID'));
    assert.match(schema.message, /options\.user: requirepass sets the password of the default user only/);
    const bare = await failure(createRedisRotator({}, context).set(subject, { current: 'a-bare-password-value', pending: 'another-bare-value' }));
    assert.ok(isCofferError(bare, 'COFFER_E_CONFIG_INVALID'));
    assert.match(bare.message, /needs options\.admin/);
    assertNoValueIn(bare, ['a-bare-password-value', 'another-bare-value']);
  });
});
