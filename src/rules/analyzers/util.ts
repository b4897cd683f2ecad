import type { ItemChange, RustFile } from '../../diff/types.js';
import type { ScanContext } from '../context.js';
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

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function short(s: string, max = 80): string {
  const t = s.replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
