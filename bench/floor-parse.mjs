#!/usr/bin/env node
// The floor: a process that only loads tree-sitter and parses every .rs file named in a list file
// (one absolute path per line): the files of both releases that cratefence analyses.
import { readFileSync } from 'node:fs';
import Parser from 'tree-sitter';
import Rust from 'tree-sitter-rust';

const parser = new Parser();
parser.setLanguage(Rust);
let n = 0;
for (const f of readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean)) {
  const src = readFileSync(f, 'utf8');
  parser.parse(src, undefined, { bufferSize: Math.max(64 * 1024, src.length * 2 + 16) });
  n++;
}
if (process.env.VERBOSE) console.error(`parsed ${n} files`);
// Leave at once, as the CLI does: the floor is the parsing, not the teardown of the trees.
process.exit(0);
