import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig, starterConfig, getEnvironment, secretsOf } from '../../src/config/index.js';
import { isCofferError, type ErrorCode } from '../../src/core/errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests edit the raw config freely
const base = () => JSON.parse(JSON.stringify(starterConfig("demo"))) as Record<string, any>;
const parse = (value: unknown, file = '/p/coffer.config.json') => parseConfig(JSON.stringify(value), file);

function rejects(fn: () => unknown, code: ErrorCode, ...fragments: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isCofferError(error, code), `expected ${code}, got ${String(error)}`);
    for (const f of fragments) assert.ok(error.message.includes(f), `message lacks "${f}": ${error.message}`);
    assert.ok(!error.message.includes('\n'), 'message is one line');
    return true;
  });
}

test('the starter config resolves with catalog defaults', () => {
  const config = parse(base());
  assert.equal(config.defaultEnvironment, 'development');
  assert.equal(config.environments.production?.profile, 'production');
  assert.equal(config.environments.development?.profile, 'development');
  // Every starter environment is the environment of the same name in the store at its default path.
  for (const name of ['development', 'staging', 'production']) {
    assert.equal(config.environments[name]?.provider, 'store');
    assert.deepEqual(config.environments[name]?.options, { environment: name });
  }
  const dotenv = parseConfig(JSON.stringify(starterConfig('demo', 'dotenv')), '/p/coffer.config.json');
  assert.equal(dotenv.environments.production?.provider, 'dotenv');
  assert.deepEqual(dotenv.environments.production?.options, { path: '.env.production' });
  assert.deepEqual(dotenv.secrets, config.secrets, 'the provider changes nothing else');
  const jwt = config.secrets.find((s) => s.name === 'JWT_SECRET');
  assert.equal(jwt?.category, 'jwt');
  assert.equal(jwt?.rotationDays, 90);
  const db = config.secrets.find((s) => s.name === 'DB_PASSWORD');
  assert.deepEqual(db?.generator.requiredClasses, ['lower', 'upper', 'digit', 'symbol']);
  assert.equal(config.secrets.find((s) => s.name === 'ENCRYPTION_KEY')?.rotationDays, 180);
});

test('a misspelt key names the file, the path and a suggestion', () => {
  const cfg = base();
  cfg.secrets.JWT_SECRET.categroy = 'jwt';
  rejects(() => parse(cfg), 'COFFER_E_CONFIG_INVALID', '/p/coffer.config.json', 'secrets.JWT_SECRET', '"categroy"', 'did you mean "category"');
});

test('bad enum values list the allowed ones', () => {
  const cfg = base();
  cfg.secrets.JWT_SECRET.category = 'jwtt';
  rejects(() => parse(cfg), 'COFFER_E_CONFIG_INVALID', 'secrets.JWT_SECRET.category', '"jwt"', '"database"');
});

test('missing version and bad names are reported with their path', () => {
  const cfg = base();
  delete cfg.version;
  rejects(() => parse(cfg), 'COFFER_E_CONFIG_INVALID', 'version');
  const bad = base();
  bad.environments['Prod Env'] = {};
  rejects(() => parse(bad), 'COFFER_E_CONFIG_INVALID', 'environments');
});

test('JSON syntax errors give line and column', () => {
  rejects(() => parseConfig('{\n  "version": 1,\n  "environments": {,}\n}', '/p/coffer.config.json'), 'COFFER_E_CONFIG_PARSE', '/p/coffer.config.json:3:');
});

test('YAML configs load and YAML syntax errors give a position', () => {
  const yaml = 'version: 1\nenvironments:\n  development: {}\nsecrets:\n  API_TOKEN:\n    category: token\n';
  const config = parseConfig(yaml, '/p/coffer.config.yaml');
  assert.equal(config.secrets[0]?.category, 'token');
  assert.equal(config.environments.development?.provider, 'dotenv');
  rejects(() => parseConfig('version: 1\nenvironments: [\n', '/p/coffer.config.yaml'), 'COFFER_E_CONFIG_PARSE', '/p/coffer.config.yaml');
});

test('no default values for Secret or Critical secrets, and no required secret with a default', () => {
  const cfg = base();
  cfg.secrets.JWT_SECRET.default = 'x';
  delete cfg.secrets.JWT_SECRET.required;
  rejects(() => parse(cfg), 'COFFER_E_CONFIG_INVALID', 'secrets.JWT_SECRET.default', 'no default secrets');
  const ok = base();
  ok.secrets.LOG_LEVEL = { level: 'Public', required: false, default: 'info' };
  assert.equal(parse(ok).secrets.find((s) => s.name === 'LOG_LEVEL')?.default, 'info');
  const both = base();
  both.secrets.LOG_LEVEL = { level: 'Public', required: true, default: 'info' };
  rejects(() => parse(both), 'COFFER_E_CONFIG_INVALID', 'required');
});

test('a generator too weak for the category is refused', () => {
  const cfg = base();
  cfg.secrets.JWT_SECRET.generator = { length: 16 };
  rejects(() => parse(cfg), 'COFFER_E_CONFIG_INVALID', 'secrets.JWT_SECRET.generator.length', 'raise the length');
  const enc = base();
  enc.secrets.DB_PASSWORD.generator = { encoding: 'hex' };
  rejects(() => parse(enc), 'COFFER_E_CONFIG_INVALID', 'DB_PASSWORD', 'alphanumeric+symbols');
});

test('risk tier overrides the rotation period; explicit rotationDays wins', () => {
  const cfg = base();
  cfg.secrets.JWT_SECRET.riskTier = 'high';
  cfg.secrets.DB_PASSWORD.rotationDays = 45;
  const config = parse(cfg);
  assert.equal(config.secrets.find((s) => s.name === 'JWT_SECRET')?.rotationDays, 30);
  assert.equal(config.secrets.find((s) => s.name === 'DB_PASSWORD')?.rotationDays, 45);
});

test('custom environments and per-environment secrets', () => {
  const cfg = base();
  cfg.environments.qa = { provider: 'dotenv' };
  cfg.secrets.QA_ONLY_TOKEN = { category: 'token', environments: ['qa'] };
  const config = parse(cfg);
  assert.equal(getEnvironment(config, 'qa').profile, 'development');
  assert.deepEqual(getEnvironment(config, 'qa').options, { path: '.env.qa' });
  assert.ok(secretsOf(config, 'qa').some((s) => s.name === 'QA_ONLY_TOKEN'));
  assert.ok(!secretsOf(config, 'production').some((s) => s.name === 'QA_ONLY_TOKEN'));
  rejects(() => getEnvironment(config, 'prodd'), 'COFFER_E_UNKNOWN_ENV', '"prodd"', 'production');
  cfg.secrets.QA_ONLY_TOKEN.environments = ['nope'];
  rejects(() => parse(cfg), 'COFFER_E_CONFIG_INVALID', '"nope"');
});

test('loadConfig finds the file in a parent directory and explains a missing one', () => {
  const root = mkdtempSync(join(tmpdir(), 'coffer-config-'));
  rejects(() => loadConfig({ cwd: root }), 'COFFER_E_CONFIG_NOT_FOUND', 'coffer init');
  writeFileSync(join(root, 'coffer.config.json'), JSON.stringify(base()));
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  const config = loadConfig({ cwd: join(root, 'a', 'b') });
  assert.equal(config.root, root);
  rejects(() => loadConfig({ cwd: root, path: 'missing.json' }), 'COFFER_E_FILE_UNREADABLE', 'missing.json');
});

test('parse errors never quote the file content', () => {
  for (const [text, file] of [['{"token": hvs.SUPERSECRETVALUE}', '/p/coffer.config.json'], ['version: 1\nkey: "hvs.SUPERSECRETVALUE\n  - [', '/p/coffer.config.yaml']] as const) {
    assert.throws(() => parseConfig(text, file), (e: unknown) => isCofferError(e, 'COFFER_E_CONFIG_PARSE') && !e.message.includes('SUPERSECRET') && !e.message.includes('hvs'));
  }
});

test('a development-only secret is held to development minimums; dotenv options keep a per-environment path', () => {
  const cfg = base();
  cfg.secrets.DEV_TOKEN = { category: 'jwt', environments: ['development'], generator: { length: 40 } };
  cfg.environments.qa = { provider: 'dotenv', options: {} };
  const config = parse(cfg);
  assert.equal(config.secrets.find((s) => s.name === 'DEV_TOKEN')?.generator.length, 40);
  assert.deepEqual(config.environments.qa?.options, { path: '.env.qa' });
  cfg.secrets.DEV_TOKEN.environments = ['production'];
  rejects(() => parse(cfg), 'COFFER_E_CONFIG_INVALID', 'DEV_TOKEN');
});
