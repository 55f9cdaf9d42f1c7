// Bundles the built CLI (dist/cli/bin.js and everything it imports from dist/) into one
// CommonJS file, dist/cli/coffer.cjs, the package's `coffer` executable. Every command starts a
// fresh Node process, and loading some sixty ES modules one by one cost more than the work of
// a short command; one CommonJS file is read and compiled at once, and the modules inside it
// still run only when a command needs them. Packages stay external: native ones
// (better-sqlite3), heavy ones loaded only by some commands (@zxcvbn-ts), and the optional
// SDKs, which a user may not have installed.
import { chmodSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]
  .filter((name) => !['commander', 'zod', 'yaml'].includes(name))
  .flatMap((name) => [name, `${name}/*`]);
const outfile = 'dist/cli/coffer.cjs';
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
chmodSync(outfile, 0o755);
