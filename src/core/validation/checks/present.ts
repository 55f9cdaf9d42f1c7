/**
 * Check `present`: the secret has a non-empty value. A missing required secret fails (Coffer has
 * no default secrets); a missing optional one warns. Every other check is skipped for a missing
 * secret, since there is nothing to judge. The hint creates the value with `coffer generate`,
 * which, like this check, treats an empty entry (`NAME=`) as missing, so it needs no `--force`.
 */
import type { CheckResult, SecretUnderTest } from '../types.js';
import { result, shellQuote, type HintTarget } from './_context.js';

/** True when the secret has a non-empty value. */
export function isPresent(secret: SecretUnderTest): secret is SecretUnderTest & { value: string } {
  return secret.value !== undefined && secret.value !== '';
}

/** The command that gives a missing secret a value, or undefined without an environment to name. */
function createCommand(secret: SecretUnderTest, hint: HintTarget): string | undefined {
  return hint.command === undefined ? undefined : `coffer generate ${shellQuote(hint.command)} --only ${shellQuote(secret.name)}`;
}

/** Runs the check. */
export function checkPresent(secret: SecretUnderTest, hint: HintTarget): CheckResult {
  const { name } = secret;
  if (isPresent(secret)) return result(name, 'present', 'pass', `${name} is set.`);
  const command = createCommand(secret, hint);
  const create = command === undefined ? `set it in ${hint.label}` : `set it, or create it with ${command}`;
  if (secret.required) {
    return result(name, 'present', 'fail', `${name} is required but has no value in ${hint.label}; ${create}.`);
  }
  return result(name, 'present', 'warn', `${name} is optional and has no value in ${hint.label}; if the application needs it, ${create}.`);
}
