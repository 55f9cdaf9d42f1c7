/**
 * The life of `coffer run`'s child: start it, pass on the signals coffer receives, and return
 * the status a shell would report when it ends. With a watch, the environment is polled every
 * interval, and when an injected value really changed the child is stopped (SIGTERM, then
 * SIGKILL after a grace period) and started again with the new values. A poll that fails keeps
 * the running child and is reported on stderr; a stopping signal (INT, TERM, HUP, QUIT) ends
 * the watching, so the run ends with the child.
 *
 * Each signal reaches the child exactly once (see signals.ts): without a controlling terminal
 * the child runs in a process group of its own, so a signal sent to coffer's group (by a process
 * manager, `timeout`, a CI runner) reaches it only through coffer; with one, it stays in coffer's
 * group, where it can read the terminal (a child outside the foreground group is stopped by
 * SIGTTIN when it reads, and Node cannot hand the terminal over), and the keyboard's signals are
 * not forwarded, since the terminal sent them to the child too.
 */
import type { RunEnvironment } from '../../project/run.js';
import { startChild, type RunningChild } from './child.js';
import type { Redactor } from '../../core/redaction.js';
import { deliveredByTerminal, exitCodeOf, onForwardedSignals, STOPPING_SIGNALS } from './signals.js';
import { hasControllingTerminal } from './terminal.js';

/** How long a child stopped for a restart gets before SIGKILL. */
export const RESTART_GRACE_MS = 10_000;

/** What to run and how. */
export interface SuperviseOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly initial: RunEnvironment;
  /** The child's environment for a set of secrets. */
  envFor(run: RunEnvironment): Record<string, string>;
  /** The redactor for a set of secrets; undefined: no redaction. */
  redactorFor(run: RunEnvironment): Redactor | undefined;
  readonly watch?: {
    readonly intervalMs: number;
    /** The new environment when an injected value changed, else undefined. */
    poll(current: RunEnvironment): Promise<RunEnvironment | undefined>;
    /** Called between stopping the old child and starting the new one (rewrites mounted files). */
    beforeRestart(next: RunEnvironment, changed: readonly string[]): void;
    /** Names of the secrets that changed. */
    changed(previous: RunEnvironment, next: RunEnvironment): string[];
  };
  /** Writes a line for the user on stderr. */
  log(line: string): void;
}

/** Runs the child to its end and returns its exit status (128 + n when signal n killed it). */
export async function supervise(options: SuperviseOptions): Promise<number> {
  let current = options.initial;
  // Decided once: a child started in the foreground keeps working after Ctrl-Z and `bg`/`fg`.
  const sharesGroup = process.platform === 'win32' || hasControllingTerminal();
  const start = (run: RunEnvironment) => {
    const redactor = options.redactorFor(run);
    return startChild({ command: options.command, args: options.args, env: options.envFor(run), detached: !sharesGroup, ...(redactor ? { redactor } : {}) });
  };
  let child: RunningChild | undefined;
  let stopping = false;
  // Listen before starting, so a signal that arrives during the start is not lost.
  const pending: NodeJS.Signals[] = [];
  const stopListening = onForwardedSignals((signal) => {
    if (STOPPING_SIGNALS.has(signal)) stopping = true;
    // A signal that came before the child started is passed on once it has: it was not there to get it.
    if (child === undefined) pending.push(signal);
    else if (!deliveredByTerminal(signal, sharesGroup)) child.kill(signal);
  });
  const launch = async (run: RunEnvironment): Promise<RunningChild> => {
    child = undefined;
    const started = await start(run);
    child = started;
    for (const signal of pending.splice(0)) started.kill(signal);
    return started;
  };
  try {
    let running = await launch(current);
    const watch = options.watch;
    for (;;) {
      const ended = await untilExitOr(running, stopping || watch === undefined ? undefined : watch.intervalMs);
      if (ended) break;
      if (watch === undefined) continue;
      let next: RunEnvironment | undefined;
      try {
        next = await watch.poll(current);
      } catch (error) {
        options.log(`coffer: watch: could not read the secrets (${(error as { code?: string }).code ?? 'error'}); the command keeps running with the values it has.`);
        continue;
      }
      if (next === undefined || stopping || running.exit !== undefined) continue;
      const changed = watch.changed(current, next);
      options.log(`coffer: ${changed.join(', ')} changed; restarting the command.`);
      await stop(running);
      if (stopping) break;
      watch.beforeRestart(next, changed);
      current = next;
      running = await launch(current);
    }
    await running.drained;
    return exitCodeOf(running.exit ?? (await running.exited));
  } finally {
    stopListening();
  }
}

/** Waits for the child to exit (true) or for `ms` to pass (false); without `ms`, for the exit. */
async function untilExitOr(child: RunningChild, ms: number | undefined): Promise<boolean> {
  if (ms === undefined) {
    await child.exited;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const tick = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([child.exited.then(() => true), tick]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops a child for a restart: SIGTERM, then SIGKILL after the grace period. */
async function stop(child: RunningChild): Promise<void> {
  child.kill('SIGTERM');
  if (!(await untilExitOr(child, RESTART_GRACE_MS))) {
    child.kill('SIGKILL');
    await child.exited;
  }
}
