/**
 * The mapping between Coffer names and Azure Key Vault secret names (_azure-names.ts): every
 * name it accepts round-trips, in any case Key Vault hands it back, through only the characters
 * Key Vault allows; two names never share a Key Vault name; what `list` decodes is always what
 * `get` would read; the examples of docs/providers/azure-key-vault.md hold; and names that
 * cannot fit are refused, naming the secret.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { isCofferError } from '../../src/core/errors.js';
import { SECRET_NAME } from '../../src/core/names.js';
import { cofferName, decodeVaultName, MAX_VAULT_NAME, vaultName } from '../../src/providers/_azure-names.js';

const chars = (set: string) => fc.constantFrom(...set.split(''));
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Names over every character the mapping carries, weighted towards `_`, `-` and case changes. */
const anyName = fc.string({ unit: fc.oneof(chars(`${LETTERS}0123456789`), chars('_-')), minLength: 1, maxLength: 40 });
const prefix = fc.string({ unit: chars('abcXYZ09-'), maxLength: 8 });

test('round trip: every name maps to Key Vault\'s characters only, and back to itself in any case', () => {
  fc.assert(fc.property(anyName, prefix, (name, p) => {
    const mapped = vaultName(name, p);
    assert.match(mapped.slice(p.length), /^[0-9A-Z-]+$/);
    assert.ok(mapped.length <= MAX_VAULT_NAME);
    assert.equal(decodeVaultName(mapped.slice(p.length)), name);
    assert.equal(decodeVaultName(mapped.slice(p.length).toLowerCase()), name, 'Key Vault may return the name in another case');
    assert.equal(cofferName(mapped.toLowerCase(), p), name);
  }), { numRuns: 2000 });
});

test('two different names never share a Key Vault name (which ignores case)', () => {
  fc.assert(fc.property(anyName, anyName, (a, b) => {
    fc.pre(a !== b);
    assert.notEqual(vaultName(a).toUpperCase(), vaultName(b).toUpperCase());
  }), { numRuns: 2000 });
});

test('what list decodes from any Key Vault name is exactly what get would read', () => {
  const kvName = fc.string({ unit: chars('AB0-ab'), minLength: 1, maxLength: 16 });
  fc.assert(fc.property(kvName, (k) => {
    const name = cofferName(k, '');
    if (name !== undefined) assert.equal(vaultName(name), k.toUpperCase());
  }), { numRuns: 3000 });
  assert.equal(cofferName('A--0B', ''), undefined, 'a non-canonical spelling is skipped');
  assert.equal(cofferName('x--', ''), undefined, 'a broken escape is skipped');
  assert.equal(cofferName('dev-API-KEY', 'prod-'), undefined, 'outside the prefix');
  assert.equal(cofferName('prod-', 'prod-'), undefined, 'the prefix alone');
});

test('Coffer\'s own names (UPPER_SNAKE) stay readable: only _ changes', () => {
  fc.assert(fc.property(fc.stringMatching(/^[A-Z][A-Z0-9]{0,8}(_[A-Z0-9]{1,8}){0,4}$/), (name) => {
    assert.ok(SECRET_NAME.test(name));
    assert.equal(vaultName(name), name.replaceAll('_', '-'));
  }));
});

test('the examples in docs/providers/azure-key-vault.md hold', () => {
  const docs = readFileSync('docs/providers/azure-key-vault.md', 'utf8');
  const examples = [...docs.matchAll(/`([A-Za-z0-9_-]+)` is `([A-Za-z0-9-]+)`/g)].map((m) => [m[1] as string, m[2] as string] as const);
  assert.ok(examples.length >= 5, 'the docs show examples');
  for (const [name, expected] of examples) {
    const mapped = expected.startsWith('prod-') ? vaultName(name, 'prod-') : vaultName(name);
    assert.equal(mapped, expected, `docs: ${name}`);
  }
});

test('names that cannot fit are refused with COFFER_E_USAGE naming the secret', () => {
  const refused = (name: string, p: string, ...parts: RegExp[]) => assert.throws(() => vaultName(name, p), (error) => {
    assert.ok(isCofferError(error, 'COFFER_E_USAGE'), String(error));
    assert.ok(error.message.includes(JSON.stringify(name.slice(0, 80))), error.message);
    for (const part of parts) assert.match(error.message, part);
    return true;
  });
  assert.equal(vaultName('A'.repeat(127)).length, 127);
  refused('A'.repeat(128), '', /too long/, /128 characters/, /limit is 127/);
  refused('A'.repeat(120), 'prod-dev-', /with the prefix/, /129 characters/);
  refused('a'.repeat(43), '', /lower-case letters take 3/);
  refused('DB.PASSWORD', '', /letters, digits, _ and -/);
  refused('', '', /letters, digits, _ and -/);
  refused('PÄSSWORD', '', /letters, digits, _ and -/);
});
