/**
 * End-to-end harness: runs the built `coffer` binary as a new user would, in a fresh temp
 * directory with a temp HOME and a minimal environment, and captures exit code and output.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Path of the built CLI entry. */
export const BIN = resolve('dist/cli/coffer.cjs');

/** What one run of the binary produced. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temp project directory with its own HOME. */
export interface Sandbox {
  readonly dir: string;
  readonly home: string;
  run(args: readonly string[], options?: { env?: Record<string, string>; input?: string; cwd?: string }): Promise<RunResult>;
  cleanup(): void;
}

/** Creates a sandbox; call cleanup() when done. */
export function sandbox(): Sandbox {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'coffer-e2e-')));
  const dir = join(root, 'project');
  const home = join(root, 'home');
  mkdirSync(dir, { mode: 0o755 });
  mkdirSync(home, { mode: 0o700 });
  return {
    dir,
    home,
    run: (args, options = {}) => runBin(args, options.cwd ?? dir, { HOME: home, ...(options.env ?? {}) }, options.input),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

function runBin(args: readonly string[], cwd: string, extraEnv: Record<string, string>, input?: string): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--', BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', ...extraEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Fails when any of `values` (a map or a list) appears in the run's stdout or stderr. */
export function assertNoValues(result: RunResult, values: Readonly<Record<string, string>> | readonly string[]): void {
  const entries = Array.isArray(values) ? values.map((v, i) => [`#${i}`, v] as const) : Object.entries(values);
  for (const [name, value] of entries) {
    if (value === '') continue;
    if (result.stdout.includes(value) || result.stderr.includes(value)) throw new Error(`the value of ${name} leaked into the output`);
  }
}

/** Edits the sandbox's coffer.config.json in place. */
export function editConfig(box: Sandbox, edit: (config: Record<string, any>) => void): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  const path = join(box.dir, 'coffer.config.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(config);
  writeFileSync(path, JSON.stringify(config, null, 2));
}
