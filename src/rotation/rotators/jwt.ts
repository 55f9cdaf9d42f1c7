/**
 * The `jwt` rotator: app-owned HMAC signing secrets (JWT, session and webhook-signing secrets).
 * The new value is a fresh random value of the secret's category; nothing outside Coffer has to
 * accept it. What makes the rotation seamless is on the application side: the JWT and signing
 * keyrings (src/client/keyring/) sign with `current` and keep verifying with `previous` until the
 * grace period ends, so set a grace period at least as long as the longest token lifetime.
 */
import { z } from 'zod/v3';
import type { Rotator, RotatorFactory } from '../types.js';
import { createRandomRotator } from './random.js';

/** Validates `JwtOptions` as written in a config file: none. */
export const optionsSchema = z.object({}).strict();

/** Options of the `jwt` rotator: none. */
export type JwtOptions = Readonly<Record<string, never>>;

/** Creates the `jwt` rotator. */
export const createJwtRotator: RotatorFactory<JwtOptions> = (options, context): Rotator => ({ ...createRandomRotator(options, context), id: 'jwt' });

export default createJwtRotator;
