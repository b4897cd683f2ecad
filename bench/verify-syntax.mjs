#!/usr/bin/env node
// Checks the native syntax addon on real code: every distinct .rs file of every release pair in
// bench/pairs.json is parsed once and flattened three ways — the addon's direct subtree walk (what
// scans use), the addon's TreeCursor walk, and the tree-sitter binding's TreeCursor — and the three
// node arrays must be identical. Exit 1 on any difference.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadPairs } from './lib/pairs.mjs';
import { nativeFlattenings, bindingBackend, nativeSyntaxProblem } from '../dist/parse/syntax.js';
import { parserInput } from '../dist/parse/parser.js';

if (nativeSyntaxProblem()) {
  console.error(`the native addon is not in use: ${nativeSyntaxProblem()}`);
  process.exit(2);
}
function* rustFiles(dir) {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) yield* rustFiles(p);
    else if (p.endsWith('.rs')) yield p;
  }
}
const same = (a, b) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const seen = new Set();
let files = 0;
let nodes = 0;
let bad = 0;
for (const p of loadPairs()) {
  for (const dir of [p.oldDir, p.newDir]) {
    for (const f of rustFiles(dir)) {
      const text = readFileSync(f, 'utf8');
      if (seen.has(text)) continue;
      seen.add(text);
      const input = parserInput(text);
      const [direct, cursor] = nativeFlattenings(input);
      const binding = bindingBackend.parse(input, undefined, 10_000).nodes();
      files++;
      nodes += direct.length / 4;
      if (!same(direct, cursor) || !same(direct, binding)) {
        bad++;
        console.log(`DIFFERENT: ${path.relative(process.cwd(), f)}`);
      }
    }
  }
}
console.log(`${files} distinct files, ${nodes} nodes: ${bad} different`);
process.exitCode = bad > 0 ? 1 : 0;
