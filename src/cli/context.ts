/**
 * What most commands start with: the loaded config and the environment they act on, chosen from
 * the positional argument, -e/--env or COFFER_ENV, else the config's default environment.
 */
import { CofferError, isCofferError } from '../core/errors.js';
import { getEnvironment, loadConfig, type Config } from '../config/index.js';
import type { AccessOptions } from '../project/_environment.js';
import { canPrompt } from './output.js';

/** Options every environment-scoped command accepts. */
export interface EnvCliOptions {
  config?: string;
  env?: string;
  args?: string[];
}

/**
 * Loads the config and picks the environment; throws COFFER_E_USAGE when argument and -e disagree.
 * Commands whose positional argument is something else (a secret name, a file) pass
 * `positionalEnv: false`, so only -e, COFFER_ENV and the default choose.
 */
export function loadContext(options: EnvCliOptions, { positionalEnv = true }: { positionalEnv?: boolean } = {}): { config: Config; environment: string } {
  const config = loadConfig({ cwd: process.cwd(), ...(options.config === undefined ? {} : { path: options.config }) });
  const positional = positionalEnv ? options.args?.[0] : undefined;
  if (positional !== undefined && options.env !== undefined && positional !== options.env) {
    throw new CofferError('COFFER_E_USAGE', `Two environments given ("${positional}" and -e "${options.env}"); give one.`);
  }
  // An explicit choice wins over COFFER_ENV, which wins over the config's default.
  const environment = positional ?? options.env ?? (process.env.COFFER_ENV || undefined) ?? config.defaultEnvironment;
  getEnvironment(config, environment);
  return { config, environment };
}

/**
 * How the CLI gives the store a passphrase: asked with echo off on a terminal (never with --yes
 * or --json, so scripts fail fast with COFFER_E_BAD_MASTER_KEY instead of hanging).
 */
export function cliAccess(options: { yes?: boolean; json?: boolean }): AccessOptions {
  if (!canPrompt(options.yes) || options.json === true) return {};
  // Asked once per run, however many environments of the store the command opens.
  let answer: Promise<string> | undefined;
  // The prompt module (and node:readline) loads only when a passphrase is actually needed.
  return { passphrase: () => (answer ??= import('./prompt.js').then((prompt) => prompt.askHidden('Store passphrase: '))) };
}

/** The config when there is one: commands that also work outside a project (validate --env-file, migrate, diff) use this. */
export function optionalConfig(cwd: string, path: string | undefined): Config | undefined {
  try {
    return loadConfig({ cwd, ...(path === undefined ? {} : { path }) });
  } catch (error) {
    if (path === undefined && isCofferError(error, 'COFFER_E_CONFIG_NOT_FOUND')) return undefined;
    throw error;
  }
}
