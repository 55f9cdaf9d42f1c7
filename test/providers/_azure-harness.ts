/**
 * Shared by the azure-key-vault tests: a provider opened on a running fake (trusting its
 * certificate through the caCert option only, signing in with a real ClientSecretCredential),
 * a fresh fake per test, and a matcher for CofferErrors.
 */
import assert from 'node:assert/strict';
import { isCofferError } from '../../src/core/errors.js';
import { createKeyVaultProvider, type AzureKeyVaultOptions } from '../../src/providers/azure-key-vault.js';
import { startFakeKeyVault, type FakeKeyVault } from './_fake-azure-key-vault.js';

/** A provider on `fake`, trusting its certificate through the caCert option only. */
export const openOn = (fake: FakeKeyVault, options: AzureKeyVaultOptions = {}) => createKeyVaultProvider({
  vaultUrl: fake.url, caCert: fake.caFile, credential: fake.credential(), disableChallengeResourceVerification: true, maxAttempts: 1, pollIntervalMs: 10, ...options,
});

/** Runs `body` with a fresh fake, closed afterwards. */
export async function withFake(body: (fake: FakeKeyVault) => Promise<void>): Promise<void> {
  const fake = await startFakeKeyVault();
  try {
    await body(fake);
  } finally {
    await fake.close();
  }
}

/** An assert.rejects matcher: a CofferError with `code` whose message matches every part. */
export const rejects = (code: string, ...parts: (string | RegExp)[]) => (error: unknown) => {
  assert.ok(isCofferError(error, code as never), `expected ${code}, got ${String(error)}`);
  for (const part of parts) assert.match((error as Error).message, typeof part === 'string' ? new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : part);
  return true;
};
