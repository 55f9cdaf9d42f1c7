/**
 * The `per-secret` layout of the kubernetes provider: one Secret per Coffer secret, named
 * `prefix + encoded name` (see _k8s-names.ts), the value under the data key `value`, labelled
 * `app.kubernetes.io/managed-by=coffer` and `coffer.dev/layout=per-secret` so that `list` asks
 * the API server for Coffer's Secrets only (page by page), and annotated with the Coffer name
 * and its dates. Each write is a read-then-replace carrying the resourceVersion read (or a
 * create), retried from a fresh read after a conflict. Kubernetes has no transactions across
 * objects, so `setMany` is all-or-nothing by compensation: when a write fails, the earlier ones
 * are undone in reverse (a Secret it created deleted, a Secret it replaced written back), each
 * only if nobody changed it since (resourceVersion preconditions); the error names any secret
 * that could not be put back.
 */
import { CofferError, isCofferError } from '../core/errors.js';
import type { K8sConnection, K8sSecret } from './_k8s-client.js';
import { nameFromObject, objectNameFor } from './_k8s-names.js';
import { at, decode, encode, MARK, newSecret, optimistic, readSecret, refuseDuplicates, sorted, writeDates, writeSecret, type Layout, type LayoutOptions } from './_k8s-secret.js';
import type { SecretListing, SecretWrite } from './types.js';

/** The data key holding the value. */
export const VALUE_KEY = 'value';
/** The label selector of Coffer's per-secret Secrets. */
export const PER_SECRET_SELECTOR = `${MARK.managedBy}=coffer,${MARK.layout}=per-secret`;
const PAGE = 100;

interface Done {
  readonly name: string;
  readonly object: string;
  readonly before: K8sSecret | undefined;
  readonly after: K8sSecret;
}

/** The layout of Secrets named `prefix + encoded name`. */
export function perSecretLayout(conn: K8sConnection, prefix: string, options: LayoutOptions): Layout {
  const labels = { [MARK.managedBy]: 'coffer', [MARK.layout]: 'per-secret', ...options.labels };

  /** Writes one value; returns the state replaced and the state written. */
  const writeOne = (write: SecretWrite, object: string) => optimistic(async (): Promise<{ before: K8sSecret | undefined; after: K8sSecret }> => {
    const before = await readSecret(conn, object, write.name);
    const dates = writeDates(write, options.now);
    const annotations: Record<string, string> = { ...before?.metadata?.annotations, [MARK.name]: write.name, [MARK.updatedAt]: dates.updatedAt ?? '' };
    if (dates.rotateBy) annotations[MARK.rotateBy] = dates.rotateBy;
    else delete annotations[MARK.rotateBy];
    const data = { ...before?.data, [VALUE_KEY]: encode(write.value) };
    const body = before === undefined
      ? newSecret(conn, object, labels, annotations, data)
      : { ...before, metadata: { ...before.metadata, annotations }, data };
    return { before, after: await writeSecret(conn, body, write.name) };
  });

  return {
    async get(name) {
      const object = objectNameFor(prefix, name);
      const secret = await conn.call({ verb: 'get', object, name }, true, (api) => api.readNamespacedSecret({ name: object, namespace: conn.namespace }));
      const raw = secret.data?.[VALUE_KEY];
      if (raw === undefined) {
        throw new CofferError('COFFER_E_NOT_FOUND', `${name} does not exist in ${at(conn)}: the Secret ${object} has no key "${VALUE_KEY}".`, { details: { provider: 'kubernetes', namespace: conn.namespace, object, name } });
      }
      const a = secret.metadata?.annotations ?? {};
      return { name, value: decode(raw), metadata: { ...(a[MARK.updatedAt] ? { updatedAt: a[MARK.updatedAt] } : {}), ...(a[MARK.rotateBy] ? { rotateBy: a[MARK.rotateBy] } : {}) } };
    },
    async list() {
      const listing: SecretListing[] = [];
      let next: string | undefined;
      do {
        const page = await conn.call({ verb: 'list' }, true, (api) => api.listNamespacedSecret({ namespace: conn.namespace, labelSelector: PER_SECRET_SELECTOR, limit: PAGE, ...(next ? { _continue: next } : {}) }));
        for (const item of page.items) {
          const name = nameFromObject(prefix, item.metadata?.name ?? '');
          const a = item.metadata?.annotations ?? {};
          // Another prefix's Secrets can decode under this one (coffer-prod-x under coffer-); the name annotation tells them apart.
          if (name === undefined || (a[MARK.name] !== undefined && a[MARK.name] !== name)) continue;
          listing.push({ name, metadata: { ...(a[MARK.updatedAt] ? { updatedAt: a[MARK.updatedAt] } : {}), ...(a[MARK.rotateBy] ? { rotateBy: a[MARK.rotateBy] } : {}) } });
        }
        next = page.metadata?._continue || undefined;
      } while (next !== undefined);
      return sorted(listing);
    },
    async setMany(writes) {
      const objects = writes.map((w) => objectNameFor(prefix, w.name));
      refuseDuplicates(writes);
      const done: Done[] = [];
      try {
        for (const [i, write] of writes.entries()) {
          const object = objects[i] as string;
          done.push({ name: write.name, object, ...(await writeOne(write, object)) });
        }
      } catch (error) {
        throw await undoAll(conn, done, error);
      }
    },
    async delete(name) {
      const object = objectNameFor(prefix, name);
      await optimistic(async () => {
        const current = await conn.call({ verb: 'get', object, name }, true, (api) => api.readNamespacedSecret({ name: object, namespace: conn.namespace }));
        await remove(conn, object, name, current.metadata?.resourceVersion);
      });
    },
  };
}

/** Deletes `object` if it is still at `resourceVersion`. */
function remove(conn: K8sConnection, object: string, name: string, resourceVersion: string | undefined): Promise<unknown> {
  const body = resourceVersion === undefined ? {} : { body: { preconditions: { resourceVersion } } };
  return conn.call({ verb: 'delete', object, name }, false, (api) => api.deleteNamespacedSecret({ name: object, namespace: conn.namespace, ...body }));
}

/** Undoes `done` in reverse; returns the error to throw, naming what could not be undone. */
async function undoAll(conn: K8sConnection, done: readonly Done[], error: unknown): Promise<unknown> {
  const failed: string[] = [];
  for (const entry of [...done].reverse()) {
    const resourceVersion = entry.after.metadata?.resourceVersion;
    try {
      if (entry.before === undefined) await remove(conn, entry.object, entry.name, resourceVersion);
      else await writeSecret(conn, { ...entry.before, metadata: { ...entry.before.metadata, resourceVersion } }, entry.name);
    } catch {
      failed.push(entry.name);
    }
  }
  if (done.length === 0 || !isCofferError(error)) return error;
  const names = done.map((entry) => entry.name);
  const suffix = failed.length === 0
    ? ` The earlier writes of this batch (${names.join(', ')}) were undone.`
    : ` Could not undo the writes of ${failed.join(', ')} (changed meanwhile, or the undo failed), which now hold the new value: set them again.`;
  return new CofferError(error.code, `${error.message}${suffix}`, { cause: error, retryable: error.retryable, details: { ...error.details, written: names, notUndone: failed } });
}
