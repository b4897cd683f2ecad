import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import type { Severity, TraceHop } from '../../contract/finding.js';
import { siteMatch, short } from './util.js';

const PAYLOAD_CAPS = ['network', 'process', 'fs.write', 'fs.delete', 'fs.permissions', 'ffi', 'unsafe', 'decode', 'env.read-all', 'mem'];
// Reading the whole environment alone sends nothing (secret-exfiltration judges it with its sink): middling here.
const STRONG = ['network', 'process', 'ffi.dlopen', 'ffi.mprotect', 'fs.delete', 'registry.write'];
const MIDDLING = ['fs.write', 'fs.permissions', 'decode', 'ffi.extern', 'ffi.mmap', 'env.read-all'];
// Unanchored on purpose: `#[cfg_attr(all(), link_section = ".init_array")]` must match too.
const CTOR_ATTR = /(?:^|[(,]\s*)(ctor|dtor|ctor::ctor|ctor::dtor)\b|link_section\s*=\s*"(\.init_array|\.ctors|\.CRT\$XC|__DATA,__mod_init_func|\.fini_array)/;

/**
 * A small change to an existing, public or widely called function whose new call leads into new or
 * far-away code that reaches a dangerous capability: the "one-line hook, payload elsewhere" pattern.
 */
export function farJumpAnalyzer(ctx: ScanContext, rule: CompiledRule): Match[] {
  const maxStmts = Number(rule.spec.match.params?.maxAddedStatements ?? 3);
  const minCallers = Number(rule.spec.match.params?.minCallers ?? 3);
  const g = ctx.newGraph;
  const out: Match[] = [];
  for (const ch of ctx.delta.items) {
    if (ch.status !== 'changed' || !ch.newRef) continue;
    const { file, item } = ch.newRef;
    const isData = item.kind === 'static' || item.kind === 'const';
    if ((item.kind !== 'fn' && !isData) || !ctx.isProduct(file, item.id)) continue;
    if (ch.addedStmts.length > maxStmts) continue;
    let entry = g.entries.get(ch.key);
    const callers = g.callers.get(ch.key) ?? 0;
    // A table of function pointers is as exposed as the functions that read it.
    let via: { from: string; file: string; line: number } | null = null;
    if (isData) {
      const user = (g.reverse().get(ch.key) ?? []).find((e) => g.entries.has(e.from));
      if (user) {
        entry = g.entries.get(user.from);
        via = { from: user.from, file: user.file, line: user.line };
      }
    }
    if (!entry && callers < minCallers) continue;
    for (const e of g.edges.get(ch.key) ?? []) {
      if (!ctx.isNew(file.path, e.site)) continue;
      const target = ctx.delta.new.items.get(e.to);
      if (!target) continue;
      const tChange = ctx.delta.itemByKey.get(e.to);
      const targetNew = tChange?.status === 'added';
      const otherFile = target.file.path !== file.path;
      const newFile = ctx.delta.fileByPath.get(target.file.path)?.status === 'added';
      const viaValue = e.kind === 'value';
      const reached = ctx.reachedCaps(e.to, PAYLOAD_CAPS);
      if (reached.length === 0) continue;
      // The payload must be in code this release adds or changes: an old helper that always did this is not a jump.
      const fresh = reached.filter((r) => {
        const hc = ctx.delta.itemByKey.get(r.holder);
        return hc?.status === 'added' || ctx.isNew(r.cap.file, r.cap.site);
      });
      if (fresh.length === 0) continue;
      const far = otherFile || targetNew || newFile || viaValue || fresh[0].trace.length > 2;
      if (!far) continue;
      // A build script runs whole at compile time and is read whole; a helper inside it hides nothing.
      if (file.role === 'build' && fresh.every((r) => r.cap.file === file.path)) continue;
      const strong = fresh
        .filter((r) => STRONG.some((p) => r.cap.cap === p || r.cap.cap.startsWith(`${p}.`)))
        .sort((a, b) => STRONG.findIndex((p) => a.cap.cap.startsWith(p)) - STRONG.findIndex((p) => b.cap.cap.startsWith(p)));
      const middling = fresh.filter((r) => MIDDLING.some((p) => r.cap.cap === p || r.cap.cap.startsWith(`${p}.`)));
      const best = strong[0] ?? middling[0] ?? fresh[0];
      // Unsafe code or raw memory alone behind a new call is what refactorings of SIMD paths look like.
      let severity: Severity = strong.length > 0 ? 'high' : middling.length > 0 ? 'medium' : 'low';
      if (strong.length > 0 && (newFile || targetNew) && (entry === 'public' || entry === 'implicit' || entry === 'build' || entry === 'proc-macro')) {
        // A capability the old release's run-time code already used, reached from its entry points,
        // is the crate's own job (an HTTP client connecting a new kind of socket): still high,
        // reviewed, but not a block by itself. A capability new to the crate's run-time code (a
        // logger that now runs a process; one only its build script or an uncalled helper used)
        // stays critical.
        severity = strong.every((r) => ctx.hadAtRuntime(r.cap.cap)) ? 'high' : 'critical';
      }
      const trace: TraceHop[] = [
        ...(via ? [{ item: via.from, file: via.file, line: via.line }] : []),
        { item: ch.key, file: file.path, line: file.facts.sites[e.site].line },
        ...best.trace,
      ];
      const distance = [newFile ? 'a file new in this release' : otherFile ? `another file (${target.file.path})` : '', targetNew ? 'a function new in this release' : '', viaValue ? 'a function pointer' : '']
        .filter(Boolean)
        .join(', ');
      out.push(
        siteMatch(ctx, file, e.site, {
          caller: ch.key, entry: via ? `read by ${entry} ${via.from}` : entry ?? `${callers} callers`, target: e.to, distance: distance || `${best.trace.length} calls away`,
          capability: [...new Set([best, ...strong, ...middling, ...fresh].map((r) => r.cap.cap))].slice(0, 4).join(', '),
          capCall: short(best.cap.resolved, 60), stmts: String(ch.addedStmts.length),
        }, { trace, severity }),
      );
    }
  }
  return out;
}

const IMPLICIT = new Set(['Drop', 'Deref', 'DerefMut', 'Display', 'Debug', 'Default', 'Clone', 'Iterator', 'AsRef', 'PartialEq', 'Hash']);

/**
 * New functions that run without any visible call: static constructors, linker-section
 * initializers, and new `Drop` / `Display` / `Deref`... impls that reach dangerous capabilities.
 */
export function staticCtorAnalyzer(ctx: ScanContext): Match[] {
  const out: Match[] = [];
  for (const ch of ctx.delta.items) {
    if (ch.status !== 'added' && ch.status !== 'changed') continue;
    const ref = ch.newRef!;
    const tr = ref.item.trait?.split('::').pop();
    if (ref.item.kind === 'fn' && tr && IMPLICIT.has(tr) && ch.status === 'added' && ctx.isProduct(ref.file, ref.item.id)) {
      const strong = ctx.reachedCaps(ch.key, STRONG)[0];
      if (strong) {
        out.push({
          file: ref.file.path, line: ref.item.span.line, column: 1, endLine: ref.item.span.line, role: ref.file.role, item: ch.key, text: tr,
          data: { attr: `a new impl ${tr} for ${ref.item.selfType ?? '?'}, which the compiler calls implicitly`, reaches: ` and reaches ${strong.cap.cap} (${short(strong.cap.resolved, 50)})` },
          // A payload added elsewhere in this release behind a call the compiler makes: a far jump.
          severity: strong.cap.file !== ref.file.path && ctx.delta.itemByKey.get(strong.holder)?.status === 'added' ? 'critical' : 'high', trace: strong.trace,
        });
      }
      continue;
    }
    const attr = ref.item.attrs.find((a) => CTOR_ATTR.test(a));
    if (!attr) continue;
    const oldAttr = ch.oldRef?.item.attrs.find((a) => CTOR_ATTR.test(a));
    if (oldAttr && ch.status === 'changed' && ctx.reachedCaps(ch.key, PAYLOAD_CAPS).every((r) => !ctx.isNew(r.cap.file, r.cap.site))) continue;
    const reached = ctx.reachedCaps(ch.key, PAYLOAD_CAPS);
    const strong = reached.find((r) => STRONG.some((p) => r.cap.cap === p || r.cap.cap.startsWith(`${p}.`)));
    const line = ref.item.span.line;
    out.push({
      file: ref.file.path, line, column: 1, endLine: line, role: ref.file.role, item: ch.key, text: attr,
      data: { attr: `#[${short(attr, 60)}]`, reaches: strong ? ` and reaches ${strong.cap.cap} (${short(strong.cap.resolved, 50)})` : reached[0] ? ` and reaches ${reached[0].cap.cap}` : '' },
      severity: strong ? 'critical' : 'high',
      trace: strong?.trace ?? reached[0]?.trace,
    });
  }
  return out;
}
