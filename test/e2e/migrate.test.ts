/**
 * `coffer migrate`, `copy` and `diff` end to end with the built binary: a legacy .env file moved
 * into the embedded store (dry run, real run, read-back validation, rerun, update, rollback to
 * the exact earlier state), a migration that fails part-way (what was and was not copied, and
 * its rollback), copies by name and prefix, and drift shown as run-keyed fingerprints with exit 1.
 * No value ever appears in the output or the migration record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { startFakeAws } from '../providers/_fake-aws-secrets-manager.js';
import { startFakeVault } from '../providers/_fake-vault.js';
import { assertNoValues, BIN, editConfig, sandbox, type Sandbox } from './_harness.js';

const LEGACY = {
  API_KEY: 'ak_live_Zt5x9Qm2Lr8Vw4Kp7Jn3Hb6Gc1Fd0Se',
  DB_PASSWORD: 'pg-Hq7!vN2#xR9@kL4$mT8^wB3&zC6*',
  JWT_SECRET: 'jwt-' + 'Xk3Qp9Lm2Vr7Nw4Zt8Hb'.repeat(4),
};

async function project(): Promise<Sandbox> {
  const box = sandbox();
  assert.equal((await box.run(['init', '--yes'])).code, 0);
  editConfig(box, (config) => {
    config.environments.production = { profile: 'production', provider: 'store', options: {} };
  });
  writeFileSync(join(box.dir, '.env.legacy'), Object.entries(LEGACY).map(([k, v]) => `${k}="${v}"`).join('\n') + '\n');
  return box;
}

const records = (box: Sandbox) => readdirSync(join(box.dir, '.coffer', 'migrations')).filter((f) => f.endsWith('.json'));

test('migrate a legacy .env into the store: dry run, validated run, idempotent rerun, update, and rollbacks that restore the exact earlier state', async () => {
  const box = await project();
  try {
    const dry = await box.run(['migrate', '--from', '.env.legacy', '--to', 'production', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /API_KEY\s+create/);
    assert.match(dry.stdout, /Dry run, nothing written: .*3 to create, 0 to update/);
    assert.equal((await box.run(['get', 'API_KEY', '-e', 'production'])).code, 1, 'nothing was written');

    const real = await box.run(['migrate', '--from', '.env.legacy', '--to', 'production', '--validate']);
    assert.equal(real.code, 0, real.stderr);
    assert.equal((real.stdout.match(/done {2}verified/g) ?? []).length, 3);
    const id = /Recorded as (\S+);/.exec(real.stdout)?.[1];
    assert.ok(id);
    assertNoValues(real, LEGACY);
    for (const [name, value] of Object.entries(LEGACY)) assert.equal((await box.run(['get', name, '-e', 'production'])).stdout, `${value}\n`);
    const recordPath = join(box.dir, '.coffer', 'migrations', `${id}.json`);
    assert.equal(statSync(recordPath).mode & 0o777, 0o600);
    assert.equal(statSync(join(box.dir, '.coffer', 'migrations')).mode & 0o777, 0o700);
    const recordText = readFileSync(recordPath, 'utf8');
    for (const value of Object.values(LEGACY)) assert.ok(!recordText.includes(value), 'the record holds no value');

    const again = await box.run(['migrate', '--from', '.env.legacy', '--to', 'production', '--json']);
    assert.equal(again.code, 0);
    assert.deepEqual(JSON.parse(again.stdout).outcomes.map((o: { action: string }) => o.action), ['unchanged', 'unchanged', 'unchanged']);

    writeFileSync(join(box.dir, '.env.legacy'), readFileSync(join(box.dir, '.env.legacy'), 'utf8').replace(LEGACY.DB_PASSWORD, 'pg-rotated-Zq8!Wm3#Tn6@Yx1$Kv5'));
    const update = await box.run(['migrate', '--from', '.env.legacy', '--to', 'production']);
    assert.equal(update.code, 0, update.stderr);
    assert.match(update.stdout, /DB_PASSWORD\s+update\s+done/);
    assert.equal((await box.run(['get', 'DB_PASSWORD', '-e', 'production'])).stdout, 'pg-rotated-Zq8!Wm3#Tn6@Yx1$Kv5\n');

    const undoUpdate = await box.run(['migrate', '--rollback']);
    assert.equal(undoUpdate.code, 0, undoUpdate.stderr);
    assert.match(undoUpdate.stdout, /DB_PASSWORD\s+restored/);
    assert.equal((await box.run(['get', 'DB_PASSWORD', '-e', 'production'])).stdout, `${LEGACY.DB_PASSWORD}\n`);
    assertNoValues(undoUpdate, LEGACY);

    const undoFirst = await box.run(['migrate', '--rollback', id]);
    assert.equal(undoFirst.code, 0, undoFirst.stderr);
    assert.equal((undoFirst.stdout.match(/deleted/g) ?? []).length, 3);
    assert.equal((await box.run(['get', 'API_KEY', '-e', 'production'])).code, 1, 'created secrets are gone');
    const none = await box.run(['migrate', '--rollback']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^coffer: COFFER_E_NOT_FOUND: No migration to roll back/);
  } finally {
    box.cleanup();
  }
});

test('a migration that fails part-way says what was and was not copied, exits 3, and its rollback undoes exactly the copied part', async () => {
  const box = await project();
  try {
    // The store refuses a name that dotenv allows.
    writeFileSync(join(box.dir, '.env.legacy'), `${readFileSync(join(box.dir, '.env.legacy'), 'utf8')}my.dotted.key=some-value-000\n`);
    const result = await box.run(['migrate', '--from', '.env.legacy', '--to', 'production']);
    assert.equal(result.code, 3);
    assert.match(result.stdout, /my\.dotted\.key\s+create\s+FAILED COFFER_E_USAGE/);
    assert.match(result.stdout, /3 written, 1 failed/);
    assert.match(result.stdout, /my\.dotted\.key: .*not a valid secret name/);
    assertNoValues(result, LEGACY);
    const record = JSON.parse(readFileSync(join(box.dir, '.coffer', 'migrations', records(box)[0] as string), 'utf8'));
    assert.equal(record.status, 'partial');
    assert.deepEqual(record.entries.map((e: { state: string }) => e.state), ['done', 'done', 'done', 'failed']);

    const undo = await box.run(['migrate', '--rollback', '--json']);
    assert.equal(undo.code, 0, undo.stderr);
    const outcomes = JSON.parse(undo.stdout).outcomes as { name: string; action: string }[];
    assert.deepEqual(outcomes.map((o) => o.action), ['deleted', 'deleted', 'deleted', 'skipped']);
    assert.equal((await box.run(['list', '-e', 'production', '--json'])).stdout.includes('API_KEY'), false);
  } finally {
    box.cleanup();
  }
});

test('copy by name and by prefix keeps differing values unless --overwrite; diff shows drift as fingerprints and exits 1', async () => {
  const box = await project();
  try {
    assert.equal((await box.run(['copy', '.env.legacy', 'production', 'API_KEY'])).code, 0);
    const list = JSON.parse((await box.run(['list', '-e', 'production', '--json'])).stdout);
    assert.deepEqual(JSON.stringify(list).match(/API_KEY|DB_PASSWORD|JWT_SECRET/g), ['API_KEY']);

    const drift = await box.run(['diff', '.env.legacy', 'production']);
    assert.equal(drift.code, 1);
    assert.match(drift.stdout, /DB_PASSWORD\s+only in A\s+[0-9a-f]{16}/);
    assert.doesNotMatch(drift.stdout, /API_KEY/, 'equal values are not listed');
    assertNoValues(drift, LEGACY);

    writeFileSync(join(box.dir, '.env.other'), `API_KEY=another-key-value-0000000000\nJWT_SECRET=${LEGACY.JWT_SECRET}\n`);
    const kept = await box.run(['copy', '.env.other', 'production', '--prefix', 'A']);
    assert.equal(kept.code, 0);
    assert.match(kept.stdout, /API_KEY\s+kept/);
    assert.equal((await box.run(['get', 'API_KEY', '-e', 'production'])).stdout, `${LEGACY.API_KEY}\n`);
    const replaced = await box.run(['copy', '.env.other', 'production', '--prefix', 'A', '--overwrite']);
    assert.match(replaced.stdout, /API_KEY\s+update\s+done/);

    const differ = await box.run(['diff', '.env.legacy', 'production', '--json', '--only', 'API_KEY']);
    assert.equal(differ.code, 1);
    const entry = JSON.parse(differ.stdout).entries[0];
    assert.equal(entry.state, 'differ');
    assert.notEqual(entry.a, entry.b);
    assert.ok(!differ.stdout.includes('another-key-value'));

    assert.equal((await box.run(['migrate', '--from', '.env.legacy', '--to', 'production'])).code, 0);
    const clean = await box.run(['diff', '.env.legacy', 'production']);
    assert.equal(clean.code, 0, clean.stdout);
    assert.match(clean.stdout, /No drift\. 3 same/);
  } finally {
    box.cleanup();
  }
});

test('bad endpoints and arguments: one line with a code, exit 2, nothing written', async () => {
  const box = await project();
  try {
    const unknown = await box.run(['migrate', '--from', 'nowhere', '--to', 'production']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^coffer: COFFER_E_USAGE: "nowhere" is not an environment, a file or a provider/);
    assert.equal(unknown.stderr.trimEnd().split('\n').length, 1);
    const same = await box.run(['diff', 'production', 'production']);
    assert.equal(same.code, 2);
    const toEnv = await box.run(['migrate', '--from', '.env.legacy', '--to', 'env']);
    assert.equal(toEnv.code, 2);
    assert.match(toEnv.stderr, /COFFER_E_UNSUPPORTED: the process environment does not keep/);
    const noNames = await box.run(['copy', '.env.legacy', 'production']);
    assert.equal(noNames.code, 2);
    assert.match(noNames.stderr, /--prefix/);
  } finally {
    box.cleanup();
  }
});

test('a target without versions (Vault KV v1): the values updates replace are kept in a 0600 backup, rollback restores them and deletes it; a value the backup cannot hold refuses the run before any write', async () => {
  const fake = await startFakeVault();
  const kv = fake.mount('secret', 1);
  const box = await project();
  try {
    editConfig(box, (config) => {
      config.environments.vault = { profile: 'production', provider: 'hashicorp-vault', options: { address: '${env:VAULT_ADDR}', prefix: 'shop/', kvVersion: 1 } };
    });
    const env = { VAULT_ADDR: fake.url, VAULT_TOKEN: fake.rootToken };
    const inVault = (name: string) => kv.v1.get(`shop/${name}`)?.value as string | undefined;
    const first = await box.run(['migrate', '--from', '.env.legacy', '--to', 'vault'], { env });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(inVault('API_KEY'), LEGACY.API_KEY);
    assert.deepEqual(readdirSync(join(box.dir, '.coffer', 'migrations')).filter((f) => f.endsWith('.backup')), [], 'creates alone need no backup');

    const NEW = { API_KEY: 'ak_live_new_Qm2Lr8Vw4Kp7Jn3Hb6Gc1', DB_PASSWORD: 'pg-new-Yx1$Kv5!Wm3#Tn6@Zq8', JWT_SECRET: LEGACY.JWT_SECRET, NEW_TOKEN: 'tok-new-Fd0Se7Zt5x9Qm2Lr8Vw4' };
    writeFileSync(join(box.dir, '.env.new'), Object.entries(NEW).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n');
    const update = await box.run(['migrate', '--from', '.env.new', '--to', 'vault'], { env });
    assert.equal(update.code, 0, update.stdout + update.stderr);
    assert.match(update.stdout, /API_KEY\s+update\s+done/);
    assert.match(update.stdout, /NEW_TOKEN\s+create\s+done/);
    const id = /Recorded as (\S+);/.exec(update.stdout)?.[1] as string;
    const backup = join(box.dir, '.coffer', 'migrations', `${id}.backup`);
    assert.ok(update.stdout.includes(`kept in ${backup} (0600)`), update.stdout);
    assert.equal(statSync(backup).mode & 0o777, 0o600);
    assert.deepEqual(parse(readFileSync(backup)), { API_KEY: LEGACY.API_KEY, DB_PASSWORD: LEGACY.DB_PASSWORD }, 'exactly the replaced values');
    assert.equal(JSON.parse(readFileSync(join(box.dir, '.coffer', 'migrations', `${id}.json`), 'utf8')).backupFile, backup);
    assertNoValues(update, [...Object.values(LEGACY), ...Object.values(NEW)]);
    assert.equal(inVault('API_KEY'), NEW.API_KEY);

    const undo = await box.run(['migrate', '--rollback'], { env });
    assert.equal(undo.code, 0, undo.stdout + undo.stderr);
    assert.match(undo.stdout, /API_KEY\s+restored\s+\(from the backup\)/);
    assert.match(undo.stdout, /NEW_TOKEN\s+deleted/);
    assert.ok(undo.stdout.includes(`Deleted ${backup}`), undo.stdout);
    assert.equal(inVault('API_KEY'), LEGACY.API_KEY);
    assert.equal(inVault('DB_PASSWORD'), LEGACY.DB_PASSWORD);
    assert.equal(inVault('JWT_SECRET'), LEGACY.JWT_SECRET);
    assert.equal(inVault('NEW_TOKEN'), undefined);
    assert.equal(existsSync(backup), false, 'the replaced values are gone once rolled back');
    assertNoValues(undo, [...Object.values(LEGACY), ...Object.values(NEW)]);

    // A carriage return cannot be kept in a dotenv backup: refused before anything is written.
    const odd = 'odd-value-with-a\rcarriage-return';
    kv.v1.set('shop/DB_PASSWORD', { value: odd });
    const before = new Map(kv.v1);
    const recordsBefore = readdirSync(join(box.dir, '.coffer', 'migrations'));
    const dryRefused = await box.run(['migrate', '--from', '.env.new', '--to', 'vault', '--dry-run'], { env });
    assert.equal(dryRefused.code, 2, 'a dry run refuses what the real run would');
    assert.match(dryRefused.stderr, /COFFER_E_UNSAFE_VALUE: .*DB_PASSWORD cannot be kept there/);
    assertNoValues(dryRefused, [odd]);
    const refused = await box.run(['migrate', '--from', '.env.new', '--to', 'vault'], { env });
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /^coffer: COFFER_E_UNSAFE_VALUE: Nothing was written: .*the current value of DB_PASSWORD cannot be kept there \(.*carriage return.*\)/);
    assert.equal(refused.stderr.trimEnd().split('\n').length, 1);
    assert.deepEqual(new Map(kv.v1), before, 'Vault is untouched');
    assert.deepEqual(readdirSync(join(box.dir, '.coffer', 'migrations')), recordsBefore, 'no record and no backup');
    assertNoValues(refused, [odd, ...Object.values(NEW)]);
  } finally {
    box.cleanup();
    await fake.close();
  }
});

test('kill -9 while a write is in flight: the record keeps it pending, and --rollback undoes it where it landed and leaves what never did', async () => {
  const fake = await startFakeVault();
  const kv = fake.mount('secret', 1);
  const box = await project();
  try {
    editConfig(box, (config) => {
      config.environments.vault = { profile: 'production', provider: 'hashicorp-vault', options: { address: '${env:VAULT_ADDR}', prefix: 'shop/', kvVersion: 1 } };
    });
    const env = { VAULT_ADDR: fake.url, VAULT_TOKEN: fake.rootToken };
    const inVault = (name: string) => kv.v1.get(`shop/${name}`)?.value as string | undefined;
    assert.equal((await box.run(['migrate', '--from', '.env.legacy', '--to', 'vault'], { env })).code, 0);
    const NEW = { API_KEY: 'ak_live_new_Qm2Lr8Vw4Kp7Jn3Hb6Gc1', DB_PASSWORD: 'pg-new-Yx1$Kv5!Wm3#Tn6@Zq8', NEW_TOKEN: 'tok-new-Fd0Se7Zt5x9Qm2Lr8Vw4' };
    writeFileSync(join(box.dir, '.env.new'), Object.entries(NEW).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n');

    // Vault receives the write of DB_PASSWORD but holds its answer until the CLI is killed; then
    // it applies the write, as a server does with a request it received in full.
    let reached!: () => void;
    const arrived = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.beforeAnswer = async (request) => {
      if (request.method !== 'GET' && request.path === 'secret/shop/DB_PASSWORD') {
        reached();
        await held;
      }
    };
    const child = spawn(process.execPath, ['--', BIN, 'migrate', '--from', '.env.new', '--to', 'vault'], {
      cwd: box.dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', HOME: box.home, ...env }, stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await arrived;
    child.kill('SIGKILL');
    await exited;
    fake.beforeAnswer = undefined;
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(inVault('DB_PASSWORD'), NEW.DB_PASSWORD, 'the write landed although the CLI never heard back');
    assert.equal(inVault('API_KEY'), NEW.API_KEY);
    assert.equal(inVault('NEW_TOKEN'), undefined);
    const file = readdirSync(join(box.dir, '.coffer', 'migrations')).filter((f) => f.endsWith('.json')).sort().pop() as string;
    const record = JSON.parse(readFileSync(join(box.dir, '.coffer', 'migrations', file), 'utf8'));
    assert.equal(record.status, 'running');
    assert.deepEqual(record.entries.map((e: { name: string; state: string }) => [e.name, e.state]), [['API_KEY', 'done'], ['DB_PASSWORD', 'pending'], ['NEW_TOKEN', 'pending']]);

    const undo = await box.run(['migrate', '--rollback'], { env });
    assert.equal(undo.code, 0, undo.stdout + undo.stderr);
    assert.match(undo.stdout, /API_KEY\s+restored\s+\(from the backup\)/);
    assert.match(undo.stdout, /DB_PASSWORD\s+restored\s+\(from the backup; its unfinished write had landed\)/);
    assert.match(undo.stdout, /NEW_TOKEN\s+skipped\s+\(its unfinished write had not landed\)/);
    assert.equal(inVault('API_KEY'), LEGACY.API_KEY);
    assert.equal(inVault('DB_PASSWORD'), LEGACY.DB_PASSWORD);
    assert.equal(inVault('NEW_TOKEN'), undefined);
    assertNoValues(undo, [...Object.values(LEGACY), ...Object.values(NEW)]);
    const after = JSON.parse(readFileSync(join(box.dir, '.coffer', 'migrations', file), 'utf8'));
    assert.equal(after.status, 'rolled-back');
  } finally {
    box.cleanup();
    await fake.close();
  }
});

test('--from env takes only the secrets the config declares, never PATH or the operator\'s credentials; without a config it needs --only or --prefix', async () => {
  const box = await project();
  try {
    const vars = { JWT_SECRET: LEGACY.JWT_SECRET, AWS_SECRET_ACCESS_KEY: 'operator-aws-key-Zt5x9Qm2Lr8Vw4Kp', UNDECLARED_TOKEN: 'undeclared-Hq7vN2xR9kL4mT8' };
    const dry = await box.run(['migrate', '--from', 'env', '--to', 'production', '--dry-run', '--json'], { env: vars });
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(JSON.parse(dry.stdout).outcomes.map((o: { name: string; action: string }) => [o.name, o.action]), [['JWT_SECRET', 'create']]);
    const real = await box.run(['migrate', '--from', 'env', '--to', 'production'], { env: vars });
    assert.equal(real.code, 0, real.stderr);
    const listed = (await box.run(['list', '-e', 'production', '--json'])).stdout;
    assert.deepEqual(JSON.parse(listed).secrets.map((s: { name: string }) => s.name), ['JWT_SECRET']);
    assertNoValues(real, vars);

    const chosen = await box.run(['migrate', '--from', 'env', '--to', 'production', '--prefix', 'UNDECLARED_', '--dry-run', '--json'], { env: vars });
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.deepEqual(JSON.parse(chosen.stdout).outcomes.map((o: { name: string }) => o.name), ['UNDECLARED_TOKEN'], 'an explicit choice is taken as given');

    const bare = sandbox();
    try {
      const refused = await bare.run(['migrate', '--from', 'env', '--to', '.env.out'], { env: vars });
      assert.equal(refused.code, 2, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /^coffer: COFFER_E_USAGE: `env` holds every variable of this process .*--only NAME\.\.\. or --prefix P\.\n$/);
      assert.equal(existsSync(join(bare.dir, '.env.out')), false);
      const only = await bare.run(['migrate', '--from', 'env', '--to', '.env.out', '--only', 'UNDECLARED_TOKEN'], { env: vars });
      assert.equal(only.code, 0, only.stderr);
      assert.deepEqual(parse(readFileSync(join(bare.dir, '.env.out'))), { UNDECLARED_TOKEN: vars.UNDECLARED_TOKEN });
    } finally {
      bare.cleanup();
    }
  } finally {
    box.cleanup();
  }
});

test('--validate reports a read-back that fails (denied) apart from a value that reads back different, in text and --json', async () => {
  const fake = await startFakeVault();
  const kv = fake.mount('secret', 1);
  const box = await project();
  try {
    editConfig(box, (config) => {
      config.environments.vault = { profile: 'production', provider: 'hashicorp-vault', options: { address: '${env:VAULT_ADDR}', prefix: 'shop/', kvVersion: 1 } };
    });
    const env = { VAULT_ADDR: fake.url, VAULT_TOKEN: fake.rootToken };
    const tampered = 'changed-behind-our-back-Wm3Tn6Yx1';
    // Once written, DB_PASSWORD may no longer be read (a write-only policy), and JWT_SECRET is
    // replaced by another writer before it is read back.
    const arm = () => {
      const written = new Set<string>();
      fake.beforeAnswer = (request) => {
        if (request.method !== 'GET') written.add(request.path);
        else if (request.path === 'secret/shop/DB_PASSWORD' && written.has(request.path)) {
          fake.fail({ status: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] }, match: (r) => r === request });
        } else if (request.path === 'secret/shop/JWT_SECRET' && written.has(request.path)) kv.v1.set('shop/JWT_SECRET', { value: tampered });
      };
    };
    arm();
    const text = await box.run(['migrate', '--from', '.env.legacy', '--to', 'vault', '--validate'], { env });
    assert.equal(text.code, 3, text.stdout + text.stderr);
    assert.match(text.stdout, /API_KEY\s+create\s+done {2}verified/);
    assert.match(text.stdout, /DB_PASSWORD\s+create\s+done {2}READ-BACK FAILED COFFER_E_ACCESS_DENIED\n/);
    assert.match(text.stdout, /JWT_SECRET\s+create\s+done {2}MISMATCH on read-back/);
    assert.match(text.stdout, /^DB_PASSWORD: reading it back failed: .*denied/m);
    assert.match(text.stdout, /3 written, 1 mismatched on read-back, 1 could not be read back\./);
    assertNoValues(text, [...Object.values(LEGACY), tampered]);

    fake.beforeAnswer = undefined;
    assert.equal((await box.run(['migrate', '--rollback'], { env })).code, 0);
    arm();
    const json = await box.run(['migrate', '--from', '.env.legacy', '--to', 'vault', '--validate', '--json'], { env });
    assert.equal(json.code, 3, json.stdout + json.stderr);
    const result = JSON.parse(json.stdout) as { complete: boolean; outcomes: { name: string; verified?: boolean; readBackError?: { code: string; message: string } }[] };
    assert.equal(result.complete, false);
    const by = Object.fromEntries(result.outcomes.map((o) => [o.name, o]));
    assert.equal(by.API_KEY?.verified, true);
    assert.equal(by.DB_PASSWORD?.verified, undefined, 'a failed read is no verdict on the value');
    assert.equal(by.DB_PASSWORD?.readBackError?.code, 'COFFER_E_ACCESS_DENIED');
    assert.equal(by.JWT_SECRET?.verified, false);
    assert.equal(by.JWT_SECRET?.readBackError, undefined);
    assertNoValues(json, [...Object.values(LEGACY), tampered]);
  } finally {
    box.cleanup();
    await fake.close();
  }
});

test('an AWS outage part-way (500): the report lists done, failed and not attempted, and --rollback undoes the done ones; a lost answer whose write landed is undone too', async () => {
  const fake = await startFakeAws();
  const box = await project();
  const PREFIX = 'shop/prod/';
  try {
    editConfig(box, (config) => {
      config.environments.aws = { profile: 'production', provider: 'aws-secrets-manager', options: { prefix: PREFIX } };
    });
    const env = { ...fake.env, AWS_MAX_ATTEMPTS: '1' };
    const MANY = { ...LEGACY, SESSION_SECRET: 'sess-Kp7Jn3Hb6Gc1Fd0SeZt5x9Qm2Lr8Vw4', WEBHOOK_SECRET: 'whk-Lr8Vw4Kp7Jn3Hb6Gc1Fd0SeZt5x9Qm' };
    writeFileSync(join(box.dir, '.env.many'), Object.entries(MANY).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n');
    const live = () => {
      const out: Record<string, string> = {};
      for (const secret of fake.state.secrets.values()) {
        const current = secret.versions.find((v) => v.labels.includes('AWSCURRENT'));
        if (secret.deletedAt === undefined && current) out[secret.name.slice(PREFIX.length)] = current.value;
      }
      return out;
    };

    fake.inject({ action: 'PutSecretValue', secret: `${PREFIX}JWT_SECRET`, kind: 'internal', times: 1 });
    const broken = await box.run(['migrate', '--from', '.env.many', '--to', 'aws', '--json'], { env });
    assert.equal(broken.code, 3, broken.stdout + broken.stderr);
    const result = JSON.parse(broken.stdout) as { complete: boolean; id: string; outcomes: { name: string; state: string; error?: { code: string } }[] };
    assert.equal(result.complete, false);
    assert.deepEqual(result.outcomes.map((o) => [o.name, o.state, o.error?.code]), [
      ['API_KEY', 'done', undefined], ['DB_PASSWORD', 'done', undefined], ['JWT_SECRET', 'failed', 'COFFER_E_UNAVAILABLE'],
      ['SESSION_SECRET', 'not-attempted', undefined], ['WEBHOOK_SECRET', 'not-attempted', undefined],
    ]);
    assert.deepEqual(live(), { API_KEY: MANY.API_KEY, DB_PASSWORD: MANY.DB_PASSWORD });
    assertNoValues(broken, MANY);

    // The same outage in text: what was and was not copied, and the record to roll back.
    fake.inject({ action: 'PutSecretValue', secret: `${PREFIX}JWT_SECRET`, kind: 'internal', times: 1 });
    const text = await box.run(['migrate', '--from', '.env.many', '--to', 'aws'], { env });
    assert.equal(text.code, 3, text.stdout + text.stderr);
    assert.match(text.stdout, /API_KEY\s+unchanged/);
    assert.match(text.stdout, /JWT_SECRET\s+create\s+FAILED COFFER_E_UNAVAILABLE/);
    assert.match(text.stdout, /WEBHOOK_SECRET\s+create\s+not attempted/);
    assert.match(text.stdout, /0 written, 1 failed, 2 not attempted\./);
    assertNoValues(text, MANY);
    const textRecord = /Recorded as (\S+);/.exec(text.stdout)?.[1] as string;
    const nothingToUndo = await box.run(['migrate', '--rollback', textRecord, '--json'], { env });
    assert.equal(nothingToUndo.code, 0, nothingToUndo.stdout + nothingToUndo.stderr);
    assert.deepEqual(JSON.parse(nothingToUndo.stdout).outcomes.map((o: { action: string }) => o.action), ['skipped', 'skipped', 'skipped']);

    const undo = await box.run(['migrate', '--rollback', result.id], { env });
    assert.equal(undo.code, 0, undo.stdout + undo.stderr);
    assert.match(undo.stdout, /API_KEY\s+deleted/);
    assert.match(undo.stdout, /DB_PASSWORD\s+deleted/);
    assert.match(undo.stdout, /JWT_SECRET\s+skipped\s+\(its failed write had not landed\)/);
    assert.match(undo.stdout, /SESSION_SECRET\s+skipped\s+\(it was not attempted\)/);
    assert.deepEqual(live(), {}, 'nothing the run wrote is left');

    // A write that lands but whose answer is lost is a retryable failure too; rollback finds it.
    fake.inject({ action: 'PutSecretValue', secret: `${PREFIX}JWT_SECRET`, kind: 'lost', times: 1 });
    const lost = await box.run(['migrate', '--from', '.env.many', '--to', 'aws'], { env });
    assert.equal(lost.code, 3, lost.stdout + lost.stderr);
    assert.match(lost.stdout, /JWT_SECRET\s+create\s+FAILED COFFER_E_UNAVAILABLE/);
    assert.equal(live().JWT_SECRET, MANY.JWT_SECRET, 'the write landed');
    const undoLost = await box.run(['migrate', '--rollback'], { env });
    assert.equal(undoLost.code, 0, undoLost.stdout + undoLost.stderr);
    assert.match(undoLost.stdout, /JWT_SECRET\s+deleted\s+\(its failed write had landed\)/);
    assert.deepEqual(live(), {});
    assertNoValues(lost, MANY);
    assertNoValues(undoLost, MANY);
  } finally {
    box.cleanup();
    await fake.close();
  }
});
