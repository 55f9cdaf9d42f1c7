/**
 * What every per-secret check receives: the secret, its (non-empty) value analysed once, the
 * policy that applies and the profile, plus a helper to build results. Checks read the value but
 * never put it, or any part of it, into a message.
 */
import type { CategoryPolicy, Profile } from '../../categories.js';
import type { ValueAnalysis } from '../alphabet.js';
import type { CheckId, CheckResult, CheckStatus, SecretUnderTest } from '../types.js';

/** A present secret under test, with everything the value checks need. */
export interface SecretContext {
  readonly secret: SecretUnderTest;
  /** The value, known to be non-empty. */
  readonly value: string;
  readonly analysis: ValueAnalysis;
  readonly policy: CategoryPolicy;
  readonly profile: Profile;
  readonly environment: string;
}

/** Builds a result. */
export function result(secret: string, check: CheckId, status: CheckStatus, message: string): CheckResult {
  return { secret, check, status, message };
}

/** "a", "a and b", "a, b and c". */
export function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1] ?? ''}`;
}

/** Lists names, at most `max` of them, then "and N more". */
export function listNames(names: readonly string[], max = 3): string {
  if (names.length <= max) return listWords(names);
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** "1 character", "2 characters". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A category title inside a sentence, with its article: "a JWT signing secret", "an encryption key". */
export function aTitle(title: string): string {
  const first = title.split(' ')[0] ?? '';
  const text = first.length > 1 && first === first.toUpperCase() ? title : title.charAt(0).toLowerCase() + title.slice(1);
  return `${/^[aeiou]/i.test(text) ? 'an' : 'a'} ${text}`;
}
