/**
 * `coffer generate`: fills an environment's provider with generated values for every secret
 * that has none (or all of them with `force`), and with user-supplied values for external
 * secrets that Coffer cannot generate. All values are written in one operation, each with the
 * date it was set and the date its rotation is due; a missing required external value stops
 * everything before anything is written.
 */
import { CATEGORIES, rotationDeadline } from '../core/categories.js';
import { CofferError } from '../core/errors.js';
import { generateSecret } from '../core/generator.js';
import { secretsOf, type Config, type ResolvedSecret } from '../config/resolve.js';
import type { Provider, SecretWrite } from '../providers/types.js';
import { openEnvironmentProvider, type AccessOptions } from './_environment.js';

/** What to generate. */
export interface GenerateRequest {
  readonly config: Config;
  readonly environment: string;
  /** Restrict to these secret names. */
  readonly only?: readonly string[];
  /** Replace existing values too. */
  readonly force?: boolean;
  /** The clock; default now. */
  readonly now?: Date;
  /**
   * Supplies the value of an external secret (prompt or environment); undefined when none.
   * Called only for secrets that will be written.
   */
  readonly supply: (secret: ResolvedSecret) => Promise<string | undefined>;
  /** Actor and passphrase prompt for providers that need them. */
  readonly access?: AccessOptions;
}

/** What happened to one secret; never carries a value. */
export interface GenerateOutcome {
  readonly name: string;
  readonly action: 'generated' | 'supplied' | 'kept' | 'skipped';
  readonly category: string;
  readonly rotateBy?: string;
  readonly reason?: string;
}

/** The result of {@link generateSecrets}. */
export interface GenerateResult {
  readonly environment: string;
  /** Where the values went (a path or a description), never a value. */
  readonly location: string;
  readonly secrets: readonly GenerateOutcome[];
}

/** Generates the secrets of one environment; see the module comment. */
export async function generateSecrets(request: GenerateRequest): Promise<GenerateResult> {
  const { config, environment } = request;
  const now = request.now ?? new Date();
  const secrets = selectSecrets(secretsOf(config, environment), request.only, environment);
  const provider = await openEnvironmentProvider(config, environment, request.access);
  try {
    return await generateInto(provider, secrets, request, now);
  } finally {
    await provider.close();
  }
}

async function generateInto(provider: Provider, secrets: ResolvedSecret[], request: GenerateRequest, now: Date): Promise<GenerateResult> {
  const { environment, force = false } = request;
  if (!provider.capabilities.write || !provider.capabilities.persistent) {
    throw new CofferError('COFFER_E_UNSUPPORTED', `The ${provider.id} provider of environment "${environment}" cannot keep generated values; give the environment a provider that stores them (e.g. dotenv).`);
  }
  const existing = await nonEmptyNames(provider);

  const outcomes: GenerateOutcome[] = [];
  const writes: SecretWrite[] = [];
  const missing: string[] = [];
  for (const secret of secrets) {
    const skip = skipReason(secret);
    if (skip !== undefined) {
      outcomes.push({ name: secret.name, action: 'skipped', category: secret.category, reason: skip });
      continue;
    }
    const has = existing.has(secret.name);
    if (has && !force) {
      outcomes.push({ name: secret.name, action: 'kept', category: secret.category, reason: 'already has a value (use --force to replace it)' });
      continue;
    }
    const value = secret.external ? await request.supply(secret) : generateFor(secret);
    if (value === undefined || value === '') {
      // --force cannot invent an external credential: an existing one stays when none is supplied.
      if (has) outcomes.push({ name: secret.name, action: 'kept', category: secret.category, reason: 'external secret: no new value supplied' });
      else if (secret.required) missing.push(secret.name);
      else outcomes.push({ name: secret.name, action: 'skipped', category: secret.category, reason: 'optional external secret with no value supplied' });
      continue;
    }
    const rotateBy = rotationDeadline(now, secret.rotationDays);
    writes.push({ name: secret.name, value, metadata: { updatedAt: now.toISOString(), rotateBy }, ...(CATEGORIES[secret.category].noReuse ? { noReuse: true } : {}) });
    outcomes.push({ name: secret.name, action: secret.external ? 'supplied' : 'generated', category: secret.category, rotateBy });
  }
  if (missing.length > 0) {
    throw new CofferError('COFFER_E_MISSING_SECRETS', `No value for required external secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; set ${missing.length > 1 ? 'them' : 'it'} in the environment (export ${missing[0]}=...) or run on a terminal to be prompted. Nothing was written.`, { details: { missing } });
  }
  if (writes.length > 0) await provider.setMany(writes);
  return { environment, location: provider.location, secrets: outcomes };
}

/** Why a declared secret is not generated at all, if it is not. */
function skipReason(secret: ResolvedSecret): string | undefined {
  if (secret.level === 'Public') return 'Public variable: not a secret';
  if (secret.default !== undefined) return 'has a default value in the config';
  return undefined;
}

/** Names that hold a non-empty value: an empty `NAME=` (e.g. copied from .env.example) counts as missing. */
async function nonEmptyNames(provider: Provider): Promise<Set<string>> {
  const names = new Set<string>();
  for (const { name } of await provider.list()) {
    if ((await provider.get(name)).value !== '') names.add(name);
  }
  return names;
}

function generateFor(secret: ResolvedSecret): string {
  return generateSecret({ length: secret.generator.length, encoding: secret.generator.encoding, requiredClasses: secret.generator.requiredClasses });
}

function selectSecrets(secrets: ResolvedSecret[], only: readonly string[] | undefined, environment: string): ResolvedSecret[] {
  if (only === undefined || only.length === 0) return secrets;
  const known = new Set(secrets.map((s) => s.name));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new CofferError('COFFER_E_USAGE', `--only names ${unknown.join(', ')}, which ${unknown.length > 1 ? 'are' : 'is'} not declared for environment "${environment}"; declared: ${[...known].join(', ') || 'none'}.`);
  }
  return secrets.filter((s) => only.includes(s.name));
}
