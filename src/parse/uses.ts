import { cleanPath } from './text.js';

/** The members of a syntax node that reading a `use` tree needs. */
interface UseNode {
  readonly type: string;
  readonly text: string;
  readonly namedChildren: UseNode[];
  childForFieldName(name: string): UseNode | null;
}

/** Deeper `use` trees than this are not expanded (rustc itself would give up long before). */
const MAX_USE_NODES = 10_000;

/**
 * Expands a `use` tree into alias → full path entries and glob prefixes.
 * `use std::process::{Command as C, Stdio};` gives `C → std::process::Command`, `Stdio → std::process::Stdio`.
 * Iterative, so hostile nesting cannot overflow the stack.
 */
export function collectUse(node: UseNode, aliases: Record<string, string>, globs: string[]): void {
  const arg = node.childForFieldName('argument');
  if (!arg) return;
  const stack: Array<{ n: UseNode; prefix: string }> = [{ n: arg, prefix: '' }];
  let budget = MAX_USE_NODES;
  while (stack.length > 0 && budget-- > 0) {
    const { n, prefix } = stack.pop()!;
    const join = (p: string) => (prefix === '' ? p : `${prefix}::${p}`);
    switch (n.type) {
      case 'identifier':
      case 'crate':
      case 'super':
      case 'metavariable':
        aliases[cleanPath(n.text)] = join(cleanPath(n.text));
        break;
      case 'self': {
        // `use a::b::{self}` names the module itself.
        const last = prefix.split('::').pop();
        if (last) aliases[last] = prefix;
        break;
      }
      case 'scoped_identifier': {
        const full = join(cleanPath(n.text));
        const name = cleanPath(n.childForFieldName('name')?.text ?? full.split('::').pop()!);
        if (name === 'self') {
          const mod = full.slice(0, -'::self'.length);
          aliases[mod.split('::').pop()!] = mod;
        } else aliases[name] = full;
        break;
      }
      case 'use_as_clause': {
        const path = n.childForFieldName('path');
        const alias = n.childForFieldName('alias');
        if (path && alias && alias.text !== '_') {
          // `use std::process::{self as p}` names the module itself.
          const target = cleanPath(path.text);
          aliases[cleanPath(alias.text)] = target === 'self' ? prefix : join(target.replace(/::self$/, ''));
        }
        break;
      }
      case 'scoped_use_list': {
        const path = n.childForFieldName('path');
        const list = n.childForFieldName('list');
        if (list) stack.push({ n: list, prefix: path ? join(cleanPath(path.text)) : prefix });
        break;
      }
      case 'use_list':
        for (const c of n.namedChildren) stack.push({ n: c, prefix });
        break;
      case 'use_wildcard': {
        const inner = n.namedChildren[0];
        globs.push(inner ? join(cleanPath(inner.text)) : prefix);
        break;
      }
      default:
        break;
    }
  }
}
