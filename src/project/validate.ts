/**
 * `coffer validate`: gathers what the pure validation engine needs (values, categories,
 * metadata, file mode, the values of the other environments) from the config and providers,
 * and returns its report. Values stay in memory only for the checks; the report never holds one.
 */
import { basename, resolve } from 'node:path';
import { CATEGORIES, type Profile } from '../core/categories.js';
import { CofferError, isCofferError } from '../core/errors.js';
import { inferCategory, looksSecret } from '../core/infer.js';
import { complianceNotes, groupByCompliance, validateSecrets, type ComplianceGroup, type ComplianceNote, type SecretUnderTest, type ValidationReport } from '../core/validation/index.js';
import { getEnvironment, secretsOf, type Config, type ResolvedEnvironment, type ResolvedSecret } from '../config/resolve.js';
import { fileMode } from '../io/secure-file.js';
import { readDotenvFile } from '../providers/dotenv.js';
import { openEnvironmentProvider, type AccessOptions } from './_environment.js';
import { REUSE_DEPTH } from '../store/sqlite-store.js';
import type { Provider } from '../providers/types.js';

/** The result of a validation run. */
export interface ValidationOutcome {
  readonly report: ValidationReport;
  /** The results grouped by compliance requirement. */
  readonly compliance: readonly ComplianceGroup[];
  /** Requirements that apply but cannot be checked from current values (e.g. reuse of past values). */
  readonly complianceNotes: readonly ComplianceNote[];
  /** What was validated: an environment and/or a file, and the rules applied. */
  readonly subject: { readonly environment?: string; readonly file?: string; readonly profile: Profile };
  /** Variables present but not checked, with the reason (not secrets, or Public). */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/** Options of {@link validateEnvironment}. */
export interface ValidateEnvironmentRequest {
  readonly config: Config;
  readonly environment: string;
  readonly now?: Date;
  /** Actor and passphrase prompt for providers that need them. */
  readonly access?: AccessOptions;
}

/** Validates the declared secrets of one environment as its provider holds them. */
export async function validateEnvironment(request: ValidateEnvironmentRequest): Promise<ValidationOutcome> {
  const { config, environment } = request;
  const env = getEnvironment(config, environment);
  const provider = await openEnvironmentProvider(config, environment, request.access);
  try {
    return await validateProvider(request, env, provider);
  } finally {
    await provider.close();
  }
}

async function validateProvider(request: ValidateEnvironmentRequest, env: ResolvedEnvironment, provider: Provider): Promise<ValidationOutcome> {
  const { config, environment } = request;
  const declared = secretsOf(config, environment);
  const values = await readValues(provider, declared.map((s) => s.name));
  const reused = await reuseHistory(provider, declared);
  const skipped: { name: string; reason: string }[] = [];
  const secrets: SecretUnderTest[] = [];
  for (const secret of declared) {
    const record = values.get(secret.name);
    if (secret.level === 'Public') {
      skipped.push({ name: secret.name, reason: 'Public variable: not a secret' });
    } else if (record === undefined && secret.default !== undefined) {
      skipped.push({ name: secret.name, reason: 'not set; its default applies' });
    } else {
      const history = reused === undefined || !CATEGORIES[secret.category].noReuse ? undefined : { reusesPrevious: reused.has(secret.name), depth: REUSE_DEPTH };
      secrets.push({ ...underTest(secret, record?.value, record?.metadata), ...(history ? { history } : {}) });
    }
  }
  const others = await otherEnvironments(config, environment, request.access);
  const file = provider.file === undefined ? undefined : { path: provider.file, mode: fileMode(provider.file) };
  const report = validateSecrets({
    environment, profile: env.profile, secrets, now: request.now ?? new Date(),
    ...(file === undefined || file.mode === undefined ? {} : { file }),
    // Hints name `coffer generate` only where it can store the replacement.
    ...(provider.capabilities.persistent ? { hintEnvironment: environment } : {}),
    otherEnvironments: others.readable,
    extraResults: others.unreadable,
  });
  return { report, compliance: groupByCompliance(report, secrets), complianceNotes: complianceNotes(secrets, report), subject: { environment, profile: env.profile, ...(provider.file ? { file: provider.file } : {}) }, skipped };
}

/** Options of {@link validateEnvFile}. */
export interface ValidateFileRequest {
  readonly path: string;
  readonly cwd: string;
  /** When given, declared secrets take their category from it and declared-but-absent ones are reported missing. */
  readonly config?: Config;
  /**
   * The environment the file belongs to: its secrets are expected and its profile applies. Default:
   * the environment whose dotenv path is this file, if the config has one.
   */
  readonly environment?: string;
  /** Rules to apply; wins over the environment's. Default: the environment's, else production when the file name says prod. */
  readonly profile?: Profile;
  readonly now?: Date;
}

/** Validates any dotenv file, inferring categories from names where no config declares them. */
export async function validateEnvFile(request: ValidateFileRequest): Promise<ValidationOutcome> {
  const path = resolve(request.cwd, request.path);
  const { config } = request;
  const env = config === undefined ? undefined : request.environment !== undefined ? getEnvironment(config, request.environment) : environmentOfFile(config, path);
  const profile: Profile = request.profile ?? env?.profile ?? (/prod/i.test(basename(path)) ? 'production' : 'development');
  const entries = await readDotenvFile(path);
  // Declared secrets lend their category; only those of the file's own environment are expected in it.
  const declared = new Map((config ? (env ? secretsOf(config, env.name) : config.secrets) : []).map((s) => [s.name, s]));
  const skipped: { name: string; reason: string }[] = [];
  const secrets: SecretUnderTest[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    seen.add(entry.name);
    const secret = declared.get(entry.name);
    if (secret?.level === 'Public') skipped.push({ name: entry.name, reason: 'Public variable: not a secret' });
    else if (secret) secrets.push(underTest(secret, entry.value, entry.metadata));
    else if (!looksSecret(entry.name)) skipped.push({ name: entry.name, reason: 'name does not mark a secret' });
    else {
      const category = inferCategory(entry.name);
      secrets.push({ name: entry.name, value: entry.value, category, required: true, rotationDays: CATEGORIES[category].rotationDays, metadata: entry.metadata });
    }
  }
  for (const secret of env ? declared.values() : []) {
    if (!seen.has(secret.name) && secret.default === undefined && secret.level !== 'Public') secrets.push(underTest(secret, undefined, undefined));
  }
  const mode = fileMode(path);
  // `coffer generate` fixes the file only when the file is the environment's own dotenv file.
  const ownFile = env !== undefined && config !== undefined && environmentOfFile(config, path)?.name === env.name;
  const report = validateSecrets({
    environment: env?.name ?? basename(path), profile, secrets, now: request.now ?? new Date(),
    ...(mode === undefined ? {} : { file: { path, mode } }),
    ...(ownFile ? { hintEnvironment: env.name } : {}),
  });
  return { report, compliance: groupByCompliance(report, secrets), complianceNotes: complianceNotes(secrets, report), subject: { file: path, profile, ...(env ? { environment: env.name } : {}) }, skipped };
}

/** The configured environment whose dotenv file is `path`, if any. */
function environmentOfFile(config: Config, path: string): ResolvedEnvironment | undefined {
  return Object.values(config.environments).find((e) => e.provider === 'dotenv' && typeof e.options.path === 'string' && resolve(config.root, e.options.path) === path);
}

function underTest(secret: ResolvedSecret, value: string | undefined, metadata: { updatedAt?: string; rotateBy?: string } | undefined): SecretUnderTest {
  return {
    name: secret.name, value, category: secret.category, required: secret.required, rotationDays: secret.rotationDays,
    ...(metadata === undefined ? {} : { metadata }),
  };
}

async function readValues(provider: Provider, names: readonly string[]) {
  const values = new Map<string, { value: string; metadata: { updatedAt?: string; rotateBy?: string } }>();
  await Promise.all(names.map(async (name) => {
    try {
      const record = await provider.get(name);
      values.set(name, { value: record.value, metadata: record.metadata });
    } catch (error) {
      // Only "not found" means missing; a refusal or an outage must surface as itself.
      if (!isCofferError(error, 'COFFER_E_NOT_FOUND')) throw error;
    }
  }));
  return values;
}

/** Names whose current value repeats a recent one, from providers that keep history; undefined otherwise. */
async function reuseHistory(provider: Provider, declared: readonly ResolvedSecret[]): Promise<ReadonlySet<string> | undefined> {
  if (provider.reusedValues === undefined) return undefined;
  const names = declared.filter((s) => CATEGORIES[s.category].noReuse).map((s) => s.name);
  return names.length === 0 ? new Set() : provider.reusedValues(names, REUSE_DEPTH);
}

async function otherEnvironments(config: Config, current: string, access: AccessOptions | undefined) {
  const readable: { environment: string; values: ReadonlyMap<string, string> }[] = [];
  const unreadable: ValidationReport['results'][number][] = [];
  for (const env of Object.values(config.environments)) {
    if (env.name === current) continue;
    try {
      const provider = await openEnvironmentProvider(config, env.name, access);
      const values = await readValues(provider, secretsOf(config, env.name).map((s) => s.name)).finally(() => provider.close());
      readable.push({ environment: env.name, values: new Map([...values].map(([name, r]) => [name, r.value])) });
    } catch (error) {
      if (!(error instanceof CofferError)) throw error;
      unreadable.push({ secret: `(environment ${env.name})`, check: 'unique-env', status: 'warn', message: `Could not read environment "${env.name}" (${error.code}), so reuse across it was not checked; fix it and validate again.` });
    }
  }
  return { readable, unreadable };
}
