/**
 * `coffer destroy NAME`: removes a secret of the embedded store and every version of it for
 * good. Always confirmed: on a terminal by typing the secret's name, otherwise with `--yes`.
 */
import { CofferError } from '../../core/errors.js';
import { assertSecretName } from '../../project/secrets.js';
import { destroySecret } from '../../project/secret-lifecycle.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { canPrompt, color, print, printJson } from '../output.js';
import { ask } from '../prompt.js';

interface DestroyCliOptions extends EnvCliOptions {
  yes?: boolean;
  json?: boolean;
}

/** Runs `coffer destroy`. */
export async function run(options: DestroyCliOptions): Promise<number> {
  const name = options.args?.[0] ?? '';
  assertSecretName(name);
  const { config, environment } = loadContext(options, { positionalEnv: false });
  if (options.yes !== true) {
    if (!canPrompt(undefined) || options.json === true) {
      throw new CofferError('COFFER_E_USAGE', `Destroying ${name} in ${environment} cannot be undone and needs confirmation; there is no terminal to ask on, so pass --yes.`);
    }
    const answer = await ask(`This destroys every version of ${name} in ${environment} for good. Type ${name} to confirm`, 'cancel');
    if (answer !== name) throw new CofferError('COFFER_E_CANCELLED', `Not confirmed; ${name} was not destroyed.`);
  }
  const result = await destroySecret({ config, environment, name, access: cliAccess(options) });
  if (options.json) printJson(result);
  else print(`${color.green('destroyed')} ${name} in ${environment} (${result.versions} version${result.versions === 1 ? '' : 's'} removed for good)`);
  return 0;
}
