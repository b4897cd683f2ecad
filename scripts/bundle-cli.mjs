#!/usr/bin/env node
// Build step: bundles the CLI and everything it imports into dist/cratefence.js, so a scan loads one
// module instead of dozens. Native addons and rarely used modules stay external.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['tree-sitter', 'tree-sitter-rust', 'ajv', 'yaml'],
  // CommonJS dependencies (tar-stream) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cratefenceRequire } from 'node:module'; const require = __cratefenceRequire(import.meta.url);" },
  logLevel: 'warning',
};
await build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cratefence.js' });
