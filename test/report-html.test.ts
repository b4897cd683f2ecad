import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { analyzeTrees, diffReleasesWithHunks, treeFromFiles, type FileHunks, type Finding } from '../src/index.js';
import { formatHtml } from '../src/report/html.js';
import fc from 'fast-check';
import { manifest } from './helpers/fixture.js';
import { corpusScan, lockFixture } from './helpers/lock-fixture.js';
import { tempDir } from './helpers/tmp.js';

describe('release diff hunks (from the scan itself)', () => {
  const oldLib = Array.from({ length: 40 }, (_, i) => `// line ${i + 1}`).join('\n') + '\n';
  const lines = oldLib.split('\n');
  lines.splice(4, 1, '// changed 5');
  lines.splice(30, 0, 'pub fn added() {}');
  const newLib = lines.join('\n');
  const a = analyzeTrees(
    treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': oldLib, 'src/gone.rs': 'fn a() {}\nfn b() {}\n' }, 'old'),
    treeFromFiles({ 'Cargo.toml': manifest('0.1.1'), 'src/lib.rs': newLib, 'src/new.rs': 'fn c() {}\n' }, 'new'),
  );

  it('gives unified-diff hunks with both line numbers, context 3, for modified, added and removed files', () => {
    const byPath = new Map(a.hunks.map((h) => [h.path, h]));
    expect([...byPath.keys()].sort()).toEqual(['Cargo.toml', 'src/gone.rs', 'src/lib.rs', 'src/new.rs']);
    const lib = byPath.get('src/lib.rs')!;
    expect(lib.hunks).toHaveLength(2);
    const [h1, h2] = lib.hunks;
    expect({ o: h1.oldStart, ol: h1.oldLines, n: h1.newStart, nl: h1.newLines }).toEqual({ o: 2, ol: 7, n: 2, nl: 7 });
    expect(h1.lines.map((l) => l.op).join('')).toBe('   -+   ');
    expect(h1.lines[3]).toEqual({ op: '-', text: '// line 5', oldLine: 5, newLine: null });
    expect(h1.lines[4]).toEqual({ op: '+', text: '// changed 5', oldLine: null, newLine: 5 });
    expect(h2.lines.map((l) => l.op).join('')).toBe('   +   ');
    expect(h2.lines[3]).toEqual({ op: '+', text: 'pub fn added() {}', oldLine: null, newLine: 31 });
    // The same changed lines as the scan's own file diff, which the report's summary counts.
    const added = a.hunks.reduce((n, f) => n + f.hunks.reduce((m, h) => m + h.lines.filter((l) => l.op === '+').length, 0), 0);
    const removed = a.hunks.reduce((n, f) => n + f.hunks.reduce((m, h) => m + h.lines.filter((l) => l.op === '-').length, 0), 0);
    expect(added).toBe(a.report.summary.linesAdded);
    expect(removed).toBe(a.report.summary.linesRemoved);
    expect(byPath.get('src/new.rs')!.hunks[0].lines).toEqual([{ op: '+', text: 'fn c() {}', oldLine: null, newLine: 1 }]);
    expect(byPath.get('src/gone.rs')!.hunks[0].lines.map((l) => `${l.op}${l.oldLine}`)).toEqual(['-1', '-2']);
  });

  it('property: hunks are consistent with both texts and with the scan\'s line counts', () => {
    const line = fc.constantFrom('// a', '// b', '// c', 'fn x() {}', '');
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), fc.array(line, { minLength: 1, maxLength: 40 }), (oldL, newL) => {
        const o = oldL.join('\n') + '\n';
        const n = newL.join('\n') + '\n';
        const r = analyzeTrees(treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': o }, 'old'), treeFromFiles({ 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': n }, 'new'));
        const fh = r.hunks.find((h) => h.path === 'src/lib.rs');
        if (o === n) {
          expect(fh).toBeUndefined();
          return;
        }
        let lastOld = 0;
        let lastNew = 0;
        let prevTrail = 0;
        let plus = 0;
        let minus = 0;
        for (const h of fh!.hunks) {
          let i = h.oldStart;
          let j = h.newStart;
          // Hunks in order, their changes apart by more than twice the context (3): the equal lines
          // between them (the trailing context before, the lines left out, the leading context here)
          // are more than 6, and at least one line is left out (else they would be one hunk).
          expect(i).toBeGreaterThan(lastOld);
          expect(j).toBeGreaterThan(lastNew);
          const lead = h.lines.findIndex((l) => l.op !== ' ');
          if (lastOld > 0) {
            expect(i - lastOld - 1).toBeGreaterThan(0);
            expect(prevTrail + (i - lastOld - 1) + lead).toBeGreaterThan(6);
          }
          for (const l of h.lines) {
            if (l.op !== '+') expect([l.oldLine, l.text]).toEqual([i, oldL[i++ - 1]]);
            if (l.op !== '-') expect([l.newLine, l.text]).toEqual([j, newL[j++ - 1]]);
            if (l.op === '+') plus++;
            if (l.op === '-') minus++;
          }
          expect(h.oldLines).toBe(i - h.oldStart);
          expect(h.newLines).toBe(j - h.newStart);
          const trail = [...h.lines].reverse().findIndex((l) => l.op !== ' ');
          expect(lead).toBeGreaterThanOrEqual(0);
          expect(lead).toBeLessThanOrEqual(3);
          expect(trail).toBeLessThanOrEqual(3);
          lastOld = i - 1;
          lastNew = j - 1;
          prevTrail = trail;
        }
        expect([plus, minus]).toEqual([r.report.summary.linesAdded, r.report.summary.linesRemoved]);
      }),
      // Two changes 7 equal lines apart: two hunks with one line left out between them (found by a CI run).
      { numRuns: 150, examples: [[['', '// a', '// a', '// b', '// c', '', '// c', 'fn x() {}'], ['// a', '// a', '// b', '// c', '', '// c', 'fn x() {}', '// a']]] },
    );
  });

  it('is bounded, and says what it left out', async () => {
    const { fileHunks } = await import('../src/diff/hunks.js');
    const cut = fileHunks(a.delta, { context: 3, fileLines: 4, totalLines: 100, lineChars: 5 });
    const lib = cut.find((h) => h.path === 'src/lib.rs')!;
    expect(lib.hunks.reduce((n, h) => n + h.lines.length, 0)).toBe(4);
    expect(lib.truncated).toMatch(/^11 more diff line\(s\)/);
    expect(lib.hunks[0].lines[3].text).toBe('// li… (4 more characters)');
  });
});

describe('HTML page size', () => {
  it('a page shows at most maxDiffLines diff lines: flagged lines first, whole diffs while lines are left; the rest says so', async () => {
    const { lock, hunks } = await lockFixture(['m02-key-scan-post', 'm05-far-jump-payload-in-new-module'], 6);
    const lines = (h: FileHunks[]) => h.reduce((n, f) => n + f.hunks.reduce((m, x) => m + x.lines.length, 0), 0);
    const all = Object.values(hunks).reduce((n, h) => n + lines(h), 0);
    // Room for the flagged lines of every file and their context, not for every whole diff.
    const max = Math.floor(all * 0.7);
    const html = formatHtml(lock, { lockHunks: hunks, maxDiffLines: max });
    const rows = (html.match(/<tr class="[adx][ "]/g) ?? []).length;
    expect(rows).toBeLessThanOrEqual(max);
    expect(rows).toBeGreaterThan(0);
    // Every flagged line of every crate made it: flagged windows come before whole diffs.
    const whole = formatHtml(lock, { lockHunks: hunks });
    const flagged = (h: string) => (h.match(/<tr class="[adx] flag on"/g) ?? []).length;
    expect(flagged(html)).toBe(flagged(whole));
    expect(flagged(html)).toBeGreaterThan(10);
    expect(html).toMatch(/⋯ \d+ lines? not shown|the page shows at most \d+ diff lines/);
    const tiny = formatHtml(lock, { lockHunks: hunks, maxDiffLines: 10 });
    expect((tiny.match(/<tr class="[adx][ "]/g) ?? []).length).toBeLessThanOrEqual(10);
    expect(tiny).toContain('the page shows at most 10 diff lines');
    expect(tiny).toContain('Findings outside the shown diff');
    expect(whole).not.toContain('the page shows at most');
    expect(whole).not.toContain(' not shown</td>');
  });

  it('plans flagged windows first, then whole diffs of files with shown findings and of quiet files; info-only files keep their windows', async () => {
    const { planDiffs, FLAG_CONTEXT } = await import('../src/report/html-diff.js');
    type Plan = import('../src/report/html-diff.js').FilePlan;
    const { filesByDanger } = await import('../src/report/html-rank.js');
    const file = (p: string, n: number): FileHunks => ({ path: p, status: 'added', binary: false, linesAdded: n, linesRemoved: 0, hunks: [{ oldStart: 0, oldLines: 0, newStart: 1, newLines: n, lines: Array.from({ length: n }, (_, i) => ({ op: '+' as const, text: `l${i}`, oldLine: null, newLine: i + 1 })) }] });
    const hunks = [file('src/quiet.rs', 300), file('src/sys.rs', 500), file('src/net.rs', 100)];
    const f = (path: string, line: number, severity: 'info' | 'high') => ({ ruleId: 'r', category: 'network', severity, confidence: 'high', message: 'm', file: path, line, column: 1, endLine: line, snippet: '', item: null }) as const;
    const findings = [f('src/net.rs', 50, 'high'), f('src/sys.rs', 250, 'info')];
    const flags = new Map([[2, new Map([[50, ['a']]])], [1, new Map([[250, ['b']]])]]);
    const v = { k: 0, hunks, risks: filesByDanger(hunks, [...findings]), flags, plans: [] as Plan[] };
    expect(v.risks.map((r) => r.fh.path)).toEqual(['src/net.rs', 'src/sys.rs', 'src/quiet.rs']);
    const w = 2 * FLAG_CONTEXT + 1;
    planDiffs([v], 2 * w + 91);
    expect(v.plans.map((p) => p.mode)).toEqual(['none', 'windows', 'full']);
    expect(v.plans.map((p) => p.shown)).toEqual([0, w, 100]);
    // Quiet files take at most a quarter of the page's lines.
    planDiffs([v], 1199);
    expect(v.plans.map((p) => p.mode)).toEqual(['none', 'windows', 'full']);
    planDiffs([v], 1200);
    expect(v.plans.map((p) => p.mode)).toEqual(['full', 'windows', 'full']);
    planDiffs([v], w - 1);
    expect(v.plans.map((p) => p.mode)).toEqual(['none', 'none', 'none']);
  });
});

describe('HTML page size for a hostile release', () => {
  it('thousands of files and findings still make a bounded page: diff lines, table rows, cards are capped and counted', async () => {
    const { PAGE_DIFF_LINES } = await import('../src/report/html.js');
    const { MAX_LISTED, MAX_OUTSIDE_CARDS, MAX_CARD_ITEMS } = await import('../src/report/html-cards.js');
    const { report } = await corpusScan('m02-key-scan-post');
    const files = 3000;
    const lines = 200;
    const hunks: FileHunks[] = Array.from({ length: files }, (_, k) => ({ path: `src/f${k}.rs`, status: 'added', binary: false, linesAdded: lines, linesRemoved: 0, hunks: [{ oldStart: 0, oldLines: 0, newStart: 1, newLines: lines, lines: Array.from({ length: lines }, (_, i) => ({ op: '+' as const, text: `pub fn f${i}() -> u32 { ${i} }`, oldLine: null, newLine: i + 1 })) }] }));
    const f0 = report.findings[0];
    const findings: Finding[] = hunks.flatMap((h, k) => Array.from({ length: 10 }, (_, j): Finding => ({ ...f0, file: h.path, line: 1 + j * 7, endLine: 1 + j * 7 + 30, severity: k % 3 ? 'info' : 'high' })));
    // And one line that a thousand findings share.
    findings.push(...Array.from({ length: 1000 }, () => ({ ...f0, file: 'src/f0.rs', line: 100, endLine: 100 })));
    const html = formatHtml({ ...report, findings }, { hunks });
    expect((html.match(/<tr class="[adx][ "]/g) ?? []).length).toBeLessThanOrEqual(PAGE_DIFF_LINES);
    expect((html.match(/<tr data-fid=/g) ?? []).length).toBe(MAX_LISTED);
    expect(html).toContain(`${findings.length - MAX_LISTED} less telling findings are not listed`);
    expect(html).toContain(`${1000 - MAX_CARD_ITEMS} more findings on this line are not shown`);
    expect(html).toMatch(/\d+ more places with findings are not shown/);
    expect((html.match(/<div class="card /g) ?? []).length).toBeLessThanOrEqual(PAGE_DIFF_LINES + MAX_OUTSIDE_CARDS);
    expect(html.length).toBeLessThan(12_000_000);
  });
});

describe('what the HTML page leads with', () => {
  it('the headline names the finding that explains the attack, by severity, then category priority, then points', async () => {
    const { headlineFinding, CATEGORY_PRIORITY } = await import('../src/index.js');
    const m03 = (await corpusScan('m03-build-rs-credential-theft')).report;
    // The page names the exfiltration the sensitive path is part of, and so does the verdict reason.
    expect(m03.verdictReason).toMatch(/secret-exfiltration/);
    expect(headlineFinding(m03.findings)?.ruleId).toBe('secret-exfiltration');
    expect(headlineFinding((await corpusScan('m01-ci-gated-download-exec')).report.findings)?.ruleId).toBe('ci-gated-payload');
    expect(CATEGORY_PRIORITY.indexOf('exfiltration')).toBeLessThan(CATEGORY_PRIORITY.indexOf('filesystem'));
    // Suppressed and info findings never lead; low confidence only when nothing else is there.
    const a = m03.findings.find((f) => f.ruleId === 'secret-exfiltration')!;
    const b = m03.findings.find((f) => f.ruleId === 'build-script-added')!;
    expect(headlineFinding([{ ...a, suppressed: { reason: 'x', source: 'y' } }, b])?.ruleId).toBe('build-script-added');
    expect(headlineFinding([{ ...a, severity: 'info' }])).toBeUndefined();
    expect(headlineFinding([{ ...a, confidence: 'low' }, { ...b, confidence: 'medium' }])?.ruleId).toBe('build-script-added');
  });

  it('lock pages put block first, then review, then crates not scanned, and those that pass collapsed at the end', async () => {
    const { lock, hunks } = await lockFixture(['h06-dependency-bump', 'm02-key-scan-post', 'h08-docs-and-readme', 'm10-typosquat-dependency']);
    const html = formatHtml(lock, { lockHunks: hunks });
    const order = [...html.matchAll(/<(?:section|details) class="crate[^"]*" id="c(\d+)"/g)].map((m) => lock.entries[Number(m[1])]);
    const verdicts = order.map((e) => e.verdict ?? 'none');
    expect(verdicts).toEqual([...verdicts].sort((x, y) => ['block', 'review', 'none', 'pass'].indexOf(x) - ['block', 'review', 'none', 'pass'].indexOf(y)));
    expect(verdicts[0]).toBe('block');
    expect(verdicts).toContain('pass');
    expect(verdicts).toContain('review');
    expect(html).toMatch(/<details class="crate quiet" id="c\d+"><summary><h3>/);
    expect(html).not.toMatch(/<details class="crate quiet" id="c\d+" open/);
    expect(html).toMatch(/<details class="cf-more"><summary>\d+ packages? pass<\/summary>/);
  });
});

describe('files a release leaves out', () => {
  it('each note names its release, and the page lists the files it left out, collapsed', async () => {
    const dir = tempDir('cf-left-out-');
    const side = (v: string, extra: string[]) => {
      const root = path.join(dir, v);
      const files: Record<string, string> = { 'Cargo.toml': `[package]\nname = "leaves"\nversion = "${v}"\nexclude = ["ci/*", "docs/*"]\n`, 'src/lib.rs': 'pub fn a() {}\n', 'ci/run.sh': 'true\n', ...Object.fromEntries(extra.map((e) => [e, 'x\n'])) };
      for (const [f, c] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
        writeFileSync(path.join(root, f), c);
      }
      return root;
    };
    const { report, hunks } = await diffReleasesWithHunks(side('0.1.0', ['docs/a.md']), side('0.1.1', ['docs/a.md', 'docs/b.md']));
    expect(report.summary.notes).toEqual([
      "old release 0.1.0: 2 file(s) left out by Cargo.toml's package.exclude, as cargo package would; not analysed",
      "new release 0.1.1: 3 file(s) left out by Cargo.toml's package.exclude, as cargo package would; not analysed",
    ]);
    expect(report.summary.leftOut?.map((l) => [l.side, [...l.paths].sort()])).toEqual([['old', ['ci/run.sh', 'docs/a.md']], ['new', ['ci/run.sh', 'docs/a.md', 'docs/b.md']]]);
    const html = formatHtml(report, { hunks });
    expect(html).toContain("<details class=\"cf-left\"><summary>new release 0.1.1: 3 file(s) left out");
    expect(html).toMatch(/<li><code>docs\/b\.md<\/code><\/li>/);
  });
});

describe('the pool hands hunks back when a job asks for them', () => {
  it('withHunks: the same hunks as a scan in this thread; without it, none', async () => {
    const { ScanPool } = await import('../src/runner/index.js');
    const { CORPUS } = await import('./helpers/lock-fixture.js');
    const pool = new ScanPool({ threads: 1 });
    try {
      const c = 'm05-far-jump-payload-in-new-module';
      const job = { id: c, old: { path: path.join(CORPUS, c, 'old') }, new: { path: path.join(CORPUS, c, 'new') } };
      const [withH, without] = [await pool.run({ ...job, withHunks: true }), await pool.run(job)];
      const here = await corpusScan(c);
      expect(withH.ok && withH.hunks).toEqual(here.hunks);
      expect(without.ok && 'hunks' in without).toBe(false);
    } finally {
      await pool.close();
    }
  });
});
