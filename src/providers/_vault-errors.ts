/**
 * Turns what Vault answered (or the lack of an answer) into CofferErrors with one line that
 * names the provider, the secret, the Vault path, the address and what to do. Three outcomes
 * are never confused: a missing secret or version (COFFER_E_NOT_FOUND), a refusal
 * (COFFER_E_ACCESS_DENIED, saying whether the token is invalid or expired or its policies lack
 * a capability; a 403 never reads as "not found"), and an outage (COFFER_E_UNAVAILABLE,
 * retryable: sealed, throttled, 5xx, timeouts, network). Vault's own error texts are repeated
 * only where they say what was wrong, cut to one line, with the token and any value being
 * written removed.
 */
import { CofferError, type ErrorCode } from '../core/errors.js';
import { isTransportFailure, retryAfterMs, type VaultBody, type VaultResponse, type VaultTransportFailure } from './_vault-http.js';

/** What a failed call was doing, for the message. */
export interface VaultCall {
  /** What was asked, in words (`read`, `write`, `list`, `log in with AppRole`). */
  readonly action: string;
  /** The policy capability the call needs (`read`, `create`/`update`, `list`, `delete`). */
  readonly capability: string;
  /** The API path (after `/v1/`), as a policy names it. */
  readonly path: string;
  /** The secret as the caller named it, if one. */
  readonly name?: string | undefined;
  /** A version asked for, if one. */
  readonly version?: string | undefined;
  /** `https://vault:8200`, with the namespace when there is one. */
  readonly where: string;
  /** How the token was obtained, for the advice on an invalid one (`VAULT_TOKEN`, `AppRole`). */
  readonly tokenSource?: string;
  /** Text that must never appear in a message: the token, values being written. */
  readonly secrets?: readonly (string | undefined)[];
}

/** Why a 403 was answered: the token itself is not valid, or its policies lack the capability. */
export type Denial = 'invalid-token' | 'policy';

/** True when Vault says the token is invalid (Vault 1.10 and later add this to "permission denied"). */
export function saysInvalidToken(body: VaultBody): boolean {
  return (body.errors ?? []).some((text) => /invalid token|token not found|token expired|bad token/i.test(text));
}

/** True when Vault refused a check-and-set write because the version moved on. */
export function isCasMismatch(response: VaultResponse): boolean {
  return response.status === 400 && (response.body.errors ?? []).some((text) => /check-and-set/i.test(text));
}

/**
 * The CofferError for a call that did not succeed. `denial` says why a 403 was answered, when
 * the caller found out (see the KV layer); without it the message covers both causes.
 */
export function vaultError(outcome: VaultResponse | VaultTransportFailure, call: VaultCall, denial?: Denial): CofferError {
  const subject = call.name === undefined ? `"${call.path}"` : `${call.name} ("${call.path}")`;
  const at = `Vault (${call.where})`;
  if (isTransportFailure(outcome)) return transportError(outcome, call, subject);
  const { status, body } = outcome;
  const retryAfter = retryAfterMs(outcome.headers['retry-after']);
  const details = {
    provider: 'hashicorp-vault', action: call.action, path: call.path, status, attempts: outcome.attempts,
    ...(call.name === undefined ? {} : { name: call.name }),
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: Math.ceil(retryAfter / 1000) }),
  };
  const make = (code: ErrorCode, message: string, retryable?: boolean) => new CofferError(code, message, { details, ...(retryable === undefined ? {} : { retryable }) });
  const said = vaultSaid(body, call.secrets);

  if (status === 404) {
    if (/no handler for route|unsupported path/i.test(said)) {
      return make('COFFER_E_CONFIG_INVALID', `${at} has no secrets engine at the start of "${call.path}"; check the mount option (and the namespace).`);
    }
    return make('COFFER_E_NOT_FOUND', `Secret ${subject} ${versionState(body, call.version)} in ${at}.`);
  }
  if (status === 403) {
    const invalid = denial === 'invalid-token' || (denial === undefined && saysInvalidToken(body));
    if (invalid) {
      const fix = call.tokenSource === 'AppRole' ? 'the AppRole login is refused or its token expired; check the role id and secret id' : `the token (${call.tokenSource ?? 'VAULT_TOKEN'}) is invalid or has expired; log in again (vault login) and set a current token`;
      return make('COFFER_E_ACCESS_DENIED', `${at} refused to ${call.action} ${subject}: ${fix}.`);
    }
    const policy = `the token's policies do not grant "${call.capability}" on "${call.path}"`;
    return make('COFFER_E_ACCESS_DENIED', `${at} refused to ${call.action} ${subject}: permission denied (${denial === 'policy' ? policy : `${policy}, or the token is invalid`}); see docs/providers/hashicorp-vault.md#policy.`);
  }
  if (status === 400 && /check-and-set/i.test(said)) {
    return make('COFFER_E_CONFLICT', `${call.name ?? call.path} changed in ${at} while it was being written (check-and-set refused); read it again and retry.`);
  }
  if (status === 429) {
    const wait = retryAfter === undefined ? '' : `; Vault asks to wait ${Math.ceil(retryAfter / 1000)} s`;
    return make('COFFER_E_UNAVAILABLE', `${at} is throttling requests (rate limit quota) and refused to ${call.action} ${subject} after ${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}${wait}; try again later.`, true);
  }
  if (status === 503 && /sealed/i.test(said)) {
    return make('COFFER_E_UNAVAILABLE', `${at} is sealed and serves nothing until it is unsealed; could not ${call.action} ${subject}.`, true);
  }
  if (status === 412 || status >= 500) {
    return make('COFFER_E_UNAVAILABLE', `${at} failed to ${call.action} ${subject} (HTTP ${status}${said === '' ? '' : `: ${said}`}) after ${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}; try again later.`, true);
  }
  if (status === 400 || status === 405) {
    return make('COFFER_E_USAGE', `${at} rejected the request to ${call.action} ${subject} (HTTP ${status}${said === '' ? '' : `: ${said}`}).`);
  }
  return make('COFFER_E_UNAVAILABLE', `${at} answered HTTP ${status} to ${call.action} ${subject}${said === '' ? '' : ` (${said})`}.`, false);
}

function transportError(failure: VaultTransportFailure, call: VaultCall, subject: string): CofferError {
  const details = { provider: 'hashicorp-vault', action: call.action, path: call.path, error: failure.code, attempts: failure.attempts, ...(call.name === undefined ? {} : { name: call.name }) };
  const tries = `${failure.attempts} attempt${failure.attempts === 1 ? '' : 's'}`;
  if (failure.kind === 'tls') {
    return new CofferError('COFFER_E_UNAVAILABLE', `The TLS connection to Vault (${call.where}) failed (${failure.code}) when trying to ${call.action} ${subject}: set the caCert option or VAULT_CACERT to the CA certificate that signed Vault's certificate, and check the address's host name.`, { details, retryable: false, cause: failure.cause });
  }
  const why = failure.kind === 'timeout' ? 'no answer in time (option timeoutMs)' : NETWORK[failure.code] ?? failure.code;
  return new CofferError('COFFER_E_UNAVAILABLE', `Cannot reach Vault (${call.where}) to ${call.action} ${subject}: ${why}, after ${tries}.`, { details, retryable: true, cause: failure.cause });
}

const NETWORK: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (is Vault running at this address?)',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'the host name does not resolve; check the address',
  EAI_AGAIN: 'the host name could not be resolved (DNS unavailable)',
};

/** Why a 404 was answered: the secret or version is absent, deleted or destroyed. */
function versionState(body: VaultBody, version: string | undefined): string {
  const metadata = (body.data as { metadata?: { deletion_time?: string; destroyed?: boolean; version?: number } } | null | undefined)?.metadata;
  const which = version === undefined ? `its latest version${metadata?.version === undefined ? '' : ` (${metadata.version})`}` : `version ${version}`;
  if (metadata?.destroyed === true) return `exists but ${which} was destroyed; set a new value`;
  if (metadata?.deletion_time) return `exists but ${which} was deleted on ${metadata.deletion_time}; undelete it or set a new value`;
  return version === undefined ? 'does not exist' : `has no version ${version}`;
}

/** Vault's error texts as one short line, without the token or values. */
function vaultSaid(body: VaultBody, secrets: readonly (string | undefined)[] = []): string {
  // Vault 1.10+ wraps errors as "1 error occurred:\n\t* permission denied\n\n".
  const items = (body.errors ?? []).flatMap((text) => {
    const bullets = [...String(text).matchAll(/^\s*\*\s*(.+)$/gm)].map((m) => m[1] ?? '');
    return bullets.length > 0 ? bullets : [String(text)];
  });
  let out = items.join('; ').replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.length > 200 ? `${out.slice(0, 199)}…` : out;
}
