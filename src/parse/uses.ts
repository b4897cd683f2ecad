import type { SyntaxNode } from 'tree-sitter';

/**
 * Expands a `use` tree into alias → full path entries and glob prefixes.
 * `use std::process::{Command as C, Stdio};` gives `C → std::process::Command`, `Stdio → std::process::Stdio`.
 */
export function collectUse(node: SyntaxNode, aliases: Record<string, string>, globs: string[]): void {
  const arg = node.childForFieldName('argument');
  if (arg) walkUse(arg, '', aliases, globs);
}

function join(prefix: string, p: string): string {
  return prefix === '' ? p : `${prefix}::${p}`;
}

function walkUse(n: SyntaxNode, prefix: string, aliases: Record<string, string>, globs: string[]): void {
  switch (n.type) {
    case 'identifier':
    case 'crate':
    case 'super':
    case 'self':
    case 'metavariable': {
      if (n.type === 'self') {
        // `use a::b::{self}` names the module itself.
        const last = prefix.split('::').pop();
        if (last) aliases[last] = prefix;
        return;
      }
      aliases[n.text] = join(prefix, n.text);
      return;
    }
    case 'scoped_identifier': {
      const full = join(prefix, n.text.replace(/\s+/g, ''));
      const name = n.childForFieldName('name')?.text ?? full.split('::').pop()!;
      if (name === 'self') {
        const mod = full.slice(0, -'::self'.length);
        aliases[mod.split('::').pop()!] = mod;
      } else aliases[name] = full;
      return;
    }
    case 'use_as_clause': {
      const path = n.childForFieldName('path');
      const alias = n.childForFieldName('alias');
      if (path && alias && alias.text !== '_') aliases[alias.text] = join(prefix, path.text.replace(/\s+/g, ''));
      return;
    }
    case 'scoped_use_list': {
      const path = n.childForFieldName('path');
      const list = n.childForFieldName('list');
      const p = path ? join(prefix, path.text.replace(/\s+/g, '')) : prefix;
      if (list) walkUse(list, p, aliases, globs);
      return;
    }
    case 'use_list':
      for (const c of n.namedChildren) walkUse(c, prefix, aliases, globs);
      return;
    case 'use_wildcard': {
      const inner = n.namedChildren[0];
      globs.push(inner ? join(prefix, inner.text.replace(/\s+/g, '')) : prefix);
      return;
    }
    default:
      return;
  }
}
