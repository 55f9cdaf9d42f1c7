/**
 * Google Cloud Secret Manager errors as Coffer errors. The SDK reports gRPC status codes (also
 * over its REST transport); each maps to the outcome a caller must tell apart: a missing secret
 * or version, a refusal (IAM denied, or credentials invalid or expired), an outage worth a retry
 * (quota, unavailable, deadline), and a conflict. Messages name the secret and the project, and
 * never carry a value or a token; the service's own message is not copied, since it may quote a
 * resource path the caller did not ask about. A wait the service asks for (google.rpc.RetryInfo)
 * goes into `details.retryAfterMs`, and the gRPC status into `details.grpcCode`, for the retries.
 */
import { CofferError } from '../core/errors.js';

/** gRPC status codes the service returns. */
const CODE = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** Names of the gRPC statuses not in {@link CODE}, for messages. */
const STATUS_NAME: Readonly<Record<number, string>> = { 1: 'CANCELLED', 2: 'UNKNOWN', 11: 'OUT_OF_RANGE', 12: 'UNIMPLEMENTED', 15: 'DATA_LOSS' };

/** What the failed call was about, for the message. */
export interface GcpCallContext {
  /** `read of DB_PASSWORD`, `write of API_KEY`, `list`. */
  readonly what: string;
  readonly name?: string;
  /** `project my-proj (endpoint http://127.0.0.1:8085)`. */
  readonly where: string;
}

/** Turns whatever the SDK threw into a CofferError. */
export function gcpError(error: unknown, context: GcpCallContext): CofferError {
  if (error instanceof CofferError) return error;
  const raw = (error as { code?: unknown } | undefined)?.code;
  // A DOMException (a fetch aborted or timed out) has a numeric `code` too, from another table.
  const code = error instanceof DOMException ? undefined : raw;
  const retryAfterMs = retryInfoMs(error);
  const details = {
    provider: 'gcp-secret-manager', ...(context.name ? { name: context.name } : {}),
    ...(typeof code === 'number' ? { grpcCode: code } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
  const message = String((error as Error | undefined)?.message ?? '');
  const at = `Google Cloud Secret Manager (${context.where})`;
  switch (code) {
    case CODE.NOT_FOUND:
      return new CofferError('COFFER_E_NOT_FOUND', `${context.name ?? 'The secret'} does not exist in ${at}.`, { details });
    case CODE.FAILED_PRECONDITION: {
      const state = /DESTROYED/.test(message) ? 'destroyed' : /DISABLED/.test(message) ? 'disabled' : 'not in a readable state';
      return new CofferError('COFFER_E_NOT_FOUND', `The ${context.what} found that version ${state} in ${at}; read another version, or enable it (\`enableVersion\`) if it is disabled.`, { details });
    }
    case CODE.PERMISSION_DENIED:
      return new CofferError('COFFER_E_ACCESS_DENIED', `${at} refused the ${context.what}: IAM denies it (grant roles/secretmanager.secretAccessor to read, secretmanager.admin or secretVersionAdder to write; see docs/providers/gcp-secret-manager.md).`, { details });
    case CODE.UNAUTHENTICATED:
      return new CofferError('COFFER_E_ACCESS_DENIED', `${at} refused the ${context.what}: the credentials are invalid or expired (check GOOGLE_APPLICATION_CREDENTIALS or the access token).`, { details });
    case CODE.ALREADY_EXISTS:
    case CODE.ABORTED:
      return new CofferError('COFFER_E_CONFLICT', `The ${context.what} in ${at} raced with another writer; try again.`, { details });
    case CODE.INVALID_ARGUMENT:
      return new CofferError('COFFER_E_UNSAFE_VALUE', `${at} refused the ${context.what} as invalid (a name it cannot hold, a value over 64 KiB, or a damaged payload).`, { details });
    case CODE.RESOURCE_EXHAUSTED:
    case CODE.UNAVAILABLE:
    case CODE.DEADLINE_EXCEEDED:
    case CODE.INTERNAL: {
      const why = code === CODE.RESOURCE_EXHAUSTED ? 'is throttling requests (quota exhausted)' : code === CODE.DEADLINE_EXCEEDED ? 'did not answer in time' : 'is unavailable';
      const wait = retryAfterMs === undefined ? '' : `; it asks to wait ${Math.ceil(retryAfterMs / 1000)} s`;
      return new CofferError('COFFER_E_UNAVAILABLE', `${at} ${why} during the ${context.what}${wait}; try again.`, { details, retryable: true });
    }
    default: {
      const network = typeof raw === 'string' && /^E[A-Z]+$/.test(raw) ? raw : /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|fetch failed|socket hang up/.exec(message)?.[0];
      if (network !== undefined) return new CofferError('COFFER_E_UNAVAILABLE', `${at} could not be reached during the ${context.what} (${network}); check the endpoint and the network.`, { details, retryable: true });
      const name = (error as { name?: unknown } | undefined)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') return new CofferError('COFFER_E_UNAVAILABLE', `${at} did not answer in time during the ${context.what}; try again.`, { details, retryable: true });
      // Anything else is not known to be transient, so it is not retried: a status this
      // provider does not expect (UNIMPLEMENTED, DATA_LOSS, ...) or a bug (a TypeError).
      if (typeof code === 'number') {
        return new CofferError('COFFER_E_UNAVAILABLE', `${at} failed during the ${context.what} (gRPC status ${code}${STATUS_NAME[code] ? ` ${STATUS_NAME[code]}` : ''}); it is not retried.`, { cause: error, details, retryable: false });
      }
      const kind = error instanceof Error ? error.name : typeof error;
      return new CofferError('COFFER_E_INTERNAL', `The ${context.what} in ${at} failed with an unexpected error (${kind}), which is not retried; please report it.`, { cause: error, details, retryable: false });
    }
  }
}

/** Milliseconds from the google.rpc.RetryInfo among an SDK error's decoded details (`statusDetails`), if any. */
export function retryInfoMs(error: unknown): number | undefined {
  const details = (error as { statusDetails?: unknown } | undefined)?.statusDetails;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details as { retryDelay?: { seconds?: unknown; nanos?: unknown } | null }[]) {
    const delay = detail?.retryDelay;
    if (delay === undefined || delay === null || typeof delay !== 'object') continue;
    const ms = Number(String(delay.seconds ?? 0)) * 1000 + Number(delay.nanos ?? 0) / 1e6;
    if (Number.isFinite(ms)) return Math.max(0, Math.ceil(ms));
  }
  return undefined;
}
