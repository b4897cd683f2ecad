#!/usr/bin/env node
// The least any scan of a release pair must do, as a process of its own: start Node.js, read every
// file of both releases (a scanner cannot trust a file it has not read: names, sizes and times come
// from the archive and can be forged), tell which contents differ, and parse with cratefence's addon
// (the faster of the two floors' parsers) each distinct Rust content once — with --warm, none at all
// (a cache could hold every file's facts; it is still found by content, so the changed files are
// hashed). No facts, no analysis, no report: a bound below any scanner, not a scanner.
//
//   node bench/floor-lower.mjs LIST [--warm]
// LIST: first line the older release's folder, second the newer one's, then one relative path a line
// (the files cratefence reads of either side).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [oldDir, newDir, ...paths] = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const warm = process.argv[3] === '--warm';
const read = (dir, p) => {
  try {
    return readFileSync(path.join(dir, p));
  } catch {
    return undefined;
  }
};
let addon;
if (!warm) {
  const Rust = createRequire(import.meta.url)('tree-sitter-rust');
  addon = createRequire(import.meta.url)('../native/build/Release/cratefence_syntax.node');
  addon.setLanguage(Rust);
}
let parsed = 0;
for (const p of paths) {
  const a = read(oldDir, p);
  const b = read(newDir, p);
  const same = a !== undefined && b !== undefined && a.equals(b);
  if (!p.endsWith('.rs')) continue;
  for (const bytes of same ? [a] : [a, b]) {
    if (bytes === undefined) continue;
    if (warm) createHash('sha256').update(bytes).digest();
    else addon.parse(bytes.toString('utf8'), null, 0);
    parsed++;
  }
}
if (process.env.VERBOSE) console.error(`${warm ? 'hashed' : 'parsed'} ${parsed} contents of ${paths.length} paths`);
process.exit(0);
