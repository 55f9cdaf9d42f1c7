/**
 * `coffer copy FROM TO [NAME...] [--prefix P]`: copies one secret, several, or every secret
 * with a prefix between environments or providers. Values that differ at the target are kept
 * unless --overwrite; the copy is recorded like a migration, so `coffer migrate --rollback`
 * undoes it.
 */
import { CofferError } from '../../core/errors.js';
import { transferSecrets } from '../../project/transfer.js';
import { cliAccess, optionalConfig } from '../context.js';
import { printJson } from '../output.js';
import { printTransfer, transferExitCode } from './_transfer-report.js';

interface CopyCliOptions {
  config?: string;
  args?: string[];
  prefix?: string;
  overwrite?: boolean;
  dryRun?: boolean;
  validate?: boolean;
  json?: boolean;
  yes?: boolean;
}

/** Runs `coffer copy`. */
export async function run(options: CopyCliOptions): Promise<number> {
  const [from, to, ...names] = options.args ?? [];
  if (from === undefined || to === undefined) throw new CofferError('COFFER_E_USAGE', 'Give the source and the target: coffer copy FROM TO [NAME...] [--prefix P].');
  if (names.length === 0 && options.prefix === undefined) throw new CofferError('COFFER_E_USAGE', 'Name the secrets to copy, or --prefix P for every name starting with P (coffer migrate moves everything).');
  const cwd = process.cwd();
  const config = optionalConfig(cwd, options.config);
  const result = await transferSecrets({
    kind: 'copy', from, to, cwd, access: cliAccess(options),
    ...(config ? { config } : {}),
    ...(names.length > 0 ? { names } : {}),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    overwrite: options.overwrite === true, dryRun: options.dryRun === true, validate: options.validate === true,
  });
  if (options.json) printJson(result);
  else printTransfer('copy', result);
  return transferExitCode(result);
}
