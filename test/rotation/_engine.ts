/**
 * The rotation engine over a real embedded store in a temp directory, for the tests of rotators
 * with a real server: one secret with a `rotation` config, its initial value stored, every new
 * value the engine generates recorded (so a test can try a value that was rolled back), and the
 * stages readable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type ResolvedSecret } from '../../src/config/resolve.js';
import type { CategoryId } from '../../src/core/categories.js';
import createStoreProvider from '../../src/providers/store.js';
import { RotationEngine } from '../../src/rotation/engine.js';
import type { Rotator } from '../../src/rotation/types.js';

/** What {@link storeEngine} rotates. */
export interface StoreEngineOptions {
  readonly name: string;
  readonly category: CategoryId;
  /** The secret's `rotation` config (rotator, healthCheck, ...). */
  readonly rotation: Readonly<Record<string, unknown>>;
  readonly initial: string;
  /** A new rotator for each engine call. */
  rotator(): Rotator;
  /** A new value (the n-th, from 1). */
  generate(n: number): string;
}

/** Opens the store and engine; call `close()` when done. */
export async function storeEngine(options: StoreEngineOptions) {
  const dir = mkdtempSync(join(tmpdir(), `coffer-${options.category}-engine-`));
  const config = resolveConfig({ version: 1, environments: { production: { provider: 'store' } }, secrets: { [options.name]: { category: options.category, rotation: options.rotation } } }, join(dir, 'coffer.config.json'));
  const secret = config.secrets[0] as ResolvedSecret;
  const provider = createStoreProvider({ environment: 'production' }, { cwd: dir, env: { COFFER_MASTER_KEY: 'beef'.repeat(16), HOME: dir } });
  await provider.set(secret.name, options.initial);
  const generated: string[] = [];
  const generate = () => {
    const value = options.generate(generated.length + 1);
    generated.push(value);
    return value;
  };
  const engine = new RotationEngine({ provider, root: dir, environment: 'production', profile: 'production', rotatorFor: async () => options.rotator(), generate, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  const stage = (s: 'current' | 'previous' | 'pending') => provider.get(secret.name, { stage: s }).then((r) => r.value, () => undefined);
  return { engine, secret, stage, generated, close: async () => { await provider.close(); rmSync(dir, { recursive: true, force: true }); } };
}
