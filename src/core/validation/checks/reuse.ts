/**
 * Check `reuse`: a password-class secret (its category's `noReuse`) must differ from its last
 * four values (PCI-DSS 8.3.7). The engine never sees old values: the caller says whether the
 * current value repeats one, from the provider's version history (the embedded store compares
 * keyed fingerprints). Without history the check yields no result, and the requirement is
 * reported as a compliance note instead.
 */
import type { CheckResult } from '../types.js';
import { replaceHint, result, type SecretContext } from './_context.js';

/** Runs the check; undefined when the category allows reuse or no history is known. */
export function checkReuse(ctx: SecretContext): CheckResult | undefined {
  const { secret, policy } = ctx;
  if (!policy.noReuse || secret.history === undefined) return undefined;
  const { name } = secret;
  const { depth, reusesPrevious } = secret.history;
  if (reusesPrevious) {
    return result(name, 'reuse', 'fail', `${name} repeats one of its last ${depth} values, which PCI-DSS 8.3.7 forbids for passwords; ${replaceHint(name, ctx.hint, 'a generated value')}.`);
  }
  return result(name, 'reuse', 'pass', `${name} differs from its last ${depth} values.`);
}
