import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allBackends, nativeFlattenings, nativeSyntaxProblem, syntaxBackend, errorNodes, typeAt, rustGrammar, NODE_WORDS, type SyntaxBackend } from '../src/parse/syntax.js';
import { parserInput } from '../src/parse/parser.js';
import { extractFacts } from '../src/parse/walker.js';

const CORPUS = path.join(import.meta.dirname, '..', 'corpus');

function rustFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) rustFiles(p, out);
    else if (p.endsWith('.rs')) out.push(p);
  }
  return out;
}

const corpusSources = rustFiles(CORPUS).map((f) => readFileSync(f, 'utf8'));
// Inputs that stress error recovery, positions and odd characters.
const hostile = [
  '',
  '\n\n',
  'fn',
  'fn main( {',
  'fn f() { let x = ; }',
  '\ufefffn f() {}',
  'fn f() {\r\n    g();\r\n}\r\n',
  'fn f() { "caf\u00e9 \u{1F600}"; let \u00e9t\u00e9 = 1; }',
  'fn f() { /* \u202e */ x\u0000y }',
  `fn f() { ${'('.repeat(3000)}${')'.repeat(3000)} }`,
  `${'mod m { '.repeat(500)}${'}'.repeat(500)}`,
  'impl<T> X for Y<T> where T: Z { unsafe fn g(&self) -> u8 { *p } }',
  'macro_rules! m { ($x:expr) => { try!($x) } }',
  '#[cfg(test)] mod t { #[test] fn x() { assert!(1 == 1); } }',
];

function flat(b: SyntaxBackend, src: string): Uint32Array {
  const t = b.parse(parserInput(src), undefined, 10_000);
  if (!t) throw new Error('parse timed out');
  return t.nodes();
}

const same = (a: Uint32Array, b: Uint32Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('syntax backends', () => {
  it('uses the native addon (required on CI, where a C compiler is part of the machine)', () => {
    if (!process.env.CI) return;
    expect(nativeSyntaxProblem()).toBeUndefined();
    expect(syntaxBackend().name).toBe('native');
  });

  const backends = allBackends();
  const [native, binding] = backends.length === 2 ? backends : [undefined, backends[0]];

  it.skipIf(!native)('native and binding backends give the same node arrays on every corpus file and hostile input', () => {
    let nodes = 0;
    for (const src of [...corpusSources, ...hostile]) {
      const a = flat(native!, src);
      const b = flat(binding!, src);
      expect(same(a, b), src.slice(0, 80)).toBe(true);
      nodes += a.length / NODE_WORDS;
    }
    expect(nodes).toBeGreaterThan(10_000);
  });

  it.skipIf(!native)("the addon's direct subtree walk gives the same arrays as its TreeCursor walk", () => {
    for (const src of [...corpusSources, ...hostile]) {
      const [direct, cursor] = nativeFlattenings(parserInput(src))!;
      expect(same(direct, cursor), src.slice(0, 80)).toBe(true);
    }
  });

  it.skipIf(!native)('native and binding backends agree on random text (property)', () => {
    const piece = fc.oneof(fc.constantFrom('fn', 'f', '(', ')', '{', '}', '"', "'", 'r#"', '#', '[', ']', 'unsafe', 'impl', '<', '>', ';', '\n', '\r\n', ' ', '\u00e9', '\u{1F600}', '\0', 'try!', '::', '/*', '*/', '//'), fc.string({ maxLength: 6 }));
    // Token soup, and arbitrary text (any code points, lone surrogates, control characters).
    const text = fc.oneof(
      fc.array(piece, { maxLength: 200 }).map((p) => p.join('')),
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
    );
    fc.assert(
      fc.property(text, (src) => {
        const a = flat(native!, src);
        const b = flat(binding!, src);
        const tn = native!.parse(src, undefined, 10_000)!;
        const tb = binding!.parse(src, undefined, 10_000)!;
        expect(tn.hasError).toBe(tb.hasError);
        expect(same(a, b)).toBe(true);
        const [direct, cursor] = nativeFlattenings(src)!;
        expect(same(direct, cursor)).toBe(true);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 200) },
    );
  });

  it('finds ERROR nodes, and tells identifiers at the start of words, as the binding does', () => {
    const src = 'fn f() { let = ; }\nfn caf\u00e9() { std::f\u00fc(\u00e9t\u00e9, "\u00fcber") } // \u00e7a\nstruct \u00c9 { \u00e0: u8 }';
    const b = binding!.parse(src, undefined, 10_000)!;
    const a = b.nodes();
    const tree = b.bindingTree!;
    const errs = errorNodes(a).map((i) => [a[i * NODE_WORDS + 1], a[i * NODE_WORDS + 2]]);
    expect(errs).toEqual(tree.rootNode.descendantsOfType('ERROR').map((n) => [n.startIndex, n.endIndex]));
    expect(errs.length).toBeGreaterThan(0);
    // Tokens the arrays leave out are punctuation and keywords, never a word: where a word starts,
    // "is it an identifier" must come out the same (that is all the odd-identifier check asks).
    let words = 0;
    for (let at = 0; at < src.length; at++) {
      if (!/[\p{L}_]/u.test(src[at]) || (at > 0 && /[\p{L}\p{N}_]/u.test(src[at - 1]))) continue;
      words++;
      const line = src.slice(0, at).split('\n').length - 1;
      const column = at - (src.lastIndexOf('\n', at - 1) + 1);
      const want = /identifier$/.test(tree.rootNode.descendantForPosition({ row: line, column }).type);
      expect(/identifier$/.test(typeAt(a, at, rustGrammar())), `offset ${at}`).toBe(want);
    }
    expect(words).toBeGreaterThan(12);
  });

  it('extracts the same facts from either backend', () => {
    for (const src of corpusSources.slice(0, 40)) {
      const facts = backends.map((b) => {
        const t = b.parse(parserInput(src), undefined, 10_000)!;
        return JSON.stringify(extractFacts(t.nodes(), t.hasError, src, 'h'));
      });
      expect(new Set(facts).size).toBe(1);
    }
  });

  it.skipIf(!native)('an incremental native parse gives the same nodes as a parse from scratch', () => {
    const before = 'fn a() {\n    b();\n}\n\nfn c() {}\n';
    const after = 'fn a() {\n    b();\n    d(1, 2);\n}\n\nfn c() {}\n';
    const base = native!.parse(before, undefined, 10_000)!;
    const insertAt = before.indexOf('}');
    const inserted = '    d(1, 2);\n';
    base.edit({ startIndex: insertAt, oldEndIndex: insertAt, newEndIndex: insertAt + inserted.length, startPosition: { row: 2, column: 0 }, oldEndPosition: { row: 2, column: 0 }, newEndPosition: { row: 3, column: 0 } });
    const inc = native!.parse(after, base, 10_000)!;
    expect(same(inc.nodes(), flat(native!, after))).toBe(true);
  });

  it.skipIf(!native)('the native parser gives up at its time budget instead of hanging', () => {
    const huge = `fn f() { ${'g(h(i(j(k(1))))) + '.repeat(200_000)}0 }`;
    expect(native!.parse(huge, undefined, 1)).toBeNull();
    // and parses again normally afterwards
    expect(flat(native!, 'fn ok() {}').length).toBeGreaterThan(0);
  });
});
