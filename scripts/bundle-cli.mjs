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

// esbuild writes strings, regexes and identifiers as ASCII, but keeps comments as written: a few
// "→" or "…" there make the whole 1.3 MB source a two-byte string for V8 (slower to read, hash against
// the code cache and keep). Comments do not run, so their non-ASCII characters become "?". A character
// outside a comment (which esbuild should never leave) leaves the file as it is.
{
  const { readFileSync, writeFileSync } = await import('node:fs');
  const file = 'dist/cratefence.cjs';
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  let inBlock = false;
  let outside = 0;
  const out = lines.map((line) => {
    let s = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (inBlock) {
        if (c === '*' && line[i + 1] === '/') {
          inBlock = false;
          s += '*/';
          i++;
          continue;
        }
        s += c.charCodeAt(0) > 0x7f ? '?' : c;
      } else if (c === '/' && line[i + 1] === '*' && !/["'`]/.test(line.slice(0, i))) {
        inBlock = true;
        s += '/*';
        i++;
      } else if (c === '/' && line[i + 1] === '/' && !/["'`/]/.test(line.slice(0, i))) {
        return s + line.slice(i).replace(/[^\x00-\x7f]/g, '?');
      } else {
        if (c.charCodeAt(0) > 0x7f) outside++;
        s += c;
      }
    }
    return s;
  });
  if (outside === 0) writeFileSync(file, out.join('\n'));
  else console.warn(`bundle-cli: ${outside} non-ASCII character(s) outside comments; the bundle is left as esbuild wrote it`);
}
