/**
 * `coffer export [env]`: prints an environment's secrets (dotenv, JSON or shell `export` lines)
 * on stdout, or writes them to a 0600 file with -o. This command shows values because the user
 * asked for them: stdout carries only the export, and every other line (the warning when stdout
 * is a terminal, the summary) goes to stderr.
 */
import { exportSecrets, type ExportFormat } from '../../project/export.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';

interface ExportCliOptions extends EnvCliOptions {
  format?: ExportFormat;
  output?: string;
  force?: boolean;
  only?: string[];
}

/** Runs `coffer export`. */
export async function run(options: ExportCliOptions): Promise<number> {
  const { config, environment } = loadContext(options);
  const format = options.format ?? 'dotenv';
  const toTerminal = options.output === undefined && process.stdout.isTTY === true;
  const result = await exportSecrets({
    config,
    environment,
    format,
    force: options.force === true,
    access: cliAccess({}),
    ...(options.output === undefined ? {} : { output: options.output }),
    ...(options.only === undefined ? {} : { only: options.only }),
  });
  const count = `${result.names.length} secret${result.names.length === 1 ? '' : 's'}`;
  if (result.text !== undefined) {
    if (toTerminal) process.stderr.write(`coffer: warning: the values of ${count} of ${environment} are shown below; use -o FILE to write them to a private file instead.\n`);
    process.stdout.write(result.text);
    process.stderr.write(`Exported ${count} of ${environment} as ${format}.\n`);
  } else {
    const backup = result.backupPath === undefined ? '' : ` (previous file backed up to ${result.backupPath})`;
    process.stderr.write(`Exported ${count} of ${environment} as ${format} to ${result.file ?? ''} (mode 0600)${backup}.\n`);
  }
  return 0;
}
