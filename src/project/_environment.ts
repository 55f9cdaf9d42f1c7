/**
 * Opens the provider of a configured environment, with its options checked against the
 * provider's schema and errors that name the environment and the config file.
 */
import { environmentLabel, getEnvironment, type Config } from '../config/resolve.js';
import { openProvider } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';

/** The provider holding `environment`'s values. */
export function openEnvironmentProvider(config: Config, environment: string): Promise<Provider> {
  const env = getEnvironment(config, environment);
  return openProvider(env.provider, env.options, { cwd: config.root }, environmentLabel(config, environment));
}
