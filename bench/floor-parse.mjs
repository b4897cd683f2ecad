#!/usr/bin/env node
// The floor: a process that only loads tree-sitter and parses every .rs file named in a list file
// (one absolute path per line): the files of both releases that cratefence analyses. With --native it
// parses with cratefence's own syntax addon (the same tree-sitter C runtime, called without the
// binding's per-chunk JavaScript callbacks), the lower of the two floors.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Rust from 'tree-sitter-rust';

const files = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
let n = 0;
if (process.argv[3] === '--native') {
  const addon = createRequire(import.meta.url)('../native/build/Release/cratefence_syntax.node');
  addon.setLanguage(Rust);
  for (const f of files) {
    addon.parse(readFileSync(f, 'utf8'), null, 0);
    n++;
  }
} else {
  const { default: Parser } = await import('tree-sitter');
  const parser = new Parser();
  parser.setLanguage(Rust);
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    parser.parse(src, undefined, { bufferSize: Math.max(64 * 1024, src.length * 2 + 16) });
    n++;
  }
}
if (process.env.VERBOSE) console.error(`parsed ${n} files`);
// Leave at once, as the CLI does: the floor is the parsing, not the teardown of the trees.
process.exit(0);
