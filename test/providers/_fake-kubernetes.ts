/**
 * A local Kubernetes API server for tests, the part Coffer uses: Secrets under
 * /api/v1/namespaces/{ns}/secrets[/{name}] with GET, POST, PUT, PATCH (merge patch) and DELETE,
 * as JSON over node:http (or node:https with a given certificate). It keeps resourceVersions as
 * the API server does (a PUT or a DELETE whose resourceVersion precondition is stale is 409
 * Conflict; a POST of an existing name is 409 AlreadyExists), validates names, data keys and
 * base64 data and the 1 MiB limit (422 Invalid), answers lists with equality label selectors
 * and limit/continue pages (never more than two items a page, as a server may), answers every
 * error as a Status object with its code and reason, and checks the bearer token (401
 * Unauthorized). Faults can be injected: RBAC Forbidden on one object or verb, throttling (429
 * with Retry-After), an outage (503), a call that never answers, and another writer slipping a
 * change in before the next write.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** A stored Secret, as the API returns it. */
export interface StoredSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string; resourceVersion: string; uid: string; creationTimestamp: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  type: string;
  data?: Record<string, string>;
}

/** Failures the next calls meet. */
export interface KubernetesFaults {
  /** `verb` or `verb:name` (verbs: get, list, create, update, patch, delete) answered 403 Forbidden. */
  denied: Set<string>;
  /** The next N calls answer 429 with this Retry-After. */
  throttle: number;
  retryAfter: string;
  /** The next N calls answer 503. */
  unavailable: number;
  /** Calls whose path includes one of these never get an answer. */
  hang: Set<string>;
  /** Runs once, just before the next write is applied: another writer's change. */
  interleave: ((secrets: Map<string, StoredSecret>) => void) | undefined;
  /** Object names whose writes (create, update) answer 500, for setMany failures part-way. */
  failWrites: Set<string>;
}

/** A running fake API server. */
export interface FakeKubernetes {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Namespace -> name -> Secret. Namespaces that exist are the keys. */
  readonly namespaces: Map<string, Map<string, StoredSecret>>;
  readonly faults: KubernetesFaults;
  /** Every request, as `METHOD path?query`. */
  readonly requests: string[];
  /** The user name Forbidden answers give. */
  readonly user: string;
  close(): Promise<void>;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const PAGE = 2;
const REASON: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' };

/** Starts the fake on a free loopback port; `tls` makes it HTTPS. Namespaces `default` and those given exist. */
export async function startFakeKubernetes(options: { token?: string; namespaces?: string[]; tls?: { key: string; cert: string } } = {}): Promise<FakeKubernetes> {
  const token = options.token ?? 'k8s-fake-token-3f9a';
  const user = 'system:serviceaccount:shop:coffer-app';
  const namespaces = new Map<string, Map<string, StoredSecret>>([['default', new Map()], ...(options.namespaces ?? []).map((ns): [string, Map<string, StoredSecret>] => [ns, new Map()])]);
  const faults: KubernetesFaults = { denied: new Set(), throttle: 0, retryAfter: '0', unavailable: 0, hang: new Set(), interleave: undefined, failWrites: new Set() };
  const requests: string[] = [];
  let version = 1000;
  let uid = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      try {
        handle(req, res, body);
      } catch (error) {
        status(res, 400, `bad request: ${(error as Error).message}`);
      }
    });
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);

  function handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if ([...faults.hang].some((part) => url.pathname.includes(part))) return;
    if (req.headers.authorization !== `Bearer ${token}`) return status(res, 401, 'Unauthorized');
    if (faults.throttle > 0) {
      faults.throttle--;
      res.setHeader('retry-after', faults.retryAfter);
      return status(res, 429, 'Too many requests, please try again later.');
    }
    if (faults.unavailable > 0) {
      faults.unavailable--;
      return status(res, 503, 'The server is currently unable to handle the request');
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(url.pathname);
    if (m === null) return status(res, 404, 'the server could not find the requested resource');
    const ns = decodeURIComponent(m[1] as string);
    const name = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const verb = req.method === 'GET' ? (name === undefined ? 'list' : 'get') : req.method === 'POST' ? 'create' : req.method === 'PUT' ? 'update' : req.method === 'PATCH' ? 'patch' : 'delete';
    const json = body === '' ? {} : (JSON.parse(body) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    const target = name ?? (verb === 'create' ? String(json.metadata?.name ?? '') : undefined);
    if (faults.denied.has(verb) || (target !== undefined && faults.denied.has(`${verb}:${target}`))) {
      const what = target === undefined ? 'secrets' : `secrets "${target}"`;
      return status(res, 403, `${what} is forbidden: User "${user}" cannot ${verb} resource "secrets" in API group "" in the namespace "${ns}"`, { name: target ?? '', kind: 'secrets' });
    }
    const secrets = namespaces.get(ns);
    if (verb === 'list') {
      const all = [...(secrets?.values() ?? [])].filter((s) => matches(s, url.searchParams.get('labelSelector') ?? '')).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
      const after = url.searchParams.get('continue') ? Buffer.from(url.searchParams.get('continue') as string, 'base64').toString() : '';
      const rest = all.filter((s) => s.metadata.name > after);
      const size = Math.min(PAGE, Number(url.searchParams.get('limit') || PAGE));
      const page = rest.slice(0, size);
      const more = rest.length > size;
      return send(res, 200, { kind: 'SecretList', apiVersion: 'v1', metadata: { resourceVersion: String(version), ...(more ? { continue: Buffer.from(page[page.length - 1]?.metadata.name ?? '').toString('base64') } : {}) }, items: page });
    }
    if (verb === 'create') {
      if (secrets === undefined) return status(res, 404, `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
      const invalid = validate(target ?? '', json);
      if (invalid !== undefined) return status(res, 422, `Secret "${target}" is invalid: ${invalid}`, { name: target ?? '', kind: 'Secret', causes: [{ reason: 'FieldValueInvalid', field: invalid.split(':')[0] }] });
      if (secrets.has(target as string)) return status(res, 409, `secrets "${target}" already exists`, { name: target ?? '', kind: 'secrets' }, 'AlreadyExists');
      if (faults.failWrites.has(target as string)) return status(res, 500, 'Internal error occurred: etcdserver: request timed out');
      interleave(secrets);
      const created: StoredSecret = { apiVersion: 'v1', kind: 'Secret', type: json.type ?? 'Opaque', metadata: { ...json.metadata, name: target as string, namespace: ns, uid: `uid-${++uid}`, creationTimestamp: new Date().toISOString(), resourceVersion: String(++version) }, ...(json.data ? { data: json.data } : {}) };
      secrets.set(target as string, created);
      return send(res, 201, created);
    }
    const current = secrets?.get(name as string);
    if (current === undefined) return status(res, 404, `secrets "${name}" not found`, { name: name ?? '', kind: 'secrets' });
    if (verb === 'get') return send(res, 200, current);
    if (verb === 'delete') {
      const expected = json.preconditions?.resourceVersion;
      interleave(secrets as Map<string, StoredSecret>);
      const now = secrets?.get(name as string);
      if (now === undefined) return status(res, 404, `secrets "${name}" not found`, { name: name ?? '', kind: 'secrets' });
      if (expected !== undefined && expected !== now.metadata.resourceVersion) {
        return status(res, 409, `Operation cannot be fulfilled on secrets "${name}": the ResourceVersion in the precondition (${expected}) does not match the ResourceVersion in record (${now.metadata.resourceVersion}). The object might have been modified`, { name: name ?? '', kind: 'secrets' });
      }
      secrets?.delete(name as string);
      return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, kind: 'secrets', uid: now.metadata.uid } });
    }
    // update (PUT) or patch (merge patch)
    const next = verb === 'patch' ? mergePatch(current, json) : json;
    const invalid = validate(name as string, next);
    if (invalid !== undefined) return status(res, 422, `Secret "${name}" is invalid: ${invalid}`, { name: name ?? '', kind: 'Secret', causes: [{ reason: 'FieldValueInvalid', field: invalid.split(':')[0] }] });
    if (faults.failWrites.has(name as string)) return status(res, 500, 'Internal error occurred: etcdserver: request timed out');
    interleave(secrets as Map<string, StoredSecret>);
    const stored = secrets?.get(name as string) as StoredSecret;
    const expected = verb === 'update' ? next.metadata?.resourceVersion : json.metadata?.resourceVersion;
    if (expected !== undefined && expected !== stored.metadata.resourceVersion) {
      return status(res, 409, `Operation cannot be fulfilled on secrets "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name: name ?? '', kind: 'secrets' });
    }
    const replaced: StoredSecret = { apiVersion: 'v1', kind: 'Secret', type: next.type ?? stored.type, metadata: { ...next.metadata, name: name as string, namespace: ns, uid: stored.metadata.uid, creationTimestamp: stored.metadata.creationTimestamp, resourceVersion: String(++version) }, ...(next.data ? { data: next.data } : {}) };
    secrets?.set(name as string, replaced);
    return send(res, 200, replaced);
  }

  function interleave(secrets: Map<string, StoredSecret>) {
    const change = faults.interleave;
    faults.interleave = undefined;
    if (change === undefined) return;
    change(secrets);
    for (const s of secrets.values()) s.metadata.resourceVersion = String(++version);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, port, token, namespaces, faults, requests, user,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Why `secret` would be refused (`field: reason`), or undefined. */
function validate(name: string, secret: Record<string, any>): string | undefined { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) return 'metadata.name: Invalid value: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters';
  let size = 0;
  for (const [key, value] of Object.entries((secret.data ?? {}) as Record<string, unknown>)) {
    if (!DATA_KEY.test(key) || key.length > 253) return `data[${key}]: Invalid value: a valid config key must consist of alphanumeric characters, '-', '_' or '.'`;
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return `data[${key}]: Invalid value: illegal base64 data`;
    size += Buffer.from(value, 'base64').length;
  }
  return size > 1024 * 1024 ? 'data: Too long: must have at most 1048576 bytes' : undefined;
}

/** An equality-based label selector (`a=b,c=d`, also `==`), as the API server matches it. */
function matches(secret: StoredSecret, selector: string): boolean {
  return selector.split(',').filter((part) => part !== '').every((part) => {
    const [key, value] = part.split(/==?/) as [string, string | undefined];
    return secret.metadata.labels?.[key] === value;
  });
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, message: string, details?: Record<string, unknown>, reason = REASON[code] ?? 'Unknown'): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}
