#!/usr/bin/env node
// The CLI is bundled into one file at build time (dist/cratefence.js): one module to load instead of dozens.
import { setFlagsFromString } from 'node:v8';
// A scan is a short process: without inlining, the optimizing compiler finishes sooner and throws less
// away when a function deoptimizes (measured: 3-8% faster scans, see docs/performance.md).
setFlagsFromString('--no-turbo-inlining');
const { main } = await import('../dist/cratefence.js');
main(process.argv.slice(2));
