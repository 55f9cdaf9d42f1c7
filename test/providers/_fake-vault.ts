/**
 * A fake HashiCorp Vault on loopback (node:http, or node:https with a given certificate) that
 * speaks the parts of Vault's HTTP API the hashicorp-vault provider uses, the way Vault does:
 * X-Vault-Token checked on every call (an unknown or expired token and a policy refusal are both
 * 403, worded as Vault 1.10+ words them, or as a bare "permission denied" like older Vault),
 * policies as path globs with capabilities, namespaces (X-Vault-Namespace) each with their own
 * mounts, token lookup-self and renew-self with TTLs and max TTLs on a clock the test controls,
 * AppRole login, sys/internal/ui/mounts, and KV v1 and v2 mounts (_fake-vault-kv.ts). Failures
 * can be injected: sealed (503), throttled (429 with Retry-After), any status for the next
 * calls, and slow answers. Every request is recorded without its token.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { kvAnswer, kvCapability, kvMount, type FakeAnswer, type FakeKvMount } from './_fake-vault-kv.js';

/** Path glob (a trailing `*` matches any rest) -> capabilities. */
export type FakePolicy = Readonly<Record<string, readonly string[]>>;

/** A token the fake accepts. */
export interface FakeTokenSpec {
  /** Default: every capability everywhere (a root token). */
  readonly policy?: FakePolicy;
  /** Seconds; 0 (default) never expires. */
  readonly ttl?: number;
  readonly renewable?: boolean;
  /** Seconds after creation past which renewals stop extending it; default 32 days. */
  readonly maxTtl?: number;
  /** The namespace it belongs to ('' the root); it works there and below. */
  readonly namespace?: string;
  /** May look itself up and renew itself (Vault's default policy). Default true. */
  readonly selfService?: boolean;
}

/** One request as the fake saw it. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly namespace: string | undefined;
  readonly hadToken: boolean;
}

/** A failure to answer instead of the real thing. */
export interface FakeFailure {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** How many matching calls fail; default 1. */
  times?: number;
  readonly match?: (request: FakeRequest) => boolean;
}

/** Options of {@link startFakeVault}. */
export interface FakeVaultOptions {
  /** The clock in milliseconds; default Date.now. */
  readonly now?: () => number;
  /** Answer an invalid token with only "permission denied", as Vault before 1.10. */
  readonly legacyErrors?: boolean;
  /** Serve HTTPS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string; readonly cert: string };
}

/** A running fake Vault. */
export interface FakeVault {
  readonly url: string;
  /** A token with every capability and no expiry. */
  readonly rootToken: string;
  readonly requests: FakeRequest[];
  /** Answer every call with 503 "Vault is sealed". */
  sealed: boolean;
  /** Milliseconds to wait before answering. */
  delayMs: number;
  /** Called with each request before it is answered (to play a concurrent writer). */
  beforeAnswer: ((request: FakeRequest) => void | Promise<void>) | undefined;
  mount(path: string, version: 1 | 2, namespace?: string): FakeKvMount;
  addToken(token: string, spec?: FakeTokenSpec): void;
  /** Revokes a token, as an operator or an expiry would. */
  revoke(token: string): void;
  /** An AppRole role: logging in with the ids gets a token with `spec`. */
  addAppRole(roleId: string, secretId: string, spec?: FakeTokenSpec & { mount?: string }): void;
  fail(failure: FakeFailure): void;
  /** The tokens issued by AppRole logins, newest last. */
  readonly issued: string[];
  close(): Promise<void>;
}

interface TokenState {
  readonly spec: FakeTokenSpec;
  readonly createdAt: number;
  expiresAt: number | undefined;
}

/** Starts a fake Vault on a free loopback port. */
export async function startFakeVault(options: FakeVaultOptions = {}): Promise<FakeVault> {
  const now = options.now ?? Date.now;
  const mounts = new Map<string, Map<string, FakeKvMount>>();
  const tokens = new Map<string, TokenState>();
  const roles = new Map<string, { secretId: string; spec: FakeTokenSpec; mount: string }>();
  const failures: FakeFailure[] = [];
  let counter = 0;

  const addToken = (token: string, spec: FakeTokenSpec = {}) => {
    tokens.set(token, { spec, createdAt: now(), expiresAt: spec.ttl ? now() + spec.ttl * 1000 : undefined });
  };
  const liveToken = (token: string | undefined, namespace: string): TokenState | undefined => {
    const state = token === undefined ? undefined : tokens.get(token);
    if (state === undefined) return undefined;
    if (state.expiresAt !== undefined && now() >= state.expiresAt) {
      tokens.delete(token as string);
      return undefined;
    }
    const home = state.spec.namespace ?? '';
    return home === '' || namespace === home || namespace.startsWith(`${home}/`) ? state : undefined;
  };
  const denied = (invalidToken: boolean): FakeAnswer => ({
    status: 403,
    body: { errors: [options.legacyErrors ? 'permission denied' : invalidToken ? '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n' : '1 error occurred:\n\t* permission denied\n\n'] },
  });
  const allowed = (state: TokenState, path: string, capability: string) => {
    const policy = state.spec.policy;
    if (policy === undefined) return true;
    return Object.entries(policy).some(([glob, caps]) => (glob.endsWith('*') ? path.startsWith(glob.slice(0, -1)) : path === glob) && caps.includes(capability));
  };
  const ttlLeft = (state: TokenState) => (state.expiresAt === undefined ? 0 : Math.max(0, Math.round((state.expiresAt - now()) / 1000)));

  const answer = (req: FakeRequest, token: string | undefined, body: Record<string, unknown>): FakeAnswer => {
    const ns = req.namespace ?? '';
    const login = /^auth\/(.+)\/login$/.exec(req.path);
    if (login !== null && req.method === 'POST') {
      const role = roles.get(String(body.role_id));
      if (role === undefined || role.mount !== login[1] || role.secretId !== body.secret_id) return { status: 400, body: { errors: ['invalid role or secret ID'] } };
      const issued = `hvs.approle-${++counter}-${Math.random().toString(36).slice(2)}`;
      addToken(issued, role.spec);
      vault.issued.push(issued);
      return { status: 200, body: { auth: { client_token: issued, lease_duration: role.spec.ttl ?? 0, renewable: role.spec.renewable ?? false, policies: ['default'] } } };
    }
    const state = liveToken(token, ns);
    if (state === undefined) return denied(true);
    if (req.path === 'auth/token/lookup-self' || req.path === 'auth/token/renew-self') {
      if (state.spec.selfService === false) return denied(false);
      if (req.path === 'auth/token/lookup-self') {
        return { status: 200, body: { data: { ttl: ttlLeft(state), renewable: state.spec.renewable ?? false, expire_time: state.expiresAt === undefined ? null : new Date(state.expiresAt).toISOString(), policies: ['default'] } } };
      }
      if (!state.spec.renewable || state.expiresAt === undefined) return { status: 400, body: { errors: ['lease is not renewable'] } };
      const cap = state.createdAt + (state.spec.maxTtl ?? 32 * 86_400) * 1000;
      state.expiresAt = Math.min(now() + (state.spec.ttl ?? 0) * 1000, cap);
      return { status: 200, body: { auth: { client_token: token, lease_duration: ttlLeft(state), renewable: true }, warnings: null } };
    }
    const ui = /^sys\/internal\/ui\/mounts\/(.+)$/.exec(req.path);
    const spaces = mounts.get(ns) ?? new Map<string, FakeKvMount>();
    if (ui !== null) {
      const found = spaces.get(ui[1]?.replace(/\/$/, '') ?? '');
      return found === undefined ? denied(false) : { status: 200, body: { data: { type: 'kv', path: `${ui[1]}/`, options: { version: String(found.version) } } } };
    }
    const mountPath = [...spaces.keys()].filter((m) => req.path === m || req.path.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0];
    if (mountPath === undefined) return { status: 404, body: { errors: [`1 error occurred:\n\t* no handler for route "${req.path}". route entry not found.\n\n`] } };
    const mount = spaces.get(mountPath) as FakeKvMount;
    const params = new URLSearchParams(req.query);
    const call = { method: req.method, rest: req.path.slice(mountPath.length + 1), list: params.get('list') === 'true', query: params, body, now: new Date(now()).toISOString() };
    if (!allowed(state, req.path, kvCapability(mount, call))) return denied(false);
    return kvAnswer(mount, call);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const token = req.headers['x-vault-token'] as string | undefined;
    const seen: FakeRequest = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname.replace(/^\/v1\//, '')), query: url.search.slice(1), namespace: req.headers['x-vault-namespace'] as string | undefined, hadToken: token !== undefined };
    vault.requests.push(seen);
    if (vault.delayMs > 0) await new Promise((r) => setTimeout(r, vault.delayMs));
    if (res.destroyed) return;
    await vault.beforeAnswer?.(seen);
    let out: FakeAnswer & { headers?: Readonly<Record<string, string>> };
    const failure = failures.find((f) => (f.times ?? 1) > 0 && (f.match === undefined || f.match(seen)));
    if (failure !== undefined) {
      failure.times = (failure.times ?? 1) - 1;
      out = failure;
    } else if (vault.sealed) {
      out = { status: 503, body: { errors: ['Vault is sealed'] } };
    } else {
      const received = Buffer.concat(chunks).toString('utf8');
      out = answer(seen, token, received === '' ? {} : (JSON.parse(received) as Record<string, unknown>));
    }
    // A string body is sent as it is (a proxy's HTML page); anything else as JSON.
    const text = typeof out.body === 'string';
    res.writeHead(out.status, { 'content-type': text ? 'text/html' : 'application/json', ...(out.headers ?? {}) });
    res.end(out.body === undefined ? undefined : text ? out.body : JSON.stringify(out.body));
  };

  const server: Server = options.tls ? createHttpsServer(options.tls, (q, s) => void handle(q, s)) : createHttpServer((q, s) => void handle(q, s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const vault: FakeVault = {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    rootToken: 'hvs.fake-root-token',
    requests: [],
    issued: [],
    sealed: false,
    delayMs: 0,
    beforeAnswer: undefined,
    mount(path, version, namespace = '') {
      const space = mounts.get(namespace) ?? new Map<string, FakeKvMount>();
      mounts.set(namespace, space);
      const created = kvMount(version);
      space.set(path, created);
      return created;
    },
    addToken,
    revoke: (token) => void tokens.delete(token),
    addAppRole(roleId, secretId, spec = {}) {
      roles.set(roleId, { secretId, spec, mount: spec.mount ?? 'approle' });
    },
    fail(failure) {
      failures.push({ ...failure, times: failure.times ?? 1 });
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  addToken(vault.rootToken);
  return vault;
}
