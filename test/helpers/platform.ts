import { analyzeTrees, rulesFor } from '../../src/index.js';
import { ScanContext } from '../../src/rules/context.js';
import { treeFromFiles } from '../../src/source/index.js';

const DEPS = ['libc', 'nix', 'rustix', 'winapi', 'windows-sys', 'windows', 'syscalls'];

/** A manifest declaring the platform crates, so paths into them resolve as external. */
export function platformManifest(version: string, deps = DEPS): string {
  return `[package]\nname = "plat"\nversion = "${version}"\nedition = "2021"\n\n[dependencies]\n${deps.map((d) => `${d} = "1"`).join('\n')}\n`;
}

/** One capability use of the new release's call graph, flattened for assertions. */
export interface UseRow {
  item: string;
  cap: string;
  resolved: string;
  line: number;
}

/** The capability uses of `code` (as src/lib.rs, plus `files`) in a release compared against an empty one. */
export function usesOf(code: string, files: Record<string, string> = {}): UseRow[] {
  const { delta } = analyzeTrees(
    treeFromFiles({ 'Cargo.toml': platformManifest('0.1.0'), 'src/lib.rs': '' }, 'old'),
    treeFromFiles({ 'Cargo.toml': platformManifest('0.1.1'), 'src/lib.rs': code, ...files }, 'new'),
  );
  const ctx = new ScanContext(delta, rulesFor());
  const rows: UseRow[] = [];
  for (const [item, uses] of ctx.newGraph.caps) for (const u of uses) rows.push({ item, cap: u.cap, resolved: u.resolved, line: u.line });
  return rows.filter((r) => r.cap !== 'unsafe.block' && r.cap !== 'ffi.extern');
}

/** The capability at line `line` of src/lib.rs (the first one found), or undefined. */
export function capAt(code: string, line: number): UseRow | undefined {
  return usesOf(code).find((r) => r.line === line);
}

/** What the resolver gives each site of src/lib.rs (file-level sites such as `global_asm!` included). */
export function siteCaps(code: string): UseRow[] {
  const { delta } = analyzeTrees(
    treeFromFiles({ 'Cargo.toml': platformManifest('0.1.0'), 'src/lib.rs': '' }, 'old'),
    treeFromFiles({ 'Cargo.toml': platformManifest('0.1.1'), 'src/lib.rs': code }, 'new'),
  );
  const ctx = new ScanContext(delta, rulesFor());
  const file = delta.new.rust.get('src/lib.rs')!;
  const rows: UseRow[] = [];
  file.facts.sites.forEach((s, i) => {
    const hit = ctx.newGraph.resolver.capOf(file, i);
    if (hit) rows.push({ item: String(s.item), cap: hit.cap, resolved: hit.resolved, line: s.line });
  });
  return rows;
}
