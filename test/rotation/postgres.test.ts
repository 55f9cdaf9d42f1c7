/**
 * The `postgres` rotator against a private PostgreSQL (scram-sha-256, statement log on): the
 * shared conformance suite for both strategies and both value forms, then what is specific:
 * the plaintext never reaches the server's log, alternating roles keep the old login through
 * the grace period and a rollback, a failing health check rolls back with the old password still
 * working, and clear value-free errors for an unreachable server, a refused admin, a missing
 * role, a missing privilege and options that cannot work.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isCofferError } from '../../src/core/errors.js';
import { openRotator } from '../../src/rotation/registry.js';
import createPostgresRotator, { type PostgresOptions } from '../../src/rotation/rotators/postgres.js';
import type { RotationSubject } from '../../src/rotation/types.js';
import { freePort, postgresMissing, startPostgres, type PostgresServer } from '../_servers.js';
import { assertNoValueIn, describeRotatorConformance } from '../conformance/rotator-suite.js';
import { storeEngine } from './_engine.js';
import { createRoles, freshPassword, logsIn, superSql } from './_pg.js';

const skip = postgresMissing();
let server: PostgresServer;
before(async () => {
  if (!skip) server = await startPostgres({ settings: { log_statement: 'all' } });
});
after(async () => server?.stop());

const context = { env: {}, timeoutMs: 5000 };
const subject: RotationSubject = { name: 'DATABASE_URL', environment: 'production', category: 'database', profile: 'production' };

/** A conformance target: fresh roles, a rotator with `options(roles)`, and the stored value form. */
function pgTarget(form: 'url' | 'password', options: (roles: string[]) => PostgresOptions) {
  return async () => {
    const password = freshPassword();
    const roles = await createRoles(server, password);
    const [first] = roles as [string];
    const opts = options(roles);
    const url = (value: string) => (value.startsWith('postgres://') ? value : server.url(first, value));
    const closed = await freePort();
    return {
      rotator: createPostgresRotator(opts, context),
      category: 'database' as const,
      initial: form === 'url' ? server.url(first, password) : password,
      accepts: (value: string) => logsIn(url(value)),
      broken: async () => [
        createPostgresRotator({ ...opts, admin: server.url('postgres', 'not-the-password') }, context),
        createPostgresRotator({ ...opts, admin: `postgres://postgres:x@127.0.0.1:${closed}/postgres` }, context),
      ],
    };
  };
}

describeRotatorConformance('postgres single (URL, the role changes its own password)', pgTarget('url', () => ({})), { skip });
describeRotatorConformance('postgres single (bare password, admin)', pgTarget('password', (roles) => ({ roles: roles.slice(0, 1), admin: server.url() })), { skip });
describeRotatorConformance('postgres alternating', pgTarget('url', (roles) => ({ strategy: 'alternating', roles, admin: server.url() })), { skip });

/** A store and an engine rotating DATABASE_URL with `rotation` config, the value stored first. */
function engineFor(initial: string, options: PostgresOptions, rotation: Record<string, unknown> = {}) {
  return storeEngine({ name: 'DATABASE_URL', category: 'database', rotation: { rotator: 'postgres', ...rotation }, initial, rotator: () => createPostgresRotator(options, context), generate: (n) => `Gen-${n}-${freshPassword()}` });
}

describe('postgres rotator', { skip }, () => {
  test('the plaintext password never reaches the server: its statement log shows only the SCRAM verifier', async () => {
    const password = freshPassword();
    const roles = await createRoles(server, password);
    const rotator = createPostgresRotator({ strategy: 'alternating', roles, admin: server.url() }, context);
    const values = { current: server.url(roles[0], password), pending: '' };
    values.pending = await rotator.create({ subject, current: values.current, generate: () => 'Fresh-plaintext-never-logged-42!' });
    await rotator.set(subject, values);
    await rotator.test(subject, values);
    const log = server.log();
    assert.ok(!log.includes('Fresh-plaintext-never-logged-42!'), 'no plaintext in the server log');
    assert.match(log, new RegExp(`ALTER ROLE "${roles[1]}" PASSWORD 'SCRAM-SHA-256\\$4096:`));
    assert.equal(await logsIn(values.pending), true);
  });

  test('alternating through the engine: both roles log in during the grace period; rollback then brings the old role back and disables the new one', async () => {
    const password = freshPassword();
    const roles = await createRoles(server, password);
    const initial = server.url(roles[0], password);
    const e = await engineFor(initial, { strategy: 'alternating', roles, admin: server.url() });
    try {
      const outcome = await e.engine.rotate(e.secret, { graceMs: 3_600_000 });
      assert.equal(outcome.status, 'rotated');
      assert.deepEqual(outcome.notes, [], 'an overlapping rotation has nothing to warn about');
      const fresh = (await e.stage('current')) as string;
      assert.equal(new URL(fresh).username, roles[1], 'the new value names the other role');
      assert.deepEqual([await logsIn(initial), await logsIn(fresh)], [true, true]);
      await e.engine.rollback(e.secret);
      assert.equal(await e.stage('current'), initial);
      assert.deepEqual([await logsIn(initial), await logsIn(fresh)], [true, false]);
    } finally {
      await e.close();
    }
  });

  test('single through the engine: the old password stops at once, so the rotation ends with no grace and says so', async () => {
    const password = freshPassword();
    const [role] = await createRoles(server, password, 1);
    const initial = server.url(role, password);
    const e = await engineFor(initial, {});
    try {
      const outcome = await e.engine.rotate(e.secret, { graceMs: 3_600_000 });
      assert.equal(outcome.status, 'rotated');
      assert.equal(outcome.graceUntil, undefined);
      assert.match(outcome.notes.join(' '), /one credential at a time \(postgres\).*no grace period/);
      assert.deepEqual([await logsIn(initial), await logsIn((await e.stage('current')) as string)], [false, true]);
      assert.equal(await e.stage('previous'), undefined);
    } finally {
      await e.close();
    }
  });

  for (const strategy of ['single', 'alternating'] as const) {
    test(`${strategy}: a failing health check rolls back; the old password still logs in and the new one does not`, async () => {
      const password = freshPassword();
      const roles = await createRoles(server, password);
      const initial = server.url(roles[0], password);
      const options: PostgresOptions = strategy === 'single' ? {} : { strategy, roles, admin: server.url() };
      const e = await engineFor(initial, options, { healthCheck: { command: ['sh', '-c', 'exit 1'] } });
      try {
        const error = await e.engine.rotate(e.secret, { graceMs: 60_000 }).then(() => assert.fail('must fail'), (x: unknown) => x);
        assert.ok(isCofferError(error, 'COFFER_E_ROTATION_FAILED'));
        assert.match(error.message, /health check.*exited 1.*rolled back/);
        assert.equal(await e.stage('current'), initial);
        assert.equal(await e.stage('pending'), undefined);
        assert.equal(await logsIn(initial), true);
        for (const role of roles.slice(1)) assert.equal(await logsIn(server.url(role, 'anything')), false, 'the other role has no password');
      } finally {
        await e.close();
      }
    });
  }

  test('an unreachable server fails the rotation with COFFER_E_UNAVAILABLE naming host and port, no value in the message; the old login keeps working', async () => {
    const password = freshPassword();
    const roles = await createRoles(server, password);
    const initial = server.url(roles[0], password);
    const port = await freePort();
    const e = await engineFor(initial, { strategy: 'alternating', roles, admin: `postgres://postgres:admin-secret-pw@127.0.0.1:${port}/postgres` });
    try {
      const error = await e.engine.rotate(e.secret, { graceMs: 60_000 }).then(() => assert.fail('must fail'), (x: unknown) => x);
      assert.ok(isCofferError(error, 'COFFER_E_ROTATION_FAILED'));
      // Whether set reached the server is unknown, so the rollback must reach it too: it stays pending in the journal.
      assert.match(error.message, new RegExp(`\\(set failed: COFFER_E_UNAVAILABLE\\) and rolling back failed too \\(COFFER_E_UNAVAILABLE: PostgreSQL at 127\\.0\\.0\\.1:${port} cannot be reached \\(ECONNREFUSED\\)`));
      assertNoValueIn(error, [initial, 'admin-secret-pw']);
      assert.equal(await e.stage('current'), initial);
      assert.equal(await logsIn(initial), true);
    } finally {
      await e.close();
    }
  });

  test('a refused admin, a missing role and a missing privilege each get their own code, naming roles, never values', async () => {
    const password = freshPassword();
    const roles = await createRoles(server, password);
    const current = server.url(roles[0], password);
    const weakPassword = freshPassword();
    const [weak] = await createRoles(server, weakPassword, 1);
    const pending = server.url(roles[1], 'Next-password-value-123!');
    const cases = [
      { options: { strategy: 'alternating', roles, admin: server.url('postgres', 'wrong-admin-pw') }, code: 'COFFER_E_ACCESS_DENIED', says: /refused the rotation's admin login: role "postgres"/ },
      { options: { strategy: 'alternating', roles, admin: server.url(weak, weakPassword) }, code: 'COFFER_E_ACCESS_DENIED', says: new RegExp(`Role "${weak}" may not change the password of role "${roles[1]}".*CREATEROLE`) },
    ] as const;
    for (const c of cases) {
      const error = await createPostgresRotator(c.options as PostgresOptions, context).set(subject, { current, pending }).then(() => assert.fail('must fail'), (x: unknown) => x);
      assert.ok(isCofferError(error, c.code), String(error));
      assert.match(error.message, c.says);
      assertNoValueIn(error, [current, pending, 'wrong-admin-pw', weakPassword]);
    }
    const missing = await createPostgresRotator({ roles: ['no_such_role'], admin: server.url() }, context).set(subject, { current: password, pending: 'Another-value-456!' }).then(() => assert.fail('must fail'), (x: unknown) => x);
    assert.ok(isCofferError(missing, 'COFFER_E_CONFIG_INVALID'));
    assert.match(missing.message, /has no role "no_such_role"/);
    assertNoValueIn(missing, [password, 'Another-value-456!']);
    const notListed = await createPostgresRotator({ strategy: 'alternating', roles: ['x_a', 'x_b'], admin: server.url() }, context).create({ subject, current, generate: () => 'unused-value' }).then(() => assert.fail('must fail'), (x: unknown) => x);
    assert.ok(isCofferError(notListed, 'COFFER_E_CONFIG_INVALID'));
    assert.match(notListed.message, /logs in as role ".*", which options\.roles \("x_a", "x_b"\) does not name/);
    await superSql(server, `ALTER ROLE ${roles[0]} PASSWORD NULL`);
    const test = await createPostgresRotator({}, context).test(subject, { current, pending: current }).then(() => assert.fail('must fail'), (x: unknown) => x);
    assert.ok(isCofferError(test, 'COFFER_E_ROTATION_TEST_FAILED'));
    assertNoValueIn(test, [current]);
  });

  test('options that cannot work are refused when the rotator opens, naming the option', async () => {
    const refuse = async (options: Record<string, unknown>, says: RegExp) => {
      const error = await openRotator('postgres', options, { env: {} }, 'Config key secrets.DATABASE_URL.rotation').then(() => assert.fail('must fail'), (x: unknown) => x);
      assert.ok(isCofferError(error, 'COFFER_E_CONFIG_INVALID'));
      assert.match(error.message, says);
    };
    await refuse({ strategy: 'alternating', roles: ['a'], admin: 'postgres://h/db' }, /options\.roles: the alternating strategy needs two different roles/);
    await refuse({ strategy: 'alternating', roles: ['a', 'b'] }, /options\.admin: the alternating strategy needs an admin connection URL/);
    await refuse({ roles: ['a', 'b'] }, /options\.roles: the single strategy rotates one role/);
    await refuse({ admin: 'not a url' }, /options\.admin of the postgres rotator is not a valid URL/);
    await refuse({ role: 'a' }, /unknown option "role"/);
    const bare = await createPostgresRotator({ strategy: 'alternating', roles: ['a', 'b'], admin: 'postgres://h/db' }, context).create({ subject, current: 'a-bare-password-value', generate: () => 'x' }).then(() => assert.fail('must fail'), (x: unknown) => x);
    assert.ok(isCofferError(bare, 'COFFER_E_CONFIG_INVALID'));
    assert.match(bare.message, /must hold a postgres:\/\/ URL/);
    assertNoValueIn(bare, ['a-bare-password-value']);
  });
});
