import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { envExample, starterConfig, STANDARD_SECRETS } from '../../src/config/starter.js';

const resolve = (raw: unknown) => parseConfig(JSON.stringify(raw), '/p/coffer.config.json');
const header = (text: string) => text.split('\n').filter((l) => l.startsWith('# Real values live'));

test('the starter puts every environment on the store by default, or on .env.<env> files', () => {
  const store = starterConfig('shop');
  assert.deepEqual(Object.fromEntries(Object.entries(store.environments).map(([n, e]) => [n, [e.provider, e.options, e.profile]])), {
    development: ['store', {}, 'development'],
    staging: ['store', {}, 'production'],
    production: ['store', {}, 'production'],
  });
  const dotenv = starterConfig('shop', 'dotenv');
  assert.deepEqual(Object.fromEntries(Object.entries(dotenv.environments).map(([n, e]) => [n, [e.provider, e.options]])), {
    development: ['dotenv', { path: '.env.development' }],
    staging: ['dotenv', { path: '.env.staging' }],
    production: ['dotenv', { path: '.env.production' }],
  });
  assert.deepEqual(Object.keys(store.secrets), STANDARD_SECRETS.map((s) => s.name));
});

test('.env.example says where the values live: the store, the dotenv files, or both', () => {
  const store = envExample(resolve(starterConfig('shop')));
  assert.deepEqual(header(store), ['# Real values live in the encrypted store .coffer/store.db (never committed; the store\'s master key is kept outside the project).']);
  assert.ok(!store.includes('.env.development'));
  const dotenv = envExample(resolve(starterConfig('shop', 'dotenv')));
  assert.deepEqual(header(dotenv), ['# Real values live in the dotenv files .env.development, .env.staging, .env.production (never committed).']);
  const mixed = starterConfig('shop');
  mixed.environments.production = { provider: 'store', options: { path: 'vault/prod.db' } };
  mixed.environments.qa = { provider: 'dotenv' };
  mixed.environments.ci = { provider: 'env' };
  assert.deepEqual(header(envExample(resolve(mixed))), [
    '# Real values live in the encrypted store .coffer/store.db, the encrypted store vault/prod.db, the dotenv file .env.qa and the other providers named in coffer.config.json (never committed; the store\'s master key is kept outside the project).',
  ]);
  for (const text of [store, dotenv]) {
    assert.match(text, /^# This file documents the variables and holds no values; it is safe to commit\.$/m);
    for (const s of STANDARD_SECRETS) assert.match(text, new RegExp(`^${s.name}=$`, 'm'));
  }
});
