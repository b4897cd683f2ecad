import { capMatches } from '../../analysis/catalogue.js';
import type { ScanContext, NewSite } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { magicOf, short, siteMatch } from './util.js';

/** Build-script output lines that steer the linker (both the `cargo:` and the `cargo::` spelling). */
const LINK_DIRECTIVE = /\bcargo::?(rustc-link-lib|rustc-link-search|rustc-link-arg(?:-(?:bins?|tests|examples|benches|cdylib))?|rustc-cdylib-link-arg)=([^\s"]*)/;
/** Linkable files: static archives, objects, shared libraries. */
const LINKABLE_EXT = /\.(a|o|obj|lib|so(\.\d+)*|dylib|dll|rlib)$/i;

interface Shipped {
  path: string;
  kind: string;
  executable: boolean;
}

const shippedCache = new WeakMap<ScanContext, Shipped[]>();

/** Files of the new release that are native code: archives, objects, libraries, executables. */
function shippedNative(ctx: ScanContext): Shipped[] {
  let out = shippedCache.get(ctx);
  if (out) return out;
  out = [];
  for (const p of ctx.delta.new.binaries) {
    // Each directive is matched against every listed file: a crate of thousands of blobs names few of them.
    if (out.length >= 500) break;
    const bytes = ctx.delta.new.tree.files.get(p);
    if (!bytes) continue;
    const m = magicOf(bytes);
    if (m?.executable || LINKABLE_EXT.test(p)) out.push({ path: p, kind: m?.kind ?? 'native library', executable: m?.executable ?? false });
  }
  shippedCache.set(ctx, out);
  return out;
}

/** A shipped file the text names: by path, by folder, or by the library name a `-l` flag would look for. */
function namedFile(text: string, files: Shipped[], libName?: string): Shipped | undefined {
  return files.find((f) => {
    const base = f.path.split('/').pop()!;
    const dir = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '';
    if (text.includes(f.path) || text.includes(base)) return true;
    if (dir && new RegExp(`(^|[/="'\\s])${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/?($|["'\\s}])`).test(text)) return true;
    if (libName) {
      const stem = base.replace(/^lib/, '').replace(/\.(a|lib|so(\.\d+)*|dylib|dll|o|obj)$/i, '');
      return stem === libName;
    }
    return false;
  });
}

/** True when a path in a build script points inside the crate: its manifest folder or a relative path. */
function intoCrate(text: string): boolean {
  return /CARGO_MANIFEST_DIR|current_dir\(\)|(?:^|[=,:\s])(?:\.{1,2}\/|[\w-][\w.-]*\/)/.test(text);
}

/**
 * Native code at build time. `check: link`: build-script output that steers the linker
 * (`cargo:rustc-link-lib`, `-search`, `-arg`, `rustc-cdylib-link-arg`), graded by whether it points
 * into the crate next to an archive or object file the crate ships. `check: exec`: a build script or
 * proc-macro that starts a program the crate ships (serde_derive 1.0.172's precompiled binary).
 */
export function nativeBuildAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const check = String(rule.spec.match.params?.check ?? 'link');
  return check === 'exec' ? execShipped(ctx) : linkDirectives(ctx);
}

/** True when the old release's build script already printed link directives and the old crate shipped native code. */
function linkedShippedBefore(ctx: ScanContext): boolean {
  const old = ctx.delta.old;
  const bp = old.buildPath ? old.rust.get(old.buildPath) : undefined;
  if (!bp || !bp.facts.sites.some((s) => s.kind === 'string' && LINK_DIRECTIVE.test(s.text))) return false;
  return [...old.binaries].some((p) => LINKABLE_EXT.test(p) || magicOf(old.tree.files.get(p) ?? new Uint8Array())?.executable === true);
}

function linkDirectives(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  const shipped = shippedNative(ctx);
  // A crate that already linked native code it ships (import libraries of a -sys crate for one more
  // target) is extending its own job.
  const before = shipped.length > 0 && linkedShippedBefore(ctx);
  for (const ns of ctx.newSitesOfKind('string')) {
    if (ns.file.role !== 'build') continue;
    const m = LINK_DIRECTIVE.exec(ns.site.text);
    if (!m) continue;
    const [, key, value] = m;
    // The statement and the function around the directive decide where a `{}` placeholder points.
    const stmt = ctx.snippet(ns.file.path, ns.site.line, ns.site.endLine);
    const fnText = ctx.itemText(ns.itemKey);
    const libName = key === 'rustc-link-lib' ? value.replace(/^(static|dylib|framework|link-arg)(:[^=]*)?=/, '').split(':')[0] : undefined;
    const pointsIn = intoCrate(value) || intoCrate(stmt);
    // Named in the directive itself (by folder, file or library name), or in a function that points into the crate.
    const file = namedFile(`${value} ${stmt}`, shipped, libName) ?? (pointsIn || /CARGO_MANIFEST_DIR/.test(fnText) ? namedFile(fnText, shipped) : undefined);
    const pkg = /\b(pkg_config|vcpkg|system_deps|cmake|cc::Build|metadeps)\b/.test(fnText);
    let severity: Match['severity'];
    let what: string;
    if (file) {
      severity = 'critical';
      what = `, next to ${file.path} (${file.kind}) shipped in the crate: prebuilt native code no one can review is linked into every program that uses it`;
    } else if (pointsIn && shipped.length > 0) {
      severity = 'high';
      what = ` into the crate, which ships native code (${shipped[0].path})`;
    } else if (pointsIn && key !== 'rustc-link-lib') {
      severity = 'medium';
      what = ' into the crate';
    } else {
      severity = pkg ? 'info' : 'low';
      what = pkg ? ' (the library is found by a build tool or pkg-config)' : '';
    }
    if (before && severity !== 'info') {
      severity = 'low';
      what += '; the previous release already linked native code shipped in the crate';
    }
    out.push(siteMatch(ctx, ns.file, ns.index, { directive: short(m[0], 80), key, what, grade: severity }, { severity }));
  }
  return out;
}

function execShipped(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  const exes = shippedNative(ctx).filter((f) => f.executable);
  const seen = new Set<string>();
  const spawns: NewSite[] = ctx.newCapabilitySites().filter((ns) => {
    if (ns.file.role !== 'build' && ns.file.role !== 'proc-macro') return false;
    const hit = ctx.newGraph.resolver.capOf(ns.file, ns.index);
    return !!hit && capMatches(hit.cap, 'process.spawn');
  });
  for (const ns of spawns) {
    const fnText = ctx.itemText(ns.itemKey);
    const stmt = ctx.snippet(ns.file.path, ns.site.line, ns.site.endLine);
    // The program may be named in the statement, the function, or in a constant the function uses.
    let file = namedFile(`${ns.site.args ?? ''} ${stmt} ${fnText}`, exes);
    if (!file && ns.itemKey) {
      for (const e of ctx.newGraph.edges.get(ns.itemKey) ?? []) {
        const t = ctx.delta.new.items.get(e.to);
        if (t && (t.item.kind === 'const' || t.item.kind === 'static')) file = namedFile(ctx.itemText(e.to), exes);
        if (file) break;
      }
    }
    const manifestDir = /CARGO_MANIFEST_DIR/.test(`${ns.site.args ?? ''} ${fnText}`);
    if (!file && !(manifestDir && exes.length > 0)) continue;
    const key = `${ns.file.path}|${ns.site.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const target = file ?? exes[0];
    out.push(siteMatch(ctx, ns.file, ns.index, { callee: ns.site.text, args: short(ns.site.args ?? '', 60), shipped: target.path, kind: target.kind, when: ns.file.role === 'build' ? 'The build script' : 'The proc-macro' }, { severity: file ? 'critical' : 'high' }));
  }
  return out;
}
