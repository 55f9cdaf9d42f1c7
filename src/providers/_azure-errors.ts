/**
 * Azure Key Vault failures as Coffer errors. The SDK throws a RestError carrying the HTTP status
 * and Key Vault's error code, and @azure/identity throws its own errors when no token can be
 * had; each becomes the outcome a caller must tell apart: a missing secret (404), a refusal
 * (403: the RBAC role or access policy lacks the permission), credentials that are invalid or
 * expired (401, or Microsoft Entra ID refusing them), an outage worth a retry (429 after the
 * SDK honoured Retry-After, 5xx, timeouts, an unreachable vault), and a conflict (409: a
 * soft-deleted secret holds the name). Messages name the provider, the secret and the vault;
 * never a value or a token. Key Vault's own messages are not copied (they quote principals and
 * object ids); only its error codes and Entra's AADSTS codes are. The SDK's error is not kept as
 * the `cause`: it holds the request, whose body carries the value being written.
 */
import { CofferError } from '../core/errors.js';

/** What the failed call was about, for the message. */
export interface AzureCallContext {
  /** `read of DB_PASSWORD`, `write of API_KEY`, `list`. */
  readonly what: string;
  readonly name?: string;
  /** `https://shop.vault.azure.net`. */
  readonly vault: string;
}

interface RestErrorLike {
  readonly name?: string;
  readonly statusCode?: number;
  readonly code?: string;
  readonly message?: string;
  readonly details?: { error?: { code?: string; innerError?: { code?: string } } };
  readonly response?: { headers?: { get(name: string): string | undefined } };
}

const NETWORK = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|socket hang up|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

/** Turns whatever the SDK or the credential threw into a CofferError. */
export function azureError(error: unknown, context: AzureCallContext): CofferError {
  if (error instanceof CofferError) return error;
  const e = (error ?? {}) as RestErrorLike;
  const details = { provider: 'azure-key-vault', ...(context.name ? { name: context.name } : {}) };
  const at = `Azure Key Vault (${context.vault})`;
  const subject = context.name ?? 'The secret';
  const credential = credentialError(e, context, details);
  if (credential !== undefined) return credential;
  const status = e.statusCode;
  const kvCode = e.details?.error?.code ?? e.code;
  const inner = e.details?.error?.innerError?.code;
  switch (status) {
    case 404:
      if (/^(recovery|purge) of/.test(context.what)) return new CofferError('COFFER_E_NOT_FOUND', `${subject} is not among the deleted secrets of ${at} (the ${context.what} found nothing to act on).`, { details });
      return new CofferError('COFFER_E_NOT_FOUND', `${subject} does not exist in ${at}${context.what.startsWith('read of') ? '' : ` (${context.what})`}.`, { details });
    case 403:
      if (inner === 'SecretDisabled' || /disabled secret/i.test(e.message ?? '')) {
        return new CofferError('COFFER_E_NOT_FOUND', `The ${context.what} found that version of ${subject} disabled in ${at}; read another version, or enable it (\`enableVersion\`).`, { details: { ...details, disabled: true } });
      }
      return new CofferError('COFFER_E_ACCESS_DENIED', `${at} refused the ${context.what}: the identity lacks the permission (${inner ?? kvCode ?? 'Forbidden'}; grant "Key Vault Secrets User" to read, "Key Vault Secrets Officer" to write, or the matching access policy; see docs/providers/azure-key-vault.md).`, { details });
    case 401:
      return new CofferError('COFFER_E_ACCESS_DENIED', `${at} refused the ${context.what}: the token is invalid or expired (${kvCode ?? 'Unauthorized'}); check the Azure credentials (AZURE_CLIENT_ID, AZURE_TENANT_ID, az login, managed identity) and the tenant.`, { details });
    case 409:
      return new CofferError('COFFER_E_CONFLICT', `The ${context.what} in ${at} conflicts with the state of ${subject} (${kvCode ?? 'Conflict'}): it is being deleted, recovered or purged, or is deleted but recoverable; recover or purge it, or try again shortly.`, { details, retryable: true });
    case 400:
      return new CofferError('COFFER_E_UNSAFE_VALUE', `${at} refused the ${context.what} as invalid (${kvCode ?? 'BadParameter'}: a value over 25 KiB, too many tags, or a bad version id).`, { details });
    case 429: {
      const after = e.response?.headers?.get('retry-after');
      return new CofferError('COFFER_E_UNAVAILABLE', `${at} is throttling requests (429) during the ${context.what}${after ? `; it asked to retry after ${after.slice(0, 40)} s` : ''}; try again later or lower the request rate.`, { details: { ...details, ...(after ? { retryAfter: after.slice(0, 40) } : {}) }, retryable: true });
    }
    default:
      break;
  }
  if (status !== undefined && status >= 500) {
    return new CofferError('COFFER_E_UNAVAILABLE', `${at} is unavailable (HTTP ${status}) during the ${context.what}; try again.`, { details, retryable: true });
  }
  const text = `${e.code ?? ''} ${e.message ?? ''}`;
  if (e.name === 'AbortError' || /timed? ?out|TimeoutError/i.test(text)) {
    return new CofferError('COFFER_E_UNAVAILABLE', `${at} did not answer in time during the ${context.what}; try again.`, { details, retryable: true });
  }
  if (/challenge resource .* does not match/.test(text)) {
    return new CofferError('COFFER_E_CONFIG_INVALID', `${at} asked for a token for another domain during the ${context.what}, so none was sent; check the vault URL, or set disableChallengeResourceVerification for a vault behind a custom domain.`, { details });
  }
  const network = NETWORK.exec(text)?.[0];
  if (network !== undefined) {
    const tls = /CERT|SELF_SIGNED|VERIFY|TLS/.test(network);
    return new CofferError('COFFER_E_UNAVAILABLE', `${at} could not be reached during the ${context.what} (${network}); ${tls ? 'its TLS certificate is not trusted: set the caCert option for a private CA' : 'check the vault URL and the network'}.`, { details, retryable: !tls });
  }
  return new CofferError('COFFER_E_UNAVAILABLE', `${at} failed during the ${context.what} (${status !== undefined ? `HTTP ${status}` : 'unexpected error'}${kvCode ? `, ${kvCode}` : ''}).`, { details, retryable: status === undefined });
}

/** Errors of @azure/identity: no credential found, or Microsoft Entra ID refusing the one found. */
function credentialError(e: RestErrorLike, context: AzureCallContext, details: Record<string, unknown>): CofferError | undefined {
  const at = `Azure Key Vault (${context.vault})`;
  const message = e.message ?? '';
  const aadsts = /AADSTS\d+/.exec(message)?.[0];
  if (e.name === 'CredentialUnavailableError' || (e.name === 'AggregateAuthenticationError' && !/AADSTS|Status code: 4\d\d/.test(message))) {
    return new CofferError('COFFER_E_ACCESS_DENIED', `No Azure credential is available for the ${context.what} in ${at}: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, run \`az login\`, or use a managed identity (see docs/providers/azure-key-vault.md).`, { details });
  }
  if (e.name === 'AuthenticationError' || e.name === 'AggregateAuthenticationError' || e.name === 'AuthenticationRequiredError') {
    if (e.statusCode !== undefined && e.statusCode >= 500) {
      return new CofferError('COFFER_E_UNAVAILABLE', `Microsoft Entra ID is unavailable (HTTP ${e.statusCode}) while getting a token for the ${context.what} in ${at}; try again.`, { details, retryable: true });
    }
    return new CofferError('COFFER_E_ACCESS_DENIED', `Microsoft Entra ID refused the Azure credentials for the ${context.what} in ${at}: they are invalid or expired${aadsts ? ` (${aadsts})` : ''}; renew the client secret or certificate, or sign in again with \`az login\`.`, { details });
  }
  return undefined;
}
