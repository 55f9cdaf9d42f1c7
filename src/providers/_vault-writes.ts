/**
 * Writes of the hashicorp-vault provider. A value is stored as the field `value` of the secret's
 * data; other fields a secret already holds are kept. On KV v2 each write is a check-and-set
 * against the version read just before (so a concurrent writer is COFFER_E_CONFLICT, never a
 * silent overwrite), and the set and rotate-by dates go into the secret's custom metadata,
 * pinned to the version they describe (`coffer-version`), so that a later write by another tool
 * is not taken to carry them.
 *
 * Vault has no transactions, so `setMany` is all-or-nothing by compensation: every name is
 * checked before the first call, each secret's latest state is read before it is written, and
 * when a later write fails the earlier ones are undone in reverse (the earlier value written
 * back as a new version, as `vault kv rollback` does; a secret that did not exist removed with
 * its metadata; a new version over a deleted one deleted again). Readers may see a new value
 * for the moment between a write and its undoing; the error names any secret that could not be
 * put back.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CofferError, isCofferError } from '../core/errors.js';
import type { Kv, KvLatest, KvSubject } from './_vault-kv.js';
import type { SecretMetadata, SecretWrite } from './types.js';

/** Keys of the custom metadata Coffer keeps on a KV v2 secret. */
export const META_KEYS = { version: 'coffer-version', updatedAt: 'coffer-updated-at', rotateBy: 'coffer-rotate-by' } as const;
/** The data field holding a Coffer secret's value. */
export const VALUE_FIELD = 'value';
/** How many earlier values a `noReuse` write is compared with (PCI-DSS 8.3.7). */
const REUSE_DEPTH = 4;

/** How writes behave. */
export interface WriteOptions {
  readonly kvVersion: 1 | 2;
  /** Send check-and-set with every v2 write. */
  readonly cas: boolean;
}

interface Done {
  readonly subject: KvSubject;
  readonly before: KvLatest | undefined;
  /** Custom metadata the secret had with no version yet (set by another tool), to put back. */
  readonly priorCustom: Readonly<Record<string, string>> | undefined;
  readonly version: number | undefined;
  readonly metadataWritten: boolean;
}

/** Writes every value in order, undoing the earlier ones when one fails (see the module comment). */
export async function writeAll(kv: Kv, options: WriteOptions, subjects: readonly KvSubject[], writes: readonly SecretWrite[]): Promise<void> {
  if (options.kvVersion === 2) {
    for (const [i, write] of writes.entries()) if (write.noReuse) await refuseReuse(kv, subjects[i] as KvSubject, write.value);
  }
  const done: Done[] = [];
  try {
    for (const [i, write] of writes.entries()) {
      const subject = subjects[i] as KvSubject;
      const before = await kv.latest(subject);
      const cas = options.kvVersion === 2 && options.cas ? (before?.version ?? 0) : undefined;
      const version = await kv.write(subject, { ...before?.data, [VALUE_FIELD]: write.value }, cas);
      const wantsMetadata = options.kvVersion === 2 && write.metadata !== undefined && version !== undefined;
      // Metadata without any version yet (another tool's keys) is not in the data read.
      const priorCustom = wantsMetadata && before === undefined ? ((await kv.metadata(subject))?.custom_metadata ?? undefined) : undefined;
      done.push({ subject, before, priorCustom, version, metadataWritten: wantsMetadata });
      if (wantsMetadata) await kv.writeCustomMetadata(subject, customMetadata(before?.customMetadata ?? priorCustom ?? {}, version, write.metadata ?? {}));
    }
  } catch (error) {
    throw await undoAll(kv, options, done, error);
  }
}

/**
 * Writes `value` only when the current version is `expected` (0: only when the secret does not
 * exist); returns the new version. KV v2 only.
 */
export async function checkAndSet(kv: Kv, subject: KvSubject, value: string, expected: number, metadata?: SecretWrite['metadata']): Promise<number> {
  const before = await kv.latest(subject);
  const version = await kv.write(subject, { ...before?.data, [VALUE_FIELD]: value }, expected);
  if (version === undefined) throw new CofferError('COFFER_E_INTERNAL', `Vault did not report the version written for ${subject.name}.`);
  if (metadata !== undefined) {
    const others = before?.customMetadata ?? (await kv.metadata(subject))?.custom_metadata ?? {};
    await kv.writeCustomMetadata(subject, customMetadata(others, version, metadata));
  }
  return version;
}

/** The dates Coffer recorded for `version`, else the version's creation time. */
export function metadataFromCustom(custom: Readonly<Record<string, string>> | null | undefined, version: number | undefined, createdTime: string | undefined): Omit<SecretMetadata, 'version'> {
  const pinned = custom !== null && custom !== undefined && version !== undefined && custom[META_KEYS.version] === String(version);
  const updatedAt = (pinned ? custom[META_KEYS.updatedAt] : undefined) ?? createdTime;
  const rotateBy = pinned ? custom[META_KEYS.rotateBy] : undefined;
  return { ...(updatedAt ? { updatedAt } : {}), ...(rotateBy ? { rotateBy } : {}) };
}

/** `others` (keys other tools keep) with Coffer's keys describing `version`. */
function customMetadata(others: Readonly<Record<string, string>>, version: number, metadata: NonNullable<SecretWrite['metadata']>): Record<string, string> {
  const kept = Object.fromEntries(Object.entries(others).filter(([key]) => !Object.values<string>(META_KEYS).includes(key)));
  return {
    ...kept,
    [META_KEYS.version]: String(version),
    ...(metadata.updatedAt ? { [META_KEYS.updatedAt]: metadata.updatedAt } : {}),
    ...(metadata.rotateBy ? { [META_KEYS.rotateBy]: metadata.rotateBy } : {}),
  };
}

/** Undoes `done` in reverse; returns the error to throw, naming what could not be undone. */
async function undoAll(kv: Kv, options: WriteOptions, done: readonly Done[], error: unknown): Promise<unknown> {
  const failed: string[] = [];
  for (const entry of [...done].reverse()) {
    try {
      await undo(kv, options, entry);
    } catch {
      failed.push(entry.subject.name);
    }
  }
  if (done.length === 0 || !isCofferError(error)) return error;
  const names = done.map((entry) => entry.subject.name);
  const suffix = failed.length === 0
    ? ` The earlier writes of this batch (${names.join(', ')}) were undone.`
    : ` Could not undo the writes of ${failed.join(', ')}, which now hold the new value: set them again.`;
  return new CofferError(error.code, `${error.message}${suffix}`, { cause: error, retryable: error.retryable, details: { ...error.details, written: names, notUndone: failed } });
}

async function undo(kv: Kv, options: WriteOptions, { subject, before, priorCustom, version, metadataWritten }: Done): Promise<void> {
  if (before === undefined) {
    await kv.purge(subject);
    if (priorCustom !== undefined && Object.keys(priorCustom).length > 0) await kv.writeCustomMetadata(subject, priorCustom);
    return;
  }
  if (before.data === undefined) {
    await kv.deleteLatest(subject);
    if (metadataWritten) await kv.writeCustomMetadata(subject, before.customMetadata);
    return;
  }
  const restored = await kv.write(subject, before.data, options.kvVersion === 2 && options.cas ? version : undefined);
  if (!metadataWritten) return;
  // Dates pinned to the old version now describe its copy.
  const pinned = before.customMetadata[META_KEYS.version] === String(before.version) && restored !== undefined;
  await kv.writeCustomMetadata(subject, pinned ? { ...before.customMetadata, [META_KEYS.version]: String(restored) } : before.customMetadata);
}

/** COFFER_E_REUSED_VALUE when `value` equals one of the secret's last readable values. */
async function refuseReuse(kv: Kv, subject: KvSubject, value: string): Promise<void> {
  const metadata = await kv.metadata(subject);
  if (metadata === undefined) return;
  const recent = Object.entries(metadata.versions)
    .filter(([, v]) => !v.destroyed && v.deletion_time === '')
    .map(([n]) => Number(n))
    .sort((a, b) => b - a)
    .slice(0, REUSE_DEPTH);
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const wanted = digest(value);
  for (const n of recent) {
    const old = (await kv.read(subject, String(n))).data[VALUE_FIELD];
    if (typeof old === 'string' && timingSafeEqual(digest(old), wanted)) {
      throw new CofferError('COFFER_E_REUSED_VALUE', `${subject.name}: the new value equals one of its last ${REUSE_DEPTH} values in Vault, which PCI-DSS forbids; choose a new value.`, { details: { name: subject.name } });
    }
  }
}
