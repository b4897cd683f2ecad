#!/usr/bin/env node
// Build step: makes dist/cratefence.cjs.cache, the V8 code cache of the bundled CLI. The cache is
// taken after the CLI has scanned corpus cases in this process (text and JSON output), so it also
// holds the functions a scan compiles on first use. Runs only cratefence's own code on its own corpus.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-turbo-inlining'); // as bin/cratefence.js: the cache records the flags
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { loadBundle } = require('../bin/load.cjs');
const bundle = loadBundle(root, { useCache: false });
const corpus = path.join(root, 'corpus');
const out = path.join(root, 'dist', '.code-cache-scratch.txt');
const cases = ['m05-far-jump-payload-in-new-module', 'm03-build-rs-credential-theft', 'm10-typosquat-dependency', 'm28-dos-new-panics-in-parser', 'h01-network-client-new-endpoint'];
for (const c of cases) {
  for (const format of ['json', 'text']) {
    await bundle.exports.main(['diff', path.join(corpus, c, 'old'), path.join(corpus, c, 'new'), '--format', format, '--output', out, '--no-progress', '--fail-on', 'never']);
  }
}
process.exitCode = 0;
const data = bundle.produce();
writeFileSync(path.join(root, 'dist', 'cratefence.cjs.cache'), data);
(await import('node:fs')).rmSync(out, { force: true });
console.log(`code cache: ${(data.length / 1024).toFixed(0)} KiB (dist/cratefence.cjs.cache)`);
