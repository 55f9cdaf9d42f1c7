/**
 * The rotation engine on AWS Secrets Manager (the fake, through the real SDK), as `coffer rotate`
 * builds it: while a rotation runs the new value is AWSPENDING and readers still get AWSCURRENT;
 * at finish it is AWSCURRENT and the old one AWSPREVIOUS, until the grace period ends and
 * AWSPREVIOUS is retired; rollback in the grace period moves AWSCURRENT back; a failed set or
 * health check leaves no AWSPENDING; a rotation cut off between steps (an outage, an answer
 * lost after AWS acted) is finished or discarded by the next run; a retried create writes one
 * version under the rotation token; a property of a JSON secret is refused before any change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCofferError } from '../../src/core/errors.js';
import { readJournal } from '../../src/rotation/journal.js';
import type { Injected } from '../providers/_fake-aws-secrets-manager.js';
import { serviceHooks, stagesByVersion, withAwsRotation, type AwsRotationProject } from './_aws-rotation.js';

const HOUR = 3_600_000;
const SESSION = 'SESSION_SECRET';
const KEY = 'SERVICE_API_KEY';
const OLD = 'session-secret-original-'.padEnd(72, 'x');
const OLD_KEY = 'sk_live_original_'.padEnd(64, 'k');
const randomSecret = () => ({ [SESSION]: { category: 'session', rotation: { rotator: 'random' } } }) as const;
const apiKeySecret = (rotation: (dir: string) => Record<string, unknown> = () => ({})) => (dir: string) =>
  ({ [KEY]: { category: 'api_key', rotation: { rotator: 'api-key', options: serviceHooks(dir), ...rotation(dir) } } }) as const;

/** Records the stages of `name` at the start of each engine step; `also` runs too. */
function watchSteps(p: AwsRotationProject, name: string, also?: (step: string) => void): Record<string, Record<string, string[]>> {
  const seen: Record<string, Record<string, string[]>> = {};
  p.onStep = (secret, step) => {
    if (secret !== name) return;
    seen[step] = stagesByVersion(p, name);
    also?.(step);
  };
  return seen;
}

/** Writes the first value of `name` through the provider; returns its version id. */
async function seed(p: AwsRotationProject, name: string, value: string): Promise<string> {
  await p.provider.set(name, value);
  return p.holder(name, 'AWSCURRENT') as string;
}

const valueAt = (p: AwsRotationProject, name: string, stage: 'current' | 'previous' | 'pending') =>
  p.provider.get(name, { stage }).then((r) => r.value, (e: unknown) => (isCofferError(e, 'COFFER_E_NOT_FOUND') ? undefined : Promise.reject(e)));

test('random rotator: the new value is AWSPENDING during the steps, AWSCURRENT after finish with the old one AWSPREVIOUS, retired when the grace period ends', () => withAwsRotation(randomSecret, async (p) => {
  const oldId = await seed(p, SESSION, OLD);
  const seen = watchSteps(p, SESSION);
  const outcome = await p.engine.rotate(p.secret(SESSION), { graceMs: HOUR });
  assert.equal(outcome.status, 'rotated');
  assert.equal(outcome.fromVersion, oldId);
  const newId = outcome.toVersion as string;
  assert.equal(readJournal(p.dir, 'production', SESSION)?.token, newId, 'the version id is the rotation token (ClientRequestToken)');
  for (const step of ['set', 'test', 'finish']) assert.deepEqual(seen[step], { [oldId]: ['AWSCURRENT'], [newId]: ['AWSPENDING'] }, `at the ${step} step`);
  assert.deepEqual(stagesByVersion(p, SESSION), { [oldId]: ['AWSPREVIOUS'], [newId]: ['AWSCURRENT'] });
  const fresh = await valueAt(p, SESSION, 'current');
  assert.notEqual(fresh, OLD);
  assert.equal(fresh?.length, p.secret(SESSION).generator.length, 'a value of the secret\'s policy');
  assert.equal(await valueAt(p, SESSION, 'previous'), OLD, 'the old value stays readable during the grace period');
  assert.ok(!JSON.stringify(outcome).includes(OLD) && !JSON.stringify(outcome).includes(fresh as string), 'the outcome holds no value');

  p.advance(HOUR - 1000);
  assert.equal((await p.engine.finalize(p.secret(SESSION), false))?.status, 'in-grace');
  assert.equal(p.holder(SESSION, 'AWSPREVIOUS'), oldId);
  p.advance(2000);
  assert.equal((await p.engine.finalize(p.secret(SESSION), false))?.status, 'retired');
  assert.deepEqual(stagesByVersion(p, SESSION), { [newId]: ['AWSCURRENT'] });
  assert.deepEqual(p.versions(SESSION).find((v) => v.id === oldId)?.labels, [], 'the retired version keeps no label, so AWS can let it go');
  assert.equal(readJournal(p.dir, 'production', SESSION), undefined);
}));

test('api-key rotator: both keys work during the grace period; rollback makes the old version AWSCURRENT again, withdraws the new key and leaves it no stage', () => withAwsRotation(apiKeySecret(), async (p) => {
  const oldId = await seed(p, KEY, OLD_KEY);
  p.accept(OLD_KEY);
  let acceptedAtTest: string[] = [];
  const seen = watchSteps(p, KEY, (step) => {
    if (step === 'test') acceptedAtTest = p.accepted();
  });
  const outcome = await p.engine.rotate(p.secret(KEY), { graceMs: HOUR });
  const newId = outcome.toVersion as string;
  const fresh = (await valueAt(p, KEY, 'current')) as string;
  assert.deepEqual(seen.test, { [oldId]: ['AWSCURRENT'], [newId]: ['AWSPENDING'] });
  assert.deepEqual(acceptedAtTest, [OLD_KEY, fresh], 'the new key was registered before it was tested');
  assert.deepEqual(stagesByVersion(p, KEY), { [oldId]: ['AWSPREVIOUS'], [newId]: ['AWSCURRENT'] });

  const rolled = await p.engine.rollback(p.secret(KEY));
  assert.equal(rolled.status, 'rolled-back');
  assert.deepEqual(stagesByVersion(p, KEY), { [oldId]: ['AWSCURRENT'] });
  assert.deepEqual(p.versions(KEY).find((v) => v.id === newId)?.labels, [], 'the undone version keeps no label');
  assert.equal(await valueAt(p, KEY, 'current'), OLD_KEY);
  assert.deepEqual(p.accepted(), [OLD_KEY], 'the new key was withdrawn');
  assert.equal(readJournal(p.dir, 'production', KEY), undefined);
  await assert.rejects(p.engine.rollback(p.secret(KEY)), (e) => isCofferError(e, 'COFFER_E_USAGE'));
}));

const failures = {
  set: apiKeySecret((dir) => ({ options: { ...serviceHooks(dir), register: ['sh', '-c', 'exit 4'] } })),
  test: apiKeySecret(() => ({ healthCheck: { command: ['sh', '-c', 'exit 3'] } })),
};
for (const [step, secrets] of Object.entries(failures)) {
  test(`a failed ${step} step rolls back: AWSCURRENT stays on the old version, no AWSPENDING is left, the service accepts only the old key`, () => withAwsRotation(secrets, async (p) => {
    const oldId = await seed(p, KEY, OLD_KEY);
    p.accept(OLD_KEY);
    const error = await p.engine.rotate(p.secret(KEY), { graceMs: HOUR }).then(() => assert.fail('the rotation should fail'), (e: unknown) => e);
    assert.ok(isCofferError(error, 'COFFER_E_ROTATION_FAILED'), String(error));
    assert.match(error.message, new RegExp(`at the ${step} step .*${step === 'set' ? 'register hook' : 'health check'}.*rolled back`));
    const discarded = p.versions(KEY).find((v) => v.id !== oldId);
    assert.ok(discarded !== undefined, 'the new value had been stored');
    assert.ok(!error.message.includes(OLD_KEY) && !error.message.includes(discarded.value), 'no value in the error');
    assert.deepEqual(stagesByVersion(p, KEY), { [oldId]: ['AWSCURRENT'] });
    assert.equal(p.holder(KEY, 'AWSPENDING'), undefined);
    assert.deepEqual(discarded.labels, []);
    assert.equal(await valueAt(p, KEY, 'current'), OLD_KEY);
    assert.deepEqual(p.accepted(), [OLD_KEY]);
    assert.equal(readJournal(p.dir, 'production', KEY), undefined);
  }));
}

/** Ways a rotation is cut off between steps: a failure injected as `step` starts, the phase the journal is left at, and what the next run does. */
const interruptions: readonly { what: string; at: string; failure: Injected; graceMs: number; phase: string; next: string; stages: (oldId: string, newId: string) => Record<string, string[]> }[] = [
  { what: 'the answer to the create write is lost (AWS stored the value)', at: 'store', failure: { action: 'PutSecretValue', kind: 'lost', times: 1 }, graceMs: HOUR, phase: 'creating', next: 'rotated', stages: (o, n) => ({ [o]: ['AWSCURRENT'], [n]: ['AWSPENDING'] }) },
  { what: 'AWS is unavailable once the new value is stored', at: 'store', failure: { action: 'GetSecretValue', kind: 'internal', times: 1 }, graceMs: HOUR, phase: 'created', next: 'resumed', stages: (o, n) => ({ [o]: ['AWSCURRENT'], [n]: ['AWSPENDING'] }) },
  { what: 'AWS is unavailable at finish', at: 'finish', failure: { action: 'UpdateSecretVersionStage', kind: 'internal', times: 1 }, graceMs: HOUR, phase: 'finishing', next: 'resumed', stages: (o, n) => ({ [o]: ['AWSCURRENT'], [n]: ['AWSPENDING'] }) },
  { what: 'the answer to the finish move is lost (AWSCURRENT moved)', at: 'finish', failure: { action: 'UpdateSecretVersionStage', kind: 'lost', times: 1 }, graceMs: HOUR, phase: 'finishing', next: 'resumed', stages: (o, n) => ({ [o]: ['AWSPREVIOUS'], [n]: ['AWSCURRENT', 'AWSPENDING'] }) },
  { what: 'AWS is unavailable while the old value is retired', at: 'revoke', failure: { action: 'UpdateSecretVersionStage', kind: 'internal', times: 1 }, graceMs: 0, phase: 'revoking', next: 'retired', stages: (o, n) => ({ [o]: ['AWSPREVIOUS'], [n]: ['AWSCURRENT'] }) },
];

for (const cut of interruptions) {
  test(`cut off between steps (${cut.what}): the journal says "${cut.phase}", and the next run ends consistent (${cut.next})`, () => withAwsRotation(randomSecret, async (p) => {
    const oldId = await seed(p, SESSION, OLD);
    let armed = true;
    watchSteps(p, SESSION, (step) => {
      if (step === cut.at && armed) p.fake.inject({ ...cut.failure, secret: `app/test/${SESSION}` });
      if (step === cut.at) armed = false;
    });
    await assert.rejects(p.engine.rotate(p.secret(SESSION), { graceMs: cut.graceMs }), (e) => isCofferError(e, 'COFFER_E_UNAVAILABLE') && !e.message.includes(OLD));
    const journal = readJournal(p.dir, 'production', SESSION);
    assert.equal(journal?.phase, cut.phase);
    const newId = journal.token;
    assert.deepEqual(stagesByVersion(p, SESSION), cut.stages(oldId, newId), 'where the cut left the labels');
    const readers = await valueAt(p, SESSION, 'current');
    assert.equal(readers, p.versions(SESSION).find((v) => v.labels.includes('AWSCURRENT'))?.value, 'readers get one whole value meanwhile');

    const next = p.reopen();
    const outcome = await next.engine.rotate(p.secret(SESSION), { graceMs: cut.graceMs });
    assert.equal(outcome.status, cut.next);
    assert.equal(p.holder(SESSION, 'AWSPENDING'), undefined, 'nothing is left pending');
    if (cut.next === 'rotated') {
      // The cut-off rotation is discarded, then the rotation asked for runs afresh.
      assert.notEqual(outcome.toVersion, newId, 'a new version, not the discarded one');
      assert.deepEqual(stagesByVersion(p, SESSION), { [oldId]: ['AWSPREVIOUS'], [outcome.toVersion as string]: ['AWSCURRENT'] });
      assert.equal(readJournal(p.dir, 'production', SESSION)?.phase, 'finished');
    } else if (cut.next === 'retired') {
      assert.deepEqual(stagesByVersion(p, SESSION), { [newId]: ['AWSCURRENT'] });
      assert.equal(readJournal(p.dir, 'production', SESSION), undefined);
    } else {
      assert.deepEqual(stagesByVersion(p, SESSION), { [oldId]: ['AWSPREVIOUS'], [newId]: ['AWSCURRENT'] });
      assert.equal(readJournal(p.dir, 'production', SESSION)?.phase, 'finished');
      assert.equal(await valueAt(p, SESSION, 'previous'), OLD);
    }
    assert.equal(p.versions(SESSION).length, cut.next === 'rotated' ? 3 : 2, 'no version beyond those the rotations made');
  }, { maxAttempts: 1 }));
}

test('idempotent create: when the answer to the pending write is lost, the SDK retries under the same ClientRequestToken and AWS keeps one version', () => withAwsRotation(randomSecret, async (p) => {
  const oldId = await seed(p, SESSION, OLD);
  p.fake.inject({ action: 'PutSecretValue', secret: `app/test/${SESSION}`, kind: 'lost', times: 1 });
  const outcome = await p.engine.rotate(p.secret(SESSION), { graceMs: HOUR });
  assert.equal(outcome.status, 'rotated');
  const newId = outcome.toVersion as string;
  const puts = p.fake.requests.filter((r) => r.action === 'PutSecretValue' && r.input.ClientRequestToken === newId);
  assert.deepEqual(puts.map((r) => r.status), [500, 200], 'the create write was sent twice with the rotation token');
  assert.equal(p.versions(SESSION).length, 2, 'and made one version');
  assert.deepEqual(stagesByVersion(p, SESSION), { [oldId]: ['AWSPREVIOUS'], [newId]: ['AWSCURRENT'] });
  // The create step repeated by hand with the same token and value: the same version, and the finished rotation is left as it is.
  const fresh = (await valueAt(p, SESSION, 'current')) as string;
  assert.equal(await p.provider.putPending!(SESSION, fresh, { token: newId }), newId);
  assert.equal(p.versions(SESSION).length, 2);
  assert.deepEqual(stagesByVersion(p, SESSION), { [oldId]: ['AWSPREVIOUS'], [newId]: ['AWSCURRENT'] });
}));

test('a property of a JSON secret (NAME#KEY through secretIds) is read but not rotated: COFFER_E_UNSUPPORTED before any write, no journal left, the secret untouched', () => withAwsRotation(() => ({ DB_PASSWORD: { category: 'password', rotation: { rotator: 'random' } } }), async (p) => {
  const password = 'Rds-Pw7!kQ2#zM9@xL4$vN8^bT3&cH6*';
  p.fake.state.seed('app/test/database', JSON.stringify({ username: 'app', password, host: 'db.internal' }));
  assert.equal((await p.provider.get('DB_PASSWORD')).value, password, 'the property reads');
  for (let run = 0; run < 2; run += 1) {
    const error = await p.engine.rotate(p.secret('DB_PASSWORD'), { graceMs: HOUR }).then(() => assert.fail('should be refused'), (e: unknown) => e);
    assert.ok(isCofferError(error, 'COFFER_E_UNSUPPORTED'), String(error));
    assert.match(error.message, /property of the JSON secret "app\/test\/database".*write the whole secret/);
    assert.ok(!error.message.includes(password));
    assert.equal(readJournal(p.dir, 'production', 'DB_PASSWORD'), undefined, 'no rotation is left open');
  }
  assert.equal(p.versions('database').length, 1);
  assert.deepEqual(stagesByVersion(p, 'database'), { [p.versions('database')[0]!.id]: ['AWSCURRENT'] });
  assert.ok(!p.fake.requests.some((r) => r.action === 'PutSecretValue' || r.action === 'UpdateSecretVersionStage'), 'nothing was written');
}, { secretIds: { DB_PASSWORD: 'app/test/database#password' } }));

test('a compromised secret is rotated with no grace: AWSPREVIOUS is retired at once, and the report does not claim an audit entry AWS does not keep', () => withAwsRotation(randomSecret, async (p) => {
  const oldId = await seed(p, SESSION, OLD);
  const outcome = await p.engine.rotate(p.secret(SESSION), { graceMs: HOUR, compromised: true });
  assert.equal(outcome.status, 'rotated');
  assert.deepEqual(stagesByVersion(p, SESSION), { [outcome.toVersion as string]: ['AWSCURRENT'] });
  assert.deepEqual(p.versions(SESSION).find((v) => v.id === oldId)?.labels, []);
  assert.deepEqual(outcome.notes, ['incident not recorded: aws-secrets-manager keeps no Coffer audit log; record it where that backend\'s access is logged']);
}));
