#!/usr/bin/env -S node --
// The `coffer` executable (copied to dist/cli/coffer.cjs by scripts/bundle-cli.mjs). It runs the
// bundled CLI, dist/cli/coffer-bundle.cjs, through V8's code cache made at build time
// (coffer-bundle.cjs.cache), so a command starts without parsing and compiling half a megabyte
// of JavaScript again. V8 checks the cache against the source and its own version and flags and
// ignores one that does not match; without a usable cache this is a plain load. Nothing is ever
// written at run time, except when the build asks for the cache (COFFER_CODE_CACHE_OUT).
//
// The `--` in the shebang ends Node's own option parsing: Node 20 otherwise takes a script
// argument `--env-file PATH` for its own flag and exits 9 when PATH does not exist
// (nodejs/node#54232), before `coffer validate --env-file` can run.
'use strict';
const { isAscii } = require('node:buffer');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { createRequire } = require('node:module');

const file = join(__dirname, 'coffer-bundle.cjs');
let cachedData;
try {
  cachedData = readFileSync(`${file}.cache`);
} catch {
  // No cache shipped: compile as usual.
}
// An ASCII bundle (the build warns when it is not) is decoded as Latin-1: the same text, made at
// once into a one-byte string, where UTF-8 decoding would cost milliseconds more at every start.
const bytes = readFileSync(file);
// The bundle keeps bin.ts's shebang line, which is not JavaScript inside a function: comment it out.
const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8').replace(/^#!/, '//');
const script = new Script(`(function (exports, require, module, __filename, __dirname, __cofferImport) {${source}\n})`, {
  filename: file,
  ...(cachedData ? { cachedData } : {}),
});
const out = process.env.COFFER_CODE_CACHE_OUT;
if (out) process.once('exit', () => writeFileSync(out, script.createCachedData()));
const bundle = { exports: {} };
// A script compiled by node:vm cannot run import() without an experimental flag, so the build
// turned the bundle's import(...) of optional packages (pg, ioredis, cloud SDKs) into calls to
// this function, which imports from here: the same directory, the same resolution.
const importFromHere = (specifier) => import(specifier);
script.runInThisContext().call(bundle.exports, bundle.exports, createRequire(file), bundle, file, __dirname, importFromHere);
