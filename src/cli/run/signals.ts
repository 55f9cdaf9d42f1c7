/**
 * Signals for `coffer run`: which ones coffer passes on to its child, when one is not passed on
 * because the child has already had it, and the exit status a shell would report for a child
 * that ended (its code, or 128 + the signal's number when a signal killed it).
 *
 * Exactly once: a signal sent to coffer's whole process group reaches a child in that group
 * directly, so forwarding it too would deliver it twice (a second Ctrl-C often means "quit now,
 * skip the clean shutdown"). Node cannot tell who sent a signal, so the rule goes by where the
 * child is. Without a controlling terminal the child gets a process group of its own (see
 * supervise.ts), group signals reach coffer alone, and every signal is forwarded. With one, the
 * child stays in coffer's group so that it can read the terminal and take part in job control,
 * and SIGINT and SIGQUIT that arrive while that group is the terminal's foreground group are
 * taken to come from the keyboard, which sent them to the child as well.
 */
import { constants } from 'node:os';
import { inTerminalForeground } from './terminal.js';

/** Signals forwarded to the child. SIGKILL and SIGSTOP cannot be caught, so they are not. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const satisfies readonly NodeJS.Signals[];

/** Forwarded signals that also mean "stop": after one, `--watch` restarts nothing more. */
export const STOPPING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);

/** Signals a terminal sends to its whole foreground process group from the keyboard (Ctrl-C, Ctrl-\). */
export const KEYBOARD_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGQUIT']);

/**
 * Whether a child in coffer's own process group (`sharesGroup`) has already received `signal`
 * from the terminal, so forwarding it would deliver it twice. The trade-off: a SIGINT or SIGQUIT
 * sent to coffer alone (`kill -INT <pid>`) while it runs in the foreground of a terminal is not
 * passed on either.
 */
export function deliveredByTerminal(signal: NodeJS.Signals, sharesGroup: boolean): boolean {
  return sharesGroup && KEYBOARD_SIGNALS.has(signal) && inTerminalForeground();
}

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
