import semver from 'semver';
import { RegistryError } from './errors.js';

// Cargo's rules for a package name, restricted to ASCII as crates.io is: a letter or `_` first,
// then letters, digits, `-` and `_`, at most 64 characters. Checked before a name goes into a URL
// or a file name, so nothing from a lockfile or the command line can add a path segment or query.
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const MAX_VERSION = 128;
// The shape first (no spaces, no leading zeros, no path characters), then semver's own parser.
const VERSION_SHAPE = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Throws a RegistryError unless `name` is a valid crate name. */
export function checkCrateName(name: string): string {
  if (!NAME.test(name)) throw new RegistryError(`"${name.slice(0, 80)}" is not a valid crate name (letters, digits, - and _, a letter first, at most 64 characters)`);
  return name;
}

/** Throws a RegistryError unless `version` is a full semantic version as Cargo writes it (`1.0.2`, `0.3.0-rc.1+build`). */
export function checkVersion(version: string): string {
  if (version.length > MAX_VERSION || !VERSION_SHAPE.test(version) || semver.parse(version) === null) {
    throw new RegistryError(`"${version.slice(0, 80)}" is not a valid crate version (expected MAJOR.MINOR.PATCH, e.g. 1.0.2)`);
  }
  return version;
}

/** `name@version` as accepted on the command line, or null when the text is not of that shape. */
export function parseCrateSpec(spec: string): { name: string; version: string } | null {
  const m = /^([A-Za-z0-9_-]+)@(.+)$/.exec(spec);
  if (!m) return null;
  return { name: checkCrateName(m[1]), version: checkVersion(m[2]) };
}

/**
 * The folder part of a crate's index path, as cargo lays out its index: `1`, `2`, `3/a`, `ab/cd`
 * (with the name's own case; `{lowerprefix}` and index paths use the lowercased name).
 */
export function indexPrefix(name: string): string {
  checkCrateName(name);
  if (name.length === 1) return '1';
  if (name.length === 2) return '2';
  if (name.length === 3) return `3/${name[0]}`;
  return `${name.slice(0, 2)}/${name.slice(2, 4)}`;
}

/** The index file's path relative to the index root, e.g. `se/rd/serde` (always lowercase). */
export function indexPath(name: string): string {
  const lower = name.toLowerCase();
  return `${indexPrefix(lower)}/${lower}`;
}

const MARKERS = ['{crate}', '{version}', '{prefix}', '{lowerprefix}', '{sha256-checksum}'];

/**
 * The download URL of a release from the index's `dl` template. Without any marker, cargo appends
 * `/{crate}/{version}/download`; the markers are replaced as the registry documentation says.
 */
export function downloadUrl(dl: string, name: string, version: string, cksum: string): string {
  checkCrateName(name);
  checkVersion(version);
  const template = MARKERS.some((m) => dl.includes(m)) ? dl : `${dl.replace(/\/+$/, '')}/{crate}/{version}/download`;
  const values: Record<string, string> = {
    '{crate}': name,
    '{version}': encodeURIComponent(version),
    '{prefix}': indexPrefix(name),
    '{lowerprefix}': indexPrefix(name.toLowerCase()),
    '{sha256-checksum}': cksum,
  };
  return template.replace(/\{crate\}|\{version\}|\{prefix\}|\{lowerprefix\}|\{sha256-checksum\}/g, (m) => values[m]);
}
