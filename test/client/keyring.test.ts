/**
 * Keyrings across real rotations: the embedded store holds the key, the rotation engine rotates
 * it with the shipped rotators (jwt, encryption-key), and a SecretManager over the same store
 * feeds the keyrings. What was signed or encrypted before a rotation keeps verifying and
 * decrypting during the grace period and is refused once the old key is retired; an
 * encryption key is not retired while its retire check says data still needs it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type ResolvedSecret } from '../../src/config/resolve.js';
import { isCofferError } from '../../src/core/errors.js';
import { createSecretManager } from '../../src/client/create.js';
import { createEncryptionKeyring, createJwtKeyring, createSigningKeyring } from '../../src/client/keyring/index.js';
import createStoreProvider from '../../src/providers/store.js';
import { createEngine } from '../../src/rotation/rotate.js';
import { readJournal } from '../../src/rotation/journal.js';

const KEY = 'c0ffee'.repeat(10) + 'c0ff';
const HOUR = 3_600_000;

async function setup(secrets: Record<string, object>) {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-keyring-'));
  const env = { COFFER_MASTER_KEY: KEY, HOME: dir };
  const config = resolveConfig({ version: 1, environments: { production: { provider: 'store' } }, secrets }, join(dir, 'coffer.config.json'));
  const provider = createStoreProvider({ environment: 'production' }, { cwd: dir, env });
  for (const name of Object.keys(secrets)) await provider.set(name, `initial-${name}-${'q7'.repeat(40)}`);
  let now = new Date();
  const engine = createEngine(config, 'production', provider, env, () => now);
  const manager = await createSecretManager({ provider: 'store', providerOptions: { environment: 'production' }, cwd: dir, env });
  const secret = (name: string) => config.secrets.find((s) => s.name === name) as ResolvedSecret;
  return {
    dir, provider, manager,
    rotate: (name: string) => engine.rotate(secret(name), { graceMs: HOUR }),
    endGrace: (name: string) => {
      now = new Date(now.getTime() + HOUR + 1000);
      return engine.finalize(secret(name), false);
    },
    cleanup: async () => {
      await manager.close();
      await provider.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const refused = (code: string, ...parts: string[]) => (error: unknown) => {
  assert.ok(isCofferError(error, code as never), `expected ${code}, got ${String(error)}`);
  for (const part of parts) assert.ok((error as Error).message.includes(part), `"${(error as Error).message}" should mention "${part}"`);
  return true;
};

test('JWT: a token signed before a rotation verifies during the grace period with previous, and is refused once the grace period ends', async () => {
  const s = await setup({ JWT_SECRET: { category: 'jwt' } });
  const jwt = createJwtKeyring({ manager: s.manager, name: 'JWT_SECRET', issuer: 'api', audience: 'web' });
  try {
    const before = await jwt.sign({ role: 'admin' }, { subject: 'user-1', expiresIn: '2h' });
    assert.deepEqual(await jwt.keyIds(), ['1']);
    assert.equal((await s.rotate('JWT_SECRET')).status, 'rotated');
    await jwt.reload();
    assert.deepEqual(await jwt.keyIds(), ['2', '1'], 'current first, previous still live');
    const during = await jwt.verify(before);
    assert.equal(during.kid, '1');
    assert.equal(during.payload.sub, 'user-1');
    const after = await jwt.sign({ role: 'admin' });
    assert.equal((await jwt.verify(after)).kid, '2', 'new tokens are signed with the new key');

    assert.equal((await s.endGrace('JWT_SECRET'))?.status, 'retired');
    await jwt.reload();
    await assert.rejects(jwt.verify(before), refused('COFFER_E_TOKEN_INVALID', 'key version 1', 'not live'));
    assert.equal((await jwt.verify(after)).kid, '2');
  } finally {
    jwt.close();
    await s.cleanup();
  }
});

test('JWT: another instance that still holds the old keys accepts a token with the new kid by reloading once', async () => {
  const s = await setup({ JWT_SECRET: { category: 'jwt' } });
  const signer = createJwtKeyring({ manager: s.manager, name: 'JWT_SECRET' });
  const verifier = createJwtKeyring({ manager: s.manager, name: 'JWT_SECRET', refreshMs: HOUR });
  try {
    await verifier.keyIds();
    await s.rotate('JWT_SECRET');
    await signer.reload();
    const token = await signer.sign({ n: 1 });
    assert.equal((await verifier.verify(token)).kid, '2');
    // A made-up kid reloads at most once per back-off and is refused.
    const forged = token.replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'HS256', kid: '99' })).toString('base64url'));
    await assert.rejects(verifier.verify(forged), refused('COFFER_E_TOKEN_INVALID', 'key version 99'));
  } finally {
    signer.close();
    verifier.close();
    await s.cleanup();
  }
});

test('JWT: altered, expired, unsigned, wrongly addressed and malformed tokens are refused with the reason and without the token', async () => {
  const s = await setup({ JWT_SECRET: { category: 'jwt' } });
  const jwt = createJwtKeyring({ manager: s.manager, name: 'JWT_SECRET', issuer: 'api' });
  const other = createJwtKeyring({ manager: s.manager, name: 'JWT_SECRET', issuer: 'billing' });
  try {
    const token = await jwt.sign({ scope: 'read' });
    const [h, p, sig] = token.split('.') as [string, string, string];
    const altered = `${h}.${Buffer.from(JSON.stringify({ scope: 'write', iss: 'api', exp: 4e9 })).toString('base64url')}.${sig}`;
    const noneAlg = `${Buffer.from(JSON.stringify({ alg: 'none', kid: '1' })).toString('base64url')}.${p}.`;
    const expired = await jwt.sign({}, { expiresIn: -60 });
    for (const [bad, why] of [[altered, 'signature'], [noneAlg, 'algorithm'], [expired, 'expired'], ['not-a-token', 'not a JWT']] as const) {
      await assert.rejects(jwt.verify(bad), (error: Error) => {
        refused('COFFER_E_TOKEN_INVALID', why)(error);
        assert.ok(!error.message.includes(bad) && !error.message.includes(sig), 'the token is not echoed');
        return true;
      });
    }
    await assert.rejects(other.verify(token), refused('COFFER_E_TOKEN_INVALID', 'iss'));
  } finally {
    jwt.close();
    other.close();
    await s.cleanup();
  }
});

test('webhook and session signing: both keys verify during the grace period, in constant-time comparisons; the old one stops after it', async () => {
  const s = await setup({ WEBHOOK_SECRET: { category: 'webhook' } });
  const hooks = createSigningKeyring({ manager: s.manager, name: 'WEBHOOK_SECRET' });
  try {
    const body = '{"event":"paid","amount":42}';
    const old = await hooks.sign(body);
    await s.rotate('WEBHOOK_SECRET');
    await hooks.reload();
    const fresh = await hooks.sign(body);
    assert.notEqual(fresh.signature, old.signature);
    assert.equal(fresh.kid, '2');
    assert.equal(await hooks.verify(body, old.signature, old.kid), true);
    assert.equal(await hooks.verify(body, old.signature), true, 'without kid, any live key');
    assert.equal(await hooks.verify(body, fresh.signature, old.kid), false, 'the kid names the key');
    assert.equal(await hooks.verify(`${body} `, fresh.signature), false);
    assert.equal(await hooks.verify(body, fresh.signature.slice(2)), false, 'a shorter signature');
    assert.equal(await hooks.verify(body, 'zz'), false, 'not hex');
    const [current, previous] = await hooks.secrets();
    assert.equal((await s.provider.get('WEBHOOK_SECRET')).value, current, 'session middlewares sign with the first');
    assert.match(previous ?? '', /^initial-WEBHOOK_SECRET/);
    await s.endGrace('WEBHOOK_SECRET');
    await hooks.reload();
    assert.equal(await hooks.verify(body, old.signature), false);
    assert.equal((await hooks.secrets()).length, 1);
  } finally {
    hooks.close();
    await s.cleanup();
  }
});

test('encryption: data stays readable through a rotation, is re-encrypted under the new key, is bound to its context, and the old key is kept until the retire check passes', async () => {
  const flag = join(tmpdir(), `coffer-reencrypted-${process.pid}`);
  const s = await setup({ DATA_KEY: { category: 'encryption', rotation: { rotator: 'encryption-key', options: { retireCheck: ['sh', '-c', `test -f ${flag} && test "$COFFER_RETIRING_KEY_ID" = 1 && test "$COFFER_CURRENT_KEY_ID" = 2`] } } } });
  const keyring = createEncryptionKeyring({ manager: s.manager, name: 'DATA_KEY' });
  try {
    const plaintext = 'card 4111 1111 1111 1111';
    const stored = await keyring.encrypt(plaintext, 'cards:7');
    assert.equal(keyring.keyIdOf(stored), '1');
    assert.ok(!stored.includes('4111'));
    await assert.rejects(keyring.decrypt(stored, 'cards:8'), refused('COFFER_E_DECRYPT_FAILED', 'altered', 'DATA_KEY'));
    const relabelled = stored.replace(/^cfr1\.1\./, 'cfr1.2.');
    await s.rotate('DATA_KEY');
    await keyring.reload();
    await assert.rejects(keyring.decrypt(relabelled, 'cards:7'), refused('COFFER_E_DECRYPT_FAILED', 'key version 2'));
    assert.equal((await keyring.decrypt(stored, 'cards:7')).toString(), plaintext, 'old data decrypts during the grace period');
    assert.equal(await keyring.needsReencrypt(stored), true);
    const moved = await keyring.reencrypt(stored, 'cards:7');
    assert.equal(keyring.keyIdOf(moved), '2');
    assert.equal(await keyring.reencrypt(moved, 'cards:7'), moved, 'already under the current key');

    const kept = await s.endGrace('DATA_KEY').catch((error: unknown) => error);
    assert.ok(isCofferError(kept, 'COFFER_E_ROTATION_FAILED'), String(kept));
    assert.match((kept as Error).message, /Key 1 of DATA_KEY is kept live.*--finalize DATA_KEY/);
    assert.equal(readJournal(s.dir, 'production', 'DATA_KEY')?.phase, 'revoking');
    await keyring.reload();
    assert.equal((await keyring.decrypt(stored, 'cards:7')).toString(), plaintext, 'the old key is still live');

    writeFileSync(flag, '');
    assert.equal((await s.endGrace('DATA_KEY'))?.status, 'retired');
    await keyring.reload();
    await assert.rejects(keyring.decrypt(stored, 'cards:7'), (error: Error) => refused('COFFER_E_DECRYPT_FAILED', 'not live')(error) && !error.message.includes(plaintext));
    assert.equal((await keyring.decrypt(moved, 'cards:7')).toString(), plaintext);
    await assert.rejects(keyring.decrypt('cfr1.2.AAAA', 'x'), refused('COFFER_E_DECRYPT_FAILED', 'truncated'));
    await assert.rejects(keyring.decrypt('plain text', 'x'), refused('COFFER_E_DECRYPT_FAILED', 'not a Coffer ciphertext'));
  } finally {
    rmSync(flag, { force: true });
    keyring.close();
    await s.cleanup();
  }
});

test('a provider without versions gives one key, named by a fingerprint that changes with the value', async () => {
  const env: Record<string, string> = { SESSION_SECRET: 's'.repeat(64) };
  const manager = await createSecretManager({ provider: 'env', env });
  const sessions = createSigningKeyring({ manager, name: 'SESSION_SECRET' });
  try {
    const signed = await sessions.sign('sid=1');
    assert.match(signed.kid, /^k[0-9a-f]{16}$/);
    assert.ok(!signed.kid.includes('ssss'));
    assert.equal(await sessions.verify('sid=1', signed.signature, signed.kid), true);
    env.SESSION_SECRET = 't'.repeat(64);
    await sessions.reload();
    assert.notEqual((await sessions.keyIds())[0], signed.kid);
    assert.equal(await sessions.verify('sid=1', signed.signature), false);
  } finally {
    sessions.close();
    await manager.close();
  }
});
