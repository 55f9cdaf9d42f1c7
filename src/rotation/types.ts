/**
 * The Rotator contract: what the rotation engine (engine.ts) asks of each kind of credential.
 * A rotator knows one target system (a PostgreSQL role, a Redis user, nothing at all for an
 * app-owned signing key) and performs the target-side half of the four steps of a rotation;
 * the engine owns the secret's versions and stages, the journal, the lock and the grace period.
 *
 * Every method must be idempotent: after a crash the engine repeats the step that was in
 * flight, so applying the same new credential twice, or revoking one already revoked, must
 * succeed and change nothing more. No method may put a value in an error, a log line or its
 * return value (other than `create`'s new value).
 *
 * test/conformance/rotator-suite.ts checks every rotator against this contract.
 */
import type { CategoryId } from '../core/categories.js';

/** What a rotator is told about the secret it rotates. */
export interface RotationSubject {
  /** The secret's name (`DB_PASSWORD`). */
  readonly name: string;
  /** The environment (`production`). */
  readonly environment: string;
  /** The secret's category, which decides how a new value is generated. */
  readonly category: CategoryId;
  /** The stricter profile of the environment, which decides the generated value's policy. */
  readonly profile: 'production' | 'development';
}

/** The values a step works with. */
export interface RotationValues {
  /** The value readers get now (`current`). */
  readonly current: string;
  /** The new value being rotated in (`pending`). */
  readonly pending: string;
}

/** What `revoke` works with: the retired value and the one that replaced it. */
export interface RevocationValues {
  /** The value being retired (`previous`). */
  readonly previous: string;
  /** The value that replaced it (`current`), for targets that need it to authenticate. */
  readonly current: string;
  /** Version ids of both, for rotators that name keys by version (the encryption keyring's key ids). */
  readonly versions?: { readonly previous: string; readonly current: string };
}

/** Options of {@link Rotator.create}. */
export interface CreateInput {
  readonly subject: RotationSubject;
  /** The value readers get now. */
  readonly current: string;
  /** A new random value that satisfies the category's policy, for rotators that need only that. */
  generate(): string;
}

/** What a rotator declares about itself. */
export interface RotatorTraits {
  /**
   * The old credential keeps working after `set` until `revoke` (Redis ACL with two passwords,
   * alternating PostgreSQL roles, an app-owned key verified with `previous`): a grace period is
   * meaningful. False when `set` invalidates the old credential at once (a single PostgreSQL
   * role, Redis requirepass); the engine then finishes with no grace and says so.
   */
  readonly overlapping: boolean;
  /** The rotator touches a system outside Coffer (false: app-owned keys, only the store changes). */
  readonly external: boolean;
}

/** One kind of credential's target-side steps. */
export interface Rotator {
  /** The rotator id, equal to its file name in src/rotation/rotators/ (`postgres`, `redis`, ...). */
  readonly id: string;
  readonly traits: RotatorTraits;
  /** Makes the new value from the current one (a new password, or a URL with a new password). */
  create(input: CreateInput): Promise<string>;
  /**
   * Makes the target accept `pending`. With `traits.overlapping`, `current` stays valid too.
   * Repeating it with the same values is a no-op.
   */
  set(subject: RotationSubject, values: RotationValues): Promise<void>;
  /** Proves the target accepts `pending` (a login, a PING); throws when it does not. */
  test(subject: RotationSubject, values: RotationValues): Promise<void>;
  /**
   * Undoes `set`: the target accepts `current` and no longer `pending`. Also safe when `set`
   * never ran or ran only in part.
   */
  rollback(subject: RotationSubject, values: RotationValues): Promise<void>;
  /** Retires `previous` at the target once the grace period is over (or at once, when compromised). */
  revoke(subject: RotationSubject, values: RevocationValues): Promise<void>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}

/** Creates a rotator from its options as written in the config (`rotation.options`). */
export type RotatorFactory<Options> = (options: Options, context: RotatorContext) => Rotator;

/** What every rotator factory receives besides its own options. */
export interface RotatorContext {
  /** Environment variables, for `${env:...}` defaults a rotator documents. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Timeout of one call to the target, in milliseconds; default 10000. */
  readonly timeoutMs?: number;
  /**
   * True when the operator asked for this secret's old value to be retired now (`coffer rotate
   * --finalize NAME`). A rotator that never retires on a timer, because nothing tells it the old
   * credential is unused (an encryption key without a retireCheck), retires only then. Default false.
   */
  readonly explicitRetire?: boolean;
}
