/**
 * How the gcp-secret-manager provider reaches Google Cloud: the SDK (an optional package, loaded
 * on the first call), the client built from the options, a bearer-token auth client for the REST
 * transport, and Coffer's own retries.
 *
 * The SDK's retries are turned off by the provider: once they give up they report
 * DEADLINE_EXCEEDED and hide the cause. Coffer retries instead, where the cause stays known:
 * reads on any retryable failure, writes only on RESOURCE_EXHAUSTED (the quota refused the call
 * before the service acted, so a retry cannot add a second version). A wait the service asks
 * for is honoured: google.rpc.RetryInfo in the error's details (what Google's services send,
 * over gRPC and REST), and a Retry-After header when Coffer makes the HTTP request itself (the
 * `accessToken` fetch below carries it into a RetryInfo, since the SDK drops response headers).
 * A wait longer than `maxRetryAfterMs` ends the retries at once; the error says how long.
 */
import { CofferError } from '../core/errors.js';
import { loadOptionalPackage } from '../io/optional-package.js';
import { retryAfterMs } from './_vault-http.js';

/** The package the provider needs, named in the error when it is missing. */
export const GCP_SDK_PACKAGE = '@google-cloud/secret-manager';

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
/** gRPC RESOURCE_EXHAUSTED: a quota refused the call before the service acted on it. */
const RESOURCE_EXHAUSTED = 8;

/** How calls are retried. */
export interface RetrySettings {
  /** Tries in all, retries included. */
  readonly attempts: number;
  /** The longest wait asked by the service that is honoured; a longer one ends the retries. */
  readonly maxRetryAfterMs: number;
}

/**
 * Runs `work` up to `attempts` times while it fails with a retryable CofferError (for a write,
 * only while it is throttled), waiting as long as the service asks (details.retryAfterMs), else
 * 200 ms, 400 ms, ... with jitter.
 */
export async function retried<T>(settings: RetrySettings, kind: 'read' | 'write', work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= settings.attempts || !(error instanceof CofferError) || !error.retryable) throw error;
      if (kind === 'write' && error.details.grpcCode !== RESOURCE_EXHAUSTED) throw error;
      const asked = typeof error.details.retryAfterMs === 'number' ? error.details.retryAfterMs : undefined;
      if (asked !== undefined && asked > settings.maxRetryAfterMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, asked ?? 200 * 2 ** (attempt - 1) * (0.5 + Math.random())));
    }
  }
}

/** Where the client connects and how it authenticates. */
export interface GcpClientSettings {
  readonly endpoint?: string | undefined;
  readonly accessToken?: string | undefined;
  /** Milliseconds one HTTP request may take when Coffer makes it (with `accessToken`). */
  readonly timeoutMs: number;
}

/** Loads the SDK (COFFER_E_MISSING_PACKAGE when it is not installed) and creates a SecretManagerServiceClient. */
export async function createGcpClient<T>(settings: GcpClientSettings): Promise<T> {
  const sdk = await loadOptionalPackage(GCP_SDK_PACKAGE, 'The gcp-secret-manager provider', () => import('@google-cloud/secret-manager'));
  const endpoint = settings.endpoint === undefined ? undefined : new URL(settings.endpoint);
  const transport = endpoint === undefined ? {} : {
    fallback: true, apiEndpoint: endpoint.hostname, protocol: endpoint.protocol.replace(':', ''),
    port: Number(endpoint.port || (endpoint.protocol === 'http:' ? 80 : 443)),
  };
  const auth = settings.accessToken === undefined ? {} : { authClient: bearer(settings.accessToken, settings.timeoutMs), fallback: true };
  return new sdk.SecretManagerServiceClient({ ...transport, ...auth } as ConstructorParameters<typeof sdk.SecretManagerServiceClient>[0]) as unknown as T;
}

/**
 * A minimal auth client for a fixed bearer token: what the SDK's REST transport asks of one
 * (`getRequestHeaders`, and `fetch` for the request itself). Each request is aborted after
 * `timeoutMs`: the REST transport applies the call's timeout only to gRPC, so a silent endpoint
 * would otherwise hang the call for ever.
 */
function bearer(token: string, timeoutMs: number) {
  const withToken = (headers?: ConstructorParameters<typeof Headers>[0]) => {
    const h = new Headers(headers);
    h.set('authorization', `Bearer ${token}`);
    return h;
  };
  return {
    getRequestHeaders: async () => withToken(),
    fetch: async (url: string, init: RequestInit) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      return withRetryInfo(await fetch(url, { method: init.method ?? 'GET', headers: withToken(init.headers), ...(init.body !== undefined ? { body: init.body } : {}), signal }));
    },
  };
}

/**
 * An error answer with a Retry-After header, with that wait added to its JSON error as a
 * google.rpc.RetryInfo (unless it has one): the SDK keeps an error's details but not the
 * response's headers. Any other answer is returned as it is.
 */
async function withRetryInfo(response: Response): Promise<Response> {
  const wait = response.ok ? undefined : retryAfterMs(response.headers.get('retry-after') ?? undefined);
  if (wait === undefined) return response;
  const text = await response.text();
  let body: { error?: { details?: unknown } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const error = body?.error;
  if (error !== undefined && typeof error === 'object') {
    const details = Array.isArray(error.details) ? error.details as { '@type'?: unknown }[] : [];
    if (!details.some((d) => d?.['@type'] === RETRY_INFO)) error.details = [...details, { '@type': RETRY_INFO, retryDelay: `${wait / 1000}s` }];
  }
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(error !== undefined ? JSON.stringify(body) : text, { status: response.status, statusText: response.statusText, headers });
}
