import { InputError, type CrateTree, type SourceLimits, type SourceNote } from './types.js';
import { checkEntryPath, collisionNotes } from './paths.js';
import { describeTrailing, gunzipFirstMember, isGzip } from './gzip.js';
import { allZero, BLOCK, entryLink, entryPath, looseNames, walkTar, type TarEntry } from './tar-format.js';
import { CrateFs } from './unpack.js';
import { harmlessPaxRecord, paxRecordsExact } from './pax-records.js';
import { sourceLayout, sourceTree } from './source-archive.js';

export { isGzip } from './gzip.js';

/** How the bytes are wrapped: a `.crate` is always gzip (cargo refuses anything else); a `.tar` may be plain. */
export interface TarballOptions {
  allowPlainTar?: boolean;
  /**
   * The file is not named `.crate`: when its content is a source archive (see `source-archive.ts`)
   * it is read as a source tree instead of being refused by cargo's rules.
   */
  sourceArchive?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(b: Buffer, what: string, input: string): string {
  try {
    return utf8.decode(b);
  } catch {
    throw new InputError(`${what} is not valid UTF-8: ${JSON.stringify(b.toString('latin1'))}`, input);
  }
}

/** Typeflags tar-rs writes as something other than a regular file, or refuses here. */
const REGULAR = new Set(['0', '\0']);
const REFUSED: Record<string, string> = { '3': 'character device', '4': 'block device', '6': 'FIFO', S: 'GNU sparse file' };

/**
 * Reads a `.crate` / `.tar.gz` / `.tar` archive entirely in memory, yielding exactly the tree cargo
 * 1.95 would unpack (flate2's first gzip member, tar-rs 0.4.45's entry rules, cargo's
 * `unpack_package` checks). Every construct on which two readers can disagree becomes an
 * `ambiguity` note, which the rules report as a critical `archive-ambiguity` finding; where the
 * unpack cannot be replayed exactly, the archive is refused. With `sourceArchive` (a file not named
 * `.crate`), an archive that is a source tree rather than a package is read from its crate root as
 * a folder would be (`source-archive.ts`). Nothing is written to disk.
 */
export async function readTarball(bytes: Buffer, limits: SourceLimits, input: string, opts: TarballOptions = {}): Promise<CrateTree> {
  const notes: SourceNote[] = [];
  const ambiguity = (path: string, message: string) => notes.push({ kind: 'ambiguity', path, message });
  let tar: Buffer;
  if (isGzip(bytes)) {
    const gz = gunzipFirstMember(bytes, limits, input);
    tar = gz.data;
    if (gz.trailing.length > 0) {
      const t = describeTrailing(gz.trailing, limits, input);
      const names = t.tar ? looseNames(t.tar, input) : [];
      ambiguity('.', `the archive has ${t.text}; cargo reads only the first gzip member${names.length > 0 ? `, so it never sees ${names.map((n) => JSON.stringify(n)).join(', ')}, which multi-member readers do` : ''}`);
    }
  } else if (opts.allowPlainTar) {
    tar = bytes;
  } else {
    throw new InputError('not gzip-compressed: cargo refuses a .crate that is not a gzip stream (name it .tar to scan a plain tar)', input);
  }
  const walk = walkTar(tar, limits.maxFiles, input);
  const after = tar.subarray(walk.end);
  if (walk.endedByZeroBlock && !allZero(after)) {
    const names = looseNames(after, input);
    ambiguity('.', `data after the end-of-archive marker at offset ${walk.end - BLOCK}: cargo stops reading at the first zero block${names.length > 0 ? `, so it never sees ${names.map((n) => JSON.stringify(n)).join(', ')}, which readers that skip zero blocks do` : ` (${after.length} bytes it never reads)`}`);
  }

  const names = walk.entries.map((e) => text(entryPath(e), 'entry name', input));
  const layout = opts.sourceArchive ? sourceLayout(walk.entries, names, input) : null;
  const fs = new CrateFs(input);
  // A package's top folder (`name-version`, the first entry's); a source archive's crate root.
  let top: string | undefined = layout ? layout.root : undefined;
  let total = 0;
  walk.entries.forEach((e, i) => {
    const raw = names[i];
    const clean = checkEntryPath(raw, limits, input);
    let rest: string[];
    // The name as an honest writer spells it: a package's entries plainly, a source archive's
    // optionally after one leading `./` (what `tar -czf x.tar.gz ./` writes; every reader strips it).
    let plain = raw;
    if (layout) {
      if (e.typeflag === 'g') {
        // Global headers: cargo is not the reader here; what matters is whether a reader applying
        // the records to later entries sees other names or sizes. They create nothing.
        headerNotes(e, raw, raw, ambiguity);
        return;
      }
      plain = raw === '.' ? '' : raw.startsWith('./') ? raw.slice(2) : raw;
      const parts = clean === '' ? [] : clean.split('/');
      // sourceLayout found every entry in the root folder (checkEntryPath refused `..` and absolute names).
      if (layout.root !== '' && parts.length > 0 && parts[0] !== layout.root) throw new InputError(`entry ${JSON.stringify(raw)} is outside the crate folder ${JSON.stringify(layout.root)}`, input);
      rest = layout.root === '' ? parts : parts.slice(1);
    } else {
      // Rust's `Path::components` keeps a leading `.`, so `./top/x` fails cargo's prefix check.
      if (raw === '.' || raw.startsWith('./')) throw new InputError(`entry ${JSON.stringify(raw)} is not under the crate's top folder (cargo refuses it)`, input);
      const [head, ...below] = clean.split('/');
      if (top === undefined && e.typeflag === 'g' && below.length === 0) {
        // `git archive` starts with a global header named pax_global_header: say why it is refused.
        throw new InputError(`the archive starts with a PAX global header named ${JSON.stringify(raw)}, outside any crate folder; cargo refuses such an archive (git archive writes one: publish with cargo package instead, or name the file .tar.gz to scan it as a source archive)`, input);
      }
      if (top === undefined) top = head;
      else if (head !== top) throw new InputError(`entry ${JSON.stringify(raw)} is outside the top folder ${JSON.stringify(top)}`, input);
      rest = below;
    }
    const rel = rest.join('/');
    const shown = rel === '' ? (layout ? './' : `${top}/`) : rel;
    headerNotes(e, raw, shown, ambiguity);
    if (plain.replace(/\/$/, '') !== clean) ambiguity(shown, `entry name ${JSON.stringify(raw)} is not in the plain form cargo package writes; cargo reads it as ${JSON.stringify(clean)}, readers that do not normalise it may not`);
    if (rest[rest.length - 1] === '.cargo-ok' || (!layout && rest.length === 0 && top === '.cargo-ok')) {
      ambiguity(shown, `the archive holds ${shown}, cargo's own unpack marker; cargo skips it, other readers unpack it`);
      return;
    }
    total += unpackEntry(fs, e, raw, rest, shown, { top: layout ? layout.root : top!, source: layout !== null, limits, input, ambiguity, notes });
    if (total > limits.maxTotalBytes) throw new InputError(`unpacked size exceeds the ${limits.maxTotalBytes} byte limit`, input);
  });
  if (top === undefined) throw new InputError('archive is empty', input);
  const out = fs.files();
  for (const d of out.dangling) notes.push({ kind: 'dangling-link', path: d.path, message: `symbolic link ${d.path} points to ${d.target}, which is not in the archive` });
  for (const p of out.linkToDir) notes.push({ kind: 'skipped', path: p, message: `${p} is a link to a folder inside the crate; its files are analysed at their real location` });
  if (layout) {
    const src = sourceTree(out.files, layout, input);
    return { label: input, files: src.files, notes: [...src.notes, ...notes, ...collisionNotes(src.files.keys())] };
  }
  notes.push(...collisionNotes(out.files.keys()));
  return { label: input, files: out.files, notes, topFolder: top };
}

/** What one entry's unpack needs besides the entry: where the crate starts and how to report. */
interface UnpackContext {
  /** A package's top folder, or a source archive's crate root (`''`: the archive root). */
  top: string;
  source: boolean;
  limits: SourceLimits;
  input: string;
  ambiguity: (path: string, message: string) => void;
  notes: SourceNote[];
}

/**
 * Replays one entry as tar-rs's `unpack_in` writes it (folders, links, files, odd typeflags) and
 * returns the bytes it adds to the unpacked total. `rest` is the entry's path below the crate root.
 */
function unpackEntry(fs: CrateFs, e: TarEntry, raw: string, rest: string[], shown: string, c: UnpackContext): number {
  const { limits, input, ambiguity } = c;
  const rel = rest.join('/');
  const t = e.typeflag;
  if (REFUSED[t]) throw new InputError(`unsupported entry type ${REFUSED[t]} for ${JSON.stringify(raw)} (devices and FIFOs are refused)`, input);
  const what = `entry ${JSON.stringify(raw)}`;
  if (t === 'g' || t === 'x' || t === 'L' || t === 'K') {
    // tar-rs hands these to cargo as entries (global headers always; x/L/K when the header is not
    // gnu/ustar) and writes nothing for them, after creating the folders above them.
    fs.touchParents(rest, what);
    return 0;
  }
  const viaSlash = e.format !== 'ustar' && raw.endsWith('/');
  if (t === '5' || (viaSlash && t !== '1' && t !== '2')) {
    if (e.size > 0) {
      const hidden = looseNames(e.data, input);
      ambiguity(shown, `folder entry ${shown} carries ${e.size} bytes of data, which cargo skips${hidden.length > 0 ? `; readers that ignore a folder's size read them as entries ${hidden.map((n) => JSON.stringify(n)).join(', ')}` : ''}`);
    }
    if (t !== '5') ambiguity(shown, `${shown} is a ${REGULAR.has(t) ? 'regular file' : `type ${JSON.stringify(t)}`} entry whose name ends in "/": cargo makes it a folder, other readers a file`);
    fs.makeDir(rest, what);
    return 0;
  }
  if (rel === '') throw new InputError(`file entry at archive root: ${JSON.stringify(raw)}`, input);
  if (t === '1' || t === '2') {
    const linkBytes = entryLink(e);
    const target = linkBytes === null ? '' : text(linkBytes, 'link target', input);
    if (target.includes('\0')) throw new InputError(`link target of ${rel} contains a NUL byte`, input);
    if (e.size > 0) ambiguity(shown, `link entry ${shown} carries ${e.size} bytes of data, which cargo skips and some readers take as the file's content`);
    if (t === '2') {
      const r = fs.symlink(rest, target, what);
      ambiguity(r.landed, `${shown} is a symbolic link to ${JSON.stringify(target)}${r.landed !== rel ? ` (written through a linked folder to ${r.landed})` : ''}${r.replaced ? `, replacing an earlier ${r.replaced} at that path` : ''}; cargo package never writes links, and readers resolve them differently`);
      return 0;
    }
    const trest = hardLinkTarget(target, rel, c);
    const r = fs.hardLink(rest, trest, what);
    ambiguity(r.landed, `${shown} is a hard link to ${trest.join('/')} (a copy of that ${r.kind} as it was at this point of the archive); cargo package never writes links, and readers resolve them differently`);
    return 0;
  }
  // Regular files, and every typeflag tar-rs does not know ("N", "7", "V", ...): written as files.
  if (e.size > limits.maxFileBytes) throw new InputError(`${rel} is ${e.size} bytes, over the ${limits.maxFileBytes} byte per-file limit`, input);
  if (!REGULAR.has(t)) ambiguity(shown, `${shown} has typeflag ${JSON.stringify(t)}, which cargo unpacks as a regular file (${e.size} bytes) and other readers skip or treat differently`);
  // A view, not a copy: the decompressed tar is already one buffer in memory.
  const data = e.data;
  const w = fs.writeFile(rest, data, what);
  if (w.landed !== rel) ambiguity(w.landed, `${shown} is written through a linked folder and lands in ${w.landed}; readers that do not follow links see it at ${shown}`);
  if (w.replaced === 'file') {
    const same = w.previous !== undefined && Buffer.compare(Buffer.from(w.previous), data) === 0;
    if (same) c.notes.push({ kind: 'duplicate-entry', path: w.landed, message: `the archive holds ${w.landed} twice with the same content` });
    else ambiguity(w.landed, `the archive holds ${w.landed} twice with different contents: cargo keeps the later one (${data.length} bytes, the one analysed), readers that keep the first see ${w.previous?.length ?? 0} bytes`);
  } else if (w.replaced === 'link') {
    ambiguity(w.landed, `${w.landed} is first a link, then a regular file (${data.length} bytes): cargo replaces the link with the file, which is what is analysed; readers that resolve links last see the link's target`);
  }
  return e.size;
}

/**
 * A hard link's target below the crate root. tar-rs resolves it against the unpack folder, so a
 * package's target must start with its top folder (not `./`, which cargo's layout never has); a
 * source archive's is relative to the archive root, `./` allowed.
 */
function hardLinkTarget(target: string, rel: string, c: UnpackContext): string[] {
  const outside = () => new InputError(`hard link ${rel} points outside the crate (${JSON.stringify(target)})`, c.input);
  if (target === '') throw new InputError(`hard link ${rel} has no target; cargo's unpack fails here`, c.input);
  let tclean: string;
  try {
    tclean = checkEntryPath(target, c.limits, c.input);
  } catch {
    throw outside();
  }
  const parts = tclean === '' ? [] : tclean.split('/');
  if (c.source && c.top === '') {
    if (parts.length === 0) throw outside();
    return parts;
  }
  const [th, ...trest] = parts;
  if (th !== c.top || trest.length === 0 || (!c.source && target.startsWith('./'))) throw outside();
  return trest;
}

/** Notes for header-level constructs: PAX overrides, GNU long names, odd ustar versions. */
function headerNotes(e: TarEntry, raw: string, shown: string, ambiguity: (p: string, m: string) => void): void {
  const headerName = e.headerPath.toString('utf8');
  if (e.pax) {
    const paths = e.pax.filter((r) => !r.malformed && r.key === 'path').map((r) => r.value.toString('utf8'));
    const sizes = e.pax.filter((r) => !r.malformed && r.key === 'size').map((r) => r.value.toString('utf8'));
    const links = e.pax.filter((r) => !r.malformed && r.key === 'linkpath').map((r) => r.value.toString('utf8'));
    const malformed = e.pax.filter((r) => r.malformed).length;
    const parts: string[] = [];
    if (paths.length > 0) parts.push(`path ${paths.map((p) => JSON.stringify(p)).join(' then ')} over the header's ${JSON.stringify(headerName)}`);
    if (sizes.length > 0) parts.push(`size ${sizes.join(' then ')} over the header's ${e.headerSize}`);
    if (links.length > 0) parts.push(`linkpath ${links.map((p) => JSON.stringify(p)).join(' then ')}`);
    if (malformed > 0) parts.push(`${malformed} malformed record(s), after which cargo ignores size records`);
    // Records no reader takes a name, size, type or content from (times, owners, comments,
    // extended attributes: pax-records.ts) are what Python's tarfile and GNU tar write for every
    // file; an allow-list, so any other key is still noted.
    const exact = e.paxData && paxRecordsExact(e.paxData);
    const other = [...new Set(e.pax.filter((r) => !r.malformed && !['path', 'size', 'linkpath'].includes(r.key) && !(exact && harmlessPaxRecord(r))).map((r) => r.key))];
    if (other.length > 0) parts.push(`record(s) ${other.map((k) => JSON.stringify(k)).join(', ')}`);
    if (!exact && parts.length === 0) parts.push(`records laid out so that readers going by length and tar-rs going by line may split them differently (${JSON.stringify(e.paxData?.subarray(0, 200).toString('utf8'))})`);
    if (parts.length > 0) {
      const multi = paths.length > 1 || sizes.length > 1 || links.length > 1 ? '; cargo takes the first of repeated records, other readers the last' : '';
      ambiguity(shown, `a PAX header sets ${parts.join(', ')} (cargo reads ${JSON.stringify(raw)}, ${e.size} bytes)${multi}`);
    }
  }
  if (e.longName) {
    const long = raw;
    const paxPath = e.pax?.some((r) => !r.malformed && r.key === 'path');
    if (paxPath) ambiguity(shown, `entry has both a GNU long name ${JSON.stringify(long)} (which cargo uses) and a PAX path; readers that prefer PAX see another name`);
    else if (!long.startsWith(headerName)) ambiguity(shown, `GNU long name ${JSON.stringify(long)} (which cargo uses) does not extend the header name ${JSON.stringify(headerName)} that readers without GNU support see`);
    // tar-rs (and so cargo package) writes a long name only for a path longer than the header's
    // 100-byte name field (which then holds its first 100 bytes): one of 100 bytes or fewer is never
    // written by cargo, and the header's own name (what readers without GNU support see) may then be
    // another path altogether.
    else if (Buffer.byteLength(long) <= 100) ambiguity(shown, `GNU long name ${JSON.stringify(long)} for a path that fits the header, which cargo package never writes; readers without GNU support see ${JSON.stringify(headerName)}`);
  }
  if (e.longLink && e.pax?.some((r) => !r.malformed && r.key === 'linkpath')) ambiguity(shown, 'entry has both a GNU long link name and a PAX linkpath');
  // A global header whose records are all harmless (git archive's `comment`) changes nothing for
  // the readers that apply it to every later entry.
  if (e.typeflag === 'g' && !paxRecordsExact(e.data)?.every(harmlessPaxRecord)) {
    ambiguity(shown, `a PAX global header (${JSON.stringify(raw)}): cargo ignores its records (${JSON.stringify(e.data.subarray(0, 200).toString('utf8'))}), readers that apply them rename or resize later entries`);
  }
  if ((e.typeflag === 'x' || e.typeflag === 'L' || e.typeflag === 'K') && e.format === 'old') {
    ambiguity(shown, `a ${e.typeflag === 'x' ? 'PAX' : 'GNU long-name'} extension in a header without a gnu/ustar magic (${e.magic}): cargo ignores it, other readers apply it to the next entry`);
  }
  if (e.format === 'old' && e.magic.startsWith('"ustar') && e.headerPrefix.length > 0) {
    const joined = `${e.headerPrefix.toString('utf8')}/${e.headerName.toString('utf8')}`;
    ambiguity(shown, `ustar magic with a non-standard version (${e.magic}) and a prefix field: cargo ignores the prefix and reads ${JSON.stringify(headerName)}, readers that honour it read ${JSON.stringify(joined)}`);
  }
}
