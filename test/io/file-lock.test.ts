/**
 * withFileLock with real processes: concurrent read-modify-write by several node processes, stale
 * locks left by dead and SIGKILLed processes, a live holder that outlasts the timeout, and
 * release when the work throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withFileLock } from '../../src/io/file-lock.js';
import { isCofferError } from '../../src/core/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODULE_URL = pathToFileURL(join(ROOT, 'src/io/file-lock.ts')).href;

// A child process. `count <file> <n> <lock|nolock|crash> <ready> <go>`: signals ready, waits for
// the go file so that all workers really run at once, then does n read-increment-write cycles
// with a random pause between read and write; with the lock it also checks that no other worker
// is inside at the same time (exit 3); `crash` exits while still holding the lock after its last
// cycle, leaving a stale lock. `hold <file>`: takes the lock, says "locked" and holds it until its
// stdin ends.
const WORKER = `
import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
const { withFileLock } = await import(process.env.LOCK_MODULE);
const [mode, file, n, lock, ready, go] = process.argv.slice(2);
if (mode === 'hold') {
  await withFileLock(file, async () => {
    process.stdout.write('locked\\n');
    await new Promise((resolve) => process.stdin.on('end', resolve).resume());
  });
} else {
  writeFileSync(ready, '');
  while (!existsSync(go)) await sleep(2);
  let overlaps = 0;
  const cycle = async () => {
    const inside = lock !== 'nolock';
    if (inside) try { closeSync(openSync(file + '.inside', 'wx')); } catch { overlaps++; }
    const value = Number(readFileSync(file, 'utf8'));
    await sleep(Math.random() * 3);
    writeFileSync(file, String(value + 1));
    if (inside) try { unlinkSync(file + '.inside'); } catch { overlaps++; }
  };
  for (let i = 0; i < Number(n); i++) {
    const last = i === Number(n) - 1;
    // A long timeout: this checks exclusion, not speed, and the machine may be busy.
    await (lock === 'nolock' ? cycle() : withFileLock(file, async () => {
      await cycle();
      if (lock === 'crash' && last) process.exit(overlaps === 0 ? 0 : 3);
    }, { timeoutMs: 60000 }));
  }
  process.exitCode = overlaps === 0 ? 0 : 3;
}
`;

interface Dir {
  readonly dir: string;
  readonly target: string;
  readonly worker: string;
  readonly children: ChildProcessWithoutNullStreams[];
  cleanup(): void;
}

function tempDir(): Dir {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'coffer-lock-')));
  const worker = join(dir, 'worker.mjs');
  writeFileSync(worker, WORKER);
  const children: ChildProcessWithoutNullStreams[] = [];
  const cleanup = () => {
    // A failed assertion must not leave a holder running (it would keep this test file alive).
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, target: join(dir, '.env.production'), worker, children, cleanup };
}

function startWorker(d: Dir, args: readonly string[]): ChildProcessWithoutNullStreams {
  // cwd is the repository, so that `--import tsx` resolves from its node_modules.
  const child = spawn(process.execPath, ['--import', 'tsx', d.worker, ...args], { cwd: ROOT, env: { ...process.env, LOCK_MODULE: MODULE_URL }, stdio: 'pipe' });
  d.children.push(child);
  return child;
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | NodeJS.Signals> {
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => {
    if (code !== 0 && signal === null) process.stderr.write(stderr);
    resolve(code ?? (signal as NodeJS.Signals));
  }));
}

/** Runs `workers` counting processes over one counter file and returns the final count. */
async function race(d: Dir, workers: number, cycles: number, lock: 'lock' | 'nolock' | 'crash'): Promise<number> {
  writeFileSync(d.target, '0');
  const go = join(d.dir, 'go');
  rmSync(go, { force: true });
  const ready = Array.from({ length: workers }, (_, i) => join(d.dir, `ready-${lock}-${i}`));
  const children = ready.map((r) => startWorker(d, ['count', d.target, String(cycles), lock, r, go]));
  const codes = Promise.all(children.map(exitCode));
  // Stop waiting if a worker died before the start (its exit code is then reported below).
  while (!ready.every((r) => existsSync(r)) && children.every((c) => c.exitCode === null)) await sleep(10);
  writeFileSync(go, '');
  assert.deepEqual(await codes, ready.map(() => 0), 'every worker exits 0 (and with the lock, none saw another inside)');
  return Number(readFileSync(d.target, 'utf8'));
}

/** Starts a process that holds the lock on `d.target` and resolves once it holds it. */
async function holder(d: Dir): Promise<{ child: ChildProcessWithoutNullStreams; exited: Promise<number | NodeJS.Signals> }> {
  const child = startWorker(d, ['hold', d.target]);
  const exited = exitCode(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => data.toString().includes('locked') && resolve());
    child.on('close', () => reject(new Error('the holder exited before taking the lock')));
  });
  return { child, exited };
}

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  assert.ok(pid !== undefined && pid > 0);
  return pid;
}

const lockOf = (d: Dir) => `${d.target}.lock`;
const writeStaleLock = (d: Dir, pid: number, host = hostname()) =>
  writeFileSync(lockOf(d), JSON.stringify({ pid, hostname: host, createdAt: new Date().toISOString() }), { mode: 0o600 });

test('4 processes x 25 read-increment-write cycles under the lock end at exactly 100', { timeout: 120_000 }, async () => {
  const d = tempDir();
  try {
    // Without the lock the same run ends well below 100 (next test): updates are lost.
    assert.equal(await race(d, 4, 25, 'lock'), 100);
    assert.deepEqual(readdirSync(d.dir).filter((f) => f.includes('.lock')), [], 'no lock or claim file is left behind');
  } finally {
    d.cleanup();
  }
});

test('the same workers without the lock lose updates (what the lock prevents)', { timeout: 120_000 }, async () => {
  const d = tempDir();
  try {
    // Four processes started together, each pausing between read and write: overlaps are certain.
    assert.ok((await race(d, 4, 25, 'nolock')) < 100);
  } finally {
    d.cleanup();
  }
});

test('a lock left by a process that has exited is taken over', async () => {
  const d = tempDir();
  try {
    writeStaleLock(d, deadPid());
    const result = await withFileLock(d.target, () => {
      assert.equal(JSON.parse(readFileSync(lockOf(d), 'utf8')).pid, process.pid);
      assert.equal(statSync(lockOf(d)).mode & 0o777, 0o600);
      return 'ran';
    }, { timeoutMs: 5_000 });
    assert.equal(result, 'ran');
    assert.deepEqual(readdirSync(d.dir).filter((f) => f.includes('.lock')), []);
  } finally {
    d.cleanup();
  }
});

test('a lock left by a holder killed with SIGKILL is taken over', { timeout: 30_000 }, async () => {
  const d = tempDir();
  try {
    const { child, exited } = await holder(d);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.equal(JSON.parse(readFileSync(lockOf(d), 'utf8')).pid, child.pid, 'the crash left its lock behind');
    assert.equal(await withFileLock(d.target, () => 'ran', { timeoutMs: 5_000 }), 'ran');
    assert.equal(existsSync(lockOf(d)), false);
  } finally {
    d.cleanup();
  }
});

test('6 processes racing to take over one stale lock take it one at a time', { timeout: 120_000 }, async () => {
  const d = tempDir();
  try {
    writeStaleLock(d, deadPid());
    assert.equal(await race(d, 6, 5, 'lock'), 30);
    assert.deepEqual(readdirSync(d.dir).filter((f) => f.includes('.lock')), []);
  } finally {
    d.cleanup();
  }
});

test('8 processes that each die holding the lock leave stale locks that waiters take over one at a time', { timeout: 120_000 }, async () => {
  const d = tempDir();
  try {
    assert.equal(await race(d, 8, 10, 'crash'), 80);
    assert.equal(existsSync(lockOf(d)), true, 'the last one to die left its lock');
    assert.equal(await withFileLock(d.target, () => 'ran', { timeoutMs: 5_000 }), 'ran');
    assert.deepEqual(readdirSync(d.dir).filter((f) => f.includes('.lock')), []);
  } finally {
    d.cleanup();
  }
});

test('a lock held by a live process times out with COFFER_E_UNAVAILABLE naming the holder and the lock file', { timeout: 30_000 }, async () => {
  const d = tempDir();
  try {
    const { child, exited } = await holder(d);
    assert.equal(statSync(lockOf(d)).mode & 0o777, 0o600);
    let ran = false;
    await assert.rejects(withFileLock(d.target, () => (ran = true), { timeoutMs: 300 }), (e) =>
      isCofferError(e, 'COFFER_E_UNAVAILABLE') && e.retryable
      && e.message.includes(`process ${child.pid}`) && e.message.includes('0.3 s') && e.message.includes(`remove ${lockOf(d)}`));
    assert.equal(ran, false);
    child.stdin.end();
    assert.equal(await exited, 0);
    assert.equal(existsSync(lockOf(d)), false, 'the holder released its lock');
    assert.equal(await withFileLock(d.target, () => 'ran', { timeoutMs: 0 }), 'ran');
  } finally {
    d.cleanup();
  }
});

test('a lock from another host is never judged stale by its pid', async () => {
  const d = tempDir();
  try {
    writeStaleLock(d, deadPid(), 'build-server-2.example');
    await assert.rejects(withFileLock(d.target, () => 'ran', { timeoutMs: 100 }), (e) =>
      isCofferError(e, 'COFFER_E_UNAVAILABLE') && e.message.includes('on build-server-2.example'));
    assert.equal(existsSync(lockOf(d)), true);
  } finally {
    d.cleanup();
  }
});

test('the lock is released when the work throws or rejects', async () => {
  const d = tempDir();
  try {
    await assert.rejects(withFileLock(d.target, () => { throw new Error('boom'); }), /boom/);
    assert.equal(existsSync(lockOf(d)), false);
    await assert.rejects(withFileLock(d.target, async () => { await sleep(1); throw new Error('later'); }), /later/);
    assert.equal(existsSync(lockOf(d)), false);
    assert.equal(await withFileLock(d.target, () => 'ran', { timeoutMs: 0 }), 'ran');
  } finally {
    d.cleanup();
  }
});

test('concurrent calls in one process are serialised too', async () => {
  const d = tempDir();
  try {
    let counter = 0;
    await Promise.all(Array.from({ length: 20 }, () => withFileLock(d.target, async () => {
      const value = counter;
      await sleep(Math.random() * 3);
      counter = value + 1;
    })));
    assert.equal(counter, 20);
  } finally {
    d.cleanup();
  }
});

test('release leaves alone a lock that is no longer ours', async () => {
  const d = tempDir();
  try {
    const foreign = JSON.stringify({ pid: process.pid, hostname: hostname(), createdAt: 'x', token: 'someone-else' });
    await withFileLock(d.target, () => writeFileSync(lockOf(d), foreign));
    assert.equal(readFileSync(lockOf(d), 'utf8'), foreign);
  } finally {
    d.cleanup();
  }
});

test('a missing directory is a COFFER_E_FILE_WRITE naming the lock file, and the work never runs', async () => {
  const d = tempDir();
  try {
    const target = join(d.dir, 'missing', '.env');
    let ran = false;
    await assert.rejects(withFileLock(target, () => (ran = true)), (e) => isCofferError(e, 'COFFER_E_FILE_WRITE') && e.message.includes(`${target}.lock`));
    assert.equal(ran, false);
  } finally {
    d.cleanup();
  }
});
