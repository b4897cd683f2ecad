/** Node-kind tables and helpers shared by the fact walker: what to record, skip or treat as an item. */
import type { FileFacts, ItemKind } from './types.js';
import { NODE_WORDS, errorNodes, typeAt, type Grammar } from './syntax.js';
import type { LineIndex } from './tokens.js';

export const ITEM_KINDS: Record<string, ItemKind> = {
  function_item: 'fn',
  function_signature_item: 'fn',
  impl_item: 'impl',
  struct_item: 'struct',
  enum_item: 'enum',
  union_item: 'union',
  trait_item: 'trait',
  static_item: 'static',
  const_item: 'const',
  macro_definition: 'macro',
  mod_item: 'mod',
  type_item: 'type',
  foreign_mod_item: 'extern',
};

/** Items whose text is a container: their identity is their path, their content is their children. */
export const CONTAINERS = new Set<ItemKind>(['impl', 'mod', 'trait', 'extern']);

/** Parents under which a bare name or path is a value (possibly a function pointer), not a callee or pattern. */
export const VALUE_PARENTS: Record<string, string | null> = {
  arguments: null,
  array_expression: null,
  tuple_expression: null,
  return_expression: null,
  reference_expression: null,
  type_cast_expression: 'value',
  field_initializer: 'value',
  let_declaration: 'value',
  assignment_expression: 'right',
  static_item: 'value',
  const_item: 'value',
  unary_expression: null,
  field_expression: 'value',
  for_expression: 'value',
  match_expression: 'value',
  let_condition: 'value',
  index_expression: null,
};

/** Subtrees that hold only types, patterns or declarations: no calls, literals or unsafe code. */
export const SKIP_SUBTREE = new Set([
  'type_identifier', 'primitive_type', 'generic_type', 'reference_type', 'pointer_type', 'array_type', 'tuple_type',
  'function_type', 'scoped_type_identifier', 'type_parameters', 'type_arguments', 'where_clause', 'trait_bounds',
  'abstract_type', 'dynamic_type', 'bounded_type', 'lifetime', 'field_declaration_list', 'ordered_field_declaration_list',
  'field_identifier', 'unit_type', 'never_type', 'qualified_type', 'bracketed_type', 'mutable_specifier', 'self_parameter',
]);

/** Node kinds whose offsets the walk needs as soon as it enters them. */
export const NEEDS_RANGE = new Set(['call_expression', 'macro_invocation', 'binary_expression', 'index_expression']);

/** Strips generic arguments and references so `&'a mut Foo<T>` becomes `Foo`. */
export function bareType(t: string): string {
  // Generic nesting is stripped one level per pass; a bounded input keeps that from going quadratic.
  let s = (t.length > 400 ? t.slice(0, 400) : t).replace(/\s+/g, ' ');
  let prev;
  do {
    prev = s;
    s = s.replace(/<[^<>]*>/g, '');
  } while (s !== prev);
  return s.replace(/^(&\s*('\w+\s*)?(mut\s+)?)+/, '').replace(/^(dyn|impl)\s+/, '').trim();
}

/** Non-ASCII identifiers and bidirectional-control characters, found by one scan of the text. */
export function collectOddIdentifiers(src: string, facts: FileFacts, nodes: Uint32Array, grammar: Grammar): void {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(src)) return;
  // Visit only the lines that hold a non-ASCII character, counting line breaks as the search moves on.
  // eslint-disable-next-line no-control-regex
  const nonAscii = /[^\x00-\x7f]/g;
  let i = 0;
  let at = 0;
  for (let m = nonAscii.exec(src); m !== null && facts.oddIdentifiers.length < 100; m = nonAscii.exec(src)) {
    for (let nl = src.indexOf('\n', at); nl !== -1 && nl < m.index; nl = src.indexOf('\n', at)) {
      i++;
      at = nl + 1;
    }
    const eol = src.indexOf('\n', m.index);
    const l = src.slice(at, eol === -1 ? src.length : eol);
    nonAscii.lastIndex = eol === -1 ? src.length : eol;
    if (/[\u202A-\u202E\u2066-\u2069\u200E\u200F]/.test(l)) {
      facts.oddIdentifiers.push({ line: i + 1, text: 'bidi-control' });
      continue;
    }
    // Ask the tree what each non-ASCII word is: only identifiers count, not strings or comments.
    for (const w of l.matchAll(/[\p{L}_][\p{L}\p{N}_]*/gu)) {
      // eslint-disable-next-line no-control-regex
      if (!/[^\x00-\x7f]/.test(w[0])) continue;
      if (nodes.length > 0 && /identifier$/.test(typeAt(nodes, at + (w.index ?? 0), grammar))) {
        facts.oddIdentifiers.push({ line: i + 1, text: w[0] });
        break;
      }
    }
  }
}

/** Where the syntax errors are (the first 50 ERROR nodes; a tree with only MISSING nodes gets one entry at 1:1). */
export function collectErrors(nodes: Uint32Array, hasError: boolean, lines: LineIndex, facts: FileFacts): void {
  if (!hasError) return;
  facts.partial = true;
  const errs = errorNodes(nodes);
  for (const e of errs.slice(0, 50)) {
    const start = nodes[e * NODE_WORDS + 1];
    const end = nodes[e * NODE_WORDS + 2];
    const [line, column] = lines.pos(start);
    facts.errors.push({ line, column, endLine: lines.line(end), bytes: end - start });
  }
  if (errs.length === 0) facts.errors.push({ line: 1, column: 1, endLine: 1, bytes: 0 });
}
