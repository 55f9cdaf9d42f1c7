/**
 * The app-owned rotators through the shared conformance suite: `random`, `jwt`,
 * `encryption-key` and `api-key` without hooks have no target, so the suite checks what the
 * engine and the store show (the new value current, the old one kept as previous for the grace
 * period only when overlapping); `encryption-key` with a retire check that refuses, or cannot
 * start, proves that revoke fails with a key-free error, and without a retire check it retires
 * the old key only when the operator asks (`--finalize NAME`); `api-key`
 * with register/withdraw hooks keeps a file-backed service whose accepted keys are checked like
 * a login, and hooks that fail or cannot start prove that no key reaches an error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCofferError } from '../../src/core/errors.js';
import createApiKeyRotator from '../../src/rotation/rotators/api-key.js';
import createEncryptionKeyRotator from '../../src/rotation/rotators/encryption-key.js';
import createJwtRotator from '../../src/rotation/rotators/jwt.js';
import createRandomRotator from '../../src/rotation/rotators/random.js';
import { describeRotatorConformance } from '../conformance/rotator-suite.js';

const initial = `initial-${'K7q'.repeat(16)}`;

describeRotatorConformance('random', async () => ({ rotator: createRandomRotator({}, { env: {} }), category: 'session', initial }));
describeRotatorConformance('jwt', async () => ({ rotator: createJwtRotator({}, { env: {} }), category: 'jwt', initial: `${initial}${'Zx4'.repeat(8)}` }));
// Without a retire check the old key is retired only when the operator asks (`--finalize NAME`), as here.
describeRotatorConformance('encryption-key (no retire check, --finalize NAME)', async () => ({ rotator: createEncryptionKeyRotator({}, { env: {}, explicitRetire: true }), category: 'encryption', initial: `${initial}${'Zx4'.repeat(8)}` }));
describeRotatorConformance('encryption-key (retire check)', async () => {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const dir = mkdtempSync(join(tmpdir(), 'coffer-encryption-key-'));
  // The check passes only when it is told both key ids, and never gets a key.
  const check = ['sh', '-c', 'test -n "$COFFER_RETIRING_KEY_ID" && test -n "$COFFER_CURRENT_KEY_ID" && test "$COFFER_RETIRING_KEY_ID" != "$COFFER_CURRENT_KEY_ID"'];
  return {
    rotator: createEncryptionKeyRotator({ retireCheck: check }, { env }),
    category: 'encryption',
    initial: `${initial}${'Zx4'.repeat(8)}`,
    broken: async () => [
      createEncryptionKeyRotator({ retireCheck: ['sh', '-c', 'exit 4'] }, { env }),
      createEncryptionKeyRotator({ retireCheck: [join(dir, 'missing-check')] }, { env }),
    ],
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
describeRotatorConformance('api-key (grace, no hooks)', async () => ({ rotator: createApiKeyRotator({}, { env: {} }), category: 'api_key', initial }));
describeRotatorConformance('api-key (immediate, no hooks)', async () => ({ rotator: createApiKeyRotator({ strategy: 'immediate' }, { env: {} }), category: 'api_key', initial }));

for (const strategy of ['grace', 'immediate'] as const) {
  describeRotatorConformance(`api-key (${strategy}, register/withdraw hooks)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-api-key-'));
    const file = join(dir, 'accepted.txt');
    writeFileSync(file, `${initial}\n`);
    // With grace the service keeps every registered key until withdrawn; with immediate it keeps one key.
    const hooks = {
      register: ['sh', '-c', strategy === 'grace' ? 'read k; grep -qxF -- "$k" "$0" || echo "$k" >> "$0"' : 'read k; echo "$k" > "$0"', file],
      withdraw: ['sh', '-c', 'read k; grep -vxF -- "$k" "$0" > "$0.tmp"; mv "$0.tmp" "$0"', file],
    };
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    return {
      rotator: createApiKeyRotator({ strategy, ...hooks }, { env }),
      category: 'api_key',
      initial,
      accepts: async (value) => readFileSync(file, 'utf8').split('\n').includes(value),
      testAsksTarget: false,
      broken: async () => [
        createApiKeyRotator({ strategy, register: ['sh', '-c', 'exit 7'], withdraw: ['sh', '-c', 'exit 7'] }, { env }),
        createApiKeyRotator({ strategy, register: [join(dir, 'missing-hook')], withdraw: [join(dir, 'missing-hook')] }, { env }),
      ],
      close: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
}

test('a failing retire check or hook is named by its program only: no argument reaches the message', async () => {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const subject = { name: 'DATA_KEY', environment: 'production', category: 'encryption', profile: 'production' } as const;
  const argument = 'argument-token-Xy7Qp3';
  const check = createEncryptionKeyRotator({ retireCheck: ['sh', '-c', 'exit 4', argument] }, { env });
  const kept = await check.revoke(subject, { previous: 'old', current: 'new', versions: { previous: '1', current: '2' } }).then(() => undefined, (e: unknown) => e as Error);
  assert.match(kept?.message ?? '', /retire check \(sh\) exited 4/);
  assert.ok(!kept?.message.includes(argument));
  const hook = createApiKeyRotator({ register: ['sh', '-c', 'exit 6', argument] }, { env });
  const failed = await hook.set({ ...subject, category: 'api_key' }, { current: 'old', pending: 'new' }).then(() => undefined, (e: unknown) => e as Error);
  assert.match(failed?.message ?? '', /register hook of DATA_KEY \(sh\) exited 6/);
  assert.ok(!failed?.message.includes(argument));
});

test('a retire check gets the key ids and the environment, but not COFFER_MASTER_KEY or any other COFFER_* secret', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-command-env-'));
  try {
    const out = join(dir, 'env.txt');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', COFFER_MASTER_KEY: 'beef'.repeat(16), COFFER_PASSPHRASE: 'a passphrase', COFFER_SERVER_TOKEN: 'tok-123456', COFFER_ENV: 'production', PLAIN: 'yes' };
    const check = createEncryptionKeyRotator({ retireCheck: ['sh', '-c', 'env > "$0"', out] }, { env });
    await check.revoke({ name: 'DATA_KEY', environment: 'production', category: 'encryption', profile: 'production' }, { previous: 'old', current: 'new', versions: { previous: '1', current: '2' } });
    const seen = readFileSync(out, 'utf8');
    for (const name of ['COFFER_MASTER_KEY', 'COFFER_PASSPHRASE', 'COFFER_SERVER_TOKEN']) assert.doesNotMatch(seen, new RegExp(`^${name}=`, 'm'), `${name} is not passed on`);
    for (const line of ['PLAIN=yes', 'COFFER_ENV=production', 'COFFER_SECRET=DATA_KEY', 'COFFER_RETIRING_KEY_ID=1', 'COFFER_CURRENT_KEY_ID=2']) assert.match(seen, new RegExp(`^${line}$`, 'm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an encryption key without a retire check is not retired unless the operator asks: revoke refuses, naming --finalize and no key', async () => {
  const subject = { name: 'DATA_KEY', environment: 'production', category: 'encryption', profile: 'production' } as const;
  const values = { previous: `old-${'Qk7'.repeat(22)}`, current: `new-${'Wm3'.repeat(22)}`, versions: { previous: '1', current: '2' } };
  const timer = createEncryptionKeyRotator({}, { env: {} });
  const error = await timer.revoke(subject, values).then(() => undefined, (e: unknown) => e as Error);
  assert.ok(isCofferError(error, 'COFFER_E_ROTATION_FAILED'), String(error));
  assert.match(error.message, /Key 1 of DATA_KEY stays live beside the current key 2: no retireCheck.*coffer rotate production --finalize DATA_KEY/);
  assert.ok(!error.message.includes(values.previous) && !error.message.includes(values.current));
  await createEncryptionKeyRotator({}, { env: {}, explicitRetire: true }).revoke(subject, values);
});
