/**
 * Opens aws-secrets-manager providers against a fresh fake Secrets Manager and closes both when
 * the test body ends, for the provider's tests. Also the assertion those tests make most: a
 * call fails with a given code, and no value appears in the error.
 */
import assert from 'node:assert/strict';
import { isCofferError, type CofferError, type ErrorCode } from '../../src/core/errors.js';
import createAwsSecretsManagerProvider, { type AwsSecretsManagerOptions } from '../../src/providers/aws-secrets-manager.js';
import type { Provider } from '../../src/providers/types.js';
import { startFakeAws, type FakeAws, type FakeAwsOptions } from './_fake-aws-secrets-manager.js';

// The SDK warns on stderr that Node 20 support ends; it says nothing about what is tested.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** What a test body gets. */
export interface FakeAwsHarness {
  readonly fake: FakeAws;
  /** A provider with prefix `app/test/` talking to the fake; `env` replaces variables of fake.env (undefined removes one). */
  open(options?: AwsSecretsManagerOptions, env?: Readonly<Record<string, string | undefined>>): Provider;
}

/** Runs `body` with a fresh fake; closes every provider opened and the fake afterwards. */
export async function withFakeAws(body: (harness: FakeAwsHarness) => Promise<void>, fakeOptions: FakeAwsOptions = {}): Promise<void> {
  const fake = await startFakeAws(fakeOptions);
  const opened: Provider[] = [];
  try {
    await body({
      fake,
      open: (options = {}, env = {}) => {
        const provider = createAwsSecretsManagerProvider({ prefix: 'app/test/', ...options }, { env: { ...fake.env, ...env } });
        opened.push(provider);
        return provider;
      },
    });
  } finally {
    await Promise.all(opened.map((p) => p.close()));
    await fake.close();
  }
}

/** Awaits a rejection with `code` whose message and details contain none of `values`; returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, values: readonly string[] = []): Promise<CofferError> {
  const error = await promise.then(() => assert.fail(`expected ${code}`), (caught: unknown) => caught);
  if (!isCofferError(error)) throw error;
  assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
  const shown = `${error.message} ${JSON.stringify(error.details)}`;
  for (const value of values) assert.ok(!shown.includes(value), `the error shows a secret value: ${error.message}`);
  assert.ok(!error.message.includes('\n'), 'the message is one line');
  return error;
}
