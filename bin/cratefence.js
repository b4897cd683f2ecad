#!/usr/bin/env node
// The CLI is bundled into one file at build time (dist/cratefence.cjs), compiled here with its V8 code cache.
// This entry is CommonJS (bin/package.json): an ES module entry makes Node.js start its ES module loader
// and wrap every built-in it imports, about 10 ms of every process (see docs/performance.md).
'use strict';
const path = require('node:path');
const { setFlagsFromString } = require('node:v8');
// A scan is a short process: without inlining, the optimizing compiler finishes sooner and throws less
// away when a function deoptimizes (measured: 3-8% faster scans, see docs/performance.md). Set before
// anything is compiled: the code cache was made with the same flags.
setFlagsFromString('--no-turbo-inlining');
const { loadBundle } = require('./load.cjs');
const { main } = loadBundle(path.resolve(__dirname, '..')).exports;
main(process.argv.slice(2)).then(() => {
  // Leave as soon as the report is out (after stdout and stderr have flushed): an orderly teardown of a
  // large heap and its native syntax trees takes up to a tenth of a large scan's time.
  const code = process.exitCode ?? 0;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
