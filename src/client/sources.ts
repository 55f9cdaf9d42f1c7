/**
 * Where an application's secrets come from. {@link selectProvider} obeys the emergency switch
 * ENABLE_SECRET_MANAGER=false first (plain environment variables, whatever the code or the
 * environment asks for), then takes the provider the caller names, else reads the environment in
 * the order of {@link DETECTION_RULES} (SECRET_PROVIDER, then signs of a platform, then the
 * project's coffer config, then plain environment variables); {@link createChainProvider} reads from several
 * providers in turn, so that a secret missing from one comes from the next, and records which one
 * served it. docs/sources.md shows the same table; a test keeps the two in agreement.
 */
import { statSync } from 'node:fs';
import { CofferError } from '../core/errors.js';
import { findConfigFile, loadConfig } from '../config/load.js';
import { environmentLabel, getEnvironment } from '../config/resolve.js';
import { fileVariableNames } from '../providers/file.js';
import { isProviderId, openProvider, PROVIDER_ALIASES, PROVIDER_IDS } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';
import { createChainProvider, sourceLabel, type ChainProvider } from './_source-chain.js';

/** Combines providers into one read-only fallback chain; see src/client/_source-chain.ts. */
export { createChainProvider, sourceLabel, type ChainProvider };
/** Short provider names (`aws`, `vault`, ...); defined with the registry. */
export { PROVIDER_ALIASES };

/** What detection may look at: the environment, the file system, the project config. */
export interface DetectionProbe {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when `path` is an existing directory. */
  readonly isDirectory: (path: string) => boolean;
  /** The directory the project config is searched from. */
  readonly cwd: string;
}

/** The outcome of detection: a provider id (maybe an alias) and why. */
export interface Detection {
  readonly provider: string;
  /** Why this provider, for messages and health (`VAULT_ADDR is set`). */
  readonly reason: string;
  /** Options decided by detection (a config environment's options); the caller's come on top. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Directory the provider resolves relative paths against (the config's root). */
  readonly cwd?: string;
  /** Where the options come from, for messages. */
  readonly where?: string;
}

/** One row of the detection order. */
export interface DetectionRule {
  /** The provider chosen, as docs/sources.md shows it. */
  readonly provider: string;
  /** The condition, as docs/sources.md shows it. */
  readonly when: string;
  readonly detect: (probe: DetectionProbe) => Detection | undefined;
}

const set = (env: DetectionProbe['env'], name: string): boolean => (env[name] ?? '') !== '';
const firstSet = (env: DetectionProbe['env'], names: readonly string[]): string | undefined => names.find((name) => set(env, name));
const ifSet = (provider: string, names: readonly string[]) => ({ env }: DetectionProbe): Detection | undefined => {
  const found = firstSet(env, names);
  return found === undefined ? undefined : { provider, reason: `${found} is set` };
};

/**
 * How Coffer chooses where secrets come from when the caller names no provider: the first row
 * whose condition holds wins. Explicit signals come before ambient ones (AWS_REGION and
 * KUBERNETES_SERVICE_HOST are set on every Lambda function and in every pod whether or not the
 * secrets live in AWS or the Kubernetes API, so they decide nothing on their own). Kubernetes
 * is chosen only by a namespace variable meant for it (COFFER_K8S_NAMESPACE, or its alias
 * K8S_SECRET_NAMESPACE, both read by the kubernetes provider too), and before the mounted
 * files: in many images /var/run links to /run, so the service account that Kubernetes mounts
 * in every pod makes /run/secrets a directory there, and the file row would otherwise always win.
 */
export const DETECTION_RULES: readonly DetectionRule[] = [
  {
    provider: '`env`',
    when: '`ENABLE_SECRET_MANAGER` is `false` (or `0`, `no`, `off`): the switch back to plain environment variables, which wins over `SECRET_PROVIDER` and over the `provider` option in code',
    detect: ({ env }) => (secretManagerDisabled(env) ? { provider: 'env', reason: 'ENABLE_SECRET_MANAGER=false' } : undefined),
  },
  {
    provider: 'the provider it names',
    when: '`SECRET_PROVIDER` is set to a provider id, or to `aws`, `gcp`, `azure`, `vault` or `k8s`',
    detect: ({ env }) => {
      const id = env.SECRET_PROVIDER?.trim().toLowerCase() ?? '';
      return id === '' ? undefined : { provider: id, reason: `SECRET_PROVIDER=${id}` };
    },
  },
  {
    provider: '`aws-secrets-manager`',
    when: '`AWS_SECRETS_MANAGER_REGION` or `AWS_SECRET_MANAGER_REGION` is set, or `USE_AWS_SECRETS=true` with `AWS_REGION` or `AWS_DEFAULT_REGION` (a region alone is not enough)',
    detect: ({ env }) => {
      const found = firstSet(env, ['AWS_SECRETS_MANAGER_REGION', 'AWS_SECRET_MANAGER_REGION']);
      if (found !== undefined) return { provider: 'aws-secrets-manager', reason: `${found} is set` };
      const region = firstSet(env, ['AWS_REGION', 'AWS_DEFAULT_REGION']);
      return env.USE_AWS_SECRETS?.toLowerCase() === 'true' && region !== undefined ? { provider: 'aws-secrets-manager', reason: `USE_AWS_SECRETS=true and ${region} is set` } : undefined;
    },
  },
  { provider: '`gcp-secret-manager`', when: '`GOOGLE_CLOUD_PROJECT` or `GCP_PROJECT_ID` is set', detect: ifSet('gcp-secret-manager', ['GOOGLE_CLOUD_PROJECT', 'GCP_PROJECT_ID']) },
  { provider: '`azure-key-vault`', when: '`AZURE_KEYVAULT_URL`, `AZURE_KEYVAULT_NAME` or `AZURE_KEY_VAULT_NAME` is set', detect: ifSet('azure-key-vault', ['AZURE_KEYVAULT_URL', 'AZURE_KEYVAULT_NAME', 'AZURE_KEY_VAULT_NAME']) },
  { provider: '`hashicorp-vault`', when: '`VAULT_ADDR` is set', detect: ifSet('hashicorp-vault', ['VAULT_ADDR']) },
  { provider: '`kubernetes`', when: '`COFFER_K8S_NAMESPACE` or its alias `K8S_SECRET_NAMESPACE` is set (`KUBERNETES_SERVICE_HOST` alone is not enough: it is set in every pod)', detect: ifSet('kubernetes', ['COFFER_K8S_NAMESPACE', 'K8S_SECRET_NAMESPACE']) },
  {
    provider: '`file`',
    when: 'a `NAME_FILE` variable is set (other than the tools\' own, such as `AWS_WEB_IDENTITY_TOKEN_FILE`), or `/run/secrets` is a directory',
    detect: ({ env, isDirectory }) => {
      const names = fileVariableNames(env);
      if (names.length > 0) return { provider: 'file', reason: `${names.slice(0, 3).map((name) => `${name}_FILE`).join(', ')}${names.length > 3 ? ', ...' : ''} ${names.length > 1 ? 'are' : 'is'} set` };
      return isDirectory('/run/secrets') ? { provider: 'file', reason: '/run/secrets is a directory' } : undefined;
    },
  },
  {
    provider: 'that environment\'s provider, with its options',
    when: 'a coffer config file is found in the working directory or a parent: the environment named by `COFFER_ENV`, else the config\'s default environment',
    detect: ({ env, cwd }) => {
      if (findConfigFile(cwd) === undefined) return undefined;
      const config = loadConfig({ cwd });
      const name = env.COFFER_ENV || config.defaultEnvironment;
      const environment = getEnvironment(config, name);
      const where = environmentLabel(config, name);
      const how = env.COFFER_ENV ? `COFFER_ENV=${name}` : 'the default environment';
      return { provider: environment.provider, options: environment.options, cwd: config.root, where, reason: `${where} uses it (${how})` };
    },
  },
  { provider: '`env`', when: 'none of the above', detect: () => ({ provider: 'env', reason: 'nothing else was detected' }) },
];

/**
 * The first detection of {@link DETECTION_RULES} that holds.
 *
 * @example
 * detectProvider({ env: { VAULT_ADDR: 'https://vault:8200' }, cwd: '/app', isDirectory: () => false });
 * // { provider: 'hashicorp-vault', reason: 'VAULT_ADDR is set' }
 */
export function detectProvider(probe: DetectionProbe): Detection {
  for (const rule of DETECTION_RULES) {
    const found = rule.detect(probe);
    if (found !== undefined) return found;
  }
  // The last rule always holds; this is for the type checker.
  return { provider: 'env', reason: 'nothing else was detected' };
}

/** Options of {@link selectProvider}. */
export interface SelectProviderOptions {
  /** A provider to use as is, or a provider id (or alias) to open. Default: detected. */
  readonly provider?: string | Provider;
  /** The environment to read signals from and to give providers; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the config is searched from and relative paths resolve; default process.cwd(). */
  readonly cwd?: string;
  /** Options for the provider opened by id (on top of a config environment's options). */
  readonly providerOptions?: Readonly<Record<string, unknown>>;
  /** Providers (or ids, opened with their defaults) to read from, in order, when the chosen one lacks a secret. */
  readonly fallback?: readonly (string | Provider)[];
}

/** The provider chosen, and why. */
export interface SelectedProvider {
  /** The provider, or a chain (id `chain`) when there is a fallback. Closing it closes every provider in it. */
  readonly provider: Provider;
  /** Why it was chosen (`SECRET_PROVIDER=file`, `VAULT_ADDR is set`, ...), for logs and health. */
  readonly reason: string;
}

/**
 * Chooses and opens the provider an application reads its secrets from: plain environment
 * variables when ENABLE_SECRET_MANAGER=false (the documented emergency procedure, so it wins over
 * `options.provider` and ignores `fallback` and `providerOptions`), else `options.provider`,
 * else the first row of {@link DETECTION_RULES} that holds. An id that names no provider is
 * COFFER_E_UNKNOWN_PROVIDER, saying how to choose another.
 *
 * @example
 * const { provider, reason } = await selectProvider({ fallback: ['env'] });
 * // in a container with /run/secrets: a chain of file, then env, with the reason
 * // '/run/secrets is a directory; falls back to env'
 */
export async function selectProvider(options: SelectProviderOptions = {}): Promise<SelectedProvider> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  if (secretManagerDisabled(env)) {
    // The emergency switch: env alone, with its defaults (the options were meant for another provider).
    const given = options.provider === undefined ? '' : ' (over the provider given in code)';
    return { provider: await open({ provider: 'env', reason: 'ENABLE_SECRET_MANAGER=false' }, env, cwd, {}), reason: `ENABLE_SECRET_MANAGER=false${given}` };
  }
  const choice = options.provider === undefined ? detectProvider({ env, cwd, isDirectory })
    : typeof options.provider === 'string' ? { provider: options.provider, reason: 'the caller named it' } : options.provider;
  const reason = isProvider(choice) ? 'the caller gave it' : choice.reason;
  const primary = await open(choice, env, cwd, options.providerOptions ?? {});
  if (options.fallback === undefined || options.fallback.length === 0) return { provider: primary, reason };
  const chain: Provider[] = [primary];
  try {
    for (const next of options.fallback) chain.push(await open(typeof next === 'string' ? { provider: next, reason: 'it is a fallback' } : next, env, cwd, {}));
  } catch (error) {
    await Promise.allSettled(chain.map((provider) => provider.close()));
    throw error;
  }
  return { provider: createChainProvider(chain), reason: `${reason}; falls back to ${chain.slice(1).map((provider) => provider.id).join(', ')}` };
}

const isProvider = (choice: Detection | Provider): choice is Provider => typeof (choice as Provider).get === 'function';

/** Opens a detected or named provider; an unknown id is COFFER_E_UNKNOWN_PROVIDER saying how to choose. */
async function open(choice: Detection | Provider, env: Readonly<Record<string, string | undefined>>, cwd: string, extra: Readonly<Record<string, unknown>>): Promise<Provider> {
  if (isProvider(choice)) return choice;
  const id = PROVIDER_ALIASES[choice.provider] ?? choice.provider;
  const reason = choice.reason;
  if (isProviderId(id)) {
    return openProvider(id, { ...choice.options, ...extra }, { cwd: choice.cwd ?? cwd, env }, choice.where ?? `provider options (${reason})`);
  }
  const available = PROVIDER_IDS.join(', ');
  throw new CofferError('COFFER_E_UNKNOWN_PROVIDER', `Unknown provider "${id}", chosen because ${reason}; the providers are ${available} (see docs/sources.md).`, {
    details: { provider: id, reason },
  });
}

/**
 * Reads ENABLE_SECRET_MANAGER: true when it turns secret managers off. Anything other than a
 * boolean word is an error rather than a guess, since it is the switch used in an emergency.
 */
function secretManagerDisabled(env: DetectionProbe['env']): boolean {
  const value = env.ENABLE_SECRET_MANAGER?.trim().toLowerCase() ?? '';
  if (['false', '0', 'no', 'off'].includes(value)) return true;
  if (['', 'true', '1', 'yes', 'on'].includes(value)) return false;
  throw new CofferError('COFFER_E_USAGE', 'ENABLE_SECRET_MANAGER must be true or false (also 1/0, yes/no, on/off); fix the variable or unset it.');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
