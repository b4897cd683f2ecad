import { diffArrays } from 'diff';
import type { Site } from '../parse/types.js';
import { boundedLineDiff, hashText, normalizeWs, sameIgnoringWs, splitLines, type LineDiff } from '../parse/text.js';
import { diffManifests } from './manifest.js';
import { isShippedRole } from './release.js';
import type { FileChange, ItemChange, ItemRef, ReleaseDelta, ReleaseView, RustFile } from './types.js';

export type { ReleaseDelta, ReleaseView, FileChange, ItemChange, ItemRef, RustFile, FileRole } from './types.js';
export { buildRelease, roleOf, moduleOf, isBinary } from './release.js';
export { parseManifest, diffManifests } from './manifest.js';
export type { Manifest, ManifestDelta, DepSpec } from './manifest.js';

/**
 * Beyond this many edits a text diff gives up and the whole changed middle of the file counts as
 * added (more to review, never less). The edit search costs about the square of the edits: at 20 000
 * a file whose every line changed took half a minute. A count, not a time limit, so that the same
 * input always gives the same report.
 */
const MAX_EDIT_LENGTH = 5_000;
/**
 * Work allowed to edit searches over one scan, in squared edits (≈ 10 s): past it, the remaining
 * changed files count as rewritten. Files are diffed in path order, so the cut is deterministic.
 */
const EDIT_WORK_BUDGET = 1.2e8;

/**
 * Text work allowed per file for comparing items and statements, in characters normalized, as a
 * multiple of the two versions' lengths (plus a floor). Each item's text includes the items nested in
 * it, so comparing every item costs the file's length times the nesting depth: a few times the length
 * in real code, the square of the file for 50 000 nested functions. Past the allowance the rest of the
 * file is judged without comparing texts: matched items count as changed, their statements as all
 * added, and no item is recognized as moved (more to review, never less). A count, not a time limit,
 * so the same input always gives the same report.
 */
const TEXT_WORK_PER_CHAR = 16;
const TEXT_WORK_FLOOR = 4_000_000;

/** What is left of one file's text-comparison allowance (see TEXT_WORK_PER_CHAR). */
interface TextWork {
  left: number;
}

function textWork(...texts: Array<string | undefined>): TextWork {
  let n = 0;
  for (const t of texts) n += t?.length ?? 0;
  return { left: TEXT_WORK_PER_CHAR * n + TEXT_WORK_FLOOR };
}

/** Takes `n` characters of work from `w`; false (and nothing taken) when not that much is left. */
function spend(w: TextWork, n: number): boolean {
  if (w.left < n) {
    w.left = -1;
    return false;
  }
  w.left -= n;
  return true;
}

const sitesByItemCache = new WeakMap<Site[], Map<number, number[]>>();

/** Site indices of a file grouped by owning item (-1 for file level). */
export function sitesByItem(sites: Site[]): Map<number, number[]> {
  let m = sitesByItemCache.get(sites);
  if (!m) {
    m = new Map();
    for (let i = 0; i < sites.length; i++) {
      const list = m.get(sites[i].item);
      if (list) list.push(i);
      else m.set(sites[i].item, [i]);
    }
    sitesByItemCache.set(sites, m);
  }
  return m;
}

const itemHashes = new WeakMap<object, string>();

/**
 * Identity of an item's body: a hash of its whitespace-normalized text, computed on first use, so
 * items of files that did not change are never hashed. '' for containers.
 */
export function itemHash(ref: ItemRef): string {
  if (ref.item.container) return '';
  let h = itemHashes.get(ref.item);
  if (h === undefined) {
    h = hashText(normalizeWs(ref.file.text.slice(ref.item.span.start, ref.item.span.end)));
    itemHashes.set(ref.item, h);
  }
  return h;
}

const fp = (s: Site) => `${s.kind}|${s.text}|${s.args ?? ''}`;

function textOf(bytes: Uint8Array | undefined): string {
  return bytes ? Buffer.from(bytes).toString('utf8') : '';
}

function countLines(s: string): number {
  if (s === '') return 0;
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return s.charCodeAt(s.length - 1) === 10 ? n : n + 1;
}

/**
 * Line-level diff of one file: counts and the changed line numbers on each side. Equal leading and
 * trailing lines are set aside first, so a release that touches one region of a long file costs a
 * scan of the file, not an edit-distance search over all of it.
 */
function diffFileText(oldText: string, newText: string, exact: boolean, budget: { work: number }, known?: { before: string; diff: LineDiff }): { added: number; removed: number; addedLines: Set<number>; removedLines: Set<number> } {
  const addedLines = new Set<number>();
  const removedLines = new Set<number>();
  const { pre, midA, midB, changes } = boundedLineDiff(splitLines(oldText), splitLines(newText), exact ? MAX_EDIT_LENGTH : 0, budget, known?.before === oldText ? known.diff : undefined);
  if (!changes) {
    // Pure insertion, pure deletion, or too many edits to align: the whole middle changed.
    for (let i = 0; i < midB.length; i++) addedLines.add(pre + 1 + i);
    for (let i = 0; i < midA.length; i++) removedLines.add(pre + 1 + i);
    return { added: midB.length, removed: midA.length, addedLines, removedLines };
  }
  let line = pre + 1;
  let oldLine = pre + 1;
  let added = 0;
  let removed = 0;
  for (const c of changes) {
    if (c.added) {
      for (let i = 0; i < c.count; i++) addedLines.add(line + i);
      added += c.count;
      line += c.count;
    } else if (c.removed) {
      for (let i = 0; i < c.count; i++) removedLines.add(oldLine + i);
      removed += c.count;
      oldLine += c.count;
    } else {
      line += c.count;
      oldLine += c.count;
    }
  }
  return { added, removed, addedLines, removedLines };
}

/**
 * Marks which sites of `newSites` (indices into the new file's sites) the new side adds, given the
 * sites of the same code in the old release: a multiset difference of fingerprints, so moved or
 * reformatted code is not "new". Sites on added lines are the ones taken as new first.
 */
function multisetNew(oldSites: Site[], oldIdx: number[], newSitesArr: Site[], newIdx: number[], addedLines: Set<number> | undefined, out: Set<number>): void {
  const counts = new Map<string, number>();
  for (const i of oldIdx) {
    const k = fp(oldSites[i]);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const onAdded: number[] = [];
  for (const i of newIdx) {
    const s = newSitesArr[i];
    if (addedLines?.has(s.line)) {
      onAdded.push(i);
      continue;
    }
    const k = fp(s);
    const c = counts.get(k) ?? 0;
    if (c > 0) counts.set(k, c - 1);
    else out.add(i);
  }
  for (const i of onAdded) {
    const k = fp(newSitesArr[i]);
    const c = counts.get(k) ?? 0;
    if (c > 0) counts.set(k, c - 1);
    else out.add(i);
  }
}

function stmtLength(ref: ItemRef): number {
  let n = 0;
  for (const st of ref.item.stmts) n += st.end - st.start;
  return n;
}

/** The statements' texts as written (slices, not copies); compared ignoring whitespace (see diffStatements). */
function stmtTexts(ref: ItemRef): string[] {
  return ref.item.stmts.map((s) => ref.file.text.slice(s.start, s.end));
}

const sameStmt = (x: string, y: string) => x === y || sameIgnoringWs(x, y);

/** Statement-level diff of a changed function body; past the file's text allowance, every statement counts as added. */
function diffStatements(oldRef: ItemRef, newRef: ItemRef, work: TextWork): Pick<ItemChange, 'addedStmts' | 'removedStmts' | 'totalStmts'> {
  if (!spend(work, stmtLength(oldRef) + stmtLength(newRef))) {
    return { addedStmts: newRef.item.stmts.map((st) => ({ line: st.line, endLine: st.endLine })), removedStmts: oldRef.item.stmts.length, totalStmts: newRef.item.stmts.length };
  }
  const a = stmtTexts(oldRef);
  const b = stmtTexts(newRef);
  const addedStmts: ItemChange['addedStmts'] = [];
  let removedStmts = 0;
  let j = 0;
  for (const c of diffArrays(a, b, { comparator: sameStmt })) {
    if (c.added) {
      for (let k = 0; k < c.count; k++) {
        const st = newRef.item.stmts[j + k];
        addedStmts.push({ line: st.line, endLine: st.endLine });
      }
      j += c.count;
    } else if (c.removed) removedStmts += c.count;
    else j += c.count;
  }
  return { addedStmts, removedStmts, totalStmts: b.length };
}

/** An item whose code ships: in a shipped file and not `#[test]` / `#[cfg(test)]`. */
function shipped(ref: ItemRef): boolean {
  return isShippedRole(ref.file.role) && !ref.item.test;
}

/** Roles whose code runs inside the build, on every machine that compiles the crate. */
const COMPILE_TIME = new Set(['build', 'proc-macro']);

/**
 * Code whose reach grew between releases: test, bench or example code that now ships, or any code
 * that now runs at build time (a build script enabled again, code moved into build.rs or a proc-macro).
 * Such code is judged as added, even unchanged.
 */
function escalated(before: RustFile, after: RustFile): boolean {
  return (!isShippedRole(before.role) && isShippedRole(after.role)) || (COMPILE_TIME.has(after.role) && before.role !== after.role);
}

function escalatedItem(before: ItemRef, after: ItemRef): boolean {
  return (!shipped(before) && shipped(after)) || (COMPILE_TIME.has(after.file.role) && before.file.role !== after.file.role);
}

function sameKeys(a: readonly string[], b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The old release's items in `items` order (files by path, then file order), less the files whose
 * item keys the new release's file of the same path has, all and in order: none of their items is
 * removed, and none can be the origin of a move (only items whose key the new release lacks are).
 * On a large crate most files are such files, and their items are not looked at one by one.
 */
function itemsNotKept(oldV: ReleaseView, newV: ReleaseView): ItemRef[] {
  const out: ItemRef[] = [];
  for (const file of [...oldV.rust.values()].sort((x, y) => (x.path < y.path ? -1 : 1))) {
    const keys = oldV.keyOf.get(file.path) ?? [];
    if (sameKeys(keys, newV.keyOf.get(file.path))) continue;
    for (const key of keys) out.push(oldV.items.get(key)!);
  }
  return out;
}

/** Compares two parsed releases at the level of files, items, statements, sites and the manifest. */
export function diffReleases(oldV: ReleaseView, newV: ReleaseView): ReleaseDelta {
  const files: FileChange[] = [];
  const oldPaths = new Set(oldV.tree.files.keys());
  const newPaths = new Set(newV.tree.files.keys());
  const removedByHash = new Map<string, string>();
  for (const p of oldPaths) if (!newPaths.has(p)) removedByHash.set(hashText(oldV.tree.files.get(p)!), p);
  const renamedFrom = new Set<string>();
  const editBudget = { work: EDIT_WORK_BUDGET };
  let linesAdded = 0;
  let linesRemoved = 0;

  for (const p of [...newPaths].sort()) {
    const nb = newV.tree.files.get(p)!;
    const binary = newV.binaries.has(p);
    if (oldPaths.has(p)) {
      const ob = oldV.tree.files.get(p)!;
      if (ob.length === nb.length && Buffer.compare(Buffer.from(ob.buffer, ob.byteOffset, ob.length), Buffer.from(nb.buffer, nb.byteOffset, nb.length)) === 0) continue;
      const fc: FileChange = { path: p, status: 'modified', binary, linesAdded: 0, linesRemoved: 0, addedLines: new Set(), removedLines: new Set() };
      if (!binary && !oldV.binaries.has(p)) {
        // Rust sources and the manifest get an exact line diff; for other files (lock files, changelogs)
        // the changed region between equal head and tail is counted, which is all the summary needs.
        const exact = newV.rust.has(p) || p === 'Cargo.toml';
        const d = diffFileText(oldV.rust.get(p)?.text ?? textOf(ob), newV.rust.get(p)?.text ?? textOf(nb), exact, editBudget, newV.rust.get(p)?.lineDiff);
        Object.assign(fc, { linesAdded: d.added, linesRemoved: d.removed, addedLines: d.addedLines, removedLines: d.removedLines });
      }
      files.push(fc);
    } else {
      const from = removedByHash.get(hashText(nb));
      if (from !== undefined && !renamedFrom.has(from)) {
        renamedFrom.add(from);
        files.push({ path: p, oldPath: from, status: 'renamed', binary, linesAdded: 0, linesRemoved: 0, addedLines: new Set(), removedLines: new Set() });
        continue;
      }
      const fc: FileChange = { path: p, status: 'added', binary, linesAdded: 0, linesRemoved: 0, addedLines: new Set(), removedLines: new Set() };
      if (!binary) {
        const n = countLines(newV.rust.get(p)?.text ?? textOf(nb));
        fc.linesAdded = n;
        for (let i = 1; i <= n; i++) fc.addedLines.add(i);
      }
      files.push(fc);
    }
  }
  for (const p of [...oldPaths].sort()) {
    if (newPaths.has(p) || renamedFrom.has(p)) continue;
    const ob = oldV.tree.files.get(p)!;
    const n = oldV.binaries.has(p) ? 0 : countLines(oldV.rust.get(p)?.text ?? textOf(ob));
    files.push({ path: p, status: 'removed', binary: oldV.binaries.has(p), linesAdded: 0, linesRemoved: n, addedLines: new Set(), removedLines: new Set() });
  }
  for (const f of files) {
    linesAdded += f.linesAdded;
    linesRemoved += f.linesRemoved;
  }
  const fileByPath = new Map(files.map((f) => [f.path, f]));
  // Code a build script generates (see generated.ts) has no file in the archive: compared by its text,
  // and not counted among the release's files.
  for (const [p, f] of newV.rust) {
    if (newV.tree.files.has(p)) continue;
    const before = oldV.rust.get(p);
    if (before?.text === f.text) continue;
    const d = diffFileText(before?.text ?? '', f.text, true, editBudget);
    fileByPath.set(p, { path: p, status: before ? 'modified' : 'added', binary: false, linesAdded: d.added, linesRemoved: d.removed, addedLines: d.addedLines, removedLines: d.removedLines });
  }

  // Items: by qualified path first, then unmatched ones by body hash (moves).
  const items: ItemChange[] = [];
  const oldByHash = new Map<string, ItemRef[]>();
  const oldWork = new Map<RustFile, TextWork>();
  const oldItems = itemsNotKept(oldV, newV);
  for (const ref of oldItems) {
    if (ref.item.container || newV.items.has(ref.key)) continue;
    let w = oldWork.get(ref.file);
    if (!w) oldWork.set(ref.file, (w = textWork(ref.file.text)));
    // Past the allowance the item is not offered as the origin of a move: it is then removed, and
    // whatever matches it on the new side counts as added.
    if (!spend(w, ref.item.span.end - ref.item.span.start)) continue;
    const h = itemHash(ref);
    const l = oldByHash.get(h);
    if (l) l.push(ref);
    else oldByHash.set(h, [ref]);
  }
  const matchedOld = new Set<string>();
  const newSites = new Map<string, Set<number>>();

  const promoted = new Set<string>();
  for (const [path, file] of newV.rust) {
    const fc = fileByPath.get(path);
    // Code that was test, bench or example code and is now shipped, or that now runs at build time,
    // counts as new, even unchanged: moving a payload out of `tests/` (or pulling it in with
    // `#[path]`), or re-enabling a dormant build script, must not hide it.
    const oldPath = fc?.oldPath ?? path;
    const before = oldV.rust.get(oldPath);
    // ...and so does a file that was data before (not compiled) and is Rust code now (`include!`d).
    const nowShipped = before !== undefined ? escalated(before, file) : oldV.tree.files.has(oldPath);
    if ((!fc || fc.status === 'renamed') && !nowShipped) continue; // identical content: nothing new in it
    if (nowShipped) promoted.add(path);
    const out = new Set<number>();
    newSites.set(path, out);
    const byItem = sitesByItem(file.facts.sites);
    const keys = newV.keyOf.get(path) ?? [];
    const oldFile = nowShipped ? undefined : oldV.rust.get(path);
    const work = textWork(file.text, oldFile?.text ?? before?.text);
    // File-level sites (attributes, statics at top level) against the same file's old version.
    const top = byItem.get(-1) ?? [];
    if (top.length > 0) {
      const oldTop = oldFile ? (sitesByItem(oldFile.facts.sites).get(-1) ?? []) : [];
      multisetNew(oldFile?.facts.sites ?? [], oldTop, file.facts.sites, top, fc?.addedLines, out);
    }
    for (const item of file.facts.items) {
      const key = keys[item.id];
      const ref = newV.items.get(key)!;
      const idx = byItem.get(item.id) ?? [];
      let oldRef = oldV.items.get(key);
      // An item that was test code (by file or by `#[cfg(test)]`) and now ships is added code.
      if (oldRef && escalatedItem(oldRef, ref)) oldRef = undefined;
      let status: ItemChange['status'] | null = null;
      if (oldRef) {
        matchedOld.add(key);
        // Same text, byte for byte or after collapsing whitespace: unchanged. (No hash here: a hash
        // collision must never hide a change.)
        let same = false;
        if (!item.container && !oldRef.item.container && spend(work, oldRef.item.span.end - oldRef.item.span.start + item.span.end - item.span.start)) {
          const a = oldRef.file.text.slice(oldRef.item.span.start, oldRef.item.span.end);
          const b = ref.file.text.slice(item.span.start, item.span.end);
          same = a === b || sameIgnoringWs(a, b);
        }
        if (same) {
          status = oldRef.file.path === path ? null : 'moved';
        } else {
          if (!item.container || idx.length > 0) {
            const oldIdx = sitesByItem(oldRef.file.facts.sites).get(oldRef.item.id) ?? [];
            const before = out.size;
            multisetNew(oldRef.file.facts.sites, oldIdx, file.facts.sites, idx, fc?.addedLines, out);
            if (!item.container || out.size > before) status = 'changed';
          }
        }
      } else {
        const cands = !item.container && oldByHash.size > 0 && spend(work, item.span.end - item.span.start) ? oldByHash.get(itemHash(ref)) : undefined;
        // The hash only finds candidates; the texts must match, so a crafted collision cannot pass new code off as moved.
        const norm = cands ? normalizeWs(ref.file.text.slice(item.span.start, item.span.end)) : '';
        const moved = cands?.find((c) => !matchedOld.has(c.key) && !escalatedItem(c, ref) && spend(work, c.item.span.end - c.item.span.start) && normalizeWs(c.file.text.slice(c.item.span.start, c.item.span.end)) === norm);
        if (moved) {
          matchedOld.add(moved.key);
          oldRef = moved;
          status = 'moved';
        } else {
          status = 'added';
          for (const i of idx) out.add(i);
        }
      }
      if (status === null) continue;
      if (item.kind === 'impl' || item.kind === 'mod' || item.kind === 'trait' || item.kind === 'extern') {
        if (status !== 'added') continue; // containers are judged by their members
      }
      const change: ItemChange = { key, oldKey: oldRef?.key, status, newRef: ref, oldRef, addedStmts: [], removedStmts: 0, totalStmts: item.stmts.length };
      if (status === 'changed' && oldRef && item.kind === 'fn') Object.assign(change, diffStatements(oldRef, ref, work));
      if (status === 'added') change.addedStmts = item.stmts.map((s) => ({ line: s.line, endLine: s.endLine }));
      items.push(change);
    }
  }
  for (const ref of oldItems) {
    const key = ref.key;
    if (matchedOld.has(key) || newV.items.has(key)) continue;
    items.push({ key, status: 'removed', oldRef: ref, addedStmts: [], removedStmts: ref.item.stmts.length, totalStmts: 0 });
  }
  return {
    old: oldV,
    new: newV,
    files,
    fileByPath,
    items,
    itemByKey: new Map(items.filter((i) => i.newRef).map((i) => [i.key, i])),
    newSites,
    promoted,
    manifest: diffManifests(oldV.manifest, newV.manifest),
    notes: newV.tree.notes,
    linesAdded,
    linesRemoved,
  };
}
