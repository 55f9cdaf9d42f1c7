// Bundles the built CLI (dist/cli/bin.js and everything it imports from dist/) into one
// CommonJS file, dist/cli/coffer-bundle.cjs, run by the package's `coffer` executable,
// dist/cli/coffer.cjs (a copy of scripts/cli-entry.cjs). Every command starts a
// fresh Node process, and loading some sixty ES modules one by one cost more than the work of
// a short command; one CommonJS file is read and compiled at once, and the modules inside it
// still run only when a command needs them. Packages stay external: native ones
// (better-sqlite3), heavy ones loaded only by some commands (@zxcvbn-ts), and the optional
// SDKs, which a user may not have installed.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]
  .filter((name) => !['commander', 'zod', 'yaml'].includes(name))
  .flatMap((name) => [name, `${name}/*`]);
const outfile = 'dist/cli/coffer-bundle.cjs';
const entry = 'dist/cli/coffer.cjs';
await build({
  entryPoints: ['dist/cli/bin.js'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external,
  // import.meta.url has no meaning in CommonJS: give it this file's URL (the package.json read
  // for --version and createRequire resolve from dist/cli/ either way).
  define: { 'import.meta.url': '__coffer_module_url' },
  banner: { js: "const __coffer_module_url = require('node:url').pathToFileURL(__filename).href;" },
  // Less to read and parse at every start; identifiers keep their names for readable traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
// The entry runs the bundle through node:vm, where import() needs an experimental flag; it passes
// a function that imports for it (see scripts/cli-entry.cjs).
const bundled = readFileSync(outfile, 'utf8');
writeFileSync(outfile, bundled.replace(/\bimport\((?=["'])/g, '__cofferImport('));
// esbuild escapes non-ASCII text where it can, but not in regular expression literals; the entry
// loads an ASCII bundle faster (one-byte text), so say where a character slipped in.
let nonAscii = -1;
for (let i = 0; i < bundled.length && nonAscii < 0; i++) if (bundled.charCodeAt(i) > 0x7f) nonAscii = i;
if (nonAscii >= 0) console.warn(`bundle-cli: ${outfile} is not ASCII (near ${JSON.stringify(bundled.slice(Math.max(0, nonAscii - 40), nonAscii + 10))}); write the character as a \\u escape to keep start-up fast.`);
copyFileSync('scripts/cli-entry.cjs', entry);
chmodSync(entry, 0o755);
writeCodeCache();

/**
 * Runs a short scenario (generate into a new store, then `coffer run`) with COFFER_CODE_CACHE_OUT
 * set, so that the cache holds the code those commands compiled, not only the top level. A
 * failure here costs speed, never correctness: the executable runs without a cache.
 */
function writeCodeCache() {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-code-cache-'));
  const bin = resolve(entry);
  const cache = resolve(`${outfile}.cache`);
  rmSync(cache, { force: true });
  try {
    writeFileSync(join(dir, 'coffer.config.json'), JSON.stringify({ version: 1, environments: { development: { provider: 'store' } }, secrets: { JWT_SECRET: { category: 'jwt' }, DB_PASSWORD: { category: 'database' } } }));
    const env = { PATH: process.env.PATH, HOME: dir, COFFER_MASTER_KEY: 'ab'.repeat(32) };
    let failure = '';
    const run = (args, extra = {}) => {
      const result = spawnSync(process.execPath, [bin, ...args], { cwd: dir, env: { ...env, ...extra }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
      if (result.status !== 0) failure = `coffer ${args[0]} exited ${result.status ?? result.signal}: ${(result.stderr ?? '').trim().split('\n')[0]}`;
      return result.status === 0;
    };
    const ok = run(['generate', 'development']) && run(['run', '-e', 'development', '--', process.execPath, '-e', '0'], { COFFER_CODE_CACHE_OUT: cache });
    if (!ok) console.warn(`bundle-cli: the code cache scenario failed (${failure}); coffer will start without a code cache.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
