/**
 * Creating managers: the process-wide one of getSecretManager (one instance, a failed creation
 * not kept, closeSecretManager closing its provider and letting the next call start afresh).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCofferError } from '../../src/core/errors.js';
import { closeSecretManager, defineSecrets, getSecretManager } from '../../src/index.js';
import { memoryProvider } from './_memory-provider.js';

const schema = defineSecrets({ API_KEY: {} });

test('getSecretManager returns one process-wide manager; closeSecretManager closes it and the next call creates another', async () => {
  await assert.rejects(getSecretManager({ provider: 'no-such-provider', env: {} }), (e) => isCofferError(e, 'COFFER_E_UNKNOWN_PROVIDER'));
  const provider = memoryProvider({ API_KEY: 'api-key-value-3b9e1d' });
  let closed = 0;
  provider.close = async () => { closed += 1; };
  // The failed attempt above was not kept: this call creates the manager.
  const first = await getSecretManager({ schema, provider, env: {} });
  await first.initialize();
  assert.equal(first.value('API_KEY'), 'api-key-value-3b9e1d');
  const again = await getSecretManager({ schema, provider: memoryProvider({}), env: {} });
  assert.equal(again, first, 'the first call\'s options win');
  await closeSecretManager();
  assert.equal(closed, 1, 'closing closes the provider');
  await closeSecretManager();
  assert.equal(closed, 1, 'a second close does nothing');
  const next = await getSecretManager({ schema, provider: memoryProvider({ API_KEY: 'api-key-value-after-close' }), env: {} });
  assert.notEqual(next, first);
  assert.equal(await next.get('API_KEY'), 'api-key-value-after-close');
  await closeSecretManager();
});
