/**
 * Check `permissions`: the file the secrets were read from is readable and writable by its owner
 * only (mode 0600 or stricter: no group or other bits). One result per run, under the file's path.
 * A mode the platform cannot report warns rather than passes, since nothing was verified.
 */
import type { CheckResult, FileUnderTest } from '../types.js';
import { result, shellQuote } from './_context.js';

/** Formats permission bits as four octal digits, e.g. 0644. */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Runs the check. */
export function checkPermissions(file: FileUnderTest): CheckResult {
  if (file.mode === undefined) {
    return result(file.path, 'permissions', 'warn', `The permissions of ${file.path} could not be read; make sure only its owner can read it (chmod 600 ${shellQuote(file.path)}).`);
  }
  const mode = formatMode(file.mode);
  if ((file.mode & 0o077) === 0) return result(file.path, 'permissions', 'pass', `${file.path} is private to its owner (mode ${mode}).`);
  const who = (file.mode & 0o007) !== 0 ? 'every user on the machine' : 'its group';
  return result(file.path, 'permissions', 'fail', `${file.path} is accessible to ${who} (mode ${mode}); run chmod 600 ${shellQuote(file.path)} so only its owner can read it.`);
}
