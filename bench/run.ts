/**
 * Coffer's benchmarks. Each prints its subject's median time next to a baseline measured in the
 * same run, interleaved with it so machine noise hits both alike, and the ratio between them.
 * Nothing here asserts a time; the aims are stated in the output.
 *
 * - start-up: `coffer --version` against bare `node -e 0` (aim: within 2x);
 * - validate: `coffer validate --env-file` on a 1,000-secret file against the same CLI's start-up
 *   (aim: whole run under 1 s here), so the ratio isolates the validation work.
 *
 * Run with `npm run bench` (builds first).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSecret } from '../src/core/generator.js';
import { ENCODINGS } from '../src/core/categories.js';

const BIN = resolve('dist/cli/coffer.cjs');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

function timeCommand(args: string[], cwd: string): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd, stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0 && result.status !== 1) throw new Error(`${args.join(' ')} exited ${result.status}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function compare(label: string, baselineLabel: string, baseline: string[], subject: string[], cwd: string, aim: string): void {
  const base: number[] = [];
  const subj: number[] = [];
  timeCommand(baseline, cwd);
  timeCommand(subject, cwd);
  for (let i = 0; i < ROUNDS; i++) {
    base.push(timeCommand(baseline, cwd));
    subj.push(timeCommand(subject, cwd));
  }
  const b = median(base);
  const s = median(subj);
  console.log(`${label}: ${s.toFixed(1)} ms vs ${baselineLabel} ${b.toFixed(1)} ms -> ratio ${(s / b).toFixed(2)}x (${aim})`);
}

const dir = mkdtempSync(join(tmpdir(), 'coffer-bench-'));
try {
  compare('start-up `coffer --version`', '`node -e 0`', ['-e', '0'], ['--', BIN, '--version'], dir, 'aim: <= 2.00x');

  const lines: string[] = [];
  const names = ['JWT_SECRET', 'DB_PASSWORD', 'REDIS_PASSWORD', 'SESSION_SECRET', 'ENCRYPTION_KEY', 'API_KEY', 'WEBHOOK_SECRET', 'SERVICE_TOKEN'];
  for (let i = 0; i < 1000; i++) {
    const encoding = ENCODINGS[i % ENCODINGS.length] as (typeof ENCODINGS)[number];
    lines.push(`SVC${String(i).padStart(4, '0')}_${names[i % names.length]}='${generateSecret({ length: 64, encoding: encoding === 'hex' ? 'hex' : encoding, requiredClasses: encoding === 'alphanumeric+symbols' ? ['lower', 'upper', 'digit', 'symbol'] : [] })}'`);
  }
  const file = join(dir, '.env.bench');
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  compare('`coffer validate --env-file` (1,000 secrets)', '`coffer --version`', ['--', BIN, '--version'], ['--', BIN, 'validate', '--env-file', file, '--json'], dir, 'aim: whole run < 1000 ms');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
