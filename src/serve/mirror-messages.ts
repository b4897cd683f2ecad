import type { Db } from '../store/index.js';
import { safeText } from '../report/safe-text.js';
import { headlineFinding, type Finding } from '../index.js';

/** The columns of a release the registry routes read. */
export interface ReleaseRow {
  id: number;
  crate: string;
  crate_key: string;
  version: string;
  state: string;
  blob_sha256: string;
  origin: 'published' | 'upstream' | 'baseline';
  released_at: string | null;
  verdict: string | null;
  score: number | null;
  scan_error: string | null;
  cool_off_until: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * The answer to a download of a version that is not `released`: cargo prints the body of any
 * non-200 answer under "failed to download", so it is one line that says what happened, when, by
 * whom and why. Revoked and rejected versions are gone for good (410); versions that may still
 * become usable are refused for now (403). The text is the publisher's or a reviewer's in part,
 * so it goes through safeText (no terminal controls or invisible characters reach the build log).
 */
export function heldBackMessage(db: Db, r: ReleaseRow, publicUrl: string | undefined): { status: number; message: string } {
  const label = `${r.crate} ${r.version}`;
  const page = publicUrl ? `; see ${publicUrl}/ui/releases/${r.id}` : '';
  const decision = (kind: string) =>
    db.prepare('SELECT u.name AS who, d.reason, d.created_at AS at FROM serve_decisions d JOIN serve_users u ON u.id = d.user_id WHERE d.release_id = ? AND d.kind = ? ORDER BY d.id DESC LIMIT 1').get(r.id, kind) as
      | { who: string; reason: string; at: string }
      | undefined;
  const line = (s: string) => safeText(s.replace(/\s+/g, ' ').trim()).slice(0, 480);
  switch (r.state) {
    case 'revoked': {
      const d = decision('revocation');
      return { status: 410, message: line(`cratefence: ${label} was revoked on ${d?.at ?? r.updated_at}${d ? ` by ${d.who}: ${d.reason}` : ''}`) };
    }
    case 'rejected': {
      const d = decision('rejection');
      if (d) return { status: 410, message: line(`cratefence: ${label} was rejected on ${d.at} by ${d.who}: ${d.reason}`) };
      const why = r.scan_error ?? `the scan's verdict is ${r.verdict ?? 'block'}${r.score === null ? '' : ` (score ${r.score}/100)`}${topFinding(db, r.id)}`;
      return { status: 410, message: line(`cratefence: ${label} was rejected on ${r.updated_at}: ${why}${page}`) };
    }
    case 'quarantined':
      return { status: 403, message: line(`cratefence: ${label} is quarantined until reviewers approve it (scan verdict ${r.verdict ?? 'review'}${r.score === null ? '' : `, score ${r.score}/100`}${topFinding(db, r.id)})${page}`) };
    case 'cooling-off':
      return { status: 403, message: line(`cratefence: ${label} is cooling off until ${r.cool_off_until ?? 'its cool-off ends'}; it cannot be used before`) };
    default:
      return { status: 403, message: line(`cratefence: ${label} is being scanned and cannot be used yet`) };
  }
}

/**
 * `: <rule> at <file>:<line>` for the report's headline finding (the one its verdict reason and HTML
 * page lead with: unsuppressed, most dangerous first), or nothing.
 */
function topFinding(db: Db, id: number): string {
  const row = db.prepare('SELECT report_json FROM serve_releases WHERE id = ?').get(id) as { report_json: string | null } | undefined;
  return headlineSuffix(row?.report_json ?? null);
}

/** {@link topFinding} of a stored report's JSON text; nothing for no report or one that does not parse. */
export function headlineSuffix(reportJson: string | null): string {
  if (!reportJson) return '';
  try {
    const findings = (JSON.parse(reportJson) as { findings?: unknown }).findings;
    const f = Array.isArray(findings) ? headlineFinding(findings as Finding[]) : undefined;
    return f ? `: ${f.ruleId} at ${f.file}:${f.line}` : '';
  } catch {
    return '';
  }
}
