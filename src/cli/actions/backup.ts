/**
 * `coffer backup FILE`: writes the environment's store (all its environments, history and audit
 * log) to one encrypted file that restores with the master key alone. Prints counts, never values.
 */
import { backupStore } from '../../project/backup.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { print, printJson } from '../output.js';

interface BackupCliOptions extends EnvCliOptions {
  force?: boolean;
  json?: boolean;
}

/** Runs `coffer backup`. */
export async function run(options: BackupCliOptions): Promise<number> {
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const file = options.args?.[0] as string;
  const result = await backupStore({ config, environment, file, access: cliAccess(options), ...(options.force ? { force: true } : {}) });
  if (options.json) {
    printJson(result);
    return 0;
  }
  print(
    `backed up ${result.secrets} secret${result.secrets === 1 ? '' : 's'} (${result.environments.join(', ') || 'no environments'}) from ${result.store}`,
    `to ${result.file} (${result.bytes} bytes, encrypted; restore with \`coffer restore-backup ${file}\` and this store's master key)`,
  );
  return 0;
}
