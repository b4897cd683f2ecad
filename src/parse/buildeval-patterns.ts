/** Pattern binding for the build-script evaluator: names, `mut x`, tuples, and the environment's (name, value) pairs. */

import type Parser from 'tree-sitter';
import type { Ctx } from './buildeval-calls.js';
import { dyn, taintOf, type Scope, type Val } from './values.js';

/** Binds a pattern to a value: names, `mut x`, `&x`, tuples (the environment's pairs split into name and value). */
export function bindPattern(ctx: Ctx, p: Parser.SyntaxNode, v: Val, scope: Scope): void {
  ctx.tick();
  switch (p.type) {
    case 'identifier':
      scope.let(p.text, v);
      return;
    case 'mut_pattern':
    case 'ref_pattern':
    case 'reference_pattern':
    case 'match_pattern':
    case 'captured_pattern':
      for (const c of p.namedChildren) bindPattern(ctx, c, v, scope);
      return;
    case 'parameter':
    case 'closure_parameters':
      for (const c of p.namedChildren) if (c.type !== 'mutable_specifier' && !c.type.endsWith('type')) bindPattern(ctx, c, v, scope);
      return;
    case 'tuple_pattern':
    case 'tuple_struct_pattern':
    case 'slice_pattern': {
      // Node objects are made afresh on each access: compare by id.
      const typeId = p.type === 'tuple_struct_pattern' ? p.childForFieldName('type')?.id : undefined;
      const parts = p.namedChildren.filter((c) => c.id !== typeId);
      parts.forEach((c, i) => {
        let item: Val;
        if (v.k === 'list' && p.type !== 'tuple_struct_pattern') item = v.items[i] ?? dyn('element', taintOf(v), ctx.file, ctx.line(p));
        else if (v.k === 'dyn' && v.pairs && p.type === 'tuple_pattern') item = i === 0 ? dyn(`${v.d.what} (name)`, ['env-name'], v.file, v.line) : { ...v, pairs: false };
        else item = v.k === 'dyn' ? { ...v } : v.k === 'str' && p.type === 'tuple_struct_pattern' ? v : dyn('element', taintOf(v), ctx.file, ctx.line(p));
        bindPattern(ctx, c, item, scope);
      });
      return;
    }
    default:
      // Struct patterns, ranges, literals: the names they bind get the value's sources.
      for (const id of p.descendantsOfType('identifier')) if (id.parent?.type !== 'scoped_identifier') scope.let(id.text, dyn(id.text, taintOf(v), ctx.file, ctx.line(p)));
  }
}

