/**
 * `setMany` of the gcp-secret-manager provider. Secret Manager has no transactions, so a batch is
 * all-or-nothing by compensation: before each write the secret's state is taken, and when a
 * later write fails the earlier ones are undone in reverse order. What "undo" means depends on
 * that state, which is why it is decided with care:
 *
 * - the secret did not exist: it is deleted (it holds only the batch's version);
 * - its `latest` version was readable: that value is written back as a new version;
 * - it existed but `latest` could not be read (no versions, or the latest disabled or
 *   destroyed): the version the batch added is disabled, so `latest` is unreadable again and
 *   every older version is kept.
 *
 * Existence is decided from the secret itself (GetSecret), never from a failed read of `latest`:
 * a disabled latest version also reads as "not found", and deleting on that evidence would
 * destroy a secret with its whole history. An undo that fails is reported in the error (which
 * secrets still hold the new value), as the AWS and Vault providers do.
 */
import { CofferError, isCofferError } from '../core/errors.js';
import type { SecretWrite } from './types.js';

/** The calls `setMany` needs, each already mapped to CofferErrors by the provider. */
export interface GcpWriteApi {
  /** The value of `latest`; COFFER_E_NOT_FOUND when it cannot be read (no secret, no version, disabled, destroyed). */
  readLatest(name: string): Promise<string>;
  /** Whether the secret exists (GetSecret), whatever the state of its versions. */
  exists(name: string): Promise<boolean>;
  /** Adds a version (creating the secret if needed); returns its number when the service reports it. */
  add(name: string, value: string): Promise<string | undefined>;
  /** Deletes the secret with all its versions. */
  remove(name: string): Promise<void>;
  /** Disables one version. */
  disable(name: string, version: string): Promise<void>;
  /** Whether the secret has any version at all (listSecretVersions). */
  hasVersions(name: string): Promise<boolean>;
}

/** A secret's state before the batch wrote it. */
type Before = { readonly exists: false } | { readonly exists: true; readonly value: string | undefined };

/** One write done, to be undone if a later one fails. */
interface Done {
  readonly name: string;
  readonly before: Before;
  readonly version: string | undefined;
}

/** Writes `writes` in order, undoing the earlier ones when one fails (see the module comment). */
export async function writeAll(api: GcpWriteApi, writes: readonly SecretWrite[]): Promise<void> {
  const done: Done[] = [];
  for (const { name, value } of writes) {
    let before: Before | undefined;
    try {
      before = await stateOf(api, name);
      done.push({ name, before, version: await api.add(name, value) });
    } catch (error) {
      if (before?.exists === false) await removeIfEmpty(api, name);
      throw await undoAll(api, done, error);
    }
  }
}

async function stateOf(api: GcpWriteApi, name: string): Promise<Before> {
  try {
    return { exists: true, value: await api.readLatest(name) };
  } catch (error) {
    if (!isCofferError(error, 'COFFER_E_NOT_FOUND')) throw error;
  }
  return (await api.exists(name)) ? { exists: true, value: undefined } : { exists: false };
}

/** Deletes a secret created for a version that then failed to land; a secret with any version (someone else's) is left alone. */
async function removeIfEmpty(api: GcpWriteApi, name: string): Promise<void> {
  try {
    if (!(await api.hasVersions(name))) await api.remove(name);
  } catch {
    // Not created after all, or not ours to clean up: nothing to undo.
  }
}

/** Undoes `done` in reverse order; returns the error to throw, saying what was and was not undone. */
async function undoAll(api: GcpWriteApi, done: readonly Done[], error: unknown): Promise<unknown> {
  if (done.length === 0) return error;
  const failed: string[] = [];
  for (const write of [...done].reverse()) {
    try {
      await undo(api, write);
    } catch (undoError) {
      failed.push(`${write.name} (${isCofferError(undoError) ? undoError.code : 'error'})`);
    }
  }
  const outcome = failed.length === 0
    ? `Nothing was changed: the ${done.length} secret${done.length === 1 ? '' : 's'} written before it ${done.length === 1 ? 'was' : 'were'} restored.`
    : `Restoring ${failed.join(', ')} failed too: ${failed.length === 1 ? 'it holds' : 'they hold'} the new value; the others were restored.`;
  const details = { restored: done.length - failed.length, notRestored: failed.length };
  // Every write is undone whatever failed; only a CofferError's message is safe to repeat.
  if (!isCofferError(error)) return new CofferError('COFFER_E_INTERNAL', `A write to Google Cloud Secret Manager failed unexpectedly (not shown: it may hold a value). ${outcome}`, { cause: error, details });
  return new CofferError(error.code, `${error.message} ${outcome}`, { cause: error, retryable: error.retryable, details: { ...error.details, ...details } });
}

async function undo(api: GcpWriteApi, { name, before, version }: Done): Promise<void> {
  if (!before.exists) return api.remove(name);
  if (before.value !== undefined) {
    await api.add(name, before.value);
    return;
  }
  if (version === undefined) throw new CofferError('COFFER_E_INTERNAL', `Google Cloud Secret Manager did not report the version written for ${name}, so it cannot be disabled.`, { details: { name } });
  await api.disable(name, version);
}
