/**
 * Turns a validated config file into the resolved Config every command uses: catalog defaults
 * filled in, environment profiles and providers decided, and the rules that span fields checked
 * (a default environment that exists, no default value for a Secret or Critical secret, a
 * generator that can meet its category's minimum).
 */
import { dirname } from 'node:path';
import { CATEGORIES, RISK_TIER_DAYS, type CategoryId, type CharClass, type Encoding, type Profile, type RiskTier, type SecurityLevel } from '../core/categories.js';
import { CofferError } from '../core/errors.js';
import { ALPHABETS, charClass } from '../core/generator.js';
import { inferCategory } from '../core/infer.js';
import type { ConfigFile, SecretEntry } from './schema.js';

/** An environment as Coffer uses it. */
export interface ResolvedEnvironment {
  readonly name: string;
  readonly description?: string;
  /** production or development rules; `production` for the environment named production, else development. */
  readonly profile: Profile;
  /** Provider id holding this environment's values; default `dotenv`. */
  readonly provider: string;
  /** Provider options; for dotenv the default path is `.env.<name>`. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** A secret as Coffer uses it: every field decided. */
export interface ResolvedSecret {
  readonly name: string;
  readonly category: CategoryId;
  readonly description?: string;
  readonly required: boolean;
  readonly default?: string;
  readonly level: SecurityLevel;
  /** Issued by a third party: never generated, supplied by the user. */
  readonly external: boolean;
  readonly generator: { readonly length: number; readonly encoding: Encoding; readonly requiredClasses: readonly CharClass[] };
  readonly rotationDays: number;
  readonly riskTier: RiskTier;
  /** Environments the secret exists in; undefined means all. */
  readonly environments?: readonly string[];
  /** How `coffer rotate` rotates it, as configured (`rotation` key); see docs/rotation.md. */
  readonly rotation?: RotationSettings;
}

/** A secret's `rotation` config, with the grace period in milliseconds. */
export interface RotationSettings {
  /** The rotator id; absent: the default for the category. */
  readonly rotator?: string;
  /** The rotator's options, references not yet resolved. */
  readonly options: Readonly<Record<string, unknown>>;
  /** How long `previous` stays valid after a rotation; absent: the command's default (1 hour). */
  readonly graceMs?: number;
  /** Checked after the target accepted the new value: an HTTP URL expecting 2xx, or a command exiting 0. */
  readonly healthCheck?: { readonly url?: string; readonly command?: readonly string[]; readonly timeoutMs: number };
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration written as `90s`, `30m`, `1h`, `2d`, `250ms` or `0` (checked by DURATION). */
export function durationMs(text: string): number {
  if (text === '0') return 0;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (match === null) throw new CofferError('COFFER_E_USAGE', `"${text}" is not a duration; write it as 90s, 30m, 1h or 2d.`);
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/** The resolved project config. */
export interface Config {
  /** Absolute path of the config file. */
  readonly file: string;
  /** The project root: the directory of the config file. */
  readonly root: string;
  readonly project: string;
  readonly defaultEnvironment: string;
  readonly environments: Readonly<Record<string, ResolvedEnvironment>>;
  readonly secrets: readonly ResolvedSecret[];
}

/** Resolves a validated config file; `file` names it in messages. */
export function resolveConfig(raw: ConfigFile, file: string): Config {
  const environments: Record<string, ResolvedEnvironment> = {};
  for (const [name, entry] of Object.entries(raw.environments)) {
    environments[name] = {
      name,
      ...(entry.description === undefined ? {} : { description: entry.description }),
      profile: entry.profile ?? (name === 'production' || name === 'prod' ? 'production' : 'development'),
      provider: entry.provider ?? 'dotenv',
      // Each environment gets its own file unless it names one, so two never share values.
      options: entry.provider === undefined || entry.provider === 'dotenv' ? { path: `.env.${name}`, ...entry.options }
        : entry.provider === 'store' ? { environment: name, ...entry.options } : (entry.options ?? {}),
    };
  }
  const names = Object.keys(environments);
  const defaultEnvironment = raw.defaultEnvironment ?? (names.includes('development') ? 'development' : (names[0] as string));
  if (!names.includes(defaultEnvironment)) {
    throw invalid(file, 'defaultEnvironment', `"${defaultEnvironment}" is not declared under environments (declared: ${names.join(', ')})`);
  }
  const secrets = Object.entries(raw.secrets).map(([name, entry]) => {
    // A generator must meet the strictest profile among the environments the secret lives in.
    const homes = entry.environments ?? names;
    const strictest: Profile = homes.some((n) => environments[n]?.profile === 'production') ? 'production' : 'development';
    return resolveSecret(name, entry, file, names, strictest);
  });
  return { file, root: dirname(file), project: raw.project ?? 'app', defaultEnvironment, environments, secrets };
}

function resolveSecret(name: string, entry: SecretEntry, file: string, envNames: readonly string[], strictest: Profile): ResolvedSecret {
  const category = entry.category ?? inferCategory(name);
  const policy = CATEGORIES[category];
  const level = entry.level ?? policy.level;
  const path = `secrets.${name}`;
  if (entry.default !== undefined && (level === 'Secret' || level === 'Critical')) {
    throw invalid(file, `${path}.default`, `a ${level} secret may not have a default value (no default secrets); remove "default" or lower "level" to Internal or Public`);
  }
  if (entry.default !== undefined && entry.required === true) {
    throw invalid(file, `${path}.default`, 'a required secret cannot have a default; set "required": false or remove "default"');
  }
  for (const env of entry.environments ?? []) {
    if (!envNames.includes(env)) throw invalid(file, `${path}.environments`, `"${env}" is not declared under environments`);
  }
  const encoding = entry.generator?.encoding ?? policy.generate.encoding;
  const length = entry.generator?.length ?? policy.generate.length;
  const alphabet = ALPHABETS[encoding];
  const requiredClasses = policy.requiredClasses[strictest].filter((cls) => [...alphabet].some((c) => charClass(c) === cls));
  const missing = policy.requiredClasses[strictest].filter((cls) => !requiredClasses.includes(cls));
  if (missing.length > 0 && !entry.external) {
    throw invalid(file, `${path}.generator.encoding`, `${encoding} cannot produce ${missing.join(', ')} characters, which ${category} secrets need; use alphanumeric+symbols`);
  }
  const bits = length * Math.log2(alphabet.length);
  if (!entry.external && (length < policy.minLength[strictest] || bits < policy.minBits[strictest])) {
    throw invalid(file, `${path}.generator.length`, `${length} ${encoding} characters fall short of the ${strictest} minimum for ${category} (${policy.minLength[strictest]} characters, ${policy.minBits[strictest]} bits); raise the length`);
  }
  const riskTier = entry.riskTier ?? policy.riskTier;
  return {
    name,
    category,
    ...(entry.description === undefined ? {} : { description: entry.description }),
    required: entry.required ?? entry.default === undefined,
    ...(entry.default === undefined ? {} : { default: entry.default }),
    level,
    external: entry.external ?? false,
    generator: { length, encoding, requiredClasses },
    rotationDays: entry.rotationDays ?? (entry.riskTier === undefined ? policy.rotationDays : RISK_TIER_DAYS[riskTier]),
    riskTier,
    ...(entry.environments === undefined ? {} : { environments: entry.environments }),
    ...(entry.rotation === undefined ? {} : { rotation: rotationSettings(entry.rotation) }),
  };
}

function rotationSettings(entry: NonNullable<SecretEntry['rotation']>): RotationSettings {
  const check = entry.healthCheck;
  return {
    ...(entry.rotator === undefined ? {} : { rotator: entry.rotator }),
    options: entry.options ?? {},
    ...(entry.grace === undefined ? {} : { graceMs: durationMs(entry.grace) }),
    ...(check === undefined ? {} : {
      healthCheck: { ...(check.url ? { url: check.url } : {}), ...(check.command ? { command: check.command } : {}), timeoutMs: durationMs(check.timeout ?? '10s') },
    }),
  };
}

/**
 * Returns the environment called `name`, or throws COFFER_E_UNKNOWN_ENV listing the declared ones.
 */
export function getEnvironment(config: Config, name: string): ResolvedEnvironment {
  const env = config.environments[name];
  if (env === undefined) {
    throw new CofferError('COFFER_E_UNKNOWN_ENV', `Unknown environment "${name}"; declared in ${config.file}: ${Object.keys(config.environments).join(', ')}. Add it under "environments" or pick one of those.`, { details: { environment: name } });
  }
  return env;
}

/** The label of an environment's provider options in messages. */
export function environmentLabel(config: Config, environment: string): string {
  return `environment "${environment}" in ${config.file}`;
}

/** The secrets that exist in the given environment. */
export function secretsOf(config: Config, environment: string): ResolvedSecret[] {
  return config.secrets.filter((s) => s.environments === undefined || s.environments.includes(environment));
}

function invalid(file: string, path: string, what: string): CofferError {
  return new CofferError('COFFER_E_CONFIG_INVALID', `${file}: ${path}: ${what}.`, { details: { file, path } });
}
