/**
 * How the gcp-secret-manager provider meets throttling and failures it does not know, through
 * the real @google-cloud/secret-manager SDK (REST transport) against the local fake: the wait
 * the service asks for (a Retry-After header, a google.rpc.RetryInfo detail) is honoured up to
 * maxRetryAfterMs, writes are retried only when throttled (the service did not act), an
 * unrecognised failure is not retried, and a missing SDK names the package to install.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { isCofferError, type CofferError } from '../../src/core/errors.js';
import { gcpError } from '../../src/providers/_gcp-errors.js';
import createGcpSecretManagerProvider from '../../src/providers/gcp-secret-manager.js';
import { type FakeGcp } from './_fake-gcp-secret-manager.js';
import { openOnFake, withFake } from './_gcp-harness.js';
import { readWithoutPackage } from './_missing-sdk.js';

// Retries on: these tests are about what is and is not retried.
const open = (fake: FakeGcp, options: Record<string, unknown> = {}) => openOnFake(fake, { maxAttempts: 3, ...options });


/** Awaits a rejection with `code` whose message contains every one of `parts`; returns it. */
async function rejection(promise: Promise<unknown>, code: string, ...parts: string[]): Promise<CofferError> {
  const error = await promise.then(() => assert.fail(`expected ${code}`), (caught: unknown) => caught);
  assert.ok(isCofferError(error, code as never), `expected ${code}, got ${String(error)}`);
  for (const part of parts) assert.ok((error as CofferError).message.includes(part), `"${part}" not in: ${(error as CofferError).message}`);
  return error as CofferError;
}

const gaps = (fake: FakeGcp, request: string) => {
  const times = fake.timeline.filter((t) => t.request === request).map((t) => t.at);
  return times.slice(1).map((at, i) => at - (times[i] as number));
};
const ACCESS = 'GET /v1/projects/coffer-test/secrets/BUSY/versions/latest:access';
const ADD = 'POST /v1/projects/coffer-test/secrets/BUSY:addVersion';

test('a throttled read waits the Retry-After the service sends before its retry', async () => {
  await withFake(async (fake) => {
    const provider = open(fake);
    await provider.set('BUSY', 'busy-value');
    fake.faults.throttle = 1;
    fake.faults.retryAfter = '2';
    assert.equal((await provider.get('BUSY')).value, 'busy-value');
    const [gap] = gaps(fake, ACCESS);
    assert.ok(gap !== undefined && gap >= 1900, `the retry came ${gap} ms after a Retry-After of 2 s (the backoff alone waits about 200 ms)`);
    await provider.close();
  });
});

test('a throttled read waits the retryDelay of a google.rpc.RetryInfo in the error', async () => {
  await withFake(async (fake) => {
    const provider = open(fake);
    await provider.set('BUSY', 'busy-value');
    fake.faults.throttle = 1;
    fake.faults.retryAfter = undefined;
    fake.faults.retryDelay = '1.5s';
    assert.equal((await provider.get('BUSY')).value, 'busy-value');
    const [gap] = gaps(fake, ACCESS);
    assert.ok(gap !== undefined && gap >= 1400, `the retry came ${gap} ms after a RetryInfo of 1.5 s`);
    await provider.close();
  });
});

test('a wait longer than maxRetryAfterMs ends the retries at once, saying how long the service asked', async () => {
  await withFake(async (fake) => {
    const provider = open(fake, { maxRetryAfterMs: 5_000 });
    await provider.set('BUSY', 'busy-value');
    fake.faults.throttle = 3;
    fake.faults.retryAfter = '120';
    const before = fake.requests.length;
    const error = await rejection(provider.get('BUSY'), 'COFFER_E_UNAVAILABLE', 'throttling', 'wait 120 s');
    assert.equal(error.retryable, true);
    assert.equal(error.details.retryAfterMs, 120_000);
    assert.equal(fake.requests.length - before, 1, 'no retry');
    await provider.close();
  });
});

test('a throttled write is retried (the quota refused it before the service acted); a write that met an outage is not', async () => {
  await withFake(async (fake) => {
    const provider = open(fake);
    await provider.set('BUSY', 'first-value');
    fake.faults.throttle = 1;
    await provider.set('BUSY', 'second-value');
    assert.equal((await provider.get('BUSY')).value, 'second-value');
    assert.deepEqual((await provider.versions('BUSY')).map((v) => v.metadata.version), ['2', '1'], 'one version per write');
    assert.equal(fake.requests.filter((r) => r === ADD).length, 4, 'two adds for the first write (the secret was created between them), two for the throttled one');
    fake.faults.unavailable = 1;
    await rejection(provider.set('BUSY', 'third-value'), 'COFFER_E_UNAVAILABLE', 'unavailable', 'write of BUSY');
    assert.equal(fake.requests.filter((r) => r === ADD).length, 5, 'the write that met UNAVAILABLE was not repeated: the service may have acted');
    await provider.close();
  });
});

test('a failure the provider does not recognise is not retried: an unknown gRPC status, or a programming error', async () => {
  await withFake(async (fake) => {
    const provider = open(fake);
    await provider.set('ODD', 'odd-value');
    fake.faults.failOn = (request) => (request.endsWith('/ODD/versions/latest:access') ? 501 : undefined);
    const before = fake.requests.length;
    const error = await rejection(provider.get('ODD'), 'COFFER_E_UNAVAILABLE', 'read of ODD', 'gRPC status 12');
    assert.equal(error.retryable, false);
    assert.equal(fake.requests.length - before, 1, 'tried once, with maxAttempts 3');
    await provider.close();
  });
  const where = { what: 'read of X', name: 'X', where: 'project p' };
  const bug = gcpError(new TypeError("Cannot read properties of undefined (reading 'payload')"), where);
  assert.equal(bug.code, 'COFFER_E_INTERNAL');
  assert.equal(bug.retryable, false);
  assert.match(bug.message, /unexpected error \(TypeError\)/);
  for (const network of [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), new TypeError('fetch failed'), new DOMException('The operation was aborted due to timeout', 'TimeoutError')]) {
    const failure = gcpError(network, where);
    assert.equal(failure.code, 'COFFER_E_UNAVAILABLE', String(network));
    assert.equal(failure.retryable, true, `a network failure stays retryable: ${String(network)}`);
  }
});

test('with accessToken, a silent endpoint fails after timeoutMs as a retryable COFFER_E_UNAVAILABLE instead of hanging', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const port = (silent.address() as { port: number }).port;
    const provider = createGcpSecretManagerProvider({ project: 'coffer-test', endpoint: `http://127.0.0.1:${port}`, accessToken: 'ya29.silent', maxAttempts: 2, timeoutMs: 300 });
    const error = await rejection(provider.get('X'), 'COFFER_E_UNAVAILABLE', 'did not answer in time', 'read of X');
    assert.equal(error.retryable, true);
    assert.equal(sockets.length, 2, 'a read that timed out is tried again');
    await provider.close();
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('without @google-cloud/secret-manager the provider opens, and its first call is COFFER_E_MISSING_PACKAGE naming the package and its npm install command', async () => {
  const { opened, code, message } = await readWithoutPackage('src/providers/gcp-secret-manager.ts', { project: 'coffer-test', accessToken: 'ya29.unused' }, '@google-cloud/secret-manager');
  assert.equal(opened, 'gcp-secret-manager');
  assert.equal(code, 'COFFER_E_MISSING_PACKAGE', message);
  assert.ok(message.includes('needs the @google-cloud/secret-manager package') && message.includes('npm install @google-cloud/secret-manager'), message);
});
