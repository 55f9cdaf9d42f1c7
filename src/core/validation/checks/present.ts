/**
 * Check `present`: the secret has a non-empty value. A missing required secret fails (Coffer has
 * no default secrets); a missing optional one warns. Every other check is skipped for a missing
 * secret, since there is nothing to judge.
 */
import type { CheckResult, SecretUnderTest } from '../types.js';
import { result } from './_context.js';

/** True when the secret has a non-empty value. */
export function isPresent(secret: SecretUnderTest): secret is SecretUnderTest & { value: string } {
  return secret.value !== undefined && secret.value !== '';
}

/** Runs the check. */
export function checkPresent(secret: SecretUnderTest, environment: string): CheckResult {
  if (isPresent(secret)) return result(secret.name, 'present', 'pass', `${secret.name} is set.`);
  if (secret.required) {
    return result(secret.name, 'present', 'fail', `${secret.name} is required but has no value in ${environment}; set it, or run coffer generate ${environment} to create it.`);
  }
  return result(secret.name, 'present', 'warn', `${secret.name} is optional and has no value in ${environment}; set it if the application needs it.`);
}
