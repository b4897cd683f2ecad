/**
 * Node-type tables from the grammar's node-types.json that the flat node arrays (syntax.ts) and the
 * fact walk (walker.ts) must agree on: which tokens carry nothing the walk reads.
 */
import Rust from 'tree-sitter-rust';

export const NODE_TYPES = (Rust as unknown as { nodeTypeInfo?: Array<{ type: string; named: boolean; fields?: object; children?: object; subtypes?: object }> }).nodeTypeInfo ?? [];

/** Anonymous tokens (punctuation, keywords): never a field an item is read from, except `unsafe`. */
export const ANON_NAMES: Set<string> = (() => {
  const anon = new Set(NODE_TYPES.filter((t) => !t.named).map((t) => t.type));
  for (const t of NODE_TYPES) if (t.named) anon.delete(t.type);
  anon.delete('unsafe');
  return anon;
})();

/**
 * Node types that never have children worth visiting: anonymous tokens, and named types the grammar
 * gives no fields or named children (`identifier`, `integer_literal`, …). The walk does not descend
 * into them.
 */
export const LEAF_NAMES: Set<string> = (() => {
  const leaf = new Set<string>();
  const inner = new Set<string>();
  for (const t of NODE_TYPES) {
    if (t.subtypes || t.children || (t.fields && Object.keys(t.fields).length > 0)) inner.add(t.type);
    else leaf.add(t.type);
  }
  for (const t of inner) leaf.delete(t);
  leaf.delete('ERROR');
  return leaf;
})();

/**
 * Parents whose anonymous tokens the walk reads: an operator, the `[` of an index, the braces that
 * bound a function body's statements, a call's or macro's punctuation. Everywhere else an anonymous
 * leaf token (in ANON_NAMES and LEAF_NAMES) is passed over without effect, so the flat node arrays
 * leave such tokens out (syntax.ts): about two nodes in five, which the walk then never visits.
 */
export const TOKEN_PARENTS = new Set(['call_expression', 'macro_invocation', 'binary_expression', 'index_expression', 'block']);

/** A token the flat arrays may leave out (when it is a leaf of non-zero width under a parent not in TOKEN_PARENTS). */
export function isDroppableToken(type: string): boolean {
  return ANON_NAMES.has(type) && LEAF_NAMES.has(type);
}

