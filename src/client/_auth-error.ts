/**
 * What counts as an authentication failure for `withFreshOnAuthError`: the sign that a credential
 * was rotated and the cache has not seen the new one yet, so a refresh and one more try may help.
 */
import { isCofferError } from '../core/errors.js';

/** The default test of `withFreshOnAuthError`: PostgreSQL 28P01/28000, Redis WRONGPASS/NOAUTH, HTTP 401, COFFER_E_ACCESS_DENIED. */
export function isAuthError(error: unknown): boolean {
  if (isCofferError(error, 'COFFER_E_ACCESS_DENIED')) return true;
  const e = error as { code?: unknown; status?: unknown; statusCode?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  if (e.code === '28P01' || e.code === '28000') return true;
  if (e.status === 401 || e.statusCode === 401) return true;
  return typeof e.message === 'string' && /^(WRONGPASS|NOAUTH)\b/.test(e.message);
}
