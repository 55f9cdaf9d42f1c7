/**
 * `coffer history NAME`: every version of a secret on the embedded store, newest first, with its
 * stages, when and by whom it was set, and its rotation date. Never a value.
 */
import { secretHistory } from '../../project/secrets.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { color, print, printJson } from '../output.js';

interface HistoryCliOptions extends EnvCliOptions {
  json?: boolean;
}

/** Runs `coffer history`. */
export async function run(options: HistoryCliOptions): Promise<number> {
  const name = options.args?.[0] ?? '';
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const history = await secretHistory({ config, environment, name, access: cliAccess(options) });
  if (options.json) {
    printJson(history);
    return 0;
  }
  print(`${name} in ${environment}: ${history.versions.length} version${history.versions.length === 1 ? '' : 's'}`, '');
  const actorWidth = Math.max(5, ...history.versions.map((v) => v.actor.length));
  print(color.bold(`VERSION  ${'STAGES'.padEnd(16)}  ${'CREATED'.padEnd(24)}  ${'ACTOR'.padEnd(actorWidth)}  ROTATE BY`));
  for (const v of history.versions) {
    const stages = v.stages.length === 0 ? '-' : v.stages.join(',');
    print(`${String(v.version).padEnd(7)}  ${stages.padEnd(16)}  ${v.createdAt.padEnd(24)}  ${v.actor.padEnd(actorWidth)}  ${v.rotateBy ?? '-'}`);
  }
  return 0;
}
