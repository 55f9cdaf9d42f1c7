/**
 * `coffer status [env]`: every secret's age, last rotation, due date, days left and level (ok,
 * warning, critical, overdue), with its risk tier's rotation period and any open rotation,
 * naming the rotations whose grace period ended but were never finalized (their old value is
 * still valid). Exits 1 when anything is overdue, so CI can fail on it. Never a value.
 */
import { rotationStatus, type SecretStatus } from '../../rotation/status.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { color, print, printJson } from '../output.js';

interface StatusCliOptions extends EnvCliOptions {
  json?: boolean;
}

const PAINT = { ok: color.green, warning: color.yellow, critical: color.red, overdue: color.red, unknown: color.dim, missing: color.dim } as const;

/** Runs `coffer status`. */
export async function run(options: StatusCliOptions): Promise<number> {
  const { config, environment } = loadContext(options);
  const report = await rotationStatus(config, environment, cliAccess(options));
  const code = report.summary.overdue > 0 ? 1 : 0;
  if (options.json) {
    printJson(report);
    return code;
  }
  const width = Math.max(6, ...report.secrets.map((s) => s.name.length));
  print(`Rotation status of ${environment}:`, '', color.bold(`${'SECRET'.padEnd(width)}  LEVEL     DAYS LEFT  DUE         LAST ROTATED  AGE   PERIOD`));
  for (const s of report.secrets) print(row(s, width));
  const { summary } = report;
  print('', `${summary.ok} ok, ${summary.warning} warning, ${summary.critical} critical, ${summary.overdue} overdue${summary.missing ? `, ${summary.missing} missing` : ''}${summary.unknown ? `, ${summary.unknown} unknown` : ''}`);
  if (report.toFinalize.length > 0) print(color.yellow(`Grace period ended, old value still valid: ${report.toFinalize.join(', ')}; retire it with \`coffer rotate ${environment} --finalize ${report.toFinalize.join(' ')}\`.`));
  return code;
}

function row(s: SecretStatus, width: number): string {
  const day = (iso: string | undefined) => (iso === undefined ? '-' : iso.slice(0, 10));
  const level = PAINT[s.level](s.level.padEnd(8));
  const open = s.rotation === undefined ? '' : `  (${s.rotation})`;
  return `${s.name.padEnd(width)}  ${level}  ${String(s.daysLeft ?? '-').padStart(9)}  ${day(s.dueDate).padEnd(10)}  ${day(s.lastRotation).padEnd(12)}  ${String(s.ageDays ?? '-').padStart(4)}  ${s.rotationDays}d (${s.riskTier})${open}`;
}
