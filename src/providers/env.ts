/**
 * The `env` provider: secrets in environment variables (by default `process.env`).
 *
 * It reads `prefix + name`; with a prefix, `list` returns only prefixed variables, with the
 * prefix removed. Writes change the given environment object in this process only (child
 * processes started afterwards inherit them; nothing is persisted), so it suits tests, `coffer
 * run` and twelve-factor deployments where the platform sets the variables. There are no
 * versions, stages or metadata.
 */
import { z } from 'zod/v3';
import { CofferError } from '../core/errors.js';
import type { GetOptions, ProviderFactory, SecretListing, SecretRecord, SecretWrite } from './types.js';

/** Options of the `env` provider. */
/** Validates `EnvOptions` as written in a config file. */
export const optionsSchema = z.object({ prefix: z.string().optional() }).strict();

export interface EnvOptions {
  /**
   * Prepended to every secret name to form the variable name (`APP_` makes `DB_PASSWORD` read
   * `APP_DB_PASSWORD`); `list` then returns only variables with the prefix. Default: none.
   */
  readonly prefix?: string;
}

/**
 * Creates a provider over environment variables.
 *
 * @example
 * const provider = createEnvProvider({ prefix: 'APP_' }, { env: process.env });
 * const { value } = await provider.get('DB_PASSWORD'); // reads APP_DB_PASSWORD
 */
export const createEnvProvider: ProviderFactory<EnvOptions> = (options = {}, context = {}) => {
  const prefix = options.prefix ?? '';
  // Writing is this provider's purpose; the contract's Readonly only promises callers we don't
  // hold on to other objects.
  const env = (context.env ?? process.env) as Record<string, string | undefined>;
  const where = prefix === '' ? 'the environment' : `the environment (prefix ${prefix})`;
  const lookup = (name: string): string | undefined => (Object.hasOwn(env, prefix + name) ? env[prefix + name] : undefined);
  const notFound = (name: string) =>
    new CofferError('COFFER_E_NOT_FOUND', `Secret ${name} is not set: no variable ${prefix + name} in ${where}. Set it before starting, or choose another environment.`, {
      details: { name, variable: prefix + name },
    });

  return {
    id: 'env',
    location: where,
    capabilities: { write: true, list: true, versions: false, stages: false, metadata: false, persistent: false },
    async get(name: string, getOptions: GetOptions = {}): Promise<SecretRecord> {
      if (getOptions.version !== undefined || getOptions.stage !== undefined) {
        throw new CofferError('COFFER_E_UNSUPPORTED', 'The env provider keeps one value per variable, without versions or stages; read the current value instead.');
      }
      const value = lookup(name);
      if (value === undefined) throw notFound(name);
      return { name, value, metadata: {} };
    },
    async list(): Promise<SecretListing[]> {
      return Object.keys(env)
        .filter((key) => key.startsWith(prefix) && key.length > prefix.length && env[key] !== undefined)
        .map((key) => key.slice(prefix.length))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .map((name) => ({ name, metadata: {} }));
    },
    async set(name: string, value: string): Promise<void> {
      check(prefix, name, value);
      env[prefix + name] = value;
    },
    async setMany(writes: readonly SecretWrite[]): Promise<void> {
      for (const write of writes) check(prefix, write.name, write.value);
      for (const write of writes) env[prefix + write.name] = write.value;
    },
    async delete(name: string): Promise<void> {
      if (lookup(name) === undefined) throw notFound(name);
      delete env[prefix + name];
    },
    async close(): Promise<void> {},
  };
};

export default createEnvProvider;

/** An environment cannot hold an empty name, `=` in a name, or NUL anywhere (process.env truncates). */
function check(prefix: string, name: string, value: string): void {
  if (prefix + name === '' || name === '' || (prefix + name).includes('=') || (prefix + name).includes('\0')) {
    throw new CofferError('COFFER_E_UNSAFE_VALUE', `${JSON.stringify(name)} cannot be an environment variable name: it must be non-empty and contain no "=" or NUL character.`, {
      details: { name },
    });
  }
  if (value.includes('\0')) {
    throw new CofferError('COFFER_E_UNSAFE_VALUE', `${name}: the value contains a NUL character, which an environment variable cannot hold; choose a value without it.`, { details: { name } });
  }
}
