// cratefence's syntax addon. It parses with tree-sitter's C runtime and returns a whole syntax tree
// as one flat Uint32Array, so the fact walk in JavaScript reads typed-array slots instead of making
// two or three native calls per node through a tree cursor (which cost as much as parsing itself).
//
// Every node, in pre-order, takes four words:
//   [0] symbol (16 bits) | field id (15 bits) << 16 | missing << 31
//   [1] start offset, [2] end offset (UTF-16 code units, as JavaScript string indices)
//   [3] index of the first node after this node's subtree
// The nodes are exactly those a tree-sitter cursor visits, in the same order, with the same symbol
// (alias-aware) and field: the same walk the tree-sitter binding's TreeCursor would make.
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tree_sitter/api.h"
// tree-sitter's internal headers (lib/src, the copy runtime.c compiles): the flattening walk reads
// subtrees directly instead of through a TSTreeCursor.
#include "language.h"
#include "subtree.h"
#include "tree.h"

// The type tag tree-sitter's language bindings put on their language object ("tree-sitter",
// "language" hashed with BLAKE2): only a real language is accepted.
static const napi_type_tag LANGUAGE_TAG = {0x8AF2E5212AD58ABFULL, 0xD5006CAD83ABBA16ULL};
// Ours, on the trees this addon hands out.
static const napi_type_tag TREE_TAG = {0x63726174656665ULL, 0x6e63652d74726565ULL};

typedef struct {
  TSParser *parser;
  // Token filter (see setTokenFilter): symbols of tokens the walk never reads, and parents under
  // which every token is kept all the same.
  uint8_t drop[65536];
  uint8_t keep_under[65536];
} State;

typedef struct {
  TSTree *tree;
  int64_t accounted;  // external memory reported to the garbage collector for this tree
} Handle;

// What a tree costs in memory, roughly, per UTF-16 unit of its text. Reported to V8 so that garbage
// collection, which frees unreleased trees through their finalizers, keeps pace in long batch runs.
#define TREE_BYTES_PER_UNIT 20

static void release_handle(napi_env env, Handle *h) {
  if (h->tree) ts_tree_delete(h->tree);
  h->tree = NULL;
  if (h->accounted) {
    int64_t total;
    napi_adjust_external_memory(env, -h->accounted, &total);
    h->accounted = 0;
  }
}

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "cratefence syntax addon: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static State *state_of(napi_env env) {
  State *s = NULL;
  if (napi_get_instance_data(env, (void **)&s) != napi_ok) return NULL;
  return s;
}

static void free_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  State *s = data;
  if (s->parser) ts_parser_delete(s->parser);
  free(s);
}

static void free_handle(napi_env env, void *data, void *hint) {
  (void)hint;
  Handle *h = data;
  release_handle(env, h);
  free(h);
}

static Handle *handle_of(napi_env env, napi_value v) {
  bool ok = false;
  if (napi_check_object_type_tag(env, v, &TREE_TAG, &ok) != napi_ok || !ok) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return data;
}

// The live tree given as the first of a call's arguments (up to `max` are read into argv), or NULL
// with an exception pending.
static Handle *tree_argument(napi_env env, napi_callback_info info, size_t max, napi_value *argv, size_t *argc, const char *who) {
  *argc = max;
  if (napi_get_cb_info(env, info, argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "cratefence syntax addon: cannot read arguments");
    return NULL;
  }
  Handle *h = *argc ? handle_of(env, argv[0]) : NULL;
  if (!h || !h->tree) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s: not a live tree", who);
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  return h;
}

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  if (napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &v) != napi_ok) return NULL;
  return v;
}

// setLanguage(language) -> { names: string[], named: boolean[], fields: string[] }
static napi_value set_language(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return fail(env, "setLanguage takes a tree-sitter language");
  napi_value lang = argv[0];
  napi_valuetype t;
  CHECK(napi_typeof(env, lang, &t));
  if (t == napi_object) CHECK(napi_get_named_property(env, argv[0], "language", &lang));
  bool tagged = false;
  if (napi_check_object_type_tag(env, lang, &LANGUAGE_TAG, &tagged) != napi_ok || !tagged) return fail(env, "not a tree-sitter language");
  const TSLanguage *language = NULL;
  CHECK(napi_get_value_external(env, lang, (void **)&language));
  State *s = state_of(env);
  if (!s || !s->parser) return fail(env, "cratefence syntax addon not initialised");
  if (!ts_parser_set_language(s->parser, language)) return fail(env, "incompatible tree-sitter language version");

  napi_value out, names, named, fields;
  CHECK(napi_create_object(env, &out));
  uint32_t n = ts_language_symbol_count(language);
  CHECK(napi_create_array_with_length(env, n, &names));
  CHECK(napi_create_array_with_length(env, n, &named));
  for (uint32_t i = 0; i < n; i++) {
    CHECK(napi_set_element(env, names, i, str(env, ts_language_symbol_name(language, (TSSymbol)i))));
    napi_value b;
    CHECK(napi_get_boolean(env, ts_language_symbol_type(language, (TSSymbol)i) == TSSymbolTypeRegular, &b));
    CHECK(napi_set_element(env, named, i, b));
  }
  uint32_t nf = ts_language_field_count(language);
  CHECK(napi_create_array_with_length(env, nf + 1, &fields));
  for (uint32_t i = 1; i <= nf; i++) CHECK(napi_set_element(env, fields, i, str(env, ts_language_field_name_for_id(language, (TSFieldId)i))));
  CHECK(napi_set_named_property(env, out, "names", names));
  CHECK(napi_set_named_property(env, out, "named", named));
  CHECK(napi_set_named_property(env, out, "fields", fields));
  return out;
}

// setTokenFilter(drop: number[], keepUnder: number[]): which token symbols flatten leaves out, and
// the parent symbols under which it keeps them all the same (see src/parse/kinds.ts).
static bool read_symbols(napi_env env, napi_value list, uint8_t *table) {
  uint32_t n = 0;
  if (napi_get_array_length(env, list, &n) != napi_ok) return false;
  memset(table, 0, 65536);
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    uint32_t sym;
    if (napi_get_element(env, list, i, &v) != napi_ok || napi_get_value_uint32(env, v, &sym) != napi_ok || sym > 0xffff) return false;
    table[sym] = 1;
  }
  return true;
}

static napi_value set_token_filter(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  State *s = state_of(env);
  if (!s || argc < 2) return fail(env, "setTokenFilter takes (drop, keepUnder)");
  if (!read_symbols(env, argv[0], s->drop) || !read_symbols(env, argv[1], s->keep_under)) {
    memset(s->drop, 0, sizeof s->drop);
    return fail(env, "setTokenFilter: lists of symbol ids expected");
  }
  return NULL;
}

// parse(text, base | null, timeoutMicros) -> tree | null (null: the time budget ran out)
static napi_value parse(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return fail(env, "parse takes (text, base, timeoutMicros)");
  State *s = state_of(env);
  if (!s || !s->parser || !ts_parser_language(s->parser)) return fail(env, "parse before setLanguage");
  size_t len = 0;
  CHECK(napi_get_value_string_utf16(env, argv[0], NULL, 0, &len));
  if (len > UINT32_MAX / 2 - 1) return fail(env, "source too large to parse");
  char16_t *buf = malloc((len + 1) * sizeof(char16_t));
  if (!buf) return fail(env, "out of memory");
  size_t copied = 0;
  if (napi_get_value_string_utf16(env, argv[0], buf, len + 1, &copied) != napi_ok) {
    free(buf);
    return fail(env, "parse: text must be a string");
  }
  TSTree *base = NULL;
  napi_valuetype bt;
  CHECK(napi_typeof(env, argv[1], &bt));
  if (bt != napi_null && bt != napi_undefined) {
    Handle *h = handle_of(env, argv[1]);
    if (!h || !h->tree) {
      free(buf);
      return fail(env, "parse: base is not a live tree");
    }
    base = h->tree;
  }
  double timeout = 0;
  CHECK(napi_get_value_double(env, argv[2], &timeout));
  ts_parser_set_timeout_micros(s->parser, timeout > 0 ? (uint64_t)timeout : 0);
  TSTree *tree = ts_parser_parse_string_encoding(s->parser, base, (const char *)buf, (uint32_t)(copied * 2), TSInputEncodingUTF16LE);
  ts_parser_set_timeout_micros(s->parser, 0);
  ts_parser_reset(s->parser);
  free(buf);
  napi_value out;
  if (!tree) {
    CHECK(napi_get_null(env, &out));
    return out;
  }
  Handle *h = malloc(sizeof(Handle));
  if (!h) {
    ts_tree_delete(tree);
    return fail(env, "out of memory");
  }
  h->tree = tree;
  h->accounted = 0;
  if (napi_create_external(env, h, free_handle, NULL, &out) != napi_ok) {
    free_handle(env, h, NULL);
    return fail(env, "cannot wrap tree");
  }
  CHECK(napi_type_tag_object(env, out, &TREE_TAG));
  int64_t total;
  h->accounted = (int64_t)copied * TREE_BYTES_PER_UNIT;
  napi_adjust_external_memory(env, h->accounted, &total);
  return out;
}

static bool get_u32(napi_env env, napi_value v, uint32_t *out) {
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

// edit(tree, startIndex, oldEndIndex, newEndIndex, startRow, startColumn, oldEndRow, oldEndColumn,
//      newEndRow, newEndColumn): offsets and columns in UTF-16 code units, rows from 0.
static napi_value edit(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[10];
  Handle *h = tree_argument(env, info, 10, argv, &argc, "edit");
  if (!h) return NULL;
  if (argc < 10) return fail(env, "edit takes a tree and nine numbers");
  uint32_t a[9];
  for (int i = 0; i < 9; i++)
    if (!get_u32(env, argv[i + 1], &a[i]) || a[i] > UINT32_MAX / 2) return fail(env, "edit: offsets must be small whole numbers");
  TSInputEdit e = {
      .start_byte = a[0] * 2,
      .old_end_byte = a[1] * 2,
      .new_end_byte = a[2] * 2,
      .start_point = {a[3], a[4] * 2},
      .old_end_point = {a[5], a[6] * 2},
      .new_end_point = {a[7], a[8] * 2},
  };
  ts_tree_edit(h->tree, &e);
  return NULL;
}

// hasError(tree) -> boolean: an ERROR or MISSING node anywhere.
static napi_value has_error(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[1];
  Handle *h = tree_argument(env, info, 1, argv, &argc, "hasError");
  if (!h) return NULL;
  napi_value b;
  CHECK(napi_get_boolean(env, ts_node_has_error(ts_tree_root_node(h->tree)), &b));
  return b;
}

// release(tree): frees the tree now instead of at garbage collection.
static napi_value release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Handle *h = argc ? handle_of(env, argv[0]) : NULL;
  if (h) release_handle(env, h);
  return NULL;
}

// The flat array made with a TSTreeCursor, node by node: the reference the direct walk below is
// tested against (flatten(tree, true)).
static bool flatten_cursor(const State *s, TSTree *tree, uint32_t **out, size_t *count) {

  size_t cap = 4096, n = 0, depth = 0, scap = 256;
  uint32_t *w = malloc(cap * 4 * sizeof(uint32_t));
  uint32_t *stack = malloc(scap * sizeof(uint32_t));
  if (!w || !stack) {
    free(w);
    free(stack);
    return false;
  }
  TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
  for (;;) {
    if (n == cap || n >= UINT32_MAX / 4) {
      uint32_t *bigger = n < UINT32_MAX / 8 ? realloc(w, cap * 2 * 4 * sizeof(uint32_t)) : NULL;
      if (!bigger) goto oom;
      w = bigger;
      cap *= 2;
    }
    if (depth == scap) {
      uint32_t *bigger = realloc(stack, scap * 2 * sizeof(uint32_t));
      if (!bigger) goto oom;
      stack = bigger;
      scap *= 2;
    }
    TSNode node = ts_tree_cursor_current_node(&c);
    TSSymbol sym = ts_node_symbol(node);
    uint32_t *p = w + n * 4;
    p[0] = (uint32_t)sym | ((uint32_t)(ts_tree_cursor_current_field_id(&c) & 0x7fff) << 16) | (ts_node_is_missing(node) ? 0x80000000u : 0);
    p[1] = ts_node_start_byte(node) / 2;
    p[2] = ts_node_end_byte(node) / 2;
    p[3] = 0;
    stack[depth++] = (uint32_t)n;
    n++;
    if (ts_tree_cursor_goto_first_child(&c)) continue;
    // A leaf. Tokens the walk never reads are left out: a non-empty token of a dropped symbol
    // whose parent does not keep its tokens.
    if (s->drop[sym] && p[2] > p[1] && depth >= 2 && !s->keep_under[w[stack[depth - 2] * 4] & 0xffff]) {
      depth--;
      n--;
    } else {
      w[stack[--depth] * 4 + 3] = (uint32_t)n;
    }
    for (;;) {
      if (ts_tree_cursor_goto_next_sibling(&c)) break;
      if (!ts_tree_cursor_goto_parent(&c)) goto done;
      w[stack[--depth] * 4 + 3] = (uint32_t)n;
    }
  }
done:
  ts_tree_cursor_delete(&c);
  free(stack);
  *out = w;
  *count = n;
  return true;
oom:
  ts_tree_cursor_delete(&c);
  free(w);
  free(stack);
  return false;
}

// The same array as flatten_cursor, made by walking subtrees directly: per parent it looks up the
// production's aliases and fields once, where a TSTreeCursor works them out again for every node.
// It follows the cursor's rules exactly: a child is visible if its subtree is, or if the parent's
// production aliases it (extras are never aliased); a hidden child with visible descendants is
// walked through as if its children were the parent's; a node's field is its own in the parent's
// production, else (through hidden parents) the nearest hidden ancestor's. The test suite checks
// that both walks give identical arrays.
typedef struct {
  Subtree parent;
  uint32_t child_index, structural_index;
  uint32_t position;      // byte offset where the next child starts (after its padding)
  const TSSymbol *aliases;
  const TSFieldMapEntry *fields, *fields_end;
  TSFieldId inherited;    // the field children take when they have none of their own (hidden frames)
  int32_t visible_index;  // flat index of this frame's node, or -1 for a hidden frame
  int32_t parent_symbol;  // symbol of the nearest visible node at or above this frame
} Frame;

static TSFieldId own_field(const TSFieldMapEntry *f, const TSFieldMapEntry *end, uint32_t structural_index) {
  for (; f < end; f++)
    if (!f->inherited && f->child_index == structural_index) return f->field_id;
  return 0;
}

static bool flatten_subtrees(const State *s, TSTree *tree, uint32_t **out, size_t *count) {
  const TSLanguage *lang = tree->language;
  size_t cap = 4096, n = 0, depth = 0, fcap = 64;
  uint32_t *w = malloc(cap * 4 * sizeof(uint32_t));
  Frame *frames = malloc(fcap * sizeof(Frame));
  if (!w || !frames) goto oom;

  // The root: visible, no alias, no field; it starts after its padding.
  Subtree root = tree->root;
  uint32_t root_start = ts_subtree_padding(root).bytes;
  TSSymbol root_sym = ts_language_public_symbol(lang, ts_subtree_symbol(root));
  w[0] = (uint32_t)root_sym | (ts_subtree_missing(root) ? 0x80000000u : 0);
  w[1] = root_start / 2;
  w[2] = (root_start + ts_subtree_size(root).bytes) / 2;
  w[3] = 1;
  n = 1;
  if (ts_subtree_child_count(root) == 0) goto done;
  frames[0] = (Frame){
      .parent = root,
      .position = root_start,
      .aliases = ts_language_alias_sequence(lang, root.ptr->production_id),
      .visible_index = 0,
      .parent_symbol = root_sym,
  };
  ts_language_field_map(lang, root.ptr->production_id, &frames[0].fields, &frames[0].fields_end);
  depth = 1;

  while (depth > 0) {
    Frame *f = &frames[depth - 1];
    if (f->child_index == f->parent.ptr->child_count) {
      if (f->visible_index >= 0) w[f->visible_index * 4 + 3] = (uint32_t)n;
      depth--;
      continue;
    }
    const Subtree *children = ts_subtree_children(f->parent);
    Subtree child = children[f->child_index];
    uint32_t start = f->position;
    uint32_t end = start + ts_subtree_size(child).bytes;
    bool extra = ts_subtree_extra(child);
    TSSymbol alias = 0;
    TSFieldId field = 0;
    if (!extra) {
      if (f->aliases) alias = f->aliases[f->structural_index];
      field = own_field(f->fields, f->fields_end, f->structural_index);
      if (!field) field = f->inherited;
      f->structural_index++;
    }
    f->child_index++;
    f->position = f->child_index < f->parent.ptr->child_count ? end + ts_subtree_padding(children[f->child_index]).bytes : end;

    bool visible = ts_subtree_visible(child) || alias != 0;
    bool leaf = ts_subtree_child_count(child) == 0 || ts_subtree_visible_child_count(child) == 0;
    TSSymbol sym = 0;
    if (!visible) {
      // Hidden: walk through it when something visible is inside, else pass over it.
      if (leaf) continue;
    } else {
      sym = ts_language_public_symbol(lang, alias ? alias : ts_subtree_symbol(child));
      // Tokens the walk never reads are left out (see setTokenFilter).
      if (leaf && s->drop[sym] && end > start && !s->keep_under[f->parent_symbol]) continue;
      if (n == cap) {
        uint32_t *bigger = n < UINT32_MAX / 8 ? realloc(w, cap * 2 * 4 * sizeof(uint32_t)) : NULL;
        if (!bigger) goto oom;
        w = bigger;
        cap *= 2;
      }
      uint32_t *p = w + n * 4;
      p[0] = (uint32_t)sym | ((uint32_t)(field & 0x7fff) << 16) | (ts_subtree_missing(child) ? 0x80000000u : 0);
      p[1] = start / 2;
      p[2] = end / 2;
      p[3] = (uint32_t)(n + 1);
      n++;
      if (leaf) continue;
    }
    if (depth == fcap) {
      Frame *bigger = realloc(frames, fcap * 2 * sizeof(Frame));
      if (!bigger) goto oom;
      frames = bigger;
      fcap *= 2;
      f = &frames[depth - 1];
    }
    Frame *c = &frames[depth++];
    *c = (Frame){
        .parent = child,
        .position = start,
        .aliases = ts_language_alias_sequence(lang, child.ptr->production_id),
        .inherited = visible ? 0 : field,
        .visible_index = visible ? (int32_t)(n - 1) : -1,
        .parent_symbol = visible ? sym : f->parent_symbol,
    };
    ts_language_field_map(lang, child.ptr->production_id, &c->fields, &c->fields_end);
  }
done:
  free(frames);
  *out = w;
  *count = n;
  return true;
oom:
  free(w);
  free(frames);
  return false;
}

// flatten(tree, withCursor?) -> Uint32Array, four words per node (see the top of this file).
static napi_value flatten(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[2];
  Handle *h = tree_argument(env, info, 2, argv, &argc, "flatten");
  if (!h) return NULL;
  State *s = state_of(env);
  if (!s) return fail(env, "cratefence syntax addon not initialised");
  bool cursor = false;
  if (argc > 1) napi_get_value_bool(env, argv[1], &cursor);
  uint32_t *w = NULL;
  size_t n = 0;
  if (!(cursor ? flatten_cursor(s, h->tree, &w, &n) : flatten_subtrees(s, h->tree, &w, &n))) return fail(env, "out of memory while flattening a syntax tree");
  napi_value ab, arr;
  void *data = NULL;
  if (napi_create_arraybuffer(env, n * 4 * sizeof(uint32_t), &data, &ab) != napi_ok) {
    free(w);
    return fail(env, "cannot allocate the node array");
  }
  memcpy(data, w, n * 4 * sizeof(uint32_t));
  free(w);
  CHECK(napi_create_typedarray(env, napi_uint32_array, n * 4, ab, 0, &arr));
  return arr;
}

static napi_value init(napi_env env, napi_value exports) {
  State *s = calloc(1, sizeof(State));
  if (!s) return fail(env, "out of memory");
  s->parser = ts_parser_new();
  if (napi_set_instance_data(env, s, free_state, NULL) != napi_ok) {
    free_state(env, s, NULL);
    return fail(env, "cannot set up the syntax addon");
  }
  napi_property_descriptor props[] = {
      {"setLanguage", NULL, set_language, NULL, NULL, NULL, napi_default, NULL},
      {"setTokenFilter", NULL, set_token_filter, NULL, NULL, NULL, napi_default, NULL},
      {"parse", NULL, parse, NULL, NULL, NULL, napi_default, NULL},
      {"edit", NULL, edit, NULL, NULL, NULL, napi_default, NULL},
      {"hasError", NULL, has_error, NULL, NULL, NULL, napi_default, NULL},
      {"release", NULL, release, NULL, NULL, NULL, napi_default, NULL},
      {"flatten", NULL, flatten, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
