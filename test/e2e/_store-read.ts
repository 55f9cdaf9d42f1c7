/**
 * Test helpers for sandboxes whose environments live in the embedded store: read the values
 * back through the library (with the key the CLI used: the key file under the sandbox's HOME, or
 * COFFER_MASTER_KEY), and search the store's files byte for byte for plaintext.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { sandbox, type Sandbox } from './_harness.js';

/** Path of the sandbox's store file. */
export const storePath = (box: Sandbox): string => join(box.dir, '.coffer', 'store.db');

/** The current values of `env` in the sandbox's store, by name; `{}` for an environment with none. */
export async function storeValues(box: Sandbox, env: string, vars: Record<string, string> = {}): Promise<Record<string, string>> {
  const store = await openSqliteStore({ path: storePath(box), env: { HOME: box.home, ...vars } });
  try {
    const values: Record<string, string> = {};
    for (const info of await store.list(env)) values[info.name] = (await store.get(env, info.name, { actor: 'test' })).value;
    return values;
  } finally {
    store.close();
  }
}

/** Fails when any of `values` appears in clear in any file under the sandbox's .coffer directory. */
export function assertNoPlaintextInStore(box: Sandbox, values: readonly string[]): void {
  const dir = join(box.dir, '.coffer');
  for (const file of readdirSync(dir)) {
    const bytes = readFileSync(join(dir, file));
    for (const value of values) assert.equal(bytes.indexOf(value), -1, `a value is in clear in ${file}`);
  }
}

/** A new project on the store (init's default) with the development secrets generated, and their values. */
export async function storeProject(): Promise<{ box: Sandbox; values: Record<string, string> }> {
  const box = sandbox();
  for (const args of [['init', '--yes'], ['generate', 'development', '--yes']]) {
    const result = await box.run(args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  }
  return { box, values: await storeValues(box, 'development') };
}
