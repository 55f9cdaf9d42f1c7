/**
 * The `object` layout of the kubernetes provider: one Secret holds every Coffer secret of the
 * environment, one data key per secret (the Coffer name as it is), the way an application
 * mounts or `envFrom`s it. The set and rotate-by dates live in one annotation as JSON by name.
 * Every write is a read-modify-replace carrying the resourceVersion read, so `setMany` is one
 * atomic update of the object: all keys land or none does, and a concurrent writer is retried
 * from a fresh read rather than overwritten. Keys written by others are kept; `list` shows every
 * key of the object.
 */
import { CofferError } from '../core/errors.js';
import type { K8sConnection, K8sSecret } from './_k8s-client.js';
import { dataKeyFor } from './_k8s-names.js';
import { at, decode, encode, MARK, newSecret, optimistic, readSecret, refuseDuplicates, sorted, writeDates, writeSecret, type Layout, type LayoutOptions } from './_k8s-secret.js';
import type { SecretMetadata, SecretWrite } from './types.js';

type Dates = Omit<SecretMetadata, 'version'>;

/** The layout over the Secret `object`. */
export function objectLayout(conn: K8sConnection, object: string, options: LayoutOptions): Layout {
  const where = () => `${at(conn)}, Secret ${object}`;
  const missing = (name: string, secret: K8sSecret | undefined) => new CofferError('COFFER_E_NOT_FOUND', secret === undefined
    ? `${name} does not exist in ${where()}: the Secret does not exist yet (the first write creates it).`
    : `${name} does not exist in ${where()}: the Secret has no key ${name}.`, { details: { provider: 'kubernetes', namespace: conn.namespace, object, name } });

  return {
    async get(name) {
      const key = dataKeyFor(name);
      const secret = await readSecret(conn, object, name);
      const raw = secret?.data?.[key];
      if (raw === undefined) throw missing(name, secret);
      return { name, value: decode(raw), metadata: datesOf(secret)[key] ?? {} };
    },
    async list() {
      const secret = await readSecret(conn, object);
      const dates = datesOf(secret);
      return sorted(Object.keys(secret?.data ?? {}).map((name) => ({ name, metadata: dates[name] ?? {} })));
    },
    async setMany(writes: readonly SecretWrite[]) {
      const keys = writes.map((w) => dataKeyFor(w.name));
      refuseDuplicates(writes);
      if (writes.length === 0) return;
      await optimistic(async () => {
        const current = await readSecret(conn, object);
        const data = dict(current?.data);
        const dates = datesOf(current);
        for (const [i, w] of writes.entries()) {
          data[keys[i] as string] = encode(w.value);
          dates[keys[i] as string] = writeDates(w, options.now);
        }
        const annotations = { ...current?.metadata?.annotations, [MARK.metadata]: datesJson(dates, data) };
        const body = current === undefined
          ? newSecret(conn, object, { [MARK.managedBy]: 'coffer', [MARK.layout]: 'object', ...options.labels }, annotations, data)
          : { ...current, metadata: { ...current.metadata, annotations }, data };
        await writeSecret(conn, body, writes.length === 1 ? writes[0]?.name : undefined);
      });
    },
    async delete(name) {
      const key = dataKeyFor(name);
      await optimistic(async () => {
        const current = await readSecret(conn, object, name);
        if (current?.data?.[key] === undefined) throw missing(name, current);
        const data = dict(current.data);
        delete data[key];
        const annotations = { ...current.metadata?.annotations, [MARK.metadata]: datesJson(datesOf(current), data) };
        await writeSecret(conn, { ...current, metadata: { ...current.metadata, annotations }, data }, name);
      });
    },
  };
}

/** The dates annotation of `secret`, by key; empty when absent or unreadable. */
function datesOf(secret: K8sSecret | undefined): Record<string, Dates> {
  const text = secret?.metadata?.annotations?.[MARK.metadata];
  if (text === undefined) return dict();
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return dict();
    const out = dict<Dates>();
    for (const [key, entry] of Object.entries(parsed as Record<string, { updatedAt?: unknown; rotateBy?: unknown }>)) {
      out[key] = {
        ...(typeof entry?.updatedAt === 'string' ? { updatedAt: entry.updatedAt } : {}),
        ...(typeof entry?.rotateBy === 'string' ? { rotateBy: entry.rotateBy } : {}),
      };
    }
    return out;
  } catch {
    return dict();
  }
}

/** A record without a prototype, so that a key such as `__proto__` is an ordinary key. */
function dict<T>(from?: Readonly<Record<string, T>>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, from);
}

/** The dates annotation for the keys `data` holds, sorted by key. */
function datesJson(dates: Readonly<Record<string, Dates>>, data: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(data).sort().filter((key) => dates[key] !== undefined).map((key) => [key, dates[key]])));
}
