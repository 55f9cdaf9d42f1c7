/**
 * A local Google Cloud Secret Manager for tests: the v1 REST API (the "REST fallback" transport
 * of @google-cloud/secret-manager) over node:http. It keeps secrets, numbered versions with their
 * states (ENABLED, DISABLED, DESTROYED), labels and CRC32C checksums as the service does (a write
 * whose checksum does not match is refused with INVALID_ARGUMENT), pages lists with
 * nextPageToken (small pages, to make clients page), answers errors in Google's JSON error shape
 * ({ error: { code, message, status } }), and checks the bearer token. Failures can be injected:
 * PERMISSION_DENIED on one secret, RESOURCE_EXHAUSTED (with a Retry-After header and, if asked,
 * a google.rpc.RetryInfo detail, as Google's services send), UNAVAILABLE, any status on chosen
 * requests, and a payload damaged on the way back.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32c } from '../../src/providers/_crc32c.js';

type State = 1 | 2 | 3; // ENABLED, DISABLED, DESTROYED (enum-encoding=int)
interface Version { n: number; data: Buffer | undefined; crc: number; state: State; createTime: string }
interface Secret { labels: Record<string, string>; versions: Version[]; createTime: string }

/** Failures the next calls meet. */
export interface GcpFaults {
  /** Secret ids whose every call is refused with 403 PERMISSION_DENIED. */
  denied: Set<string>;
  /** The next N calls answer 429 RESOURCE_EXHAUSTED. */
  throttle: number;
  /** The Retry-After header sent with a 429, in seconds; none when undefined. Default '0'. */
  retryAfter: string | undefined;
  /** A google.rpc.RetryInfo retryDelay (`"1.5s"`) put in the 429's error details; none when undefined. */
  retryDelay: string | undefined;
  /** Called with every request as `METHOD path`; an HTTP status it returns is the answer (an error in Google's shape) instead of the normal one. */
  failOn: ((request: string) => number | undefined) | undefined;
  /** The next N calls answer 503 UNAVAILABLE. */
  unavailable: number;
  /** The next access returns a payload that does not match its checksum. */
  corrupt: boolean;
}

/** A running fake. */
export interface FakeGcp {
  readonly port: number;
  readonly token: string;
  readonly projects: Map<string, Map<string, Secret>>;
  readonly faults: GcpFaults;
  /** Every request, as `METHOD path`. */
  readonly requests: string[];
  /** Every request with the time it arrived (Date.now()), in order. */
  readonly timeline: { readonly request: string; readonly at: number }[];
  close(): Promise<void>;
}

const STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 412: 'FAILED_PRECONDITION', 429: 'RESOURCE_EXHAUSTED', 501: 'UNIMPLEMENTED', 503: 'UNAVAILABLE' };
const PAGE = 2;

/** Starts a fake Secret Manager on a free loopback port that accepts `Bearer <token>`. */
export async function startFakeGcp(token = 'ya29.fake-token'): Promise<FakeGcp> {
  const projects = new Map<string, Map<string, Secret>>();
  const faults: GcpFaults = { denied: new Set(), throttle: 0, retryAfter: '0', retryDelay: undefined, failOn: undefined, unavailable: 0, corrupt: false };
  const requests: string[] = [];
  const timeline: { request: string; at: number }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      try {
        handle(req, res, body);
      } catch (error) {
        fail(res, 400, `bad request: ${(error as Error).message}`);
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', 'http://x');
    const request = `${req.method} ${url.pathname}`;
    requests.push(request);
    timeline.push({ request, at: Date.now() });
    if (req.headers.authorization !== `Bearer ${token}`) return fail(res, 401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
    if (faults.throttle > 0) {
      faults.throttle--;
      if (faults.retryAfter !== undefined) res.setHeader('retry-after', faults.retryAfter);
      const details = faults.retryDelay === undefined ? [] : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: faults.retryDelay }];
      return fail(res, 429, 'Quota exceeded for quota metric \'Access requests\'.', details);
    }
    const injected = faults.failOn?.(request);
    if (injected !== undefined) return fail(res, injected, `injected failure of ${request}`);
    if (faults.unavailable > 0) {
      faults.unavailable--;
      return fail(res, 503, 'The service is currently unavailable.');
    }
    const m = /^\/v1\/projects\/([^/]+)\/secrets(?:\/([^/:]+))?(?:\/versions(?:\/([^/:]+))?)?(?::(\w+))?$/.exec(url.pathname);
    if (m === null) return fail(res, 404, `unknown path ${url.pathname}`);
    const [, project, id, version, verb] = m as unknown as [string, string, string | undefined, string | undefined, string | undefined];
    if (id !== undefined && faults.denied.has(id)) return fail(res, 403, `Permission 'secretmanager.versions.access' denied for resource 'projects/${project}/secrets/${id}' (or it may not exist).`);
    const secrets = projects.get(project) ?? new Map<string, Secret>();
    projects.set(project, secrets);
    const now = new Date().toISOString();
    const json = body === '' ? {} : (JSON.parse(body) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    const secretName = (sid: string) => `projects/${project}/secrets/${sid}`;
    const secretJson = (sid: string, s: Secret) => ({ name: secretName(sid), labels: s.labels, createTime: s.createTime, replication: { automatic: {} } });
    const versionJson = (sid: string, v: Version) => ({ name: `${secretName(sid)}/versions/${v.n}`, createTime: v.createTime, state: v.state });

    if (id === undefined) {
      if (req.method === 'POST') {
        const sid = url.searchParams.get('secretId') ?? '';
        if (!/^[A-Za-z0-9_-]{1,255}$/.test(sid)) return fail(res, 400, 'Invalid secret id.');
        if (secrets.has(sid)) return fail(res, 409, `Secret [${secretName(sid)}] already exists.`);
        const created: Secret = { labels: json.labels ?? {}, versions: [], createTime: now };
        secrets.set(sid, created);
        return ok(res, secretJson(sid, created));
      }
      const all = [...secrets.keys()].sort();
      const start = Number(url.searchParams.get('pageToken') || 0);
      const page = all.slice(start, start + PAGE);
      return ok(res, { secrets: page.map((sid) => secretJson(sid, secrets.get(sid) as Secret)), totalSize: all.length, ...(start + PAGE < all.length ? { nextPageToken: String(start + PAGE) } : {}) });
    }
    const secret = secrets.get(id);
    if (secret === undefined) return fail(res, 404, `Secret [${secretName(id)}] not found or has no versions.`);
    if (version === undefined && verb === undefined && url.pathname.endsWith('/versions')) {
      const all = [...secret.versions].reverse();
      const start = Number(url.searchParams.get('pageToken') || 0);
      const page = all.slice(start, start + PAGE);
      return ok(res, { versions: page.map((v) => versionJson(id, v)), totalSize: all.length, ...(start + PAGE < all.length ? { nextPageToken: String(start + PAGE) } : {}) });
    }
    if (version === undefined) {
      if (verb === 'addVersion') {
        const data = Buffer.from(json.payload?.data ?? '', 'base64');
        const crc = crc32c(data);
        if (json.payload?.dataCrc32c !== undefined && Number(json.payload.dataCrc32c) !== crc) return fail(res, 400, 'Checksum mismatch: the payload was damaged in transit.');
        const added: Version = { n: secret.versions.length + 1, data, crc, state: 1, createTime: now };
        secret.versions.push(added);
        return ok(res, versionJson(id, added));
      }
      if (req.method === 'DELETE') {
        secrets.delete(id);
        return ok(res, {});
      }
      if (req.method === 'PATCH') {
        secret.labels = json.labels ?? {};
        return ok(res, secretJson(id, secret));
      }
      return ok(res, secretJson(id, secret));
    }
    const live = secret.versions.filter((v) => v.state !== 3);
    const target = version === 'latest' ? secret.versions[secret.versions.length - 1] : secret.versions.find((v) => String(v.n) === version);
    if (target === undefined || (version === 'latest' && live.length === 0)) return fail(res, 404, `Secret Version [${secretName(id)}/versions/${version}] not found.`);
    if (verb === 'access') {
      if (target.state === 2) return fail(res, 412, `Secret Version [${secretName(id)}/versions/${target.n}] is in DISABLED state.`);
      if (target.state === 3) return fail(res, 412, `Secret Version [${secretName(id)}/versions/${target.n}] is in DESTROYED state.`);
      const data = faults.corrupt ? Buffer.concat([target.data as Buffer, Buffer.from('!')]) : (target.data as Buffer);
      faults.corrupt = false;
      return ok(res, { name: `${secretName(id)}/versions/${target.n}`, payload: { data: data.toString('base64'), dataCrc32c: String(target.crc) } });
    }
    if (verb === 'disable' || verb === 'enable' || verb === 'destroy') {
      if (target.state === 3 && verb !== 'destroy') return fail(res, 412, 'The version is destroyed.');
      target.state = verb === 'disable' ? 2 : verb === 'enable' ? 1 : 3;
      if (verb === 'destroy') target.data = undefined;
      return ok(res, versionJson(id, target));
    }
    return ok(res, versionJson(id, target));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port, token, projects, faults, requests, timeline,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function ok(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, code: number, message: string, details: readonly object[] = []): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message, status: STATUS[code] ?? 'UNKNOWN', ...(details.length > 0 ? { details } : {}) } }));
}
