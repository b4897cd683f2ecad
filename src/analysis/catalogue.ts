import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/** The capability catalogue: Rust paths and method names mapped to capability names. */
export interface Catalogue {
  paths: Map<string, string>;
  methods: Map<string, string>;
}

/** Loads `capabilities.yaml` from a rules folder. */
export function loadCatalogue(rulesDir: string): Catalogue {
  const file = path.join(rulesDir, 'capabilities.yaml');
  const doc = YAML.parse(readFileSync(file, 'utf8')) as { paths?: Record<string, string>; methods?: Record<string, string> };
  const paths = new Map<string, string>();
  for (const [k, v] of Object.entries(doc.paths ?? {})) {
    if (typeof v !== 'string') throw new Error(`${file}: paths.${k} must name a capability`);
    paths.set(k, v);
  }
  const methods = new Map<string, string>();
  for (const [k, v] of Object.entries(doc.methods ?? {})) {
    if (typeof v !== 'string') throw new Error(`${file}: methods.${k} must name a capability`);
    methods.set(k, v);
  }
  return { paths, methods };
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
