/**
 * Declares Coffer's commands and options. Each command's work lives in cli/actions/<command>.ts,
 * loaded only when that command runs, so `coffer --version` and `--help` stay fast.
 * Exit codes: 0 success, 1 a check failed, 2 usage or config error, 3 provider or store unavailable.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { reportError } from './report-error.js';

/** An action module: one per command. */
export interface ActionModule<Options> {
  run(options: Options): Promise<number>;
}

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs the CLI with `argv` (as in process.argv) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  let json = false;
  const program = new Command('coffer')
    .description('Generate, validate and manage application secrets.')
    .version(version, '-V, --version', 'print the version')
    .option('-c, --config <path>', 'config file (default: coffer.config.json here or in a parent directory)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`coffer: COFFER_E_USAGE: ${text.replace(/^error: /, '').trimEnd()}; see \`coffer --help\`.\n`) });

  const action = <O>(load: () => Promise<ActionModule<O>>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const options = { ...program.opts(), ...command.opts(), args: command.args } as O & { json?: boolean };
      json = options.json === true;
      exitCode = await (await load()).run(options);
    };

  program
    .command('init')
    .description('create coffer.config.json, an annotated .env.example and .gitignore entries')
    .option('-y, --yes', 'accept defaults without prompting (always the case without a terminal)')
    .option('--project <name>', 'project name (default: the directory name)')
    .option('-f, --force', 'replace an existing config and .env.example (old files are backed up)')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/init.js')));

  program
    .command('generate')
    .argument('[env]', 'environment (default: -e, COFFER_ENV, or the config\'s default environment)')
    .description('generate every generatable secret of an environment that has no value yet')
    .option('-e, --env <name>', 'environment (else COFFER_ENV, else the config\'s default)')
    .option('--only <names...>', 'generate only these secrets')
    .option('-f, --force', 'replace existing values too (the old file is backed up)')
    .option('-y, --yes', 'never prompt; read values of external secrets from the environment')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/generate.js')));

  program
    .command('validate')
    .argument('[env]', 'environment (default: -e, COFFER_ENV, or the config\'s default environment)')
    .description('check the secrets of an environment (or a dotenv file) against policy; exit 1 if non-compliant')
    .option('-e, --env <name>', 'environment (else COFFER_ENV, else the config\'s default)')
    .option('--env-file <path>', 'validate any dotenv file instead of an environment')
    .addOption(new Option('--profile <profile>', 'rules for --env-file (default: its environment\'s, else production if the file name says prod)').choices(['production', 'development']))
    .option('--compliance', 'group results by compliance requirement (SOC 2, PCI-DSS, HIPAA, NIST SP 800-63B, OWASP)')
    .option('--json', 'print the report as JSON')
    .action(action(() => import('./actions/validate.js')));

  // Commands on individual secrets (set, get, list, history, delete, restore, destroy).

  // Moving values in and out (export, import).

  // Store-wide operations (audit, key, backup, restore-backup).

  try {
    await program.parseAsync(argv as string[]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed on stderr.
      if (error.exitCode === 0) return 0;
      if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: { code: 'COFFER_E_USAGE', message: error.message.replace(/^error: /, '') } })}\n`);
      return 2;
    }
    return reportError(error, json);
  }
}
