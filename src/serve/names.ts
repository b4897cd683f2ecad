import semver from 'semver';

/**
 * Cargo's rules for a crate name on a registry: 1-64 characters, ASCII letters, digits, `-` and `_`,
 * starting with a letter. Returns why a name is refused, or null.
 */
export function crateNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > 64) return 'is longer than 64 characters';
  if (!/^[A-Za-z]/.test(name)) return 'must start with an ASCII letter';
  if (!/^[A-Za-z0-9_-]+$/.test(name)) return 'may contain only ASCII letters, digits, `-` and `_`';
  return null;
}

/** A version must be semver (`1.2.3`, pre-release and build metadata allowed), as Cargo requires. */
export function versionProblem(version: string): string | null {
  if (version.length > 128) return 'is longer than 128 characters';
  if (semver.valid(version) !== version) return 'is not a semantic version such as 1.2.3';
  return null;
}
