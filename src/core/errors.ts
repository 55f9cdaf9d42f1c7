/**
 * Coffer's one error type and its stable codes.
 *
 * Every failure that reaches a user carries a `COFFER_E_...` code from {@link ERROR_CODES}, a
 * one-line message that says what is wrong and what to do, a `retryable` flag and the original
 * `cause`. Messages never contain secret values: callers pass names, paths and counts only.
 * Codes are stable: a retired code is never reused (test/core/errors.test.ts keeps this table,
 * the types and docs/errors.md in agreement).
 */

/** What a code means and how the CLI treats it. */
export interface ErrorCodeInfo {
  /** One sentence for docs/errors.md. */
  readonly summary: string;
  /** CLI exit status: 1 a check failed, 2 usage or config error, 3 provider or store unavailable. */
  readonly exit: 1 | 2 | 3;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
}

/** The registry of every error code Coffer raises. */
export const ERROR_CODES = {
  COFFER_E_USAGE: { summary: 'A command was called with missing, unknown or conflicting arguments.', exit: 2, retryable: false },
  COFFER_E_CONFIG_NOT_FOUND: { summary: 'No coffer config file was found in the directory or its parents.', exit: 2, retryable: false },
  COFFER_E_CONFIG_PARSE: { summary: 'The config file is not valid JSON or YAML.', exit: 2, retryable: false },
  COFFER_E_CONFIG_INVALID: { summary: 'The config file parsed but a field is missing, misspelt or has a wrong value.', exit: 2, retryable: false },
  COFFER_E_UNKNOWN_ENV: { summary: 'The environment named is not declared in the config.', exit: 2, retryable: false },
  COFFER_E_UNKNOWN_PROVIDER: { summary: 'The provider id named is not one Coffer knows.', exit: 2, retryable: false },
  COFFER_E_EXISTS: { summary: 'A file Coffer would create already exists and was left untouched.', exit: 2, retryable: false },
  COFFER_E_DOTENV_SYNTAX: { summary: 'A line of a dotenv file cannot be parsed.', exit: 2, retryable: false },
  COFFER_E_UNSAFE_VALUE: { summary: 'A value cannot be written to the target so that every reader gets back the same bytes.', exit: 2, retryable: false },
  COFFER_E_FILE_UNREADABLE: { summary: 'A file could not be read (missing, a directory, or no permission).', exit: 2, retryable: false },
  COFFER_E_FILE_WRITE: { summary: 'A file could not be written; nothing was changed.', exit: 3, retryable: false },
  COFFER_E_MISSING_SECRETS: { summary: 'Required secrets have no value; the message lists every missing name.', exit: 2, retryable: false },
  COFFER_E_NOT_FOUND: { summary: 'The secret does not exist in the provider.', exit: 1, retryable: false },
  COFFER_E_ACCESS_DENIED: { summary: 'The provider refused access to the secret.', exit: 3, retryable: false },
  COFFER_E_UNAVAILABLE: { summary: 'The provider or store could not be reached; try again.', exit: 3, retryable: true },
  COFFER_E_UNSUPPORTED: { summary: 'The provider does not support the requested operation.', exit: 2, retryable: false },
  COFFER_E_CANCELLED: { summary: 'The user interrupted a prompt; nothing was written.', exit: 2, retryable: false },
  COFFER_E_CONFLICT: { summary: 'A check-and-set write lost to a concurrent writer; read the secret again and retry.', exit: 1, retryable: false },
  COFFER_E_UNSAFE_NAME: { summary: 'A secret name would change how the child process runs (LD_PRELOAD, NODE_OPTIONS, PATH, ...); rename it or allow it explicitly.', exit: 2, retryable: false },
  COFFER_E_WEAK_SECRET: { summary: 'A value fails the policy of its category and profile; the message lists the failed checks. Choose a stronger value or generate one.', exit: 1, retryable: false },
  COFFER_E_REUSED_VALUE: { summary: 'The new value equals one of the secret\'s last 4 values, which PCI-DSS forbids for passwords.', exit: 1, retryable: false },
  COFFER_E_DECRYPT_FAILED: { summary: 'A stored value failed authenticated decryption (wrong key or altered data); the message names the secret and version.', exit: 3, retryable: false },
  COFFER_E_TOKEN_INVALID: { summary: 'A token or signature presented to a keyring was refused: expired, altered, signed with a retired key, or with the wrong issuer or audience; the message says which.', exit: 1, retryable: false },
  COFFER_E_BAD_MASTER_KEY: { summary: 'The master key given does not open this store, or is not a 32-byte key.', exit: 2, retryable: false },
  COFFER_E_STORE_CORRUPT: { summary: 'The store is damaged or inconsistent; restore it from a backup.', exit: 3, retryable: false },
  COFFER_E_REFERENCE_INVALID: { summary: 'A value holds a `${...}` reference Coffer cannot read: an unknown kind, a bad name, no closing brace, or an expansion past the size limit; the message names the secret and the position.', exit: 2, retryable: false },
  COFFER_E_REFERENCE_MISSING: { summary: 'A `${secret:NAME}` or `${env:NAME}` reference points to a secret or environment variable that has no value; the message names both.', exit: 2, retryable: false },
  COFFER_E_REFERENCE_CYCLE: { summary: 'Secrets refer to each other in a loop; the message names the whole cycle (A -> B -> A).', exit: 2, retryable: false },
  COFFER_E_ROTATION_FAILED: { summary: 'A rotation step failed; the rotation was rolled back (the target keeps the old credential) or, when even that failed, the message says what to run next.', exit: 1, retryable: false },
  COFFER_E_ROTATION_IN_PROGRESS: { summary: 'The secret is being rotated by another process, or its last rotation is still in its grace period; wait, or end the grace period with `coffer rotate --finalize`.', exit: 1, retryable: true },
  COFFER_E_ROTATION_TEST_FAILED: { summary: 'The target refused the new credential in the test step of a rotation (a login or a PING failed); the rotation was rolled back and the target keeps the old credential.', exit: 1, retryable: false },
  COFFER_E_MISSING_PACKAGE: { summary: 'An optional package that a provider or rotator needs (pg, ioredis, a cloud SDK) is not installed; the message gives the npm install command.', exit: 2, retryable: false },
  COFFER_E_INTERNAL: { summary: 'An unexpected internal failure; please report it.', exit: 3, retryable: false },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A stable Coffer error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options of {@link CofferError}. */
export interface CofferErrorOptions {
  /** The underlying error, kept for debugging; never shown to users with its stack by the CLI. */
  readonly cause?: unknown;
  /** Overrides the code's default `retryable`. */
  readonly retryable?: boolean;
  /** Structured, value-free details (names, paths, line numbers) for `--json` output. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The error Coffer throws.
 *
 * @example
 * throw new CofferError('COFFER_E_UNKNOWN_ENV', `Unknown environment "qa"; declared: development, production. Add it under "environments" in coffer.config.json.`);
 */
export class CofferError extends Error {
  override readonly name = 'CofferError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: CofferErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details ?? {};
  }
}

/** True when `error` is a {@link CofferError}, optionally with the given code. */
export function isCofferError(error: unknown, code?: ErrorCode): error is CofferError {
  return error instanceof CofferError && (code === undefined || error.code === code);
}
