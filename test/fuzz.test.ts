import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeTrees } from '../src/index.js';
import { DEFAULT_PARSE_OPTIONS, ParseCache } from '../src/parse/parser.js';
import { DEFAULT_LIMITS, InputError, treeFromFiles } from '../src/source/index.js';
import { readTarball } from '../src/source/tarball.js';
import { ManifestError, diffManifests, parseManifest } from '../src/diff/manifest.js';
import { makeTar, type Entry } from './helpers/tarball.js';
import { manifest } from './helpers/fixture.js';

// `npm test` runs a short pass; `npm run fuzz` sets FUZZ_RUNS for a long one. A failure prints the
// seed and the shrunk counterexample: add it to REGRESSIONS below (or as a hostile.test.ts case).
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const params = { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: Number(process.env.FUZZ_MS ?? 20_000), endOnFailure: true };
// fast-check stops a property at FUZZ_MS (a pass, not a failure); the test itself must outlive that.
const TIMEOUT = params.interruptAfterTimeLimit + 60_000;
const LIMITS = { ...DEFAULT_LIMITS, maxTotalBytes: 4 * 1024 * 1024, maxFiles: 200, maxFileBytes: 1024 * 1024 };

const segment = fc.oneof(
  fc.constantFrom('..', '.', '', 'src', 'lib.rs', 'Cargo.toml', 'C:', 'a\\b', '\u202e', 'caf\u00e9', 'CAFE\u0301', '\0', ' '),
  fc.string({ minLength: 1, maxLength: 12 }),
);
const entryName = fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => s.join('/'));
const entry: fc.Arbitrary<Entry> = fc.record({
  name: fc.oneof(entryName, entryName.map((n) => `x-1.0.0/${n}`), entryName.map((n) => `/${n}`)),
  type: fc.constantFrom('file', 'file', 'file', 'directory', 'symlink', 'link', 'fifo', 'character-device'),
  content: fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)),
  linkname: fc.oneof(entryName, fc.constant('../../etc/passwd'), fc.constant('/etc/shadow')),
});

/** The reader's contract: a tree or an InputError, nothing else. */
async function readsOrRefuses(buf: Buffer): Promise<void> {
  try {
    // Plain tars too: the tar layer is what is fuzzed here (a .crate must be gzip; see fuzz-archive).
    const t = await readTarball(buf, LIMITS, 'fuzz.tar', { allowPlainTar: true });
    for (const p of t.files.keys()) {
      expect(p.startsWith('/')).toBe(false);
      expect(p.split('/')).not.toContain('..');
    }
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
  }
}

describe('fuzz: archive reader', () => {
  it('any list of entries gives a clean tree or an InputError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 12 }), fc.boolean(), async (entries, gzip) => {
        let buf: Buffer;
        try {
          buf = await makeTar(entries, gzip);
        } catch {
          return; // the tar writer itself refused the entry (e.g. a name it cannot encode)
        }
        await readsOrRefuses(buf);
      }),
      params,
    );
  }, TIMEOUT);

  it('random and mutated bytes give a tree or an InputError', async () => {
    const good = await makeTar([{ name: 'x-1.0.0/Cargo.toml', content: '[package]\nname="x"\nversion="1.0.0"\n' }, { name: 'x-1.0.0/src/lib.rs', content: 'pub fn f() {}' }]);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 16 }), async (raw, flips) => {
        await readsOrRefuses(Buffer.from(raw));
        const m = Buffer.from(good);
        for (const [i, v] of flips) m[i % m.length] = v;
        await readsOrRefuses(m);
        await readsOrRefuses(gzipSync(m));
      }),
      params,
    );
  }, TIMEOUT);
});

describe('fuzz: manifest diff', () => {
  const tomlValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant('{ git = "x" }'), fc.constant('{ package = "y", version = "1" }'), fc.constant('[1, 2]'));
  const tomlDoc = fc
    .array(fc.tuple(fc.constantFrom('[package]', '[dependencies]', '[build-dependencies]', '[target.\'cfg(unix)\'.dependencies]', '[lib]', '[features]', ''), fc.array(fc.tuple(fc.string({ maxLength: 10 }), tomlValue), { maxLength: 5 })), { maxLength: 6 })
    .map((sections) => sections.map(([h, kv]) => `${h}\n${kv.map(([k, v]) => `${JSON.stringify(k)} = ${typeof v === 'string' && !v.startsWith('{') && !v.startsWith('[') ? JSON.stringify(v) : String(v)}`).join('\n')}`).join('\n'));

  it('parses or throws ManifestError, and diffs any two parsed manifests', () => {
    fc.assert(
      fc.property(fc.oneof(tomlDoc, fc.string({ maxLength: 400 })), fc.oneof(tomlDoc, fc.string({ maxLength: 400 })), (a, b) => {
        const parse = (t: string) => {
          try {
            return parseManifest(t);
          } catch (e) {
            if (!(e instanceof ManifestError)) throw e;
            return null;
          }
        };
        const d = diffManifests(parse(a), parse(b));
        expect(Array.isArray(d.added)).toBe(true);
      }),
      params,
    );
  }, TIMEOUT);
});

describe('fuzz: rule engine over generated Rust', () => {
  const CORPUS = path.join(import.meta.dirname, '..', 'corpus');
  const samples: string[] = [];
  for (const c of readdirSync(CORPUS)) {
    const p = path.join(CORPUS, c, 'new', 'src', 'lib.rs');
    try {
      if (statSync(p).isFile()) samples.push(readFileSync(p, 'utf8'));
    } catch {
      /* case without a lib.rs */
    }
  }
  const token = fc.oneof(
    fc.constantFrom('fn', 'pub', 'impl', 'mod', 'use', 'unsafe', 'extern', 'static', 'const', 'macro_rules!', 'lazy_static!', 'struct', 'enum', 'trait', 'for', 'let', 'match', 'if', 'return', 'try!', 'r#"x"#', '#[path = "x.dat"]', '#[link_section = ".init_array"]', '#![forbid(unsafe_code)]'),
    fc.constantFrom('{', '}', '(', ')', '[', ']', '<', '>', '::', ';', ',', '.', '=', '!', '#', '&', '*', '|', '^', '/', '\'', '"', '\n', ' ', '\u202e'),
    fc.constantFrom('std::process::Command::new', 'std::env::var', 'std::net::TcpStream::connect', 'base64::decode', 'x', 'Self', 'self', 'super', 'crate'),
    fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'use constructor::x as __proto__;'),
    fc.string({ maxLength: 8 }),
    fc.integer().map(String),
  );
  const source = fc.oneof(
    fc.array(token, { maxLength: 300 }).map((t) => t.join(' ')),
    fc.tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.array(token, { maxLength: 6 })), { maxLength: 8 })).map(([s, edits]) => {
      let out = s;
      for (const [at, del, ins] of edits) {
        const i = at % (out.length + 1);
        out = out.slice(0, i) + ins.join(' ') + out.slice(i + del);
      }
      return out;
    }),
  );

  it('incremental parsing gives the same tree and facts as parsing from scratch', () => {
    // The new side is an edited copy of the old: lines inserted, deleted or replaced, text spliced.
    const lineEdit = fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.array(fc.array(token, { maxLength: 6 }).map((t) => t.join(' ')), { maxLength: 3 }));
    const pair = fc.tuple(source, fc.array(lineEdit, { maxLength: 6 })).map(([oldSrc, edits]) => {
      const lines = oldSrc.split('\n');
      for (const [at, del, ins] of edits) lines.splice(at % (lines.length + 1), del, ...ins);
      return [oldSrc, lines.join('\n')] as const;
    });
    fc.assert(
      fc.property(pair, ([oldSrc, newSrc]) => {
        const enc = (t: string) => Buffer.from(t);
        const inc = new ParseCache();
        inc.parse(enc(oldSrc));
        const a = inc.parse(enc(newSrc), enc(oldSrc));
        const b = new ParseCache({ ...DEFAULT_PARSE_OPTIONS, incremental: false }).parse(enc(newSrc));
        expect(a.syntax === null).toBe(b.syntax === null);
        if (a.syntax && b.syntax) expect(Buffer.from(a.syntax.nodes().buffer).equals(Buffer.from(b.syntax.nodes().buffer))).toBe(true);
        expect(JSON.stringify(a.facts)).toBe(JSON.stringify(b.facts));
      }),
      params,
    );
  }, TIMEOUT);

  it('never throws, and every finding is well formed', () => {
    fc.assert(
      fc.property(source, source, (oldSrc, newSrc) => {
        const old = treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': oldSrc, 'build.rs': oldSrc.slice(0, 200) });
        const neu = treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': newSrc, 'build.rs': newSrc.slice(0, 200) });
        const { report } = analyzeTrees(old, neu);
        expect(['pass', 'review', 'block']).toContain(report.verdict);
        expect(report.score).toBeGreaterThanOrEqual(0);
        expect(report.score).toBeLessThanOrEqual(100);
        for (const f of report.findings) {
          expect(f.line).toBeGreaterThanOrEqual(1);
          expect(f.message).not.toContain('{?');
        }
      }),
      params,
    );
  }, TIMEOUT);
});
