/**
 * `coffer restore-backup FILE`: restores a backup into the environment's store: recreates it
 * when missing, otherwise adds what it lacks without losing newer versions. `--dry-run` shows
 * the plan and writes nothing.
 */
import { restoreStoreBackup } from '../../project/backup.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { color, print, printJson } from '../output.js';

interface RestoreBackupCliOptions extends EnvCliOptions {
  dryRun?: boolean;
  json?: boolean;
}

/** Runs `coffer restore-backup`. */
export async function run(options: RestoreBackupCliOptions): Promise<number> {
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const result = await restoreStoreBackup({ config, environment, file: options.args?.[0] as string, access: cliAccess(options), ...(options.dryRun ? { dryRun: true } : {}) });
  if (options.json) {
    printJson({ store: result.store, backupCreatedAt: result.header.createdAt, createdStore: result.createdStore, dryRun: result.dryRun, secrets: result.secrets });
    return 0;
  }
  for (const s of result.secrets) {
    const action = s.action === 'restored' || s.action === 'updated' ? color.green(s.action.padEnd(9)) : color.dim(s.action.padEnd(9));
    const detail = s.reason ?? `${s.versions} version${s.versions === 1 ? '' : 's'}`;
    print(`${action} ${`${s.env}/${s.name}`.padEnd(40)} ${detail}`);
  }
  const count = (a: string) => result.secrets.filter((s) => s.action === a).length;
  const counts = result.dryRun
    ? `would restore ${count('restored')}, update ${count('updated')}, keep ${count('kept')}, skip ${count('skipped')}`
    : `restored ${count('restored')}, updated ${count('updated')}, kept ${count('kept')}, skipped ${count('skipped')}`;
  print('', `${counts} from the backup of ${result.header.createdAt}${result.createdStore ? ` (store ${result.dryRun ? 'would be ' : ''}recreated at ${result.store})` : ` into ${result.store}`}${result.dryRun ? '; nothing was written (dry run)' : ''}`);
  return 0;
}
