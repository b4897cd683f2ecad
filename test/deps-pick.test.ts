import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { cargoRange, pickVersion } from '../src/index.js';
import { plainPick } from '../src/analysis/deps.js';

/** What pickVersion answered before it had a fast path: semver's ranges for everything. */
function reference(versions: string[], req: string | undefined): { version: string; exact: boolean } | null {
  const valid = versions.filter((v) => semver.valid(v));
  if (valid.length === 0) return null;
  const range = cargoRange(req);
  if (range) {
    const best = semver.maxSatisfying(valid, range);
    if (best) return { version: best, exact: true };
  }
  return { version: valid.sort(semver.rcompare)[0], exact: false };
}

const part = fc.oneof(fc.constantFrom('0', '1', '2', '3', '10'), fc.nat({ max: 30 }).map(String));
const plainVersion = fc.tuple(part, part, part).map((p) => p.join('.'));
const version = fc.oneof(
  { weight: 6, arbitrary: plainVersion },
  { weight: 1, arbitrary: fc.constantFrom('1.0.0-alpha', '0.2.0-rc.1', 'v1.2.3', '01.2.3', '1.2', 'x', '1.2.3+build', ' 1.0.0') },
);
const plainReq = fc.oneof(
  part,
  fc.tuple(part, part).map((p) => p.join('.')),
  fc.tuple(part, part, part).map((p) => p.join('.')),
);
const req = fc.oneof(
  { weight: 6, arbitrary: plainReq },
  { weight: 2, arbitrary: plainReq.map((r) => `^${r}`) },
  { weight: 1, arbitrary: plainReq.map((r) => ` ${r} `) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, '', '*', ' * ', '~1.2', '>=0.3, <0.5', '=1.0.0', '1.2.3-beta', '^ 1', '0.x', 'nonsense', '1.2,', '^01.2') },
);

describe('picking a dependency version', () => {
  it('answers as semver does, fast path or not', () => {
    fc.assert(
      fc.property(fc.array(version, { maxLength: 6 }), req, (versions, r) => {
        expect(pickVersion([...versions], r)).toEqual(reference([...versions], r));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the fast path for plain versions and bare or caret requirements, and only for them', () => {
    expect(plainPick(['0.2.9', '0.3.1', '0.3.4', '1.0.0'], '0.3')).toEqual({ version: '0.3.4', exact: true });
    expect(plainPick(['0.0.3', '0.0.4'], '^0.0.3')).toEqual({ version: '0.0.3', exact: true });
    expect(plainPick(['1.9.0', '2.0.0'], '1')).toEqual({ version: '1.9.0', exact: true });
    expect(plainPick(['1.9.0', '2.0.0'], '3')).toEqual({ version: '2.0.0', exact: false });
    expect(plainPick(['1.0.0'], undefined)).toEqual({ version: '1.0.0', exact: true });
    expect(plainPick([], '1')).toBeNull();
    expect(plainPick(['1.0.0-rc.1'], '1')).toBeUndefined();
    expect(plainPick(['1.0.0'], '~1.0')).toBeUndefined();
    expect(plainPick(['1.0.0'], '>=1, <2')).toBeUndefined();
  });
});
