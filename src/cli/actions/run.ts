/**
 * `coffer run [-e env] [options] -- command args...`: starts the command with the environment's
 * secrets in its environment (or as files with --mount), passes signals on, masks secret values
 * in its output when that output may be seen or kept (a terminal, CI), restarts it with --watch
 * when a value changes, and exits with its status. Coffer's own messages go to stderr; nothing is
 * printed on success, so the command's output is all there is.
 */
import { isatty } from 'node:tty';
import { CofferError } from '../../core/errors.js';
import { createRedactor, type RedactionValue } from '../../core/redaction.js';
import { printableName } from '../../project/secret-common.js';
import { changedSecrets, childEnvironment, collectRunEnvironment, mountSecrets, pollRunEnvironment, type MountedSecrets, type RunRequest } from '../../project/run.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { StartError } from '../run/child.js';
import { supervise } from '../run/supervise.js';

interface RunCliOptions extends EnvCliOptions {
  mount?: string;
  redact?: boolean;
  allowEnv?: string[];
  watch?: boolean | string;
  only?: string[];
}

/** Runs `coffer run`. */
export async function run(options: RunCliOptions): Promise<number> {
  const [command, ...args] = options.args ?? [];
  if (command === undefined || command === '') throw new CofferError('COFFER_E_USAGE', 'Give the command to run after `--`, e.g. `coffer run -e development -- npm start`.');
  const intervalMs = watchInterval(options.watch);
  // Once the run is over and the event loop is empty (so every write has completed and the exit
  // code is set), exit at once: Node's full teardown of a process that loaded SQLite, crypto and
  // the CLI bundle adds 10-20 ms to every run after the command has already ended. 'exit'
  // listeners (the --mount cleanup) still run.
  process.once('beforeExit', () => process.exit());
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const request: RunRequest = {
    config, environment, access: cliAccess({}),
    mount: options.mount !== undefined,
    watch: intervalMs !== undefined,
    ...(options.only === undefined ? {} : { only: options.only }),
    ...(options.allowEnv === undefined ? {} : { allowEnv: options.allowEnv }),
  };
  const initial = await collectRunEnvironment(request);
  // isatty() rather than process.stdout.isTTY: without redaction the child writes to those
  // descriptors itself, and coffer need not build stream objects for them.
  const redact = options.redact ?? (isatty(1) || isatty(2) || isCi(process.env.CI));
  // Every value injected during this run stays masked, so an old value is hidden after a restart too.
  const masked: RedactionValue[] = [];
  let mount: MountedSecrets | undefined;
  const cleanup = () => mount?.remove();
  process.on('exit', cleanup);
  try {
    if (options.mount !== undefined) mount = mountSecrets(options.mount, initial.secrets);
    const mountDir = mount?.dir;
    return await supervise({
      command, args, initial,
      envFor: (env) => childEnvironment(process.env, env, mountDir),
      redactorFor: (env) => {
        if (!redact) return undefined;
        for (const s of env.secrets) if (s.sensitive) masked.push({ name: s.name, value: s.value });
        return createRedactor(masked, { input: 'utf8-bytes' });
      },
      ...(intervalMs === undefined ? {} : {
        watch: {
          intervalMs,
          poll: (current) => pollRunEnvironment(request, current),
          changed: changedSecrets,
          beforeRestart: (next) => mount?.update(next.secrets),
        },
      }),
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    if (!(error instanceof StartError)) throw error;
    // As a shell: 127 when the command is not found, 126 when it cannot be executed.
    const why = error.reason === 'not-found' ? 'no such command (check PATH)' : `it cannot be executed (${error.errno})`;
    process.stderr.write(`coffer: COFFER_E_USAGE: Cannot run ${printableName(command)}: ${why}.\n`);
    return error.reason === 'not-found' ? 127 : 126;
  } finally {
    cleanup();
    process.off('exit', cleanup);
  }
}

/** The --watch interval in ms: 10 s when given bare; undefined without --watch. */
function watchInterval(watch: boolean | string | undefined): number | undefined {
  if (watch === undefined || watch === false) return undefined;
  if (watch === true) return 10_000;
  const seconds = /^\d{1,6}(\.\d{1,3})?$/.test(watch) ? Number(watch) : Number.NaN;
  if (!(seconds >= 0.05 && seconds <= 86_400)) throw new CofferError('COFFER_E_USAGE', `--watch takes a number of seconds from 0.05 to 86400 (default 10), not ${printableName(watch)}; put \`--\` before the command.`);
  return Math.round(seconds * 1000);
}

/** CI is set by most CI services; empty, `0` and `false` mean it is not. */
function isCi(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
