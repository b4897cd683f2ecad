import type { Finding, rulesFor } from '../index.js';

/**
 * How findings relate to capabilities (rules/capabilities.yaml). A finding carries no capability field:
 * capability rules (`match.capability`) name the one they matched in their message (`({capability})`),
 * and the reach rule lists the capabilities an entry now reaches. So a finding's capabilities are the
 * catalogue's capability names its message mentions, else the capabilities its rule matches on.
 */

/** What the policy layer needs to know about the rule set. */
export interface RuleFacts {
  ids: Set<string>;
  /** Rule id → the capabilities it matches on (`match.capability`), when it is a capability rule. */
  ruleCapabilities: Map<string, string[]>;
  /** Every capability name the catalogue can produce. */
  capabilityNames: Set<string>;
}

const cache = new WeakMap<object, RuleFacts>();

/** Extracts the facts from a loaded rule set (cached per set). */
export function ruleFacts(set: ReturnType<typeof rulesFor>): RuleFacts {
  const hit = cache.get(set);
  if (hit) return hit;
  const facts: RuleFacts = {
    ids: new Set(set.rules.map((r) => r.spec.id)),
    ruleCapabilities: new Map(set.rules.flatMap((r) => (r.spec.match.capability ? [[r.spec.id, r.spec.match.capability] as [string, string[]]] : []))),
    capabilityNames: new Set([...set.catalogue.paths.values(), ...set.catalogue.methods.values()]),
  };
  cache.set(set, facts);
  return facts;
}

/** The capabilities a finding is about (empty: not a capability finding). */
export function findingCapabilities(f: Finding, facts: RuleFacts): string[] {
  const named = new Set<string>();
  for (const m of f.message.matchAll(/[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+/g)) if (facts.capabilityNames.has(m[0])) named.add(m[0]);
  if (named.size > 0) return [...named].sort();
  return facts.ruleCapabilities.get(f.ruleId) ?? [];
}

/** `network.*` and `network` cover `network.http`; `*` covers everything; otherwise the name itself. */
export function matchesCapability(cap: string, pattern: string): boolean {
  if (pattern === '*') return true;
  const p = pattern.endsWith('.*') ? pattern.slice(0, -2) : pattern;
  return cap === p || cap.startsWith(`${p}.`);
}
