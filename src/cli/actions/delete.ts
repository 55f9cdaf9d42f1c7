/**
 * `coffer delete NAME`: deletes a secret after confirmation (asked on a terminal; `--yes`
 * otherwise). On the embedded store the delete is soft and the output says until when
 * `coffer restore` can bring the secret back; other providers delete for good.
 */
import { CofferError } from '../../core/errors.js';
import { getEnvironment } from '../../config/index.js';
import { assertSecretName, wholeNumberOption } from '../../project/secrets.js';
import { deleteSecret } from '../../project/secret-lifecycle.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { canPrompt, color, print, printJson } from '../output.js';
import { ask } from '../prompt.js';

interface DeleteCliOptions extends EnvCliOptions {
  recoveryDays?: string;
  yes?: boolean;
  json?: boolean;
}

/** Runs `coffer delete`. */
export async function run(options: DeleteCliOptions): Promise<number> {
  const name = options.args?.[0] ?? '';
  assertSecretName(name);
  const { config, environment } = loadContext(options, { positionalEnv: false });
  if (options.yes !== true) {
    if (!canPrompt(undefined) || options.json === true) {
      throw new CofferError('COFFER_E_USAGE', `Deleting ${name} from ${environment} needs confirmation and there is no terminal to ask on; pass --yes.`);
    }
    const soft = getEnvironment(config, environment).provider === 'store';
    const answer = await ask(`Delete ${name} from ${environment}${soft ? ' (restorable with `coffer restore`)' : ' for good'}? y/n`, 'n');
    if (!/^y(es)?$/i.test(answer)) throw new CofferError('COFFER_E_CANCELLED', `Not confirmed; ${name} was not deleted.`);
  }
  const result = await deleteSecret({
    config, environment, name,
    access: cliAccess(options),
    ...(options.recoveryDays === undefined ? {} : { recoveryDays: wholeNumberOption(options.recoveryDays) }),
  });
  if (options.json) {
    printJson(result);
    return 0;
  }
  if (result.restorableUntil === undefined) print(`${color.green('deleted')} ${name} from ${environment} (${result.location})`);
  else print(`${color.green('deleted')} ${name} from ${environment}; \`coffer restore ${name} -e ${environment}\` brings it back until ${result.restorableUntil}`);
  return 0;
}
