import type { ItemChange, RustFile } from '../../diff/types.js';
import type { ScanContext } from '../context.js';
import { clip } from '../../parse/text.js';
import type { Match } from '../types.js';

/** Added or changed items of shipped code in the new release: where new behaviour can start. */
export function changedItems(ctx: ScanContext): ItemChange[] {
  return ctx.delta.items.filter((c) => {
    if (!c.newRef || (c.status !== 'added' && c.status !== 'changed')) return false;
    const { file, item } = c.newRef;
    return ctx.isProduct(file, item.id) && (item.kind === 'fn' || item.kind === 'static' || item.kind === 'const' || item.kind === 'macro');
  });
}

/** A match at a site of a new-side file. */
export function siteMatch(ctx: ScanContext, file: RustFile, index: number, data: Record<string, string>, extra: Partial<Match> = {}): Match {
  const s = file.facts.sites[index];
  return {
    file: file.path,
    line: s.line,
    column: s.column,
    endLine: s.endLine,
    role: ctx.isProduct(file, s.item) ? file.role : 'test',
    item: ctx.itemKey(file, s.item),
    text: s.text,
    args: s.args,
    inMacro: s.inMacro,
    isPub: s.item >= 0 ? file.facts.items[s.item].isPub : undefined,
    data,
    ...extra,
  };
}

/** A match on a line of Cargo.toml (new side). */
export function manifestMatch(ctx: ScanContext, needle: RegExp | null, data: Record<string, string>, extra: Partial<Match> = {}): Match {
  const bytes = ctx.delta.new.tree.files.get('Cargo.toml');
  let line = 1;
  if (bytes && needle) {
    const lines = Buffer.from(bytes).toString('utf8').split('\n');
    const i = lines.findIndex((l) => needle.test(l));
    if (i >= 0) line = i + 1;
  }
  return { file: 'Cargo.toml', line, column: 1, endLine: line, role: 'manifest', item: null, data, ...extra };
}

/** Whitespace-collapsed and cut to `max` characters, for values quoted in messages. */
export function short(s: string, max = 80): string {
  return clip(s, max);
}

/** A file header worth naming: executables, archives, compressed data, scripts. */
export interface Magic {
  kind: string;
  executable: boolean;
}

const MAGICS: Array<Magic & { test: (b: Uint8Array) => boolean }> = [
  { kind: 'ELF executable or library', executable: true, test: (b) => b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46 },
  { kind: 'Windows PE executable', executable: true, test: (b) => b[0] === 0x4d && b[1] === 0x5a },
  { kind: 'Mach-O executable', executable: true, test: (b) => [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0) },
  { kind: 'WebAssembly module', executable: true, test: (b) => b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d },
  { kind: 'static library or archive', executable: true, test: (b) => Buffer.from(b.subarray(0, 7)).toString('latin1') === '!<arch>' },
  { kind: 'zip archive', executable: false, test: (b) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4 },
  { kind: 'gzip data', executable: false, test: (b) => b[0] === 0x1f && b[1] === 0x8b },
  { kind: 'xz data', executable: false, test: (b) => b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a },
  { kind: 'script', executable: true, test: (b) => b[0] === 0x23 && b[1] === 0x21 },
];

/** What a file's first bytes say it is, if it is one of the kinds worth naming. */
export function magicOf(b: Uint8Array): Magic | undefined {
  if (b.length < 4) return undefined;
  const m = MAGICS.find((x) => x.test(b));
  return m ? { kind: m.kind, executable: m.executable } : undefined;
}
