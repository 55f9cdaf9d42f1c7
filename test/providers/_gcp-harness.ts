/**
 * What the gcp-secret-manager tests share: the provider opened on a local fake (REST with a
 * bearer token, one attempt unless told otherwise), and a fake that is closed after the body.
 */
import createGcpSecretManagerProvider from '../../src/providers/gcp-secret-manager.js';
import { startFakeGcp, type FakeGcp } from './_fake-gcp-secret-manager.js';

/** The provider talking to `fake`; `options` override the defaults. */
export const openOnFake = (fake: FakeGcp, options: Record<string, unknown> = {}) =>
  createGcpSecretManagerProvider({ project: 'coffer-test', endpoint: `http://127.0.0.1:${fake.port}`, accessToken: fake.token, maxAttempts: 1, ...options });

/** Runs `body` with a fresh fake, closed afterwards whatever happens. */
export async function withFake(body: (fake: FakeGcp) => Promise<void>): Promise<void> {
  const fake = await startFakeGcp();
  try {
    await body(fake);
  } finally {
    await fake.close();
  }
}
