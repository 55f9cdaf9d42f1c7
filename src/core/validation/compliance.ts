/**
 * Maps validation results to the compliance requirements they give evidence for, for
 * `coffer validate --compliance`. Each requirement names its framework, its number in a stated
 * version of the standard, the checks that bear on it and, where it concerns only some kinds of
 * secret, the categories it applies to; it applies to a secret only when the secret's category
 * lists the framework (catalog `frameworks`). Requirements a run could not verify (PCI-DSS 8.3.7
 * needs the value history, which only versioned providers keep) are returned by
 * {@link complianceNotes} instead of as groups.
 * Versions: SOC 2 Trust Services Criteria (2017), PCI DSS v4.0, HIPAA Security Rule
 * (45 CFR 164.312), NIST SP 800-63B revision 3, OWASP ASVS 4.0.3. Passing these checks is
 * evidence for a requirement, not certification of it.
 */
import { CATEGORIES, type CategoryId, type Framework } from '../categories.js';
import type { CheckId, CheckResult, CheckStatus, SecretUnderTest, ValidationReport } from './types.js';

/** One requirement of a framework and how Coffer's checks relate to it. */
export interface ComplianceRequirement {
  readonly framework: Framework;
  /** The requirement's number in its standard, e.g. `8.3.6`, `CC6.1`, `164.312(d)`. */
  readonly requirement: string;
  readonly title: string;
  /** Checks whose results are evidence for it; empty when validation cannot verify it. */
  readonly checks: readonly CheckId[];
  /** Categories it concerns; all categories listing the framework when absent. */
  readonly categories?: readonly CategoryId[];
  /** Why it cannot be checked, or what else it needs. */
  readonly note?: string;
}

/** The results bearing on one requirement and their combined status. */
export interface ComplianceGroup {
  readonly framework: Framework;
  readonly requirement: string;
  readonly title: string;
  /** fail if any result failed, else warn if any warned, else pass. */
  readonly status: CheckStatus;
  readonly results: readonly CheckResult[];
}

/** A requirement that applies to the secrets but that validation cannot verify. */
export interface ComplianceNote {
  readonly framework: Framework;
  readonly requirement: string;
  readonly title: string;
  readonly note: string;
}

const PASSWORDS: readonly CategoryId[] = ['database', 'redis', 'password'];
const ALL_CHECKS: readonly CheckId[] = ['present', 'length', 'strength', 'guessability', 'placeholder', 'classes', 'unique-name', 'unique-env', 'reuse', 'rotation', 'permissions'];

/** Every requirement Coffer maps, in report order. docs/checks.md shows the same table. */
export const COMPLIANCE_REQUIREMENTS: readonly ComplianceRequirement[] = [
  { framework: 'SOC 2', requirement: 'CC6.1', title: 'Logical access security: credentials are set, strong, unique, protected and rotated', checks: ALL_CHECKS },
  { framework: 'PCI-DSS', requirement: '2.2.2', title: 'Vendor default accounts: default passwords are changed', checks: ['placeholder'] },
  { framework: 'PCI-DSS', requirement: '3.6.1', title: 'Cryptographic keys are protected against disclosure and misuse', checks: ['permissions', 'unique-name', 'unique-env'], categories: ['encryption'] },
  { framework: 'PCI-DSS', requirement: '3.7.1', title: 'Key management: strong cryptographic keys are generated', checks: ['length', 'strength', 'guessability', 'placeholder'], categories: ['encryption'] },
  { framework: 'PCI-DSS', requirement: '3.7.4', title: 'Cryptographic keys are changed at the end of their cryptoperiod', checks: ['rotation'], categories: ['encryption'] },
  { framework: 'PCI-DSS', requirement: '6.5.3', title: 'Pre-production environments are separated from production', checks: ['unique-env'] },
  { framework: 'PCI-DSS', requirement: '8.3.6', title: 'Passwords have at least 12 characters with both letters and digits', checks: ['length', 'classes', 'strength'], categories: PASSWORDS },
  { framework: 'PCI-DSS', requirement: '8.3.7', title: 'A new password differs from the last four', checks: ['reuse'], categories: PASSWORDS, note: 'needs the history of previous values, which this provider does not keep; keep the secrets in the embedded store (or a provider with versions) to show it' },
  { framework: 'PCI-DSS', requirement: '8.3.9', title: 'Passwords are changed at least every 90 days', checks: ['rotation'], categories: PASSWORDS },
  { framework: 'PCI-DSS', requirement: '8.6.3', title: 'Application and system account passwords are changed periodically and are complex enough', checks: ['length', 'strength', 'guessability', 'rotation'], categories: PASSWORDS },
  { framework: 'HIPAA', requirement: '164.312(a)(1)', title: 'Access control: only authorised people and software can read secrets', checks: ['permissions', 'unique-env'] },
  { framework: 'HIPAA', requirement: '164.312(a)(2)(iv)', title: 'Encryption and decryption of ePHI with strong, managed keys', checks: ['present', 'length', 'strength', 'guessability', 'placeholder', 'rotation'], categories: ['encryption'] },
  { framework: 'HIPAA', requirement: '164.312(d)', title: 'Person or entity authentication with strong credentials', checks: ['present', 'length', 'strength', 'guessability', 'placeholder', 'unique-name'], categories: ['jwt', 'session', 'database', 'redis', 'password', 'api_key', 'webhook', 'token', 'generic'] },
  { framework: 'NIST SP 800-63B', requirement: '5.1.1.2', title: 'Secrets meet the minimum length and are not breached, dictionary, repetitive, sequential or context-specific values', checks: ['length', 'strength', 'guessability', 'placeholder'] },
  { framework: 'OWASP', requirement: 'ASVS V2.10.2', title: 'Service credentials are not default credentials', checks: ['placeholder'] },
  { framework: 'OWASP', requirement: 'ASVS V2.10.4', title: 'Secrets are managed securely, outside source code', checks: ['permissions'] },
  { framework: 'OWASP', requirement: 'ASVS V3.2.2', title: 'Session tokens have at least 64 bits of entropy (so must the secret that signs them)', checks: ['strength', 'guessability'], categories: ['session'] },
  { framework: 'OWASP', requirement: 'ASVS V6.3.1', title: 'Secret random values come from a CSPRNG and are not guessable', checks: ['strength', 'guessability'] },
];

function applies(requirement: ComplianceRequirement, secret: SecretUnderTest): boolean {
  const policy = secret.policy ?? CATEGORIES[secret.category];
  return policy.frameworks.includes(requirement.framework) && (requirement.categories === undefined || requirement.categories.includes(policy.id));
}

/**
 * Groups a report's results by the requirements they bear on. A result of a secret counts for a
 * requirement that applies to that secret; a result not about one secret (the file's permissions)
 * counts for every requirement that applies to some secret. Requirements with no result are left
 * out, as are those validation cannot verify (see {@link complianceNotes}).
 */
export function groupByCompliance(report: ValidationReport, secrets: readonly SecretUnderTest[]): ComplianceGroup[] {
  const byName = new Map<string, SecretUnderTest[]>();
  for (const secret of secrets) byName.set(secret.name, [...(byName.get(secret.name) ?? []), secret]);
  const groups: ComplianceGroup[] = [];
  for (const requirement of COMPLIANCE_REQUIREMENTS) {
    if (requirement.checks.length === 0) continue;
    const anySecret = secrets.some((s) => applies(requirement, s));
    if (!anySecret) continue;
    const results = report.results.filter((r) => {
      if (!requirement.checks.includes(r.check)) return false;
      const owners = byName.get(r.secret);
      return owners === undefined || owners.some((s) => applies(requirement, s));
    });
    if (results.length === 0) continue;
    const status: CheckStatus = results.some((r) => r.status === 'fail') ? 'fail' : results.some((r) => r.status === 'warn') ? 'warn' : 'pass';
    groups.push({ framework: requirement.framework, requirement: requirement.requirement, title: requirement.title, status, results });
  }
  return groups;
}

/**
 * Requirements that apply to these secrets but that this run could not verify, with the reason:
 * those no check covers, and those whose checks gave no result (the `reuse` check needs history).
 */
export function complianceNotes(secrets: readonly SecretUnderTest[], report?: ValidationReport): ComplianceNote[] {
  const checked = new Set(report?.results.map((r) => r.check) ?? []);
  return COMPLIANCE_REQUIREMENTS
    .filter((r) => r.note !== undefined && !r.checks.some((c) => checked.has(c)) && secrets.some((s) => applies(r, s)))
    .map((r) => ({ framework: r.framework, requirement: r.requirement, title: r.title, note: r.note ?? 'not verifiable from the values alone' }));
}
