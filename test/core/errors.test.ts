import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CofferError, ERROR_CODES, isCofferError } from '../../src/core/errors.js';

test('docs/errors.md lists exactly the codes of ERROR_CODES, with the same exit status', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  const rows = [...doc.matchAll(/^\| `(COFFER_E_[A-Z_]+)` \| (\d) \| (yes|no) \|/gm)].map((m) => [m[1], Number(m[2]), m[3] === 'yes'] as const);
  assert.deepEqual(rows.map((r) => r[0]).sort(), Object.keys(ERROR_CODES).sort());
  for (const [code, exit, retryable] of rows) {
    const info = ERROR_CODES[code as keyof typeof ERROR_CODES];
    assert.equal(exit, info.exit, `${code} exit`);
    assert.equal(retryable, info.retryable, `${code} retryable`);
  }
});

test('source code raises only registered codes', async () => {
  const { execFileSync } = await import('node:child_process');
  const used = new Set(execFileSync('git', ['grep', '-ohE', "'COFFER_E_[A-Z_]+'", '--', 'src'], { encoding: 'utf8' }).match(/COFFER_E_[A-Z_]+/g) ?? []);
  for (const code of used) assert.ok(code in ERROR_CODES, `${code} is used but not registered`);
});

test('CofferError keeps code, cause and retryable default', () => {
  const cause = new Error('low level');
  const error = new CofferError('COFFER_E_UNAVAILABLE', 'down; try again', { cause });
  assert.equal(error.code, 'COFFER_E_UNAVAILABLE');
  assert.equal(error.retryable, true);
  assert.equal(error.cause, cause);
  assert.ok(isCofferError(error, 'COFFER_E_UNAVAILABLE'));
  assert.ok(!isCofferError(error, 'COFFER_E_NOT_FOUND'));
  assert.equal(new CofferError('COFFER_E_NOT_FOUND', 'x', { retryable: true }).retryable, true);
});
