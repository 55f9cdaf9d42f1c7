/**
 * The optional health check of a rotation's test step: after the target accepted the new value,
 * an HTTP URL must answer 2xx, or a command must exit 0, within the timeout. The command gets
 * the new value in its environment under the secret's name (as `coffer run` would give it to
 * the application), so it can try the credential the way the application will, and coffer's
 * environment without its own COFFER_* variables (no master key); its output is
 * discarded, so a check that prints the value shows it nowhere. A failure throws
 * COFFER_E_ROTATION_FAILED naming the check (a command by its program only, a URL without its
 * user info or query, either of which may hold a token) and the status, never a value, and the
 * engine rolls the rotation back.
 */
import { CofferError } from '../core/errors.js';
import type { RotationSettings } from '../config/resolve.js';
import { commandName, describeFailure, runCommand } from './_command.js';

/** Runs `check` for secret `name` whose new value is `pending`. */
export async function runHealthCheck(check: NonNullable<RotationSettings['healthCheck']>, name: string, pending: string, env: Readonly<Record<string, string | undefined>>): Promise<void> {
  if (check.url !== undefined) return checkUrl(check.url, check.timeoutMs, name);
  if (check.command !== undefined) return checkCommand(check.command, check.timeoutMs, name, pending, env);
}

async function checkUrl(url: string, timeoutMs: number, name: string): Promise<void> {
  let status: number;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    const why = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'it could not be reached';
    throw new CofferError('COFFER_E_ROTATION_FAILED', `The health check of ${name} failed: ${shownUrl(url)} ${why}.`, { cause: error });
  }
  if (status < 200 || status > 299) throw new CofferError('COFFER_E_ROTATION_FAILED', `The health check of ${name} failed: ${shownUrl(url)} answered HTTP ${status}, not 2xx.`);
}

async function checkCommand(command: readonly string[], timeoutMs: number, name: string, pending: string, env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const outcome = await runCommand(command, { env, set: { [name]: pending }, timeoutMs });
  if (outcome.code !== 0) throw new CofferError('COFFER_E_ROTATION_FAILED', `The health check of ${name} failed: ${commandName(command)} ${describeFailure(outcome, timeoutMs)}.`);
}

/** The URL as a message shows it: scheme, host and path, without user info, query or fragment, which may carry a token. */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'the health check URL';
  }
}
