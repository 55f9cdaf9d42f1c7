/**
 * Choosing where secrets come from: the detection table row by row and its order, the
 * SECRET_PROVIDER and ENABLE_SECRET_MANAGER switches, the project config, unknown providers,
 * and fallback chains (only "not found" moves on; the serving provider is recorded).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CofferError, isCofferError, type ErrorCode } from '../../src/core/errors.js';
import { createChainProvider, detectProvider, DETECTION_RULES, selectProvider } from '../../src/client/sources.js';
import { SecretManager } from '../../src/client/manager.js';
import createEnvProvider from '../../src/providers/env.js';
import type { Provider, SecretRecord } from '../../src/providers/types.js';

const detect = (env: Record<string, string>, runSecrets = false) =>
  detectProvider({ env, cwd: '/nonexistent-coffer-project', isDirectory: (path) => runSecrets && path === '/run/secrets' });

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-sources-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function rejects(promise: Promise<unknown>, code: ErrorCode, includes: readonly string[] = []): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isCofferError(error), String(error));
    assert.equal(error.code, code, error.message);
    for (const text of includes) assert.ok(error.message.includes(text), `"${error.message}" lacks "${text}"`);
    return true;
  });
}

describe('detection from the environment', () => {
  const cases: [string, Record<string, string>, string, string][] = [
    ['nothing set', {}, 'env', 'nothing else was detected'],
    ['ENABLE_SECRET_MANAGER=false', { ENABLE_SECRET_MANAGER: 'false' }, 'env', 'ENABLE_SECRET_MANAGER=false'],
    ['SECRET_PROVIDER', { SECRET_PROVIDER: 'dotenv' }, 'dotenv', 'SECRET_PROVIDER=dotenv'],
    ['AWS Secrets Manager region', { AWS_SECRETS_MANAGER_REGION: 'eu-west-1' }, 'aws-secrets-manager', 'AWS_SECRETS_MANAGER_REGION is set'],
    ['AWS_SECRET_MANAGER_REGION (the old scripts\' spelling)', { AWS_SECRET_MANAGER_REGION: 'eu-west-1' }, 'aws-secrets-manager', 'AWS_SECRET_MANAGER_REGION'],
    ['USE_AWS_SECRETS with a region', { USE_AWS_SECRETS: 'true', AWS_DEFAULT_REGION: 'us-east-1' }, 'aws-secrets-manager', 'USE_AWS_SECRETS=true and AWS_DEFAULT_REGION'],
    ['GOOGLE_CLOUD_PROJECT', { GOOGLE_CLOUD_PROJECT: 'p' }, 'gcp-secret-manager', 'GOOGLE_CLOUD_PROJECT is set'],
    ['GCP_PROJECT_ID', { GCP_PROJECT_ID: 'p' }, 'gcp-secret-manager', 'GCP_PROJECT_ID is set'],
    ['AZURE_KEYVAULT_URL', { AZURE_KEYVAULT_URL: 'https://v.vault.azure.net' }, 'azure-key-vault', 'AZURE_KEYVAULT_URL is set'],
    ['AZURE_KEYVAULT_NAME', { AZURE_KEYVAULT_NAME: 'v' }, 'azure-key-vault', 'AZURE_KEYVAULT_NAME is set'],
    ['VAULT_ADDR', { VAULT_ADDR: 'https://vault:8200' }, 'hashicorp-vault', 'VAULT_ADDR is set'],
    ['a NAME_FILE variable', { DB_PASSWORD_FILE: '/run/secrets/db_password' }, 'file', 'DB_PASSWORD_FILE is set'],
    ['COFFER_K8S_NAMESPACE', { COFFER_K8S_NAMESPACE: 'shop', KUBERNETES_SERVICE_HOST: '10.0.0.1' }, 'kubernetes', 'COFFER_K8S_NAMESPACE is set'],
    ['K8S_SECRET_NAMESPACE', { K8S_SECRET_NAMESPACE: 'shop', KUBERNETES_SERVICE_HOST: '10.0.0.1' }, 'kubernetes', 'K8S_SECRET_NAMESPACE is set'],
  ];
  for (const [label, env, provider, reason] of cases) {
    test(label, () => {
      const found = detect(env);
      assert.equal(found.provider, provider);
      assert.ok(found.reason.includes(reason), found.reason);
    });
  }

  test('a /run/secrets directory chooses file', () => {
    assert.deepEqual(detect({}, true), { provider: 'file', reason: '/run/secrets is a directory' });
  });

  test('ambient signals decide nothing: a region alone, a tool\'s own *_FILE variable, empty variables', () => {
    assert.equal(detect({ AWS_REGION: 'us-east-1', USE_AWS_SECRETS: 'false' }).provider, 'env');
    assert.equal(detect({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }).provider, 'env', 'every pod has these');
    assert.equal(detect({ AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token', SSL_CERT_FILE: '/etc/ssl/cert.pem' }).provider, 'env');
    assert.equal(detect({ VAULT_ADDR: '', SECRET_PROVIDER: ' ', ENABLE_SECRET_MANAGER: '' }).provider, 'env');
  });

  test('the order: the switch beats SECRET_PROVIDER, which beats every platform sign; COFFER_K8S_NAMESPACE beats mounted files', () => {
    const everything = { SECRET_PROVIDER: 'store', VAULT_ADDR: 'x', AWS_SECRETS_MANAGER_REGION: 'x', JWT_SECRET_FILE: '/f', COFFER_K8S_NAMESPACE: 'k' };
    assert.equal(detect({ ...everything, ENABLE_SECRET_MANAGER: 'FALSE' }).provider, 'env');
    assert.equal(detect({ ...everything, ENABLE_SECRET_MANAGER: 'true' }).provider, 'store');
    assert.equal(detect({ VAULT_ADDR: 'x', AWS_SECRETS_MANAGER_REGION: 'x' }).provider, 'aws-secrets-manager');
    assert.equal(detect({ VAULT_ADDR: 'x', JWT_SECRET_FILE: '/f' }).provider, 'hashicorp-vault');
    assert.equal(detect({ VAULT_ADDR: 'x', COFFER_K8S_NAMESPACE: 'k' }).provider, 'hashicorp-vault');
    assert.equal(detect({ COFFER_K8S_NAMESPACE: 'k', JWT_SECRET_FILE: '/f' }).provider, 'kubernetes');
    assert.equal(detect({ COFFER_K8S_NAMESPACE: 'k' }, true).provider, 'kubernetes', 'the service account mount makes /run/secrets a directory in many pods');
    assert.equal(detect({ K8S_SECRET_NAMESPACE: 'k', JWT_SECRET_FILE: '/f' }, true).provider, 'kubernetes', 'the alias too');
    assert.equal(detect({ KUBERNETES_SERVICE_HOST: 'k' }, true).provider, 'file');
  });

  test('an ENABLE_SECRET_MANAGER value that is not a boolean is an error, not a guess', () => {
    assert.throws(() => detect({ ENABLE_SECRET_MANAGER: 'flase' }), (error) => isCofferError(error, 'COFFER_E_USAGE') && error.message.includes('ENABLE_SECRET_MANAGER'));
    assert.equal(detect({ ENABLE_SECRET_MANAGER: 'Off' }).provider, 'env');
  });

  test('docs/sources.md shows DETECTION_RULES, row for row', async () => {
    const docs = await readFile('docs/sources.md', 'utf8');
    const rows = docs.split('\n').filter((line) => /^\| \d+ \|/.test(line));
    assert.deepEqual(rows, DETECTION_RULES.map((rule, i) => `| ${i + 1} | ${rule.when} | ${rule.provider} |`));
  });
});

describe('selectProvider', () => {
  test('with nothing detected, env over the given environment object', () => withDir(async (dir) => {
    const { provider, reason } = await selectProvider({ env: { API_KEY: 'from-env' }, cwd: dir });
    assert.equal(provider.id, 'env');
    assert.equal(reason, 'nothing else was detected');
    assert.equal((await provider.get('API_KEY')).value, 'from-env');
  }));

  test('SECRET_PROVIDER overrides detection; the explicit option overrides SECRET_PROVIDER', () => withDir(async (dir) => {
    await writeFile(join(dir, 'TOKEN'), 'from-file\n');
    const env = { SECRET_PROVIDER: 'FILE', VAULT_ADDR: 'https://vault', TOKEN: 'from-env' };
    const chosen = await selectProvider({ env, cwd: dir, providerOptions: { dir } });
    assert.equal(chosen.provider.id, 'file');
    assert.equal(chosen.reason, 'SECRET_PROVIDER=file');
    assert.equal((await chosen.provider.get('TOKEN')).value, 'from-file');
    const explicit = await selectProvider({ provider: 'env', env, cwd: dir });
    assert.equal(explicit.provider.id, 'env');
    assert.equal(explicit.reason, 'the caller named it');
    const given = createEnvProvider({}, { env: {} });
    assert.equal((await selectProvider({ provider: given, env })).provider, given);
  }));

  test('ENABLE_SECRET_MANAGER=false serves environment variables even where SECRET_PROVIDER names a manager', () => withDir(async (dir) => {
    const { provider } = await selectProvider({ env: { ENABLE_SECRET_MANAGER: 'false', SECRET_PROVIDER: 'vault', DB_PASSWORD: 'emergency' }, cwd: dir });
    assert.equal(provider.id, 'env');
    assert.equal((await provider.get('DB_PASSWORD')).value, 'emergency');
  }));

  test('ENABLE_SECRET_MANAGER=false also wins over the provider the code names, with its options and fallback', () => withDir(async (dir) => {
    const env = { ENABLE_SECRET_MANAGER: 'off', DB_PASSWORD: 'emergency' };
    for (const provider of ['hashicorp-vault', createEnvProvider({ prefix: 'APP_' }, { env })]) {
      const chosen = await selectProvider({ provider, providerOptions: { address: 'https://vault:8200' }, fallback: ['dotenv'], env, cwd: dir });
      assert.equal(chosen.provider.id, 'env');
      assert.equal(chosen.reason, 'ENABLE_SECRET_MANAGER=false (over the provider given in code)');
      assert.equal((await chosen.provider.get('DB_PASSWORD')).value, 'emergency');
    }
  }));

  test('Azure Key Vault, detected by its URL or name or named by its alias, opens on that vault without any call', async () => {
    for (const env of [{ AZURE_KEYVAULT_URL: 'https://shop.vault.azure.net' }, { AZURE_KEYVAULT_NAME: 'shop' }, { AZURE_KEY_VAULT_NAME: 'shop' }, { SECRET_PROVIDER: 'azure', AZURE_KEYVAULT_NAME: 'shop' }]) {
      const { provider, reason } = await selectProvider({ env });
      assert.equal(provider.id, 'azure-key-vault');
      assert.match(provider.location, /https:\/\/shop\.vault\.azure\.net/);
      assert.match(reason, /AZURE_KEYVAULT_URL is set|AZURE_KEYVAULT_NAME is set|AZURE_KEY_VAULT_NAME is set|SECRET_PROVIDER=azure/);
      await provider.close();
    }
  });

  test('an unknown provider is COFFER_E_UNKNOWN_PROVIDER saying so, why, and how to choose another; bad options name the option', async () => {
    await rejects(selectProvider({ env: { SECRET_PROVIDER: 'nope' } }), 'COFFER_E_UNKNOWN_PROVIDER', ['"nope"', 'SECRET_PROVIDER=nope', 'env, dotenv, store, file']);
    await rejects(selectProvider({ provider: 'file', providerOptions: { directory: '/x' }, env: {} }), 'COFFER_E_CONFIG_INVALID', ['directory', 'the caller named it']);
  });

  test('SECRET_PROVIDER=k8s and COFFER_K8S_NAMESPACE open the kubernetes provider on that namespace, without contacting the cluster', async () => {
    for (const env of [{ SECRET_PROVIDER: 'k8s', COFFER_K8S_NAMESPACE: 'shop' }, { COFFER_K8S_NAMESPACE: 'shop' }]) {
      const { provider, reason } = await selectProvider({ env, cwd: '/nonexistent-coffer-project' });
      assert.equal(provider.id, 'kubernetes');
      assert.match(provider.location, /namespace shop/);
      assert.match(reason, /SECRET_PROVIDER=k8s|COFFER_K8S_NAMESPACE is set/);
      await provider.close();
    }
  });

  test('a project config decides through its environment, COFFER_ENV first, from a subdirectory too', () => withDir(async (dir) => {
    await writeFile(join(dir, 'coffer.config.json'), JSON.stringify({
      version: 1,
      environments: { development: { provider: 'dotenv' }, production: { provider: 'env', options: { prefix: 'APP_' } } },
      secrets: {},
    }));
    await writeFile(join(dir, '.env.development'), 'API_KEY=from-dotenv\n');
    await mkdir(join(dir, 'src'));
    const env = { APP_API_KEY: 'from-prefixed-env' };
    const development = await selectProvider({ env, cwd: join(dir, 'src') });
    assert.equal(development.provider.id, 'dotenv');
    assert.match(development.reason, /environment "development" in .*coffer\.config\.json uses it \(the default environment\)/);
    assert.equal((await development.provider.get('API_KEY')).value, 'from-dotenv');
    const production = await selectProvider({ env: { ...env, COFFER_ENV: 'production' }, cwd: dir });
    assert.equal(production.provider.id, 'env');
    assert.match(production.reason, /COFFER_ENV=production/);
    assert.equal((await production.provider.get('API_KEY')).value, 'from-prefixed-env');
    await rejects(selectProvider({ env: { COFFER_ENV: 'qa' }, cwd: dir }), 'COFFER_E_UNKNOWN_ENV', ['"qa"']);
  }));

  test('a fallback makes a chain that records which source served each secret', () => withDir(async (dir) => {
    await writeFile(join(dir, 'DB_PASSWORD'), 'from-file');
    const env = { DB_PASSWORD: 'shadowed', API_KEY: 'from-env' };
    const { provider, reason } = await selectProvider({ provider: 'file', providerOptions: { dir }, fallback: ['env'], env });
    assert.equal(provider.id, 'chain');
    assert.equal(reason, 'the caller named it; falls back to env');
    assert.deepEqual(await provider.get('DB_PASSWORD'), { name: 'DB_PASSWORD', value: 'from-file', metadata: { updatedAt: (await provider.get('DB_PASSWORD')).metadata.updatedAt, source: 'file' } });
    assert.deepEqual(await provider.get('API_KEY'), { name: 'API_KEY', value: 'from-env', metadata: { source: 'env' } });
    await provider.close();
  }));

  test('a fallback that cannot be opened closes what was opened and reports why', async () => {
    let closed = 0;
    const first: Provider = { ...fake('first', {}), close: async () => void closed++ };
    await rejects(selectProvider({ provider: first, fallback: ['nowhere'], env: {} }), 'COFFER_E_UNKNOWN_PROVIDER', ['nowhere', 'it is a fallback']);
    assert.equal(closed, 1);
  });
});

/** A provider over a fixed map, counting reads; `fail` makes a name's read throw. */
function fake(id: string, values: Record<string, string>, fail: Record<string, CofferError> = {}): Provider & { reads: string[] } {
  const reads: string[] = [];
  const refuse = async (): Promise<never> => {
    throw new CofferError('COFFER_E_UNSUPPORTED', 'read-only');
  };
  return {
    id,
    location: `${id} location`,
    reads,
    capabilities: { write: false, list: true, versions: false, stages: false, metadata: false, persistent: true },
    async get(name: string): Promise<SecretRecord> {
      reads.push(name);
      if (fail[name] !== undefined) throw fail[name];
      const value = values[name];
      if (value === undefined) throw new CofferError('COFFER_E_NOT_FOUND', `${name} not in ${id}`);
      return { name, value, metadata: {} };
    },
    async list() {
      return Object.keys(values).sort().map((name) => ({ name, metadata: {} }));
    },
    set: refuse,
    setMany: refuse,
    delete: refuse,
    async close() {},
  };
}

describe('createChainProvider', () => {
  test('the first provider holding the secret serves it; only not-found moves on', async () => {
    const a = fake('a', { ONLY_A: 'a1', BOTH: 'from-a' });
    const b = fake('b', { ONLY_B: 'b1', BOTH: 'from-b' });
    const chain = createChainProvider([a, b]);
    assert.deepEqual(await chain.get('BOTH'), { name: 'BOTH', value: 'from-a', metadata: { source: 'a' } });
    assert.deepEqual(await chain.get('ONLY_B'), { name: 'ONLY_B', value: 'b1', metadata: { source: 'b' } });
    await rejects(chain.get('NOWHERE'), 'COFFER_E_NOT_FOUND', ['NOWHERE', 'a (a location), then b (b location)']);
    assert.deepEqual(b.reads, ['ONLY_B', 'NOWHERE']);
  });

  test('a manager over a chain names every provider of it in health: chain(a,b), nested chains too', async () => {
    const manager = new SecretManager(createChainProvider([fake('a', { X: 'x1' }), createChainProvider([fake('b', {}), fake('c', {})])]), { schema: { X: {} } });
    const health = await manager.initialize();
    assert.equal(health.source, 'chain(a,chain(b,c))');
    assert.equal(health.secrets.X?.source, 'a');
  });

  test('access denied in the middle stops the chain and surfaces; it is never turned into not found', async () => {
    const first = fake('first', {});
    const denied = fake('denied', {}, { DB_PASSWORD: new CofferError('COFFER_E_ACCESS_DENIED', 'DB_PASSWORD: access denied by policy') });
    const last = fake('last', { DB_PASSWORD: 'stale-fallback-value' });
    const chain = createChainProvider([first, denied, last]);
    await rejects(chain.get('DB_PASSWORD'), 'COFFER_E_ACCESS_DENIED', ['access denied by policy']);
    assert.deepEqual(last.reads, [], 'the provider after the refusal was consulted');
  });

  test('an unavailable provider stops the chain too, keeping its retryable flag', async () => {
    const down = fake('down', {}, { KEY: new CofferError('COFFER_E_UNAVAILABLE', 'timed out') });
    const chain = createChainProvider([down, fake('env', { KEY: 'v' })]);
    await assert.rejects(chain.get('KEY'), (error) => isCofferError(error, 'COFFER_E_UNAVAILABLE') && error.retryable);
  });

  test('an inner chain keeps the precise source', async () => {
    const chain = createChainProvider([fake('a', {}), createChainProvider([fake('b', {}), fake('c', { K: 'v' })])]);
    assert.equal((await chain.get('K')).metadata.source, 'c');
  });

  test('list merges names, the first provider winning, with their source; no values', async () => {
    const chain = createChainProvider([fake('a', { B: 'x', A: 'secret-a' }), fake('b', { C: 'y', A: 'secret-a2' })]);
    const listing = await chain.list();
    assert.deepEqual(listing, [
      { name: 'A', metadata: { source: 'a' } },
      { name: 'B', metadata: { source: 'a' } },
      { name: 'C', metadata: { source: 'b' } },
    ]);
  });

  test('capabilities: read-only, no versions or stages, list only when every provider lists', async () => {
    const cannotList: Provider = { ...fake('x', {}), capabilities: { ...fake('x', {}).capabilities, list: false } };
    const chain = createChainProvider([fake('a', {}), cannotList]);
    assert.deepEqual(chain.capabilities, { write: false, list: false, versions: false, stages: false, metadata: false, persistent: true });
    await rejects(chain.list(), 'COFFER_E_UNSUPPORTED', ['x']);
    await rejects(chain.set('A', 'refused-value'), 'COFFER_E_UNSUPPORTED', ['read-only']);
    await rejects(chain.delete('A'), 'COFFER_E_UNSUPPORTED');
    await rejects(chain.get('A', { version: '2' }), 'COFFER_E_UNSUPPORTED');
    assert.throws(() => createChainProvider([]), (error) => isCofferError(error, 'COFFER_E_USAGE'));
  });

  test('close closes every provider even when one fails, then reports the failure', async () => {
    const closed: string[] = [];
    const member = (id: string, fails = false): Provider => ({
      ...fake(id, {}),
      close: async () => {
        closed.push(id);
        if (fails) throw new CofferError('COFFER_E_UNAVAILABLE', `${id} failed to close`);
      },
    });
    await rejects(createChainProvider([member('a'), member('b', true), member('c')]).close(), 'COFFER_E_UNAVAILABLE', ['b failed']);
    assert.deepEqual(closed, ['a', 'b', 'c']);
  });
});
