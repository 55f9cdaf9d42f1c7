/**
 * The Vault token of the hashicorp-vault provider: where it comes from, and how it is kept
 * alive. A token is a given token (the `token` option, VAULT_TOKEN, or the token file that
 * `vault login` writes, ~/.vault-token) or one obtained by an AppRole login. Nothing is read or
 * sent before the first call. Its lease is learnt from the login or from lookup-self; a
 * renewable token is renewed (renew-self) once two thirds of its lease have passed, both before
 * a call and by a timer that does not keep the process alive, so an idle process keeps its
 * token too. When renewal can no longer extend it (the role's max TTL) or Vault says it is no
 * longer valid, AppRole logs in again; a given token is re-read from its file, where `vault
 * login` may have put a new one. Tokens and secret ids never appear in messages.
 */
import { readFile } from 'node:fs/promises';
import { CofferError } from '../core/errors.js';
import { vaultError, type VaultCall } from './_vault-errors.js';
import { isTransportFailure, type VaultHttp } from './_vault-http.js';

/** Where the token comes from, resolved from options and environment. */
export type VaultCredentials =
  | { readonly method: 'token'; readonly token?: string | undefined; readonly source: string; readonly file?: string | undefined }
  | { readonly method: 'approle'; readonly roleId?: string | undefined; readonly secretId?: string | undefined; readonly secretIdFile?: string | undefined; readonly mount: string };

/** Settings of {@link createVaultAuth}. */
export interface VaultAuthSettings {
  readonly credentials: VaultCredentials;
  readonly http: VaultHttp;
  /** The address (and namespace), for messages. */
  readonly where: string;
  /** Renew renewable tokens and log in again before they expire. */
  readonly renew: boolean;
  /** The clock, in milliseconds. */
  readonly now: () => number;
}

/** The token of one provider. */
export interface VaultAuth {
  /** How the token is obtained, for messages (`VAULT_TOKEN`, `AppRole`, a file). */
  readonly source: string;
  /** A token to send, after logging in or renewing when due. */
  token(): Promise<string>;
  /**
   * After Vault called `rejected` invalid: gets a new token where one can be had (AppRole logs
   * in again, a token file is re-read). True when a call is worth trying again.
   */
  recover(rejected: string): Promise<boolean>;
  /** Stops the renewal timer. */
  close(): void;
}

interface Lease {
  readonly token: string;
  /** When the lease ends, if it does (ms); undefined for a token without a TTL (root). */
  readonly expiresAt?: number | undefined;
  /** When to renew or log in again (two thirds of the lease). */
  readonly refreshAt?: number | undefined;
  readonly renewable: boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Creates the token keeper; see the module comment. */
export function createVaultAuth(settings: VaultAuthSettings): VaultAuth {
  const { credentials, http, now } = settings;
  const source = credentials.method === 'approle' ? 'AppRole' : credentials.source;
  let lease: Lease | undefined;
  let refreshing: Promise<Lease> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const call = (action: string, path: string, capability: string): VaultCall => ({ action, path, capability, where: settings.where, tokenSource: source });

  const leaseOf = (token: string, ttlSeconds: number | undefined, renewable: boolean): Lease => {
    if (!ttlSeconds || ttlSeconds <= 0) return { token, renewable: false };
    const start = now();
    return { token, renewable, expiresAt: start + ttlSeconds * 1000, refreshAt: start + (ttlSeconds * 1000 * 2) / 3 };
  };

  const login = async (): Promise<Lease> => {
    if (credentials.method === 'token') {
      const token = credentials.token ?? (await readTokenFile(credentials.file));
      if (token === undefined) {
        throw new CofferError('COFFER_E_ACCESS_DENIED', `No Vault token for ${settings.where}: set VAULT_TOKEN, log in with \`vault login\` (which writes ~/.vault-token), or use AppRole (VAULT_ROLE_ID and VAULT_SECRET_ID); see docs/providers/hashicorp-vault.md#authentication.`, { details: { provider: 'hashicorp-vault' } });
      }
      if (!settings.renew) return { token, renewable: false };
      const response = await http.send({ method: 'GET', path: 'auth/token/lookup-self', token, idempotent: true });
      // A token that may not look itself up (no default policy) is used as it is, without renewal.
      if (isTransportFailure(response) || response.status !== 200) return { token, renewable: false };
      const data = (response.body.data ?? {}) as { ttl?: number; renewable?: boolean };
      return leaseOf(token, data.ttl, data.renewable === true);
    }
    const roleId = credentials.roleId;
    if (roleId === undefined || roleId === '') {
      throw new CofferError('COFFER_E_CONFIG_INVALID', 'AppRole login for Vault needs a role id: set the approle.roleId option or VAULT_ROLE_ID; see docs/providers/hashicorp-vault.md#authentication.', { details: { provider: 'hashicorp-vault' } });
    }
    const secretId = credentials.secretId ?? (await readSecretIdFile(credentials.secretIdFile));
    const path = `auth/${credentials.mount}/login`;
    const response = await http.send({ method: 'POST', path, body: { role_id: roleId, ...(secretId === undefined ? {} : { secret_id: secretId }) }, idempotent: true });
    const auth = isTransportFailure(response) ? undefined : response.body.auth;
    if (isTransportFailure(response) || response.status !== 200 || !auth?.client_token) {
      if (!isTransportFailure(response) && (response.status === 400 || response.status === 403)) {
        throw new CofferError('COFFER_E_ACCESS_DENIED', `Vault (${settings.where}) refused the AppRole login at "${path}": the role id or secret id is wrong, or the secret id expired or was used up; check VAULT_ROLE_ID and VAULT_SECRET_ID (or the approle options).`, {
          details: { provider: 'hashicorp-vault', action: 'login', path, status: response.status },
        });
      }
      throw vaultError(response, { ...call('log in with AppRole at', path, 'update'), secrets: [roleId, secretId] });
    }
    return leaseOf(auth.client_token, auth.lease_duration, auth.renewable === true);
  };

  /** Renews `current`; falls back to a new login where renewal cannot keep the token alive. */
  const renew = async (current: Lease): Promise<Lease> => {
    const approle = credentials.method === 'approle';
    if (!current.renewable) return approle ? login() : current;
    const response = await http.send({ method: 'POST', path: 'auth/token/renew-self', body: {}, token: current.token, idempotent: true });
    if (isTransportFailure(response) || response.status === 429 || response.status >= 500) return current; // an outage: keep it while the lease lasts
    if (response.status !== 200) {
      // Vault refused (revoked, or no longer renewable): AppRole logs in again, a given token is kept as it is.
      if (response.status === 403 && approle) return login();
      return { ...current, renewable: false };
    }
    const auth = response.body.auth;
    const next = leaseOf(current.token, auth?.lease_duration, auth?.renewable === true);
    // At the max TTL Vault renews for less than was left: stop renewing, log in again when due.
    const extended = next.expiresAt !== undefined && current.expiresAt !== undefined && next.expiresAt > current.expiresAt;
    return extended ? next : { ...next, renewable: false };
  };

  const refresh = (work: () => Promise<Lease>): Promise<Lease> => {
    refreshing ??= work().then((next) => {
      lease = next;
      schedule(next);
      return next;
    }).finally(() => (refreshing = undefined));
    return refreshing;
  };

  const schedule = (current: Lease) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!settings.renew || closed || current.refreshAt === undefined) return;
    if (!current.renewable && credentials.method !== 'approle') return;
    // A little late rather than early, within what setTimeout can wait (about 24.8 days), and
    // every 10 s while a renewal is overdue (Vault unreachable), not in a tight loop. Errors are
    // left for the next call to meet and report.
    const due = current.refreshAt - now();
    const wait = due > 0 ? Math.min(MAX_TIMER_MS, due + 100) : 10_000;
    timer = setTimeout(() => void ensure().catch(() => lease).then((next) => next && schedule(next)), wait);
    timer.unref();
  };

  const ensure = async (): Promise<Lease> => {
    if (closed) throw new CofferError('COFFER_E_USAGE', 'The hashicorp-vault provider was closed; open a new one.');
    if (refreshing !== undefined) return refreshing;
    const current = lease;
    if (current === undefined) return refresh(login);
    if (!settings.renew || current.refreshAt === undefined || now() < current.refreshAt) return current;
    if (!current.renewable && credentials.method === 'token') return current;
    if (current.expiresAt !== undefined && now() >= current.expiresAt && credentials.method === 'approle') return refresh(login);
    return refresh(() => renew(current));
  };

  return {
    source,
    token: async () => (await ensure()).token,
    async recover(rejected: string): Promise<boolean> {
      if (closed) return false;
      if (refreshing !== undefined) await refreshing.catch(() => undefined);
      if (lease !== undefined && lease.token !== rejected) return true;
      if (credentials.method === 'approle') {
        await refresh(login);
        return true;
      }
      if (credentials.token !== undefined) return false;
      const reread = await readTokenFile(credentials.file);
      if (reread === undefined || reread === rejected) return false;
      await refresh(login);
      return true;
    },
    close(): void {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** The token in `file` (whitespace trimmed), or undefined when there is no such file. */
async function readTokenFile(file: string | undefined): Promise<string | undefined> {
  const text = await readCredential(file, 'token file');
  return text === undefined || text === '' ? undefined : text;
}

async function readSecretIdFile(file: string | undefined): Promise<string | undefined> {
  return readCredential(file, 'AppRole secret id file', true);
}

async function readCredential(file: string | undefined, what: string, required = false): Promise<string | undefined> {
  if (file === undefined) return undefined;
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' && !required) return undefined;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'may not be read by this user' : `cannot be read (${code ?? 'error'})`;
    throw new CofferError(code === 'EACCES' || code === 'EPERM' ? 'COFFER_E_ACCESS_DENIED' : 'COFFER_E_FILE_UNREADABLE', `The Vault ${what} ${file} ${why}.`, { details: { provider: 'hashicorp-vault', file } });
  }
}
