/**
 * `coffer rollback [env] NAME`: undoes the last rotation of a secret during its grace period: the
 * target accepts the old credential again, the old value is current again. Exactly one declared
 * secret name: a group, `all` or extra arguments are a usage error (exit 2), checked before
 * production asks for confirmation (unless `--yes`).
 */
import { CofferError } from '../../core/errors.js';
import { rollbackRotation, rollbackSecret } from '../../rotation/rollback.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { canPrompt, color, print, printJson } from '../output.js';
import { ask } from '../prompt.js';
import { getEnvironment } from '../../config/index.js';

interface RollbackCliOptions extends EnvCliOptions {
  yes?: boolean;
  json?: boolean;
}

/** Runs `coffer rollback`. */
export async function run(options: RollbackCliOptions): Promise<number> {
  const args = options.args ?? [];
  const { config, environment: fallback } = loadContext(options, { positionalEnv: false });
  const first = args[0];
  const named = args.length > 1 && first !== undefined && Object.hasOwn(config.environments, first);
  const environment = named ? first : fallback;
  const names = named ? args.slice(1) : args;
  if (names.length !== 1) throw new CofferError('COFFER_E_USAGE', `coffer rollback takes one secret name, not ${names.join(' ')}: run \`coffer rollback [env] NAME\` once per secret.`);
  const name = names[0] as string;
  if (named && options.env !== undefined && options.env !== environment) throw new CofferError('COFFER_E_USAGE', `Two environments given ("${environment}" and -e "${options.env}"); give one.`);
  rollbackSecret(config, environment, name);
  if (getEnvironment(config, environment).profile === 'production' && options.yes !== true) {
    if (!canPrompt(undefined) || options.json === true) throw new CofferError('COFFER_E_USAGE', `Rolling back ${name} in ${environment} (a production environment) needs confirmation; there is no terminal to ask on, so pass --yes.`);
    const answer = await ask(`Roll ${name} in ${environment} back to its previous value? Type yes to go on`, 'no');
    if (answer !== 'yes') throw new CofferError('COFFER_E_CANCELLED', `Not confirmed; ${name} was not rolled back.`);
  }
  const outcome = await rollbackRotation({ config, environment, name, access: cliAccess(options) });
  if (options.json) printJson(outcome);
  else print(`${color.green('rolled back')} ${name} in ${environment}: version ${outcome.fromVersion ?? '?'} -> ${outcome.toVersion ?? '?'} is current again`);
  return 0;
}
