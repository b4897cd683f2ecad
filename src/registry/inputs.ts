import { existsSync } from 'node:fs';
import { loadRelease, type CrateTree, type Report, type SourceLimits } from '../index.js';
import type { RegistryClient } from './client.js';
import { applyPublishPolicy, type MinPublishAge } from './cooloff.js';
import { parseCrateSpec } from './names.js';

/** A release named on the command line: a path, or `name@version` fetched from the registry. */
export type NamedRelease = { kind: 'path'; path: string } | { kind: 'registry'; name: string; version: string };

/**
 * Reads `name@version` as a registry release unless a file or folder of that name exists (a path
 * always wins, so nothing that worked before changes meaning).
 */
export function classifyInput(input: string): NamedRelease {
  if (existsSync(input) || !input.includes('@')) return { kind: 'path', path: input };
  const spec = parseCrateSpec(input);
  return spec ? { kind: 'registry', ...spec } : { kind: 'path', path: input };
}

/** Loads a named release: from disk, or fetched and verified by the registry client. */
export async function loadNamedRelease(r: NamedRelease, client: () => RegistryClient, limits?: SourceLimits): Promise<CrateTree> {
  if (r.kind === 'path') return loadRelease({ path: r.path }, limits);
  const c = await client().fetchCrate(r.name, r.version);
  return loadRelease({ bytes: c.bytes, label: c.label }, limits);
}

/**
 * Applies the adoption policy (yanked, cool-off) of a registry release to its report. The index
 * entry was already fetched for the checksum; the publish time costs one web API request at most.
 */
export async function applyRegistryPolicy(report: Report, client: RegistryClient, name: string, version: string, minAge: MinPublishAge | null, now: Date): Promise<void> {
  const entry = await client.entry(name, version);
  const publishedAt = minAge && minAge.ms > 0 ? await client.publishTime(name, version) : null;
  applyPublishPolicy(report, `${name}@${version}`, { yanked: entry.yanked, publishedAt }, minAge, now);
}

/** "Now" for policy decisions: `$CRATEFENCE_NOW` (an ISO time, for tests and reproducible CI runs) or the clock. */
export function policyNow(env: NodeJS.ProcessEnv = process.env): Date {
  const t = env.CRATEFENCE_NOW;
  if (t && !Number.isNaN(Date.parse(t))) return new Date(t);
  return new Date();
}
