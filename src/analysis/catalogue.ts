/** The capability catalogue: Rust paths and method names mapped to capability names. */
export interface Catalogue {
  paths: Map<string, string>;
  methods: Map<string, string>;
}

/** The capability of a fully resolved path: its longest catalogued prefix. */
export function capabilityOfPath(cat: Catalogue, full: string): string | undefined {
  let p = full;
  for (;;) {
    const c = cat.paths.get(p);
    if (c !== undefined) return c;
    const i = p.lastIndexOf('::');
    if (i < 0) return undefined;
    p = p.slice(0, i);
  }
}

/** True when capability `cap` falls under `pattern` (`network` covers `network.http`). */
export function capMatches(cap: string, pattern: string): boolean {
  return cap === pattern || cap.startsWith(`${pattern}.`);
}
