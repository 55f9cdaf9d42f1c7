/**
 * `coffer import FILE`: writes the values of a dotenv or JSON file into an environment in one
 * all-or-nothing operation and reports, per name, whether it was created, updated, kept or
 * unchanged, marking undeclared names and values that fail the environment's policy (by check
 * id, never by value). With --dry-run it reports the same and writes nothing.
 */
import { CofferError } from '../../core/errors.js';
import { importSecrets, type ImportFormat, type ImportOutcome } from '../../project/import.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { color, print, printJson } from '../output.js';

interface ImportCliOptions extends EnvCliOptions {
  format?: ImportFormat;
  dryRun?: boolean;
  overwrite?: boolean;
  only?: string[];
  json?: boolean;
}

/** Runs `coffer import`. */
export async function run(options: ImportCliOptions): Promise<number> {
  const file = options.args?.[0];
  if (file === undefined) throw new CofferError('COFFER_E_USAGE', 'Give the file to import: coffer import FILE [-e ENV].');
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const result = await importSecrets({
    config,
    environment,
    file,
    dryRun: options.dryRun === true,
    overwrite: options.overwrite === true,
    access: cliAccess(options),
    ...(options.format === undefined ? {} : { format: options.format }),
    ...(options.only === undefined ? {} : { only: options.only }),
  });
  if (options.json) {
    printJson({ environment: result.environment, dryRun: result.dryRun, secrets: result.secrets });
    return 0;
  }
  for (const s of result.secrets) print(`${mark(s)} ${s.name.padEnd(28)} ${s.undeclared ? color.yellow('undeclared') : ''}`.trimEnd());
  const warned = result.secrets.filter((s) => s.warnings !== undefined);
  if (warned.length > 0) print('');
  for (const s of warned) {
    print(`${color.yellow('WARN')} ${s.name}: fails ${(s.warnings ?? []).map((w) => w.check).join(', ')} under ${environment}'s policy (imported anyway; \`coffer validate ${environment}\` explains)`);
  }
  const count = (action: ImportOutcome['action']) => result.secrets.filter((s) => s.action === action).length;
  const summary = `${count('created')} created, ${count('updated')} updated, ${count('kept')} kept, ${count('unchanged')} unchanged`;
  print('', result.dryRun ? `Dry run, nothing written: ${environment} would get ${summary} -> ${result.location}` : `${environment}: ${summary} -> ${result.location}`);
  if (count('kept') > 0) print(color.dim('Kept names already have a different value; use --overwrite to replace them.'));
  return 0;
}

function mark(s: ImportOutcome): string {
  const label = s.action.padEnd(9);
  return s.action === 'created' || s.action === 'updated' ? color.green(label) : color.dim(label);
}
