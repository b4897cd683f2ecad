// The shipped index's table of contents is grouped by package when read, and each package's entries are
// added when the package is first looked up. These tests hold the deferred set to the answers of a set
// that adds every entry of the same file at once, in the table's order (what the reader did before).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES_DIR, encodeSummaryIndex, shippedIndex, summarizeTree, summaryIndexFile, SummarySet, treeFromFiles, type CrateSummary } from '../src/index.js';
import { tempDir } from './helpers/tmp.js';

type Entry = [string, string, number, number, string?];

/** Every entry of an index file added at once, in the table's order, each summary inflated when first used. */
function eagerSet(file: string): { set: SummarySet; entries: Entry[] } {
  const bytes = readFileSync(file);
  const len = bytes.readUInt32BE(8);
  const header = JSON.parse(bytes.subarray(12, 12 + len).toString('utf8')) as { format: number; tool: string; entries: Entry[] };
  const set = new SummarySet([], 'the shipped summary index', `index:${header.tool}:${header.entries.length}`);
  for (const [name, version, offset, length, deps] of header.entries) {
    const start = 12 + len + offset;
    set.add(name, version, () => {
      const s = JSON.parse(inflateRawSync(bytes.subarray(start, start + length)).toString('utf8')) as CrateSummary;
      return s.format === header.format && s.version === version ? s : null;
    }, typeof deps === 'string' ? deps : undefined);
  }
  return { set, entries: header.entries };
}

function crate(name: string, version: string, body: string): CrateSummary {
  return summarizeTree(treeFromFiles({ 'Cargo.toml': `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n`, 'src/lib.rs': body }));
}

describe('the shipped index read per package', () => {
  it('answers every package and requirement of the shipped index as a set that added all its entries at once', () => {
    const file = summaryIndexFile(DEFAULT_RULES_DIR);
    const { set: eager, entries } = eagerSet(file);
    const deferred = shippedIndex(DEFAULT_RULES_DIR);
    expect(entries.length).toBeGreaterThan(1000);
    const names = [...new Set(entries.map((e) => e[0]))];
    let inflated = 0;
    names.forEach((name, i) => {
      const versions = entries.filter((e) => e[0] === name).map((e) => e[1]);
      const reqs = new Set<string | undefined>([undefined, '*', '0.0.1', '>=1000']);
      for (const v of versions) {
        const [major, minor] = v.split('.');
        reqs.add(v).add(`=${v}`).add(`^${major}.${minor}`).add(major);
      }
      for (const req of reqs) {
        // `-` and `_` name the same package; ask both ways.
        for (const asked of [name, name.replace(/_/g, '-')]) expect(deferred.headOf(asked, req), `${asked} ${req}`).toEqual(eager.headOf(asked, req));
        if (i % 25 === 0) {
          const a = deferred.summaryOf(name, req);
          const b = eager.summaryOf(name, req);
          expect(a && { version: a.summary.version, name: a.summary.name, approximate: a.approximate }, `${name} ${req}`).toEqual(b && { version: b.summary.version, name: b.summary.name, approximate: b.approximate });
          inflated++;
        }
      }
    });
    expect(inflated).toBeGreaterThan(100);
    expect(deferred.size).toBe(eager.size);
  });

  it('keeps the table\'s order within a package: a later entry for the same name and version replaces an earlier one', () => {
    const rules = tempDir('cf-toc-');
    mkdirSync(path.join(rules, 'data'));
    const dash = crate('a-b', '1.0.0', 'pub fn dash() {}\n');
    const under = crate('a_b', '1.0.0', 'pub fn under() {}\n');
    const newer = crate('a_b', '1.1.0', 'pub fn newer() {}\n');
    const c = crate('c', '2.0.0', 'pub fn c() {}\n');
    const file = summaryIndexFile(rules);
    writeFileSync(file, encodeSummaryIndex([c, newer, under, dash], { tool: dash.tool, source: 'test' }));
    const { set: eager } = eagerSet(file);
    const idx = shippedIndex(rules);
    // `a-b` sorts before `a_b` in the table: the second entry of `a_b@1.0.0` is the one kept.
    expect(idx.summaryOf('a-b', '=1.0.0')?.summary.name).toBe('a_b');
    expect(idx.headOf('a_b', '1')).toEqual(eager.headOf('a_b', '1'));
    expect(idx.headOf('a_b', '1')?.version).toBe('1.1.0');
    // A summary added to a package whose entries are still deferred comes after them, as it would after adding them all.
    const mine = crate('c', '2.0.0', 'pub fn mine() {}\n');
    idx.add('c', '2.0.0', mine);
    eager.add('c', '2.0.0', mine);
    expect(idx.summaryOf('c', '2')?.summary).toBe(mine);
    expect(eager.summaryOf('c', '2')?.summary).toBe(mine);
    expect(idx.size).toBe(3);
    expect(idx.size).toBe(eager.size);
  });

  it('leaves out entries that do not fit the file, when their package is looked up', () => {
    const rules = tempDir('cf-toc-');
    mkdirSync(path.join(rules, 'data'));
    const s = crate('netfetch', '1.2.0', 'pub fn get() {}\n');
    const good = encodeSummaryIndex([s], { tool: s.tool, source: 'test' });
    const len = good.readUInt32BE(8);
    const header = JSON.parse(good.subarray(12, 12 + len).toString('utf8')) as { entries: unknown[] };
    const blobs = good.subarray(12 + len);
    // A length past the end, a negative offset, a version that is not a string, an entry that is not a list.
    header.entries.push(['far', '1.0.0', 0, blobs.length + 1], ['neg', '1.0.0', -1, 1], ['odd', 7, 0, 1], 'junk', ['netfetch', '0.9.0', 0, blobs.length, '[]']);
    const text = Buffer.from(JSON.stringify(header));
    const size = Buffer.alloc(4);
    size.writeUInt32BE(text.length);
    const file = summaryIndexFile(rules);
    writeFileSync(file, Buffer.concat([Buffer.from('CFSUMS01'), size, text, blobs]));
    const idx = shippedIndex(rules);
    expect(idx.summaryOf('far', '1')).toBeNull();
    expect(idx.summaryOf('neg', '1')).toBeNull();
    expect(idx.summaryOf('odd', '7')).toBeNull();
    expect(idx.summaryOf('netfetch', '1')?.summary.version).toBe('1.2.0');
    // Its blob holds 1.2.0, not 0.9.0: refused when read, and the package falls back to the release it has.
    expect(idx.summaryOf('netfetch', '=0.9.0')?.summary.version).toBe('1.2.0');
    // The two netfetch entries were added (a refused one stays counted, as before); the others never were.
    expect(idx.size).toBe(2);
  });
});
