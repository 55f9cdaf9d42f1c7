/**
 * Writes to Azure Key Vault: one write (a new version, with Coffer's tags), what to do when the
 * name is held by a soft-deleted secret, the PCI-DSS reuse check, and `setMany` as one
 * operation: every secret's state is read before it is written, and on a failure the writes
 * already made are undone in reverse (a replaced value is written back with its tags as a new
 * version; a secret the batch created is deleted and purged; one it recovered is deleted again)
 * before the error is returned, saying what could not be undone.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CofferError, isCofferError } from '../core/errors.js';
import type { SecretWrite } from './types.js';

/** Tag keys Coffer keeps on each version for the Provider contract's metadata. */
export const META_TAGS = { updatedAt: 'coffer-updated-at', rotateBy: 'coffer-rotate-by' } as const;
/** How many earlier values `noReuse` compares with (PCI-DSS 8.3.7). */
const REUSE_DEPTH = 4;

/** What a batch needs of the provider, one call per Key Vault operation, errors already mapped. */
export interface KeyVaultOps {
  /** The latest version's value, tags and content type; undefined when the secret does not exist (404). */
  current(name: string): Promise<{ value: string; tags: Record<string, string>; contentType?: string } | undefined>;
  /** Writes a version; `recovered` when a soft-deleted secret had to be recovered first. */
  write(name: string, value: string, tags: Record<string, string>, contentType?: string): Promise<{ recovered: boolean }>;
  /** Soft-deletes and waits until the deletion is complete. */
  remove(name: string): Promise<void>;
  /** Purges a soft-deleted secret. */
  purge(name: string): Promise<void>;
  /** Readable values of the latest versions, newest first, at most `count`. */
  recentValues(name: string, count: number): Promise<string[]>;
}

/** The tags of a new version: the configured ones and Coffer's metadata. */
export function versionTags(configured: Readonly<Record<string, string>>, metadata: SecretWrite['metadata']): Record<string, string> {
  return {
    ...configured,
    ...(metadata?.updatedAt ? { [META_TAGS.updatedAt]: metadata.updatedAt } : {}),
    ...(metadata?.rotateBy ? { [META_TAGS.rotateBy]: metadata.rotateBy } : {}),
  };
}

type Undo = { name: string; before: { value: string; tags: Record<string, string>; contentType?: string } | undefined; recovered: boolean };

/** Writes `writes` in order, all or none (see the module comment). */
export async function writeAll(ops: KeyVaultOps, configuredTags: Readonly<Record<string, string>>, writes: readonly SecretWrite[]): Promise<void> {
  const done: Undo[] = [];
  try {
    for (const w of writes) {
      const before = await ops.current(w.name);
      if (w.noReuse && before !== undefined) await refuseReuse(ops, w.name, w.value);
      const { recovered } = await ops.write(w.name, w.value, versionTags(configuredTags, w.metadata));
      done.push({ name: w.name, before, recovered });
    }
  } catch (error) {
    throw await undoAll(ops, done, error);
  }
}

async function undoAll(ops: KeyVaultOps, done: readonly Undo[], error: unknown): Promise<unknown> {
  const failed: string[] = [];
  for (const entry of [...done].reverse()) {
    try {
      if (entry.before !== undefined) await ops.write(entry.name, entry.before.value, entry.before.tags, entry.before.contentType);
      else {
        await ops.remove(entry.name);
        // A secret the batch created leaves no trace; one it recovered goes back to the recycle bin.
        if (!entry.recovered) await ops.purge(entry.name).catch(() => undefined);
      }
    } catch {
      failed.push(entry.name);
    }
  }
  if (done.length === 0 || !isCofferError(error)) return error;
  const names = done.map((entry) => entry.name);
  const suffix = failed.length === 0
    ? ` The earlier writes of this batch (${names.join(', ')}) were undone.`
    : ` Could not undo the writes of ${failed.join(', ')}, which now hold the new value: set them again.`;
  return new CofferError(error.code, `${error.message}${suffix}`, { retryable: error.retryable, details: { ...error.details, written: names, notUndone: failed } });
}

/** COFFER_E_REUSED_VALUE when `value` equals one of the secret's last readable values. */
async function refuseReuse(ops: KeyVaultOps, name: string, value: string): Promise<void> {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const wanted = digest(value);
  for (const old of await ops.recentValues(name, REUSE_DEPTH)) {
    if (timingSafeEqual(digest(old), wanted)) {
      throw new CofferError('COFFER_E_REUSED_VALUE', `${name}: the new value equals one of its last ${REUSE_DEPTH} values in Azure Key Vault, which PCI-DSS forbids; choose a new value.`, { details: { provider: 'azure-key-vault', name } });
    }
  }
}
