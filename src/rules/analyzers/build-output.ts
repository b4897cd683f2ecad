import type { Piece } from '../../parse/values.js';
import type { ScanContext } from '../context.js';
import type { Match } from '../types.js';
import type { Severity } from '../../contract/finding.js';
import { SECRET_ENV, SENSITIVE_PATH } from './flow.js';
import { short } from './util.js';

/** What each directive does with its value, for the message; keys not listed are passed on to cargo or to dependents. */
const CONSEQUENCE: Record<string, string> = {
  warning: 'cargo prints warnings in the build log, which is public on CI',
  error: 'cargo prints errors in the build log, which is public on CI',
  'rustc-env': 'the value is compiled into every program built with the crate (`env!`)',
};

/** A credential source: a secret-named variable, the whole environment, a credential file. */
function secretSource(taint: string): string | null {
  if (taint === 'env:*') return 'every environment variable';
  const env = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(taint)?.[1];
  if (env && SECRET_ENV.test(env) && !/^(CARGO_(?!REGISTRY)|DEP_|RUSTC|TARGET|HOST|OUT_DIR|PROFILE)/.test(env)) return `the secret environment variable ${env}`;
  const file = /^file:(.+)$/.exec(taint)?.[1];
  if (file && SENSITIVE_PATH.test(file)) return `the credential file ${file}`;
  return null;
}

/** One printed line split at newlines: the directive key when its text is known, and the pieces of its value. */
function directives(value: Piece[]): Array<{ key: string | null; prefix: string; pieces: Piece[] }> {
  const lines: Piece[][] = [[]];
  for (const p of value) {
    if (p.dyn || !p.text.includes('\n')) {
      lines[lines.length - 1].push(p);
      continue;
    }
    const parts = p.text.split('\n');
    parts.forEach((t, i) => {
      if (i > 0) lines.push([]);
      if (t) lines[lines.length - 1].push({ ...p, text: t });
    });
  }
  return lines.filter((l) => l.length > 0).map((l) => {
    let head = '';
    for (const p of l) {
      if (p.dyn) break;
      head += p.text;
      if (head.includes('=')) break;
    }
    const m = /^cargo::?([A-Za-z0-9_.-]+)=/.exec(head);
    return { key: m ? m[1] : /^cargo:/.test(head) || head === '' ? null : '', prefix: m ? m[0] : head, pieces: l };
  });
}

/** A printed line as text, its unknown parts shown by the sources they derive from. */
function fingerprint(pieces: Piece[]): string {
  return pieces.map((p) => (p.dyn ? `<${[...p.dyn.taint].sort().join(',')}>` : p.text)).join('');
}

/**
 * Build-script output that carries a credential: a `cargo:` / `cargo::` line whose value comes from a
 * secret-named environment variable, the whole environment or a credential file. A warning puts it
 * in the public build log; `rustc-env` compiles it into every program built with the crate.
 */
export function buildOutputAnalyzer(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  // What the previous release's build script already printed (the same directive with the same sources).
  const before = new Map<string, number>();
  for (const pr of ctx.delta.old.buildScript?.evaluation.prints ?? []) for (const d of directives(pr.value)) before.set(fingerprint(d.pieces), (before.get(fingerprint(d.pieces)) ?? 0) + 1);
  for (const pr of ctx.delta.new.buildScript?.evaluation.prints ?? []) {
    const file = ctx.delta.new.rust.get(pr.file);
    if (!file) continue;
    for (const d of directives(pr.value)) {
      // Lines printed to stdout that are not directives reach only cargo's captured output.
      if (d.key === '') continue;
      const secrets = d.pieces.flatMap((p) => (p.dyn ? p.dyn.taint.map((t) => ({ what: secretSource(t), p })) : [])).filter((x) => x.what !== null);
      if (secrets.length === 0) continue;
      const s = secrets[0];
      const fresh = ctx.isAddedLine(pr.file, pr.line) || secrets.some((x) => ctx.isAddedLine(x.p.file, x.p.line));
      const fp = fingerprint(d.pieces);
      const seen = before.get(fp) ?? 0;
      if (seen > 0) before.set(fp, seen - 1);
      if (!fresh || seen > 0) continue;
      const key = d.key ?? '(a directive the scan cannot read)';
      const severity: Severity = d.key !== null && Object.hasOwn(CONSEQUENCE, d.key) ? 'critical' : 'high';
      const site = file.facts.sites.findIndex((x) => x.kind === 'macro' && x.line === pr.line);
      out.push({
        file: pr.file, line: pr.line, column: 1, endLine: pr.line, role: 'build', item: site >= 0 ? ctx.itemKey(file, file.facts.sites[site].item) : null,
        text: d.prefix, data: {
          directive: short(`${d.prefix}…`, 60), key, source: s.what!, sourceAt: `${s.p.file}:${s.p.line}`,
          consequence: CONSEQUENCE[d.key ?? ''] ?? (d.key === null ? 'the line goes to cargo, which acts on directives' : 'cargo passes the value on to the compiler or to dependent build scripts'),
        }, severity,
      });
    }
  }
  return out;
}
