/**
 * The one error `initialize()` and `preload()` throw when loading several secrets went wrong:
 * every missing required name, and every other failure by name and code, so an operator fixes
 * them all in one go instead of one per restart. Names and codes only; never a value.
 */
import { CofferError, type ErrorCode } from '../core/errors.js';

/** A secret whose load failed, and why. */
export interface LoadFailure {
  readonly name: string;
  readonly error: unknown;
}

/**
 * The error for `missing` required names (COFFER_E_MISSING_SECRETS, the other failures named
 * after them), or else for `failures` alone: the failure itself when there is one, else its
 * code with every failed name listed. `where` names the provider. `mask` masks known values
 * in messages taken from the failures.
 */
export function loadFailure(missing: readonly string[], failures: readonly LoadFailure[], where: string, mask: (text: string) => string): unknown {
  const failed = failures.map(({ name, error }) => ({ name, code: codeOf(error) }));
  const listed = failed.map(({ name, code }) => `${name} (${code})`).join(', ');
  if (missing.length > 0) {
    const many = missing.length > 1;
    const also = failed.length === 0 ? '' : ` ${failed.length > 1 ? 'These' : 'This'} could not be read either: ${listed}.`;
    return new CofferError('COFFER_E_MISSING_SECRETS', `Missing required secret${many ? 's' : ''}: ${missing.join(', ')} (provider ${where}); set ${many ? 'them' : 'it'} there, or mark optional ones with required: false.${also}`, {
      details: { missing, failed },
    });
  }
  const first = failures[0];
  if (first === undefined || failures.length === 1) return first?.error;
  const code = codeOf(first.error) as ErrorCode;
  const reason = first.error instanceof CofferError ? ` The first: ${mask(first.error.message)}` : '';
  return new CofferError(code, `${failures.length} secrets could not be read from the ${where} provider: ${listed}.${reason}`, { cause: first.error, details: { failed } });
}

/** The code of any error: its own for a CofferError, COFFER_E_UNAVAILABLE for a network fault or the like. */
export function codeOf(error: unknown): string {
  return error instanceof CofferError ? error.code : 'COFFER_E_UNAVAILABLE';
}
