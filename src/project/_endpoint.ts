/**
 * What `coffer migrate`, `copy` and `diff` move secrets between: an endpoint named on the
 * command line. In order: an environment declared in the config (its provider and options), the
 * word `env` (this process's environment variables), a dotenv file (a path that exists,
 * contains a slash, or ends in .env, or a name starting with `.env`), or a provider id or
 * alias (`aws`, `vault`, ...) opened with its defaults, which read the provider's usual
 * environment variables (AWS_REGION, VAULT_ADDR, ...).
 *
 * `env` as a source holds every variable of the process, PATH and the operator's own cloud
 * credentials included, so {@link selectFromProcessEnv} narrows it to what the project declares
 * unless the caller names what to take.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { CofferError } from '../core/errors.js';
import type { Config } from '../config/resolve.js';
import { isProviderId, openProvider, PROVIDER_ALIASES, PROVIDER_IDS } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';
import { openEnvironmentProvider, type AccessOptions } from './_environment.js';

/** An opened endpoint. */
export interface Endpoint {
  /** As the user wrote it, for messages and the migration record. */
  readonly spec: string;
  /** Which of the accepted forms it is. */
  readonly kind: 'environment' | 'process' | 'file' | 'provider';
  /** What it is: `environment production (store)`, `file .env.production`, ... */
  readonly label: string;
  readonly provider: Provider;
}

/** Opens the endpoint `spec`; COFFER_E_USAGE naming the accepted forms when it is none of them. */
export async function openEndpoint(spec: string, config: Config | undefined, cwd: string, access: AccessOptions = {}): Promise<Endpoint> {
  if (spec.trim() === '') throw new CofferError('COFFER_E_USAGE', 'An empty endpoint was given; name an environment, `env`, a dotenv file, or a provider id.');
  const env = access.env ?? process.env;
  if (config?.environments[spec] !== undefined) {
    const provider = await openEnvironmentProvider(config, spec, access);
    return { spec, kind: 'environment', label: `environment ${spec} (${provider.id})`, provider };
  }
  const root = config?.root ?? cwd;
  if (spec === 'env') return { spec, kind: 'process', label: 'the process environment', provider: await openProvider('env', {}, { cwd: root, env, ...access }) };
  if (looksLikeFile(spec, cwd)) {
    const path = resolve(cwd, spec);
    const provider = await openProvider('dotenv', { path }, { cwd, env, ...access });
    return { spec, kind: 'file', label: `file ${spec}`, provider };
  }
  const id = PROVIDER_ALIASES[spec] ?? spec;
  if (isProviderId(id)) return { spec, kind: 'provider', label: `provider ${id}`, provider: await openProvider(id, {}, { cwd: root, env, ...access }, `provider ${id} named on the command line`) };
  const environments = config === undefined ? 'no config file was found' : `environments: ${Object.keys(config.environments).join(', ')}`;
  throw new CofferError('COFFER_E_USAGE', `"${spec}" is not an environment, a file or a provider (${environments}; providers: ${PROVIDER_IDS.join(', ')}; or \`env\`, or a path to a .env file).`);
}

function looksLikeFile(spec: string, cwd: string): boolean {
  return spec.includes('/') || basename(spec).startsWith('.env') || /\.env$/.test(spec) || existsSync(resolve(cwd, spec));
}

/**
 * The names to take from the process environment (`listed`): with `--only` or `--prefix` the
 * caller chose, so all of `listed` (which they then filter); otherwise only the secrets the
 * project config declares, never PATH, HOME or the operator's credentials; with neither a choice
 * nor a config, COFFER_E_USAGE.
 */
export function selectFromProcessEnv(listed: readonly string[], config: Config | undefined, chosen: boolean): string[] {
  if (chosen) return [...listed];
  if (config === undefined) {
    throw new CofferError('COFFER_E_USAGE', '`env` holds every variable of this process (PATH, your cloud credentials, ...) and no config declares which are secrets; name them with --only NAME... or --prefix P.');
  }
  const declared = new Set(config.secrets.map((s) => s.name));
  return listed.filter((name) => declared.has(name));
}
