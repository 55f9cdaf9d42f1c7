/**
 * `coffer get NAME`: prints one secret's value, the only thing on stdout, followed by one
 * newline (so `$(coffer get NAME)` yields the value exactly). With --json: the value with its
 * version, stages, dates and actor, as far as the provider keeps them.
 */
import type { Stage } from '../../core/stages.js';
import { getSecret, wholeNumberOption } from '../../project/secrets.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { printJson } from '../output.js';

interface GetCliOptions extends EnvCliOptions {
  version?: string;
  stage?: Stage;
  json?: boolean;
}

/** Runs `coffer get`. */
export async function run(options: GetCliOptions): Promise<number> {
  const name = options.args?.[0] ?? '';
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const secret = await getSecret({
    config, environment, name,
    access: cliAccess(options),
    ...(options.version === undefined ? {} : { version: wholeNumberOption(options.version) }),
    ...(options.stage === undefined ? {} : { stage: options.stage }),
  });
  if (options.json) printJson(secret);
  else process.stdout.write(`${secret.value}\n`);
  return 0;
}
