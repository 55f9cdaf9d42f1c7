/**
 * Starts the command of `coffer run` (no shell: the command and its arguments go to the
 * operating system as given) and tracks it: when it exited, and when its output has been
 * copied. With a redactor its stdout and stderr go through pipes that mask secret values, each
 * with its own stream state; without one it shares coffer's terminal directly (stdin is always
 * shared). It shares coffer's process group unless asked to start in its own (see signals.ts).
 */
import { spawn } from 'node:child_process';
import type { Redactor } from '../../core/redaction.js';
import { pipeRedacted } from './redact-pipe.js';
import type { ChildExit } from './signals.js';

/** What to start. */
export interface ChildOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Masks values in stdout and stderr (built with `input: 'utf8-bytes'`); undefined: inherit both. */
  readonly redactor?: Redactor;
  /**
   * Start the child in a process group (and session) of its own, so that signals sent to
   * coffer's group reach it only through coffer. Default false: it shares coffer's group.
   */
  readonly detached?: boolean;
}

/** A started child. */
export interface RunningChild {
  /** Sends `signal`; does nothing once the child has exited. */
  kill(signal: NodeJS.Signals): void;
  /** How it ended, once it has. */
  readonly exit: ChildExit | undefined;
  /** Resolves when the child has exited. */
  readonly exited: Promise<ChildExit>;
  /** Resolves when its output has been copied to the end (at once without redaction). */
  readonly drained: Promise<void>;
}

/** Why a command could not be started: `not-found` (exit 127) or `not-executable` (126). */
export class StartError extends Error {
  constructor(readonly reason: 'not-found' | 'not-executable', readonly errno: string) {
    super(reason);
  }
}

/** Starts the child; rejects with {@link StartError} when the command cannot be run. */
export function startChild(options: ChildOptions): Promise<RunningChild> {
  const { redactor } = options;
  const child = spawn(options.command, [...options.args], {
    env: options.env,
    detached: options.detached === true,
    stdio: redactor === undefined ? 'inherit' : ['inherit', 'pipe', 'pipe'],
  });
  let exit: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => resolve((exit = { code, signal })));
  });
  const drained = redactor === undefined || child.stdout === null || child.stderr === null
    ? Promise.resolve()
    : Promise.all([pipeRedacted(child.stdout, process.stdout, redactor), pipeRedacted(child.stderr, process.stderr, redactor)]).then(() => undefined);
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'error';
      reject(new StartError(code === 'ENOENT' ? 'not-found' : 'not-executable', code));
    });
    child.once('spawn', () => resolve({
      kill(signal) {
        if (exit === undefined) child.kill(signal);
      },
      get exit() {
        return exit;
      },
      exited,
      drained,
    }));
  });
}
