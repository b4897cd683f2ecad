/**
 * An in-memory file system that replays tar entries the way tar-rs's `Entry::unpack_in` writes them
 * to disk under cargo (overwrite on, entries in archive order, links created as they come), so the
 * tree cratefence analyses is the tree cargo would leave in `~/.cargo/registry/src`. Where the real
 * unpack would fail, or would touch something outside the crate folder (a link leading out, another
 * crate's folder), the archive is refused: there is nothing exact to analyse.
 */
import { InputError } from './types.js';

type Node =
  | { kind: 'dir'; children: Map<string, Node> }
  | { kind: 'file'; data: Uint8Array }
  | { kind: 'link'; target: string };

/** Linux gives up after 40 links in one lookup (ELOOP); so does this. */
const MAX_HOPS = 40;
/**
 * Links followed over the whole archive. Honest crates have no links; a crafted one could make
 * every component of every entry walk a 40-link chain (50 000 entries × 40 × 40 lookups), so the
 * total is bounded and the archive refused past it rather than slowly replayed.
 */
const MAX_TOTAL_HOPS = 200_000;

/** A located name: the folder that holds it (a physical path in the crate) and the name in it. */
interface Slot {
  dir: Extract<Node, { kind: 'dir' }>;
  dirPath: string[];
  name: string;
}

const join = (parts: string[]) => parts.join('/');

/** The crate folder as cargo would leave it on disk, built entry by entry. */
export class CrateFs {
  private readonly root: Extract<Node, { kind: 'dir' }> = { kind: 'dir', children: new Map() };
  /** Physical paths in the order they were first created, so reports keep the archive's order. */
  private readonly order = new Map<string, true>();
  private totalHops = 0;

  constructor(private readonly input: string) {}

  private fail(msg: string): never {
    throw new InputError(msg, this.input);
  }

  /**
   * Resolves a path the way the kernel does (every link followed, the last one too when
   * `followLast`), returning the physical folder and name, or null when a component is missing.
   * `what` names the entry for error messages.
   */
  private locate(parts: string[], followLast: boolean, what: string, hops = { n: 0 }): Slot | null {
    let dir = this.root;
    let dirPath: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i];
      const last = i === parts.length - 1;
      if (name === '..') {
        if (dirPath.length === 0) this.fail(`${what} leads outside the crate folder through a link; cargo would write or read outside it`);
        const up = dirPath.slice(0, -1);
        dir = this.dirAt(up);
        dirPath = up;
        if (last) {
          // `x/..` as the whole remainder names a folder: expressed as its parent and its own name.
          const p = dirPath.slice(0, -1);
          return dirPath.length === 0 ? { dir: this.root, dirPath: [], name: '' } : { dir: this.dirAt(p), dirPath: p, name: dirPath[dirPath.length - 1] };
        }
        continue;
      }
      if (last && !followLast) return { dir, dirPath, name };
      const node = dir.children.get(name);
      if (node === undefined) return last ? { dir, dirPath, name } : null;
      if (node.kind === 'link') {
        if (++hops.n > MAX_HOPS) this.fail(`${what}: too many levels of symbolic links`);
        if (++this.totalHops > MAX_TOTAL_HOPS) this.fail(`more than ${MAX_TOTAL_HOPS} symbolic-link lookups while unpacking (possible link bomb)`);
        if (node.target.startsWith('/')) this.fail(`${what} goes through a symbolic link to an absolute path (${node.target}), outside the crate`);
        const rest = [...dirPath, ...node.target.split('/').filter((s) => s !== '' && s !== '.'), ...parts.slice(i + 1)];
        return this.locate(rest, followLast, what, hops);
      }
      if (last) return { dir, dirPath, name };
      if (node.kind !== 'dir') this.fail(`${what} needs ${join([...dirPath, name])} to be a folder, but it is a file; cargo's unpack fails here`);
      dir = node;
      dirPath = [...dirPath, name];
    }
    return { dir: this.root, dirPath: [], name: '' };
  }

  private dirAt(parts: string[]): Extract<Node, { kind: 'dir' }> {
    let d = this.root;
    for (const p of parts) {
      const n = d.children.get(p);
      if (n?.kind !== 'dir') this.fail(`internal: ${join(parts)} is not a folder`);
      d = n;
    }
    return d;
  }

  /**
   * tar-rs `ensure_dir_created` + `validate_inside_dst`: creates the missing folders above an
   * entry (following links already unpacked) and returns the physical folder it is written into.
   */
  private parentOf(parts: string[], what: string): Slot {
    let dir = this.root;
    let dirPath: string[] = [];
    for (let i = 0; i < parts.length - 1; i++) {
      const slot = this.locate([...dirPath, parts[i]], true, what);
      if (slot === null) this.fail(`${what} is written through a symbolic link that points to nothing; cargo's unpack fails here`);
      if (slot.name === '') {
        dir = this.root;
        dirPath = [];
        continue;
      }
      let node = slot.dir.children.get(slot.name);
      // A missing folder is created; a link whose target is missing is not (`symlink_metadata`
      // sees the link, so tar-rs creates nothing and then fails to canonicalize through it).
      const viaLink = this.locate([...dirPath, parts[i]], false, what);
      if (node === undefined && viaLink && viaLink.dir.children.get(viaLink.name)?.kind === 'link') {
        this.fail(`${what} is written through a symbolic link that points to nothing; cargo's unpack fails here`);
      }
      if (node === undefined) {
        node = { kind: 'dir', children: new Map() };
        slot.dir.children.set(slot.name, node);
      }
      if (node.kind !== 'dir') this.fail(`${what} needs ${join([...slot.dirPath, slot.name])} to be a folder, but it is not; cargo's unpack fails here`);
      dir = node;
      dirPath = [...slot.dirPath, slot.name];
    }
    return { dir, dirPath, name: parts[parts.length - 1] };
  }

  /** Where an entry path physically lands (its folders followed through links), without writing. */
  landing(parts: string[], what: string): string {
    const s = this.parentOf(parts, what);
    return join([...s.dirPath, s.name]);
  }

  private existing(slot: Slot): Node | undefined {
    return slot.name === '' ? this.root : slot.dir.children.get(slot.name);
  }

  /** A regular file: replaces a file or link at that name (tar-rs unlinks, then creates), never a folder. */
  writeFile(parts: string[], data: Uint8Array, what: string): { landed: string; replaced: Node['kind'] | null; previous?: Uint8Array } {
    const slot = this.parentOf(parts, what);
    const prev = this.existing(slot);
    if (prev?.kind === 'dir') this.fail(`${what} is a file where a folder already exists; cargo's unpack fails here`);
    slot.dir.children.set(slot.name, { kind: 'file', data });
    const landed = join([...slot.dirPath, slot.name]);
    this.order.set(landed, true);
    return { landed, replaced: prev?.kind ?? null, previous: prev?.kind === 'file' ? prev.data : undefined };
  }

  /** A folder: an existing folder is fine (not a link to one: tar-rs checks with `symlink_metadata`). */
  makeDir(parts: string[], what: string): void {
    if (parts.length === 0) return;
    const slot = this.parentOf(parts, what);
    const prev = this.existing(slot);
    if (prev === undefined) slot.dir.children.set(slot.name, { kind: 'dir', children: new Map() });
    else if (prev.kind !== 'dir') this.fail(`${what} is a folder where a ${prev.kind} already exists; cargo's unpack fails here`);
  }

  /** Only the folders above the entry (tar-rs does this even for entries it then ignores). */
  touchParents(parts: string[], what: string): void {
    if (parts.length > 0) this.parentOf(parts, what);
  }

  /** A symbolic link: replaces a file or link at that name (overwrite), never a folder. */
  symlink(parts: string[], target: string, what: string): { landed: string; replaced: Node['kind'] | null } {
    if (target === '') this.fail(`symlink destination for ${what} is empty; cargo's unpack fails here`);
    const slot = this.parentOf(parts, what);
    const prev = this.existing(slot);
    if (prev?.kind === 'dir') this.fail(`${what} is a symbolic link where a folder already exists; cargo's unpack fails here`);
    slot.dir.children.set(slot.name, { kind: 'link', target });
    const landed = join([...slot.dirPath, slot.name]);
    this.order.set(landed, true);
    return { landed, replaced: prev?.kind ?? null };
  }

  /**
   * A hard link (`fs::hard_link`, which does not follow a final symbolic link and never overwrites).
   * The target must already exist; as tar-rs replaces files by unlinking, a hard link keeps the
   * target's content as it was when the link was made.
   */
  hardLink(parts: string[], targetParts: string[], what: string): { landed: string; kind: Node['kind'] } {
    const resolved = this.locate(targetParts, true, what);
    if (resolved === null || this.existing(resolved) === undefined) this.fail(`hard link ${what} points to ${join(targetParts)}, which does not exist yet; cargo's unpack fails here`);
    const src = this.locate(targetParts, false, what);
    const node = src && this.existing(src);
    if (!node) this.fail(`hard link ${what} points to ${join(targetParts)}, which does not exist yet; cargo's unpack fails here`);
    if (node.kind === 'dir') this.fail(`hard link ${what} points to a folder; cargo's unpack fails here`);
    const slot = this.parentOf(parts, what);
    if (this.existing(slot) !== undefined) this.fail(`hard link ${what} would replace an existing entry; cargo's unpack fails here (hard_link never overwrites)`);
    slot.dir.children.set(slot.name, node.kind === 'file' ? { kind: 'file', data: node.data } : { kind: 'link', target: node.target });
    const landed = join([...slot.dirPath, slot.name]);
    this.order.set(landed, true);
    return { landed, kind: node.kind };
  }

  /**
   * The files a build would read: regular files, and links followed to a file inside the crate.
   * Links to folders and links to nothing are reported, links leading out refused.
   */
  files(): { files: Map<string, Uint8Array>; linkToDir: string[]; dangling: Array<{ path: string; target: string }> } {
    const files = new Map<string, Uint8Array>();
    const links: string[] = [];
    const linkToDir: string[] = [];
    const dangling: Array<{ path: string; target: string }> = [];
    for (const p of this.order.keys()) {
      const parts = p.split('/');
      const slot = this.locate(parts, false, p);
      const node = slot && this.existing(slot);
      if (node?.kind === 'file') files.set(p, node.data);
      else if (node?.kind === 'link') links.push(p);
    }
    for (const p of links) {
      const parts = p.split('/');
      const holder = this.locate(parts, false, p)!;
      const link = this.existing(holder) as Extract<Node, { kind: 'link' }>;
      let slot: Slot | null;
      try {
        slot = this.locate(parts, true, `symbolic link ${p}`);
      } catch (e) {
        if (e instanceof InputError && /outside|absolute/.test(e.message)) this.fail(`symbolic link ${p} points outside the crate (${JSON.stringify(link.target)})`);
        throw e;
      }
      const node = slot && this.existing(slot);
      if (!node) dangling.push({ path: p, target: link.target });
      else if (node.kind === 'dir') linkToDir.push(p);
      else if (node.kind === 'file') files.set(p, node.data);
    }
    return { files, linkToDir, dangling };
  }
}
