import type { RustFile } from '../diff/types.js';
import { sitesByItem } from '../diff/index.js';
import { asmSyscalls, macroText, syscallName, type AsmSyscall } from './asm.js';
import { capabilityOfPath, opensFile, type Catalogue } from './catalogue.js';

/**
 * What a platform call does depends on its arguments as much as on its name: a file opener writes or
 * only reads, `dlsym(h, "system")` is as good as calling `system`, and `syscall(SYS_execve, …)` or an
 * `asm!` `syscall` instruction is `execve`. This module reads those arguments at the site (literals
 * only) and gives the site the capability of what it really calls.
 */

/** A capability at a site and what it resolved to (the shape of resolve.ts's CapHit). */
export interface PlatformHit {
  cap: string;
  resolved: string;
}

/** Architectures a bare system call number is read on when the code does not say (by `cfg`). */
const NUMBER_ARCHES = ['x86_64', 'aarch64'];

/** Capability areas from most to least dangerous, for picking one when a site may mean several. */
const RANK = ['process.inject', 'process', 'network', 'ffi.mprotect', 'ffi.dlopen', 'registry', 'fs.delete', 'fs.permissions', 'fs.write', 'env.read-all', 'ffi', 'syscall', 'env', 'host', 'fs', 'random', 'time'];
const rank = (cap: string) => {
  const i = RANK.findIndex((p) => cap === p || cap.startsWith(`${p}.`));
  return i < 0 ? RANK.length : i;
};

/** Functions that look a symbol up by name in a loaded library. */
const LOOKUP = new Set(['dlsym', 'dlvsym', 'GetProcAddress', 'LdrGetProcedureAddress']);

/**
 * Capabilities a looked-up symbol passes on to the lookup: those more dangerous than loading code
 * itself. A lookup of `getrandom` or `open` stays a dynamic-loading site.
 */
const LOOKUP_NEARBY = /^(process|network|ffi\.mprotect|registry)/;

/** Open flags asking for writing: POSIX, nix (`OFlag::O_WRONLY`), rustix (`OFlags::WRONLY`), Win32 CreateFile. */
const WRITE_FLAGS = /\b(?:O_)?(?:WRONLY|RDWR|CREAT|CREATE|TRUNC|APPEND|TMPFILE)\b|\bGENERIC_(?:WRITE|ALL)\b|\bFILE_(?:GENERIC_WRITE|WRITE_DATA|APPEND_DATA|ALL_ACCESS)\b|\b(?:CREATE_ALWAYS|CREATE_NEW|OPEN_ALWAYS|TRUNCATE_EXISTING)\b/;

/** Builder calls that make an `OpenOptions` write: `.write(true)`, `.append(true)`, `.create(true)`… */
const WRITE_METHODS = new Set(['write', 'append', 'create', 'create_new', 'truncate']);
const BUILDER_FLAGS = new Set(['custom_flags', 'access_mode']);

/** The top-level, comma-separated arguments of a call's argument text `(a, f(b, c))` (at most `max`). */
export function callArgs(args: string | undefined, max = 4): string[] {
  const a = (args ?? '').trim().replace(/^\(/, '').replace(/\)$/, '');
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  let inStr = false;
  for (let i = 0; i < a.length && out.length < max; i++) {
    const c = a[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') depth--;
    else if (c === ',' && depth === 0) {
      out.push(a.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (out.length < max && a.slice(start).trim()) out.push(a.slice(start).trim());
  return out;
}

/** String literal contents in a piece of code (`c"system"`, `b"WinExec\0"`, `s!("x")`), trailing NULs removed. */
function literals(code: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (out.length < 8) {
    const q = code.indexOf('"', i);
    if (q < 0) break;
    let j = q + 1;
    let body = '';
    for (; j < code.length && code[j] !== '"'; j++) {
      if (code[j] !== '\\') body += code[j];
      else if (code[j + 1] === '0') {
        body += '\0';
        j++;
      } else if (code.startsWith('x00', j + 1)) {
        body += '\0';
        j += 3;
      } else body += code[++j] ?? '';
    }
    out.push(body.replace(/\0+$/, ''));
    i = j + 1;
  }
  return out;
}

/** The `cfg(target_arch = "…")` of the item a site is in (or of its parents), if any. */
function itemArch(file: RustFile, item: number): string | undefined {
  for (let i = item, guard = 0; i >= 0 && guard < 32; i = file.facts.items[i].parent, guard++) {
    for (const a of file.facts.items[i].attrs) {
      const m = /^cfg\s*\(\s*target_arch\s*=\s*"(\w+)"\s*\)$/.exec(a);
      if (m) return m[1];
    }
  }
  return undefined;
}

/** The capability and description of a system call given by name or by number (read on `arches`). */
function syscallOf(cat: Catalogue, v: { number?: number; name?: string }, arches: string[], via: string, args?: string): PlatformHit | undefined {
  const capOfName = (n: string) => {
    const c = cat.syscalls.names.get(n);
    // `open`/`openat` by system call: the flags decide, as for the C function.
    return c === 'fs.read' && cat.opens.has(n) && WRITE_FLAGS.test(args ?? '') ? 'fs.write' : c;
  };
  if (v.name !== undefined) {
    const cap = capOfName(v.name);
    return cap ? { cap, resolved: `syscall(SYS_${v.name}) ${via}` } : undefined;
  }
  if (v.number === undefined) return { cap: 'syscall.raw', resolved: `syscall(number not literal) ${via}` };
  const n = v.number;
  const read = arches.map((arch) => ({ arch, name: syscallName(cat, arch, n) }));
  const caps = read.map((r) => (r.name ? capOfName(r.name) : undefined)).filter((c): c is string => c !== undefined);
  const desc = read.map((r) => `${r.name ?? 'unknown'} on ${r.arch}`).join(', ');
  if (caps.length > 0) return { cap: caps.sort((a, b) => rank(a) - rank(b))[0], resolved: `syscall(${n}: ${desc}) ${via}` };
  // A number no table knows on any architecture read is a call nothing here can name.
  if (read.every((r) => r.name === undefined)) return { cap: 'syscall.raw', resolved: `syscall(${n}: ${desc}) ${via}` };
  return undefined;
}

/** A system call's number as written: `libc::SYS_execve`, `SYS_execve`, `Sysno::execve`, `nr::EXECVE`, `59`, `0x3b`. */
function syscallArg(cat: Catalogue, expr: string): { number?: number; name?: string } {
  const t = expr.trim().replace(/\s+as\s+[\w:]+$/, '').replace(/^\(|\)$/g, '').trim().replace(/_?(?:i|u)(?:8|16|32|64|size)$|[lL]$/, '');
  if (/^0x[0-9a-f]+$/i.test(t)) return { number: parseInt(t, 16) };
  if (/^\d+$/.test(t)) return { number: Number(t) };
  const m = /(?:^|::)(?:SYS_|__NR_)([a-z0-9_]+)$/.exec(t) ?? /(?:^|::)Sysno::([a-z0-9_]+)$/.exec(t);
  if (m) return { name: m[1] };
  // The sc crate's `nr::EXECVE`: a name when some table knows it.
  const up = /(?:^|::)([A-Z][A-Z0-9_]*)$/.exec(t);
  if (up) {
    const name = up[1].toLowerCase();
    for (const table of cat.syscalls.arches.values()) for (const n of table.values()) if (n === name) return { name };
  }
  return {};
}

/**
 * The capability of a catalogued call at a site, read from its arguments: `hit` is what the path
 * alone gives (`resolved` its full path or `extern fn NAME`). Undefined when the arguments show it
 * does nothing catalogued (a system call like `SYS_gettid`).
 */
export function refineHit(cat: Catalogue, file: RustFile, index: number, hit: PlatformHit): PlatformHit | undefined {
  const site = file.facts.sites[index];
  if (hit.cap === 'syscall.raw') {
    if (site.kind !== 'call' && site.kind !== 'macro') return hit;
    const args = callArgs(site.args, 8);
    const arch = itemArch(file, site.item);
    return syscallOf(cat, syscallArg(cat, args[0] ?? ''), arch && cat.syscalls.arches.has(arch) ? [arch] : NUMBER_ARCHES, `via ${hit.resolved}`, site.args);
  }
  if (site.kind !== 'call') return hit;
  const foreign = hit.resolved.startsWith('extern fn ');
  const name = foreign ? hit.resolved.slice('extern fn '.length) : hit.resolved.slice(hit.resolved.lastIndexOf('::') + 2);
  if (hit.cap === 'ffi.dlopen' && LOOKUP.has(name)) return lookupHit(cat, file, index, hit) ?? hit;
  if (hit.cap === 'fs.read' && (foreign ? cat.opens.has(name) : opensFile(cat, hit.resolved))) return writes(file, index, hit.resolved) ? { cap: 'fs.write', resolved: hit.resolved } : hit;
  return hit;
}

/** `dlsym(h, c"system".as_ptr())`, `GetProcAddress(m, s!("WinExec"))`: the looked-up symbol's capability. */
function lookupHit(cat: Catalogue, file: RustFile, index: number, hit: PlatformHit): PlatformHit | undefined {
  const site = file.facts.sites[index];
  const args = callArgs(site.args);
  for (const lit of literals(args.slice(1).join(','))) {
    const cap = cat.symbols.get(lit);
    if (cap && LOOKUP_NEARBY.test(cap)) return { cap, resolved: `${hit.resolved}("${lit}")` };
  }
  if (literals(args.slice(1).join(',')).length > 0) return undefined;
  // The name built in a variable first (`let n = CString::new("system")?; dlsym(h, n.as_ptr())`).
  const sites = file.facts.sites;
  for (const i of sitesByItem(sites).get(site.item) ?? []) {
    const s = sites[i];
    if (s.kind !== 'string') continue;
    const lit = s.text.replace(/\\0$|\\x00$|\0$/, '');
    const cap = cat.symbols.get(lit);
    if (cap && LOOKUP_NEARBY.test(cap)) return { cap, resolved: `${hit.resolved}("${lit}")` };
  }
  return undefined;
}

/** True when a file opener at `index` asks for writing: by its own flags or mode, or by builder calls after it. */
function writes(file: RustFile, index: number, resolved: string): boolean {
  const site = file.facts.sites[index];
  const args = site.args ?? '';
  if (WRITE_FLAGS.test(args)) return true;
  // fopen-style mode strings: "w", "a", "r+", "wb"…
  if (literals(callArgs(args).slice(1).join(',')).some((m) => /^[rwax][bt+x]*$/.test(m) && /[wa+]/.test(m))) return true;
  if (!/OpenOptions|::options$/.test(resolved)) return false;
  const sites = file.facts.sites;
  for (const i of sitesByItem(sites).get(site.item) ?? []) {
    if (i <= index) continue;
    const s = sites[i];
    if (s.kind !== 'method') continue;
    if (WRITE_METHODS.has(s.text) && /^\(\s*true\s*\)$/.test(s.args ?? '')) return true;
    if (BUILDER_FLAGS.has(s.text) && WRITE_FLAGS.test(s.args ?? '')) return true;
  }
  return false;
}

/** Assembly macros: `asm!`, `global_asm!`, `naked_asm!` (also under `std::arch::` / `core::arch::`). */
const ASM = /^(?:(?:std|core)::arch::)?(?:asm|global_asm|naked_asm|llvm_asm)$/;

/**
 * The capability of a macro site: an assembly block's system calls, or a system call macro of a
 * catalogued crate (`syscalls::syscall!(Sysno::execve, …)`). `resolvePath` resolves the macro's name
 * (undefined when it names nothing outside the crate).
 */
export function macroHit(cat: Catalogue, file: RustFile, index: number, resolvePath: (written: string) => string | undefined): PlatformHit | undefined {
  const site = file.facts.sites[index];
  if (ASM.test(site.text)) {
    const calls = asmSyscalls(macroText(file, site.line, site.column));
    return asmHit(cat, calls, site.text);
  }
  if (!/(?:^|::)syscall\w*$/.test(site.text)) return undefined;
  const full = resolvePath(site.text);
  if (full === undefined || capabilityOfPath(cat, full) !== 'syscall.raw') return undefined;
  return refineHit(cat, file, index, { cap: 'syscall.raw', resolved: `${full}!` });
}

/** The most dangerous of an assembly text's system calls; undefined when it makes none that matter. */
export function asmHit(cat: Catalogue, calls: AsmSyscall[], macro: string): PlatformHit | undefined {
  let best: PlatformHit | undefined;
  for (const c of calls) {
    const h = syscallOf(cat, c, [c.arch], `in ${macro}!`);
    if (h && (!best || rank(h.cap) < rank(best.cap))) best = h;
  }
  return best;
}
