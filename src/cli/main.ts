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
    // Global options go before the command, so a command's own `--version N` is not taken as -V.
    .enablePositionalOptions()
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
    .description('create coffer.config.json, an annotated .env.example, .gitignore entries and the encrypted store')
    .option('-y, --yes', 'accept defaults without prompting (always the case without a terminal)')
    .option('--project <name>', 'project name (default: the directory name)')
    .addOption(new Option('--provider <id>', 'where every environment keeps its values: the encrypted store or .env.<env> files').choices(['store', 'dotenv']).default('store'))
    .option('--passphrase', 'protect a new store with a passphrase (asked twice on a terminal) instead of a random key file')
    .option('-f, --force', 'replace an existing config and .env.example (old files are backed up; an existing store is kept)')
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
  const envOption = () => new Option('-e, --env <name>', 'environment (else COFFER_ENV, else the config\'s default)');
  program
    .command('set')
    .argument('<name>', 'secret name')
    .description('set one secret\'s value, read from stdin or asked with echo off (never echoed)')
    .addOption(envOption())
    .option('--value <value>', 'the value on the command line (visible to other users and kept in shell history; prefer stdin)')
    .option('--expect-version <n>', 'write only if the current version is n (0: only if it does not exist); store only')
    .option('-f, --force', 'store a value that fails the policy checks anyway')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/set.js')));
  program
    .command('get')
    .argument('<name>', 'secret name')
    .description('print one secret\'s value (followed by a newline)')
    .addOption(envOption())
    .option('--version <n>', 'read this version (store only)')
    .addOption(new Option('--stage <stage>', 'read the version with this stage (store only)').choices(['current', 'previous', 'pending']))
    .option('--json', 'print the value with its version, stages and dates as JSON')
    .action(action(() => import('./actions/get.js')));
  program
    .command('list')
    .alias('ls')
    .description('list the secrets of an environment with versions and dates (never values)')
    .addOption(envOption())
    .option('--json', 'print the list as JSON')
    .action(action(() => import('./actions/list.js')));
  program
    .command('history')
    .argument('<name>', 'secret name')
    .description('list every version of a secret, newest first (store only; never values)')
    .addOption(envOption())
    .option('--json', 'print the versions as JSON')
    .action(action(() => import('./actions/history.js')));
  program
    .command('delete')
    .argument('<name>', 'secret name')
    .description('delete a secret (restorable for a while on the store; elsewhere as the provider deletes, see docs/cli.md)')
    .addOption(envOption())
    .option('--recovery-days <n>', 'days the store keeps it restorable (default 7); store only')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/delete.js')));
  program
    .command('restore')
    .argument('<name>', 'secret name')
    .description('bring back a deleted secret with all its versions (store only)')
    .addOption(envOption())
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/restore.js')));
  program
    .command('destroy')
    .argument('<name>', 'secret name')
    .description('remove a secret and every version of it for good (store only)')
    .addOption(envOption())
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/destroy.js')));

  // Moving values in and out (export, import).
  program
    .command('export')
    .argument('[env]', 'environment (default: -e, COFFER_ENV, or the config\'s default environment)')
    .description('print (or write with -o) every secret of an environment as dotenv, JSON or shell lines; shows values')
    .option('-e, --env <name>', 'environment (else COFFER_ENV, else the config\'s default)')
    .addOption(new Option('--format <format>', 'output format').choices(['dotenv', 'json', 'shell']).default('dotenv'))
    .option('-o, --output <file>', 'write to this file (mode 0600) instead of stdout')
    .option('-f, --force', 'replace an existing output file (it is backed up first)')
    .option('--only <names...>', 'export only these secrets')
    .action(action(() => import('./actions/export.js')));

  program
    .command('import')
    .argument('<file>', 'dotenv file, or JSON object of string values')
    .description('write the values of a dotenv or JSON file into an environment, all or nothing')
    .option('-e, --env <name>', 'environment (else COFFER_ENV, else the config\'s default)')
    .addOption(new Option('--format <format>', 'input format (default: json for a .json file, else dotenv)').choices(['dotenv', 'json']))
    .option('--dry-run', 'show what would be created, updated, kept or unchanged; write nothing')
    .option('--overwrite', 'replace existing values that differ (default: keep them)')
    .option('--only <names...>', 'import only these names from the file')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/import.js')));

  // Moving secrets between environments and providers (migrate, copy, diff).
  program
    .command('migrate')
    .description('move every secret from one environment, provider or .env file to another, recorded so it can be rolled back')
    .option('--from <endpoint>', 'source: an environment, `env` (the declared secrets, unless --only or --prefix), a .env file, or a provider id')
    .option('--to <endpoint>', 'target: an environment, a .env file, or a provider id')
    .option('--only <names...>', 'move only these secrets')
    .option('--prefix <prefix>', 'move only names starting with this')
    .option('--dry-run', 'show what would be created or updated; write nothing')
    .option('--validate', 'read every migrated secret back and compare (by digest)')
    .option('--rollback [id]', 'undo the newest (or the given) recorded migration or copy')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/migrate.js')));

  program
    .command('copy')
    .argument('<from>', 'source: an environment, `env`, a .env file, or a provider id')
    .argument('<to>', 'target: an environment, a .env file, or a provider id')
    .argument('[names...]', 'the secrets to copy')
    .description('copy one or more secrets (or every name with --prefix) between environments or providers')
    .option('--prefix <prefix>', 'copy every name starting with this')
    .option('--overwrite', 'replace values that differ at the target (default: keep them)')
    .option('--dry-run', 'show what would be copied; write nothing')
    .option('--validate', 'read every copied secret back and compare (by digest)')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/copy.js')));

  program
    .command('diff')
    .argument('<a>', 'an environment, `env`, a .env file, or a provider id')
    .argument('<b>', 'the other side')
    .description('show drift between two environments or providers (values as fingerprints); exits 1 when they differ')
    .option('--only <names...>', 'compare only these secrets')
    .option('--prefix <prefix>', 'compare only names starting with this')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/diff.js')));

  // Running programs with secrets (run).
  program
    .command('run')
    .argument('<command...>', 'the command and its arguments, after `--`')
    .description('run a command with the environment\'s secrets in its environment; exits with its status')
    .addOption(envOption())
    .option('--only <names...>', 'inject only these declared secrets (end the list with `--`)')
    .option('--mount <dir>', 'write each secret to DIR/NAME (0600, DIR created 0700) and set NAME_FILE instead of NAME; removed on exit')
    .option('--redact', 'mask secret values in the command\'s output (default when stdout or stderr is a terminal, or CI is set)')
    .option('--no-redact', 'never mask: the command shares coffer\'s stdout and stderr directly')
    .option('--allow-env <names...>', 'inject these names even though they can hijack the process (LD_PRELOAD, NODE_OPTIONS, PATH, ...)')
    .option('--watch [seconds]', 'poll the secrets (every 10 s by default) and restart the command when a value changes')
    .passThroughOptions()
    .action(action(() => import('./actions/run.js')));

  // Rotation (rotate, rollback, status).
  program
    .command('rotate')
    .argument('[targets...]', '[env] then all, jwt, database, redis, api_keys, encryption or secret names (default: all)')
    .description('rotate secrets with zero downtime: new value pending, applied at the target, tested, made current; the old one stays valid for the grace period')
    .addOption(envOption())
    .option('--grace <duration>', 'how long the old value stays valid (1h by default, or the secret\'s rotation.grace; 0 for none)')
    .option('--plan', 'show what would happen; change nothing')
    .option('--due', 'rotate only the secrets past their rotation date (for cron)')
    .option('--compromised', 'an incident: no grace period, old credentials revoked at once, recorded in the audit log')
    .option('--finalize', 'end grace periods: of the named secrets now, otherwise those that are over')
    .option('-y, --yes', 'do not ask for confirmation on a production environment')
    .option('--json', 'print the report as JSON')
    .action(action(() => import('./actions/rotate.js')));
  program
    .command('rollback')
    .argument('<target...>', '[env] NAME: the secret whose last rotation to undo')
    .description('undo the last rotation of a secret during its grace period: the old value is current again')
    .addOption(envOption())
    .option('-y, --yes', 'do not ask for confirmation on a production environment')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/rollback.js')));
  program
    .command('status')
    .argument('[env]', 'environment (default: -e, COFFER_ENV, or the config\'s default environment)')
    .description('rotation status of every secret: age, due date, days left, level; exit 1 when any is overdue')
    .addOption(envOption())
    .option('--json', 'print the status as JSON')
    .action(action(() => import('./actions/status.js')));

  // Store-wide operations (audit, key, backup, restore-backup).
  const auditCommand = program
    .command('audit')
    .description('list the audit log of an environment\'s store (never values); `audit verify` checks its hash chain')
    .addOption(envOption())
    .option('--secret <name>', 'only entries about this secret')
    .option('--action <action>', 'only entries with this action (read, write, delete, key-rotate, ...)')
    .option('--since <time>', 'only entries since a time: a duration back from now (30m, 24h, 7d) or an ISO date/time')
    .option('--limit <n>', 'only the newest n entries')
    .option('--all-envs', 'entries of every environment in the store file, and store-wide ones (key changes)')
    .option('--json', 'print the entries as JSON')
    .action(action(() => import('./actions/audit.js')));
  auditCommand
    .command('verify')
    .description('check the audit chain of the whole store file; exit 1 naming the first edited, removed or reordered entry')
    .addOption(envOption())
    .option('--json', 'print the verdict as JSON')
    .action(action(() => import('./actions/audit-verify.js')));
  // `coffer audit -e prod verify` means the same as `coffer audit verify -e prod`; list filters do not apply to verify.
  auditCommand.hook('preSubcommand', (parent, sub) => {
    const given = parent.opts<Record<string, unknown>>();
    const filters = ['secret', 'action', 'since', 'limit', 'allEnvs'].filter((k) => given[k] !== undefined);
    const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (filters.length > 0) parent.error(`\`audit ${sub.name()}\` checks the whole store and takes no list filters (${filters.map(flag).join(', ')})`, { exitCode: 2, code: 'coffer.usage' });
    for (const name of ['env', 'json']) if (given[name] !== undefined) sub.setOptionValue(name, given[name]);
  });
  const keyCommand = program.command('key').description('manage the master key of an environment\'s store (rotate, change, info)');
  keyCommand
    .command('rotate')
    .description('add a keyring version and re-wrap every data key with it (no value is rewritten; the root key stays)')
    .addOption(envOption())
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/key-rotate.js')));
  keyCommand
    .command('change')
    .description('re-seal the store under a new root key: a new random key file, or a passphrase (asked twice)')
    .addOption(envOption())
    .addOption(new Option('--to <kind>', 'what protects the store afterwards (default: the kind it has now)').choices(['key-file', 'passphrase']))
    .option('-y, --yes', 'change the key even though COFFER_MASTER_KEY is set (it stops opening the store)')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/key-change.js')));
  keyCommand
    .command('info')
    .description('show where the store\'s key is and what opened it (never the key)')
    .addOption(envOption())
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/key-info.js')));
  // backup, restore-backup: added by the lead
  program
    .command('backup')
    .argument('<file>', 'backup file to write (0600; refused if it exists unless --force)')
    .description('write the environment\'s store (every environment, version and audit entry) to one encrypted file')
    .option('-e, --env <name>', 'environment whose store to back up (else COFFER_ENV, else the config\'s default)')
    .option('-f, --force', 'replace an existing backup file (the old one is kept as a .bak copy)')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/backup.js')));

  program
    .command('restore-backup')
    .argument('<file>', 'backup file written by `coffer backup`')
    .description('restore a backup into the environment\'s store: recreate it, or add what it lacks without losing newer versions')
    .option('-e, --env <name>', 'environment whose store to restore into (else COFFER_ENV, else the config\'s default)')
    .option('--dry-run', 'show what would be restored, updated, kept or skipped, and write nothing')
    .option('--json', 'print the result as JSON')
    .action(action(() => import('./actions/restore-backup.js')));

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
