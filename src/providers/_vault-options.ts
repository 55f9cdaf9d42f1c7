/**
 * The options of the hashicorp-vault provider, their config-file schema, and how they resolve
 * against the environment (VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE, VAULT_CACERT,
 * VAULT_ROLE_ID, VAULT_SECRET_ID, VAULT_MAX_RETRIES, and VAULT_PATH, VAULT_KV_VERSION and
 * VAULT_PREFIX, which teams moving from their own secrets module already set), plus the mapping
 * from a Coffer name to a Vault path and data field. Credentials (a token, a secret id) are
 * accepted from code and the environment but not from a config file, which is usually committed.
 */
import { z } from 'zod/v3';
import { CofferError } from '../core/errors.js';
import { VALUE_FIELD } from './_vault-writes.js';

/** One path segment: what Vault keeps in a path without encoding surprises. */
const SEGMENT = /^[A-Za-z0-9_.@+=-]+$/;
const isPath = (text: string) => text.split('/').every((seg) => SEGMENT.test(seg) && seg !== '.' && seg !== '..');
/** A prefix: segments, and optionally a trailing `/` or the start of a name. */
const isPrefix = (text: string) => text === '' || (!text.startsWith('/') && isPath(text.endsWith('/') ? text.slice(0, -1) : text));
const trimSlashes = (text: string) => text.replace(/^\/+|\/+$/g, '');
const mountSchema = z.string().refine((text) => isPath(trimSlashes(text)), 'a mount path such as "secret" or "kv/apps"');

/** Validates `HashicorpVaultOptions` as written in a config file. */
export const optionsSchema = z.object({
  address: z.string().url().refine((text) => /^https?:\/\//i.test(text), 'an http:// or https:// URL').optional(),
  mount: mountSchema.optional(),
  kvVersion: z.union([z.literal(1), z.literal(2)]).optional(),
  prefix: z.string().refine(isPrefix, 'path segments of letters, digits and _ . @ + = -, such as "app/production/"').optional(),
  namespace: z.string().min(1).optional(),
  auth: z.enum(['token', 'approle']).optional(),
  tokenFile: z.string().min(1).optional(),
  approle: z.object({
    roleId: z.string().min(1).optional(),
    secretIdFile: z.string().min(1).optional(),
    mount: mountSchema.optional(),
  }).strict().optional(),
  paths: z.record(z.string().min(1), z.string().refine((text) => isPath(text.split('#')[0] ?? ''), 'a secret path, optionally with #FIELD')).optional(),
  renew: z.boolean().optional(),
  checkAndSet: z.boolean().optional(),
  caCert: z.string().min(1).optional(),
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
}).strict();

/** Options of the `hashicorp-vault` provider. */
export interface HashicorpVaultOptions {
  /** Vault's address (`https://vault.example.com:8200`). Default: VAULT_ADDR. */
  readonly address?: string;
  /** Where the KV secrets engine is mounted. Default: VAULT_PATH, else `secret` (a dev server's KV v2 mount). */
  readonly mount?: string;
  /**
   * The KV engine's version: 2 (versions, check-and-set, metadata, soft delete) or 1. Default:
   * VAULT_KV_VERSION (`1` or `2`), else 2.
   * The mount is looked up before the first call and a mismatch is an error.
   */
  readonly kvVersion?: 1 | 2;
  /**
   * Put before every name to form the secret's path under the mount (`app/production/` stores
   * DB_PASSWORD at `secret/data/app/production/DB_PASSWORD`); `list` returns the secrets under
   * it, without it. Default: VAULT_PREFIX, else none.
   */
  readonly prefix?: string;
  /** Vault Enterprise namespace, sent as X-Vault-Namespace. Default: VAULT_NAMESPACE, else none. */
  readonly namespace?: string;
  /**
   * How to get a token: `token` (the token option, VAULT_TOKEN, else the token file) or
   * `approle`. Default: `token` when the token option is given, `approle` when the approle
   * option is, then `token` when VAULT_TOKEN is set, `approle` when VAULT_ROLE_ID is, else `token`.
   */
  readonly auth?: 'token' | 'approle';
  /** A token, from code (never from a config file, which is usually committed). Default: VAULT_TOKEN. */
  readonly token?: string;
  /** File holding the token when none is given. Default `~/.vault-token`, which `vault login` writes. */
  readonly tokenFile?: string;
  /** AppRole login. */
  readonly approle?: {
    /** The role id. Default: VAULT_ROLE_ID. */
    readonly roleId?: string;
    /** The secret id, from code only. Default: VAULT_SECRET_ID, else the secretIdFile. */
    readonly secretId?: string;
    /** File holding the secret id (as Vault Agent or an orchestrator delivers it). Default: none. */
    readonly secretIdFile?: string;
    /** Where the AppRole auth method is mounted. Default `approle`. */
    readonly mount?: string;
  };
  /**
   * Names kept elsewhere than the prefix leads: Coffer name -> secret path under the mount, with
   * `#FIELD` for a field other than `value` (`{ "DB_PASSWORD": "database/main#password" }`).
   * Such names are read-only and not listed. Default: none.
   */
  readonly paths?: Readonly<Record<string, string>>;
  /** Renew renewable tokens (and log in again with AppRole) before they expire. Default true. */
  readonly renew?: boolean;
  /** KV v2: make every write a check-and-set against the version read just before it. Default true. */
  readonly checkAndSet?: boolean;
  /** PEM file of the CA that signed Vault's certificate, resolved against the project root. Default: VAULT_CACERT, else the system's CAs. */
  readonly caCert?: string;
  /** Milliseconds to wait for each answer. Default 10000. */
  readonly timeoutMs?: number;
  /** Tries per call, retries included (throttling, 5xx, sealed, network; writes only when Vault cannot have acted). Default: VAULT_MAX_RETRIES + 1, else 3. */
  readonly maxAttempts?: number;
  /** The clock in milliseconds, from code, for token lifetimes. Default `Date.now`. */
  readonly now?: () => number;
}

/** Options resolved against the environment. */
export interface VaultSettings {
  readonly address: string | undefined;
  readonly mount: string;
  readonly kvVersion: 1 | 2;
  readonly prefix: string;
  readonly namespace: string | undefined;
  readonly auth: 'token' | 'approle';
  readonly token: string | undefined;
  readonly tokenSource: string;
  readonly tokenFile: string | undefined;
  readonly roleId: string | undefined;
  readonly secretId: string | undefined;
  readonly secretIdFile: string | undefined;
  readonly approleMount: string;
  readonly paths: Readonly<Record<string, string>>;
  readonly renew: boolean;
  readonly checkAndSet: boolean;
  readonly caCert: string | undefined;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
}

/** Resolves `options` against the environment `vars`; reads no file and opens no connection. */
export function vaultSettings(options: HashicorpVaultOptions, vars: Readonly<Record<string, string | undefined>>): VaultSettings {
  const env = (name: string) => (vars[name] ?? '') === '' ? undefined : vars[name];
  const invalid = (what: string, source: string, value: string, rule: string) =>
    new CofferError('COFFER_E_CONFIG_INVALID', `The hashicorp-vault ${what} ${JSON.stringify(value.slice(0, 80))} (${source}) ${rule}; fix it.`, { details: { provider: 'hashicorp-vault', source } });
  const prefix = options.prefix ?? env('VAULT_PREFIX') ?? '';
  if (!isPrefix(prefix)) throw invalid('prefix', options.prefix !== undefined ? 'the prefix option' : 'VAULT_PREFIX', prefix, 'must be path segments of letters, digits and _ . @ + = -');
  const mount = options.mount ?? env('VAULT_PATH') ?? 'secret';
  if (options.mount === undefined && !isPath(trimSlashes(mount))) throw invalid('mount', 'VAULT_PATH', mount, 'is not a mount path such as "secret" or "kv/apps"');
  const kvText = options.kvVersion === undefined ? env('VAULT_KV_VERSION')?.trim() : undefined;
  if (kvText !== undefined && kvText !== '1' && kvText !== '2') throw invalid('KV version', 'VAULT_KV_VERSION', kvText, 'must be 1 or 2');
  const auth = options.auth ?? (options.token !== undefined ? 'token' : options.approle !== undefined ? 'approle' : env('VAULT_TOKEN') !== undefined ? 'token' : env('VAULT_ROLE_ID') !== undefined ? 'approle' : 'token');
  const retries = Number(env('VAULT_MAX_RETRIES'));
  return {
    address: options.address ?? env('VAULT_ADDR'),
    mount: trimSlashes(mount),
    kvVersion: options.kvVersion ?? (kvText === '1' ? 1 : 2),
    prefix,
    namespace: options.namespace ?? env('VAULT_NAMESPACE'),
    auth,
    token: options.token ?? env('VAULT_TOKEN'),
    tokenSource: options.token !== undefined ? 'the token option' : 'VAULT_TOKEN',
    tokenFile: options.tokenFile,
    roleId: options.approle?.roleId ?? env('VAULT_ROLE_ID'),
    secretId: options.approle?.secretId ?? env('VAULT_SECRET_ID'),
    secretIdFile: options.approle?.secretIdFile,
    approleMount: trimSlashes(options.approle?.mount ?? 'approle'),
    paths: options.paths ?? {},
    renew: options.renew ?? true,
    checkAndSet: options.checkAndSet ?? true,
    caCert: options.caCert ?? env('VAULT_CACERT'),
    timeoutMs: options.timeoutMs ?? 10_000,
    maxAttempts: options.maxAttempts ?? (Number.isInteger(retries) && retries >= 0 && retries < 10 ? retries + 1 : 3),
  };
}

/** Where a name lives: its path under the mount and the data field holding its value. */
export interface VaultTarget {
  readonly name: string;
  readonly path: string;
  readonly field: string;
}

/**
 * The path and field of `name`: the `paths` entry, else `prefix + NAME`, with `NAME#FIELD`
 * selecting a field. Writes go only to a plain name under the prefix, whose field is `value`.
 */
export function resolveName(name: string, prefix: string, paths: Readonly<Record<string, string>>, access: 'read' | 'write'): VaultTarget {
  const mapped = Object.hasOwn(paths, name) ? paths[name] : undefined;
  const spec = mapped ?? name;
  const hash = spec.indexOf('#');
  const base = hash === -1 ? spec : spec.slice(0, hash);
  const field = hash === -1 ? VALUE_FIELD : spec.slice(hash + 1);
  const shown = JSON.stringify(name.slice(0, 80));
  if (base === '' || !isPath(base) || field === '' || [...field].some((c) => c < ' ')) {
    throw new CofferError('COFFER_E_USAGE', `${shown} is not a name the hashicorp-vault provider can map to a Vault path: use letters, digits and _ . @ + = -, with an optional #FIELD.`, { details: { name } });
  }
  if (access === 'write' && (mapped !== undefined || hash !== -1 || base.includes('/'))) {
    throw new CofferError('COFFER_E_UNSUPPORTED', `${shown} is read from ${mapped !== undefined ? 'a secret named by the paths option' : 'a field or sub-path of a Vault secret'}, which Coffer does not write; write it with the vault CLI, or use a plain name.`, { details: { name } });
  }
  return { name, path: mapped === undefined ? `${prefix}${base}` : base, field };
}
