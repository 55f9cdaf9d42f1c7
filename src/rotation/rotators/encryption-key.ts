/**
 * The `encryption-key` rotator: data-encryption keys used through the encryption keyring
 * (src/client/keyring/encryption-keyring.ts). A new random 256-bit-or-more key becomes current
 * (new data is encrypted with it); the old one stays live as `previous` so existing data still
 * decrypts while the application re-encrypts it with `reencrypt`. The old key must not be retired
 * while data still needs it: the optional `retireCheck` command is asked first, and a non-zero
 * exit keeps the old key live and the rotation open until a later `coffer rotate --finalize`.
 * Without a retireCheck nothing can tell that the data was re-encrypted, so the old key is never
 * retired on a timer (the end of the grace period, a later rotation, `--grace 0`,
 * `--compromised`): only when the operator asks with `coffer rotate --finalize NAME`
 * (RotatorContext.explicitRetire). Retiring a key that data still needs makes that data unreadable.
 */
import { z } from 'zod/v3';
import { CofferError } from '../../core/errors.js';
import { keyId } from '../../client/keyring/_live-keys.js';
import { commandName, describeFailure, runCommand } from '../_command.js';
import type { Rotator, RotatorFactory } from '../types.js';

/** Validates `EncryptionKeyOptions` as written in a config file. */
export const optionsSchema = z.object({
  retireCheck: z.array(z.string().min(1)).min(1).optional(),
}).strict();

/** Options of the `encryption-key` rotator. */
export interface EncryptionKeyOptions {
  /**
   * Command that exits 0 when no data is encrypted under the old key any more (for example a
   * script counting rows whose ciphertext starts with `cfr1.<old key id>.`). It gets
   * COFFER_SECRET, COFFER_RETIRING_KEY_ID and COFFER_CURRENT_KEY_ID in its environment, never a
   * key. Default: none (the old key stays live until `coffer rotate --finalize NAME`).
   */
  readonly retireCheck?: readonly string[];
}

/** Creates the `encryption-key` rotator. */
export const createEncryptionKeyRotator: RotatorFactory<EncryptionKeyOptions> = (options, context): Rotator => ({
  id: 'encryption-key',
  traits: { overlapping: true, external: false },
  create: async (input) => input.generate(),
  set: async () => undefined,
  test: async () => undefined,
  rollback: async () => undefined,
  async revoke(subject, values) {
    const check = options.retireCheck;
    const retiring = keyId(values.versions?.previous, values.previous);
    const current = keyId(values.versions?.current, values.current);
    if (check === undefined) {
      if (context.explicitRetire === true) return;
      throw new CofferError('COFFER_E_ROTATION_FAILED', `Key ${retiring} of ${subject.name} stays live beside the current key ${current}: no retireCheck is configured, so nothing tells coffer that no data is encrypted under it any more. Re-encrypt that data with the keyring's reencrypt(), then retire the key with \`coffer rotate ${subject.environment} --finalize ${subject.name}\`.`, { details: { name: subject.name } });
    }
    const timeoutMs = context.timeoutMs ?? 10_000;
    const outcome = await runCommand(check, { env: context.env, set: { COFFER_SECRET: subject.name, COFFER_RETIRING_KEY_ID: retiring, COFFER_CURRENT_KEY_ID: current }, timeoutMs });
    if (outcome.code !== 0) {
      throw new CofferError('COFFER_E_ROTATION_FAILED', `Key ${retiring} of ${subject.name} is kept live: its retire check (${commandName(check)}) ${describeFailure(outcome, timeoutMs)}, so data may still be encrypted under it. Re-encrypt that data with the keyring's reencrypt(), then run \`coffer rotate ${subject.environment} --finalize ${subject.name}\`.`, { details: { name: subject.name } });
    }
  },
  close: async () => undefined,
});

export default createEncryptionKeyRotator;
