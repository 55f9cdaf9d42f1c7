/**
 * `coffer list` (`ls`): the names of an environment's secrets with their version, the date they
 * were set and the date their rotation is due. Values are never read for this.
 */
import { listSecrets } from '../../project/secrets.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { color, print, printJson } from '../output.js';

interface ListCliOptions extends EnvCliOptions {
  json?: boolean;
}

/** Runs `coffer list`. */
export async function run(options: ListCliOptions): Promise<number> {
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const list = await listSecrets({ config, environment, access: cliAccess(options) });
  if (options.json) {
    printJson(list);
    return 0;
  }
  if (list.secrets.length === 0) {
    print(`No secrets in ${environment} (${list.location}).`);
    return 0;
  }
  const width = Math.max(4, ...list.secrets.map((s) => s.name.length));
  print(color.bold(`${'NAME'.padEnd(width)}  VERSION  UPDATED     ROTATE BY`));
  for (const { name, metadata } of list.secrets) {
    print(`${name.padEnd(width)}  ${(metadata.version ?? '-').padEnd(7)}  ${day(metadata.updatedAt).padEnd(10)}  ${day(metadata.rotateBy)}`);
  }
  print('', `${list.secrets.length} secret${list.secrets.length === 1 ? '' : 's'} in ${environment} (${list.location})`);
  return 0;
}

function day(iso: string | undefined): string {
  return iso === undefined ? '-' : iso.slice(0, 10);
}
