{
  # cratefence's syntax addon: tree-sitter's own C runtime (the copy vendored by the tree-sitter
  # package, so both parse with the same code) plus one function that hands a whole syntax tree to
  # JavaScript as a flat array, in one call instead of several native calls per node.
  "targets": [
    {
      "target_name": "cratefence_syntax",
      "sources": [
        "syntax.c",
        "runtime.c"
      ],
      "include_dirs": [
        "<!(node -p \"require('path').join(require('path').dirname(require.resolve('tree-sitter/package.json')), 'vendor/tree-sitter/lib/include')\")",
        "<!(node -p \"require('path').join(require('path').dirname(require.resolve('tree-sitter/package.json')), 'vendor/tree-sitter/lib/src')\")"
      ],
      "cflags": ["-std=c11", "-O2", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["_POSIX_C_SOURCE=200112L", "_DEFAULT_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
