/**
 * Turns what the AWS SDK throws into CofferErrors with one line that names the provider, the
 * secret, the AWS action and where it went (region or endpoint), and says what to do. Three
 * outcomes are never confused: a missing secret (COFFER_E_NOT_FOUND), a refusal, whatever its
 * cause (COFFER_E_ACCESS_DENIED, saying which: denied by policy, expired token, unknown key, bad
 * signature, no credentials), and an outage (COFFER_E_UNAVAILABLE, retryable: throttling, 5xx,
 * network, timeouts; the SDK has already retried with backoff, honouring Retry-After, and the
 * server's last Retry-After is kept in the details). AWS's own messages are repeated only for
 * invalid requests, where they say what was wrong; they never hold values, and the values being
 * written are scrubbed from them all the same.
 */
import { CofferError, isCofferError, type ErrorCode } from '../core/errors.js';

/** What a failed call was doing, for the message. */
export interface AwsCall {
  /** The AWS action (`GetSecretValue`), named in messages and in the IAM permission to grant. */
  readonly action: string;
  /** The secret as the caller named it, if one. */
  readonly name?: string;
  /** The secret id sent to AWS. */
  readonly id?: string;
  /** A version or stage asked for, if one. */
  readonly version?: string;
  readonly stage?: string;
  /** `region eu-west-1`, with the endpoint when it is not AWS's. */
  readonly where: string;
  /** The endpoint called, for network errors. */
  readonly endpoint: string;
  /** `region eu-west-1` alone, for network errors (which name the endpoint apart). */
  readonly region: string;
  /** Values being written, removed from any text quoted from AWS. */
  readonly values?: readonly string[];
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'ProvisionedThroughputExceededException', 'SlowDown']);
const NETWORK: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'timed out waiting for an answer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'the host name does not resolve; check the region and endpoint',
  EAI_AGAIN: 'the host name could not be resolved (DNS unavailable); check the network, the region and the endpoint',
};

/** The CofferError for `error`, thrown by the SDK during `call`. CofferErrors pass through. */
export function awsError(error: unknown, call: AwsCall): CofferError {
  if (isCofferError(error)) return error;
  const e = (error ?? {}) as SdkError;
  const type = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const subject = call.name === undefined ? 'secrets' : `${call.name}${call.id !== undefined && call.id !== call.name ? ` (secret "${call.id}")` : ''}`;
  const at = `AWS Secrets Manager (${call.where})`;
  const retryAfter = retryAfterSeconds(e.$response?.headers?.['retry-after']);
  const details = {
    provider: 'aws-secrets-manager', action: call.action, awsError: type,
    ...(call.name === undefined ? {} : { name: call.name }),
    ...(call.id === undefined ? {} : { secretId: call.id }),
    ...(e.$metadata?.requestId ? { requestId: e.$metadata.requestId } : {}),
    ...(e.$metadata?.attempts ? { attempts: e.$metadata.attempts } : {}),
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
  };
  const make = (code: ErrorCode, message: string, retryable?: boolean) => new CofferError(code, message, { cause: error, details, ...(retryable === undefined ? {} : { retryable }) });
  const denied = (why: string) => make('COFFER_E_ACCESS_DENIED', `${at} refused ${call.action} on ${subject}: ${why}`);
  const message = e.message ?? '';

  if (type === 'ResourceNotFoundException') {
    const which = call.version !== undefined ? `has no version ${call.version}` : call.stage !== undefined ? `has no ${call.stage} version` : 'does not exist';
    const versionLevel = /secret value|version/i.test(message) && (call.version !== undefined || call.stage !== undefined);
    return make('COFFER_E_NOT_FOUND', `Secret ${subject} ${versionLevel ? which : 'does not exist'} in ${at}.`);
  }
  if (type === 'InvalidRequestException' && /deletion|deleted/i.test(message)) {
    return make('COFFER_E_NOT_FOUND', `Secret ${subject} is scheduled for deletion in ${at}; restore it (aws secretsmanager restore-secret) to read it, or set it again.`);
  }
  if (type === 'AccessDeniedException' || type === 'AccessDenied') {
    return denied(`the IAM identity lacks secretsmanager:${call.action} on it, or a resource or KMS key policy forbids it; see docs/providers/aws-secrets-manager.md#iam-permissions.`);
  }
  if (type === 'ExpiredTokenException' || type === 'ExpiredToken' || type === 'RequestExpired') {
    return denied('the AWS session token has expired; refresh the credentials (aws sso login, or assume the role again) and retry.');
  }
  if (type === 'UnrecognizedClientException' || type === 'InvalidClientTokenId') {
    return denied('the AWS access key id is not recognised (a wrong or deleted key, or a session token missing); check AWS_ACCESS_KEY_ID and AWS_SESSION_TOKEN, or the profile.');
  }
  if (type === 'InvalidSignatureException' || type === 'SignatureDoesNotMatch' || type === 'IncompleteSignatureException') {
    if (/region/i.test(message)) return denied(`the request was signed for ${call.region}, which the endpoint does not serve; set the endpoint's region (the "region" option or AWS_REGION).`);
    if (/expired|time/i.test(message)) return denied('the request signature is outside the allowed time window; check the system clock.');
    return denied('the signature does not match: the secret access key does not belong to the access key id; check AWS_SECRET_ACCESS_KEY or the profile.');
  }
  if (type === 'CredentialsProviderError') {
    return denied('no AWS credentials were found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE (or the profile option), or run with an IAM role.');
  }
  if (type === 'DecryptionFailure' || type === 'EncryptionFailure' || type === 'KMSAccessDeniedException') {
    const permission = type === 'DecryptionFailure' ? 'kms:Decrypt' : 'kms:GenerateDataKey';
    return denied(`its KMS key cannot be used (${type}); grant ${permission} on the key to this identity.`);
  }
  if (/^Region is missing|^Region not accepted/.test(message)) {
    return make('COFFER_E_CONFIG_INVALID', `The aws-secrets-manager provider has no usable region (${message.replace(/\.$/, '')}); set the "region" option or AWS_REGION.`);
  }
  if (type === 'ResourceExistsException') {
    return make('COFFER_E_CONFLICT', `${at} refused ${call.action} on ${subject}: a version with this request token already holds another value; use a new token.`);
  }
  if (type === 'LimitExceededException') {
    return make('COFFER_E_UNAVAILABLE', `${at} refused ${call.action} on ${subject}: a Secrets Manager quota was reached (${scrub(message, call.values)}).`, false);
  }
  if (type === 'InvalidParameterException' || type === 'InvalidRequestException' || type === 'ValidationException' || type === 'MalformedPolicyDocumentException') {
    return make('COFFER_E_USAGE', `${at} rejected ${call.action} on ${subject} as invalid (${type}: ${scrub(message, call.values)}).`);
  }
  if (THROTTLING.has(type)) {
    const wait = retryAfter === undefined ? '' : `; the service asks to wait ${retryAfter} s`;
    return make('COFFER_E_UNAVAILABLE', `${at} is throttling ${call.action} on ${subject} (still refused after ${e.$metadata?.attempts ?? 1} attempts${wait}); try again later.`, true);
  }
  const network = e.code === undefined ? undefined : NETWORK[e.code];
  if (network !== undefined || type === 'TimeoutError' || type === 'AbortError') {
    const why = network ?? 'timed out waiting for an answer';
    return make('COFFER_E_UNAVAILABLE', `Cannot reach AWS Secrets Manager at ${call.endpoint} (${call.region}) for ${call.action} on ${subject}: ${why}.`, true);
  }
  if ((status !== undefined && status >= 500) || type === 'InternalServiceError' || type === 'ServiceUnavailable') {
    return make('COFFER_E_UNAVAILABLE', `${at} failed ${call.action} on ${subject} (${type}${status ? `, HTTP ${status}` : ''}); try again later.`, true);
  }
  return make('COFFER_E_UNAVAILABLE', `${at}: ${call.action} on ${subject} failed (${type}${status ? `, HTTP ${status}` : ''}).`, false);
}

/** Seconds from a Retry-After header (seconds or an HTTP date). */
function retryAfterSeconds(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const seconds = /^\d+(\.\d+)?$/.test(header.trim()) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.max(0, Math.ceil(seconds)) : undefined;
}

/** `text` cut to one short line, with any of `values` removed. */
function scrub(text: string, values: readonly string[] = []): string {
  let out = text.replace(/\s+/g, ' ').trim();
  for (const value of values) if (value !== '') out = out.split(value).join('[value]');
  return out.length > 200 ? `${out.slice(0, 199)}…` : out;
}
