/** The capability catalogue: Rust paths, method names and platform symbols mapped to capability names. */
export interface Catalogue {
  paths: Map<string, string>;
  methods: Map<string, string>;
  /** C and Win32 functions and extern statics by symbol name (libc, winapi and hand-written extras). */
  symbols: Map<string, string>;
  /**
   * Paths and symbol names that open a file or build a file opener (`File::options`, `open`,
   * `CreateFileW`): catalogued as `fs.read`, raised to `fs.write` at a site that asks for writing.
   */
  opens: Set<string>;
  /** Per wrapper crate (nix, rustix): function names with one capability wherever the crate declares them. */
  wrapperNames: Map<string, Map<string, string>>;
  syscalls: SyscallTable;
}

/** System calls: the capability of each classified name, and per architecture the name of each number. */
export interface SyscallTable {
  names: Map<string, string>;
  arches: Map<string, Map<number, string>>;
}

/** The catalogue as it is stored in the rules bundle (plain JSON). */
export interface CatalogueData {
  paths: Record<string, string>;
  methods: Record<string, string>;
  symbols: Record<string, string>;
  opens: string[];
  wrapperNames: Record<string, Record<string, string>>;
  syscalls: { names: Record<string, string>; arches: Record<string, Record<string, string>> };
}

/** The capability data files give a file opener; the catalogue files it under `fs.read` and `opens`. */
export const OPEN_CAP = 'fs.open';

/**
 * Crates whose public functions are C or Win32 functions under their own names, at any module depth:
 * `windows_sys::Win32::System::Threading::WinExec` is `WinExec`. (winapi 0.2's per-DLL crates too.)
 */
const SYMBOL_ROOTS = new Set(['libc', 'winapi', 'windows_sys', 'windows', 'kernel32', 'advapi32', 'shell32', 'urlmon', 'wininet', 'winhttp', 'user32', 'ws2_32', 'ntdll']);

/** Builds the look-up catalogue from its stored form. */
export function catalogueFrom(data: CatalogueData): Catalogue {
  const arches = new Map<string, Map<number, string>>();
  for (const [arch, table] of Object.entries(data.syscalls.arches)) arches.set(arch, new Map(Object.entries(table).map(([n, s]) => [Number(n), s])));
  return {
    paths: new Map(Object.entries(data.paths)),
    methods: new Map(Object.entries(data.methods)),
    symbols: new Map(Object.entries(data.symbols)),
    opens: new Set(data.opens),
    wrapperNames: new Map(Object.entries(data.wrapperNames).map(([k, v]) => [k, new Map(Object.entries(v))])),
    syscalls: { names: new Map(Object.entries(data.syscalls.names)), arches },
  };
}

/** The symbol a path names when its crate exports C / Win32 functions under their own names, else undefined. */
export function symbolOfPath(full: string): string | undefined {
  const i = full.indexOf('::');
  if (i < 0) return undefined;
  const root = full.slice(0, i);
  if (!SYMBOL_ROOTS.has(root) && !(root === 'nix' && full.startsWith('nix::libc::'))) return undefined;
  return full.slice(full.lastIndexOf('::') + 2);
}

/**
 * The capability of a fully resolved path: its longest catalogued prefix; else, below a crate of C or
 * Win32 functions, the symbol it ends in; else, below nix or rustix, the function name it ends in.
 */
export function capabilityOfPath(cat: Catalogue, full: string): string | undefined {
  let p = full;
  for (;;) {
    const c = cat.paths.get(p);
    if (c !== undefined) return c;
    const i = p.lastIndexOf('::');
    if (i < 0) break;
    p = p.slice(0, i);
  }
  const sym = symbolOfPath(full);
  if (sym !== undefined) return cat.symbols.get(sym);
  const names = cat.wrapperNames.size > 0 ? cat.wrapperNames.get(p) : undefined;
  return names?.get(full.slice(full.lastIndexOf('::') + 2));
}

/** True when a resolved path (or a C symbol) opens a file, so that its site decides read or write. */
export function opensFile(cat: Catalogue, resolved: string): boolean {
  if (cat.opens.has(resolved)) return true;
  const last = resolved.slice(resolved.lastIndexOf('::') + 2);
  if (symbolOfPath(resolved) !== undefined) return cat.opens.has(last);
  const root = resolved.slice(0, Math.max(0, resolved.indexOf('::')));
  return cat.wrapperNames.has(root) && cat.opens.has(`${root}::${last}`);
}

/** True when capability `cap` falls under `pattern` (`network` covers `network.http`). */
export function capMatches(cap: string, pattern: string): boolean {
  return cap === pattern || cap.startsWith(`${pattern}.`);
}
