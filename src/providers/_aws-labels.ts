/**
 * What Coffer's names, stages and metadata become in AWS Secrets Manager.
 *
 * Stages are AWS's own staging labels (AWSCURRENT, AWSPREVIOUS, AWSPENDING). Metadata (when a
 * value was set, when it must be rotated) is kept as two more staging labels on the version it
 * describes, `coffer-updated-<date>-<tag>` and `coffer-rotate-by-<date>-<tag>`: labels belong
 * to one version, are written in the same PutSecretValue call as the value (so a value never
 * lands without its dates), and come back with every GetSecretValue and ListSecrets answer, so
 * reading them costs no extra call, no extra permission and none of DescribeSecret's low rate
 * limit. The tag (eight hex digits of the version id's hash) keeps labels unique to their
 * version, since AWS moves a label that another version already carries. Labels of versions
 * that no longer carry a stage are removed by the provider, so that AWS can retire them.
 */
import { createHash } from 'node:crypto';
import { CofferError } from '../core/errors.js';
import type { Stage } from '../core/stages.js';

/** AWS's staging label for each Coffer stage. */
export const AWS_STAGES: Readonly<Record<Stage, string>> = { current: 'AWSCURRENT', previous: 'AWSPREVIOUS', pending: 'AWSPENDING' };

/** The Coffer stages among a version's labels, in the order current, previous, pending. */
export function stagesOf(labels: readonly string[]): Stage[] {
  return (Object.keys(AWS_STAGES) as Stage[]).filter((stage) => labels.includes(AWS_STAGES[stage]));
}

/** True for the labels AWS uses for stages: a version with none of them is not in use. */
export function hasAwsStage(labels: readonly string[]): boolean {
  return Object.values(AWS_STAGES).some((label) => labels.includes(label));
}

/** True for the labels Coffer adds for metadata. */
export const isMetadataLabel = (label: string): boolean => label.startsWith('coffer-updated-') || label.startsWith('coffer-rotate-by-');

/** The metadata labels of version `versionId`. */
export function metadataLabels(versionId: string, metadata: { updatedAt?: string | undefined; rotateBy?: string | undefined }): string[] {
  const tag = createHash('sha256').update(versionId).digest('hex').slice(0, 8);
  const labels: string[] = [];
  if (metadata.updatedAt !== undefined) labels.push(`coffer-updated-${compactDate(metadata.updatedAt, 'updatedAt')}-${tag}`);
  if (metadata.rotateBy !== undefined) labels.push(`coffer-rotate-by-${compactDate(metadata.rotateBy, 'rotateBy')}-${tag}`);
  return labels;
}

/** The dates read back from a version's labels. */
export function metadataFromLabels(labels: readonly string[]): { updatedAt?: string; rotateBy?: string } {
  const find = (kind: string) => {
    for (const label of labels) {
      const match = new RegExp(`^coffer-${kind}-(\\d{8})T(\\d{6})\\.(\\d{3})Z-[0-9a-f]{8}$`).exec(label);
      if (match) {
        const [, d = '', t = '', ms = ''] = match;
        return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4)}.${ms}Z`;
      }
    }
    return undefined;
  };
  const updatedAt = find('updated');
  const rotateBy = find('rotate-by');
  return { ...(updatedAt ? { updatedAt } : {}), ...(rotateBy ? { rotateBy } : {}) };
}

/** `2025-01-02T03:04:05.000Z` as `20250102T030405.000Z`: staging labels take no colons. */
function compactDate(iso: string, field: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new CofferError('COFFER_E_USAGE', `metadata.${field} must be an ISO 8601 date, not ${JSON.stringify(iso.slice(0, 40))}.`);
  return new Date(time).toISOString().replace(/[-:]/g, '');
}

/** Characters AWS accepts in a secret name it creates. */
const CREATABLE_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
/** What a secret id can be when reading: a name (service-made names may hold `!`, as RDS's do) or an ARN. */
const READABLE_ID = /^[A-Za-z0-9/_+=.@!:-]{1,2048}$/;

/** A Coffer name resolved to what AWS is asked for. */
export interface SecretTarget {
  /** The name as the caller gave it, for messages. */
  readonly name: string;
  /** The secret name or ARN sent to AWS. */
  readonly id: string;
  /** The property of a JSON secret (`name#KEY`), if one. */
  readonly key?: string;
}

/**
 * Resolves `name` (`NAME` or `NAME#KEY`) through `secretIds`, else `prefix`; COFFER_E_USAGE
 * before any call when AWS could not hold the result, naming the characters it accepts.
 */
export function resolveSecret(name: string, prefix: string, secretIds: Readonly<Record<string, string>>, access: 'read' | 'write'): SecretTarget {
  const hash = name.indexOf('#');
  const base = hash < 0 ? name : name.slice(0, hash);
  const nameKey = hash < 0 ? undefined : name.slice(hash + 1);
  const mapped = Object.hasOwn(secretIds, base) ? secretIds[base] : undefined;
  const mappedHash = mapped?.indexOf('#') ?? -1;
  const id = mapped === undefined ? prefix + base : mappedHash < 0 ? mapped : mapped.slice(0, mappedHash);
  const mappedKey = mapped === undefined || mappedHash < 0 ? undefined : mapped.slice(mappedHash + 1);
  const key = nameKey ?? mappedKey;
  const shown = JSON.stringify(name.slice(0, 80));
  if (base === '' || (nameKey !== undefined && mappedKey !== undefined) || key === '') {
    throw new CofferError('COFFER_E_USAGE', `${shown} is not a secret name for AWS Secrets Manager: give NAME, or NAME#KEY for the property KEY of a JSON secret.`, { details: { name } });
  }
  if (!READABLE_ID.test(id) || (access === 'write' && !(CREATABLE_NAME.test(id) || id.startsWith('arn:')))) {
    throw new CofferError('COFFER_E_USAGE', `${shown} cannot be stored in AWS Secrets Manager: the secret name ${JSON.stringify(id.slice(0, 80))} may hold only letters, digits and / _ + = . @ - (at most 512 characters).`, { details: { name } });
  }
  if (access === 'write' && key !== undefined) {
    throw new CofferError('COFFER_E_UNSUPPORTED', `${shown} is a property of the JSON secret "${id}", which Coffer reads but does not write; write the whole secret instead.`, { details: { name } });
  }
  return { name, id, ...(key === undefined ? {} : { key }) };
}

/** True when `prefix` can start AWS secret names. */
export const isValidPrefix = (prefix: string): boolean => prefix === '' || CREATABLE_NAME.test(prefix);

/**
 * The property `key` of the JSON object `text`, as a string (numbers and booleans as written,
 * nested objects as JSON); `not-json` when `text` is not a JSON object, `missing` when it has
 * no such property (or it is null). Parse errors are dropped, not wrapped: their messages quote
 * the text, which is a secret.
 */
export function jsonProperty(text: string, key: string): { value: string } | 'not-json' | 'missing' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'not-json';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'not-json';
  const value = Object.hasOwn(parsed, key) ? (parsed as Record<string, unknown>)[key] : undefined;
  if (value === null || value === undefined) return 'missing';
  return { value: typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value) };
}
