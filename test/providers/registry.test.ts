import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { PROVIDER_IDS, openProvider } from '../../src/providers/registry.js';
import { isCofferError } from '../../src/core/errors.js';

test('registry ids, provider files, package exports and docs pages agree', () => {
  const files = readdirSync('src/providers').filter((f) => f.endsWith('.ts') && !f.startsWith('_') && !['types.ts', 'registry.ts'].includes(f)).map((f) => f.slice(0, -3));
  const exportsField = JSON.parse(readFileSync('package.json', 'utf8')).exports as Record<string, unknown>;
  const exported = Object.keys(exportsField).filter((k) => k.startsWith('./providers/')).map((k) => k.slice('./providers/'.length));
  const docs = readdirSync('docs/providers').filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3));
  const ids = [...PROVIDER_IDS].sort();
  assert.deepEqual(files.sort(), ids, 'src/providers files');
  assert.deepEqual(exported.sort(), ids, 'package.json exports');
  assert.deepEqual(docs.sort(), ids, 'docs/providers pages');
});

test('every registered provider opens and reports its own id', async () => {
  for (const id of PROVIDER_IDS) {
    const provider = await openProvider(id, {}, { cwd: '/tmp', env: {} });
    assert.equal(provider.id, id);
  }
  await assert.rejects(openProvider('vault-ish', {}), (e) => isCofferError(e, 'COFFER_E_UNKNOWN_PROVIDER') && e.message.includes('dotenv'));
});
