import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const KEY = '5eed'.repeat(16);
const WRITER = resolve('test/store/_writer.ts');
const env = { ...process.env, COFFER_MASTER_KEY: KEY };

function startWriter(path: string, ...args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, ...args], { cwd: resolve('.'), env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  return { child, output: () => out, exited };
}

test('every acknowledged write survives kill -9 at random moments, and the audit chain stays intact', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'coffer-crash-')), 'store.db');
  (await openSqliteStore({ path, env, create: true })).close();
  const acked: { name: string; version: number; value: string }[] = [];
  for (let round = 0; round < 6; round++) {
    const writer = startWriter(path, 'loop', `r${round}`);
    // Wait until it is writing, then kill it at a random point.
    while (!writer.output().includes('ack ')) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
    writer.child.kill('SIGKILL');
    await writer.exited;
    for (const line of writer.output().split('\n')) {
      const m = /^ack (\S+) (\d+) (\S+)$/.exec(line);
      if (m) acked.push({ name: m[1] as string, version: Number(m[2]), value: m[3] as string });
    }
  }
  assert.ok(acked.length > 20, `only ${acked.length} writes acknowledged`);
  const store = await openSqliteStore({ path, env });
  try {
    for (const w of acked) assert.equal((await store.get('dev', w.name, { actor: 'check', version: w.version })).value, w.value, `${w.name} v${w.version}`);
    assert.deepEqual(store.verifyAudit().ok, true);
  } finally {
    store.close();
  }
});

test('two processes racing a check-and-set write: one wins, the other gets COFFER_E_CONFLICT, nothing is lost or doubled', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'coffer-cas-')), 'store.db');
  const setup = await openSqliteStore({ path, env, create: true });
  await setup.put('dev', 'SHARED', 'initial', { actor: 'setup' });
  setup.close();
  for (let round = 0; round < 3; round++) {
    const a = startWriter(path, 'cas', 'a');
    const b = startWriter(path, 'cas', 'b');
    while (!a.output().includes('ready') || !b.output().includes('ready')) await new Promise((r) => setTimeout(r, 10));
    a.child.stdin.end('go\n');
    b.child.stdin.end('go\n');
    await Promise.all([a.exited, b.exited]);
    const outcomes = [a.output(), b.output()].map((o) => (o.includes('ack SHARED') ? 'won' : o.includes('conflict') ? 'conflict' : o));
    assert.deepEqual(outcomes.sort(), ['conflict', 'won'], `round ${round}`);
  }
  const store = await openSqliteStore({ path, env });
  try {
    const history = await store.history('dev', 'SHARED');
    assert.deepEqual(history.map((h) => h.version), [4, 3, 2, 1], 'exactly one new version per round');
    const writes = store.auditEntries().filter((e) => e.action === 'write');
    assert.equal(writes.filter((e) => e.outcome === 'ok').length, 4);
    assert.equal(writes.filter((e) => e.outcome === 'conflict').length, 3);
    assert.equal(store.verifyAudit().ok, true);
  } finally {
    store.close();
  }
});
