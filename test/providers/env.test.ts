/**
 * The env provider: the shared conformance suite over a plain object and over process.env with
 * a prefix, plus what is specific to environment variables (prefix handling, process.env).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isCofferError } from '../../src/core/errors.js';
import createEnvProvider from '../../src/providers/env.js';
import { describeProviderConformance } from '../conformance/provider-suite.js';

describeProviderConformance('env (own object)', async () => ({
  provider: createEnvProvider({}, { env: {} }),
  cleanup: async () => {},
}));

describeProviderConformance('env (process.env, prefix)', async () => {
  const prefix = `COFFER_TEST_${randomBytes(4).toString('hex').toUpperCase()}_`;
  return {
    provider: createEnvProvider({ prefix }),
    cleanup: async () => {
      for (const key of Object.keys(process.env)) if (key.startsWith(prefix)) delete process.env[key];
    },
    rejectedWrite: { name: 'HAS=EQUALS', value: 'rejected-value-e1' },
  };
});

test('a prefix is prepended on reads and writes, and list returns only prefixed names without it', async () => {
  const env: Record<string, string | undefined> = { APP_DB_PASSWORD: 'pw', OTHER: 'x', APP_: 'empty name', PATH: '/bin' };
  const provider = createEnvProvider({ prefix: 'APP_' }, { env });
  assert.equal((await provider.get('DB_PASSWORD')).value, 'pw');
  await provider.set('API_KEY', 'k');
  assert.equal(env.APP_API_KEY, 'k');
  assert.deepEqual((await provider.list()).map((entry) => entry.name), ['API_KEY', 'DB_PASSWORD']);
  await assert.rejects(provider.get('OTHER'), (error) => isCofferError(error, 'COFFER_E_NOT_FOUND') && error.message.includes('APP_OTHER'));
});

test('without options it reads process.env', async () => {
  const key = `COFFER_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[key] = 'from the real environment';
  try {
    assert.equal((await createEnvProvider().get(key)).value, 'from the real environment');
  } finally {
    delete process.env[key];
  }
});

test('values and names an environment cannot hold are refused, and nothing is set', async () => {
  const env: Record<string, string | undefined> = {};
  const provider = createEnvProvider({}, { env });
  await assert.rejects(provider.set('NUL', 'a\0b'), (error) => isCofferError(error, 'COFFER_E_UNSAFE_VALUE'));
  await assert.rejects(provider.setMany([{ name: 'OK', value: 'v' }, { name: 'A=B', value: 'v' }]), (error) => isCofferError(error, 'COFFER_E_UNSAFE_VALUE'));
  assert.deepEqual(env, {});
});

test('metadata is not a capability: writes with metadata keep only the value', async () => {
  const provider = createEnvProvider({}, { env: {} });
  assert.equal(provider.capabilities.metadata, false);
  await provider.set('A', 'v', { updatedAt: '2025-01-01T00:00:00.000Z' });
  assert.deepEqual(await provider.get('A'), { name: 'A', value: 'v', metadata: {} });
});
