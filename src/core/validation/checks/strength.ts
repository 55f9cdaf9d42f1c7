/**
 * Check `strength`: the value holds enough bits of randomness for its category and profile, judged
 * by the alphabet it actually uses (see alphabet.ts), and its characters are as diverse as those
 * of a random string of the same length and alphabet (see diversity.ts). Fails in every profile.
 */
import type { CheckResult } from '../types.js';
import { checkDiversity } from '../diversity.js';
import { capitalise, plural, replaceHint, result, type SecretContext } from './_context.js';

/** Runs the check. */
export function checkStrength(ctx: SecretContext): CheckResult {
  const { secret, analysis, policy, profile, hint } = ctx;
  const required = policy.minBits[profile];
  const bits = Math.floor(analysis.bits);
  const diversity = checkDiversity(analysis.codePoints, analysis.alphabetSize);
  const problems: string[] = [];
  if (bits < required) {
    problems.push(`it holds about ${bits} bits of randomness (${plural(analysis.effectiveLength, 'character')} from a ${analysis.alphabetSize}-symbol alphabet, ${analysis.alphabet}), below the ${required} bits ${profile} requires`);
  }
  if (!diversity.ok) {
    const scope = diversity.examined < analysis.codePoints.length ? `its first ${diversity.examined}` : `its ${diversity.examined}`;
    problems.push(`it uses only ${plural(diversity.distinct, 'distinct character')} in ${scope}, where a random value would use about ${diversity.expected}`);
  }
  if (problems.length === 0) {
    return result(secret.name, 'strength', 'pass', `${secret.name} holds about ${bits} bits of randomness (at least ${required} required).`);
  }
  return result(secret.name, 'strength', 'fail', `${secret.name} is weak: ${problems.join('; ')}. ${capitalise(replaceHint(secret.name, hint, 'a generated value'))}.`);
}
