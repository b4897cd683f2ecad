import path from 'node:path';
import { diffReleasesWithHunks, type FileHunks, type Report } from '../../src/index.js';
import type { LockEntry, LockReport } from '../../src/lock/types.js';
import { entryKey } from '../../src/report/input.js';
import { worstVerdict } from '../../src/usage.js';

export const CORPUS = path.join(import.meta.dirname, '..', '..', 'corpus');

/** Scans one corpus case (old → new) for real and returns its report and hunks. */
export async function corpusScan(name: string): Promise<{ report: Report; hunks: FileHunks[] }> {
  return diffReleasesWithHunks(path.join(CORPUS, name, 'old'), path.join(CORPUS, name, 'new'));
}

const CRATES_IO = 'registry+https://github.com/rust-lang/crates.io-index';

/**
 * A lock report as `cratefence lock` builds it, made of real scans of corpus cases: `count` changed
 * packages cycling through `cases` (each one renamed `<crate>-<k>` so names are unique), plus one
 * added-and-failed, one removed and one git package. Lock lines are those of a lockfile whose
 * `[[package]]` blocks are 7 lines apart.
 */
export async function lockFixture(cases: string[], count = cases.length): Promise<{ lock: LockReport; hunks: Record<string, FileHunks[]> }> {
  const scans = await Promise.all(cases.map(corpusScan));
  const entries: LockEntry[] = [];
  const hunks: Record<string, FileHunks[]> = {};
  for (let k = 0; k < count; k++) {
    const { report, hunks: h } = scans[k % scans.length];
    const name = count > cases.length ? `${report.crate.name}-${k}` : (report.crate.name ?? `crate-${k}`);
    const r: Report = { ...report, crate: { ...report.crate, name } };
    const e: LockEntry = { name, change: 'changed', old: r.crate.old, new: r.crate.new, source: CRATES_IO, lockLine: 4 + 7 * k, verdict: r.verdict, report: r };
    entries.push(e);
    hunks[entryKey(e)] = h;
  }
  entries.push({ name: 'fresh-dep', change: 'added', old: null, new: '0.3.0', source: CRATES_IO, lockLine: 4 + 7 * count, verdict: 'block', error: 'checksum mismatch: Cargo.lock says 1f2e…, the download hashes to 9a8b…' });
  entries.push({ name: 'gone-dep', change: 'removed', old: '1.2.3', new: null, source: CRATES_IO, lockLine: null, verdict: null, note: 'removed' });
  entries.push({ name: 'forked', change: 'changed', old: '0.1.0', new: '0.1.1', source: 'git+https://example.org/forked?rev=abc#abc', lockLine: 4 + 7 * (count + 1), verdict: null, note: 'git source: listed, not fetched' });
  const verdict = entries.reduce((v, e) => (e.verdict ? worstVerdict(v, e.verdict) : v), 'pass' as LockReport['verdict']);
  const lock: LockReport = {
    kind: 'lock',
    lockSchemaVersion: 1,
    tool: { name: 'cratefence', version: scans[0].report.tool.version },
    lockfile: 'Cargo.lock',
    verdict,
    summary: { changed: count + 1, added: 1, removed: 1, scanned: count, errors: 1, notScanned: 2 },
    entries,
  };
  return { lock, hunks };
}
