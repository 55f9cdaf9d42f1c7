/**
 * What every per-secret check receives: the secret, its (non-empty) value analysed once, the
 * policy that applies, the profile and where remediation hints point, plus helpers to build
 * results and hints. Checks read the value but never put it, or any part of it, into a message.
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
  readonly hint: HintTarget;
}

/**
 * Where remediation hints point. A hint names a command only when `command` is set, i.e. when the
 * caller vouched that `coffer generate <command>` writes where the values were read from; else it
 * names the label (e.g. the file name of an `--env-file` run), because a command naming a file
 * name as an environment would fail or, worse, write somewhere else.
 */
export interface HintTarget {
  /** The environment label of the report: an environment name or a file name. */
  readonly label: string;
  /** The environment name `coffer generate` takes, or undefined when there is none. */
  readonly command: string | undefined;
}

/** Builds a result. */
export function result(secret: string, check: CheckId, status: CheckStatus, message: string): CheckResult {
  return { secret, check, status, message };
}

/** Shell-quotes a word when it needs it, for a copy-and-paste command. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that replaces a secret's value, existing or not; undefined without an environment to name. */
export function replaceCommand(name: string, target: HintTarget): string | undefined {
  return target.command === undefined ? undefined : `coffer generate ${shellQuote(target.command)} --force --only ${shellQuote(name)}`;
}

/**
 * The hint for a value that must be replaced, as a clause: "replace it with a generated value
 * (coffer generate production --force --only JWT_SECRET)", or without a command "replace the value
 * in .env.production with a generated value". `--force` is needed because `coffer generate` keeps
 * existing values without it, so the advice would otherwise change nothing.
 */
export function replaceHint(name: string, target: HintTarget, replacement: string): string {
  const command = replaceCommand(name, target);
  return command === undefined ? `replace the value in ${target.label} with ${replacement}` : `replace it with ${replacement} (${command})`;
}

/** The clause with its first letter in upper case, to open a sentence. */
export function capitalise(clause: string): string {
  return clause.charAt(0).toUpperCase() + clause.slice(1);
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
