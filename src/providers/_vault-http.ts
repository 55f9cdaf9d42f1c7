/**
 * The wire under the hashicorp-vault provider: one JSON request to Vault's HTTP API (`/v1/...`)
 * over node:http or node:https, with a timeout per attempt, retries with exponential backoff and
 * jitter, and Retry-After honoured. node:https is used rather than the built-in fetch because a
 * CA file can then be given per provider (fetch would need undici's Agent, which is not a
 * dependency). Only calls that are safe to repeat are retried after Vault may have acted on
 * them (reads, on throttling, 5xx or a network failure); a write is repeated only when Vault
 * cannot have acted (429, or a connection refused). The token travels in X-Vault-Token and
 * nowhere else; nothing here builds a message: failures come back as data and
 * _vault-errors.ts words them.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One call to Vault. */
export interface VaultRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path after `/v1/`, already encoded (`secret/data/app/DB_PASSWORD`). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Sent as X-Vault-Token when set. */
  readonly token?: string | undefined;
  /** True when repeating the call after Vault may have acted on it changes nothing (reads). */
  readonly idempotent: boolean;
}

/** What Vault answered (any status), once retries are over. */
export interface VaultResponse {
  readonly status: number;
  readonly body: VaultBody;
  readonly headers: IncomingHttpHeaders;
  /** Tries made, retries included. */
  readonly attempts: number;
}

/** The JSON envelope of Vault's answers. */
export interface VaultBody {
  readonly data?: unknown;
  readonly auth?: { client_token?: string; lease_duration?: number; renewable?: boolean } | null;
  readonly errors?: readonly string[];
  readonly warnings?: readonly string[] | null;
}

/** A call that got no HTTP answer: refused, reset, timed out, or a TLS failure. */
export interface VaultTransportFailure {
  readonly kind: 'network' | 'timeout' | 'tls';
  /** The system or TLS error code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`). */
  readonly code: string;
  readonly attempts: number;
  readonly cause: unknown;
}

/** Settings of {@link createVaultHttp}. */
export interface VaultHttpSettings {
  readonly address: URL;
  readonly namespace?: string | undefined;
  /** PEM text of the CA certificates to trust instead of the system's. */
  readonly ca?: string | undefined;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  /** First backoff delay; doubled for each retry. */
  readonly backoffMs?: number;
  /** The longest Retry-After waited for; a longer one ends the retries at once. */
  readonly maxRetryAfterMs?: number;
}

/** Sends calls to one Vault server. */
export interface VaultHttp {
  /** The answer, or the failure after the last try. */
  send(request: VaultRequest): Promise<VaultResponse | VaultTransportFailure>;
}

/** True when `outcome` is a transport failure rather than an HTTP answer. */
export const isTransportFailure = (outcome: VaultResponse | VaultTransportFailure): outcome is VaultTransportFailure => 'kind' in outcome;

/** Statuses worth another try: throttled, a standby not caught up (412), or a server failure. */
const RETRY_STATUS = new Set([412, 429, 500, 502, 503, 504]);
/** Statuses after which Vault has not acted, so that even a write can be repeated. */
const NOT_ACTED_STATUS = new Set([429]);
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|ERR_OSSL/;

/** Creates the sender for one Vault address. */
export function createVaultHttp(settings: VaultHttpSettings): VaultHttp {
  const backoff = settings.backoffMs ?? 200;
  const maxRetryAfter = settings.maxRetryAfterMs ?? 30_000;
  return {
    async send(request) {
      for (let attempt = 1; ; attempt++) {
        const outcome = await once(settings, request, attempt);
        const last = attempt >= settings.maxAttempts;
        if (isTransportFailure(outcome)) {
          const safe = request.idempotent ? outcome.kind !== 'tls' : outcome.code === 'ECONNREFUSED';
          if (last || !safe) return outcome;
          await sleep(delay(backoff, attempt));
          continue;
        }
        const retry = request.idempotent ? RETRY_STATUS.has(outcome.status) : NOT_ACTED_STATUS.has(outcome.status);
        if (last || !retry) return outcome;
        const asked = retryAfterMs(outcome.headers['retry-after']);
        if (asked !== undefined && asked > maxRetryAfter) return outcome;
        await sleep(asked ?? delay(backoff, attempt));
      }
    },
  };
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date). */
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || text.trim() === '') return undefined;
  const ms = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) * 1000 : Date.parse(text) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, Math.ceil(ms)) : undefined;
}

/** Exponential backoff with jitter: half to all of `base * 2^(attempt-1)`, at most 5 s. */
function delay(base: number, attempt: number): number {
  const full = Math.min(5_000, base * 2 ** (attempt - 1));
  return Math.round(full / 2 + Math.random() * (full / 2));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function once(settings: VaultHttpSettings, request: VaultRequest, attempt: number): Promise<VaultResponse | VaultTransportFailure> {
  const url = new URL(`v1/${request.path}`, settings.address.href.endsWith('/') ? settings.address : new URL(`${settings.address.href}/`));
  for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
  const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8');
  const headers: Record<string, string> = { accept: 'application/json', 'x-vault-request': 'true' };
  if (request.token !== undefined) headers['x-vault-token'] = request.token;
  if (settings.namespace !== undefined) headers['x-vault-namespace'] = settings.namespace;
  if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: VaultResponse | VaultTransportFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const fail = (kind: VaultTransportFailure['kind'], code: string, cause: unknown) => finish({ kind, code, attempts: attempt, cause });
    const req = send(url, { method: request.method, headers, ...(settings.ca === undefined ? {} : { ca: settings.ca }) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) req.destroy(Object.assign(new Error('answer too large'), { code: 'EMSGSIZE' }));
        else chunks.push(chunk);
      });
      res.on('error', (error) => fail('network', codeOf(error), error));
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: parseBody(Buffer.concat(chunks).toString('utf8')), headers: res.headers, attempts: attempt }));
    });
    const timer = setTimeout(() => {
      fail('timeout', 'ETIMEDOUT', undefined);
      req.destroy();
    }, settings.timeoutMs);
    req.on('error', (error) => {
      const code = codeOf(error);
      fail(TLS_CODES.test(code) ? 'tls' : 'network', code, error);
    });
    req.end(payload);
  });
}

function parseBody(text: string): VaultBody {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as VaultBody) : {};
  } catch {
    // A proxy's HTML error page: keep a short, value-free hint of it.
    return { errors: [`non-JSON answer: ${text.replace(/\s+/g, ' ').slice(0, 80)}`] };
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}
