import { CARGO_WRITTEN, gitBlobId, vcsOf } from '../../analysis/provenance.js';
import { roleOf } from '../../diff/release.js';
import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { Severity } from '../../contract/finding.js';

function fileMatch(ctx: ScanContext, file: string, data: Record<string, string>, severity?: Severity): Match {
  const v = ctx.delta.new;
  // Test and example files count too (the xz backdoor hid in test data): as files outside src/.
  const r = file.endsWith('.rs') ? roleOf(file, v.buildPath, v.procMacro) : 'other';
  const role = r === 'test' || r === 'bench' || r === 'example' ? 'other' : r;
  return { file, line: 1, column: 1, endLine: 1, role, item: null, text: file, data, severity };
}

/** Where cargo takes a crate-root file from when the package sits in a workspace (`readme = "../README.md"`). */
function rootFallback(path: string): boolean {
  return !path.includes('/') && /^(readme|license|licence|copying|notice|authors|changelog)/i.test(path);
}

/**
 * Provenance against the repository (`--vcs`): the crate's `.cargo_vcs_info.json` must name a clean
 * commit of the repository, and every published file (except what `cargo package` writes) must be
 * that commit's file. `check: info` reports missing or dirty provenance; `check: files` reports
 * files that are not in the repository or differ from it. Silent when no repository was given.
 */
export function provenanceAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const snap = vcsOf(ctx);
  if (!snap) return [];
  const check = String(rule.spec.match.params?.check ?? '');
  const files = ctx.delta.new.tree.files;
  if (check === 'info') {
    const at = (detail: string, severity: Severity) => [fileMatch(ctx, files.has('.cargo_vcs_info.json') ? '.cargo_vcs_info.json' : 'Cargo.toml', { detail, repo: snap.repo }, severity)];
    if (snap.infoError) return at(`its .cargo_vcs_info.json is unusable (${snap.infoError})`, 'medium');
    if (!snap.info) return at('it has no .cargo_vcs_info.json, so nothing ties it to a commit (packaged outside git, or with --allow-dirty from a non-repository folder)', 'medium');
    if (!snap.commitFound) return at(`its commit ${snap.info.sha1} is not in the repository`, 'high');
    if (snap.info.dirty) return at(`it was packaged from a work tree with uncommitted changes (commit ${snap.info.sha1.slice(0, 12)}, dirty)`, 'medium');
    return [];
  }
  if (check !== 'files') throw new Error(`rule ${rule.spec.id}: unknown provenance check "${check}"`);
  if (!snap.info || !snap.commitFound) return [];
  const base = snap.info.pathInVcs ? `${snap.info.pathInVcs}/` : '';
  const out: Match[] = [];
  for (const [path, bytes] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (CARGO_WRITTEN.has(path)) continue;
    let id = snap.files.get(`${base}${path}`);
    if (id === undefined && base && rootFallback(path)) id = snap.files.get(path);
    const code = path.endsWith('.rs') || path === ctx.delta.new.buildPath;
    if (id === undefined) {
      out.push(fileMatch(ctx, path, { what: 'is not in the repository', commit: snap.info.sha1.slice(0, 12), repo: snap.repo }, code ? 'high' : 'medium'));
    } else if (id !== gitBlobId(bytes)) {
      out.push(fileMatch(ctx, path, { what: 'differs from the repository', commit: snap.info.sha1.slice(0, 12), repo: snap.repo }, code ? 'high' : 'medium'));
    }
  }
  return out;
}
