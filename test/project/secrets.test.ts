/**
 * The commands on individual secrets at library level, over real SQLite store files and dotenv
 * files in temp directories: versions and stages, check-and-set, no reuse of recent passwords,
 * policy checks on set, soft delete and restore, destroy, name checks, and dotenv's limits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCofferError, type ErrorCode } from '../../src/core/errors.js';
import { generateSecret } from '../../src/core/generator.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { getSecret, listSecrets, secretHistory } from '../../src/project/secrets.js';
import { setSecret } from '../../src/project/secret-set.js';
import { deleteSecret, destroySecret, restoreSecret } from '../../src/project/secret-lifecycle.js';

const KEY = 'c0ffee00'.repeat(8);
const DAY_MS = 86_400_000;

interface Project {
  readonly dir: string;
  readonly config: Config;
  readonly access: { env: Record<string, string>; actor: string };
  cleanup(): void;
}

function project(): Project {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-secrets-'));
  writeFileSync(join(dir, 'coffer.config.json'), JSON.stringify({
    version: 1,
    defaultEnvironment: 'development',
    environments: {
      development: { profile: 'development', provider: 'store' },
      production: { profile: 'production', provider: 'store' },
      local: { profile: 'development', provider: 'dotenv', options: { path: '.env.local' } },
    },
    secrets: {
      DB_PASSWORD: { category: 'database' },
      JWT_SECRET: { category: 'jwt' },
      APP_NAME: { category: 'generic', level: 'Public', required: false, default: 'demo' },
    },
  }));
  return {
    dir,
    config: loadConfig({ cwd: dir }),
    access: { env: { COFFER_MASTER_KEY: KEY, HOME: dir }, actor: 'tester' },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A value the secret's own generator makes, so it passes the policy. */
function strong(p: Project, name: string): string {
  const secret = p.config.secrets.find((s) => s.name === name);
  assert.ok(secret);
  return generateSecret({ length: secret.generator.length, encoding: secret.generator.encoding, requiredClasses: secret.generator.requiredClasses });
}

const code = (expected: ErrorCode) => (error: unknown) => isCofferError(error, expected);

test('set twice, then get the current, a version or a stage, with stages, actor and rotation date; history lists both', async () => {
  const p = project();
  try {
    const base = { config: p.config, environment: 'development', name: 'JWT_SECRET', access: p.access };
    const [first, second] = [strong(p, 'JWT_SECRET'), strong(p, 'JWT_SECRET')];
    const now = new Date('2030-01-01T00:00:00.000Z');
    const one = await setSecret({ ...base, value: first as string, now });
    assert.equal(one.version, 1);
    assert.equal(one.declared, true);
    assert.equal(one.rotateBy, new Date(now.getTime() + 90 * DAY_MS).toISOString());
    assert.ok(!JSON.stringify(one).includes(first as string), 'the result carries no value');
    const two = await setSecret({ ...base, value: second as string });
    assert.equal(two.version, 2);
    assert.equal(statSync(join(p.dir, '.coffer', 'store.db')).mode & 0o777, 0o600);

    const current = await getSecret(base);
    assert.equal(current.value, second);
    assert.deepEqual(current.stages, ['current']);
    assert.equal(current.actor, 'tester');
    assert.equal(current.version, 2);
    const byVersion = await getSecret({ ...base, version: 1 });
    assert.equal(byVersion.value, first);
    assert.equal(byVersion.createdAt, now.toISOString());
    assert.equal(byVersion.rotateBy, one.rotateBy);
    assert.equal((await getSecret({ ...base, stage: 'previous' })).value, first);
    await assert.rejects(getSecret({ ...base, stage: 'pending' }), code('COFFER_E_NOT_FOUND'));
    await assert.rejects(getSecret({ ...base, version: 3 }), code('COFFER_E_NOT_FOUND'));
    await assert.rejects(getSecret({ ...base, version: 0 }), code('COFFER_E_USAGE'));
    await assert.rejects(getSecret({ ...base, version: 1, stage: 'current' }), code('COFFER_E_USAGE'));

    const history = await secretHistory(base);
    assert.deepEqual(history.versions.map((v) => [v.version, v.stages]), [[2, ['current']], [1, ['previous']]]);
    assert.ok(history.versions.every((v) => v.actor === 'tester'));
    assert.ok(!JSON.stringify(history).includes(first as string) && !JSON.stringify(history).includes(second as string));

    const list = await listSecrets({ config: p.config, environment: 'development', access: p.access });
    assert.deepEqual(list.secrets.map((s) => [s.name, s.metadata.version]), [['JWT_SECRET', '2']]);
    assert.ok(!JSON.stringify(list).includes(second as string));
    // Environments of one store are apart.
    assert.deepEqual((await listSecrets({ config: p.config, environment: 'production', access: p.access })).secrets, []);
  } finally {
    p.cleanup();
  }
});

test('check-and-set: a stale --expect-version is a conflict and writes nothing; 0 means "must not exist"; dotenv refuses the option', async () => {
  const p = project();
  try {
    const base = { config: p.config, environment: 'development', name: 'JWT_SECRET', access: p.access };
    const created = await setSecret({ ...base, value: strong(p, 'JWT_SECRET'), expectVersion: 0 });
    assert.equal(created.version, 1);
    await assert.rejects(setSecret({ ...base, value: strong(p, 'JWT_SECRET'), expectVersion: 0 }), code('COFFER_E_CONFLICT'));
    const kept = await getSecret(base);
    assert.equal(kept.version, 1);
    const next = await setSecret({ ...base, value: strong(p, 'JWT_SECRET'), expectVersion: 1 });
    assert.equal(next.version, 2);
    await assert.rejects(setSecret({ ...base, value: strong(p, 'JWT_SECRET'), expectVersion: 1 }), code('COFFER_E_CONFLICT'));
    assert.equal((await getSecret(base)).version, 2);
    await assert.rejects(setSecret({ ...base, value: strong(p, 'JWT_SECRET'), expectVersion: -1 }), code('COFFER_E_USAGE'));
    await assert.rejects(setSecret({ ...base, environment: 'local', value: strong(p, 'JWT_SECRET'), expectVersion: 0 }), code('COFFER_E_UNSUPPORTED'));
    assert.ok(!existsSync(join(p.dir, '.env.local')), 'nothing written for a refused option');
  } finally {
    p.cleanup();
  }
});

test('a database password may not repeat one of its last 4 values; a JWT secret may', async () => {
  const p = project();
  try {
    const db = { config: p.config, environment: 'development', name: 'DB_PASSWORD', access: p.access };
    const values = Array.from({ length: 5 }, () => strong(p, 'DB_PASSWORD'));
    for (const value of values) await setSecret({ ...db, value });
    await assert.rejects(setSecret({ ...db, value: values[1] as string }), (e) => isCofferError(e, 'COFFER_E_REUSED_VALUE') && !e.message.includes(values[1] as string));
    assert.equal((await getSecret(db)).version, 5);
    // The first value is 5 versions back, beyond the 4 that PCI-DSS 8.3.7 covers.
    assert.equal((await setSecret({ ...db, value: values[0] as string })).version, 6);
    const jwt = { ...db, name: 'JWT_SECRET' };
    const same = strong(p, 'JWT_SECRET');
    await setSecret({ ...jwt, value: same });
    assert.equal((await setSecret({ ...jwt, value: same })).version, 2);
  } finally {
    p.cleanup();
  }
});

test('a declared secret is checked against its environment\'s profile: refused with the failed checks unless forced; undeclared names and Public variables are not checked', async () => {
  const p = project();
  try {
    const prod = { config: p.config, environment: 'production', name: 'DB_PASSWORD', access: p.access };
    const weak = 'password1';
    await assert.rejects(setSecret({ ...prod, value: weak }), (e) => {
      assert.ok(isCofferError(e, 'COFFER_E_WEAK_SECRET'));
      assert.match(e.message, /fails the production policy .*length/);
      assert.match(e.message, /--force/);
      assert.ok(!e.message.includes(weak));
      assert.ok((e.details.failed as { check: string }[]).some((c) => c.check === 'length'));
      return true;
    });
    assert.ok(!existsSync(join(p.dir, '.coffer', 'store.db')), 'a refused value creates nothing');
    // 20 mixed characters pass development's 16 but not production's 32.
    const medium = strong(p, 'DB_PASSWORD').slice(0, 20);
    assert.equal((await setSecret({ ...prod, environment: 'development', value: medium })).checks.filter((c) => c.status === 'fail').length, 0);
    await assert.rejects(setSecret({ ...prod, value: medium }), code('COFFER_E_WEAK_SECRET'));
    const forced = await setSecret({ ...prod, value: weak, force: true });
    assert.equal(forced.version, 1);
    assert.ok(forced.checks.some((c) => c.status === 'fail' && c.check === 'length'));
    assert.ok(!JSON.stringify(forced).includes(weak));
    assert.equal((await getSecret(prod)).value, weak);

    const undeclared = await setSecret({ ...prod, name: 'SOME_TOKEN', value: 'x' });
    assert.equal(undeclared.declared, false);
    assert.equal(undeclared.rotateBy, undefined);
    assert.deepEqual(undeclared.checks, []);
    assert.equal((await setSecret({ ...prod, name: 'APP_NAME', value: 'x' })).checks.length, 0);
    await assert.rejects(setSecret({ ...prod, name: 'SOME_TOKEN', value: '' }), code('COFFER_E_USAGE'));
  } finally {
    p.cleanup();
  }
});

test('delete is soft on the store: gone from get and list, restorable until the recovery date; destroy removes every version', async () => {
  const p = project();
  try {
    const base = { config: p.config, environment: 'development', name: 'JWT_SECRET', access: p.access };
    const value = strong(p, 'JWT_SECRET');
    await setSecret({ ...base, value });
    await setSecret({ ...base, value: strong(p, 'JWT_SECRET') });
    const before = Date.now();
    const deleted = await deleteSecret({ ...base, recoveryDays: 3 });
    const until = Date.parse(deleted.restorableUntil ?? '');
    assert.ok(until >= before + 3 * DAY_MS && until <= Date.now() + 3 * DAY_MS);
    await assert.rejects(getSecret(base), code('COFFER_E_NOT_FOUND'));
    assert.deepEqual((await listSecrets(base)).secrets, []);
    await assert.rejects(deleteSecret(base), code('COFFER_E_NOT_FOUND'));
    await assert.rejects(setSecret({ ...base, value: strong(p, 'JWT_SECRET') }), code('COFFER_E_USAGE'));
    await assert.rejects(deleteSecret({ ...base, recoveryDays: 0 }), code('COFFER_E_USAGE'));

    const restored = await restoreSecret(base);
    assert.equal(restored.version, 2);
    assert.equal((await getSecret({ ...base, version: 1 })).value, value);
    await assert.rejects(restoreSecret(base), code('COFFER_E_NOT_FOUND'));

    assert.deepEqual(await destroySecret(base), { name: 'JWT_SECRET', environment: 'development', versions: 2 });
    await assert.rejects(secretHistory(base), code('COFFER_E_NOT_FOUND'));
    await assert.rejects(destroySecret(base), code('COFFER_E_NOT_FOUND'));
    await assert.rejects(restoreSecret(base), code('COFFER_E_NOT_FOUND'));
    // A soft-deleted secret can be destroyed too.
    await setSecret({ ...base, value });
    await deleteSecret(base);
    assert.equal((await destroySecret(base)).versions, 1);
    assert.equal((await setSecret({ ...base, value })).version, 1, 'a destroyed name starts over');
  } finally {
    p.cleanup();
  }
});

test('a store that does not exist yet: reads say not found and create nothing', async () => {
  const p = project();
  try {
    const base = { config: p.config, environment: 'development', name: 'JWT_SECRET', access: p.access };
    await assert.rejects(getSecret(base), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND') && /coffer set JWT_SECRET/.test(e.message));
    await assert.rejects(secretHistory(base), code('COFFER_E_NOT_FOUND'));
    await assert.rejects(deleteSecret(base), code('COFFER_E_NOT_FOUND'));
    assert.deepEqual((await listSecrets(base)).secrets, []);
    assert.ok(!existsSync(join(p.dir, '.coffer')));
  } finally {
    p.cleanup();
  }
});

test('a dotenv environment: set, get, list and delete work (0600, rotation date kept); versions, stages, history, restore and destroy are unsupported', async () => {
  const p = project();
  try {
    const base = { config: p.config, environment: 'local', name: 'JWT_SECRET', access: p.access };
    const value = strong(p, 'JWT_SECRET');
    const set = await setSecret({ ...base, value });
    assert.equal(set.version, undefined);
    assert.equal(set.location, join(p.dir, '.env.local'));
    assert.equal(statSync(join(p.dir, '.env.local')).mode & 0o777, 0o600);
    const got = await getSecret(base);
    assert.equal(got.value, value);
    assert.equal(got.rotateBy, set.rotateBy);
    assert.deepEqual((await listSecrets(base)).secrets.map((s) => [s.name, s.metadata.rotateBy]), [['JWT_SECRET', set.rotateBy]]);
    await assert.rejects(getSecret({ ...base, version: 1 }), code('COFFER_E_UNSUPPORTED'));
    await assert.rejects(getSecret({ ...base, stage: 'previous' }), code('COFFER_E_UNSUPPORTED'));
    await assert.rejects(secretHistory(base), code('COFFER_E_UNSUPPORTED'));
    await assert.rejects(restoreSecret(base), code('COFFER_E_UNSUPPORTED'));
    await assert.rejects(destroySecret(base), code('COFFER_E_UNSUPPORTED'));
    await assert.rejects(deleteSecret({ ...base, recoveryDays: 3 }), code('COFFER_E_UNSUPPORTED'));
    assert.deepEqual(await deleteSecret(base), { name: 'JWT_SECRET', environment: 'local', location: join(p.dir, '.env.local') });
    assert.ok(!readFileSync(join(p.dir, '.env.local'), 'utf8').includes(value));
    await assert.rejects(getSecret(base), code('COFFER_E_NOT_FOUND'));
    await assert.rejects(deleteSecret(base), code('COFFER_E_NOT_FOUND'));
  } finally {
    p.cleanup();
  }
});

test('a bad name is a usage error before anything is opened, and is echoed without control characters', async () => {
  const p = project();
  try {
    for (const name of ['../x', 'A\u0001', '1ABC', '', 'A B', `A\u001b[2J`]) {
      const base = { config: p.config, environment: 'development', name, access: p.access };
      const refused = (e: unknown) => isCofferError(e, 'COFFER_E_USAGE') && /not a valid secret name/.test(e.message) && !/[\u0000-\u001f\u007f-\u009f]/.test(e.message); // eslint-disable-line no-control-regex
      await assert.rejects(setSecret({ ...base, value: 'value' }), refused);
      await assert.rejects(getSecret(base), refused);
      await assert.rejects(secretHistory(base), refused);
      await assert.rejects(deleteSecret(base), refused);
      await assert.rejects(restoreSecret(base), refused);
      await assert.rejects(destroySecret(base), refused);
    }
    assert.ok(!existsSync(join(p.dir, '.coffer')));
  } finally {
    p.cleanup();
  }
});
