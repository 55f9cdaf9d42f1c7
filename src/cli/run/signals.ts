/**
 * Signals for `coffer run`: which ones coffer passes on to its child, and the exit status a
 * shell would report for a child that ended (its code, or 128 + the signal's number when a
 * signal killed it).
 */
import { constants } from 'node:os';

/** Signals forwarded to the child. SIGKILL and SIGSTOP cannot be caught, so they are not. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const satisfies readonly NodeJS.Signals[];

/** Forwarded signals that also mean "stop": after one, `--watch` restarts nothing more. */
export const STOPPING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);

/** How a child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The exit status for `exit`, as a shell reports it. */
export function exitCodeOf(exit: ChildExit): number {
  if (exit.code !== null) return exit.code;
  const number = exit.signal === null ? undefined : constants.signals[exit.signal];
  return number === undefined ? 1 : 128 + number;
}

/**
 * Calls `handle` with each forwarded signal coffer receives (instead of dying from it); returns
 * a function that stops listening.
 */
export function onForwardedSignals(handle: (signal: NodeJS.Signals) => void): () => void {
  const listeners = FORWARDED_SIGNALS.map((signal) => {
    const listener = () => handle(signal);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}
