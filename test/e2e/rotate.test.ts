/**
 * `coffer rotate`, `rollback` and `status` end to end with the built binary on a store project.
 * A stand-in external system is a file of accepted keys kept by the api-key rotator's register
 * and withdraw hooks (real child processes), so the tests can check at every point that the
 * credential readers get is one the system accepts. Covers the grace period, finalize,
 * rollback, incidents, a failing health check rolled back, a kill -9 after every step followed
 * by a recovering run, and two rotations of one secret at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../providers/_fake-aws-secrets-manager.js';
import { assertNoValues, editConfig, sandbox, type Sandbox } from './_harness.js';
import { storeProject } from './_store-read.js';

const KEY = 'INTERNAL_API_KEY';

/** A store project whose INTERNAL_API_KEY is registered with a file-backed "service". */
async function project(rotation: Record<string, unknown> = {}): Promise<Sandbox> {
  const box = sandbox();
  assert.equal((await box.run(['init', '--yes'])).code, 0);
  editConfig(box, (config) => {
    config.secrets[KEY].rotation = {
      rotator: 'api-key',
      options: {
        register: ['sh', '-c', 'cat >> accepted.txt'],
        withdraw: ['sh', '-c', 'read k; grep -vxF -- "$k" accepted.txt > accepted.tmp; mv accepted.tmp accepted.txt'],
      },
      ...rotation,
    };
  });
  const generated = await box.run(['generate', 'development']);
  assert.equal(generated.code, 0, generated.stderr);
  writeFileSync(join(box.dir, 'accepted.txt'), `${await value(box)}\n`);
  return box;
}

async function value(box: Sandbox, stage?: string): Promise<string> {
  const result = await box.run(['get', KEY, ...(stage ? ['--stage', stage] : [])]);
  return result.code === 0 ? result.stdout.replace(/\n$/, '') : '';
}

/** Moves the end of `name`'s open grace period into the past, as if the time had passed (the journal holds no value). */
function endGrace(box: Sandbox, name: string): void {
  const path = join(box.dir, '.coffer', 'rotation', 'development', `${name}.json`);
  const journal = JSON.parse(readFileSync(path, 'utf8')) as { graceUntil?: string };
  assert.ok(journal.graceUntil !== undefined, `${name} is in its grace period`);
  writeFileSync(path, JSON.stringify({ ...journal, graceUntil: '2026-01-01T00:00:00.000Z' }), { mode: 0o600 });
}

const accepted = (box: Sandbox) => readFileSync(join(box.dir, 'accepted.txt'), 'utf8').split('\n').filter(Boolean);

test('rotate: the new value is current and accepted, the old one stays valid for the grace period, then finalize retires it; status and audit say so; no value printed', async () => {
  const box = await project();
  try {
    const old = await value(box);
    const plan = await box.run(['rotate', KEY, '--plan']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /api-key, grace 60 min/);
    assert.equal(await value(box), old, '--plan changes nothing');

    const rotated = await box.run(['rotate', KEY, '--json']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const report = JSON.parse(rotated.stdout) as { results: { name: string; status: string; graceUntil?: string }[] };
    assert.equal(report.results[0]?.status, 'rotated');
    const fresh = await value(box);
    assert.notEqual(fresh, old);
    assert.equal(await value(box, 'previous'), old);
    assert.deepEqual(accepted(box).sort(), [old, fresh].sort(), 'both keys work during the grace period');
    assertNoValues(rotated, [old, fresh]);

    const again = await box.run(['rotate', KEY]);
    assert.equal(again.code, 1, 'a second rotation during the grace period is refused');
    assert.match(again.stdout, /COFFER_E_ROTATION_IN_PROGRESS/);

    const status = await box.run(['status', '--json']);
    assert.equal(status.code, 0);
    const row = (JSON.parse(status.stdout) as { secrets: { name: string; level: string; rotation?: string }[] }).secrets.find((s) => s.name === KEY);
    assert.equal(row?.level, 'ok');
    assert.match(row?.rotation ?? '', /^grace until /);

    endGrace(box, KEY);
    const ended = await box.run(['status']);
    assert.equal(ended.code, 0);
    assert.match(ended.stdout, new RegExp(`${KEY} .*\\(grace ended 2026-01-01T00:00:00\\.000Z, not finalized: the old value \\(version 1\\) is still valid; run \`coffer rotate development --finalize ${KEY}\`\\)`));
    assert.match(ended.stdout, new RegExp(`Grace period ended, old value still valid: ${KEY}; retire it with \`coffer rotate development --finalize ${KEY}\``));
    const endedJson = JSON.parse((await box.run(['status', '--json'])).stdout) as { toFinalize: string[]; secrets: { name: string; graceEnded?: string }[] };
    assert.deepEqual(endedJson.toFinalize, [KEY]);
    assert.equal(endedJson.secrets.find((r) => r.name === KEY)?.graceEnded, '2026-01-01T00:00:00.000Z');
    assertNoValues(ended, [old, fresh]);

    const finalized = await box.run(['rotate', '--finalize', KEY]);
    assert.equal(finalized.code, 0, finalized.stdout + finalized.stderr);
    assert.deepEqual(accepted(box), [fresh], 'the old key is withdrawn');
    assert.deepEqual((JSON.parse((await box.run(['status', '--json'])).stdout) as { toFinalize: string[] }).toFinalize, []);
    assert.equal(await value(box, 'previous'), '', 'previous is retired');
    const audit = await box.run(['audit', '--secret', KEY, '--json']);
    const actions = (JSON.parse(audit.stdout) as { action: string }[]).map((e) => e.action);
    for (const action of ['rotate', 'stage', 'unstage', 'rotate-retire']) assert.ok(actions.includes(action), `audit has ${action}`);
    assertNoValues(audit, [old, fresh]);
  } finally {
    box.cleanup();
  }
});

test('rollback during the grace period restores the old value at the service and in the store; compromised rotates with no grace and records an incident', async () => {
  const box = await project();
  try {
    const old = await value(box);
    assert.equal((await box.run(['rotate', KEY])).code, 0);
    const fresh = await value(box);
    const rolled = await box.run(['rollback', KEY]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.equal(await value(box), old);
    assert.deepEqual(accepted(box), [old], 'the new key was withdrawn');
    assertNoValues(rolled, [old, fresh]);
    const none = await box.run(['rollback', KEY]);
    assert.equal(none.code, 2, 'nothing left to roll back');

    const incident = await box.run(['rotate', '--compromised', KEY]);
    assert.equal(incident.code, 0, incident.stderr);
    const replaced = await value(box);
    assert.deepEqual(accepted(box), [replaced], 'the compromised key is withdrawn at once');
    const audit = JSON.parse((await box.run(['audit', '--action', 'incident', '--json'])).stdout) as { name: string }[];
    assert.deepEqual(audit.map((e) => e.name), [KEY]);
  } finally {
    box.cleanup();
  }
});

test('rollback takes exactly one declared secret: all, a group or extra names are a usage error (exit 2) and nothing is rolled back', async () => {
  const box = await project();
  try {
    assert.equal((await box.run(['rotate', 'JWT_SECRET', KEY])).code, 0);
    const jwt = (await box.run(['get', 'JWT_SECRET'])).stdout;
    const fresh = await value(box);
    for (const args of [['rollback', 'all'], ['rollback', 'jwt'], ['rollback', 'development', 'jwt'], ['rollback', KEY, 'JWT_SECRET'], ['rollback', 'development', KEY, 'JWT_SECRET']]) {
      const result = await box.run(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /^coffer: COFFER_E_USAGE: .*coffer rollback (development|\[env\]) NAME/);
      assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    }
    assert.equal((await box.run(['get', 'JWT_SECRET'])).stdout, jwt, 'JWT_SECRET was not rolled back');
    assert.equal(await value(box), fresh, `${KEY} was not rolled back`);
    const one = await box.run(['rollback', 'development', KEY]);
    assert.equal(one.code, 0, one.stdout + one.stderr);
    assert.notEqual(await value(box), fresh);
  } finally {
    box.cleanup();
  }
});

test('an encryption key without a retireCheck keeps its old key live past the grace period, through later runs and --grace 0, saying why, until --finalize NAME', async () => {
  const box = await project();
  const key = async (stage?: string) => {
    const result = await box.run(['get', 'ENCRYPTION_KEY', ...(stage ? ['--stage', stage] : [])]);
    return result.code === 0 ? result.stdout.replace(/\n$/, '') : '';
  };
  try {
    const old = await key();
    const rotated = await box.run(['rotate', 'ENCRYPTION_KEY']);
    assert.equal(rotated.code, 0, rotated.stdout + rotated.stderr);
    assert.match(rotated.stdout, /old key \(version 1\) stays live after the grace period until `coffer rotate development --finalize ENCRYPTION_KEY`: with no retireCheck/);
    const fresh = await key();
    endGrace(box, 'ENCRYPTION_KEY');
    const outputs = [rotated];

    const later = await box.run(['rotate', KEY]);
    assert.equal(later.code, 0, later.stdout + later.stderr);
    assert.equal(await key('previous'), old, 'a later coffer rotate does not retire it');
    const again = await box.run(['rotate', 'ENCRYPTION_KEY']);
    assert.equal(again.code, 1);
    assert.match(again.stdout, /ENCRYPTION_KEY: failed COFFER_E_ROTATION_IN_PROGRESS: old key version 1 is still live: ENCRYPTION_KEY has no retireCheck.*--finalize ENCRYPTION_KEY/);
    const sweep = await box.run(['rotate', '--finalize']);
    assert.equal(sweep.code, 0, sweep.stdout + sweep.stderr);
    assert.match(sweep.stdout, /ENCRYPTION_KEY: skipped, old key version 1 is still live/);
    assert.equal(await key('previous'), old, '--finalize without names does not retire it');
    const status = await box.run(['status', '--json']);
    const row = (JSON.parse(status.stdout) as { secrets: { name: string; rotation?: string; heldUntilFinalize?: boolean }[] }).secrets.find((r) => r.name === 'ENCRYPTION_KEY');
    assert.equal(row?.heldUntilFinalize, true);
    assert.match(row?.rotation ?? '', /old key version 1 stays live \(no retireCheck\)/);
    const plan = await box.run(['rotate', '--plan']);
    assert.match(plan.stdout, /ENCRYPTION_KEY: encryption-key[^\n]*\n\s+- nothing: the old key version 1 is still live/);

    const finalized = await box.run(['rotate', '--finalize', 'ENCRYPTION_KEY']);
    assert.equal(finalized.code, 0, finalized.stdout + finalized.stderr);
    assert.match(finalized.stdout, /ENCRYPTION_KEY: retired/);
    assert.equal(await key('previous'), '', 'retired when asked');
    assert.equal(await key(), fresh);

    const immediate = await box.run(['rotate', 'ENCRYPTION_KEY', '--grace', '0']);
    assert.equal(immediate.code, 0, immediate.stdout + immediate.stderr);
    assert.equal(await key('previous'), fresh, '--grace 0 does not retire it either');

    // An incident makes a new key current at once, but data under the old one still needs it: it stays live, exit 1.
    assert.equal((await box.run(['rotate', '--finalize', 'ENCRYPTION_KEY'])).code, 0);
    const leaked = await key();
    const incident = await box.run(['rotate', '--compromised', 'ENCRYPTION_KEY']);
    assert.equal(incident.code, 1, incident.stdout + incident.stderr);
    assert.match(incident.stdout, /ENCRYPTION_KEY: failed COFFER_E_ROTATION_FAILED: Key \d+ of ENCRYPTION_KEY stays live beside the current key \d+: no retireCheck.*--finalize ENCRYPTION_KEY/);
    assert.equal(await key('previous'), leaked);
    assert.notEqual(await key(), leaked);
    const afterIncident = await box.run(['rotate', '--plan', 'ENCRYPTION_KEY']);
    assert.match(afterIncident.stdout, /- nothing: the old key version \d+ is still live/);
    outputs.push(later, again, sweep, status, plan, finalized, immediate, incident, afterIncident);
    for (const output of outputs) assertNoValues(output, [old, fresh, leaked, await key()]);
  } finally {
    box.cleanup();
  }
});

test('--plan promises a grace period only where the target keeps the old credential working (the rotator\'s declared traits)', async () => {
  const box = await project();
  try {
    editConfig(box, (config) => {
      config.secrets[KEY].rotation.options.strategy = 'immediate';
      config.secrets.DB_PASSWORD.rotation = { rotator: 'postgres', options: { admin: 'postgres://admin@127.0.0.1:1/postgres' } };
      config.secrets.REDIS_PASSWORD.rotation = { rotator: 'redis', options: { mode: 'requirepass', admin: 'redis://127.0.0.1:1' } };
      config.secrets.SESSION_SECRET.rotation = { rotator: 'random', grace: '2h' };
    });
    const plan = await box.run(['rotate', '--plan', KEY, 'DB_PASSWORD', 'REDIS_PASSWORD', 'SESSION_SECRET', '--json']);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    const rows = (JSON.parse(plan.stdout) as { results: { name: string; graceMs: number; actions: string[] }[] }).results;
    const row = (name: string) => rows.find((r) => r.name === name) as { graceMs: number; actions: string[] };
    for (const name of [KEY, 'DB_PASSWORD', 'REDIS_PASSWORD']) {
      assert.equal(row(name).graceMs, 0, `${name}: no grace`);
      assert.match(row(name).actions.at(-1) ?? '', /^no grace period: the target accepts one credential at a time/);
    }
    assert.equal(row('SESSION_SECRET').graceMs, 7_200_000);
    assert.match(row('SESSION_SECRET').actions.at(-1) ?? '', /keep the old value valid for 120 min/);
    const text = await box.run(['rotate', '--plan', 'DB_PASSWORD']);
    assert.match(text.stdout, /DB_PASSWORD: postgres, no grace period/);
  } finally {
    box.cleanup();
  }
});

test('--compromised that has to skip a secret exits 1 and names plainly what was NOT rotated and which rotator to configure', async () => {
  const box = await project();
  try {
    const incident = await box.run(['rotate', '--compromised', 'database', 'redis', KEY]);
    assert.equal(incident.code, 1, incident.stdout + incident.stderr);
    assert.match(incident.stdout, /INTERNAL_API_KEY: rotated/);
    assert.match(incident.stdout, /DB_PASSWORD: skipped, .*configure secrets\.DB_PASSWORD\.rotation with the postgres rotator/);
    assert.match(incident.stdout, /REDIS_PASSWORD: skipped, .*configure secrets\.REDIS_PASSWORD\.rotation with the redis rotator/);
    assert.match(incident.stdout, /NOT rotated, still compromised: DB_PASSWORD, REDIS_PASSWORD\./);
    const json = await box.run(['rotate', '--compromised', 'database', '--json']);
    assert.equal(json.code, 1);
    assert.deepEqual((JSON.parse(json.stdout) as { results: { name: string; status: string }[] }).results.map((r) => [r.name, r.status]), [['DB_PASSWORD', 'skipped']]);
    const all = await box.run(['rotate', '--compromised', 'all']);
    assert.equal(all.code, 1);
    assert.match(all.stdout, /NOT rotated, still compromised: .*DB_PASSWORD, REDIS_PASSWORD/);
  } finally {
    box.cleanup();
  }
});

test('the provider becoming unreachable in the middle of a rotation exits 3 (provider or store unavailable), not 1; a rotator config error exits 2', async () => {
  const fake = await startFakeAws();
  let up = true;
  const { box } = await storeProject();
  try {
    // The health check holds the rotation until the test has stopped the provider's endpoint.
    editConfig(box, (config) => {
      config.environments.production = { profile: 'production', provider: 'aws-secrets-manager', options: { prefix: 'app/' } };
      config.secrets.SESSION_SECRET.rotation = { healthCheck: { command: ['sh', '-c', 'touch started; while [ ! -f release ]; do sleep 0.05; done'], timeout: '60s' } };
      config.secrets.JWT_SECRET.rotation = { options: { strategy: 'sometimes' } };
    });
    const env = { ...fake.env, AWS_MAX_ATTEMPTS: '1' };
    const migrated = await box.run(['migrate', '--from', 'development', '--to', 'production'], { env });
    assert.equal(migrated.code, 0, migrated.stdout + migrated.stderr);
    const rotating = box.run(['rotate', 'production', 'SESSION_SECRET', '--yes'], { env });
    while (!existsSync(join(box.dir, 'started'))) await new Promise((r) => setTimeout(r, 50));
    await fake.close();
    up = false;
    writeFileSync(join(box.dir, 'release'), '');
    const result = await rotating;
    assert.equal(result.code, 3, result.stdout + result.stderr);
    assert.match(result.stdout, /SESSION_SECRET: failed COFFER_E_UNAVAILABLE: /);

    const config = await box.run(['rotate', 'development', 'JWT_SECRET']);
    assert.equal(config.code, 2, config.stdout + config.stderr);
    assert.match(config.stdout, /JWT_SECRET: failed COFFER_E_CONFIG_INVALID: Config key secrets\.JWT_SECRET\.rotation: options: unknown option "strategy"/);
  } finally {
    if (up) await fake.close();
    box.cleanup();
  }
});

test('a failing health check rolls the rotation back: exit 1, the old value current and the only one accepted, nothing pending', async () => {
  const box = await project({ healthCheck: { command: ['sh', '-c', 'exit 3', 'hc-argument-Qw8zT'] } });
  try {
    const old = await value(box);
    const result = await box.run(['rotate', KEY]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /COFFER_E_ROTATION_FAILED.*health check of INTERNAL_API_KEY failed: sh exited 3.*rolled back/);
    assert.doesNotMatch(result.stdout + result.stderr, /hc-argument-Qw8zT/, 'a command is named by its program only');
    assert.equal(await value(box), old);
    assert.equal(await value(box, 'pending'), '');
    assert.deepEqual(accepted(box), [old]);
    assert.ok(!existsSync(join(box.dir, '.coffer', 'rotation', 'development', `${KEY}.json`)), 'no journal is left');
  } finally {
    box.cleanup();
  }
});

test('a hook argument holding ${secret:...} is refused as a config error before any hook runs; no value, and no argument of a failing hook, reaches the report', async () => {
  const box = await project();
  try {
    const old = await value(box);
    const webhook = (await box.run(['get', 'WEBHOOK_SECRET'])).stdout.replace(/\n$/, '');
    assert.ok(webhook.length >= 32);
    editConfig(box, (config) => {
      config.secrets[KEY].rotation.options.register = ['sh', '-c', 'touch ran; exit 5', '${secret:WEBHOOK_SECRET}'];
    });
    const refused = await box.run(['rotate', KEY]);
    assert.equal(refused.code, 2, 'a config error');
    assert.match(refused.stdout, /COFFER_E_CONFIG_INVALID: Config key secrets\.INTERNAL_API_KEY\.rotation\.options\.register\[3\]: .*\$\{secret:WEBHOOK_SECRET\}.*standard input.*environment/);
    assertNoValues(refused, [webhook, old]);
    assert.ok(!existsSync(join(box.dir, 'ran')), 'the hook never ran, so its arguments were never in ps');
    assert.equal(await value(box), old);
    assert.deepEqual(accepted(box), [old]);

    // ${env:...} is still allowed, but a failing hook's message names only its program and status.
    editConfig(box, (config) => {
      config.secrets[KEY].rotation.options.register = ['sh', '-c', 'exit 5', '--token=${env:HOOK_TOKEN}'];
    });
    const token = 'hook-token-Zr7pLq2mXv9';
    const failed = await box.run(['rotate', KEY], { env: { HOOK_TOKEN: token } });
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /COFFER_E_ROTATION_FAILED.*register hook of INTERNAL_API_KEY \(sh\) exited 5/);
    assertNoValues(failed, [token, old, webhook]);
    assert.doesNotMatch(failed.stdout, /exit 5/, 'the arguments are not printed');
    assert.equal(await value(box), old);
  } finally {
    box.cleanup();
  }
});

test('hooks and health checks do not inherit the master key or any other COFFER_* secret; they keep the rest of the environment', async () => {
  const box = await project({ healthCheck: { command: ['sh', '-c', 'env > check-env.txt'] } });
  try {
    editConfig(box, (config) => {
      config.secrets[KEY].rotation.options.register = ['sh', '-c', 'env > hook-env.txt; cat >> accepted.txt'];
    });
    const keyFile = join(box.home, '.config', 'coffer', 'keys', readdirSync(join(box.home, '.config', 'coffer', 'keys'))[0] as string);
    const masterKey = readFileSync(keyFile, 'utf8').trim();
    const passphrase = 'correct horse battery staple';
    const rotated = await box.run(['rotate', KEY], { env: { COFFER_MASTER_KEY: masterKey, COFFER_PASSPHRASE: passphrase, COFFER_ENV: 'development', HOOK_PLAIN: 'kept' } });
    assert.equal(rotated.code, 0, rotated.stdout + rotated.stderr);
    for (const file of ['hook-env.txt', 'check-env.txt']) {
      const seen = readFileSync(join(box.dir, file), 'utf8');
      assert.ok(!seen.includes(masterKey) && !/^COFFER_MASTER_KEY=/m.test(seen), `${file}: no master key`);
      assert.ok(!seen.includes(passphrase) && !/^COFFER_PASSPHRASE=/m.test(seen), `${file}: no passphrase`);
      assert.match(seen, /^HOOK_PLAIN=kept$/m, `${file}: the rest of the environment is kept`);
      assert.match(seen, /^COFFER_ENV=development$/m, `${file}: coffer's non-secret variables are kept`);
    }
    assert.match(readFileSync(join(box.dir, 'check-env.txt'), 'utf8'), new RegExp(`^${KEY}=`, 'm'), 'the health check still gets the new value under the secret\'s name');
  } finally {
    box.cleanup();
  }
});

for (const point of ['after-create', 'after-set', 'after-test', 'after-finish', 'after-rollback']) {
  test(`kill -9 ${point}: the next coffer rotate ends in a consistent state with a working credential`, async () => {
    // after-rollback is reached by a failing health check that is then fixed.
    const failing = point === 'after-rollback';
    const box = await project(failing ? { healthCheck: { command: ['sh', '-c', 'test -f healthy'] } } : {});
    try {
      const old = await value(box);
      const crashed = await box.run(['rotate', KEY], { env: { COFFER_FAILPOINT: point } });
      assert.notEqual(crashed.code, 0, 'the process was killed');
      if (failing) writeFileSync(join(box.dir, 'healthy'), '');
      // A kill after finish leaves a finished rotation in its grace period: nothing to recover, and status shows when it ends.
      const recovered = await box.run(point === 'after-finish' ? ['status'] : ['rotate', KEY]);
      assert.equal(recovered.code, 0, recovered.stdout + recovered.stderr);
      if (point === 'after-finish') assert.match(recovered.stdout, new RegExp(`${KEY}.*\\(grace until \\d{4}-`));
      const current = await value(box);
      assert.ok(accepted(box).includes(current), 'the service accepts the current value');
      assert.equal(await value(box, 'pending'), '', 'nothing is left pending');
      if (current === old) {
        assert.deepEqual(accepted(box), [old], 'rolled back: only the old key is accepted');
      } else {
        assert.equal(await value(box, 'previous'), old, 'finished: the old value is previous, in its grace period');
        assert.deepEqual(accepted(box).sort(), [old, current].sort());
      }
    } finally {
      box.cleanup();
    }
  });
}

test('two rotations of one secret at once: one runs, the other is refused with COFFER_E_ROTATION_IN_PROGRESS', async () => {
  // The first run's health check holds it inside the rotation (and its lock) until the test lets it go.
  const box = await project({ healthCheck: { command: ['sh', '-c', 'touch started; while [ ! -f release ]; do sleep 0.05; done'], timeout: '60s' } });
  try {
    const first = box.run(['rotate', KEY]);
    while (!existsSync(join(box.dir, 'started'))) await new Promise((r) => setTimeout(r, 50));
    const second = await box.run(['rotate', KEY]);
    writeFileSync(join(box.dir, 'release'), '');
    const done = await first;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.equal(second.code, 1);
    assert.match(second.stdout, /COFFER_E_ROTATION_IN_PROGRESS.*Another coffer process/);
    const versions = JSON.parse((await box.run(['history', KEY, '--json'])).stdout) as { versions: unknown[] };
    assert.equal(versions.versions.length, 2, 'exactly one new version');
  } finally {
    box.cleanup();
  }
});

test('a production environment is not rotated or rolled back without confirmation: with no terminal and no --yes, exit 2 and nothing changes', async () => {
  const box = await project();
  try {
    const generated = await box.run(['generate', 'production']);
    assert.equal(generated.code, 0, generated.stderr);
    const history = async () => (JSON.parse((await box.run(['history', '-e', 'production', KEY, '--json'])).stdout) as { versions: unknown[] }).versions.length;
    const before = await history();
    for (const args of [['rotate', 'production', KEY], ['rotate', 'production', '--json'], ['rotate', '-e', 'production', '--compromised', 'all']]) {
      const refused = await box.run(args);
      assert.equal(refused.code, 2, `${args.join(' ')}: ${refused.stdout}${refused.stderr}`);
      assert.match(refused.stderr, /COFFER_E_USAGE: Rotating secrets of production \(a production environment\) needs confirmation; .*pass --yes/);
    }
    assert.equal(await history(), before, 'nothing was rotated');
    assert.ok(!existsSync(join(box.dir, '.coffer', 'rotation', 'production')) || readdirSync(join(box.dir, '.coffer', 'rotation', 'production')).filter((f) => f.endsWith('.json')).length === 0, 'no rotation was opened');
    const plan = await box.run(['rotate', 'production', KEY, '--plan']);
    assert.equal(plan.code, 0, '--plan needs no confirmation');
    const rollback = await box.run(['rollback', 'production', KEY]);
    assert.equal(rollback.code, 2);
    assert.match(rollback.stderr, /needs confirmation; .*pass --yes/);
  } finally {
    box.cleanup();
  }
});

test('database secrets without a rotator are skipped with a reason, never rotated in the store alone', async () => {
  const box = await project();
  try {
    const skipped = await box.run(['rotate', 'database']);
    assert.equal(skipped.code, 0);
    assert.match(skipped.stdout, /DB_PASSWORD: skipped, a database credential lives in another system/);
    const history = JSON.parse((await box.run(['history', 'DB_PASSWORD', '--json'])).stdout) as { versions: unknown[] };
    assert.equal(history.versions.length, 1);
  } finally {
    box.cleanup();
  }
});

test('status exits 1 when a secret is overdue; rotate --due rotates exactly the overdue ones, and status is then clean', async () => {
  const box = await project();
  try {
    const stale = `${'Kd9'.repeat(22)}zz`;
    writeFileSync(join(box.dir, 'old.env'), `# coffer: updated=2025-01-01T00:00:00.000Z\nSESSION_SECRET=${stale}\n`, { mode: 0o600 });
    const imported = await box.run(['import', 'old.env', '--overwrite']);
    assert.equal(imported.code, 0, imported.stderr);
    const status = await box.run(['status']);
    assert.equal(status.code, 1, status.stdout);
    assert.match(status.stdout, /SESSION_SECRET\s+overdue/);
    assertNoValues(status, [stale]);
    const json = await box.run(['status', '--json']);
    assert.equal(json.code, 1, 'status --json fails CI on an overdue secret too');
    const report = JSON.parse(json.stdout) as { summary: { overdue: number }; secrets: { name: string; level: string }[] };
    assert.equal(report.summary.overdue, 1);
    assert.deepEqual(report.secrets.filter((r) => r.level === 'overdue').map((r) => r.name), ['SESSION_SECRET']);
    assertNoValues(json, [stale]);
    const due = await box.run(['rotate', '--due', '--json']);
    assert.equal(due.code, 0, due.stderr);
    const rows = (JSON.parse(due.stdout) as { results: { name: string; status: string }[] }).results;
    assert.deepEqual(rows.map((r) => [r.name, r.status]), [['SESSION_SECRET', 'rotated']]);
    assert.equal((await box.run(['status'])).code, 0, 'nothing is overdue any more');
  } finally {
    box.cleanup();
  }
});
