/**
 * Checks `unique-name` and `unique-env`: a value serves one secret in one environment. Two names
 * sharing a value in this environment (JWT_SECRET = JWT_REFRESH_SECRET) both fail, naming each
 * other; a value that also appears in another environment, under any name, fails naming that
 * environment, because a leak of the weaker environment would then open this one. Both use maps
 * from value to holders, built once, so the work grows linearly with the number of secrets.
 */
import type { CheckResult, OtherEnvironment } from '../types.js';
import { listNames, listWords, replaceHint, result, type HintTarget } from './_context.js';

/** A present secret, by position and name. */
export interface Holder {
  readonly index: number;
  readonly name: string;
  readonly value: string;
}

/** Results of `unique-name` for every present secret, in input order of `holders`. */
export function checkUniqueNames(holders: readonly Holder[], hint: HintTarget): Map<number, CheckResult> {
  const environment = hint.label;
  const byValue = new Map<string, Holder[]>();
  for (const holder of holders) {
    const list = byValue.get(holder.value);
    if (list === undefined) byValue.set(holder.value, [holder]);
    else list.push(holder);
  }
  const results = new Map<number, CheckResult>();
  for (const holder of holders) {
    const others = (byValue.get(holder.value) ?? []).filter((h) => h.index !== holder.index).map((h) => h.name);
    results.set(holder.index, others.length === 0
      ? result(holder.name, 'unique-name', 'pass', `${holder.name} has a value of its own in ${environment}.`)
      : result(holder.name, 'unique-name', 'fail', `${holder.name} has the same value as ${listNames(others)} in ${environment}; each secret needs its own value, so ${replaceHint(holder.name, hint, 'a new value')}.`));
  }
  return results;
}

/** Value -> the environments (and names there) that hold it, over all other environments. */
export function indexOtherEnvironments(others: readonly OtherEnvironment[]): Map<string, Map<string, string[]>> {
  const index = new Map<string, Map<string, string[]>>();
  for (const other of others) {
    for (const [name, value] of other.values) {
      if (value === '') continue;
      let environments = index.get(value);
      if (environments === undefined) { environments = new Map(); index.set(value, environments); }
      environments.set(other.environment, [...(environments.get(other.environment) ?? []), name]);
    }
  }
  return index;
}

/** The `unique-env` result of one present secret. */
export function checkUniqueEnvironment(holder: Holder, hint: HintTarget, index: Map<string, Map<string, string[]>>): CheckResult {
  const holders = index.get(holder.value);
  if (holders === undefined || holders.size === 0) {
    return result(holder.name, 'unique-env', 'pass', `${holder.name} is not reused by another environment.`);
  }
  const places = [...holders].map(([env, names]) => (names.length === 1 && names[0] === holder.name ? env : `${env} (under ${listNames(names)})`));
  return result(holder.name, 'unique-env', 'fail', `${holder.name} has the same value in ${hint.label} as in ${listWords(places)}; every environment needs its own secrets, so ${replaceHint(holder.name, hint, 'a new value')}.`);
}
