/**
 * Where coffer stands towards a terminal, for `coffer run`'s signal rule: whether it has a
 * controlling terminal at all, and whether its process group is that terminal's foreground
 * group (the one the terminal sends Ctrl-C and Ctrl-\ to). Node has no tcgetpgrp(), so on Linux
 * both come from /proc/self/stat (`tty_nr` and `tpgid`), read again at each question because job
 * control (Ctrl-Z, `bg`, `fg`) moves coffer in and out of the foreground while it runs. Elsewhere
 * a controlling terminal is detected by opening /dev/tty, and coffer counts as in the foreground
 * whenever it has one.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';

/** Coffer's process group and its terminal's foreground group (-1: none), from /proc; undefined off Linux. */
function procStat(): { pgrp: number; ttyNr: number; tpgid: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'latin1');
  } catch {
    return undefined;
  }
  // The command name in parentheses may hold spaces and parentheses: the fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // state ppid pgrp session tty_nr tpgid ...
  const [pgrp, ttyNr, tpgid] = [fields[2], fields[4], fields[5]].map(Number);
  if (pgrp === undefined || ttyNr === undefined || tpgid === undefined || [pgrp, ttyNr, tpgid].some(Number.isNaN)) return undefined;
  return { pgrp, ttyNr, tpgid };
}

/** Whether coffer has a controlling terminal (it could be given Ctrl-C from a keyboard). */
export function hasControllingTerminal(): boolean {
  if (process.platform === 'win32') return false;
  const stat = procStat();
  if (stat !== undefined) return stat.ttyNr !== 0;
  try {
    // Opening /dev/tty fails (ENXIO) exactly when the process has no controlling terminal.
    closeSync(openSync('/dev/tty', 'r'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether coffer's process group is now the foreground group of its controlling terminal, so a
 * SIGINT or SIGQUIT it receives most likely came from the keyboard, sent by the terminal to the
 * whole group. Without /proc, true whenever there is a controlling terminal.
 */
export function inTerminalForeground(): boolean {
  const stat = procStat();
  if (stat !== undefined) return stat.ttyNr !== 0 && stat.tpgid === stat.pgrp;
  return hasControllingTerminal();
}
