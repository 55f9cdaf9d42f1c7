/**
 * What both layouts of the kubernetes provider share: the labels and annotations Coffer puts on
 * Secrets (metadata only: a value never goes into a label or an annotation, which many more
 * users may read than the data), base64 data, reads that tell "absent" from a failure, and the
 * optimistic-concurrency loop: every write carries the resourceVersion it read, the API server
 * refuses it with 409 when another writer got there first, and the write starts again from a
 * fresh read, a few times, before COFFER_E_CONFLICT.
 */
import { CofferError, isCofferError } from '../core/errors.js';
import type { K8sConnection, K8sSecret } from './_k8s-client.js';
import type { SecretListing, SecretMetadata, SecretRecord, SecretWrite } from './types.js';

/** Labels and annotations Coffer writes. */
export const MARK = {
  managedBy: 'app.kubernetes.io/managed-by',
  layout: 'coffer.dev/layout',
  /** Per-secret mode: the Coffer name the object holds. */
  name: 'coffer.dev/name',
  updatedAt: 'coffer.dev/updated-at',
  rotateBy: 'coffer.dev/rotate-by',
  /** Object mode: JSON of { NAME: { updatedAt, rotateBy } } for every key. */
  metadata: 'coffer.dev/metadata',
} as const;

/** How many times a write starts again after a resourceVersion conflict. */
export const CONFLICT_ATTEMPTS = 5;

/** One layout (`object` or `per-secret`) of Coffer secrets in Secrets. */
export interface Layout {
  get(name: string): Promise<SecretRecord>;
  list(): Promise<SecretListing[]>;
  setMany(writes: readonly SecretWrite[]): Promise<void>;
  delete(name: string): Promise<void>;
}

/** Options both layouts use. */
export interface LayoutOptions {
  /** Labels added to the Secrets Coffer creates. */
  readonly labels: Readonly<Record<string, string>>;
  /** The clock, for the updated-at date of writes that give none. */
  readonly now: () => Date;
}

export const encode = (value: string): string => Buffer.from(value, 'utf8').toString('base64');
export const decode = (data: string): string => Buffer.from(data, 'base64').toString('utf8');

/** `Kubernetes (server, namespace ns)`, as messages say it. */
export const at = (conn: K8sConnection): string => `Kubernetes (${conn.server}, namespace ${conn.namespace})`;

/** The Secret `object`, or undefined when it does not exist. */
export async function readSecret(conn: K8sConnection, object: string, name?: string): Promise<K8sSecret | undefined> {
  try {
    return await conn.call({ verb: 'get', object, name }, true, (api) => api.readNamespacedSecret({ name: object, namespace: conn.namespace }));
  } catch (error) {
    if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return undefined;
    throw error;
  }
}

/** Writes `body`: replaces the object when it carries a resourceVersion, else creates it. */
export function writeSecret(conn: K8sConnection, body: K8sSecret, name?: string): Promise<K8sSecret> {
  const object = body.metadata?.name ?? '';
  const namespace = conn.namespace;
  return body.metadata?.resourceVersion === undefined
    ? conn.call({ verb: 'create', object, name }, true, (api) => api.createNamespacedSecret({ namespace, body }))
    : conn.call({ verb: 'update', object, name }, true, (api) => api.replaceNamespacedSecret({ name: object, namespace, body }));
}

/** Runs `attempt` again while it loses a resourceVersion race, up to {@link CONFLICT_ATTEMPTS} times. */
export async function optimistic<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isCofferError(error, 'COFFER_E_CONFLICT')) throw error;
      if (n >= CONFLICT_ATTEMPTS) {
        throw new CofferError('COFFER_E_CONFLICT', error.message.replace(/; read it again and retry\.$/, `, ${n} times in a row; read it again and retry.`), { cause: error, details: { ...error.details, conflicts: n } });
      }
    }
  }
}

/** A new Secret `object` in the connection's namespace. */
export function newSecret(conn: K8sConnection, object: string, labels: Readonly<Record<string, string>>, annotations: Record<string, string>, data: Record<string, string>): K8sSecret {
  return { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: object, namespace: conn.namespace, labels: { ...labels }, annotations }, data };
}

/** The dates of a write, as Coffer records them: the date given, else now; rotate-by only when given. */
export function writeDates(write: SecretWrite, now: () => Date): Omit<SecretMetadata, 'version'> {
  return { updatedAt: write.metadata?.updatedAt ?? now().toISOString(), ...(write.metadata?.rotateBy ? { rotateBy: write.metadata.rotateBy } : {}) };
}

/** COFFER_E_USAGE when a batch names a secret twice. */
export function refuseDuplicates(writes: readonly SecretWrite[]): void {
  const seen = new Set<string>();
  for (const w of writes) {
    if (seen.has(w.name)) throw new CofferError('COFFER_E_USAGE', `${w.name} is written twice in one batch; give each secret once.`, { details: { provider: 'kubernetes', name: w.name } });
    seen.add(w.name);
  }
}

/** Listings sorted by name. */
export function sorted(listing: SecretListing[]): SecretListing[] {
  return listing.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
