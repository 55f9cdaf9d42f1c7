/**
 * Turns any error that reaches the top of the CLI into one line on stderr (and, with --json, an
 * error object on stdout) and an exit code. Stack traces are shown only with COFFER_DEBUG=1, so
 * a user never sees a bare trace; unexpected errors are reported as COFFER_E_INTERNAL.
 */
import { CofferError, ERROR_CODES } from '../core/errors.js';

/** Prints `error` for a user and returns the exit code its code calls for. */
export function reportError(error: unknown, json: boolean): number {
  const known = error instanceof CofferError;
  const code = known ? error.code : 'COFFER_E_INTERNAL';
  const message = known ? error.message : `Unexpected error (${(error as Error)?.name ?? typeof error}); run again with COFFER_DEBUG=1 for details and report it.`;
  process.stderr.write(`coffer: ${code}: ${message}\n`);
  if (process.env.COFFER_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code, message, ...(known ? { details: error.details } : {}) } })}\n`);
  return ERROR_CODES[code].exit;
}
