/**
 * Check `length`: the value has at least the category's minimum number of characters for the
 * profile (code points, so a multi-byte character counts once). Fails in every profile, each
 * against its own minimum.
 */
import type { CheckResult } from '../types.js';
import { aTitle, capitalise, plural, replaceHint, result, type SecretContext } from './_context.js';

/** Runs the check. */
export function checkLength(ctx: SecretContext): CheckResult {
  const { secret, analysis, policy, profile, hint } = ctx;
  const length = analysis.codePoints.length;
  const min = policy.minLength[profile];
  if (length >= min) return result(secret.name, 'length', 'pass', `${secret.name} has ${plural(length, 'character')} (at least ${min} required).`);
  return result(secret.name, 'length', 'fail', `${secret.name} has ${plural(length, 'character')}; ${aTitle(policy.title)} needs at least ${min} in ${profile}. ${capitalise(replaceHint(secret.name, hint, 'a generated value'))}.`);
}
