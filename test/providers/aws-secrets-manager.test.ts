/**
 * The aws-secrets-manager provider through the real AWS SDK against a local fake Secrets
 * Manager that verifies SigV4 signatures: the shared conformance suite, then what is specific
 * to AWS (JSON properties as NAME#KEY, names mapped with secretIds, the prefix, pagination,
 * stages as AWS staging labels, idempotent pending writes, metadata labels kept in bounds,
 * deletion with a recovery window, KMS key and tags, endpoints from the environment, an
 * injected client). Failures and their codes are in aws-secrets-manager-errors.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { selectProvider } from '../../src/client/sources.js';
import createAwsSecretsManagerProvider from '../../src/providers/aws-secrets-manager.js';
import { describeProviderConformance } from '../conformance/provider-suite.js';
import { rejectsWith, withFakeAws } from './_aws-harness.js';
import { startFakeAws, TEST_CREDENTIALS } from './_fake-aws-secrets-manager.js';

describeProviderConformance('aws-secrets-manager', async () => {
  const fake = await startFakeAws();
  const provider = createAwsSecretsManagerProvider({ prefix: 'app/test/' }, { env: fake.env });
  return { provider, cleanup: async () => { await provider.close(); await fake.close(); } };
});

test('NAME#KEY reads a property of a JSON secret; a missing property or a secret that is not JSON is not found, without the value', () => withFakeAws(async ({ open }) => {
  const provider = open();
  const json = JSON.stringify({ username: 'svc-user-55', password: 'json-password-7d1e', port: 5432, options: { ssl: true } });
  await provider.set('DATABASE', json);
  await provider.set('PLAIN', 'plain-value-not-json-4b9c');
  assert.equal((await provider.get('DATABASE#password')).value, 'json-password-7d1e');
  assert.equal((await provider.get('DATABASE#port')).value, '5432');
  assert.equal((await provider.get('DATABASE#options')).value, '{"ssl":true}');
  assert.equal((await provider.get('DATABASE#password')).name, 'DATABASE#password');
  const missing = await rejectsWith(provider.get('DATABASE#token'), 'COFFER_E_NOT_FOUND', ['json-password-7d1e', 'svc-user-55']);
  assert.match(missing.message, /no property token/);
  await rejectsWith(provider.get('PLAIN#password'), 'COFFER_E_NOT_FOUND', ['plain-value-not-json-4b9c']);
  await rejectsWith(provider.set('DATABASE#password', 'new'), 'COFFER_E_UNSUPPORTED', ['new']);
}));

test('secretIds points a name at any secret, such as an RDS-managed JSON secret, read with its key', () => withFakeAws(async ({ fake, open }) => {
  fake.state.seed('rds!db-1f2e3d', JSON.stringify({ username: 'postgres', password: 'rds-managed-password-81aa' }));
  const provider = open({ secretIds: { DB_PASSWORD: 'rds!db-1f2e3d#password', DB_USER: 'rds!db-1f2e3d#username' } });
  assert.equal((await provider.get('DB_PASSWORD')).value, 'rds-managed-password-81aa');
  assert.equal((await provider.get('DB_USER')).value, 'postgres');
  assert.equal(fake.requests.at(-1)?.secretId, 'rds!db-1f2e3d');
  // A secret written outside Coffer reports its version's creation date.
  assert.match((await provider.get('DB_PASSWORD')).metadata.updatedAt ?? '', /^\d{4}-\d\d-\d\dT/);
}));

test('the prefix forms the AWS name and bounds list, exactly and case-sensitively; AWS_SECRET_PREFIX is the default', () => withFakeAws(async ({ fake, open }) => {
  await open().set('JWT_SECRET', 'prefixed-value-1');
  assert.ok(fake.state.secrets.has('app/test/JWT_SECRET'));
  fake.state.seed('app/other/JWT_SECRET', 'elsewhere');
  fake.state.seed('APP/test/UPPER', 'other case');
  fake.state.seed('app/testing/NEAR', 'near miss');
  assert.deepEqual((await open().list()).map((s) => s.name), ['JWT_SECRET']);
  assert.equal((await createAwsSecretsManagerProvider({}, { env: { ...fake.env, AWS_SECRET_PREFIX: 'app/other/' } }).get('JWT_SECRET')).value, 'elsewhere');
  assert.equal(fake.requests.filter((r) => r.action === 'ListSecrets').every((r) => JSON.stringify(r.input.Filters) === '[{"Key":"name","Values":["app/test/"]}]'), true);
}));

test('list and versions follow every page', () => withFakeAws(async ({ fake, open }) => {
  const provider = open();
  const names = ['S1', 'S2', 'S3', 'S4', 'S5'];
  for (const name of names) await provider.set(name, `value-of-${name}`);
  for (let i = 2; i <= 5; i += 1) await provider.set('S1', `value-of-S1-v${i}`);
  fake.requests.length = 0;
  assert.deepEqual((await provider.list()).map((s) => s.name), names);
  assert.equal(fake.requests.filter((r) => r.action === 'ListSecrets').length, 3, 'five secrets, two a page');
  const versions = await provider.versions!('S1');
  assert.equal(versions.length, 5);
  assert.equal((await provider.get('S1', { version: versions[4]!.metadata.version! })).value, 'value-of-S1');
  assert.deepEqual(versions.map((v) => v.metadata.stages), [['current'], ['previous'], [], [], []]);
}));

test('stages are AWS staging labels: a pending version is AWSPENDING under the rotation token; made current, the old one is AWSPREVIOUS and AWSPENDING is gone', () => withFakeAws(async ({ fake, open }) => {
  const provider = open();
  await provider.set('API_KEY', 'api-key-current-1');
  const token = '5b0c9a52-8f0e-4d5e-9b1c-6a1f0e2d3c4b';
  const pending = await provider.putPending!('API_KEY', 'api-key-pending-2', { token });
  assert.equal(pending, token, 'the version id is the ClientRequestToken');
  assert.equal(fake.state.holder('app/test/API_KEY', 'AWSPENDING')?.id, token);
  assert.equal(fake.state.holder('app/test/API_KEY', 'AWSCURRENT')?.value, 'api-key-current-1');
  await provider.moveStage!('API_KEY', 'current', pending);
  assert.equal(fake.state.holder('app/test/API_KEY', 'AWSCURRENT')?.id, token);
  assert.equal(fake.state.holder('app/test/API_KEY', 'AWSPREVIOUS')?.value, 'api-key-current-1');
  assert.equal(fake.state.holder('app/test/API_KEY', 'AWSPENDING'), undefined);
  // A version an AWS rotation function made carries the same labels, and Coffer reads them.
  fake.state.secrets.get('app/test/API_KEY')!.versions.find((v) => v.id === token)!.labels.push('AWSPENDING');
  assert.deepEqual((await provider.get('API_KEY')).metadata.stages, ['current', 'pending']);
}));

test('putPending is idempotent under its token; another value under the same token is a conflict without values', () => withFakeAws(async ({ fake, open }) => {
  const provider = open();
  await provider.set('TOKEN', 'token-current-0');
  const token = 'rotation-token-0000-0000-000000000042';
  const first = await provider.putPending!('TOKEN', 'token-pending-1', { token });
  const again = await provider.putPending!('TOKEN', 'token-pending-1', { token });
  assert.equal(again, first);
  assert.equal(fake.state.secrets.get('app/test/TOKEN')!.versions.length, 2, 'the replay made no new version');
  const puts = fake.requests.filter((r) => r.action === 'PutSecretValue' && r.input.ClientRequestToken === token);
  assert.equal(puts.length, 2);
  await rejectsWith(provider.putPending!('TOKEN', 'token-pending-other', { token }), 'COFFER_E_CONFLICT', ['token-pending-1', 'token-pending-other']);
  // Replayed after its pending stage was discarded, the version gets the stage back.
  await provider.clearStage!('TOKEN', 'pending');
  await provider.putPending!('TOKEN', 'token-pending-1', { token });
  assert.equal((await provider.get('TOKEN', { stage: 'pending' })).value, 'token-pending-1');
  await rejectsWith(provider.putPending!('TOKEN', 'x', { token: 'short' }), 'COFFER_E_USAGE', ['x']);
}));

test('metadata labels stay on staged versions only: many writes never reach the 20-label quota', () => withFakeAws(async ({ fake, open }) => {
  const provider = open();
  for (let i = 0; i < 15; i += 1) await provider.set('BUSY', `busy-value-${i}`, { rotateBy: '2030-01-01T00:00:00.000Z' });
  const secret = fake.state.secrets.get('app/test/BUSY')!;
  const labelled = secret.versions.filter((v) => v.labels.length > 0);
  assert.equal(labelled.length, 2, 'current and previous only');
  assert.equal((await provider.get('BUSY', { stage: 'previous' })).metadata.rotateBy, '2030-01-01T00:00:00.000Z');
}));

test('delete keeps the recovery window; setting the name again restores it; forceDelete removes it at once', () => withFakeAws(async ({ fake, open }) => {
  const provider = open({ recoveryWindowDays: 7 });
  await provider.set('OLD', 'old-value-1');
  await provider.delete('OLD');
  assert.equal(fake.requests.at(-1)?.input.RecoveryWindowInDays, 7);
  assert.ok(fake.state.secrets.get('app/test/OLD')?.deletedAt, 'scheduled, not gone');
  const error = await rejectsWith(provider.get('OLD'), 'COFFER_E_NOT_FOUND', ['old-value-1']);
  assert.match(error.message, /scheduled for deletion/);
  await rejectsWith(provider.delete('OLD'), 'COFFER_E_NOT_FOUND');
  await provider.set('OLD', 'new-value-2');
  assert.equal((await provider.get('OLD')).value, 'new-value-2');
  await open({ forceDelete: true }).delete('OLD');
  assert.equal(fake.state.secrets.has('app/test/OLD'), false);
}));

test('secrets Coffer creates get the KMS key and tags of the options; existing ones keep theirs', () => withFakeAws(async ({ fake, open }) => {
  const provider = open({ kmsKeyId: 'alias/coffer-test', tags: { team: 'payments', managed: 'coffer' } });
  await provider.set('CREATED', 'created-value');
  const secret = fake.state.secrets.get('app/test/CREATED')!;
  assert.equal(secret.kmsKeyId, 'alias/coffer-test');
  assert.deepEqual(secret.tags, [{ Key: 'team', Value: 'payments' }, { Key: 'managed', Value: 'coffer' }]);
  await provider.set('CREATED', 'second-value');
  assert.equal(fake.requests.filter((r) => r.action === 'CreateSecret').length, 1);
}));

test('the endpoint comes from the option, else AWS_ENDPOINT_URL_SECRETS_MANAGER, else AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', () => withFakeAws(async ({ fake, open }) => {
  fake.state.seed('app/test/E', 'endpoint-value');
  const other = await startFakeAws();
  try {
    other.state.seed('app/test/E', 'other-endpoint-value');
    assert.equal((await open({}, { AWS_ENDPOINT_URL_SECRETS_MANAGER: undefined, AWS_ENDPOINT_URL: fake.endpoint }).get('E')).value, 'endpoint-value');
    assert.equal((await open({}, { AWS_ENDPOINT_URL: other.endpoint }).get('E')).value, 'endpoint-value', 'the service-specific variable wins');
    assert.equal((await open({ endpoint: other.endpoint }).get('E')).value, 'other-endpoint-value', 'the option wins');
    // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: the endpoint the variable names gets no request; the option's does.
    const named = { AWS_ENDPOINT_URL_SECRETS_MANAGER: other.endpoint, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' };
    const before = { fake: fake.requests.length, other: other.requests.length };
    assert.equal((await open({ endpoint: fake.endpoint }, named).get('E')).value, 'endpoint-value');
    assert.equal(fake.requests.length - before.fake, 1, 'the endpoint of the option was called');
    assert.equal(other.requests.length, before.other, 'the endpoint of the ignored variable was not');
    // Without the option the call goes to the region's public endpoint, never to the variable's.
    // The region is one no AWS host serves, so the call fails on DNS instead of reaching AWS.
    const ignored = open({ maxAttempts: 1, timeoutMs: 5_000 }, { ...named, AWS_REGION: 'zz-nowhere-1' });
    assert.match(ignored.location, /region zz-nowhere-1[,)]/);
    assert.doesNotMatch(ignored.location, /endpoint/);
    const error = await rejectsWith(ignored.get('E'), 'COFFER_E_UNAVAILABLE');
    assert.match(error.message, /https:\/\/secretsmanager\.zz-nowhere-1\.amazonaws\.com/);
    assert.equal(other.requests.length, before.other, 'the ignored variable\'s endpoint still got no request');
    // The same call with the variable honoured does reach it: the check above can fail.
    await rejectsWith(open({ maxAttempts: 1 }, { ...named, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: undefined, AWS_REGION: 'zz-nowhere-1' }).get('E'), 'COFFER_E_ACCESS_DENIED');
    assert.equal(other.requests.length, before.other + 1, 'honoured, the variable sends the call to its endpoint');
  } finally {
    await other.close();
  }
}));

test('a client passed in is used and left open by close', () => withFakeAws(async ({ fake, open }) => {
  fake.state.seed('app/test/INJECTED', 'injected-value');
  const client = new SecretsManagerClient({ region: fake.region, endpoint: fake.endpoint, credentials: TEST_CREDENTIALS });
  try {
    const provider = open({ client }, { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'unused' });
    assert.equal((await provider.get('INJECTED')).value, 'injected-value');
    await provider.close();
    assert.equal((await open({ client }).get('INJECTED')).value, 'injected-value');
  } finally {
    client.destroy();
  }
}));

test('opening the provider makes no call and needs no region or credentials', () => withFakeAws(async ({ fake }) => {
  const provider = createAwsSecretsManagerProvider({}, { env: {} });
  assert.equal(provider.id, 'aws-secrets-manager');
  assert.equal(fake.requests.length, 0);
  await provider.close();
  await rejectsWith(provider.get('X'), 'COFFER_E_USAGE');
}));

test('detection opens the provider in the region it was detected by, and SECRET_PROVIDER=aws reads through it', () => withFakeAws(async ({ fake }) => {
  const detected = await selectProvider({ env: { AWS_SECRETS_MANAGER_REGION: 'eu-west-2' }, cwd: tmpdir() });
  assert.equal(detected.provider.id, 'aws-secrets-manager');
  assert.match(detected.provider.location, /region eu-west-2/);
  assert.equal(detected.reason, 'AWS_SECRETS_MANAGER_REGION is set');
  await detected.provider.close();
  fake.state.seed('app/prod/API_TOKEN', 'selected-value-9e');
  const { provider } = await selectProvider({ env: { ...fake.env, SECRET_PROVIDER: 'aws' }, providerOptions: { prefix: 'app/prod/' } });
  try {
    assert.equal((await provider.get('API_TOKEN')).value, 'selected-value-9e');
  } finally {
    await provider.close();
  }
}));
