/**
 * A fast-check generator of tar structures (not just entry lists): PAX and GNU records, links,
 * duplicate paths, folders with data, odd typeflags and ustar versions, end blocks in odd places,
 * extra gzip members and trailing bytes. Used by test/fuzz-archive.test.ts (property: an honest
 * archive reads as exactly its files; anything else is refused or carries an ambiguity note) and by
 * `npm run verify:archives -- --random N` (the same structures unpacked by the real cargo).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { endBlocks, gnuLongName, paxEntry, tarEntry } from './tarball.js';

export const TOP = 'demo-1.0.0';
const MANIFEST = '[package]\nname = "demo"\nversion = "1.0.0"\nedition = "2021"\n';

export type Op =
  | { k: 'file'; path: string; body: string; type: string }
  | { k: 'dir'; path: string; hidden: Op[] }
  | { k: 'symlink'; path: string; target: string }
  | { k: 'hardlink'; path: string; target: string }
  | { k: 'pax'; records: Array<[string, string]>; path: string; body: string }
  | { k: 'longname'; long: string; paxPath: string | null; path: string; body: string }
  | { k: 'global'; records: Array<[string, string]> }
  | { k: 'oddustar'; path: string; prefix: string; body: string }
  | { k: 'end'; blocks: number }
  | { k: 'member' };

export interface TarCase {
  ops: Op[];
  trailing: string;
}

/** Paths that never conflict with each other: an archive of these as plain files is honest. */
export const HONEST_PATHS = ['src/lib.rs', 'src/a.rs', 'src/sub/b.rs', 'tests/t.rs', 'README.md'];
const path = fc.constantFrom(...HONEST_PATHS, 'src', 'tests', 'tests/lib.rs', 'x', 'src/sub', '.cargo-ok', './src/c.rs', 'src//d.rs');
const body = fc.constantFrom('pub fn a() {}\n', 'pub fn payload() { std::process::exit(1) }\n', '', 'x'.repeat(700));
const target = fc.constantFrom('lib.rs', 'a.rs', 'src', '../src', '..', 'missing', 'sub', '/etc/passwd', 'b.rs');
const record = fc.tuple(fc.constantFrom('path', 'size', 'linkpath', 'mtime', 'comment'), fc.oneof(path.map((p) => `${TOP}/${p}`), fc.constantFrom('0', '14', '700', 'x')));

const honestFile: fc.Arbitrary<Op> = fc.record({ k: fc.constant('file' as const), path: fc.constantFrom(...HONEST_PATHS), body, type: fc.constant('0') });
const leaf: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: honestFile },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('file' as const), path, body, type: fc.constantFrom('0', '7', 'N', 'V') }) },
  fc.record({ k: fc.constant('symlink' as const), path, target }),
  fc.record({ k: fc.constant('hardlink' as const), path, target: fc.oneof(path.map((p) => `${TOP}/${p}`), target) }),
  fc.record({ k: fc.constant('pax' as const), records: fc.array(record, { minLength: 1, maxLength: 3 }), path, body }),
  fc.record({ k: fc.constant('longname' as const), long: path.map((p) => `${TOP}/${p}`), paxPath: fc.option(path.map((p) => `${TOP}/${p}`)), path, body }),
  fc.record({ k: fc.constant('global' as const), records: fc.array(record, { minLength: 1, maxLength: 2 }) }),
  fc.record({ k: fc.constant('oddustar' as const), path, prefix: fc.constantFrom(`${TOP}/hidden`, 'x'), body }),
  fc.record({ k: fc.constant('end' as const), blocks: fc.constantFrom(1, 2) }),
  fc.constant({ k: 'member' as const }),
);
const op: fc.Arbitrary<Op> = fc.oneof({ weight: 9, arbitrary: leaf }, { weight: 1, arbitrary: fc.record({ k: fc.constant('dir' as const), path, hidden: fc.array(leaf, { maxLength: 2 }) }) });

/** Mostly honest archives (so the honest property is exercised), the rest anything. */
export const tarCase: fc.Arbitrary<TarCase> = fc.oneof(
  fc.record({ ops: fc.uniqueArray(honestFile, { selector: (o) => (o as { path: string }).path, maxLength: 5 }), trailing: fc.constant('') }),
  fc.record({ ops: fc.array(op, { maxLength: 8 }), trailing: fc.constantFrom('', '', '\0\0\0', 'junk') }),
);

function encode(o: Op): Buffer {
  const at = (p: string) => `${TOP}/${p}`;
  switch (o.k) {
    case 'file':
      return tarEntry({ name: at(o.path), type: o.type }, o.body);
    case 'dir': {
      const hidden = Buffer.concat(o.hidden.map(encode));
      return tarEntry({ name: `${at(o.path)}/`, type: '5', size: hidden.length }, hidden);
    }
    case 'symlink':
      return tarEntry({ name: at(o.path), type: '2', linkname: o.target, size: 0 });
    case 'hardlink':
      return tarEntry({ name: at(o.path), type: '1', linkname: o.target, size: 0 });
    case 'pax':
      return Buffer.concat([paxEntry(o.records), tarEntry({ name: at(o.path) }, o.body)]);
    case 'longname':
      return Buffer.concat([gnuLongName(o.long), ...(o.paxPath ? [paxEntry([['path', o.paxPath]])] : []), tarEntry({ name: at(o.path) }, o.body)]);
    case 'global':
      return paxEntry(o.records, 'g', `${TOP}/pax_global_header`);
    case 'oddustar':
      return tarEntry({ name: at(o.path), format: { magic: 'ustar\0', version: '01' }, prefix: o.prefix }, o.body);
    case 'end':
      return endBlocks(o.blocks);
    case 'member':
      return Buffer.alloc(0);
  }
}

/** The `.crate` bytes: the manifest first, the ops in order (a `member` op starts a new gzip member), end blocks, trailing bytes. */
export function buildCase(c: TarCase): Buffer {
  const members: Buffer[][] = [[tarEntry({ name: `${TOP}/Cargo.toml` }, MANIFEST)]];
  for (const o of c.ops) {
    if (o.k === 'member') members.push([]);
    else members[members.length - 1].push(encode(o));
  }
  members[members.length - 1].push(endBlocks());
  return Buffer.concat([...members.map((m) => gzipSync(Buffer.concat(m))), Buffer.from(c.trailing)]);
}

/** For an honest case (plain files, distinct paths, one member, nothing after): the tree it holds. Otherwise null. */
export function honestTree(c: TarCase): Record<string, string> | null {
  if (c.trailing !== '') return null;
  const files: Record<string, string> = { 'Cargo.toml': MANIFEST };
  for (const o of c.ops) {
    if (o.k !== 'file' || o.type !== '0' || !HONEST_PATHS.includes(o.path) || o.path in files) return null;
    files[o.path] = o.body;
  }
  return files;
}
