/**
 * Source archives: `.tar.gz` / `.tgz` / `.tar` files that are not packages written by
 * `cargo package` — a GitHub release archive (`git archive`, which starts with a PAX global header),
 * `tar -czf x.tar.gz ./` (entries named `./…`), or a folder packed under a name that is not
 * `name-version`. cargo never unpacks such a file itself; whoever builds from it extracts it with
 * some tar and builds the folder. So it is read as a folder input is read (crate root, workspace
 * members, build state and `package.include`/`exclude` as in `directory.ts`), with the archive
 * reader's path safety, and the report says it is not a cargo package.
 */
import { packageFilter, SKIP_AT_ROOT } from './directory.js';
import type { TarEntry } from './tar-format.js';
import { InputError, type SourceNote } from './types.js';

/** `name-version` as cargo names a package's top folder (a crate name and a semver version). */
const NAME_VERSION = /^[A-Za-z0-9_-]+-(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Where a source archive's crate starts, and why the archive is one. */
export interface SourceLayout {
  /** The crate root inside the archive: `''` for the archive root, else its single top folder. */
  root: string;
  why: string[];
}

/** Path components without `.` and empty ones (the full checks come later, in archive order). */
const components = (raw: string) => raw.split('/').filter((p) => p !== '' && p !== '.');

/**
 * Decides, from entry names and types only, whether a non-`.crate` archive is a source archive.
 * It is one when a PAX global header lies outside any top folder, an entry is named `./…`, or the
 * entries do not all lie in one `name-version/` folder: exactly the archives cargo's prefix check
 * would refuse, plus folders packed under another name. Returns null for a package-shaped archive
 * (read with cargo's rules, as a `.crate`). Throws when a source archive has no Cargo.toml at its
 * root or in its single top folder, as a folder input without one is refused.
 */
export function sourceLayout(entries: TarEntry[], names: string[], input: string): SourceLayout | null {
  // Nothing to lay out: the package reader says the archive is empty.
  if (entries.length === 0) return null;
  const why: string[] = [];
  const heads = new Set<string>();
  let rootFile = false;
  let manifestAtRoot = false;
  let globalOutside = false;
  let dotSlash = false;
  entries.forEach((e, i) => {
    const raw = names[i];
    const parts = components(raw);
    if (raw === '.' || raw.startsWith('./')) dotSlash = true;
    if (e.typeflag === 'g') {
      if (parts.length <= 1) globalOutside = true;
      return;
    }
    if (parts.length === 0) return;
    heads.add(parts[0]);
    if (parts.length === 1 && e.typeflag !== '5' && !raw.endsWith('/')) rootFile = true;
    if (parts.length === 1 && parts[0] === 'Cargo.toml') manifestAtRoot = true;
  });
  const [head] = heads;
  if (globalOutside) why.push('it has a PAX global header outside any crate folder, as git archive writes');
  if (dotSlash) why.push('its entries are named ./…, as tar writes when given ./');
  if (heads.size !== 1 || rootFile || !NAME_VERSION.test(head)) why.push('its files are not all in one name-version/ folder');
  if (why.length === 0) return null;
  if (manifestAtRoot) return { root: '', why };
  if (heads.size === 1 && names.some((n, i) => entries[i].typeflag !== 'g' && components(n).join('/') === `${head}/Cargo.toml`)) return { root: head, why };
  throw new InputError(`a source archive (${why.join('; ')}) with no Cargo.toml at its root or in its single top folder`, input);
}

/**
 * Turns the unpacked files of a source archive (paths below its crate root) into what a folder
 * input of the same tree yields: build and VCS state at the root, folders that are packages of
 * their own, and files left out by `package.include`/`exclude` are dropped, each with a note.
 */
export function sourceTree(files: Map<string, Uint8Array>, layout: SourceLayout, input: string): { files: Map<string, Uint8Array>; notes: SourceNote[] } {
  const manifest = files.get('Cargo.toml');
  if (manifest === undefined) throw new InputError(`Cargo.toml at the crate root${layout.root ? ` ${layout.root}/` : ''} of this source archive is not a file`, input);
  const notes: SourceNote[] = [
    {
      kind: 'source-archive',
      path: '.',
      message: `the input is a source archive, not a package written by cargo package (${layout.why.join('; ')}): it is read as a source folder would be, from ${layout.root ? `its folder ${layout.root}/` : 'the archive root'}, with Cargo.toml's include/exclude applied; what a registry would serve is what cargo package makes of this tree`,
    },
  ];
  const skipped = new Set<string>();
  const dirs = new Set<string>();
  for (const p of files.keys()) {
    const parts = p.split('/');
    if (SKIP_AT_ROOT.has(parts[0])) skipped.add(parts[0]);
    if (parts.length > 1 && parts[parts.length - 1] === 'Cargo.toml') dirs.add(parts.slice(0, -1).join('/'));
  }
  for (const s of skipped) notes.push({ kind: 'skipped', path: s, message: `${s}/ is build or version-control state and is not part of a published crate; not analysed` });
  // Like `cargo package` (and a folder input), folders holding their own Cargo.toml are other
  // packages: only the outermost is named, everything below it is left out.
  const nested = [...dirs].filter((d) => !SKIP_AT_ROOT.has(d.split('/')[0])).sort((a, b) => a.length - b.length);
  const packages: string[] = [];
  for (const d of nested) if (!packages.some((p) => d.startsWith(`${p}/`))) packages.push(d);
  for (const d of packages) notes.push({ kind: 'skipped', path: d, message: `${d}/ holds its own Cargo.toml (another package) and is not part of this crate; not analysed` });
  const filter = packageFilter(manifest);
  const out = new Map<string, Uint8Array>();
  let leftOut = 0;
  for (const [p, data] of files) {
    if (skipped.has(p.split('/')[0])) continue;
    if (packages.some((d) => p.startsWith(`${d}/`))) continue;
    if (filter && !filter.keep(p)) {
      leftOut++;
      continue;
    }
    out.set(p, data);
  }
  if (filter && leftOut > 0) notes.push({ kind: 'skipped', path: '.', message: `${leftOut} file(s) left out by Cargo.toml's ${filter.how}, as cargo package would; not analysed` });
  return { files: out, notes };
}
