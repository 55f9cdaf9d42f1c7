/**
 * The key/value secrets engine of the fake Vault (test/providers/_fake-vault.ts), version 1 and
 * version 2, answering as Vault does: the same paths (`data/`, `metadata/`, `delete/`,
 * `undelete/`, `destroy/` on v2), bodies, statuses and error texts, including the 404 with
 * metadata for a deleted version, check-and-set refusals, max_versions pruning and LIST of
 * the keys directly under a folder.
 */

/** One version of a KV v2 secret. */
export interface FakeVersion {
  data: Record<string, unknown> | null;
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

/** A KV v2 secret: its versions and metadata. */
export interface FakeSecretV2 {
  versions: Map<number, FakeVersion>;
  current_version: number;
  oldest_version: number;
  max_versions: number;
  cas_required: boolean;
  custom_metadata: Record<string, string> | null;
  created_time: string;
  updated_time: string;
}

/** A mounted KV engine. */
export interface FakeKvMount {
  readonly version: 1 | 2;
  readonly v1: Map<string, Record<string, unknown>>;
  readonly v2: Map<string, FakeSecretV2>;
  /** Vault's mount-level max_versions (0: Vault's default of 10) and cas_required. */
  maxVersions: number;
  casRequired: boolean;
}

/** What the engine answers. */
export interface FakeAnswer {
  readonly status: number;
  readonly body?: unknown;
}

/** A request as the engine sees it: the path under the mount, parsed. */
export interface KvCall {
  readonly method: string;
  readonly rest: string;
  readonly list: boolean;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
  readonly now: string;
}

const ok = (data: unknown): FakeAnswer => ({ status: 200, body: { request_id: 'fake', lease_id: '', renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null } });
const none = (): FakeAnswer => ({ status: 204 });
const notFound = (): FakeAnswer => ({ status: 404, body: { errors: [] } });
const bad = (text: string): FakeAnswer => ({ status: 400, body: { errors: [text] } });

/** A new, empty mount. */
export function kvMount(version: 1 | 2): FakeKvMount {
  return { version, v1: new Map(), v2: new Map(), maxVersions: 0, casRequired: false };
}

/** The capability a call needs, as Vault's policies name it. */
export function kvCapability(mount: FakeKvMount, call: KvCall): string {
  if (call.list) return 'list';
  if (call.method === 'GET') return 'read';
  if (call.method === 'DELETE') return 'delete';
  const [kind, path] = mount.version === 2 ? splitKind(call.rest) : ['data', call.rest];
  if (kind === 'delete' || kind === 'undelete' || kind === 'destroy') return 'update';
  const exists = mount.version === 2 ? mount.v2.has(path) : mount.v1.has(path);
  return exists ? 'update' : 'create';
}

/** Answers one call on `mount`. */
export function kvAnswer(mount: FakeKvMount, call: KvCall): FakeAnswer {
  if (mount.version === 1) return v1Answer(mount, call);
  const [kind, path] = splitKind(call.rest);
  if (call.list && kind === 'metadata' && call.method === 'GET') return listKeys([...mount.v2.keys()], path);
  const secret = mount.v2.get(path);
  switch (`${call.method} ${kind}`) {
    case 'GET data': {
      if (secret === undefined) return notFound();
      const n = call.query.has('version') ? Number(call.query.get('version')) : secret.current_version;
      const version = secret.versions.get(n);
      if (version === undefined) return notFound();
      const metadata = { created_time: version.created_time, custom_metadata: secret.custom_metadata, deletion_time: version.deletion_time, destroyed: version.destroyed, version: n };
      if (version.deletion_time !== '' || version.destroyed) return { status: 404, body: { request_id: 'fake', data: { data: null, metadata } } };
      return ok({ data: structuredClone(version.data), metadata });
    }
    case 'POST data':
    case 'PUT data':
      return writeV2(mount, path, call);
    case 'DELETE data':
      if (secret !== undefined) markDeleted(secret, [secret.current_version], call.now);
      return none();
    case 'POST delete':
    case 'POST undelete':
    case 'POST destroy': {
      if (secret === undefined) return none();
      const versions = (call.body.versions as number[] | undefined) ?? [];
      if (versions.length === 0) return bad('no versions provided');
      if (kind === 'delete') markDeleted(secret, versions, call.now);
      for (const n of versions) {
        const version = secret.versions.get(n);
        if (version === undefined) continue;
        if (kind === 'undelete' && !version.destroyed) version.deletion_time = '';
        if (kind === 'destroy') Object.assign(version, { destroyed: true, data: null });
      }
      return none();
    }
    case 'GET metadata':
      return secret === undefined ? notFound() : ok(metadataOf(secret));
    case 'POST metadata':
    case 'PUT metadata': {
      const target = secret ?? newSecret(call.now);
      if (call.body.custom_metadata !== undefined) target.custom_metadata = call.body.custom_metadata as Record<string, string> | null;
      if (typeof call.body.max_versions === 'number') target.max_versions = call.body.max_versions;
      if (typeof call.body.cas_required === 'boolean') target.cas_required = call.body.cas_required;
      target.updated_time = call.now;
      mount.v2.set(path, target);
      return none();
    }
    case 'DELETE metadata':
      mount.v2.delete(path);
      return none();
    default:
      return { status: 405, body: { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] } };
  }
}

function v1Answer(mount: FakeKvMount, call: KvCall): FakeAnswer {
  const path = call.rest;
  if (call.list && call.method === 'GET') return listKeys([...mount.v1.keys()], path);
  switch (call.method) {
    case 'GET': {
      const data = mount.v1.get(path);
      return data === undefined ? notFound() : ok(structuredClone(data));
    }
    case 'POST':
    case 'PUT':
      mount.v1.set(path, structuredClone(call.body));
      return none();
    case 'DELETE':
      mount.v1.delete(path);
      return none();
    default:
      return { status: 405, body: { errors: ['unsupported operation'] } };
  }
}

function writeV2(mount: FakeKvMount, path: string, call: KvCall): FakeAnswer {
  const existing = mount.v2.get(path);
  const cas = (call.body.options as { cas?: number } | undefined)?.cas;
  if ((mount.casRequired || existing?.cas_required === true) && cas === undefined) return bad('check-and-set parameter required for this call');
  if (cas !== undefined && cas !== (existing?.current_version ?? 0)) return bad('check-and-set parameter did not match the current version');
  if (call.body.data === null || typeof call.body.data !== 'object') return bad('no data provided');
  const secret = existing ?? newSecret(call.now);
  const n = secret.current_version + 1;
  secret.versions.set(n, { data: structuredClone(call.body.data as Record<string, unknown>), created_time: call.now, deletion_time: '', destroyed: false });
  secret.current_version = n;
  secret.updated_time = call.now;
  const keep = secret.max_versions || mount.maxVersions || 10;
  for (const old of [...secret.versions.keys()].filter((v) => v <= n - keep)) secret.versions.delete(old);
  secret.oldest_version = Math.min(...secret.versions.keys());
  mount.v2.set(path, secret);
  return ok({ created_time: call.now, custom_metadata: secret.custom_metadata, deletion_time: '', destroyed: false, version: n });
}

function newSecret(now: string): FakeSecretV2 {
  return { versions: new Map(), current_version: 0, oldest_version: 0, max_versions: 0, cas_required: false, custom_metadata: null, created_time: now, updated_time: now };
}

function markDeleted(secret: FakeSecretV2, versions: readonly number[], now: string): void {
  for (const n of versions) {
    const version = secret.versions.get(n);
    if (version !== undefined && version.deletion_time === '' && !version.destroyed) version.deletion_time = now;
  }
}

function metadataOf(secret: FakeSecretV2): unknown {
  return {
    cas_required: secret.cas_required, created_time: secret.created_time, current_version: secret.current_version,
    custom_metadata: secret.custom_metadata, delete_version_after: '0s', max_versions: secret.max_versions,
    oldest_version: secret.oldest_version, updated_time: secret.updated_time,
    versions: Object.fromEntries([...secret.versions].map(([n, v]) => [String(n), { created_time: v.created_time, deletion_time: v.deletion_time, destroyed: v.destroyed }])),
  };
}

/** Vault's LIST: the keys directly under `folder`, sub-folders with a trailing `/`; 404 when none. */
function listKeys(paths: readonly string[], folder: string): FakeAnswer {
  const base = folder === '' || folder.endsWith('/') ? folder : `${folder}/`;
  const keys = new Set<string>();
  for (const path of paths) {
    if (!path.startsWith(base)) continue;
    const rest = path.slice(base.length);
    const slash = rest.indexOf('/');
    keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return keys.size === 0 ? notFound() : ok({ keys: [...keys].sort() });
}

function splitKind(rest: string): [string, string] {
  const slash = rest.indexOf('/');
  return slash === -1 ? [rest, ''] : [rest.slice(0, slash), rest.slice(slash + 1)];
}
