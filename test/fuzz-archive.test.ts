import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, InputError } from '../src/source/index.js';
import { readTarball } from '../src/source/tarball.js';
import { buildCase, honestTree, tarCase, type TarCase } from './helpers/tar-arbitrary.js';

/**
 * Plain files at plain paths, empty folders, end blocks only at the end: nothing to disagree about.
 * (A `member` op inside a folder's hidden entries encodes to nothing: the folder is still empty.)
 */
function benign(c: TarCase): boolean {
  if (c.trailing !== '') return false;
  const lastReal = c.ops.reduce((n, o, i) => (o.k === 'end' ? n : i), -1);
  const plain = (p: string) => p !== '.cargo-ok' && !p.split('/').some((s) => s === '' || s === '.');
  return c.ops.every((o, i) => (o.k === 'file' && o.type === '0' && plain(o.path)) || (o.k === 'dir' && o.hidden.every((h) => h.k === 'member') && plain(o.path)) || (o.k === 'end' && i > lastReal));
}

// `npm test` runs a short pass; `npm run fuzz` sets FUZZ_RUNS for a long one (and
// `npm run verify:archives -- --random N` unpacks the same structures with the real cargo).
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const params = { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: Number(process.env.FUZZ_MS ?? 20_000), endOnFailure: true };
const TIMEOUT = params.interruptAfterTimeLimit + 60_000;

describe('fuzz: tar structures', () => {
  it('an honest archive reads as exactly its files; anything else is refused or carries an ambiguity note', async () => {
    let honest = 0;
    let noted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(tarCase, async (c) => {
        const expected = honestTree(c);
        let tree;
        try {
          tree = await readTarball(buildCase(c), DEFAULT_LIMITS, 'fuzz.crate');
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          // An honest archive is never refused.
          expect(expected, (e as Error).message).toBeNull();
          refused++;
          return;
        }
        for (const p of tree.files.keys()) {
          expect(p.startsWith('/') || p.split('/').includes('..') || p.split('/').includes('.') || p.includes('//')).toBe(false);
        }
        const ambiguous = tree.notes.filter((n) => n.kind === 'ambiguity');
        if (expected) {
          honest++;
          expect(Object.fromEntries([...tree.files].map(([p, d]) => [p, Buffer.from(d).toString('utf8')]))).toEqual(expected);
          expect(ambiguous).toEqual([]);
        } else {
          // Not what cargo package writes: the reader must say so (a critical finding). The only
          // exceptions change nothing any reader could see: plain files (a duplicate is noted when
          // its content differs), empty folder entries, end blocks with nothing after them.
          if (!benign(c)) expect(ambiguous.length, JSON.stringify(c)).toBeGreaterThan(0);
          noted++;
        }
      }),
      params,
    );
    console.log(`tar structures: ${honest} honest (exact tree), ${noted} read with notes, ${refused} refused`);
  }, TIMEOUT);
});
