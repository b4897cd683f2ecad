import semver from 'semver';
import { BUILTIN_CRITERIA, cargoReqToRange, isBuiltinCriteria, type Audits, type AuditSet, type VetAudit } from './vet.js';
import { own as at } from './dict.js';

/**
 * Decides whether a release (or the delta from the release in use to it) is covered by cargo-vet audits,
 * with cargo-vet's semantics: a version is vetted when audited deltas lead to it from a fully audited
 * version (or an exempted or trusted one). In a delta review the old release is already in use, so audited
 * deltas may also start from it — which is what makes an audit of exactly `OLD -> NEW` approve the bump.
 * Crate and criteria names are looked up as own keys only (`at`): `constructor` is a name, not a member.
 */

export interface AuditCheck {
  /** Parties whose audits alone approve it (`own`, import names), or those of a mixed chain; empty: not approved. */
  approvedBy: string[];
  /** How it was approved, for the report: "0.1.0 (full, own) -> 0.1.1 (delta, mozilla)". */
  path: string | null;
  /** Violations whose range covers the new version. */
  violations: Array<{ party: string; range: string; criteria: string[]; notes?: string }>;
}

/** The criteria an audit certifies, in our namespace, with everything they imply. */
function certified(set: AuditSet, own: AuditSet | undefined, criteria: string[]): Set<string> {
  const theirs = new Set<string>();
  const expand = (c: string, defs: Record<string, string[]>, into: Set<string>) => {
    const stack = [c];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (into.has(x)) continue;
      into.add(x);
      stack.push(...(at(defs, x) ?? []), ...(at(BUILTIN_CRITERIA, x) ?? []));
    }
  };
  for (const c of criteria) expand(c, set.criteria, theirs);
  if (set.name === 'own') return theirs;
  // A foreign party's custom criteria mean nothing here unless config.toml maps them; built-ins keep their meaning.
  const ours = new Set<string>();
  for (const c of theirs) {
    if (isBuiltinCriteria(c)) expand(c, own?.criteria ?? {}, ours);
    for (const mapped of at(set.criteriaMap, c) ?? []) expand(mapped, own?.criteria ?? {}, ours);
  }
  return ours;
}

const key = (v: string) => semver.valid(v) ?? v;

interface Edge {
  from: string | null;
  to: string;
  party: string;
  kind: 'full' | 'delta' | 'exemption' | 'trusted';
}

function edgesFor(audits: Audits, name: string, required: string): Edge[] {
  const own = audits.sets.find((s) => s.name === 'own');
  const edges: Edge[] = [];
  const pubs = at(audits.publishers, name) ?? [];
  for (const set of audits.sets) {
    for (const a of at(set.audits, name) ?? ([] as VetAudit[])) {
      if (a.violation !== undefined || !certified(set, own, a.criteria).has(required)) continue;
      if (a.version) edges.push({ from: null, to: key(a.version), party: set.name, kind: 'full' });
      if (a.delta) edges.push({ from: key(a.delta.from), to: key(a.delta.to), party: set.name, kind: 'delta' });
    }
    // Trusted and wildcard entries cover the versions the named user published inside the window.
    for (const t of at(set.trusted, name) ?? []) {
      if (!certified(set, own, t.criteria).has(required)) continue;
      for (const p of pubs) {
        if (t.userId !== null && p.userId === t.userId && p.when >= t.start && p.when <= t.end) edges.push({ from: null, to: key(p.version), party: set.name, kind: 'trusted' });
      }
    }
  }
  for (const e of at(audits.exemptions, name) ?? []) {
    // An exemption without criteria is for the default criteria (safe-to-deploy).
    const crit = e.criteria.length > 0 ? e.criteria : ['safe-to-deploy'];
    if (own ? certified(own, own, crit).has(required) : crit.includes(required)) edges.push({ from: null, to: key(e.version), party: 'own', kind: 'exemption' });
  }
  return edges;
}

/** Breadth-first search from the roots over the edges; returns the edges used to reach `target`. */
function reach(edges: Edge[], start: string | null, target: string): Edge[] | null {
  const via = new Map<string, Edge | null>();
  const queue: string[] = [];
  const visit = (v: string, e: Edge | null) => {
    if (via.has(v)) return;
    via.set(v, e);
    queue.push(v);
  };
  if (start !== null) visit(start, null);
  for (const e of edges) if (e.from === null) visit(e.to, e);
  while (queue.length > 0) {
    const v = queue.shift()!;
    if (v === target) break;
    for (const e of edges) if (e.from === v) visit(e.to, e);
  }
  if (!via.has(target)) return null;
  const used: Edge[] = [];
  for (let e = via.get(target) ?? null; e; e = e.from === null ? null : (via.get(e.from) ?? null)) used.unshift(e);
  return used;
}

/**
 * Checks `name` at `newVersion` (reached from `oldVersion`, or a first release when null) against the
 * audits for the `required` criteria.
 */
export function checkAudits(audits: Audits, name: string, oldVersion: string | null, newVersion: string, required: string): AuditCheck {
  const violations: AuditCheck['violations'] = [];
  for (const set of audits.sets) {
    for (const a of at(set.audits, name) ?? []) {
      if (a.violation === undefined) continue;
      const range = cargoReqToRange(a.violation);
      if (range && semver.satisfies(newVersion, range, { includePrerelease: true })) violations.push({ party: set.name, range: a.violation, criteria: a.criteria, notes: a.notes });
    }
  }
  const edges = edgesFor(audits, name, required);
  const target = key(newVersion);
  const start = oldVersion === null ? null : key(oldVersion);
  const describe = (used: Edge[]) =>
    used.length === 0 ? `${start} (the release in use) is the release reviewed` : `${used[0].from ?? ''}${used[0].from ? ' -> ' : ''}${used.map((e) => `${e.to} (${e.kind}, ${e.party})`).join(' -> ')}`;
  const parties = [...new Set(edges.map((e) => e.party))];
  const alone: string[] = [];
  let firstPath: string | null = null;
  for (const p of parties) {
    const used = reach(edges.filter((e) => e.party === p), start, target);
    if (used && (used.length > 0 || start !== target)) {
      alone.push(p);
      firstPath ??= describe(used);
    }
  }
  if (alone.length > 0) return { approvedBy: sortParties(alone), path: firstPath, violations };
  const mixed = reach(edges, start, target);
  if (mixed && mixed.length > 0) return { approvedBy: sortParties([...new Set(mixed.map((e) => e.party))]), path: describe(mixed), violations };
  return { approvedBy: [], path: null, violations };
}

/** `own` first, then imports alphabetically. */
const sortParties = (ps: string[]) => [...ps].sort((a, b) => (a === 'own' ? -1 : b === 'own' ? 1 : a.localeCompare(b)));
