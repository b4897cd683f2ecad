/**
 * A fast-check generator of tar structures (not just entry lists): PAX and GNU records (harmless
 * ones, as Python's tarfile and GNU tar write them, and ones that change what is read), links,
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
  | { k: 'meta'; records: Array<[string, string]>; path: string; body: string }
  | { k: 'metaglobal'; records: Array<[string, string]> }
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
/** Every file body the generator writes (and the manifest). */
export const BODIES = new Set(['pub fn a() {}\n', 'pub fn payload() { std::process::exit(1) }\n', '', 'x'.repeat(700), MANIFEST]);
const body = fc.constantFrom(...[...BODIES].filter((b) => b !== MANIFEST));
const target = fc.constantFrom('lib.rs', 'a.rs', 'src', '../src', '..', 'missing', 'sub', '/etc/passwd', 'b.rs');
/**
 * Records no reader takes a name, size, type or content from, as Python's tarfile, GNU tar, bsdtar
 * and git archive write them: an archive whose PAX headers hold only these is honest.
 */
const time = fc.constantFrom('1796413964', '1796413964.3013537', '0', '-1.5');
export const harmlessRecord: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constantFrom('mtime', 'atime', 'ctime', 'LIBARCHIVE.creationtime'), time),
  fc.tuple(fc.constantFrom('uid', 'gid'), fc.constantFrom('0', '1000')),
  fc.tuple(fc.constantFrom('uname', 'gname'), fc.constantFrom('root', 'build bot', '')),
  fc.tuple(fc.constant('comment'), fc.constantFrom('0123456789abcdef0123456789abcdef01234567', 'path=demo-1.0.0/src/lib.rs')),
  fc.tuple(fc.constant('charset'), fc.constantFrom('ISO-IR 10646 2000 UTF-8', 'BINARY')),
  fc.tuple(fc.constantFrom('SCHILY.xattr.user.note', 'LIBARCHIVE.xattr.user.note', 'SCHILY.xattr.security.selinux', 'SCHILY.acl.access'), fc.constantFrom('x', 'unconfined_u:object_r:user_home_t:s0', 'user::rw-,group::r--,other::r--')),
);
/** Records that change (or may change, for some reader) what an entry is: each must be noted. */
const changingRecord: fc.Arbitrary<[string, string]> = fc.oneof(
  // Names always under the package's folder, so a source archive (`./…`) can say the same thing.
  fc.tuple(fc.constantFrom('path', 'linkpath', 'GNU.sparse.name'), path.map((p) => `${TOP}/${p}`)),
  fc.tuple(fc.constantFrom('size', 'GNU.sparse.realsize', 'SCHILY.realsize'), fc.constantFrom('0', '14', '700', 'x')),
  fc.tuple(fc.constantFrom('hdrcharset', 'SCHILY.fflags', 'SCHILY.filetype', 'LIBARCHIVE.symlinktype', 'constructor'), fc.constantFrom('BINARY', 'hidden', 'socket', 'dir')),
  // A harmless key with a value some readers reject.
  fc.tuple(fc.constantFrom('mtime', 'uid'), fc.constantFrom('x', '1e9', '')),
);
/** At least one changing record, anywhere among harmless ones (tar-rs takes the first of a key). */
const records = fc
  .tuple(fc.array(fc.oneof(harmlessRecord, changingRecord), { maxLength: 2 }), changingRecord, fc.nat())
  .map(([rs, c, i]) => [...rs.slice(0, i % (rs.length + 1)), c, ...rs.slice(i % (rs.length + 1))]);

const honestFile: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('file' as const), path: fc.constantFrom(...HONEST_PATHS), body, type: fc.constant('0') }) },
  // What Python's tarfile (PAX by default) and GNU tar --format=pax write before every file.
  { weight: 1, arbitrary: fc.record({ k: fc.constant('meta' as const), records: fc.array(harmlessRecord, { minLength: 1, maxLength: 4 }), path: fc.constantFrom(...HONEST_PATHS), body }) },
);
const metaGlobal: fc.Arbitrary<Op> = fc.record({ k: fc.constant('metaglobal' as const), records: fc.array(harmlessRecord, { maxLength: 2 }) });
const leaf: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: honestFile },
  metaGlobal,
  { weight: 2, arbitrary: fc.record({ k: fc.constant('file' as const), path, body, type: fc.constantFrom('0', '7', 'N', 'V') }) },
  fc.record({ k: fc.constant('symlink' as const), path, target }),
  fc.record({ k: fc.constant('hardlink' as const), path, target: fc.oneof(path.map((p) => `${TOP}/${p}`), target) }),
  fc.record({ k: fc.constant('pax' as const), records, path, body }),
  fc.record({ k: fc.constant('longname' as const), long: path.map((p) => `${TOP}/${p}`), paxPath: fc.option(path.map((p) => `${TOP}/${p}`)), path, body }),
  fc.record({ k: fc.constant('global' as const), records }),
  fc.record({ k: fc.constant('oddustar' as const), path, prefix: fc.constantFrom(`${TOP}/hidden`, 'x'), body }),
  fc.record({ k: fc.constant('end' as const), blocks: fc.constantFrom(1, 2) }),
  fc.constant({ k: 'member' as const }),
);
const op: fc.Arbitrary<Op> = fc.oneof({ weight: 9, arbitrary: leaf }, { weight: 1, arbitrary: fc.record({ k: fc.constant('dir' as const), path, hidden: fc.array(leaf, { maxLength: 2 }) }) });

/** Mostly honest archives (so the honest property is exercised), the rest anything. */
export const tarCase: fc.Arbitrary<TarCase> = fc.oneof(
  fc.record({ ops: fc.uniqueArray(fc.oneof({ weight: 5, arbitrary: honestFile }, metaGlobal), { selector: (o) => ('path' in o ? o.path : `global ${JSON.stringify(o)}`), maxLength: 5 }), trailing: fc.constant('') }),
  fc.record({ ops: fc.array(op, { maxLength: 8 }), trailing: fc.constantFrom('', '', '\0\0\0', 'junk') }),
);

/**
 * How a case is laid out: as a package (`demo-1.0.0/…`, what cargo unpacks) or as a source archive
 * (`./…`, what `tar -czf x.tar.gz ./` writes, optionally after git archive's global header), the
 * same structure either way, so the two readings can be compared.
 */
export interface Layout {
  prefix: string;
  gitHeader?: boolean;
}
export const PACKAGE: Layout = { prefix: `${TOP}/` };

function encode(o: Op, l: Layout): Buffer {
  const at = (p: string) => `${l.prefix}${p}`;
  // Names inside records and link targets are written against the package layout.
  const re = (v: string) => v.split(`${TOP}/`).join(l.prefix);
  const rec = (rs: Array<[string, string]>) => rs.map(([k, v]): [string, string] => [k, re(v)]);
  switch (o.k) {
    case 'file':
      return tarEntry({ name: at(o.path), type: o.type }, o.body);
    case 'dir': {
      const hidden = Buffer.concat(o.hidden.map((h) => encode(h, l)));
      return tarEntry({ name: `${at(o.path)}/`, type: '5', size: hidden.length }, hidden);
    }
    case 'symlink':
      return tarEntry({ name: at(o.path), type: '2', linkname: o.target, size: 0 });
    case 'hardlink':
      // A hard link's target is relative to the folder the archive is unpacked in: one that is not
      // under the package's folder stays outside the crate in the other layout too.
      return tarEntry({ name: at(o.path), type: '1', linkname: o.target.startsWith(`${TOP}/`) ? re(o.target) : `../${o.target}`, size: 0 });
    case 'pax':
    case 'meta':
      return Buffer.concat([paxEntry(rec(o.records)), tarEntry({ name: at(o.path) }, o.body)]);
    case 'longname':
      return Buffer.concat([gnuLongName(re(o.long)), ...(o.paxPath ? [paxEntry([['path', re(o.paxPath)]])] : []), tarEntry({ name: at(o.path) }, o.body)]);
    case 'global':
    case 'metaglobal':
      return paxEntry(rec(o.records), 'g', at('pax_global_header'));
    case 'oddustar':
      return tarEntry({ name: at(o.path), format: { magic: 'ustar\0', version: '01' }, prefix: re(o.prefix) }, o.body);
    case 'end':
      return endBlocks(o.blocks);
    case 'member':
      return Buffer.alloc(0);
  }
}

/** The archive bytes: the manifest first, the ops in order (a `member` op starts a new gzip member), end blocks, trailing bytes. */
export function buildCase(c: TarCase, l: Layout = PACKAGE): Buffer {
  const first = [...(l.gitHeader ? [paxEntry([['comment', '0123456789abcdef0123456789abcdef01234567']], 'g', 'pax_global_header')] : []), tarEntry({ name: `${l.prefix}Cargo.toml` }, MANIFEST)];
  const members: Buffer[][] = [first];
  for (const o of c.ops) {
    if (o.k === 'member') members.push([]);
    else members[members.length - 1].push(encode(o, l));
  }
  members[members.length - 1].push(endBlocks());
  return Buffer.concat([...members.map((m) => gzipSync(Buffer.concat(m))), Buffer.from(c.trailing)]);
}

/** For an honest case (plain files, perhaps with harmless PAX records, distinct paths, one member, nothing after): the tree it holds. Otherwise null. */
export function honestTree(c: TarCase): Record<string, string> | null {
  if (c.trailing !== '') return null;
  const files: Record<string, string> = { 'Cargo.toml': MANIFEST };
  for (const o of c.ops) {
    // Harmless PAX headers (per file or global) change nothing any reader unpacks.
    if (o.k === 'metaglobal') continue;
    if (!((o.k === 'file' && o.type === '0') || o.k === 'meta') || !HONEST_PATHS.includes(o.path) || o.path in files) return null;
    files[o.path] = o.body;
  }
  return files;
}
