import type { ReleaseView, RustFile } from '../diff/types.js';
import type { Site } from '../parse/types.js';
import { asmSyscalls, lineStart, macroText } from './asm.js';
import type { Catalogue } from './catalogue.js';
import type { DeclaredCap } from './graph.js';
import { asmHit, type PlatformHit } from './platform.js';

/** A foreign function or static the crate declares, with the capability of the symbol it names. */
export interface ForeignDecl {
  key: string;
  /** The C symbol (`#[link_name]` when given, else the Rust name). */
  cName: string;
  cap: string;
  /** Set when the symbol is a label of the crate's own `global_asm!` that makes a system call. */
  asm?: PlatformHit;
}

const GLOBAL_ASM = /^(?:(?:std|core)::arch::)?global_asm$/;

/** Labels of the crate's `global_asm!` blocks that make system calls, with the most dangerous call under each. */
function asmLabels(view: ReleaseView, cat: Catalogue): Map<string, PlatformHit> {
  const out = new Map<string, PlatformHit>();
  for (const file of view.rust.values()) {
    for (const s of file.facts.sites) {
      if (s.kind !== 'macro' || !GLOBAL_ASM.test(s.text)) continue;
      const byLabel = new Map<string, ReturnType<typeof asmSyscalls>>();
      for (const c of asmSyscalls(macroText(file, s.line, s.column))) {
        if (!c.label) continue;
        const l = byLabel.get(c.label);
        if (l) l.push(c);
        else byLabel.set(c.label, [c]);
      }
      for (const [label, calls] of byLabel) {
        const hit = asmHit(cat, calls, s.text);
        if (hit) out.set(label, hit);
      }
    }
  }
  return out;
}

/**
 * The crate's own `extern { fn system(); static environ: …; }` declarations that name a catalogued C
 * or Win32 symbol, or a `global_asm!` label that makes a system call, by Rust name. Each one's
 * capability is also recorded in `declared` (what the crate declares, used or not).
 */
export function foreignDeclarations(view: ReleaseView, cat: Catalogue, declared: Map<string, DeclaredCap[]>): Map<string, ForeignDecl[]> {
  const out = new Map<string, ForeignDecl[]>();
  let labels: Map<string, PlatformHit> | undefined;
  for (const ref of view.items.values()) {
    const it = ref.item;
    if (!it.foreign || (it.kind !== 'fn' && it.kind !== 'static')) continue;
    labels ??= asmLabels(view, cat);
    const linkName = it.attrs.map((a) => /^link_name\s*=\s*"([^"]+)"/.exec(a)?.[1]).find(Boolean);
    const cName = linkName ?? it.name;
    const asm = labels.get(cName) ?? labels.get(cName.replace(/^_/, ''));
    const cap = asm?.cap ?? cat.symbols.get(cName);
    if (!cap) continue;
    const decl: ForeignDecl = { key: ref.key, cName, cap, ...(asm ? { asm } : {}) };
    const l = out.get(it.name);
    if (l) l.push(decl);
    else out.set(it.name, [decl]);
    const resolved = asm ? `extern fn ${cName} → ${asm.resolved}` : `extern fn ${cName}`;
    declared.set(ref.key, [{ cap, resolved, file: ref.file.path, line: it.span.line }]);
  }
  return out;
}

/** True when the name at a site is preceded by `fn` (a function being defined, as in a macro body). */
export function definesFn(file: RustFile, s: Site): boolean {
  const start = lineStart(file, s.line);
  if (start < 0) return false;
  const before = file.text.slice(Math.max(start, start + s.column - 1 - 40), start + s.column - 1);
  return /\bfn\s+$/.test(before);
}
