/**
 * `coffer run` end to end: the built binary starting real child processes (node scripts) with
 * the secrets of a store environment. Environment injection (exact bytes, no shell), exit codes
 * and signals both ways, each signal exactly once (a group kill without a terminal, Ctrl-C on a
 * pseudo-terminal), redaction of values cut across writes, --mount files and their removal
 * (after exit, crash, SIGTERM, and the stale directory a kill -9 leaves), refusals that start
 * nothing (hijacking names, missing secrets) and --watch restarting only on a real change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { assertNoValues, BIN, editConfig, sandbox, type RunResult, type Sandbox } from './_harness.js';
import { storePath, storeValues } from './_store-read.js';

const NODE = process.execPath;
const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** A sandbox on the store with the development secrets generated, and their values. */
async function project(generate = true): Promise<{ box: Sandbox; values: Record<string, string> }> {
  const box = sandbox();
  assert.equal((await box.run(['init', '--yes'])).code, 0);
  editConfig(box, (config) => {
    for (const env of Object.values(config.environments as Record<string, Record<string, unknown>>)) {
      env.provider = 'store';
      env.options = {};
    }
  });
  if (generate) assert.equal((await box.run(['generate', 'development'])).code, 0);
  return { box, values: generate ? await storeValues(box, 'development') : {} };
}

/** Writes values into the sandbox's store through the library, as another process would. */
async function put(box: Sandbox, values: Record<string, string>): Promise<void> {
  const store = await openSqliteStore({ path: storePath(box), env: { HOME: box.home } });
  try {
    for (const [name, value] of Object.entries(values)) await store.put('development', name, value, { actor: 'test' });
  } finally {
    store.close();
  }
}

/** `coffer run ... -- node -e script args...` to completion. */
const runNode = (box: Sandbox, options: readonly string[], script: string, args: readonly string[] = [], env: Record<string, string> = {}) =>
  box.run(['run', ...options, '--', NODE, '-e', script, ...args], { env });

/** A coffer run in the background: its output so far, a wait for a pattern, and its end. */
interface Background {
  readonly proc: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly done: Promise<RunResult>;
}

function background(box: Sandbox, args: readonly string[], env: Record<string, string> = {}, how: { detached?: boolean; command?: readonly string[]; stdin?: boolean } = {}): Background {
  // `detached`: coffer leads a new session and process group (no terminal), as under a process manager.
  const [file, ...rest] = how.command ?? [NODE, '--', BIN, ...args];
  const proc = spawn(file as string, rest, {
    cwd: box.dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', HOME: box.home, ...env },
    stdio: [how.command === undefined && how.stdin !== true ? 'ignore' : 'pipe', 'pipe', 'pipe'], detached: how.detached === true,
  });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<RunResult>((resolve) => proc.on('close', (code, signal) => resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : -1), stdout, stderr })));
  return {
    proc,
    output: () => stdout,
    done,
    async waitFor(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = stdout.match(pattern);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; stdout: ${stdout}; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the child gets every secret of the environment with its exact bytes, with no shell in between', { timeout: 60_000 }, async () => {
  const { box, values } = await project();
  try {
    const names = Object.keys(values).sort();
    assert.equal(names.length, 8);
    const hashes = await runNode(box, ['-e', 'development'], `const c = require('crypto'); console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, c.createHash('sha256').update(process.env[n] ?? '').digest('hex')]))))`);
    assert.equal(hashes.code, 0, hashes.stderr);
    assert.deepEqual(JSON.parse(hashes.stdout), Object.fromEntries(names.map((n) => [n, sha(values[n] as string)])));
    assertNoValues(hashes, values);
    // A value no shell could pass through unquoted, and arguments a shell would expand.
    const odd = 'wh ö 🔑 "q" \'s\' $HOME `id` \\ \n line2\t; end';
    await put(box, { WEBHOOK_SECRET: odd });
    const out = join(box.dir, 'received');
    const bytes = await runNode(box, [], 'require("fs").writeFileSync(process.argv[1], process.env.WEBHOOK_SECRET); console.log(JSON.stringify(process.argv.slice(2)))', [out, '$HOME', '; echo x', '*']);
    assert.equal(bytes.code, 0, bytes.stderr);
    assert.ok(readFileSync(out).equals(Buffer.from(odd, 'utf8')));
    assert.deepEqual(JSON.parse(bytes.stdout), ['$HOME', '; echo x', '*']);
    // Options after the command are the child's, even without `--`: coffer reads no -e or --help there.
    const own = await box.run(['run', '-e', 'development', NODE, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', '--', '-e', '--help', '--watch']);
    assert.equal(own.code, 0, own.stderr);
    assert.deepEqual(JSON.parse(own.stdout), ['-e', '--help', '--watch']);
  } finally {
    box.cleanup();
  }
});

test('the exit status is the child\'s, or 128 + the signal that killed it; a missing command is 127', { timeout: 60_000 }, async () => {
  const { box } = await project();
  try {
    for (const code of [0, 3, 42]) assert.equal((await runNode(box, [], `process.exit(${code})`)).code, code);
    assert.equal((await runNode(box, [], 'process.kill(process.pid, "SIGKILL")')).code, 128 + 9);
    assert.equal((await runNode(box, [], 'process.kill(process.pid, "SIGTERM")')).code, 128 + 15);
    const missing = await box.run(['run', '--', 'no-such-command-anywhere']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /Cannot run "no-such-command-anywhere": no such command/);
  } finally {
    box.cleanup();
  }
});

test('signals sent to coffer reach the child, which decides how it ends', { timeout: 60_000 }, async () => {
  const { box } = await project();
  try {
    const script = 'process.on("SIGUSR1", () => console.log("usr1")); process.on("SIGHUP", () => console.log("hup")); process.on("SIGTERM", () => process.exit(7)); console.log("ready"); setInterval(() => {}, 1000)';
    const run = background(box, ['run', '--', NODE, '-e', script]);
    await run.waitFor(/ready/);
    run.proc.kill('SIGUSR1');
    await run.waitFor(/usr1/);
    run.proc.kill('SIGHUP');
    await run.waitFor(/hup/);
    run.proc.kill('SIGTERM');
    const result = await run.done;
    assert.equal(result.code, 7, result.stderr);
  } finally {
    box.cleanup();
  }
});

/** A child that counts the SIGINTs it gets, and on SIGTERM or SIGUSR2 prints the count and exits 0. */
const COUNT_SIGINTS = `
  let n = 0;
  process.on('SIGINT', () => console.log('int ' + ++n));
  for (const s of ['SIGTERM', 'SIGUSR2']) process.on(s, () => { console.log('total ' + n); process.exit(0); });
  console.log('ready ' + process.ppid + ' ' + process.pid);
  setInterval(() => {}, 1000);`;

test('without a terminal, a SIGINT reaches the child exactly once, sent to coffer\'s process group or to coffer alone', { timeout: 60_000 }, async () => {
  const { box } = await project();
  try {
    for (const target of ['group', 'coffer'] as const) {
      const run = background(box, ['run', '--', NODE, '-e', COUNT_SIGINTS], {}, { detached: true });
      let pid = 0;
      try {
        pid = Number((await run.waitFor(/ready \d+ (\d+)/))[1]);
        // A group kill reaches every process of coffer's group at once, as `kill -INT -PGID`, `timeout` or a CI runner send it.
        if (target === 'group') process.kill(-(run.proc.pid as number), 'SIGINT');
        else run.proc.kill('SIGINT');
        await run.waitFor(/int 1/);
        // Forwarded after any second SIGINT would have been, and handled after it (signals are delivered in order).
        run.proc.kill('SIGUSR2');
        const [, total] = await run.waitFor(/total (\d+)/);
        assert.equal(total, '1', `SIGINTs the child got from a ${target} kill`);
        assert.equal((await run.done).code, 0);
      } finally {
        run.proc.kill('SIGKILL');
        // The child has a process group of its own: after a failure it would outlive coffer.
        if (pid !== 0) try { process.kill(pid, 'SIGKILL'); } catch { /* it has exited */ }
      }
    }
  } finally {
    box.cleanup();
  }
});

const hasScript = spawnSync('script', ['--version']).status === 0;

test('on a terminal, Ctrl-C reaches the child once, and the child keeps the terminal (reads it, opens /dev/tty)', { timeout: 60_000, skip: hasScript ? false : 'needs script(1) from util-linux' }, async () => {
  const { box } = await project();
  try {
    const child = join(box.dir, 'child.js');
    writeFileSync(child, `${COUNT_SIGINTS}
      require('fs').closeSync(require('fs').openSync('/dev/tty', 'r'));
      console.log('tty ok');
      process.stdin.on('data', (d) => console.log('got ' + String(d).trim()));`);
    // script(1) runs coffer on a new pseudo-terminal, in its foreground process group; what the
    // test writes to script's stdin is typed on that terminal, so \x03 is a real Ctrl-C.
    const command = `exec '${NODE}' -- '${BIN}' run --no-redact -- '${NODE}' '${child}'`;
    const run = background(box, [], { SHELL: '/bin/sh' }, { command: ['script', '-qfec', command, '/dev/null'] });
    try {
      const [, coffer] = await run.waitFor(/ready (\d+)/);
      await run.waitFor(/tty ok/);
      run.proc.stdin?.write('hello\r');
      await run.waitFor(/got hello/);
      run.proc.stdin?.write('\x03');
      await run.waitFor(/int 1/);
      // Sent to coffer alone: forwarded, and handled after any second SIGINT.
      process.kill(Number(coffer), 'SIGTERM');
      const [, total] = await run.waitFor(/total (\d+)/);
      assert.equal(total, '1', 'SIGINTs the child got from one Ctrl-C');
    } finally {
      run.proc.kill('SIGKILL');
    }
  } finally {
    box.cleanup();
  }
});

test('redaction masks values written in pieces, on stdout and stderr, with --redact and by default under CI', { timeout: 60_000 }, async () => {
  const { box, values } = await project();
  try {
    const script = `
      const pieces = (v, n) => Array.from({ length: n }, (_, i) => v.slice(Math.floor(i * v.length / n), Math.floor((i + 1) * v.length / n)));
      // Short pauses make the pieces separate reads for coffer, well within its idle flush window.
      const wait = (ms) => new Promise((r) => setTimeout(r, ms));
      (async () => {
        process.stdout.write('jwt=');
        for (const p of pieces(process.env.JWT_SECRET, 5)) { process.stdout.write(p); await wait(3); }
        process.stdout.write(' json=' + JSON.stringify({ k: process.env.DB_PASSWORD }) + '\\n');
        for (const p of pieces(process.env.DB_PASSWORD, 7)) { process.stderr.write(p); await wait(2); }
        process.stderr.write(' é\\n');
      })();`;
    for (const [options, env] of [[['--redact'], {}], [[], { CI: '1' }], [['--redact'], { CI: 'false' }]] as const) {
      const result = await runNode(box, options, script, [], env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'jwt=[REDACTED:JWT_SECRET] json={"k":"[REDACTED:DB_PASSWORD]"}\n');
      assert.equal(result.stderr, '[REDACTED:DB_PASSWORD] é\n');
      assertNoValues(result, values);
    }
    // Not a terminal and not CI: the output is the child's own; --no-redact wins over CI.
    for (const [options, env] of [[[], {}], [['--no-redact'], { CI: 'true' }]] as const) {
      const shown = await runNode(box, options, 'console.log(process.env.JWT_SECRET)', [], env);
      assert.equal(shown.stdout, `${values.JWT_SECRET}\n`);
    }
  } finally {
    box.cleanup();
  }
});

test('on a terminal, a prompt that ends like the start of a value is shown while the child waits; the value written after it is masked', { timeout: 60_000, skip: hasScript ? false : 'needs script(1) from util-linux' }, async () => {
  const { box, values } = await project();
  try {
    const jwt = values.JWT_SECRET as string;
    // The prompt's last character is the value's first: coffer holds it back until the idle flush.
    const child = join(box.dir, 'prompt.js');
    writeFileSync(child, `
      const fs = require('fs'); const v = process.env.JWT_SECRET;
      fs.writeSync(1, 'Password? ' + v[0]);
      process.stdin.once('data', () => {
        fs.writeSync(1, v.slice(0, 9));
        fs.writeSync(1, v.slice(9) + '\\n');
        process.exit(0);
      });`);
    // Redaction is on by default on a terminal; script(1) gives coffer one.
    const command = `exec '${NODE}' -- '${BIN}' run -- '${NODE}' '${child}'`;
    const run = background(box, [], { SHELL: '/bin/sh' }, { command: ['script', '-qfec', command, '/dev/null'] });
    try {
      // The child writes nothing more until it reads a line, which is typed only once the prompt is seen.
      const prompt = `Password? ${jwt[0]}`;
      await run.waitFor(new RegExp(`${prompt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), 20_000);
      run.proc.stdin?.write('answer\r');
      await run.waitFor(/\[REDACTED:JWT_SECRET\]/, 20_000);
      const result = await run.done;
      assert.ok(result.stdout.includes(`${prompt}`), result.stdout);
      assertNoValues(result, values);
    } finally {
      run.proc.kill('SIGKILL');
    }
  } finally {
    box.cleanup();
  }
});

test('to a pipe (a CI log), a value whose pieces are written far apart is still masked: nothing is flushed on silence', { timeout: 60_000 }, async () => {
  const { box, values } = await project();
  try {
    const script = `
      const fs = require('fs'); const v = process.env.JWT_SECRET;
      fs.writeSync(1, 'key=' + v.slice(0, 20));
      setTimeout(() => fs.writeSync(1, v.slice(20) + '\\n'), 400);`;
    const result = await runNode(box, ['--redact'], script, [], {});
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'key=[REDACTED:JWT_SECRET]\n');
    assertNoValues(result, values);
  } finally {
    box.cleanup();
  }
});

test('--mount: a 0700 directory of 0600 files and NAME_FILE variables, removed after exit, a crash and SIGTERM', { timeout: 60_000 }, async () => {
  const { box, values } = await project();
  try {
    const dir = join(box.dir, 'mounted');
    const script = `
      const fs = require('fs'); const path = require('path'); const c = require('crypto');
      const file = process.env.JWT_SECRET_FILE;
      console.log(JSON.stringify({
        file, plain: 'JWT_SECRET' in process.env, dirMode: (fs.statSync(path.dirname(file)).mode & 0o777).toString(8),
        modes: [...new Set(fs.readdirSync(path.dirname(file)).map((f) => (fs.statSync(path.join(path.dirname(file), f)).mode & 0o777).toString(8)))],
        hash: c.createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
      }));
      if (process.argv[1] === 'crash') throw new Error('boom');
      if (process.argv[1] === 'wait') setInterval(() => {}, 1000);`;
    const ok = await runNode(box, ['--mount', dir], script, [], { JWT_SECRET: 'inherited-from-parent' });
    assert.equal(ok.code, 0, ok.stderr);
    const seen = JSON.parse(ok.stdout);
    assert.deepEqual(seen, { file: join(dir, 'JWT_SECRET'), plain: false, dirMode: '700', modes: ['600'], hash: sha(values.JWT_SECRET as string) });
    assert.ok(!existsSync(dir), 'removed after exit');
    assertNoValues(ok, values);
    const crashed = await runNode(box, ['--mount', dir], script, ['crash']);
    assert.equal(crashed.code, 1);
    assert.ok(!existsSync(dir), 'removed after the child crashed');
    const run = background(box, ['run', '--mount', dir, '--', NODE, '-e', script, 'wait']);
    await run.waitFor(/hash/);
    assert.ok(existsSync(join(dir, 'JWT_SECRET')));
    run.proc.kill('SIGTERM');
    assert.equal((await run.done).code, 128 + 15);
    assert.ok(!existsSync(dir), 'removed after SIGTERM');
  } finally {
    box.cleanup();
  }
});

test('--mount after kill -9 of coffer: the directory stays, and the next run cleans it up; a live run\'s directory is refused', { timeout: 60_000 }, async () => {
  const { box } = await project();
  try {
    const dir = join(box.dir, 'mounted');
    const run = background(box, ['run', '--mount', dir, '--', NODE, '-e', 'console.log("pid " + process.pid); setInterval(() => {}, 1000)']);
    const [, childPid] = await run.waitFor(/pid (\d+)/);
    const second = await runNode(box, ['--mount', dir], '');
    assert.equal(second.code, 2);
    assert.match(second.stderr, /COFFER_E_EXISTS: .*in use by a running `coffer run`/);
    run.proc.kill('SIGKILL');
    // The orphaned child still holds coffer's output open; end it too.
    await sleep(100);
    process.kill(Number(childPid), 'SIGKILL');
    await run.done;
    assert.ok(readdirSync(dir).includes('JWT_SECRET'), 'kill -9 leaves the files');
    const next = await runNode(box, ['--mount', dir], 'console.log(require("fs").readdirSync(require("path").dirname(process.env.JWT_SECRET_FILE)).length)');
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stdout.trim(), '9', '8 secrets and the marker');
    assert.ok(!existsSync(dir));
  } finally {
    box.cleanup();
  }
});

test('nothing starts when a name would hijack the child (unless allowed) or a required secret is missing', { timeout: 60_000 }, async () => {
  const { box } = await project(false);
  try {
    const marker = join(box.dir, 'started');
    const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); console.log(process.env.NODE_OPTIONS ?? 'none')`;
    const missing = await runNode(box, [], script);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /COFFER_E_MISSING_SECRETS: .*DB_PASSWORD, ENCRYPTION_KEY, INTERNAL_API_KEY, JWT_REFRESH_SECRET, JWT_SECRET, REDIS_PASSWORD, SESSION_SECRET, WEBHOOK_SECRET/);
    assert.ok(!existsSync(marker), 'the child was not started');
    assert.equal((await box.run(['generate', 'development'])).code, 0);
    editConfig(box, (config) => {
      config.secrets.NODE_OPTIONS = { category: 'generic', external: true, required: false };
    });
    await put(box, { NODE_OPTIONS: '--max-old-space-size=200' });
    const refused = await runNode(box, [], script);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /COFFER_E_UNSAFE_NAME: Refusing to set NODE_OPTIONS/);
    assert.ok(!refused.stderr.includes('max-old-space'), 'no value in the message');
    assert.ok(!existsSync(marker), 'the child was not started');
    const allowed = await runNode(box, ['--allow-env', 'NODE_OPTIONS'], script);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(allowed.stdout.trim(), '--max-old-space-size=200');
    const only = await runNode(box, ['--only', 'JWT_SECRET'], script);
    assert.equal(only.stdout.trim(), 'none', '--only leaves it out');
  } finally {
    box.cleanup();
  }
});

test('--watch restarts the child only when an injected value really changes', { timeout: 60_000 }, async () => {
  const { box, values } = await project();
  try {
    const script = 'console.log("start " + require("crypto").createHash("sha256").update(process.env.JWT_SECRET).digest("hex")); process.on("SIGTERM", () => process.exit(7)); setInterval(() => {}, 1000)';
    const run = background(box, ['run', '--watch', '0.2', '--', NODE, '-e', script]);
    try {
      await run.waitFor(/start/);
      await put(box, { JWT_SECRET: values.JWT_SECRET as string, DB_PASSWORD: values.DB_PASSWORD as string });
      await sleep(1200);
      assert.equal(run.output().match(/start/g)?.length, 1, 'a new version with the same value restarts nothing');
      const rotated = 'rotated-jwt-value-'.repeat(5);
      await put(box, { JWT_SECRET: rotated });
      await run.waitFor(new RegExp(`start ${sha(rotated)}`));
      await sleep(800);
      assert.equal(run.output().match(/start/g)?.length, 2, 'one restart for one change');
      run.proc.kill('SIGTERM');
      const result = await run.done;
      assert.equal(result.code, 7);
      assert.match(result.stderr, /JWT_SECRET changed; restarting/);
      assertNoValues(result, { ...values, rotated });
    } finally {
      run.proc.kill('SIGKILL');
    }
  } finally {
    box.cleanup();
  }
});
