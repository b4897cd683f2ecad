// tree-sitter's C runtime, compiled from the copy the tree-sitter package vendors (its lib/src is on
// the include path, see binding.gyp), so this addon parses with the very code the binding uses.
#include "lib.c"
