/**
 * What the Kubernetes API answered (or the lack of an answer) as CofferErrors. The SDK throws an
 * ApiException carrying the HTTP status and the API server's Status object, or node-fetch's
 * FetchError/AbortError when no answer came. Three outcomes are never confused: a missing Secret
 * or key (COFFER_E_NOT_FOUND), a refusal (COFFER_E_ACCESS_DENIED: RBAC, naming the verb, the
 * resource and the namespace, or a token the API server does not accept, worded apart), and an
 * outage (COFFER_E_UNAVAILABLE, retryable: throttling, 5xx, timeouts, network). Messages name
 * the provider, the namespace and the secret; the API server's own text is not copied (only the
 * user name of a Forbidden status), and no value or token ever appears.
 */
import { CofferError, type ErrorCode } from '../core/errors.js';
import { retryAfterMs } from './_vault-http.js';

/** What a failed call was doing, for the message. */
export interface K8sCall {
  /** The RBAC verb the call needs. */
  readonly verb: 'get' | 'list' | 'create' | 'update' | 'delete';
  /** The Secret object, if one. */
  readonly object?: string | undefined;
  /** The Coffer secret concerned, if one. */
  readonly name?: string | undefined;
  readonly namespace: string;
  /** The API server URL. */
  readonly server: string;
  /** Where the credentials come from, for the advice on a refused token. */
  readonly credentials: string;
}

/** A failure reduced to what decides its outcome. */
export interface K8sFailure {
  /** HTTP status, when the API server answered. */
  readonly status?: number | undefined;
  /** The Status object's reason (`NotFound`, `Conflict`, `AlreadyExists`, `Forbidden`, ...). */
  readonly reason?: string | undefined;
  /** The Status object's details.kind (`secrets`, `namespaces`). */
  readonly kind?: string | undefined;
  /** The subject a Forbidden status names (`system:serviceaccount:shop:api`). */
  readonly user?: string | undefined;
  /** Retry-After, in milliseconds. */
  readonly retryAfterMs?: number | undefined;
  /** No answer: the system or TLS error code, or `ETIMEDOUT` for our own timeout. */
  readonly network?: string | undefined;
  /** The SDK refused to send the call, in its words (a configuration problem). */
  readonly client?: string | undefined;
  /** Field paths a 422 Invalid status names (`data[bad key]`). */
  readonly fields?: readonly string[] | undefined;
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|ERR_OSSL/;

/** Reads what the SDK threw. */
export function failureOf(error: unknown): K8sFailure {
  const e = error as { code?: unknown; body?: unknown; headers?: Record<string, string>; name?: string; type?: string; errno?: unknown } | null;
  if (typeof e?.code === 'number') {
    const status = parseStatus(e.body);
    return {
      status: e.code,
      reason: status.reason,
      kind: status.details?.kind,
      user: /User "([^"]{1,200})"/.exec(status.message ?? '')?.[1],
      retryAfterMs: retryAfterMs(e.headers?.['retry-after']),
      fields: status.details?.causes?.map((cause) => String(cause.field ?? '')).filter((field) => field !== '').slice(0, 5),
    };
  }
  if (e?.name === 'AbortError' || e?.type === 'aborted') return { network: 'ETIMEDOUT' };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.errno === 'string' ? e.errno : undefined;
  if (e?.name === 'FetchError' || code !== undefined) return { network: code ?? 'EUNKNOWN' };
  // The SDK refused to send the call (an http:// server without insecure-skip-tls-verify, an
  // exec credential plugin that failed): its words, one line, without anything token-like.
  const said = String((error as Error | null)?.message ?? error).split('\n')[0]?.replace(/[A-Za-z0-9._~+/=-]{24,}/g, '[redacted]').slice(0, 160);
  return { client: said ?? 'unknown error' };
}

/** True when the API server refused a write because the object changed or appeared meanwhile. */
export function isConflict(failure: K8sFailure): boolean {
  return failure.status === 409;
}

/** True when trying again may succeed (and the server did not act, or acting twice is harmless). */
export function isTransient(failure: K8sFailure): boolean {
  if (failure.client !== undefined) return false;
  if (failure.network !== undefined) return !TLS_CODES.test(failure.network);
  const status = failure.status ?? 0;
  return status === 429 || status >= 500;
}

/** The CofferError for a call that failed after `attempts` tries. */
export function k8sError(failure: K8sFailure, call: K8sCall, attempts: number, cause?: unknown): CofferError {
  const at = `Kubernetes (${call.server}, namespace ${call.namespace})`;
  const target = call.object === undefined ? 'secrets' : `Secret ${call.object}`;
  const subject = call.name === undefined ? target : `${call.name} (${target})`;
  const details = {
    provider: 'kubernetes', namespace: call.namespace, verb: call.verb, attempts,
    ...(call.object === undefined ? {} : { object: call.object }),
    ...(call.name === undefined ? {} : { name: call.name }),
    ...(failure.status === undefined ? { error: failure.network ?? 'client' } : { status: failure.status, reason: failure.reason }),
  };
  const make = (code: ErrorCode, message: string, retryable?: boolean) => new CofferError(code, message, { details, cause, ...(retryable === undefined ? {} : { retryable }) });
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;

  if (failure.client !== undefined) {
    return make('COFFER_E_CONFIG_INVALID', `The Kubernetes client could not ${call.verb} ${subject} at ${call.server}: ${failure.client}; check the cluster and user of the kubeconfig.`);
  }
  if (failure.network !== undefined) {
    if (TLS_CODES.test(failure.network)) {
      return make('COFFER_E_UNAVAILABLE', `The TLS connection to ${at} failed (${failure.network}) when trying to ${call.verb} ${subject}: the server certificate is not signed by the CA configured (in a pod: ca.crt of the service account; otherwise the kubeconfig's certificate-authority).`, false);
    }
    const why = failure.network === 'ETIMEDOUT' ? 'no answer in time (option timeoutMs)' : NETWORK[failure.network] ?? failure.network;
    return make('COFFER_E_UNAVAILABLE', `Cannot reach ${at} to ${call.verb} ${subject}: ${why}, after ${tries}.`, true);
  }
  const status = failure.status ?? 0;
  if (status === 404 && failure.kind === 'namespaces') {
    return make('COFFER_E_CONFIG_INVALID', `The namespace ${call.namespace} does not exist in ${at}; create it or fix the namespace option (or COFFER_K8S_NAMESPACE).`);
  }
  if (status === 404) return make('COFFER_E_NOT_FOUND', `${subject} does not exist in ${at}.`);
  if (status === 401) {
    return make('COFFER_E_ACCESS_DENIED', `${at} did not accept the credentials (HTTP 401) when trying to ${call.verb} ${subject}: the token is expired or invalid; ${call.credentials}.`);
  }
  if (status === 403) {
    const who = failure.user === undefined ? 'the credentials in use' : `"${failure.user}"`;
    return make('COFFER_E_ACCESS_DENIED', `${at} refused to ${call.verb} ${subject}: RBAC does not allow ${who} to "${call.verb}" the resource "secrets" in the namespace "${call.namespace}"; grant it in a Role (see docs/providers/kubernetes.md#rbac).`);
  }
  if (status === 409) {
    return make('COFFER_E_CONFLICT', `${subject} in ${at} was changed by another writer meanwhile (resourceVersion conflict); read it again and retry.`);
  }
  if (status === 400 || status === 413 || status === 422) {
    const fields = failure.fields === undefined || failure.fields.length === 0 ? '' : `: ${failure.fields.join(', ')}`;
    return make('COFFER_E_UNSAFE_VALUE', `${at} refused to ${call.verb} ${subject} as invalid (HTTP ${status}${failure.reason ? ` ${failure.reason}` : ''}${fields}); a Secret holds at most 1 MiB in all, and an immutable Secret cannot change.`);
  }
  if (status === 429) {
    const wait = failure.retryAfterMs === undefined ? '' : `; it asks to wait ${Math.ceil(failure.retryAfterMs / 1000)} s`;
    return make('COFFER_E_UNAVAILABLE', `${at} is throttling requests (HTTP 429, API priority and fairness) and refused to ${call.verb} ${subject} after ${tries}${wait}; try again later.`, true);
  }
  if (status >= 500) {
    return make('COFFER_E_UNAVAILABLE', `${at} failed to ${call.verb} ${subject} (HTTP ${status}${failure.reason ? ` ${failure.reason}` : ''}) after ${tries}; try again later.`, true);
  }
  return make('COFFER_E_UNAVAILABLE', `${at} answered HTTP ${status} to ${call.verb} ${subject}.`, false);
}

const NETWORK: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (is the API server running at this address?)',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'the host name does not resolve; check the server of the kubeconfig cluster',
  EAI_AGAIN: 'the host name could not be resolved (DNS unavailable)',
};

interface StatusBody {
  reason?: string;
  message?: string;
  details?: { kind?: string; causes?: { field?: unknown }[] };
}

function parseStatus(body: unknown): StatusBody {
  if (typeof body !== 'string' || body.trim() === '') return typeof body === 'object' && body !== null ? (body as StatusBody) : {};
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' ? (parsed as StatusBody) : {};
  } catch {
    return {};
  }
}
