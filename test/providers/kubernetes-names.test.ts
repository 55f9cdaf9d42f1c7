/**
 * The names of the kubernetes provider: a Coffer name maps to a per-secret object name and back
 * unchanged (fast-check, over every name Coffer accepts), distinct names never share an object,
 * object names are always valid DNS-1123 subdomains, the usual upper-case names read the same in
 * kubectl, and a name that cannot fit is refused naming it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SECRET_NAME } from '../../src/core/names.js';
import { isCofferError } from '../../src/core/errors.js';
import { dataKeyFor, isObjectName, nameFromObject, objectNameFor } from '../../src/providers/_k8s-names.js';

const cofferName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,40}$/);
const prefix = fc.constantFrom('coffer-', 'prod.', 'app-secrets-', 'x');

const mapped = (p: string, name: string): string | undefined => {
  try {
    return objectNameFor(p, name);
  } catch (error) {
    assert.ok(isCofferError(error, 'COFFER_E_USAGE'), String(error));
    assert.ok(error.message.includes(JSON.stringify(name)), 'the error names the secret');
    return undefined;
  }
};

test('every Coffer name maps to a valid object name and back unchanged, or is refused naming it', () => {
  fc.assert(fc.property(prefix, cofferName, (p, name) => {
    assert.ok(SECRET_NAME.test(name));
    const object = mapped(p, name);
    if (object === undefined) {
      assert.ok(name.endsWith('_') || (p === 'prod.' && name.startsWith('_')), `refused only what cannot fit: ${name}`);
      return;
    }
    assert.ok(isObjectName(object), object);
    assert.ok(object.startsWith(p));
    assert.equal(nameFromObject(p, object), name);
  }), { numRuns: 2000 });
});

test('distinct names never map to the same object', () => {
  fc.assert(fc.property(cofferName, cofferName, (a, b) => {
    fc.pre(a !== b);
    const x = mapped('coffer-', a);
    const y = mapped('coffer-', b);
    if (x !== undefined && y !== undefined) assert.notEqual(x, y);
  }), { numRuns: 2000 });
});

test('usual names read the same; lower-case letters and 0 are escaped with 0', () => {
  assert.equal(objectNameFor('coffer-', 'DB_PASSWORD'), 'coffer-db-password');
  assert.equal(objectNameFor('coffer-', 'JWT_SECRET_2'), 'coffer-jwt-secret-2');
  assert.equal(objectNameFor('coffer-', 'REDIS_DB_0'), 'coffer-redis-db-00');
  assert.equal(objectNameFor('coffer-', 'apiKey'), 'coffer-0a0p0ik0e0y');
  assert.equal(objectNameFor('coffer-', '_PRIVATE'), 'coffer--private');
  assert.equal(nameFromObject('coffer-', 'coffer-0a0p0ik0e0y'), 'apiKey');
});

test('object names that are not Coffer\'s decode to nothing', () => {
  for (const object of ['other-db', 'coffer-', 'coffer-a0', 'coffer-a0-b', 'coffer-a.b', 'coffer-0A']) {
    assert.equal(nameFromObject('coffer-', object), undefined, object);
  }
});

test('names that cannot fit are refused with the reason, naming the secret', () => {
  const refused = (p: string, name: string, reason: RegExp) => assert.throws(() => objectNameFor(p, name), (error) => isCofferError(error, 'COFFER_E_USAGE') && reason.test(error.message) && error.message.includes(name.slice(0, 20)));
  refused('coffer-', 'TRAILING_', /start or end with -/);
  refused('', '_LEADING', /start or end with -/);
  refused('coffer-', `A${'B'.repeat(250)}`, /over the limit of 253/);
  refused('coffer-', 'DB-PASSWORD', /only letters, digits and _/);
  refused('coffer-', '', /empty/);
  assert.throws(() => dataKeyFor('has space'), (error) => isCofferError(error, 'COFFER_E_USAGE') && error.message.includes('"has space"'));
  assert.throws(() => dataKeyFor('X'.repeat(254)), (error) => isCofferError(error, 'COFFER_E_USAGE'));
  assert.equal(dataKeyFor('DB_PASSWORD'), 'DB_PASSWORD');
});
