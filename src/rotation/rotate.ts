/**
 * `coffer rotate` as a library function: chooses the secrets (all, a group such as `database`,
 * or names; `--due` keeps those past their rotation date), opens each one's rotator from its
 * `rotation` config, and runs the engine on each in turn, collecting a value-free report. Every
 * run first retires the rotations of the environment whose grace period is over ("automatically
 * by the next run"), except encryption keys without a retireCheck, whose old key stays live until
 * `--finalize NAME` asks for it (heldUntilFinalize). `plan` reports what would happen and changes
 * nothing.
 */
import { CofferError, isCofferError, type ErrorCode } from '../core/errors.js';
import { generateSecret } from '../core/generator.js';
import { referencedSecrets, resolveValue } from '../core/references.js';
import { getEnvironment, secretsOf, type Config, type ResolvedSecret } from '../config/resolve.js';
import { openEnvironmentProvider, type AccessOptions } from '../project/_environment.js';
import type { Provider } from '../providers/types.js';
import type { RotatorTraits } from './types.js';
import { RotationEngine, type RotationOutcome } from './engine.js';
import { listJournals, type JournalEntry } from './journal.js';
import { DEFAULT_ROTATORS, openRotator } from './registry.js';
import { dueDate, heldUntilFinalize } from './status.js';
import type { CategoryId } from '../core/categories.js';

/** The groups `coffer rotate` accepts besides names, and the categories in each. */
export const ROTATION_GROUPS: Readonly<Record<string, readonly CategoryId[]>> = {
  jwt: ['jwt', 'session'],
  database: ['database'],
  redis: ['redis'],
  api_keys: ['api_key', 'token', 'webhook'],
  encryption: ['encryption'],
};

/** Default grace period: one hour. */
export const DEFAULT_GRACE_MS = 3_600_000;

/** What to rotate and how. */
export interface RotateRequest {
  readonly config: Config;
  readonly environment: string;
  /** `all`, group names of {@link ROTATION_GROUPS}, or secret names; empty means all. */
  readonly selectors: readonly string[];
  /** Grace period for every rotation of this run; default each secret's `rotation.grace`, else 1 hour. */
  readonly graceMs?: number;
  /** Only the secrets past their rotation date. */
  readonly due?: boolean;
  /** An incident: no grace, old credentials revoked at once, incident entries in the audit log. */
  readonly compromised?: boolean;
  /** End grace periods instead of rotating: named secrets now, otherwise those whose grace is over. */
  readonly finalize?: boolean;
  /** Say what would happen; change nothing. */
  readonly plan?: boolean;
  readonly access?: AccessOptions;
  readonly now?: () => Date;
  /** Progress lines (secret, step), value-free. */
  readonly progress?: (name: string, step: string) => void;
}

/** One row of the report. */
export type RotationResult =
  | RotationOutcome
  | { readonly name: string; readonly status: 'failed'; readonly code: ErrorCode; readonly message: string }
  | { readonly name: string; readonly status: 'skipped'; readonly reason: string }
  | { readonly name: string; readonly status: 'planned'; readonly rotator: string; readonly graceMs: number; readonly actions: readonly string[] };

/** The report of one run; value-free, printed as is by `--json`. */
export interface RotationReport {
  readonly environment: string;
  readonly plan: boolean;
  readonly results: readonly RotationResult[];
}

/** Runs `coffer rotate`; see the module comment. Throws only for usage and provider errors; per-secret failures are rows. */
export async function rotateSecrets(request: RotateRequest): Promise<RotationReport> {
  const { config, environment } = request;
  const env = request.access?.env ?? process.env;
  const now = request.now ?? (() => new Date());
  const secrets = selectSecrets(config, environment, request.selectors);
  const provider = await openEnvironmentProvider(config, environment, request.access);
  try {
    const engine = createEngine(config, environment, provider, env, now, request.progress);
    const journals = listJournals(config.root, environment);
    const named = request.selectors.length > 0 && !request.selectors.includes('all');
    if (request.plan) return { environment, plan: true, results: await plan(secrets, journals, provider, request, now, env) };
    const results: RotationResult[] = [];
    const declared = new Map(secretsOf(config, environment).map((s) => [s.name, s]));
    const open = new Map(journals.map((j) => [j.name, j]));
    // Grace periods that are over end first, whatever was selected; an old key held until
    // --finalize is not retired here (only a named --finalize below does that).
    for (const journal of journals) {
      const secret = declared.get(journal.name);
      if (secret === undefined || journal.phase !== 'finished' || !graceOver(journal, now)) continue;
      if (heldUntilFinalize(secret)) {
        if (request.finalize && !named) results.push({ name: secret.name, status: 'skipped', reason: heldReason(journal, environment) });
        continue;
      }
      const outcome = await attempt(secret.name, () => engine.finalize(secret, false));
      if (outcome !== undefined) results.push(outcome);
    }
    if (request.finalize) {
      // Named secrets end their grace period now, the operator asking for it; without names, only those whose grace is over.
      const asked = named ? createEngine(config, environment, provider, env, now, request.progress, true) : engine;
      for (const secret of named ? secrets : []) {
        if (results.some((r) => r.name === secret.name)) continue;
        const outcome = await attempt(secret.name, () => asked.finalize(secret, true));
        results.push(outcome ?? { name: secret.name, status: 'skipped', reason: 'no rotation of it is open' });
      }
      return { environment, plan: false, results };
    }
    for (const secret of secrets) {
      if (results.some((r) => r.name === secret.name && r.status !== 'retired')) continue;
      const skip = await skipReason(secret, provider, request, now);
      if (skip !== undefined) {
        if (!request.due) results.push({ name: secret.name, status: 'skipped', reason: skip });
        continue;
      }
      // A new rotation would first retire the old key still held live: refuse until --finalize.
      const held = open.get(secret.name);
      if (held !== undefined && heldUntilFinalize(secret) && (held.phase === 'finished' || held.phase === 'revoking')) {
        results.push({ name: secret.name, status: 'failed', code: 'COFFER_E_ROTATION_IN_PROGRESS', message: `${heldReason(held, environment)}; rotate it again after that.` });
        continue;
      }
      const asked = request.graceMs ?? secret.rotation?.graceMs ?? DEFAULT_GRACE_MS;
      // A grace of 0 makes the engine retire the old value at finish; a held key must not be, so its grace ends at once instead.
      const graceMs = asked === 0 && heldUntilFinalize(secret) ? 1 : asked;
      const outcome = await attempt(secret.name, () => engine.rotate(secret, { graceMs, ...(request.compromised ? { compromised: true } : {}) }));
      if (outcome === undefined) continue;
      if (outcome.status === 'rotated' && outcome.graceUntil !== undefined && heldUntilFinalize(secret)) {
        results.push({ ...outcome, notes: [...outcome.notes, `the old key (version ${outcome.fromVersion ?? '?'}) stays live after the grace period until \`coffer rotate ${environment} --finalize ${secret.name}\`: with no retireCheck, nothing tells coffer that no data is encrypted under it`] });
      } else {
        results.push(outcome);
      }
    }
    return { environment, plan: false, results };
  } finally {
    await provider.close();
  }

  async function attempt<T>(name: string, work: () => Promise<T>): Promise<T | RotationResult> {
    try {
      return await work();
    } catch (error) {
      if (!isCofferError(error)) throw error;
      return { name, status: 'failed', code: error.code, message: error.message };
    }
  }
}

/**
 * The engine for one environment, its rotators opened from each secret's `rotation` config.
 * `explicitRetire`: the operator asked to retire the old values now (`--finalize NAME`), which
 * the rotators that never retire on a timer wait for (RotatorContext.explicitRetire).
 */
export function createEngine(config: Config, environment: string, provider: Provider, env: Readonly<Record<string, string | undefined>>, now?: () => Date, progress?: (name: string, step: string) => void, explicitRetire = false): RotationEngine {
  return new RotationEngine({
    provider, root: config.root, environment, profile: getEnvironment(config, environment).profile, env,
    rotatorFor: (secret) => openRotatorFor(secret, provider, env, explicitRetire),
    generate: (secret) => generateSecret({ length: secret.generator.length, encoding: secret.generator.encoding, requiredClasses: secret.generator.requiredClasses }),
    ...(now ? { now } : {}),
    ...(progress ? { progress } : {}),
  });
}

/** The declared secrets of `environment` chosen by `selectors`; COFFER_E_USAGE for an unknown one. */
export function selectSecrets(config: Config, environment: string, selectors: readonly string[]): ResolvedSecret[] {
  const declared = secretsOf(config, environment);
  if (selectors.length === 0 || selectors.includes('all')) return declared;
  const chosen = new Set<string>();
  for (const selector of selectors) {
    const group = ROTATION_GROUPS[selector];
    if (group !== undefined) {
      for (const s of declared) if (group.includes(s.category)) chosen.add(s.name);
    } else if (declared.some((s) => s.name === selector)) {
      chosen.add(selector);
    } else {
      throw new CofferError('COFFER_E_USAGE', `"${selector}" is neither a secret of environment "${environment}" nor a group (all, ${Object.keys(ROTATION_GROUPS).join(', ')}).`);
    }
  }
  return declared.filter((s) => chosen.has(s.name));
}

/** The rotator that changes the credential of each category that has no default rotator, for the skip reason. */
const TARGET_ROTATORS: Partial<Record<CategoryId, string>> = { database: 'postgres', redis: 'redis' };

/** Why `secret` is not rotated by this run, or undefined. */
async function skipReason(secret: ResolvedSecret, provider: Provider, request: RotateRequest, now: () => Date): Promise<string | undefined> {
  if (secret.rotation?.rotator === undefined && DEFAULT_ROTATORS[secret.category] === undefined) {
    const rotator = TARGET_ROTATORS[secret.category];
    const how = rotator === undefined ? 'with the rotator of that system' : `with the ${rotator} rotator (docs/rotation/${rotator}.md)`;
    return `a ${secret.category} credential lives in another system: configure secrets.${secret.name}.rotation ${how}, so that the system changes with it`;
  }
  if (secret.external && secret.rotation?.rotator === undefined) return 'issued by a third party (external): rotate it at the issuer, then `coffer set` it';
  if (request.due) {
    const due = await dueDate(provider, secret);
    if (due === undefined || Date.parse(due) > now().getTime()) return 'not due';
  }
  return undefined;
}

/** Opens the rotator configured for `secret`, its options' references resolved; see createEngine for `explicitRetire`. */
export async function openRotatorFor(secret: ResolvedSecret, provider: Provider, env: Readonly<Record<string, string | undefined>>, explicitRetire = false) {
  const id = secret.rotation?.rotator ?? DEFAULT_ROTATORS[secret.category] ?? 'random';
  const where = `Config key secrets.${secret.name}.rotation`;
  refuseSecretArguments(secret.rotation?.options ?? {}, where);
  const options = await resolveOptions(secret.rotation?.options ?? {}, provider, env, where);
  return openRotator(id, options, { env, ...(explicitRetire ? { explicitRetire: true } : {}) }, where);
}

/** Says that the old key of `journal`'s secret is still live and held until an explicit --finalize, and why. */
function heldReason(journal: JournalEntry, environment: string): string {
  return `old key version ${journal.fromVersion} is still live: ${journal.name} has no retireCheck, so nothing tells coffer that no data is encrypted under it; re-encrypt that data, then retire it with \`coffer rotate ${environment} --finalize ${journal.name}\``;
}

/**
 * The rotator options whose value is a command to run, as argv (the api-key hooks, the
 * encryption-key retire check). Whatever is in a command's arguments is visible to every user of
 * the machine in `ps`, so no secret may be put there; hooks get values another way.
 */
const COMMAND_OPTIONS: readonly string[] = ['register', 'withdraw', 'retireCheck'];

/**
 * Refuses a `${secret:...}` reference in a command-valued option (COFFER_E_CONFIG_INVALID): it
 * would put the value in the command's arguments. A hook gets the key being rotated on its
 * standard input, a retire check the key ids in its environment, and every command inherits
 * coffer's environment, which is where any other secret it needs belongs.
 */
export function refuseSecretArguments(options: Readonly<Record<string, unknown>>, where: string): void {
  for (const key of COMMAND_OPTIONS) {
    const command = options[key];
    if (!Array.isArray(command)) continue;
    command.forEach((argument: unknown, index) => {
      const path = `${where}.options.${key}[${index}]`;
      const [name] = typeof argument === 'string' ? referencedSecrets(argument, path) : [];
      if (name === undefined) return;
      throw new CofferError('COFFER_E_CONFIG_INVALID', `${path}: a command's arguments cannot hold \${secret:${name}}, since \`ps\` shows them to every user; hooks read the key being rotated on standard input, so pass ${name} through the environment coffer runs in, which every hook inherits.`);
    });
  }
}

/** Resolves `${secret:...}` (read from the environment's provider) and `${env:...}` in option strings. */
async function resolveOptions(options: Readonly<Record<string, unknown>>, provider: Provider, env: Readonly<Record<string, string | undefined>>, where: string): Promise<Record<string, unknown>> {
  const texts: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(options);
  const values = new Map<string, string>();
  for (const name of new Set(texts.flatMap((t) => referencedSecrets(t, where)))) {
    try {
      values.set(name, (await provider.get(name)).value);
    } catch (error) {
      if (!isCofferError(error, 'COFFER_E_NOT_FOUND')) throw error;
    }
  }
  const resolve = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') return resolveValue(value, { env, values, label: path });
    if (Array.isArray(value)) return value.map((v, i) => resolve(v, `${path}[${i}]`));
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, `${path}.${k}`)]));
    return value;
  };
  return resolve(options, `${where}.options`) as Record<string, unknown>;
}

/** The rows of `--plan`: what each secret would go through, its grace period as its rotator's traits allow. */
async function plan(secrets: readonly ResolvedSecret[], journals: readonly JournalEntry[], provider: Provider, request: RotateRequest, now: () => Date, env: Readonly<Record<string, string | undefined>>): Promise<RotationResult[]> {
  const results: RotationResult[] = [];
  const declared = new Map(secretsOf(request.config, request.environment).map((s) => [s.name, s]));
  const named = request.selectors.length > 0 && !request.selectors.includes('all');
  for (const journal of journals) {
    const asked = request.finalize === true && named && secrets.some((s) => s.name === journal.name);
    const secret = declared.get(journal.name);
    const held = !asked && secret !== undefined && heldUntilFinalize(secret);
    if (held && journal.phase === 'revoking') results.push({ name: journal.name, status: 'planned', rotator: journal.rotator, graceMs: 0, actions: [`nothing: the ${heldReason(journal, request.environment)}`] });
    else if (journal.phase !== 'finished') results.push({ name: journal.name, status: 'planned', rotator: journal.rotator, graceMs: journal.graceMs, actions: [`finish the interrupted rotation (stopped at "${journal.phase}") or roll it back`] });
    else if (held && graceOver(journal, now)) results.push({ name: journal.name, status: 'planned', rotator: journal.rotator, graceMs: 0, actions: [`nothing: the ${heldReason(journal, request.environment)}`] });
    else if (asked || graceOver(journal, now)) results.push({ name: journal.name, status: 'planned', rotator: journal.rotator, graceMs: 0, actions: [`revoke version ${journal.fromVersion} at the target and retire it (grace ${graceOver(journal, now) ? 'over' : `until ${journal.graceUntil ?? '?'}`})`] });
  }
  if (request.finalize) return results;
  for (const secret of secrets) {
    if (results.some((r) => r.name === secret.name)) continue;
    const skip = await skipReason(secret, provider, request, now);
    if (skip !== undefined) {
      if (!request.due) results.push({ name: secret.name, status: 'skipped', reason: skip });
      continue;
    }
    // The rotator is opened (not connected) for its declared traits, which decide whether a grace period can exist.
    let traits: RotatorTraits;
    let rotator: string;
    try {
      const opened = await openRotatorFor(secret, provider, env);
      ({ traits, id: rotator } = opened);
      await opened.close();
    } catch (error) {
      if (!isCofferError(error)) throw error;
      results.push({ name: secret.name, status: 'failed', code: error.code, message: error.message });
      continue;
    }
    const asked = request.compromised ? 0 : request.graceMs ?? secret.rotation?.graceMs ?? DEFAULT_GRACE_MS;
    const decidedAtSet = rotator === 'redis' && (secret.rotation?.options?.mode ?? 'auto') === 'auto';
    const graceMs = traits.overlapping || decidedAtSet ? asked : 0;
    const actions = [
      `create a new ${secret.generator.length}-character ${secret.generator.encoding} value as pending`,
      `set it at the target (${rotator})`,
      `test it${secret.rotation?.healthCheck ? ', then run the health check' : ''}`,
      'make it current; the old value becomes previous',
      heldUntilFinalize(secret)
        ? `keep the old key live until \`coffer rotate ${request.environment} --finalize ${secret.name}\`, whatever the grace period: without a retireCheck nothing tells coffer that no data needs it`
        : !traits.overlapping && !request.compromised
          ? `no grace period: the target accepts one credential at a time (${rotator}), so the old value stops working when the new one is set; clients using it fail until they read the new one`
          : graceMs === 0 ? `revoke the old value at once${request.compromised ? ' and record an incident' : ''}`
            : `keep the old value valid for ${Math.round(graceMs / 60_000)} min, then revoke it${decidedAtSet ? ' (only if the server has ACL users, Redis 6+; with requirepass it stops working when the new one is set, with no grace period)' : ''}`,
    ];
    results.push({ name: secret.name, status: 'planned', rotator, graceMs, actions });
  }
  return results;
}

function graceOver(journal: JournalEntry, now: () => Date): boolean {
  return journal.graceUntil !== undefined && Date.parse(journal.graceUntil) <= now().getTime();
}
