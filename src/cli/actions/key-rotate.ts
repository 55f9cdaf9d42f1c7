/**
 * `coffer key rotate`: adds a keyring version to an environment's store and re-wraps every data
 * key with it. No value is rewritten and the root key (key file, passphrase or COFFER_MASTER_KEY)
 * stays the same, so nothing else has to change; the store audits it as `key-rotate`.
 */
import { rotateKey } from '../../project/keys.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { color, print, printJson } from '../output.js';

interface KeyRotateCliOptions extends EnvCliOptions {
  json?: boolean;
}

/** Runs `coffer key rotate`. */
export async function run(options: KeyRotateCliOptions): Promise<number> {
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const result = await rotateKey({ config, environment, access: cliAccess(options) });
  if (options.json) {
    printJson(result);
    return 0;
  }
  print(`${color.green('rotated')} keyring of ${result.store}: now version ${result.keyringVersion}, ${result.dataKeys} data key${result.dataKeys === 1 ? '' : 's'} re-wrapped (every environment in the store file; no value rewritten).`);
  return 0;
}
