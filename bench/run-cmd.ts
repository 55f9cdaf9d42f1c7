/**
 * `coffer run` benchmark: `coffer run -e development -- node -e 0` with 100 secrets in the
 * encrypted store, against bare `node -e 0` measured in the same run, interleaved so machine
 * noise hits both alike. Prints both medians, the ratio and the overhead in ms (aim: < 100 ms),
 * and, to show where the overhead goes, `coffer --version` (the CLI's start-up alone). When the
 * `@dotenvx/dotenvx` dev dependency is installed, `dotenvx run` on the same 100 values encrypted
 * with dotenvx is measured too.
 *
 * Redaction is off here (stdout is not a terminal and CI is unset), as in most scripted runs;
 * BENCH_REDACT=1 adds a run with `--redact`. Rounds: BENCH_ROUNDS (default 15).
 * BENCH_COMPARE_BIN=/path/to/other/dist/cli/coffer.cjs adds the same `coffer run` with another
 * build (say, of the previous commit, with its package.json two levels up), interleaved with
 * this one: on a shared, noisy machine only a comparison within one run shows a change of a few ms.
 * Run with `node --import tsx bench/run-cmd.ts` after `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve('dist/cli/coffer.cjs');
const DOTENVX = resolve('node_modules/@dotenvx/dotenvx/src/cli/dotenvx.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const SECRETS = 100;

const dir = mkdtempSync(join(tmpdir(), 'coffer-bench-run-'));
const home = join(dir, 'home');
mkdirSync(home, { mode: 0o700 });
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1' };

function timeCommand(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: dir, stdio: 'ignore', env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

try {
  // 100 declared secrets, generated into the store as a user would.
  const kinds = ['jwt', 'database', 'redis', 'session', 'encryption', 'api_key', 'webhook', 'token', 'password', 'generic'];
  const secrets = Object.fromEntries(Array.from({ length: SECRETS }, (_, i) => [`SVC${String(i).padStart(3, '0')}_SECRET`, { category: kinds[i % kinds.length] }]));
  writeFileSync(join(dir, 'coffer.config.json'), JSON.stringify({ version: 1, environments: { development: { provider: 'store' } }, secrets }, null, 2));
  const generated = spawnSync(process.execPath, ['--', BIN, 'generate', 'development', '--json'], { cwd: dir, env, encoding: 'utf8' });
  if (generated.status !== 0) throw new Error(`generate failed: ${generated.stderr}`);

  const bare: [string, string[]] = [process.execPath, ['-e', '0']];
  const subjects: [string, string[]][] = [
    ['`coffer run -e development -- node -e 0`', ['--', BIN, 'run', '-e', 'development', '--', process.execPath, '-e', '0']],
    ['`coffer --version`', ['--', BIN, '--version']],
  ];
  if (existsSync(DOTENVX)) {
    // The same values, exported by coffer and encrypted by dotenvx (its key lands in .env.keys).
    const exported = spawnSync(process.execPath, ['--', BIN, 'export', 'development', '-o', '.env.dx'], { cwd: dir, env, encoding: 'utf8' });
    const encrypted = spawnSync(process.execPath, [DOTENVX, 'encrypt', '-f', '.env.dx'], { cwd: dir, env, encoding: 'utf8' });
    if (exported.status !== 0 || encrypted.status !== 0) throw new Error(`dotenvx set-up failed: ${exported.stderr}${encrypted.stderr}`);
    subjects.push(['`dotenvx run -f .env.dx -- node -e 0` (100 encrypted values)', [DOTENVX, 'run', '-f', '.env.dx', '--', process.execPath, '-e', '0']]);
  }
  const compare = process.env.BENCH_COMPARE_BIN;
  if (compare !== undefined && compare !== '') subjects.push([`\`coffer run -e development -- node -e 0\` with ${compare}`, ['--', resolve(compare), 'run', '-e', 'development', '--', process.execPath, '-e', '0']]);
  if (process.env.BENCH_REDACT === '1') subjects.push(['`coffer run --redact -- node -e 0`', ['--', BIN, 'run', '-e', 'development', '--redact', '--', process.execPath, '-e', '0']]);
  const base: number[] = [];
  const times = subjects.map(() => [] as number[]);
  timeCommand(...bare);
  for (const [, args] of subjects) timeCommand(process.execPath, args);
  for (let i = 0; i < ROUNDS; i++) {
    base.push(timeCommand(...bare));
    subjects.forEach(([, args], j) => times[j]?.push(timeCommand(process.execPath, args)));
  }
  const b = median(base);
  console.log(`bare \`node -e 0\`: ${b.toFixed(1)} ms`);
  subjects.forEach(([label], j) => {
    const s = median(times[j] ?? []);
    const aim = j === 0 ? `; aim: overhead < 100 ms with ${SECRETS} secrets in the store` : '';
    console.log(`${label}: ${s.toFixed(1)} ms -> ratio ${(s / b).toFixed(2)}x, overhead ${(s - b).toFixed(1)} ms${aim}`);
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
