/**
 * Vault's key/value secrets engine, version 1 or 2, as calls with a token: read, write (with
 * check-and-set on v2), list, delete, and v2's metadata, undelete and destroy. Every call carries
 * the current token; a 403 is examined (Vault's text, else a lookup-self) to tell an invalid or
 * expired token from a policy that lacks a capability, and an invalid token is replaced once
 * (AppRole logs in again) before the call is repeated. Before the first call the mount is looked
 * up (sys/internal/ui/mounts) so that a KV v1 mount configured as v2, or the reverse, is an
 * error rather than secrets written at the wrong path; when the token may not look, the check
 * is skipped.
 */
import { CofferError } from '../core/errors.js';
import type { VaultAuth } from './_vault-auth.js';
import { saysInvalidToken, vaultError, type Denial, type VaultCall } from './_vault-errors.js';
import { isTransportFailure, type VaultHttp, type VaultRequest, type VaultResponse } from './_vault-http.js';

/** Where and how the KV engine is reached. */
export interface KvSettings {
  readonly http: VaultHttp;
  readonly auth: VaultAuth;
  /** The mount path, without slashes (`secret`). */
  readonly mount: string;
  readonly version: 1 | 2;
  /** The address (and namespace), for messages. */
  readonly where: string;
}

/** The metadata of a KV v2 secret, as Vault returns it. */
export interface KvMetadata {
  readonly current_version: number;
  readonly custom_metadata?: Readonly<Record<string, string>> | null;
  readonly updated_time?: string;
  readonly versions: Readonly<Record<string, { created_time: string; deletion_time: string; destroyed: boolean }>>;
}

/** One read of a secret's data. */
export interface KvRead {
  readonly data: Readonly<Record<string, unknown>>;
  /** v2 only. */
  readonly version?: number;
  readonly createdTime?: string;
  readonly customMetadata?: Readonly<Record<string, string>>;
}

/** The latest state of a v2 secret, readable or not, as a write needs it. */
export interface KvLatest {
  /** The current version number; 0 when the secret has never been written. */
  readonly version: number;
  /** Its data, when the latest version is readable (not deleted or destroyed). */
  readonly data?: Readonly<Record<string, unknown>>;
  readonly customMetadata: Readonly<Record<string, string>>;
}

/** What a call is about, for messages: the secret's name and its path under the mount. */
export interface KvSubject {
  readonly name: string;
  readonly path: string;
  /** Values being written, kept out of any message. */
  readonly values?: readonly string[];
}

/** Calls on one KV mount. */
export type Kv = ReturnType<typeof createKv>;

/** Creates the KV calls for one mount; see the module comment. */
export function createKv(settings: KvSettings) {
  const { http, auth, mount, version } = settings;
  let mountChecked: Promise<void> | undefined;
  const api = (kind: string, path: string) => `${mount}/${version === 2 ? `${kind}/` : ''}${encodePath(path)}`;

  /** Sends with the token; returns the answer when its status is in `accept`, else throws. */
  const send = async (request: Omit<VaultRequest, 'token'>, call: Omit<VaultCall, 'where' | 'path'>, accept: readonly number[]): Promise<VaultResponse> => {
    mountChecked ??= checkMount().catch((error: unknown) => {
      mountChecked = undefined;
      throw error;
    });
    await mountChecked;
    const full: VaultCall = { ...call, path: request.path, where: settings.where, tokenSource: auth.source };
    for (let attempt = 1; ; attempt++) {
      const token = await auth.token();
      const outcome = await http.send({ ...request, token });
      if (!isTransportFailure(outcome) && accept.includes(outcome.status)) return outcome;
      if (isTransportFailure(outcome) || outcome.status !== 403) throw vaultError(outcome, { ...full, secrets: [token, ...(full.secrets ?? [])] });
      const denial = await whyDenied(outcome, token);
      if (denial === 'invalid-token' && attempt === 1 && (await auth.recover(token))) continue;
      throw vaultError(outcome, { ...full, secrets: [token, ...(full.secrets ?? [])] }, denial);
    }
  };

  /** Tells an invalid token from a policy refusal when Vault's text does not (before 1.10). */
  const whyDenied = async (response: VaultResponse, token: string): Promise<Denial | undefined> => {
    if (saysInvalidToken(response.body)) return 'invalid-token';
    const lookup = await http.send({ method: 'GET', path: 'auth/token/lookup-self', token, idempotent: true });
    if (isTransportFailure(lookup)) return undefined;
    return lookup.status === 200 ? 'policy' : lookup.status === 403 ? 'invalid-token' : undefined;
  };

  /** COFFER_E_CONFIG_INVALID when the mount is not KV of the configured version. */
  const checkMount = async (): Promise<void> => {
    const token = await auth.token();
    const answer = await http.send({ method: 'GET', path: `sys/internal/ui/mounts/${encodePath(mount)}`, token, idempotent: true });
    if (isTransportFailure(answer) || answer.status !== 200) return;
    const data = (answer.body.data ?? {}) as { type?: string; options?: { version?: string } | null };
    if (data.type === undefined) return;
    const found = data.type === 'kv' || data.type === 'generic' ? (data.options?.version === '2' ? 2 : 1) : undefined;
    if (found === version) return;
    const what = found === undefined ? `a "${data.type}" secrets engine, not key/value` : `KV version ${found}`;
    const fix = found === undefined ? 'set the mount option to a KV mount' : `set the kvVersion option to ${found}`;
    throw new CofferError('COFFER_E_CONFIG_INVALID', `The Vault mount "${mount}/" (${settings.where}) is ${what}, but the hashicorp-vault provider is set for KV version ${version}; ${fix}.`, { details: { provider: 'hashicorp-vault', mount } });
  };

  const subjectOf = (s: KvSubject) => ({ name: s.name, ...(s.values ? { secrets: s.values } : {}) });

  return {
    send,
    /** Reads a secret (a version on v2); COFFER_E_NOT_FOUND, saying whether it was deleted or destroyed, when absent. */
    async read(s: KvSubject, readVersion?: string): Promise<KvRead> {
      const response = await send(
        { method: 'GET', path: api('data', s.path), ...(readVersion === undefined ? {} : { query: { version: readVersion } }), idempotent: true },
        { action: 'read', capability: 'read', version: readVersion, ...subjectOf(s) }, [200],
      );
      if (version === 1) return { data: asRecord(response.body.data) };
      const body = (response.body.data ?? {}) as { data?: unknown; metadata?: { version?: number; created_time?: string; custom_metadata?: Record<string, string> | null } };
      return {
        data: asRecord(body.data),
        ...(body.metadata?.version === undefined ? {} : { version: body.metadata.version }),
        ...(body.metadata?.created_time ? { createdTime: body.metadata.created_time } : {}),
        customMetadata: body.metadata?.custom_metadata ?? {},
      };
    },
    /** v1: the data, or undefined when absent. v2: the latest version's number, data and custom metadata. */
    async latest(s: KvSubject): Promise<KvLatest | undefined> {
      const response = await send({ method: 'GET', path: api('data', s.path), idempotent: true }, { action: 'read', capability: 'read', ...subjectOf(s) }, [200, 404]);
      if (response.status === 404 && /no handler for route/i.test((response.body.errors ?? []).join(' '))) {
        throw vaultError(response, { action: 'read', capability: 'read', path: api('data', s.path), where: settings.where, name: s.name });
      }
      if (version === 1) return response.status === 404 ? undefined : { version: 0, data: asRecord(response.body.data), customMetadata: {} };
      const body = (response.body.data ?? null) as { data?: unknown; metadata?: { version?: number; custom_metadata?: Record<string, string> | null } } | null;
      if (body?.metadata?.version === undefined) return undefined;
      return { version: body.metadata.version, ...(response.status === 200 ? { data: asRecord(body.data) } : {}), customMetadata: body.metadata.custom_metadata ?? {} };
    },
    /** v2 metadata; undefined when the secret does not exist. */
    async metadata(s: KvSubject): Promise<KvMetadata | undefined> {
      const response = await send({ method: 'GET', path: api('metadata', s.path), idempotent: true }, { action: 'read the metadata of', capability: 'read', ...subjectOf(s) }, [200, 404]);
      return response.status === 404 ? undefined : (response.body.data as KvMetadata);
    },
    /** Writes `data`; on v2 with `cas` (0: only if absent) and returns the new version. */
    async write(s: KvSubject, data: Readonly<Record<string, unknown>>, cas?: number): Promise<number | undefined> {
      const body = version === 2 ? { data, ...(cas === undefined ? {} : { options: { cas } }) } : data;
      const response = await send({ method: 'POST', path: api('data', s.path), body, idempotent: false }, { action: 'write', capability: 'create" or "update', ...subjectOf(s) }, [200, 204]);
      return version === 2 ? (response.body.data as { version?: number } | undefined)?.version : undefined;
    },
    /** v2: replaces the secret's custom metadata. */
    async writeCustomMetadata(s: KvSubject, custom: Readonly<Record<string, string>>): Promise<void> {
      await send({ method: 'POST', path: api('metadata', s.path), body: { custom_metadata: custom }, idempotent: true }, { action: 'write the metadata of', capability: 'create" or "update', name: s.name }, [200, 204]);
    },
    /** The keys directly under `folder` (`` for the mount's root); [] when there are none. */
    async list(folder: string): Promise<string[]> {
      const path = version === 2 ? `${mount}/metadata/${encodePath(folder)}` : `${mount}/${encodePath(folder)}`;
      const response = await send({ method: 'GET', path, query: { list: 'true' }, idempotent: true }, { action: 'list', capability: 'list', name: undefined }, [200, 404]);
      return response.status === 404 ? [] : [...((response.body.data as { keys?: string[] } | undefined)?.keys ?? [])];
    },
    /** v1: deletes the secret. v2: soft-deletes its latest version. */
    async deleteLatest(s: KvSubject): Promise<void> {
      await send({ method: 'DELETE', path: api('data', s.path), idempotent: true }, { action: 'delete', capability: 'delete', name: s.name }, [200, 204]);
    },
    /** v2: soft-deletes, undeletes or destroys versions. */
    async versionsAction(s: KvSubject, kind: 'delete' | 'undelete' | 'destroy', versions: readonly number[]): Promise<void> {
      await send({ method: 'POST', path: api(kind, s.path), body: { versions }, idempotent: true }, { action: kind === 'delete' ? 'delete versions of' : kind, capability: 'update', name: s.name }, [200, 204]);
    },
    /** v2: removes the secret with every version and its metadata. v1: deletes it. */
    async purge(s: KvSubject): Promise<void> {
      await send({ method: 'DELETE', path: api(version === 2 ? 'metadata' : 'data', s.path), idempotent: true }, { action: 'delete', capability: 'delete', name: s.name }, [200, 204]);
    },
  };
}

/** A Vault path with each segment percent-encoded. */
export function encodePath(path: string): string {
  return path.split('/').map((segment) => encodeURIComponent(segment)).join('/');
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
