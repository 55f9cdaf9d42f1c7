// Shared helpers of the validation tests: build inputs tersely and pick results.
import type { CategoryId, Profile } from '../../../src/core/categories.js';
import { CATEGORIES } from '../../../src/core/categories.js';
import { validateSecrets, type CheckId, type CheckResult, type SecretUnderTest, type ValidationInput, type ValidationReport } from '../../../src/core/validation/index.js';

export const NOW = new Date('2025-06-01T12:00:00.000Z');

/** A required secret of a category, with the category's rotation period. */
export function secret(name: string, value: string | undefined, category: CategoryId = 'generic', extra: Partial<SecretUnderTest> = {}): SecretUnderTest {
  return { name, value, category, required: true, rotationDays: CATEGORIES[category].rotationDays, ...extra };
}

/** Validates secrets in an environment named after the profile, whose hints name that environment. */
export function validate(secrets: SecretUnderTest[], profile: Profile = 'production', extra: Partial<ValidationInput> = {}): ValidationReport {
  return validateSecrets({ environment: profile, hintEnvironment: profile, profile, secrets, now: NOW, ...extra });
}

/** The result of one check for one secret, failing the test when absent. */
export function pick(report: ValidationReport, name: string, check: CheckId): CheckResult {
  const found = report.results.find((r) => r.secret === name && r.check === check);
  if (found === undefined) throw new Error(`no ${check} result for ${name}`);
  return found;
}

/** Runs one secret through the engine and returns its result for one check. */
export function checkOne(check: CheckId, value: string, category: CategoryId = 'generic', profile: Profile = 'production', extra: Partial<SecretUnderTest> = {}): CheckResult {
  return pick(validate([secret('TEST_VALUE', value, category, extra)], profile), 'TEST_VALUE', check);
}
