/**
 * Ready-made health and refresh endpoints for applications that use a SecretManager, for plain
 * node:http, Express and Fastify:
 *
 * - `GET /healthz`: public summary (status, counts, cache age; no names, no values); 200 while
 *   healthy or degraded, 503 when unhealthy.
 * - `GET /admin/secrets/health`: the full report, per secret (names, sources, versions; never
 *   values); needs the admin token.
 * - `POST /admin/refresh-secrets`: reloads every secret now (after a rotation); needs the token.
 *
 * The admin token comes in `x-admin-token` or `Authorization: Bearer`, and is compared in
 * constant time with the configured one (both hashed first, so lengths leak nothing). There is
 * no default token: without one the admin endpoints answer 403.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HealthReport, RefreshEvent } from '../client/types.js';

/** What the endpoints need of a SecretManager (any schema). */
export interface HealthSource {
  health(): HealthReport;
  refresh(): Promise<RefreshEvent>;
}

/** Options of the handlers. */
export interface SecretsHealthOptions {
  /** The admin token; read per request, so a rotated token takes effect at once. Without it admin routes are refused. */
  readonly adminToken?: string | (() => string | undefined);
  /** Path of the public summary; default `/healthz`. */
  readonly healthPath?: string;
  /** Path of the admin report; default `/admin/secrets/health`. */
  readonly adminHealthPath?: string;
  /** Path of the refresh endpoint; default `/admin/refresh-secrets`. */
  readonly refreshPath?: string;
}

interface Reply { readonly status: number; readonly body: unknown }

/** The public part of the health report. */
export function publicHealth(report: HealthReport): Omit<HealthReport, 'secrets' | 'errors' | 'circuit'> {
  const { status, initialized, source, secretsLoaded, requiredSecretsOk, cacheAge, cacheExpired, lastRefresh } = report;
  return { status, initialized, source, secretsLoaded, requiredSecretsOk, cacheAge, cacheExpired, lastRefresh };
}

/** Answers one request, or returns undefined when the path is not one of ours. Framework-free. */
export async function answer(manager: HealthSource, options: SecretsHealthOptions, method: string, path: string, headers: Readonly<Record<string, string | string[] | undefined>>): Promise<Reply | undefined> {
  const route = path.split('?')[0];
  if (route === (options.healthPath ?? '/healthz') && (method === 'GET' || method === 'HEAD')) {
    const report = manager.health();
    return { status: report.status === 'unhealthy' ? 503 : 200, body: publicHealth(report) };
  }
  const admin = route === (options.adminHealthPath ?? '/admin/secrets/health') ? 'health' : route === (options.refreshPath ?? '/admin/refresh-secrets') ? 'refresh' : undefined;
  if (admin === undefined) return undefined;
  const denied = checkToken(options, headers);
  if (denied !== undefined) return denied;
  if (admin === 'health') return method === 'GET' ? { status: 200, body: manager.health() } : methodNotAllowed('GET');
  if (method !== 'POST') return methodNotAllowed('POST');
  const result = await manager.refresh();
  return { status: result.failed.length === 0 ? 200 : 502, body: result };
}

/**
 * A node:http handler; also an Express (or Connect) middleware: it calls `next()` for other
 * paths, and answers 404 itself when used as a plain request listener.
 *
 * @example
 * http.createServer(secretsHealthHandler(manager, { adminToken: () => manager.value('ADMIN_TOKEN') }));
 * app.use(secretsHealthHandler(manager, { adminToken: process.env.ADMIN_TOKEN }));
 */
export function secretsHealthHandler(manager: HealthSource, options: SecretsHealthOptions = {}) {
  return (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void => {
    answer(manager, options, req.method ?? 'GET', req.url ?? '/', req.headers).then((reply) => {
      if (reply === undefined) {
        if (next !== undefined) return next();
        return send(res, { status: 404, body: { error: 'not found' } });
      }
      send(res, reply);
    }, (error: unknown) => (next !== undefined ? next(error) : send(res, { status: 500, body: { error: 'internal error' } })));
  };
}

/** The part of a Fastify instance the plugin uses (typed structurally: Fastify is not a dependency). */
export interface FastifyLike {
  route(options: { method: string | string[]; url: string; handler: (request: { method: string; url: string; headers: Record<string, string | string[] | undefined> }, reply: { code(status: number): { send(body: unknown): unknown } }) => Promise<unknown> }): unknown;
}

/**
 * A Fastify plugin registering the three routes. Registered with a `prefix`, the routes move
 * under it (`/ops/healthz`); each handler answers for the route it was registered as, so the
 * prefix and any query string do not matter.
 *
 * @example
 * await app.register(secretsHealthPlugin, { manager, adminToken: process.env.ADMIN_TOKEN });
 * await app.register(secretsHealthPlugin, { manager, adminToken, prefix: '/ops' }); // GET /ops/healthz
 */
export async function secretsHealthPlugin(fastify: FastifyLike, options: SecretsHealthOptions & { manager: HealthSource }): Promise<void> {
  const paths = [options.healthPath ?? '/healthz', options.adminHealthPath ?? '/admin/secrets/health', options.refreshPath ?? '/admin/refresh-secrets'];
  for (const url of paths) {
    fastify.route({
      method: ['GET', 'POST'], url,
      handler: async (request, reply) => {
        // The matched route, not request.url: under a prefix the URL is `/ops/healthz`.
        const result = (await answer(options.manager, options, request.method, url, request.headers)) ?? { status: 404, body: { error: 'not found' } };
        return reply.code(result.status).send(result.body);
      },
    });
  }
}

function checkToken(options: SecretsHealthOptions, headers: Readonly<Record<string, string | string[] | undefined>>): Reply | undefined {
  const expected = typeof options.adminToken === 'function' ? options.adminToken() : options.adminToken;
  if (expected === undefined || expected === '') return { status: 403, body: { error: 'admin endpoints are disabled: no admin token is configured' } };
  const header = headers['x-admin-token'] ?? headers.authorization;
  const given = (Array.isArray(header) ? header[0] : header)?.replace(/^Bearer\s+/i, '');
  if (given === undefined || given === '') return { status: 401, body: { error: 'admin token required (x-admin-token or Authorization: Bearer)' } };
  // Hash both sides so the comparison is constant-time whatever the lengths.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected)) ? undefined : { status: 403, body: { error: 'admin token rejected' } };
}

function methodNotAllowed(allowed: string): Reply {
  return { status: 405, body: { error: `use ${allowed}` } };
}

function send(res: ServerResponse, reply: Reply): void {
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}
