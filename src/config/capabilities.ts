import type { Finding, rulesFor } from '../index.js';

/**
 * How findings relate to capabilities (rules/capabilities.yaml). A finding carries no capability field,
 * but capability rules (`match.capability`) declare the ones they match and name the matched one in
 * their message (`{capability}`), and the reach rule lists what an entry now reaches (`{capabilities}`). Message text also holds code the crate author
 * wrote (callees, literals, paths), so names are read from it only for rules that always print the real
 * ones: an injected name can then only add to the list, and all of them must be expected to suppress.
 */

/** What the policy layer needs to know about the rule set. */
export interface RuleFacts {
  ids: Set<string>;
  /** Rule id → the capabilities it matches on (`match.capability`), when it is a capability rule. */
  ruleCapabilities: Map<string, string[]>;
  /** Rules whose message names the capabilities involved (a capability placeholder in the template). */
  namesInMessage: Set<string>;
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
    // The reach rule lists what an entry now reaches; capability rules name the one they matched. Other
    // rules that print a capability (far-jump-call, generated build code) are about how it is reached.
    namesInMessage: new Set(
      set.rules
        .filter((r) => /\{(capability|capabilities)\}/.test(r.spec.message) && (r.spec.match.capability !== undefined || r.spec.match.analyzer === 'reach-delta'))
        .map((r) => r.spec.id),
    ),
    capabilityNames: new Set([...set.catalogue.paths.values(), ...set.catalogue.methods.values(), ...set.catalogue.symbols.values(), ...set.catalogue.syscalls.names.values()]),
  };
  cache.set(set, facts);
  return facts;
}

/**
 * The capabilities a finding is about (empty: not a capability finding, which expected capabilities never
 * excuse). Findings of code that runs at build time, and critical ones (the rules make a capability use
 * critical when it runs in the compiler or hides behind a renamed dependency), are not about a use the
 * crate is expected to make, so they have none here.
 */
export function findingCapabilities(f: Finding, facts: RuleFacts): string[] {
  if (f.severity === 'critical' || f.role === 'build' || f.role === 'proc-macro') return [];
  const declared = facts.ruleCapabilities.get(f.ruleId);
  if (facts.namesInMessage.has(f.ruleId)) {
    const named = new Set<string>();
    for (const m of f.message.matchAll(/[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+/g)) {
      if (facts.capabilityNames.has(m[0]) && (!declared || declared.some((d) => matchesCapability(m[0], d)))) named.add(m[0]);
    }
    if (named.size > 0) return [...named].sort();
  }
  return declared ?? [];
}

/**
 * Capabilities that are a weakness in themselves, not a use of an area: a crate expected to talk to the
 * network is not thereby expected to turn TLS verification off. A wildcard or an area name never covers
 * them; they must be named.
 */
export const NAMED_ONLY = new Set(['network.tls-insecure']);

/** `network.*` and `network` cover `network.http`; `*` covers everything; otherwise the name itself (see NAMED_ONLY). */
export function matchesCapability(cap: string, pattern: string): boolean {
  if (cap === pattern) return true;
  if (NAMED_ONLY.has(cap)) return false;
  if (pattern === '*') return true;
  const p = pattern.endsWith('.*') ? pattern.slice(0, -2) : pattern;
  return cap === p || cap.startsWith(`${p}.`);
}
