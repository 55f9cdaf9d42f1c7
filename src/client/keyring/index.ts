/**
 * Keyrings: application-side helpers that keep working across rotations of the secret they use.
 * Each signs or encrypts with the `current` version and accepts the `previous` one while a
 * rotation's grace period lasts (see docs/keyrings.md).
 */
export { createJwtKeyring, type JwtKeyring, type JwtKeyringOptions, type JwtSignOptions, type JwtAlgorithm } from './jwt-keyring.js';
export { createSigningKeyring, type SigningKeyring, type SigningKeyringOptions, type Signature } from './signing-keyring.js';
export { createEncryptionKeyring, type EncryptionKeyring, type EncryptionKeyringOptions } from './encryption-keyring.js';
export type { KeyringOptions } from './_live-keys.js';
