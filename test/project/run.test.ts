/**
 * The library half of `coffer run`, on real providers and real directories: which secrets are
 * collected (defaults, --only, references), what is refused before anything starts (missing
 * required secrets, hijacking names), the child's environment, change detection by keyed
 * fingerprints and store versions, and the mount directory (modes, exact bytes, stale and live
 * directories, removal).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCofferError } from '../../src/core/errors.js';
import { resolveConfig, type Config } from '../../src/config/resolve.js';
import createStoreProvider from '../../src/providers/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { changedSecrets, childEnvironment, collectRunEnvironment, isUnsafeEnvName, mountSecrets, MOUNT_MARKER, pollRunEnvironment, type RunRequest } from '../../src/project/run.js';

const KEY = 'c0ffee00'.repeat(8);
const JWT = 'jwt-value-0123456789-abcdefghij';
const DB = 'db-pass-0123456789-klmnopqrst';

function project(provider: 'store' | 'dotenv', secrets: Record<string, Record<string, unknown>> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-run-'));
  const config: Config = resolveConfig({
    version: 1,
    environments: { development: provider === 'store' ? { provider: 'store' } : {} },
    secrets: {
      JWT_SECRET: {}, DB_PASSWORD: {},
      LOG_LEVEL: { level: 'Public', default: 'info' },
      API_BASE: { level: 'Internal', default: 'https://api.internal' },
      OPTIONAL_TOKEN: { required: false, external: true },
      ...secrets,
    },
  } as never, join(dir, 'coffer.config.json'));
  const access = { env: { COFFER_MASTER_KEY: KEY, HOME: dir, COFFER_ACTOR: 'tester' } };
  const request = (extra: Partial<RunRequest> = {}): RunRequest => ({ config, environment: 'development', access, env: {}, ...extra });
  const put = async (values: Record<string, string>) => {
    const p = createStoreProvider({ environment: 'development' }, { cwd: dir, env: access.env });
    try {
      await p.setMany(Object.entries(values).map(([name, value]) => ({ name, value })));
    } finally {
      await p.close();
    }
  };
  return { dir, config, access, request, put, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('collectRunEnvironment', () => {
  test('declared secrets from the provider, defaults for optional ones, nothing for an optional one without a value', async () => {
    const p = project('store');
    try {
      await p.put({ JWT_SECRET: JWT, DB_PASSWORD: DB, UNDECLARED: 'not-declared-value' });
      const run = await collectRunEnvironment(p.request());
      assert.deepEqual(run.secrets.map((s) => [s.name, s.source, s.sensitive]), [
        ['API_BASE', 'default', true], ['DB_PASSWORD', 'provider', true], ['JWT_SECRET', 'provider', true], ['LOG_LEVEL', 'default', false],
      ]);
      assert.deepEqual(Object.fromEntries(run.secrets.map((s) => [s.name, s.value])), { API_BASE: 'https://api.internal', DB_PASSWORD: DB, JWT_SECRET: JWT, LOG_LEVEL: 'info' });
      assert.match(run.location, /store\.db \(environment development\)$/);
      const only = await collectRunEnvironment(p.request({ only: ['JWT_SECRET'] }));
      assert.deepEqual(only.secrets.map((s) => s.name), ['JWT_SECRET']);
    } finally {
      p.cleanup();
    }
  });

  test('every missing required secret is named in one error, without values, and --only limits what is required', async () => {
    const p = project('store');
    try {
      await p.put({ DB_PASSWORD: DB });
      await assert.rejects(collectRunEnvironment(p.request()), (e) => isCofferError(e, 'COFFER_E_MISSING_SECRETS') && e.message.includes('JWT_SECRET') && !e.message.includes(DB) && JSON.stringify(e.details) === '{"missing":["JWT_SECRET"]}');
      const empty = project('store');
      try {
        await assert.rejects(collectRunEnvironment(empty.request()), (e) => isCofferError(e, 'COFFER_E_MISSING_SECRETS') && /DB_PASSWORD, JWT_SECRET/.test(e.message));
      } finally {
        empty.cleanup();
      }
      assert.equal((await collectRunEnvironment(p.request({ only: ['DB_PASSWORD'] }))).secrets.length, 1);
      await assert.rejects(collectRunEnvironment(p.request({ only: ['NOPE'] })), (e) => isCofferError(e, 'COFFER_E_USAGE') && e.message.includes('"NOPE"'));
    } finally {
      p.cleanup();
    }
  });

  test('a hijacking name is refused before the provider is opened, unless allowed; with --mount the NAME_FILE variable is what counts', async () => {
    const p = project('store', { NODE_OPTIONS: { category: 'api_key' }, PATH: { category: 'api_key' } });
    try {
      await assert.rejects(collectRunEnvironment(p.request()), (e) => isCofferError(e, 'COFFER_E_UNSAFE_NAME') && e.message.includes('NODE_OPTIONS, PATH') && e.message.includes('--allow-env'));
      assert.ok(!existsSync(join(p.dir, '.coffer')), 'no store was opened or created');
      await assert.rejects(collectRunEnvironment(p.request({ allowEnv: ['node_options'] })), (e) => isCofferError(e, 'COFFER_E_UNSAFE_NAME') && e.message.includes('PATH') && !e.message.includes('NODE_OPTIONS'));
      await p.put({ JWT_SECRET: JWT, DB_PASSWORD: DB, NODE_OPTIONS: '--require ./evil.js', PATH: '/tmp/evil' });
      const allowed = await collectRunEnvironment(p.request({ allowEnv: ['NODE_OPTIONS', 'PATH'] }));
      assert.ok(allowed.secrets.some((s) => s.name === 'NODE_OPTIONS'));
      // As files the child gets NODE_OPTIONS_FILE and PATH_FILE, which change nothing.
      assert.equal((await collectRunEnvironment(p.request({ mount: true }))).secrets.length, 6);
    } finally {
      p.cleanup();
    }
  });

  test('the denylist: loaders, shells and interpreters, by prefix and without regard to case', () => {
    for (const name of ['LD_PRELOAD', 'ld_library_path', 'LD_AUDIT', 'DYLD_INSERT_LIBRARIES', 'NODE_OPTIONS', 'NODE_PATH', 'PYTHONPATH', 'PYTHONSTARTUP', 'PERL5OPT', 'RUBYOPT', 'BASH_ENV', 'ENV', 'PATH', 'IFS', 'PS4', 'SHELLOPTS', 'GCONV_PATH', 'BASH_FUNC_x', 'JAVA_TOOL_OPTIONS']) {
      assert.ok(isUnsafeEnvName(name), name);
    }
    for (const name of ['DATABASE_PATH', 'NODE_ENV', 'ENVIRONMENT', 'JWT_SECRET', 'MY_LD_PRELOAD', 'PATH_FILE']) assert.ok(!isUnsafeEnvName(name), name);
  });

  test('references resolve, including to a secret left out by --only, and a missing target is named', async () => {
    const p = project('store', { DATABASE_URL: { category: 'api_key', external: true } });
    try {
      await p.put({ JWT_SECRET: JWT, DB_PASSWORD: DB, DATABASE_URL: 'postgres://app:${secret:DB_PASSWORD}@${env:DB_HOST}/app $${literal}' });
      const run = await collectRunEnvironment(p.request({ only: ['DATABASE_URL'], env: { DB_HOST: 'db.local' } }));
      assert.equal(run.secrets[0]?.value, `postgres://app:${DB}@db.local/app \${literal}`);
      await p.put({ DATABASE_URL: 'postgres://${secret:NOT_THERE}@h' });
      await assert.rejects(collectRunEnvironment(p.request()), (e) => isCofferError(e, 'COFFER_E_REFERENCE_MISSING') && e.message.includes('NOT_THERE'));
    } finally {
      p.cleanup();
    }
  });
});

describe('childEnvironment', () => {
  test('secrets over the inherited environment, COFFER_MASTER_KEY removed; with a mount NAME_FILE replaces NAME', async () => {
    const p = project('store');
    try {
      await p.put({ JWT_SECRET: JWT, DB_PASSWORD: DB });
      const run = await collectRunEnvironment(p.request({ only: ['JWT_SECRET', 'DB_PASSWORD'] }));
      const base = { HOME: '/h', JWT_SECRET: 'old', COFFER_MASTER_KEY: KEY, GONE: undefined };
      assert.deepEqual(childEnvironment(base, run), { HOME: '/h', JWT_SECRET: JWT, DB_PASSWORD: DB });
      assert.deepEqual(childEnvironment(base, run, '/run/s'), { HOME: '/h', JWT_SECRET_FILE: '/run/s/JWT_SECRET', DB_PASSWORD_FILE: '/run/s/DB_PASSWORD' });
    } finally {
      p.cleanup();
    }
  });
});

describe('watching for changes', () => {
  test('store: no change and a rewrite of the same value are not changes, a new value is, and an idle poll reads no value', async () => {
    const p = project('store');
    try {
      await p.put({ JWT_SECRET: JWT, DB_PASSWORD: DB });
      const first = await collectRunEnvironment(p.request({ watch: true }));
      const reads = async () => {
        const store = await openSqliteStore({ path: join(p.dir, '.coffer', 'store.db'), env: p.access.env });
        try {
          return store.auditEntries().filter((e) => e.action === 'read').length;
        } finally {
          store.close();
        }
      };
      assert.equal((await collectRunEnvironment(p.request())).versions, undefined, 'a run that is not watched does not list versions');
      const before = await reads();
      assert.ok(before >= 2, 'collecting read (and audited) the values');
      assert.equal(await pollRunEnvironment(p.request({ watch: true }), first), undefined);
      assert.equal(await reads(), before, 'an idle poll decrypts nothing');
      await p.put({ JWT_SECRET: JWT });
      assert.equal(await pollRunEnvironment(p.request({ watch: true }), first), undefined, 'same value, new version');
      await p.put({ DB_PASSWORD: `${DB}-2` });
      const next = await pollRunEnvironment(p.request({ watch: true }), first);
      assert.ok(next);
      assert.deepEqual(changedSecrets(first, next), ['DB_PASSWORD']);
      assert.equal(next.secrets.find((s) => s.name === 'DB_PASSWORD')?.value, `${DB}-2`);
      assert.ok(![...next.fingerprints.values()].some((f) => f.toString('latin1').includes(DB)));
    } finally {
      p.cleanup();
    }
  });

  test('dotenv (no versions): values are compared by fingerprint', async () => {
    const p = project('dotenv');
    try {
      const file = join(p.dir, '.env.development');
      writeFileSync(file, `JWT_SECRET='${JWT}'\nDB_PASSWORD='${DB}'\n`, { mode: 0o600 });
      const first = await collectRunEnvironment(p.request());
      writeFileSync(file, `# touched\nDB_PASSWORD='${DB}'\nJWT_SECRET='${JWT}'\n`, { mode: 0o600 });
      assert.equal(await pollRunEnvironment(p.request(), first), undefined);
      writeFileSync(file, `JWT_SECRET='${JWT}'\nDB_PASSWORD='${DB}'\nOPTIONAL_TOKEN='now-set-123'\n`, { mode: 0o600 });
      const next = await pollRunEnvironment(p.request(), first);
      assert.deepEqual(next && changedSecrets(first, next), ['OPTIONAL_TOKEN']);
    } finally {
      p.cleanup();
    }
  });
});

describe('mountSecrets', () => {
  const secrets = [{ name: 'DB_PASSWORD', value: 'p@ss wörd\n🔑' }, { name: 'JWT_SECRET', value: JWT }];

  test('a new 0700 directory of 0600 files holding exactly the values, updated and removed', () => {
    const root = mkdtempSync(join(tmpdir(), 'coffer-mount-'));
    try {
      const dir = join(root, 'parent', 'secrets');
      const mount = mountSecrets(dir, secrets);
      assert.equal(mount.dir, dir);
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.deepEqual(readdirSync(dir).sort(), [MOUNT_MARKER, 'DB_PASSWORD', 'JWT_SECRET']);
      for (const s of secrets) {
        assert.equal(statSync(join(dir, s.name)).mode & 0o777, 0o600);
        assert.ok(readFileSync(join(dir, s.name)).equals(Buffer.from(s.value, 'utf8')));
      }
      assert.equal(readFileSync(join(dir, MOUNT_MARKER), 'utf8'), `coffer-run pid=${process.pid}\n`);
      mount.update([{ name: 'JWT_SECRET', value: 'rotated-value-123' }]);
      assert.deepEqual(readdirSync(dir).sort(), [MOUNT_MARKER, 'JWT_SECRET']);
      assert.equal(readFileSync(join(dir, 'JWT_SECRET'), 'utf8'), 'rotated-value-123');
      mount.remove();
      mount.remove();
      assert.ok(!existsSync(dir));
      assert.ok(existsSync(join(root, 'parent')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('an existing directory, file or link not made by coffer run is refused and left untouched', () => {
    const root = mkdtempSync(join(tmpdir(), 'coffer-mount-'));
    try {
      const empty = join(root, 'empty');
      mkdirSync(empty);
      const full = join(root, 'full');
      mkdirSync(full);
      writeFileSync(join(full, 'precious'), 'x');
      const link = join(root, 'link');
      symlinkSync(full, link);
      const file = join(root, 'file');
      writeFileSync(file, 'x');
      for (const dir of [empty, full, link, file]) {
        assert.throws(() => mountSecrets(dir, secrets), (e) => isCofferError(e, 'COFFER_E_EXISTS') && e.message.includes(dir), dir);
      }
      assert.deepEqual(readdirSync(empty), []);
      assert.deepEqual(readdirSync(full), ['precious']);
      assert.ok(lstatSync(link).isSymbolicLink());
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a stale mount of a dead run is cleaned and reused; one of a live run, or not private, is refused', () => {
    const root = mkdtempSync(join(tmpdir(), 'coffer-mount-'));
    try {
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
      const dir = join(root, 'secrets');
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(join(dir, MOUNT_MARKER), `coffer-run pid=${dead}\n`);
      writeFileSync(join(dir, 'OLD_SECRET'), 'left-behind-value');
      const mount = mountSecrets(dir, secrets);
      assert.deepEqual(readdirSync(dir).sort(), [MOUNT_MARKER, 'DB_PASSWORD', 'JWT_SECRET']);
      // Now it belongs to this live process: a second run is refused.
      assert.throws(() => mountSecrets(dir, secrets), (e) => isCofferError(e, 'COFFER_E_EXISTS') && e.message.includes(`pid ${process.pid}`));
      mount.remove();
      mkdirSync(dir, { mode: 0o755 });
      writeFileSync(join(dir, MOUNT_MARKER), `coffer-run pid=${dead}\n`);
      assert.throws(() => mountSecrets(dir, secrets), (e) => isCofferError(e, 'COFFER_E_EXISTS') && e.message.includes('not private'));
      assert.ok(existsSync(join(dir, MOUNT_MARKER)));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
