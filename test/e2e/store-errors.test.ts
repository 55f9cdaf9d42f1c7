import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { assertNoValues, type RunResult, type Sandbox } from './_harness.js';
import { storePath, storeProject, storeValues } from './_store-read.js';

const storeBox = async (): Promise<Sandbox> => (await storeProject()).box;

const oneLine = (result: RunResult, code: string, exit: number) => {
  assert.equal(result.code, exit, result.stderr);
  assert.match(result.stderr, new RegExp(`^coffer: ${code}: `));
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
};

test('a damaged store file is named as such, with exit 3, by every command, and nothing is written', async () => {
  const box = await storeBox();
  try {
    const values = await storeValues(box, 'development');
    const bytes = readFileSync(storePath(box));
    writeFileSync(storePath(box), Buffer.concat([Buffer.from('this is not a database at all'), bytes.subarray(100)]));
    for (const args of [['get', 'JWT_SECRET'], ['list'], ['set', 'NEW_SECRET'], ['validate', 'development'], ['audit', 'verify']]) {
      const result = await box.run(args, { input: 'x'.repeat(40) });
      oneLine(result, 'COFFER_E_STORE_CORRUPT', 3);
      assert.match(result.stderr, /restore it from a backup/);
      assertNoValues(result, values);
    }
  } finally {
    box.cleanup();
  }
});

test('a store locked by another process is COFFER_E_UNAVAILABLE (exit 3) after the busy timeout; the write is not half-done', async () => {
  const box = await storeBox();
  const locker = spawn(process.execPath, ['-e', `
    const Database = require(${JSON.stringify(resolve('node_modules/better-sqlite3'))});
    const db = new Database(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    setTimeout(() => {}, 60000);
  `, storePath(box)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((ready) => locker.stdout.on('data', () => ready()));
    const result = await box.run(['set', 'NEW_SECRET'], { input: 'Zq8#vR2!mW9@kL4$pT7^xN3&bH6*cF1(Y' });
    oneLine(result, 'COFFER_E_UNAVAILABLE', 3);
    assert.match(result.stderr, /locked by another process; try again/);
    locker.kill('SIGKILL');
    await new Promise((r) => locker.on('close', r));
    const list = await box.run(['list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout.includes('NEW_SECRET'), false, 'the refused write left nothing');
    assert.equal((await box.run(['audit', 'verify'])).code, 0);
  } finally {
    locker.kill('SIGKILL');
    box.cleanup();
  }
});

test('bad names, empty and oversize values are refused with one line and exit 2; nothing is written', async () => {
  const box = await storeBox();
  try {
    for (const [args, input, pattern] of [
      [['set', '../etc/passwd'], 'value-1234567890', /not a valid secret name/],
      [['set', 'A\u0001B'], 'value-1234567890', /not a valid secret name/],
      [['set', ''], 'value-1234567890', /name/],
      [['set', 'BIG_VALUE'], 'x'.repeat(70 * 1024), /64 KiB/],
      [['set', 'EMPTY_VALUE'], '', /empty/],
      [['get', 'NO/SUCH'], '', /not a valid secret name/],
    ] as const) {
      const result = await box.run(args, { input });
      oneLine(result, 'COFFER_E_USAGE', 2);
      assert.match(result.stderr, pattern);
    }
    const list = await box.run(['list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(/BIG_VALUE|EMPTY_VALUE|passwd/.test(list.stdout), false);
    assert.equal((await box.run(['audit', 'verify'])).code, 0);
  } finally {
    box.cleanup();
  }
});
