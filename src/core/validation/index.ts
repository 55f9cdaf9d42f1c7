/**
 * The validation engine behind `coffer validate`: a pure function from the secrets of one
 * environment (with their categories, profile, rotation metadata, the file they came from and the
 * other environments' values) to a report of pass, warn and fail results and an overall
 * COMPLIANT / NON-COMPLIANT status. It reads no file or environment and prints nothing; the
 * caller gathers the inputs, including the current time (only zxcvbn takes its reference year from
 * the clock). Each value is analysed once; cross-secret checks use maps, so a
 * run grows linearly with the number of secrets. Messages never contain a value or part of one.
 * docs/checks.md describes every check per profile and the compliance mapping.
 */
import { CATEGORIES } from '../categories.js';
import { analyseValue } from './alphabet.js';
import type { HintTarget, SecretContext } from './checks/_context.js';
import { checkClasses } from './checks/classes.js';
import { checkGuessability } from './checks/guessability.js';
import { checkLength } from './checks/length.js';
import { checkPermissions } from './checks/permissions.js';
import { checkPlaceholder } from './checks/placeholder.js';
import { checkPresent, isPresent } from './checks/present.js';
import { checkReuse } from './checks/reuse.js';
import { checkRotation } from './checks/rotation.js';
import { checkStrength } from './checks/strength.js';
import { checkUniqueEnvironment, checkUniqueNames, indexOtherEnvironments, type Holder } from './checks/unique.js';
import type { CheckResult, ValidationInput, ValidationReport } from './types.js';

export * from './types.js';
export { analyseValue, type AlphabetName, type ValueAnalysis } from './alphabet.js';
export { groupByCompliance, complianceNotes, COMPLIANCE_REQUIREMENTS, type ComplianceGroup, type ComplianceNote, type ComplianceRequirement } from './compliance.js';
export { ROTATION_CRITICAL_DAYS, ROTATION_WARNING_DAYS, rotationDue } from './checks/rotation.js';

/**
 * Runs every check on the secrets of one environment and summarises the results, with the
 * caller's `extraResults` appended after the engine's own.
 *
 * @example
 * const report = validateSecrets({
 *   environment: 'production', profile: 'production', now: new Date(),
 *   secrets: [{ name: 'JWT_SECRET', value: process.env.JWT_SECRET, category: 'jwt', required: true, rotationDays: 90 }],
 * });
 * report.status; // 'COMPLIANT' or 'NON-COMPLIANT'
 */
export function validateSecrets(input: ValidationInput): ValidationReport {
  const { environment, profile, secrets, now } = input;
  const hint: HintTarget = { label: environment, command: input.hintEnvironment };
  const holders: Holder[] = [];
  secrets.forEach((secret, index) => { if (isPresent(secret)) holders.push({ index, name: secret.name, value: secret.value }); });
  const uniqueNames = checkUniqueNames(holders, hint);
  const otherIndex = input.otherEnvironments === undefined ? undefined : indexOtherEnvironments(input.otherEnvironments);

  const results: CheckResult[] = [];
  const add = (r: CheckResult | undefined): void => { if (r !== undefined) results.push(r); };
  secrets.forEach((secret, index) => {
    add(checkPresent(secret, hint));
    if (!isPresent(secret)) return;
    const ctx: SecretContext = {
      secret, value: secret.value, analysis: analyseValue(secret.value),
      policy: secret.policy ?? CATEGORIES[secret.category], profile, environment, hint,
    };
    add(checkLength(ctx));
    add(checkStrength(ctx));
    add(checkGuessability(ctx));
    add(checkPlaceholder(ctx));
    add(checkClasses(ctx));
    add(uniqueNames.get(index));
    if (otherIndex !== undefined) add(checkUniqueEnvironment({ index, name: secret.name, value: secret.value }, hint, otherIndex));
    add(checkReuse(ctx));
    add(checkRotation(secret, hint, now));
  });
  if (input.file !== undefined) add(checkPermissions(input.file));
  if (input.extraResults !== undefined) results.push(...input.extraResults);
  return summarise(environment, results);
}

/**
 * Builds a report from results: NON-COMPLIANT when any result failed (warnings alone leave it
 * COMPLIANT), with counts `total = passed + failed + warnings`. {@link validateSecrets} uses it;
 * a caller that assembles results of its own gets the same status and counts.
 *
 * @example
 * const report = summarise('production', [...engineReport.results, ...myResults]);
 */
export function summarise(environment: string, results: readonly CheckResult[]): ValidationReport {
  let passed = 0;
  let failed = 0;
  let warnings = 0;
  for (const r of results) {
    if (r.status === 'pass') passed += 1;
    else if (r.status === 'fail') failed += 1;
    else warnings += 1;
  }
  return {
    environment,
    status: failed > 0 ? 'NON-COMPLIANT' : 'COMPLIANT',
    summary: { total: results.length, passed, failed, warnings },
    results: [...results],
  };
}
