/**
 * Check `classes`: the value contains every character class (lower case, upper case, digit,
 * symbol) the category requires in the profile. Missing classes fail in production and warn in
 * development; the built-in catalog requires no classes in development, so there the check
 * yields no result unless a policy override asks for classes.
 */
import type { CharClass } from '../../categories.js';
import { charClass } from '../../generator.js';
import type { CheckResult } from '../types.js';
import { aTitle, listWords, replaceHint, result, type SecretContext } from './_context.js';

const CLASS_NAMES: Readonly<Record<CharClass, string>> = {
  lower: 'lower-case letters', upper: 'upper-case letters', digit: 'digits', symbol: 'symbols',
};

/** Runs the check; undefined when the profile requires no class. */
export function checkClasses(ctx: SecretContext): CheckResult | undefined {
  const { secret, analysis, policy, profile, hint } = ctx;
  const required = policy.requiredClasses[profile];
  if (required.length === 0) return undefined;
  const present = new Set<CharClass>(analysis.codePoints.map((c) => charClass(c)));
  const missing = required.filter((c) => !present.has(c));
  if (missing.length === 0) {
    return result(secret.name, 'classes', 'pass', `${secret.name} contains every required character class (${listWords(required.map((c) => CLASS_NAMES[c]))}).`);
  }
  const status = profile === 'production' ? 'fail' : 'warn';
  return result(secret.name, 'classes', status, `${secret.name} has no ${listWords(missing.map((c) => CLASS_NAMES[c]))}, which ${profile} requires for ${aTitle(policy.title)}; ${replaceHint(secret.name, hint, 'a generated value')}.`);
}
