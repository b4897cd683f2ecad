import { describe, expect, it } from 'vitest';
import type { LockEntry } from '../src/index.js';
import { errorLines } from '../src/lock/command.js';
import { formatLockText } from '../src/lock/text.js';
import { bump24 } from './helpers/bump24.js';

describe('lock text', () => {
  it('a 24-package bump leads with block, then review, then the unscanned packages; passing ones are one line with their count', async () => {
    const { lock } = await bump24();
    const text = formatLockText(lock, { color: false });
    const lines = text.split('\n');
    console.log(`lock text of the 24-package bump: ${text.length} characters, ${lines.length} lines`);
    const heads = lines.filter((l) => /^(BLOCK|REVIEW|PASS|-) /.test(l)).map((l) => l.split(/\s+/)[0]);
    const rank = { BLOCK: 0, REVIEW: 1, '-': 2, PASS: 3 } as Record<string, number>;
    expect(heads).toEqual([...heads].sort((a, b) => rank[a] - rank[b]));
    expect(heads.filter((h) => h === 'BLOCK')).toHaveLength(lock.entries.filter((e) => e.verdict === 'block' || e.error).length);
    const pass = lines.filter((l) => l.startsWith('PASS'));
    expect(pass).toHaveLength(1);
    expect(pass[0]).toMatch(/^PASS {3}20 packages: .*, and 8 more$/);
    // The failed package is first: nothing about it can be trusted.
    expect(lines[3]).toMatch(/^BLOCK {2}fresh-dep +0\.3\.0 \(added\)$/);
    // Long messages end on a word boundary outside code spans, with an ellipsis.
    for (const l of lines.filter((x) => x.endsWith('…'))) expect((l.match(/`/g) ?? []).length % 2, l).toBe(0);
    expect(lines.some((l) => l.endsWith('…'))).toBe(true);
  });

  it('a passing package with a note keeps its own line', async () => {
    const { lock } = await bump24();
    const e = lock.entries.find((x) => x.verdict === 'pass')!;
    e.note = 'registry policy not checked (yanked, publish time): cannot fetch the index';
    const text = formatLockText(lock, { color: false });
    expect(text).toMatch(new RegExp(`^PASS {3}${e.name} +${e.old} → ${e.new} +score ${e.report!.score}\\n {7}registry policy not checked`, 'm'));
    expect(text).toMatch(/^PASS {3}19 packages: /m);
  });

  it('one stderr line per distinct error, naming the packages it hit', () => {
    const entry = (name: string, error?: string): LockEntry => ({ name, change: 'changed', old: '1.0.0', new: '1.0.1', source: null, lockLine: 1, verdict: null, error });
    const down = 'cannot fetch http://127.0.0.1:1/config.json (ECONNREFUSED; 4 attempts)';
    const names = Array.from({ length: 21 }, (_, i) => `crate${String(i).padStart(2, '0')}`);
    const lines = errorLines([...names.map((n) => entry(n, down)), entry('ok'), entry('odd', 'checksum mismatch')]);
    expect(lines).toEqual([`${down} (21 packages: crate00 1.0.1, crate01 1.0.1, crate02 1.0.1, crate03 1.0.1, crate04 1.0.1, crate05 1.0.1, crate06 1.0.1, crate07 1.0.1, and 13 more)`, 'odd 1.0.1: checksum mismatch']);
  });
});
