/**
 * Runs the commands that rotation configs name (health checks, api-key hooks, the
 * encryption-key retire check): no shell, a timeout that kills with SIGKILL, output discarded
 * so that nothing a command prints can carry a value anywhere, and a value handed over only on
 * standard input or in the environment, never in the arguments where `ps` would show it. A
 * command inherits coffer's environment without coffer's own secret-bearing variables
 * (COFFER_MASTER_KEY and the like; see {@link commandEnv}).
 * Messages name a command by its program only ({@link commandName}): its arguments are the
 * user's to choose and may hold anything, so none of them is ever printed.
 */
import { spawn } from 'node:child_process';

/** How a command ended. */
export interface CommandOutcome {
  /** Exit code; null when killed or not started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Why it could not start (`ENOENT`, `EACCES`, ...). */
  readonly startError?: string;
}

/**
 * Coffer's own variables a command keeps: they name things and hold nothing secret. Every other
 * `COFFER_*` variable is removed from a command's environment, because some hold what opens the
 * store (COFFER_MASTER_KEY, a passphrase): a hook or health check has no business with the store's
 * key, and a script that logs its environment must not be able to leak it.
 */
const KEPT_COFFER_VARIABLES: ReadonlySet<string> = new Set(['COFFER_ENV', 'COFFER_DEBUG', 'COFFER_ACTOR', 'COFFER_K8S_NAMESPACE']);

/**
 * The environment a command runs with: `env` (what coffer runs with) without coffer's own
 * `COFFER_*` variables except {@link KEPT_COFFER_VARIABLES}, then `set` on top.
 */
export function commandEnv(env: Readonly<Record<string, string | undefined>>, set: Readonly<Record<string, string>> = {}): Record<string, string | undefined> {
  const kept = Object.entries(env).filter(([name]) => !name.startsWith('COFFER_') || KEPT_COFFER_VARIABLES.has(name));
  return { ...Object.fromEntries(kept), ...set };
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** The environment coffer runs with; the command gets it through {@link commandEnv}. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Variables the command gets besides (the value under test, key ids); set after the filtering. */
  readonly set?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Written to the command's standard input, followed by a newline. */
  readonly stdin?: string;
}

/** Runs `command` (argv form) to completion. */
export function runCommand(command: readonly string[], options: RunCommandOptions): Promise<CommandOutcome> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'], env: commandEnv(options.env, options.set), timeout: options.timeoutMs, killSignal: 'SIGKILL' });
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, startError: error.code ?? 'error' }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
    if (options.stdin !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(`${options.stdin}\n`);
    }
  });
}

/**
 * How a message names `command`: its program (argv[0]) only. The arguments are never printed,
 * because whatever a config put there would reach the rotation report and the terminal.
 */
export function commandName(command: readonly string[]): string {
  return command[0] ?? '(no command)';
}

/** Says how a command that did not exit 0 ended, for a message: `exited 3`, `did not finish within 5000 ms`. */
export function describeFailure(outcome: CommandOutcome, timeoutMs: number): string {
  if (outcome.startError !== undefined) return `could not start (${outcome.startError})`;
  if (outcome.signal === 'SIGKILL') return `did not finish within ${timeoutMs} ms`;
  if (outcome.signal !== null) return `was killed by ${outcome.signal}`;
  return `exited ${outcome.code}`;
}
