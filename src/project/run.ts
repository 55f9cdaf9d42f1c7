/**
 * What `coffer run` needs besides process management: the secrets of an environment collected
 * for a child process (declared secrets read from the provider, defaults for optional ones,
 * `${secret:..}`/`${env:..}` references resolved, every missing required name reported before
 * anything starts), the refusal of variable names that would hijack the child (LD_PRELOAD,
 * NODE_OPTIONS, PATH, ...), the child's environment, and keyed fingerprints that tell a watcher
 * whether an injected value really changed without keeping or comparing plaintext.
 * The `--mount` directory lives in run-mount.ts.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { CofferError, isCofferError } from '../core/errors.js';
import { referencedSecrets, resolveReferences } from '../core/references.js';
import { secretsOf, type Config, type ResolvedSecret } from '../config/resolve.js';
import type { Provider } from '../providers/types.js';
import { openEnvironmentProvider, type AccessOptions } from './_environment.js';

export { mountSecrets, MOUNT_MARKER, type MountedSecrets } from './run-mount.js';

/**
 * Variables that change which code a process runs or how its shell and interpreter start, so a
 * value stored as a "secret" under that name could take over the child. Compared without regard
 * to case. Names ending in `*` are prefixes.
 */
export const UNSAFE_ENV_NAMES: readonly string[] = [
  // Dynamic loaders (glibc, musl, macOS) and glibc's charset modules.
  'LD_*', 'DYLD_*', 'GCONV_PATH', 'LOCPATH', 'HOSTALIASES', 'MALLOC_*',
  // Shells: start-up files, exported functions, word splitting, traces, options, lookup paths.
  'PATH', 'BASH_ENV', 'ENV', 'BASH_FUNC_*', 'SHELLOPTS', 'BASHOPTS', 'IFS', 'PS4', 'PROMPT_COMMAND', 'CDPATH', 'GLOBIGNORE',
  // Interpreters and runtimes: options and module paths that load arbitrary code.
  'NODE_OPTIONS', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS', 'NODE_TLS_REJECT_UNAUTHORIZED',
  'PYTHONPATH', 'PYTHONHOME', 'PYTHONSTARTUP', 'PYTHONWARNINGS', 'PYTHONBREAKPOINT', 'PYTHONINSPECT',
  'PERL5OPT', 'PERL5LIB', 'PERLLIB', 'PERL5DB', 'RUBYOPT', 'RUBYLIB',
  'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'CLASSPATH', 'DOTNET_STARTUP_HOOKS', 'PHPRC', 'PHP_INI_SCAN_DIR',
  'GIT_SSH_COMMAND', 'GIT_EXEC_PATH', 'GIT_CONFIG_PARAMETERS',
];

/** True when `name` is on {@link UNSAFE_ENV_NAMES}. */
export function isUnsafeEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  return UNSAFE_ENV_NAMES.some((n) => (n.endsWith('*') ? upper.startsWith(n.slice(0, -1)) : upper === n));
}

/** What to collect for a child process. */
export interface RunRequest {
  readonly config: Config;
  readonly environment: string;
  /** Inject only these declared secrets. */
  readonly only?: readonly string[];
  /** Names on {@link UNSAFE_ENV_NAMES} that may be injected anyway. */
  readonly allowEnv?: readonly string[];
  /** Secrets go in as files: the child gets `NAME_FILE`, and that is the name checked. */
  readonly mount?: boolean;
  /** The environment `${env:NAME}` references read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Actor and passphrase prompt for providers that need them. */
  readonly access?: AccessOptions;
  /**
   * The run is watched (--watch): record the provider's versions so that polls can skip reading
   * values while no version moved. A run that is not watched skips that listing.
   */
  readonly watch?: boolean;
}

/** One secret to inject. */
export interface InjectedSecret {
  readonly name: string;
  /** The value, references resolved. */
  readonly value: string;
  /** `provider`, or `default` when an optional secret was not set. */
  readonly source: 'provider' | 'default';
  /** Whether the value is masked in the child's output (every level but Public). */
  readonly sensitive: boolean;
}

/** The secrets collected for a child, with value-free facts for messages and watching. */
export interface RunEnvironment {
  readonly environment: string;
  /** Where the values came from (a value-free description). */
  readonly location: string;
  /** Sorted by name. */
  readonly secrets: readonly InjectedSecret[];
  /** Per name, a keyed fingerprint of the value (HMAC-SHA256 under a key that never leaves this process). */
  readonly fingerprints: ReadonlyMap<string, Buffer>;
  /** The provider's versions of every secret it lists, when it keeps versions; lets a watcher skip reading values. */
  readonly versions?: ReadonlyMap<string, string>;
}

/**
 * Collects the secrets of `request.environment` for a child; throws before anything starts:
 * COFFER_E_USAGE for an `--only` name the environment does not declare, COFFER_E_UNSAFE_NAME for
 * a hijacking name not allowed, COFFER_E_MISSING_SECRETS listing every required secret without
 * a value, reference errors naming the secrets involved. Never puts a value in an error.
 */
export async function collectRunEnvironment(request: RunRequest): Promise<RunEnvironment> {
  const declared = selectSecrets(request);
  const provider = await openEnvironmentProvider(request.config, request.environment, request.access);
  try {
    return await collectFrom(provider, declared, request);
  } finally {
    await provider.close();
  }
}

/**
 * Checks `previous` against the provider: returns the new environment when an injected value
 * (or the set of injected names) changed, undefined otherwise. Providers that keep versions are
 * asked for their list first, and values are read only when a version moved; others are read
 * in full (a file or the process environment: nothing is audited).
 */
export async function pollRunEnvironment(request: RunRequest, previous: RunEnvironment): Promise<RunEnvironment | undefined> {
  const declared = selectSecrets(request);
  const provider = await openEnvironmentProvider(request.config, request.environment, request.access);
  try {
    if (previous.versions !== undefined && provider.capabilities.versions && provider.capabilities.list) {
      const versions = versionsOf(await provider.list());
      if (sameVersions(previous.versions, versions)) return undefined;
    }
    const next = await collectFrom(provider, declared, request);
    return changedSecrets(previous, next).length === 0 ? undefined : next;
  } finally {
    await provider.close();
  }
}

/** Names whose injected value differs between `a` and `b` (added and removed ones included), sorted. */
export function changedSecrets(a: RunEnvironment, b: RunEnvironment): string[] {
  const names = new Set([...a.fingerprints.keys(), ...b.fingerprints.keys()]);
  return [...names].filter((name) => {
    const x = a.fingerprints.get(name);
    const y = b.fingerprints.get(name);
    return x === undefined || y === undefined || !timingSafeEqual(x, y);
  }).sort();
}

/**
 * The child's environment: `base` with every secret set (or, with `mountDir`, `NAME_FILE` set to
 * the file and `NAME` removed, so the file is the only source), and COFFER_MASTER_KEY removed:
 * it opens every environment of the store, and the child is given one environment's secrets.
 */
export function childEnvironment(base: Readonly<Record<string, string | undefined>>, run: RunEnvironment, mountDir?: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && k !== 'COFFER_MASTER_KEY') env[k] = v;
  for (const s of run.secrets) {
    if (mountDir === undefined) {
      env[s.name] = s.value;
    } else {
      delete env[s.name];
      env[`${s.name}_FILE`] = join(mountDir, s.name);
    }
  }
  return env;
}

function selectSecrets(request: RunRequest): ResolvedSecret[] {
  const all = secretsOf(request.config, request.environment);
  let chosen = all;
  if (request.only !== undefined && request.only.length > 0) {
    const unknown = request.only.filter((n) => !all.some((s) => s.name === n));
    if (unknown.length > 0) {
      throw new CofferError('COFFER_E_USAGE', `--only names ${unknown.map((n) => JSON.stringify(n)).join(', ')}, which environment "${request.environment}" does not declare (${request.config.file}).`, { details: { unknown } });
    }
    chosen = all.filter((s) => request.only?.includes(s.name));
  }
  const allowed = new Set((request.allowEnv ?? []).map((n) => n.toUpperCase()));
  const variable = (name: string) => (request.mount ? `${name}_FILE` : name);
  const unsafe = chosen.map((s) => variable(s.name)).filter((v) => isUnsafeEnvName(v) && !allowed.has(v.toUpperCase()));
  if (unsafe.length > 0) {
    throw new CofferError('COFFER_E_UNSAFE_NAME', `Refusing to set ${unsafe.join(', ')} in the child: ${unsafe.length > 1 ? 'these variables change' : 'this variable changes'} which code a process runs. Rename the secret, leave it out with --only, or allow it with --allow-env ${unsafe.join(' ')}.`, { details: { names: unsafe } });
  }
  return chosen;
}

async function collectFrom(provider: Provider, declared: readonly ResolvedSecret[], request: RunRequest): Promise<RunEnvironment> {
  // Versions first: a write landing while values are read then shows as a newer version next time.
  const versions = request.watch === true && provider.capabilities.versions && provider.capabilities.list ? versionsOf(await provider.list()) : undefined;
  const stored = await readValues(provider, declared.map((s) => s.name));
  const missing = declared.filter((s) => s.required && !stored.has(s.name)).map((s) => s.name).sort();
  if (missing.length > 0) {
    throw new CofferError('COFFER_E_MISSING_SECRETS', `Environment "${request.environment}" has no value for ${missing.join(', ')} (${provider.location}); set ${missing.length > 1 ? 'them' : 'it'} with \`coffer set NAME -e ${request.environment}\` or \`coffer generate ${request.environment}\`. Nothing was started.`, { details: { missing } });
  }
  const raw = new Map<string, string>();
  const source = new Map<string, InjectedSecret['source']>();
  for (const s of declared) {
    const value = stored.get(s.name) ?? s.default;
    if (value === undefined) continue;
    raw.set(s.name, value);
    source.set(s.name, stored.has(s.name) ? 'provider' : 'default');
  }
  const resolved = await resolveWithProvider(provider, raw, request.env ?? process.env);
  const key = fingerprintKey();
  const secrets = declared.filter((s) => resolved.has(s.name)).sort((a, b) => (a.name < b.name ? -1 : 1)).map((s): InjectedSecret => ({
    name: s.name, value: resolved.get(s.name) as string, source: source.get(s.name) ?? 'provider', sensitive: s.level !== 'Public',
  }));
  return {
    environment: request.environment,
    location: provider.location,
    secrets,
    fingerprints: new Map(secrets.map((s) => [s.name, createHmac('sha256', key).update(s.value, 'utf8').digest()])),
    ...(versions === undefined ? {} : { versions }),
  };
}

/**
 * Resolves references in `raw`; secrets referred to but not injected (left out by --only, or not
 * declared) are read from the provider first, following their own references.
 */
async function resolveWithProvider(provider: Provider, raw: ReadonlyMap<string, string>, env: Readonly<Record<string, string | undefined>>): Promise<Map<string, string>> {
  const extra = new Map<string, string>();
  const tried = new Set<string>();
  let pending = referencedBy(raw, (n) => !raw.has(n));
  while (pending.length > 0) {
    for (const name of pending) tried.add(name);
    const found = await readValues(provider, pending);
    for (const [name, value] of found) extra.set(name, value);
    // A name the provider does not have stays out of `extra`, so the resolver reports it missing.
    pending = referencedBy(found, (n) => !raw.has(n) && !tried.has(n));
  }
  return resolveReferences(raw, { env, secret: (name) => extra.get(name) });
}

function referencedBy(values: ReadonlyMap<string, string>, wanted: (name: string) => boolean): string[] {
  const names = new Set<string>();
  for (const [name, value] of values) for (const target of referencedSecrets(value, `Secret ${name}`)) if (wanted(target)) names.add(target);
  return [...names];
}

async function readValues(provider: Provider, names: readonly string[]): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  await Promise.all(names.map(async (name) => {
    try {
      values.set(name, (await provider.get(name)).value);
    } catch (error) {
      // Only "not found" means missing; a refusal or an outage surfaces as itself.
      if (!isCofferError(error, 'COFFER_E_NOT_FOUND')) throw error;
    }
  }));
  return values;
}

let processKey: Buffer | undefined;

/** The fingerprint key: random, made once per process, never stored or printed. */
function fingerprintKey(): Buffer {
  return (processKey ??= randomBytes(32));
}

function versionsOf(listing: readonly { name: string; metadata: { version?: string } }[]): Map<string, string> {
  return new Map(listing.map((s) => [s.name, s.metadata.version ?? '']));
}

function sameVersions(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([name, version]) => b.get(name) === version);
}
