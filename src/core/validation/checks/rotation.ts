/**
 * Check `rotation`: how long until the secret must be rotated, from `metadata.rotateBy`, or else
 * `metadata.updatedAt` plus the secret's rotation period. More than 30 days left passes; 30 or
 * fewer warns ("warning"), 7 or fewer warns ("critical"), past the date fails ("overdue"). Days
 * are whole days rounded down, so a secret due later today has 0 days left and is critical, not
 * overdue. Without metadata the check yields no result (nothing is known); unreadable dates warn.
 * Rotating means replacing the value: `coffer generate --force` writes a new one with fresh
 * rotation dates.
 */
import type { CheckResult, SecretUnderTest } from '../types.js';
import { replaceCommand, result, type HintTarget } from './_context.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Days left at or below which rotation warns. */
export const ROTATION_WARNING_DAYS = 30;
/** Days left at or below which the warning is critical. */
export const ROTATION_CRITICAL_DAYS = 7;

const isoDate = (date: Date): string => date.toISOString().slice(0, 10);
const days = (n: number): string => `${n} day${n === 1 ? '' : 's'}`;

/** The date a secret is due for rotation: undefined without metadata, null when unreadable. */
export function rotationDue(secret: SecretUnderTest): Date | null | undefined {
  const { rotateBy, updatedAt } = secret.metadata ?? {};
  if (rotateBy !== undefined) {
    const due = Date.parse(rotateBy);
    return Number.isNaN(due) ? null : new Date(due);
  }
  if (updatedAt !== undefined) {
    const updated = Date.parse(updatedAt);
    return Number.isNaN(updated) ? null : new Date(updated + secret.rotationDays * DAY_MS);
  }
  return undefined;
}

/** Runs the check; undefined when the secret has no rotation metadata. */
export function checkRotation(secret: SecretUnderTest, hint: HintTarget, now: Date): CheckResult | undefined {
  const due = rotationDue(secret);
  if (due === undefined) return undefined;
  const { name } = secret;
  const command = replaceCommand(name, hint);
  /** "replace the value <when> (command)", or where to replace it without a command. */
  const replace = (when: string): string => (command === undefined ? `replace the value in ${hint.label} ${when}` : `replace the value ${when} (${command})`);
  if (due === null) {
    const fix = command === undefined ? `correct it in ${hint.label}, or replace the value there and record the date` : `replace the value to reset the record (${command})`;
    return result(name, 'rotation', 'warn', `${name} has rotation metadata that is not a valid date, so its deadline is unknown; ${fix}.`);
  }
  const left = Math.floor((due.getTime() - now.getTime()) / DAY_MS);
  const when = isoDate(due);
  if (left < 0) {
    return result(name, 'rotation', 'fail', `${name} is overdue for rotation: it was due ${when} (${days(-left)} ago); ${replace('now')}.`);
  }
  if (left <= ROTATION_CRITICAL_DAYS) {
    return result(name, 'rotation', 'warn', `${name} rotation is critical: due ${when}, in ${days(left)}; ${replace('now')}.`);
  }
  if (left <= ROTATION_WARNING_DAYS) {
    return result(name, 'rotation', 'warn', `${name} rotation warning: due ${when}, in ${days(left)}; ${replace('before then')}.`);
  }
  return result(name, 'rotation', 'pass', `${name} rotation is current: due ${when}, in ${days(left)}.`);
}
