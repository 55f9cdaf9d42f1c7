import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { SecretManager } from '../../src/client/manager.js';
import { defineSecrets } from '../../src/client/schema.js';
import { secretsHealthHandler, secretsHealthPlugin } from '../../src/server/secrets-health.js';
import { memoryProvider } from '../client/_memory-provider.js';

const VALUES = { DATABASE_URL: 'postgres://app:s3cr3t-pw-81f2@db/app', ADMIN_TOKEN: 'admin-token-5d1c77e0b2a94f' };
const schema = defineSecrets({ DATABASE_URL: {}, ADMIN_TOKEN: {}, LOG_LEVEL: { required: false, default: 'info' } });

async function manager() {
  const provider = memoryProvider(VALUES);
  const m = new SecretManager(provider, { schema });
  await m.initialize();
  return { m, provider };
}

const listen = (server: Server) => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

/** The same contract, whatever the framework (`base` may end with a prefix such as `/ops`). */
async function checkEndpoints(base: string, provider: ReturnType<typeof memoryProvider>) {
  const health = await fetch(`${base}/healthz?probe=1`);
  assert.equal(health.status, 200);
  const summary = await health.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(summary).sort(), ['cacheAge', 'cacheExpired', 'initialized', 'lastRefresh', 'requiredSecretsOk', 'secretsLoaded', 'source', 'status']);
  assert.equal(summary.status, 'healthy');

  assert.equal((await fetch(`${base}/admin/secrets/health`)).status, 401);
  assert.equal((await fetch(`${base}/admin/secrets/health`, { headers: { 'x-admin-token': 'wrong' } })).status, 403);
  const admin = await fetch(`${base}/admin/secrets/health`, { headers: { authorization: `Bearer ${VALUES.ADMIN_TOKEN}` } });
  assert.equal(admin.status, 200);
  const text = await admin.text();
  const report = JSON.parse(text) as { secrets: Record<string, { loaded: boolean; source: string }> };
  assert.equal(report.secrets.DATABASE_URL?.loaded, true);
  assert.equal(report.secrets.LOG_LEVEL?.source, 'default');

  provider.put('DATABASE_URL', 'postgres://app:rotated-pw-0c9a@db/app');
  assert.equal((await fetch(`${base}/admin/refresh-secrets`, { headers: { 'x-admin-token': VALUES.ADMIN_TOKEN } })).status, 405);
  const refresh = await fetch(`${base}/admin/refresh-secrets`, { method: 'POST', headers: { 'x-admin-token': VALUES.ADMIN_TOKEN } });
  assert.equal(refresh.status, 200);
  const refreshText = await refresh.text();
  assert.deepEqual((JSON.parse(refreshText) as { changed: string[] }).changed, ['DATABASE_URL']);
  for (const out of [JSON.stringify(summary), text, refreshText]) {
    for (const value of [...Object.values(VALUES), 'rotated-pw-0c9a']) assert.equal(out.includes(value), false, 'no value in a response');
  }
}

test('node:http: health, admin report and refresh, with the admin token checked', async () => {
  const { m, provider } = await manager();
  const server = createServer(secretsHealthHandler(m, { adminToken: () => m.value('ADMIN_TOKEN') }));
  const base = await listen(server);
  try {
    await checkEndpoints(base, provider);
    assert.equal((await fetch(`${base}/other`)).status, 404);
  } finally {
    await close(server);
  }
});

test('Express: the handler is a middleware that leaves other routes alone', async () => {
  const { m, provider } = await manager();
  const app = express();
  app.use(secretsHealthHandler(m, { adminToken: VALUES.ADMIN_TOKEN }));
  app.get('/hello', (_req, res) => { res.send('hi'); });
  const server = createServer(app);
  const base = await listen(server);
  try {
    await checkEndpoints(base, provider);
    assert.equal(await (await fetch(`${base}/hello`)).text(), 'hi');
  } finally {
    await close(server);
  }
});

test('Fastify: the plugin registers the routes', async () => {
  const { m, provider } = await manager();
  const app = Fastify();
  await app.register(secretsHealthPlugin, { manager: m, adminToken: VALUES.ADMIN_TOKEN });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await checkEndpoints(base, provider);
  } finally {
    await app.close();
  }
});

test('Fastify: registered with a prefix, the routes answer under it', async () => {
  const { m, provider } = await manager();
  const app = Fastify();
  await app.register(secretsHealthPlugin, { manager: m, adminToken: VALUES.ADMIN_TOKEN, prefix: '/ops' });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await checkEndpoints(`${base}/ops`, provider);
    assert.equal((await fetch(`${base}/healthz`)).status, 404, 'not outside the prefix');
  } finally {
    await app.close();
  }
});

test('a refresh that fails for one secret answers 502, and health says degraded with the error until that secret reloads', async () => {
  const provider = memoryProvider(VALUES);
  const m = new SecretManager(provider, { schema, retry: { attempts: 1 } });
  await m.initialize();
  const server = createServer(secretsHealthHandler(m, { adminToken: VALUES.ADMIN_TOKEN }));
  const base = await listen(server);
  const headers = { 'x-admin-token': VALUES.ADMIN_TOKEN };
  try {
    provider.faults.push({ kind: 'throw', error: new Error('ECONNRESET') });
    const refresh = await fetch(`${base}/admin/refresh-secrets`, { method: 'POST', headers });
    assert.equal(refresh.status, 502);
    assert.deepEqual((await refresh.json() as { failed: string[] }).failed, ['DATABASE_URL']);
    const summary = await (await fetch(`${base}/healthz`)).json() as { status: string };
    assert.equal(summary.status, 'degraded');
    const report = await (await fetch(`${base}/admin/secrets/health`, { headers })).json() as { errors: { count: number }; secrets: Record<string, { lastError: { code: string } | null }> };
    assert.equal(report.errors.count, 1);
    assert.equal(report.secrets.DATABASE_URL?.lastError?.code, 'COFFER_E_UNAVAILABLE');
    assert.equal((await fetch(`${base}/admin/refresh-secrets`, { method: 'POST', headers })).status, 200);
    assert.equal((await (await fetch(`${base}/healthz`)).json() as { status: string }).status, 'healthy');
  } finally {
    await close(server);
  }
});

test('/healthz answers 503 until initialize() has run, then 200', async () => {
  const m = new SecretManager(memoryProvider(VALUES), { schema });
  const server = createServer(secretsHealthHandler(m));
  const base = await listen(server);
  try {
    const before = await fetch(`${base}/healthz`);
    assert.equal(before.status, 503);
    assert.equal((await before.json() as { initialized: boolean }).initialized, false);
    await m.initialize();
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  } finally {
    await close(server);
  }
});

test('without an admin token the admin endpoints are refused; an unhealthy manager is 503', async () => {
  const provider = memoryProvider({});
  const m = new SecretManager(provider, { schema });
  await m.initialize().catch(() => undefined);
  const server = createServer(secretsHealthHandler(m));
  const base = await listen(server);
  try {
    assert.equal((await fetch(`${base}/healthz`)).status, 503);
    const admin = await fetch(`${base}/admin/secrets/health`, { headers: { 'x-admin-token': 'anything' } });
    assert.equal(admin.status, 403);
    assert.match(await admin.text(), /no admin token is configured/);
  } finally {
    await close(server);
  }
});
