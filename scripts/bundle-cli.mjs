#!/usr/bin/env node
// Build step: bundles the CLI and everything it imports into one CommonJS file, dist/cratefence.cjs,
// which bin/cratefence.js compiles with a V8 code cache (dist/cratefence.cjs.cache, made by
// scripts/code-cache.mjs): a scan is a short process, and compiling its code anew each time is a
// noticeable part of it. Native addons and rarely used modules stay external.
import { build } from 'esbuild';

await build({
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['tree-sitter', 'tree-sitter-rust', 'tree-sitter-c', 'ajv', 'yaml', 'better-sqlite3', 'bullmq', 'ioredis', 'fastify', '@fastify/*', 'piscina', 'cli-progress', 'zod', 'playwright-core'],
  // The sources are ES modules: give the bundle their import.meta.url (the bundle's own file).
  define: { 'import.meta.url': '__cratefenceUrl' },
  banner: { js: "const __cratefenceUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cratefence.cjs',
});
