import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, InputError } from '../src/source/index.js';
import { readTarball } from '../src/source/tarball.js';
import type { CrateTree } from '../src/source/types.js';
import { BODIES, buildCase, honestTree, tarCase, type TarCase } from './helpers/tar-arbitrary.js';

/**
 * Plain files at plain paths (perhaps with harmless PAX records), empty folders, harmless global
 * headers, end blocks only at the end: nothing to disagree about. (A `member` op inside a folder's
 * hidden entries encodes to nothing: the folder is still empty.)
 */
function benign(c: TarCase): boolean {
  if (c.trailing !== '') return false;
  const lastReal = c.ops.reduce((n, o, i) => (o.k === 'end' ? n : i), -1);
  const plain = (p: string) => p !== '.cargo-ok' && !p.split('/').some((s) => s === '' || s === '.');
  return c.ops.every((o, i) => (o.k === 'file' && o.type === '0' && plain(o.path)) || (o.k === 'meta' && plain(o.path)) || o.k === 'metaglobal' || (o.k === 'dir' && o.hidden.every((h) => h.k === 'member') && plain(o.path)) || (o.k === 'end' && i > lastReal));
}

/**
 * What a reading comes to: the files and whether anything is ambiguous, or a refusal. A file that
 * a PAX size stretched over the next header holds that header's bytes, which name the layout's own
 * prefix: content that is not one the generator writes is compared by length only.
 */
function summary(t: CrateTree) {
  const text = (d: Uint8Array) => {
    const s = Buffer.from(d).toString('utf8');
    return BODIES.has(s) ? s : `other bytes (${d.length})`;
  };
  return { files: Object.fromEntries([...t.files].map(([p, d]) => [p, text(d)])), ambiguous: t.notes.some((n) => n.kind === 'ambiguity') };
}
async function outcome(p: Promise<CrateTree>) {
  try {
    const t = await p;
    expect(t.notes.filter((n) => n.kind === 'source-archive').length).toBe(1);
    return summary(t);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return 'refused';
  }
}

// `npm test` runs a short pass; `npm run fuzz` sets FUZZ_RUNS for a long one (and
// `npm run verify:archives -- --random N` unpacks the same structures with the real cargo).
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const params = { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: Number(process.env.FUZZ_MS ?? 20_000), endOnFailure: true };
const TIMEOUT = params.interruptAfterTimeLimit + 60_000;

describe('fuzz: tar structures', () => {
  it('an honest archive reads as exactly its files; anything else is refused or carries an ambiguity note; as a source archive, the same', async () => {
    let honest = 0;
    let withPax = 0;
    let noted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(tarCase, async (c) => {
        const expected = honestTree(c);
        let tree: CrateTree;
        // The same structure as a source archive (`./…`, perhaps after git archive's global
        // header) must read as the package does: same tree, same ambiguities, same refusals.
        const gitHeader = c.ops.length % 2 === 0;
        const source = await outcome(readTarball(buildCase(c, { prefix: './', gitHeader }), DEFAULT_LIMITS, 'fuzz.tar.gz', { sourceArchive: true }));
        try {
          tree = await readTarball(buildCase(c), DEFAULT_LIMITS, 'fuzz.crate');
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          // An honest archive is never refused.
          expect(expected, (e as Error).message).toBeNull();
          expect(source, JSON.stringify(c)).toEqual('refused');
          refused++;
          return;
        }
        expect(source, JSON.stringify(c)).toEqual(summary(tree));
        for (const p of tree.files.keys()) {
          expect(p.startsWith('/') || p.split('/').includes('..') || p.split('/').includes('.') || p.includes('//')).toBe(false);
        }
        const ambiguous = tree.notes.filter((n) => n.kind === 'ambiguity');
        if (expected) {
          honest++;
          if (c.ops.some((o) => o.k === 'meta' || o.k === 'metaglobal')) withPax++;
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
    console.log(`tar structures: ${honest} honest (exact tree; ${withPax} of them with harmless PAX records), ${noted} read with notes, ${refused} refused; each also read as a source archive, with the same result`);
  }, TIMEOUT);
});
