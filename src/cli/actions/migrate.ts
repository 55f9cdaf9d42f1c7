/**
 * `coffer migrate --from A --to B`: moves every secret of A to B (creating and updating), or
 * with --dry-run says what it would do; --validate reads each one back; --rollback [ID] undoes
 * the newest (or the named) recorded migration or copy.
 */
import { CofferError } from '../../core/errors.js';
import { rollbackTransfer, transferSecrets } from '../../project/transfer.js';
import { cliAccess, optionalConfig } from '../context.js';
import { color, print, printJson } from '../output.js';
import { printTransfer, transferExitCode } from './_transfer-report.js';

interface MigrateCliOptions {
  config?: string;
  from?: string;
  to?: string;
  only?: string[];
  prefix?: string;
  dryRun?: boolean;
  validate?: boolean;
  rollback?: string | boolean;
  json?: boolean;
  yes?: boolean;
}

/** Runs `coffer migrate`. */
export async function run(options: MigrateCliOptions): Promise<number> {
  const cwd = process.cwd();
  const config = optionalConfig(cwd, options.config);
  const access = cliAccess(options);
  if (options.rollback !== undefined) {
    if (options.from !== undefined || options.to !== undefined) throw new CofferError('COFFER_E_USAGE', '--rollback takes a recorded migration id (or none, for the newest), not --from or --to.');
    const result = await rollbackTransfer({ cwd, access, ...(config ? { config } : {}), ...(typeof options.rollback === 'string' ? { id: options.rollback } : {}) });
    if (options.json) printJson(result);
    else {
      for (const o of result.outcomes) print(`${o.name.padEnd(28)} ${o.action === 'failed' ? color.red('FAILED') : o.action}${o.detail ? `  (${o.detail})` : ''}`);
      print('', result.complete ? `Migration ${result.id} rolled back at ${result.to}.` : `Migration ${result.id} was rolled back only in part; run the rollback again once the failures above are fixed.`);
      if (result.removedBackup !== undefined) print(color.dim(`Deleted ${result.removedBackup}, the backup of the values it had replaced.`));
    }
    return result.complete ? 0 : 3;
  }
  if (options.from === undefined || options.to === undefined) throw new CofferError('COFFER_E_USAGE', 'Give both ends: coffer migrate --from <environment|env|file|provider> --to <environment|file|provider>.');
  const result = await transferSecrets({
    kind: 'migrate', from: options.from, to: options.to, cwd, access,
    ...(config ? { config } : {}),
    ...(options.only ? { names: options.only } : {}),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    dryRun: options.dryRun === true, validate: options.validate === true,
  });
  if (options.json) printJson(result);
  else printTransfer('migrate', result);
  return transferExitCode(result);
}
