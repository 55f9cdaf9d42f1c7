/**
 * Writes and stage moves of the aws-secrets-manager provider.
 *
 * A value is written with one PutSecretValue call that also attaches its stage and metadata
 * labels (a missing secret is first created empty, with the KMS key and tags, and a secret
 * scheduled for deletion is restored). Every write carries a ClientRequestToken, so a retry by
 * the SDK never makes a second version.
 *
 * AWS has no transactions, so `setMany` is all-or-nothing by compensation: every name and value
 * is checked before the first call, each secret's stage labels are read before it is written,
 * and when a later write fails the earlier ones are undone (AWSCURRENT and AWSPREVIOUS moved
 * back to the versions that held them, secrets that did not exist deleted at once). Readers may
 * see a new value for the moment between a write and its undoing; a crash in that moment leaves
 * the earlier writes in place, and the error says which were not undone.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { CofferError, isCofferError } from '../core/errors.js';
import type { Stage } from '../core/stages.js';
import type { AwsApi, SecretState } from './_aws-api.js';
import { AWS_STAGES, hasAwsStage, isMetadataLabel, metadataLabels, type SecretTarget } from './_aws-labels.js';
import type { SecretWrite } from './types.js';

/** What writes need besides the call wrappers. */
export interface WriteSettings {
  readonly kmsKeyId?: string | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly recoveryWindowDays?: number | undefined;
  readonly now: () => Date;
}

/** How many earlier values a `noReuse` write is compared with (PCI-DSS 8.3.7). */
const REUSE_DEPTH = 4;
/** The most AWS stores in one SecretString. */
const MAX_VALUE_BYTES = 65_536;

/** A secret's labels before a write, to undo it. */
interface Before {
  readonly exists: boolean;
  readonly deleted: boolean;
  readonly labels: ReadonlyMap<string, readonly string[]>;
}

/** One write done, to be undone if a later one fails. */
interface Done {
  readonly target: SecretTarget;
  readonly before: Before;
  readonly versionId: string;
}

/** The version carrying `label` in `labels`. */
export const holderOf = (labels: ReadonlyMap<string, readonly string[]>, label: string): string | undefined =>
  [...labels].find(([, carried]) => carried.includes(label))?.[0];

/** COFFER_E_UNSAFE_VALUE, before any call, for a value AWS would refuse. */
export function checkValue(target: SecretTarget, value: string): void {
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
    throw new CofferError('COFFER_E_UNSAFE_VALUE', `${target.name}: the value is larger than 64 KiB, the most AWS Secrets Manager stores in one secret.`, { details: { name: target.name } });
  }
}

/**
 * Writes `writes` in order, undoing the earlier ones when one fails (see the module comment).
 * `targets[i]` is where `writes[i]` goes; both were checked by the caller.
 */
export async function writeAll(api: AwsApi, settings: WriteSettings, targets: readonly SecretTarget[], writes: readonly SecretWrite[]): Promise<void> {
  for (const [i, write] of writes.entries()) if (write.noReuse) await refuseReuse(api, targets[i] as SecretTarget, write.value);
  const done: Done[] = [];
  for (const [i, write] of writes.entries()) {
    const target = targets[i] as SecretTarget;
    let before: Before | undefined;
    try {
      before = await readBefore(api, target);
      done.push({ target, before, versionId: (await putValue(api, settings, target, before, write.value, 'current', write.metadata)).versionId });
    } catch (error) {
      if (before?.exists === false) await removeIfEmpty(api, target);
      throw await undoAll(api, settings, done, error);
    }
  }
  // Only once every write landed: until then an undo may need the labels of older versions.
  for (const { target, before, versionId } of done) await prune(api, target, afterPut(before.labels, versionId, AWS_STAGES.current));
}

/** Writes `value` as a new version carrying only `pending`; returns its id. */
export async function putPending(api: AwsApi, settings: WriteSettings, target: SecretTarget, value: string, token: string | undefined, metadata: SecretWrite['metadata']): Promise<string> {
  const requestToken = token ?? randomUUID();
  if (!/^[A-Za-z0-9_-]{32,64}$/.test(requestToken)) {
    throw new CofferError('COFFER_E_USAGE', `${target.name}: a rotation token for AWS Secrets Manager is 32 to 64 letters, digits, - or _ (a UUID fits).`, { details: { name: target.name } });
  }
  const before = await readBefore(api, target);
  if (!before.exists || holderOf(before.labels, AWS_STAGES.current) === undefined) {
    throw new CofferError('COFFER_E_NOT_FOUND', `Secret ${target.name} has no current value in AWS Secrets Manager to rotate from; set it first.`, { details: { name: target.name, secretId: target.id } });
  }
  const { versionId, labels } = await putValue(api, settings, target, before, value, 'pending', metadata, requestToken);
  // A replay of a token whose version has lost `pending` since (a rotation discarded and
  // resumed) gets the stage back, so the caller finds the value where it expects it.
  if (!labels.includes(AWS_STAGES.pending) && !labels.includes(AWS_STAGES.current)) {
    await api.moveLabel(target, AWS_STAGES.pending, versionId, holderOf(before.labels, AWS_STAGES.pending));
  }
  await prune(api, target, afterPut(before.labels, versionId, AWS_STAGES.pending));
  return versionId;
}

/** Points `stage` at `version`; making it current also takes `pending` off it (AWS leaves it there). */
export async function moveStage(api: AwsApi, target: SecretTarget, stage: Stage, version: string): Promise<void> {
  const state = await api.describe(target);
  const label = AWS_STAGES[stage];
  const holder = holderOf(state.labels, label);
  if (holder !== version) await api.moveLabel(target, label, version, holder);
  if (stage === 'current' && holderOf(state.labels, AWS_STAGES.pending) === version) await api.moveLabel(target, AWS_STAGES.pending, undefined, version);
  await prune(api, target, (await api.describe(target)).labels);
}

/** Takes `stage` off whatever version carries it; nothing when none does. */
export async function clearStage(api: AwsApi, target: SecretTarget, stage: Exclude<Stage, 'current'>): Promise<void> {
  const state = await api.describe(target);
  const label = AWS_STAGES[stage];
  const holder = holderOf(state.labels, label);
  if (holder === undefined) return;
  await api.moveLabel(target, label, undefined, holder);
  await prune(api, target, new Map([...state.labels].map(([id, labels]) => [id, id === holder ? labels.filter((l) => l !== label) : labels])));
}

/** Removes a secret created empty for a value that then failed to land; anything else is left alone. */
async function removeIfEmpty(api: AwsApi, target: SecretTarget): Promise<void> {
  try {
    if (holderOf((await api.describe(target)).labels, AWS_STAGES.current) === undefined) await api.remove(target, { force: true });
  } catch {
    // Not created after all, or not ours to clean up: nothing to undo.
  }
}

async function readBefore(api: AwsApi, target: SecretTarget): Promise<Before> {
  try {
    const state: SecretState = await api.describe(target);
    return { exists: true, deleted: state.deletedAt !== undefined, labels: state.labels };
  } catch (error) {
    if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return { exists: false, deleted: false, labels: new Map() };
    throw error;
  }
}

async function putValue(api: AwsApi, settings: WriteSettings, target: SecretTarget, before: Before, value: string, stage: Stage, metadata: SecretWrite['metadata'], token: string = randomUUID()): Promise<{ versionId: string; labels: readonly string[] }> {
  if (!before.exists) {
    if (target.id.startsWith('arn:')) throw new CofferError('COFFER_E_NOT_FOUND', `Secret ${target.name} (${target.id}) does not exist, and a secret cannot be created from an ARN; give its name instead.`, { details: { name: target.name } });
    try {
      await api.create(target, settings);
    } catch (error) {
      // Created meanwhile by someone else: write the value into it.
      if (!isCofferError(error, 'COFFER_E_CONFLICT')) throw error;
    }
  } else if (before.deleted) {
    await api.restore(target);
  }
  const dates = { updatedAt: metadata?.updatedAt ?? settings.now().toISOString(), rotateBy: metadata?.rotateBy };
  return api.put(target, value, token, [AWS_STAGES[stage], ...metadataLabels(token, dates)]);
}

/** The labels after a PutSecretValue that attached `label` to `versionId`, as AWS moves them. */
function afterPut(labels: ReadonlyMap<string, readonly string[]>, versionId: string, label: string): Map<string, readonly string[]> {
  const current = holderOf(labels, AWS_STAGES.current);
  const after = new Map<string, readonly string[]>();
  for (const [id, carried] of labels) {
    let next = carried.filter((l) => l !== label);
    if (label === AWS_STAGES.current) next = id === current ? [...next, AWS_STAGES.previous] : next.filter((l) => l !== AWS_STAGES.previous);
    after.set(id, next);
  }
  return after;
}

/**
 * Takes Coffer's metadata labels off versions that carry no stage any more, so AWS can retire
 * them and labels do not pile up against the quota. Housekeeping: a failure here (say, no
 * UpdateSecretVersionStage permission) does not fail the write that was done; the next write
 * tries again.
 */
async function prune(api: AwsApi, target: SecretTarget, labels: ReadonlyMap<string, readonly string[]>): Promise<void> {
  for (const [id, carried] of labels) {
    if (hasAwsStage(carried)) continue;
    for (const label of carried.filter(isMetadataLabel)) await api.moveLabel(target, label, undefined, id).catch(() => undefined);
  }
}

/** Undoes `done` in reverse order; returns the error to throw, saying what was and was not undone. */
async function undoAll(api: AwsApi, settings: WriteSettings, done: readonly Done[], error: unknown): Promise<unknown> {
  if (!isCofferError(error) || done.length === 0) return error;
  const failed: string[] = [];
  for (const write of [...done].reverse()) {
    try {
      await undo(api, settings, write);
    } catch (undoError) {
      failed.push(`${write.target.name} (${isCofferError(undoError) ? undoError.code : 'error'})`);
    }
  }
  const outcome = failed.length === 0
    ? `Nothing was changed: the ${done.length} secret${done.length === 1 ? '' : 's'} written before it ${done.length === 1 ? 'was' : 'were'} restored.`
    : `Restoring ${failed.join(', ')} failed too: ${failed.length === 1 ? 'it holds' : 'they hold'} the new value; the others were restored.`;
  return new CofferError(error.code, `${error.message} ${outcome}`, { cause: error, retryable: error.retryable, details: { ...error.details, restored: done.length - failed.length, notRestored: failed.length } });
}

async function undo(api: AwsApi, settings: WriteSettings, write: Done): Promise<void> {
  const { target, before, versionId } = write;
  const current = holderOf(before.labels, AWS_STAGES.current);
  if (!before.exists || current === undefined) {
    await api.remove(target, { force: true });
    return;
  }
  await api.moveLabel(target, AWS_STAGES.current, current, versionId);
  const previous = holderOf(before.labels, AWS_STAGES.previous);
  await api.moveLabel(target, AWS_STAGES.previous, previous, versionId);
  await prune(api, target, (await api.describe(target)).labels);
  if (before.deleted) await api.remove(target, { recoveryWindowDays: settings.recoveryWindowDays });
}

/** COFFER_E_REUSED_VALUE when `value` equals one of the secret's last {@link REUSE_DEPTH} values. */
async function refuseReuse(api: AwsApi, target: SecretTarget, value: string): Promise<void> {
  let versions;
  try {
    versions = (await api.versions(target)).slice(0, REUSE_DEPTH);
  } catch (error) {
    if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return;
    throw error;
  }
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const wanted = digest(value);
  for (const version of versions) {
    const old = await api.getValue(target, { versionId: version.versionId });
    // Compared as digests, in constant time, so timing says nothing about the old values.
    if (old.value !== undefined && timingSafeEqual(digest(old.value), wanted)) {
      throw new CofferError('COFFER_E_REUSED_VALUE', `${target.name}: the new value equals one of its last ${REUSE_DEPTH} values in AWS Secrets Manager, which PCI-DSS forbids; choose a new value.`, { details: { name: target.name } });
    }
  }
}
