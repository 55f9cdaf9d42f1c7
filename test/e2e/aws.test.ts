/**
 * The built `coffer` with its production environment in AWS Secrets Manager (the fake, reached
 * by the real SDK through AWS_ENDPOINT_URL_SECRETS_MANAGER with static test keys): migrate from
 * the development store (dry run, validated run, rerun, update, rollbacks, a restore of deleted
 * secrets), diff with its exit codes, `run` handing the AWS values to a child, rotate (no grace,
 * with grace and rollback, kill -9 between steps) with AWS's staging labels checked, status;
 * and a wrong region, an unreachable endpoint or one denied secret as one line with a code,
 * exit 3, no stack trace and no value.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startFakeAws, TEST_CREDENTIALS, type FakeAws } from '../providers/_fake-aws-secrets-manager.js';
import { assertNoValues, editConfig, type RunResult, type Sandbox } from './_harness.js';
import { storeProject } from './_store-read.js';

const PREFIX = 'shop/production/';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
let fake: FakeAws;
let box: Sandbox;
let dev: Record<string, string>;
let env: Record<string, string>;

/** The current values under the prefix, read from the fake (secrets scheduled for deletion left out). */
function awsValues(): Record<string, string> {
  const values: Record<string, string> = {};
  for (const s of fake.state.secrets.values()) {
    const current = s.versions.find((v) => v.labels.includes('AWSCURRENT'));
    if (s.name.startsWith(PREFIX) && s.deletedAt === undefined && current) values[s.name.slice(PREFIX.length)] = current.value;
  }
  return values;
}

/** The AWS stages of secret `name`, by version id (versions with none left out). */
function stages(name: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of fake.state.secrets.get(PREFIX + name)?.versions ?? []) {
    const carried = v.labels.filter((l) => l.startsWith('AWS')).sort();
    if (carried.length > 0) out[v.id] = carried;
  }
  return out;
}

/** The version of secret `name` carrying AWSCURRENT. */
const currentId = (name: string) => fake.state.holder(PREFIX + name, 'AWSCURRENT')?.id as string;
const coffer = (args: string[], extra: Record<string, string> = {}, input?: string) => box.run(args, { env: { ...env, ...extra }, ...(input === undefined ? {} : { input }) });
const secretsShown = () => [...Object.values(dev), ...Object.values(awsValues()), TEST_CREDENTIALS.secretAccessKey];

/** One line `coffer: CODE: ...` on stderr, exit 3, no stack trace, nothing on stdout, no value anywhere. */
function oneLine(result: RunResult, code: string, pattern: RegExp): void {
  assert.equal(result.code, 3, result.stdout + result.stderr);
  assert.match(result.stderr, new RegExp(`^coffer: ${code}: `));
  assert.match(result.stderr, pattern);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
  assert.equal(result.stdout, '');
  assertNoValues(result, secretsShown());
}

before(async () => {
  fake = await startFakeAws();
  ({ box, values: dev } = await storeProject());
  editConfig(box, (config) => {
    config.environments.production = { profile: 'production', provider: 'aws-secrets-manager', options: { prefix: PREFIX } };
  });
  env = { ...fake.env, AWS_MAX_ATTEMPTS: '1' };
});

after(async () => {
  box.cleanup();
  await fake.close();
});

test('migrate development -> production (AWS): dry run writes nothing; a validated run creates every secret; a rerun changes nothing', async () => {
  const dry = await coffer(['migrate', '--from', 'development', '--to', 'production', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /Dry run, nothing written: .*8 to create, 0 to update/);
  assert.equal(fake.state.secrets.size, 0, 'nothing reached AWS');

  const real = await coffer(['migrate', '--from', 'development', '--to', 'production', '--validate']);
  assert.equal(real.code, 0, real.stdout + real.stderr);
  assert.equal((real.stdout.match(/done {2}verified/g) ?? []).length, 8);
  assert.deepEqual(awsValues(), dev, 'AWS holds the development values under the prefix');
  for (const name of Object.keys(dev)) assert.deepEqual(Object.values(stages(name)), [['AWSCURRENT']]);
  assertNoValues(real, secretsShown());
  assertNoValues(dry, secretsShown());

  const again = await coffer(['migrate', '--from', 'development', '--to', 'production', '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.ok((JSON.parse(again.stdout) as { outcomes: { action: string }[] }).outcomes.every((o) => o.action === 'unchanged'));
});

test('diff exits 0 without drift and 1 with it, showing fingerprints; migrate updates, and --rollback puts back the earlier AWS version', async () => {
  const clean = await coffer(['diff', 'development', 'production']);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /No drift\. 8 same/);

  const changed = randomBytes(64).toString('base64url');
  const set = await coffer(['set', 'JWT_SECRET', '-e', 'production'], {}, `${changed}\n`);
  assert.equal(set.code, 0, set.stderr);
  const drift = await coffer(['diff', 'development', 'production', '--json']);
  assert.equal(drift.code, 1, drift.stderr);
  const entries = (JSON.parse(drift.stdout) as { entries: { name: string; state: string; a?: string; b?: string }[] }).entries;
  const jwt = entries.find((e) => e.name === 'JWT_SECRET');
  assert.equal(jwt?.state, 'differ');
  assert.match(jwt?.a ?? '', /^[0-9a-f]{16}$/);
  assert.notEqual(jwt?.a, jwt?.b);
  assertNoValues(drift, [...secretsShown(), changed]);

  const update = await coffer(['migrate', '--from', 'development', '--to', 'production']);
  assert.equal(update.code, 0, update.stdout + update.stderr);
  assert.match(update.stdout, /JWT_SECRET\s+update\s+done/);
  assert.equal(awsValues().JWT_SECRET, dev.JWT_SECRET);
  const undo = await coffer(['migrate', '--rollback']);
  assert.equal(undo.code, 0, undo.stdout + undo.stderr);
  assert.match(undo.stdout, /JWT_SECRET\s+restored/);
  assert.equal(awsValues().JWT_SECRET, changed, 'the value before the migration is current again');
  assertNoValues(undo, [...secretsShown(), changed]);
  assert.equal((await coffer(['diff', 'development', 'production'])).code, 1);
});

test('migrate --rollback of the first migration schedules what it created for deletion; migrating again restores them', async () => {
  const records = await coffer(['migrate', '--rollback', '--json']);
  // The newest migration not rolled back is the first one, which created all eight.
  assert.equal(records.code, 0, records.stdout + records.stderr);
  assert.equal((JSON.parse(records.stdout) as { outcomes: { action: string }[] }).outcomes.filter((o) => o.action === 'deleted').length, 8);
  assert.deepEqual(awsValues(), {});
  assert.ok([...fake.state.secrets.values()].every((s) => s.deletedAt !== undefined), 'kept in the recovery window, not destroyed');
  const list = await coffer(['list', '-e', 'production', '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.doesNotMatch(list.stdout, /JWT_SECRET/);

  const back = await coffer(['migrate', '--from', 'development', '--to', 'production', '--validate']);
  assert.equal(back.code, 0, back.stdout + back.stderr);
  assert.deepEqual(awsValues(), dev);
  assert.ok([...fake.state.secrets.values()].every((s) => s.deletedAt === undefined), 'restored, not created anew');
});

test('coffer run -e production hands the values in AWS to the command (checked by digest, never printed)', async () => {
  const values = awsValues();
  const names = Object.keys(values).sort();
  assert.equal(names.length, 8);
  const script = 'for (const n of process.argv.slice(1)) console.log(n + "=" + require("node:crypto").createHash("sha256").update(process.env[n] ?? "").digest("hex"))';
  const ran = await coffer(['run', '-e', 'production', '--', process.execPath, '-e', script, ...names]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.deepEqual(ran.stdout.trim().split('\n'), names.map((n) => `${n}=${sha(values[n] as string)}`));
  assertNoValues(ran, secretsShown());
});

test('rotate production NAME --yes --grace 0: the new version is AWSCURRENT and the old one retired at once; status reads the new rotation date from AWS', async () => {
  const name = 'INTERNAL_API_KEY';
  const old = awsValues()[name] as string;
  const oldId = currentId(name);
  const startedAt = Date.now();
  const rotated = await coffer(['rotate', 'production', name, '--yes', '--grace', '0', '--json']);
  assert.equal(rotated.code, 0, rotated.stdout + rotated.stderr);
  const result = (JSON.parse(rotated.stdout) as { results: { name: string; status: string; fromVersion?: string; toVersion?: string }[] }).results;
  assert.deepEqual(result.map((r) => [r.name, r.status, r.fromVersion]), [[name, 'rotated', oldId]]);
  const newId = result[0]?.toVersion as string;
  assert.deepEqual(stages(name), { [newId]: ['AWSCURRENT'] }, 'no AWSPREVIOUS with no grace, nothing pending');
  assert.notEqual(awsValues()[name], old);
  assertNoValues(rotated, [old, ...secretsShown()]);

  const status = await coffer(['status', 'production', '--json']);
  assert.equal(status.code, 0, status.stdout + status.stderr);
  const rows = (JSON.parse(status.stdout) as { secrets: { name: string; level: string; lastRotation?: string; rotation?: string }[] }).secrets;
  const row = rows.find((r) => r.name === name);
  assert.equal(row?.level, 'ok');
  assert.ok(Date.parse(row?.lastRotation ?? '') >= Math.floor(startedAt / 1000) * 1000, 'the rotation date comes from the new version\'s labels');
  assert.equal(row?.rotation, undefined, 'no rotation is open');
  const text = await coffer(['status', 'production']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`${name}\\s+ok`));
  assertNoValues(text, secretsShown());
});

test('rotate with a grace period keeps the old version AWSPREVIOUS and status says so; coffer rollback moves AWSCURRENT back', async () => {
  const name = 'SESSION_SECRET';
  const old = awsValues()[name] as string;
  const oldId = currentId(name);
  const rotated = await coffer(['rotate', 'production', name, '--yes', '--grace', '1h']);
  assert.equal(rotated.code, 0, rotated.stdout + rotated.stderr);
  const newId = currentId(name);
  assert.notEqual(newId, oldId);
  assert.deepEqual(stages(name), { [oldId]: ['AWSPREVIOUS'], [newId]: ['AWSCURRENT'] });
  const status = await coffer(['status', 'production', '--json']);
  const row = (JSON.parse(status.stdout) as { secrets: { name: string; rotation?: string }[] }).secrets.find((r) => r.name === name);
  assert.match(row?.rotation ?? '', /^grace until \d{4}-/);

  const rolled = await coffer(['rollback', 'production', name, '--yes']);
  assert.equal(rolled.code, 0, rolled.stdout + rolled.stderr);
  assert.deepEqual(stages(name), { [oldId]: ['AWSCURRENT'] });
  assert.equal(awsValues()[name], old);
  assertNoValues(rolled, secretsShown());
  assertNoValues(rotated, secretsShown());
});

for (const point of ['after-create', 'after-set', 'after-finish']) {
  test(`kill -9 ${point} of coffer rotate: the next run leaves one AWSCURRENT version, nothing pending, and no AWSPREVIOUS once finished`, async () => {
    const name = 'WEBHOOK_SECRET';
    const oldId = currentId(name);
    const crashed = await coffer(['rotate', 'production', name, '--yes', '--grace', '0'], { COFFER_FAILPOINT: point });
    assert.notEqual(crashed.code, 0, 'the process was killed');
    const recovered = await coffer(['rotate', 'production', name, '--yes', '--grace', '0', '--json']);
    assert.equal(recovered.code, 0, recovered.stdout + recovered.stderr);
    const left = stages(name);
    assert.equal(Object.values(left).flat().filter((l) => l === 'AWSCURRENT').length, 1);
    assert.ok(!Object.values(left).flat().includes('AWSPENDING'), 'nothing is left pending');
    // Discarded (the crash came before the new value was applied) or finished with no grace.
    if (currentId(name) !== oldId) assert.deepEqual(Object.values(left), [['AWSCURRENT']], 'finished: the old version was retired');
    else assert.equal(point, 'after-create', 'only a rotation cut off before set is discarded');
    const status = await coffer(['status', 'production', '--json']);
    assert.equal((JSON.parse(status.stdout) as { secrets: { name: string; rotation?: string }[] }).secrets.find((r) => r.name === name)?.rotation, undefined);
    assertNoValues(recovered, secretsShown());
  });
}

test('a wrong region, an unreachable endpoint, and one denied secret among many: one line with a code, exit 3, no stack trace, no value', async () => {
  const region = await coffer(['get', 'JWT_SECRET', '-e', 'production'], { AWS_REGION: 'eu-west-1' });
  oneLine(region, 'COFFER_E_ACCESS_DENIED', /signed for region eu-west-1, which the endpoint does not serve/);

  const port = await closedPort();
  const unreachable = await coffer(['list', '-e', 'production'], { AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}` });
  oneLine(unreachable, 'COFFER_E_UNAVAILABLE', new RegExp(`127\\.0\\.0\\.1:${port}.*connection refused`));

  fake.deny(`${PREFIX}DB_PASSWORD`);
  const run = await coffer(['run', '-e', 'production', '--', process.execPath, '-e', 'console.log("started")']);
  oneLine(run, 'COFFER_E_ACCESS_DENIED', /GetSecretValue on DB_PASSWORD/);
  for (const args of [['diff', 'development', 'production'], ['migrate', '--from', 'development', '--to', 'production']]) {
    oneLine(await coffer(args), 'COFFER_E_ACCESS_DENIED', /DB_PASSWORD/);
  }
  const other = await coffer(['get', 'JWT_SECRET', '-e', 'production']);
  assert.equal(other.code, 0, 'the other secrets still read');
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
