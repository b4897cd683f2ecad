import { analyzeTrees, parseVcsInfo, summarizeTree, SummarySet, type VcsSnapshot } from '../../src/index.js';
import { gitBlobId } from '../../src/analysis/provenance.js';
import { treeFromFiles } from '../../src/source/index.js';
import type { RuleTest } from '../../src/rules/types.js';

/** Dependencies every rule-test crate declares, so that paths into them resolve as external crates. */
const DEPS = ['reqwest', 'ureq', 'base64', 'libc', 'hex', 'rand', 'chrono', 'dirs', 'libloading', 'hostname', 'whoami', 'ctor', 'openssl', 'flate2', 'sys-locale', 'tokio'];

export function manifest(version: string): string {
  return `[package]\nname = "fixture"\nversion = "${version}"\nedition = "2021"\n\n[dependencies]\n${DEPS.map((d) => `${d} = "1"`).join('\n')}\n`;
}

/** Runs one rule test case: old and new crates built from the case, compared as a release pair. */
export function runCase(t: RuleTest) {
  const oldFiles: Record<string, string> = { 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': t.old ?? '', ...(t.oldFiles ?? {}) };
  const newFiles: Record<string, string> = { 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': '', ...(t.files ?? {}) };
  if (t.code !== undefined) newFiles[t.file ?? 'src/lib.rs'] = t.code;
  if (t.file && t.file !== 'src/lib.rs' && t.old !== undefined) {
    oldFiles[t.file] = t.old;
    oldFiles['src/lib.rs'] = '';
  }
  const dependencies = t.deps ? new SummarySet(Object.entries(t.deps).map(([n, files]) => summarizeTree(treeFromFiles(files, n))), 'rule test') : undefined;
  return analyzeTrees(treeFromFiles(oldFiles, 'old'), treeFromFiles(newFiles, 'new'), { provenance: t.vcs ? snapshotOf(t.vcs, newFiles) : undefined, dependencies }).report;
}

/** The repository side of a `--vcs` check, from a test's `vcs` files (the commit always exists). */
function snapshotOf(repo: Record<string, string>, crate: Record<string, string>): VcsSnapshot {
  const snap: VcsSnapshot = { repo: '(test repository)', info: null, commitFound: true, files: new Map() };
  for (const [p, c] of Object.entries(repo)) snap.files.set(p, gitBlobId(Buffer.from(c, 'utf8')));
  const raw = crate['.cargo_vcs_info.json'];
  if (raw !== undefined) {
    try {
      snap.info = parseVcsInfo(Buffer.from(raw, 'utf8'));
    } catch (e) {
      snap.infoError = (e as Error).message;
    }
  }
  return snap;
}
