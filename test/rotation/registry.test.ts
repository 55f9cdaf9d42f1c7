/** The rotator registry, the files in src/rotation/rotators/ and the pages in docs/rotation/ agree; every rotator opens and refuses unknown options. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { isCofferError } from '../../src/core/errors.js';
import { openRotator, ROTATOR_IDS } from '../../src/rotation/registry.js';

test('registry ids, rotator files and docs pages agree', () => {
  const files = readdirSync('src/rotation/rotators').filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => f.slice(0, -3)).sort();
  const docs = readdirSync('docs/rotation').filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3)).sort();
  const ids = [...ROTATOR_IDS].sort();
  assert.deepEqual(files, ids, 'src/rotation/rotators files');
  assert.deepEqual(docs, ids, 'docs/rotation pages');
});

test('openRotator refuses unknown rotators and options, naming the config key', async () => {
  await assert.rejects(openRotator('nope', {}, { env: {} }, 'Config key secrets.X.rotation'), (e) => isCofferError(e, 'COFFER_E_CONFIG_INVALID') && e.message.includes('random'));
  await assert.rejects(openRotator('api-key', { strategy: 'later' }, { env: {} }, 'Config key secrets.X.rotation'), (e) => isCofferError(e, 'COFFER_E_CONFIG_INVALID') && e.message.includes('options.strategy'));
  const rotator = await openRotator('api-key', { strategy: 'immediate' }, { env: {} });
  assert.equal(rotator.id, 'api-key');
  assert.equal(rotator.traits.overlapping, false);
});
