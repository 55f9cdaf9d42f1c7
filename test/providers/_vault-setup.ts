/**
 * Shared set-up of the hashicorp-vault provider tests: a fake Vault with a KV mount and a
 * provider pointed at it, raw calls to the fake (as another Vault client would make them), and
 * an assertion that an error carries a code and leaks neither a token nor a value anywhere,
 * its cause included.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { isCofferError, type CofferError, type ErrorCode } from '../../src/core/errors.js';
import { createVaultProvider, type HashicorpVaultOptions, type VaultProvider } from '../../src/providers/hashicorp-vault.js';
import { startFakeVault, type FakeVault, type FakeVaultOptions } from './_fake-vault.js';

/** A fake Vault with one KV mount, and a provider on it. */
export interface VaultFixture {
  readonly fake: FakeVault;
  readonly provider: VaultProvider;
  /** Another provider on the same fake, with other options. */
  open(options?: HashicorpVaultOptions, env?: Record<string, string | undefined>): VaultProvider;
  close(): Promise<void>;
}

/** Starts a fake with `mount` (KV `version`) and opens a provider with `options` and the root token. */
export async function vaultFixture(options: HashicorpVaultOptions & { version?: 1 | 2 } = {}, fakeOptions: FakeVaultOptions = {}): Promise<VaultFixture> {
  const fake = await startFakeVault(fakeOptions);
  const { version = 2, ...providerOptions } = options;
  fake.mount(providerOptions.mount ?? 'secret', version);
  const opened: VaultProvider[] = [];
  const open = (more: HashicorpVaultOptions = {}, env: Record<string, string | undefined> = { VAULT_TOKEN: fake.rootToken }) => {
    const provider = createVaultProvider({ address: fake.url, kvVersion: version, ...providerOptions, ...more }, { env, cwd: '/' });
    opened.push(provider);
    return provider;
  };
  const provider = open();
  return {
    fake, provider, open,
    async close() {
      await Promise.all(opened.map((p) => p.close()));
      await fake.close();
    },
  };
}

/** Runs `body` with a fixture, closing it after. */
export async function withVault(options: HashicorpVaultOptions & { version?: 1 | 2 }, body: (fx: VaultFixture) => Promise<void>, fakeOptions: FakeVaultOptions = {}): Promise<void> {
  const fx = await vaultFixture(options, fakeOptions);
  try {
    await body(fx);
  } finally {
    await fx.close();
  }
}

/** A call to the fake as another client would make it (the vault CLI, an operator). */
export async function raw(fake: FakeVault, method: string, path: string, body?: unknown, token = fake.rootToken): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${fake.url}/v1/${path}`, {
    method,
    headers: { 'x-vault-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/**
 * Awaits a rejection with `code` whose message contains each of `includes`; neither the message,
 * the details nor the inspected error (cause included) contains any of `hidden`.
 */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, includes: readonly (string | RegExp)[] = [], hidden: readonly string[] = []): Promise<CofferError> {
  const error: unknown = await promise.then(() => assert.fail(`expected ${code}, but the call succeeded`), (caught: unknown) => caught);
  assert.ok(isCofferError(error), `not a CofferError: ${inspect(error)}`);
  assert.equal(error.code, code, error.message);
  for (const part of includes) {
    if (typeof part === 'string') assert.ok(error.message.includes(part), `"${error.message}" lacks "${part}"`);
    else assert.match(error.message, part);
  }
  const shown = `${error.message} ${JSON.stringify(error.details)} ${inspect(error, { depth: 6 })}`;
  for (const secret of hidden) assert.ok(!shown.includes(secret), `the error shows a secret (${secret.slice(0, 4)}...): ${error.message}`);
  assert.equal(error.message.includes('\n'), false, 'the message is one line');
  return error;
}
