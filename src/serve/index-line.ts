import { parse as parseToml } from 'smol-toml';
import { loadRelease } from '../index.js';

/**
 * The sparse-index line of a release published straight to the service (no upstream line exists
 * for it): what crates.io writes at publish, made from the `.crate`'s own `Cargo.toml` as
 * `cargo package` normalises it — dependencies (renamed, optional, per target, build and dev),
 * features (those using `dep:` or `?/` go to `features2` with `"v": 2`, as cargo expects), `links`
 * and `rust-version`. A manifest that cannot be read gives a line without dependencies, so the
 * version is still listed (its state decides whether cargo may use it).
 */
export async function indexLineOf(bytes: Uint8Array, name: string, version: string, cksum: string): Promise<Record<string, unknown>> {
  let pkg: Record<string, unknown> = {};
  let doc: Record<string, unknown> = {};
  try {
    const tree = await loadRelease({ bytes, label: `${name}-${version}.crate` });
    const raw = tree.files.get('Cargo.toml');
    if (raw) {
      doc = parseToml(Buffer.from(raw).toString('utf8')) as Record<string, unknown>;
      pkg = table(doc.package);
    }
  } catch {
    // An unreadable archive or manifest: listed without dependencies; its scan rejects it anyway.
  }
  const deps: IndexDep[] = [];
  const kinds: Array<[string, 'normal' | 'build' | 'dev']> = [['dependencies', 'normal'], ['build-dependencies', 'build'], ['build_dependencies', 'build'], ['dev-dependencies', 'dev'], ['dev_dependencies', 'dev']];
  for (const [key, kind] of kinds) deps.push(...depsOf(table(doc[key]), kind, null));
  for (const [target, t] of Object.entries(table(doc.target))) {
    for (const [key, kind] of kinds) deps.push(...depsOf(table(table(t)[key]), kind, target));
  }
  const features: Record<string, string[]> = {};
  const features2: Record<string, string[]> = {};
  for (const [f, list] of Object.entries(table(doc.features))) {
    const values = Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    (values.some((v) => v.startsWith('dep:') || v.includes('?/')) ? features2 : features)[f] = values;
  }
  const v2 = Object.keys(features2).length > 0;
  return {
    name,
    vers: version,
    deps,
    cksum,
    features,
    ...(v2 ? { features2, v: 2 } : {}),
    yanked: false,
    links: typeof pkg.links === 'string' ? pkg.links : null,
    ...(typeof pkg['rust-version'] === 'string' ? { rust_version: pkg['rust-version'] } : {}),
  };
}

interface IndexDep {
  name: string;
  req: string;
  features: string[];
  optional: boolean;
  default_features: boolean;
  target: string | null;
  kind: 'normal' | 'build' | 'dev';
  registry?: string;
  package?: string;
}

function table(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** One manifest dependency table as index entries; path- or git-only dependencies are not on a registry and are left out, as cargo does. */
function depsOf(t: Record<string, unknown>, kind: IndexDep['kind'], target: string | null): IndexDep[] {
  const out: IndexDep[] = [];
  for (const [key, spec] of Object.entries(t)) {
    if (typeof spec === 'string') {
      out.push({ name: key, req: spec, features: [], optional: false, default_features: true, target, kind });
      continue;
    }
    const s = table(spec);
    if (typeof s.version !== 'string' && (s.path !== undefined || s.git !== undefined)) continue;
    const features = Array.isArray(s.features) ? s.features.filter((x): x is string => typeof x === 'string') : [];
    const defaults = s['default-features'] ?? s.default_features;
    out.push({
      name: key,
      req: typeof s.version === 'string' ? s.version : '*',
      features,
      optional: s.optional === true,
      default_features: defaults !== false,
      target,
      kind,
      ...(typeof s['registry-index'] === 'string' ? { registry: s['registry-index'] } : {}),
      ...(typeof s.package === 'string' && s.package !== key ? { package: s.package } : {}),
    });
  }
  return out;
}
