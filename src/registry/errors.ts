/**
 * A registry could not give what was asked (unreachable, unknown crate or version, checksum
 * mismatch, malformed index). cli.ts prints its message in one line and exits 2.
 */
export class RegistryError extends Error {
  override name = 'RegistryError';
}
