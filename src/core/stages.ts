/**
 * Version stages, in the AWS Secrets Manager sense: `current` is what readers get, `previous`
 * the value before the last change (still valid during a rotation's grace period), `pending` a
 * new value being rotated in and not yet live.
 */

/** Every stage. */
export const STAGES = ['current', 'previous', 'pending'] as const;
/** A stage a version can carry. */
export type Stage = (typeof STAGES)[number];
