/**
 * What most commands start with: the loaded config and the environment they act on, chosen from
 * the positional argument, -e/--env or COFFER_ENV, else the config's default environment.
 */
import { CofferError } from '../core/errors.js';
import { getEnvironment, loadConfig, type Config } from '../config/index.js';

/** Options every environment-scoped command accepts. */
export interface EnvCliOptions {
  config?: string;
  env?: string;
  args?: string[];
}

/** Loads the config and picks the environment; throws COFFER_E_USAGE when argument and -e disagree. */
export function loadContext(options: EnvCliOptions): { config: Config; environment: string } {
  const config = loadConfig({ cwd: process.cwd(), ...(options.config === undefined ? {} : { path: options.config }) });
  const positional = options.args?.[0];
  if (positional !== undefined && options.env !== undefined && positional !== options.env) {
    throw new CofferError('COFFER_E_USAGE', `Two environments given ("${positional}" and -e "${options.env}"); give one.`);
  }
  // An explicit choice wins over COFFER_ENV, which wins over the config's default.
  const environment = positional ?? options.env ?? (process.env.COFFER_ENV || undefined) ?? config.defaultEnvironment;
  getEnvironment(config, environment);
  return { config, environment };
}
