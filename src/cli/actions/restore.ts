/** `coffer restore NAME`: brings back a secret soft-deleted from the embedded store, with all its versions. */
import { restoreSecret } from '../../project/secret-lifecycle.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { color, print, printJson } from '../output.js';

interface RestoreCliOptions extends EnvCliOptions {
  json?: boolean;
}

/** Runs `coffer restore`. */
export async function run(options: RestoreCliOptions): Promise<number> {
  const name = options.args?.[0] ?? '';
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const result = await restoreSecret({ config, environment, name, access: cliAccess(options) });
  if (options.json) printJson(result);
  else print(`${color.green('restored')} ${name} in ${environment}${result.version === undefined ? '' : ` (version ${result.version} is current)`}`);
  return 0;
}
