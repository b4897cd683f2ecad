// A separate process using the built facts store (dist/), for the tests of packs written and merged
// by several processes at once (test/pack.test.ts).
//   node pack-child.mjs write  DIR PREFIX ROUNDS [SHARED]  one store per round, each writing the
//        facts named PREFIX-<round> (and shared-<round> with SHARED) as its own pack; prints
//        { written, merges, writeError }
//   node pack-child.mjs read   DIR NAMES STOP READY        reads the facts named in the JSON file NAMES
//        pass after pass (a new store every third pass, so others read with indexes grown old)
//        until the file STOP exists; prints { passes, hits, misses, wrong }
//   node pack-child.mjs verify DIR NAMES                   prints { missing, wrong } for NAMES
// The facts named N describe content whose hash is sha256(N) and have lineCount = length of N.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { DiskFactsStore, factsFingerprint } = await import(path.join(ROOT, 'dist', 'cache', 'facts.js'));

const hashOf = (name) => createHash('sha256').update(name).digest('hex');
const facts = (name) => ({
  hash: hashOf(name), partial: false, errors: [], items: [], aliases: {}, globs: [], mods: [], innerAttrs: [], safetyLines: [], oddIdentifiers: [],
  lineCount: name.length,
  sites: [{ kind: 'call', text: `${name}::call`, args: '()', item: -1, line: 1, column: 1, endLine: 1, inMacro: false, len: undefined }],
});
const packs = (dir) => {
  try {
    return readdirSync(path.join(dir, factsFingerprint())).filter((n) => n.endsWith('.pack')).length;
  } catch {
    return 0;
  }
};

const [mode, dir, ...rest] = process.argv.slice(2);
if (mode === 'write') {
  const [prefix, rounds, shared] = rest;
  let written = 0;
  let merges = 0;
  let writeError;
  for (let r = 0; r < Number(rounds); r++) {
    const store = new DiskFactsStore(dir);
    store.put(hashOf(`${prefix}-${r}`), facts(`${prefix}-${r}`));
    if (shared) store.put(hashOf(`shared-${r}`), facts(`shared-${r}`));
    const before = packs(dir);
    store.flush();
    if (packs(dir) <= before) merges++;
    written += store.writes;
    writeError ??= store.writeError;
  }
  console.log(JSON.stringify({ written, merges, writeError }));
} else if (mode === 'read') {
  const [namesFile, stop, ready] = rest;
  const names = JSON.parse(readFileSync(namesFile, 'utf8'));
  let store;
  let passes = 0;
  let hits = 0;
  let misses = 0;
  let wrong = 0;
  const deadline = Date.now() + 30_000;
  writeFileSync(ready, '');
  while (!existsSync(stop) && Date.now() < deadline) {
    if (passes % 3 === 0) store = new DiskFactsStore(dir);
    for (const n of names) {
      const f = store.get(hashOf(n));
      if (!f) misses++;
      else if (f.lineCount !== n.length || f.sites[0].text !== `${n}::call`) wrong++;
      else hits++;
    }
    passes++;
  }
  console.log(JSON.stringify({ passes, hits, misses, wrong, readProblem: store?.readProblem }));
} else if (mode === 'verify') {
  const names = JSON.parse(readFileSync(rest[0], 'utf8'));
  const store = new DiskFactsStore(dir);
  const missing = [];
  let wrong = 0;
  for (const n of names) {
    const f = store.get(hashOf(n));
    if (!f) missing.push(n);
    else if (f.lineCount !== n.length) wrong++;
  }
  console.log(JSON.stringify({ missing, wrong, readProblem: store.readProblem, packs: packs(dir) }));
} else {
  throw new Error(`unknown mode ${mode}`);
}
