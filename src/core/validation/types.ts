/**
 * The vocabulary of `coffer validate`: what the validation engine is given (the secrets of one
 * environment, the profile to judge them by, optional file facts and the other environments'
 * values) and what it returns (one result per check and secret, a summary and an overall status).
 * Everything here is plain data so that the CLI can print it, serialise it with `--json` and map it
 * to compliance requirements. No type here ever carries a secret value out of the engine: results
 * hold names, check ids and value-free messages only.
 */
import type { CategoryId, CategoryPolicy, Profile } from '../categories.js';

/** The checks the engine runs, in the order their results appear for each secret. */
export const CHECK_IDS = [
  'present', 'length', 'strength', 'guessability', 'placeholder', 'classes',
  'unique-name', 'unique-env', 'reuse', 'rotation', 'permissions',
] as const;
/** The id of one check. */
export type CheckId = (typeof CHECK_IDS)[number];

/** One secret as the engine sees it: its name, its value (if any) and how to judge it. */
export interface SecretUnderTest {
  /** The variable name, e.g. `JWT_SECRET`. */
  readonly name: string;
  /** The value; `undefined` or `''` means the secret is missing. */
  readonly value: string | undefined;
  /** The catalog category whose policy applies. */
  readonly category: CategoryId;
  /** Whether a missing value fails (required) or only warns (optional). */
  readonly required: boolean;
  /** Days between rotations; used with `metadata.updatedAt` when `rotateBy` is absent. */
  readonly rotationDays: number;
  /** Rotation facts from the provider or store; without them the rotation check is skipped. */
  readonly metadata?: {
    /** ISO 8601 time of the last change of the value. */
    readonly updatedAt?: string;
    /** ISO 8601 date by which the value must be rotated; wins over `updatedAt + rotationDays`. */
    readonly rotateBy?: string;
  };
  /**
   * What the provider's version history says, where it keeps one: whether the current value
   * repeats one of the `depth` values before it. Without it the `reuse` check is skipped.
   */
  readonly history?: { readonly reusesPrevious: boolean; readonly depth: number };
  /** A policy that replaces the catalog entry of `category` (for config overrides). */
  readonly policy?: CategoryPolicy;
}

/** Facts about the file the secrets were read from, when they came from one. */
export interface FileUnderTest {
  /** The path as the user should see it (relative paths are fine). */
  readonly path: string;
  /** The POSIX mode bits (`stat.mode`), or `undefined` when the platform cannot tell. */
  readonly mode: number | undefined;
}

/** The values of another environment, for the cross-environment uniqueness check. */
export interface OtherEnvironment {
  readonly environment: string;
  /** Name -> value. */
  readonly values: ReadonlyMap<string, string>;
}

/** Everything `validateSecrets` needs; it reads nothing else (no clock, no files). */
export interface ValidationInput {
  /**
   * The label of what is validated: an environment name (`production`), or a file name
   * (`.env.production`) for a file validated without an environment. Messages and the report use it.
   */
  readonly environment: string;
  /**
   * The environment that remediation hints name in commands (`coffer generate production --force
   * --only JWT_SECRET`). Give it only when `coffer generate` with this environment writes where the
   * values were read from; when undefined, hints say to replace the value in `environment` instead,
   * since a file name is no environment and a command naming it would fail.
   */
  readonly hintEnvironment?: string;
  /** The profile the environment maps to; production is stricter. */
  readonly profile: Profile;
  readonly secrets: readonly SecretUnderTest[];
  /** The current time, for rotation deadlines. */
  readonly now: Date;
  /** The file the secrets came from; when given, its permissions are checked. */
  readonly file?: FileUnderTest;
  /** Other environments' values; when given, values shared with them fail `unique-env`. */
  readonly otherEnvironments?: readonly OtherEnvironment[];
  /**
   * Results the caller found itself (e.g. a warning that another environment could not be read),
   * appended after the engine's own and counted in the summary and status like them. They must
   * follow the same rules: one line, no value.
   */
  readonly extraResults?: readonly CheckResult[];
}

/** How one check ended for one secret. */
export type CheckStatus = 'pass' | 'fail' | 'warn';

/** The outcome of one check for one secret (or for the file, for `permissions`). */
export interface CheckResult {
  /** The secret's name; for `permissions`, the file path. */
  readonly secret: string;
  readonly check: CheckId;
  readonly status: CheckStatus;
  /** One line: what is wrong and what to do (or what passed). Never contains the value. */
  readonly message: string;
}

/** The report of one `coffer validate` run. */
export interface ValidationReport {
  readonly environment: string;
  /** NON-COMPLIANT when any result failed; warnings alone leave it COMPLIANT. */
  readonly status: 'COMPLIANT' | 'NON-COMPLIANT';
  /** Counts of results: `total = passed + failed + warnings`. */
  readonly summary: { readonly total: number; readonly passed: number; readonly failed: number; readonly warnings: number };
  /** Per secret in input order, its results in {@link CHECK_IDS} order; then the file result; then the caller's extra results. */
  readonly results: readonly CheckResult[];
}
