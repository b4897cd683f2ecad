import type { FileHunks, LockReport } from '../../src/index.js';
import { lockFixture } from './lock-fixture.js';

/**
 * A 24-package Cargo.lock bump as teams see them: two releases that carry a payload (block), two that
 * a reviewer should read (review) and twenty ordinary releases (pass), each a real scan of a corpus
 * case, plus the fixture's failed, removed and git packages. Used to measure the size of the lock
 * Markdown comment and text.
 */
export const BUMP24 = [
  'h01-network-client-new-endpoint',
  'h02-simd-unsafe-with-safety',
  'm05-far-jump-payload-in-new-module',
  'h03-build-rs-gains-rustc-probe',
  'h61-parser-documented-panics-and-checksum',
  'h58-sys-crate-links-shipped-import-libs-new-target',
  'm15-tls-verification-off',
  'h72-config-vars-table',
  'h59-build-dependency-cc-called-from-build-rs',
  'h09-error-message-urls',
  'h40-pure-helper-moved-into-build-script',
  'h11-cache-writer-more-writes',
  'm16-download-and-dlopen',
  'h12-hex-test-vectors',
  'h13-crc-lookup-table',
  'h14-env-config-var',
  'h15-new-dev-dependency',
  'm28-dos-new-panics-in-parser',
  'h16-sys-crate-new-binding',
  'h17-proc-macro-new-option',
  'h18-logger-timestamps',
  'h19-cfg-windows-paths',
  'h20-example-uses-network',
  'h21-build-rs-codegen-out-dir',
];

/** The 24-package bump as a lock report (real scans; see {@link BUMP24}). */
export function bump24(): Promise<{ lock: LockReport; hunks: Record<string, FileHunks[]> }> {
  return lockFixture(BUMP24);
}
