/**
 * Rotation benchmark (issue 5): the 8 standard secrets of `coffer init` rotated in one run
 * against a private PostgreSQL (scram-sha-256, DB_PASSWORD with the postgres rotator) and a
 * private Redis (REDIS_PASSWORD with the redis rotator, ACL mode), the other six app-owned. The
 * grace period is 0, so each rotation runs create, set, test, finish and revoke and no waiting is
 * counted. The baseline, measured in the same rounds, is the raw work a hand-written script does:
 * one ALTER ROLE on a new connection and one ACL SETUSER on a new connection. Aim: under 5 s for
 * all 8. Prints medians, the ratio, and the time of `coffer rotate production all --yes --grace 0`
 * through the built CLI (process start-up included).
 * Run with `node --import tsx bench/rotation.ts` after `npm run build`; ROUNDS (default 5).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { resolveConfig } from '../src/config/resolve.js';
import type { ConfigFile } from '../src/config/schema.js';
import createStoreProvider from '../src/providers/store.js';
import { rotateSecrets } from '../src/rotation/rotate.js';
import { postgresMissing, redisMissing, startPostgres, startRedis } from '../test/_servers.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BIN = resolve('dist/cli/coffer.cjs');
const missing = postgresMissing() || redisMissing();
if (missing) {
  console.log(`rotation benchmark skipped: ${missing}`);
  process.exit(0);
}

const password = () => randomBytes(24).toString('base64url');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const postgres = await startPostgres();
const redis = await startRedis();
const dir = mkdtempSync(join(tmpdir(), 'coffer-bench-rotation-'));
try {
  const dbPassword = password();
  const redisPassword = password();
  const admin = new pg.Client({ connectionString: postgres.url() });
  await admin.connect();
  await admin.query(`CREATE ROLE app LOGIN PASSWORD '${dbPassword}'`);
  await admin.end();
  const redisAdmin = new Redis(redis.url());
  await redisAdmin.call('ACL', 'SETUSER', 'app', 'on', `>${redisPassword}`, '~*', '+@all');
  redisAdmin.disconnect();

  const raw: ConfigFile = {
    version: 1,
    environments: { production: { provider: 'store', profile: 'production' } },
    secrets: {
      JWT_SECRET: { category: 'jwt' },
      JWT_REFRESH_SECRET: { category: 'jwt' },
      DB_PASSWORD: { category: 'database', rotation: { rotator: 'postgres', options: { admin: postgres.url(), roles: ['app'] } } },
      REDIS_PASSWORD: { category: 'redis', rotation: { rotator: 'redis', options: { mode: 'acl', user: 'app', admin: redis.url() } } },
      SESSION_SECRET: { category: 'session' },
      // The bench encrypts no data, so its retire check answers that nothing needs the old key.
      ENCRYPTION_KEY: { category: 'encryption', rotation: { rotator: 'encryption-key', options: { retireCheck: ['true'] } } },
      INTERNAL_API_KEY: { category: 'api_key' },
      WEBHOOK_SECRET: { category: 'webhook' },
    },
  };
  writeFileSync(join(dir, 'coffer.config.json'), JSON.stringify(raw, null, 2));
  const config = resolveConfig(raw, join(dir, 'coffer.config.json'));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, COFFER_MASTER_KEY: randomBytes(32).toString('hex') };
  const store = createStoreProvider({ environment: 'production' }, { cwd: dir, env });
  for (const name of Object.keys(raw.secrets)) {
    await store.set(name, name === 'DB_PASSWORD' ? dbPassword : name === 'REDIS_PASSWORD' ? redisPassword : randomBytes(48).toString('hex'));
  }
  await store.close();

  const engine: number[] = [];
  const baseline: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    const report = await rotateSecrets({ config, environment: 'production', selectors: ['all'], graceMs: 0, access: { env } });
    engine.push(performance.now() - t0);
    const failed = report.results.filter((r) => r.status !== 'rotated');
    if (failed.length > 0 || report.results.length !== 8) throw new Error(`round ${round}: ${JSON.stringify(failed)}`);

    const t1 = performance.now();
    const client = new pg.Client({ connectionString: postgres.url() });
    await client.connect();
    await client.query(`ALTER ROLE bench_raw PASSWORD '${password()}'`).catch(async () => client.query(`CREATE ROLE bench_raw LOGIN PASSWORD '${password()}'`));
    await client.end();
    const cache = new Redis(redis.url());
    await cache.call('ACL', 'SETUSER', 'bench_raw', 'on', `>${password()}`);
    await cache.quit();
    baseline.push(performance.now() - t1);
  }
  const cli: number[] = [];
  for (let round = 0; round < Math.min(3, ROUNDS); round++) {
    const t0 = performance.now();
    const result = spawnSync(process.execPath, [BIN, 'rotate', 'production', 'all', '--yes', '--grace', '0'], { cwd: dir, env, encoding: 'utf8' });
    cli.push(performance.now() - t0);
    if (result.status !== 0) throw new Error(`coffer rotate exited ${result.status}: ${result.stdout}\n${result.stderr.split("\n").filter((l) => !/: (create|set|test|finish|revoke|store)$/.test(l)).join("\n")}`);
  }
  const e = median(engine);
  const b = median(baseline);
  console.log(`raw ALTER ROLE + ACL SETUSER (new connections): ${b.toFixed(1)} ms`);
  console.log(`rotate 8 standard secrets (engine, grace 0): ${e.toFixed(1)} ms -> ratio ${(e / b).toFixed(2)}x the raw calls; aim: < 5000 ms`);
  console.log(`\`coffer rotate production all --yes --grace 0\` (CLI, start-up included): ${median(cli).toFixed(1)} ms`);
} finally {
  await postgres.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
