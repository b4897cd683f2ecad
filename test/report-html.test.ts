import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { analyzeTrees, treeFromFiles, type FileHunks, type Report } from '../src/index.js';
import { formatHtml, renderReportBody } from '../src/report/html.js';
import fc from 'fast-check';
import { manifest } from './helpers/fixture.js';
import { corpusScan, lockFixture } from './helpers/lock-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const CI = process.env.CI === 'true';
if (!HAVE_CHROMIUM && !CI) console.warn(`report-html: browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium); under CI=true they fail instead`);

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
        let plus = 0;
        let minus = 0;
        for (const h of fh!.hunks) {
          let i = h.oldStart;
          let j = h.newStart;
          // Hunks in order, apart by more than twice the context.
          expect(i).toBeGreaterThan(lastOld);
          expect(j).toBeGreaterThan(lastNew);
          if (lastOld > 0) expect(i - lastOld - 1).toBeGreaterThan(6);
          for (const l of h.lines) {
            if (l.op !== '+') expect([l.oldLine, l.text]).toEqual([i, oldL[i++ - 1]]);
            if (l.op !== '-') expect([l.newLine, l.text]).toEqual([j, newL[j++ - 1]]);
            if (l.op === '+') plus++;
            if (l.op === '-') minus++;
          }
          expect(h.oldLines).toBe(i - h.oldStart);
          expect(h.newLines).toBe(j - h.newStart);
          const lead = h.lines.findIndex((l) => l.op !== ' ');
          const trail = [...h.lines].reverse().findIndex((l) => l.op !== ' ');
          expect(lead).toBeGreaterThanOrEqual(0);
          expect(lead).toBeLessThanOrEqual(3);
          expect(trail).toBeLessThanOrEqual(3);
          lastOld = i - 1;
          lastNew = j - 1;
        }
        expect([plus, minus]).toEqual([r.report.summary.linesAdded, r.report.summary.linesRemoved]);
      }),
      { numRuns: 150 },
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
  it('a page shows at most maxDiffLines diff lines; files past it say so and their findings keep their snippets', async () => {
    const { lock, hunks } = await lockFixture(['m02-key-scan-post', 'm05-far-jump-payload-in-new-module'], 6);
    const lines = (h: FileHunks[]) => h.reduce((n, f) => n + f.hunks.reduce((m, x) => m + x.lines.length, 0), 0);
    const all = Object.values(hunks).reduce((n, h) => n + lines(h), 0);
    const max = Math.floor(all / 3);
    const html = formatHtml(lock, { lockHunks: hunks, maxDiffLines: max });
    const rows = (html.match(/<tr class="(add|del|ctx)/g) ?? []).length;
    expect(rows).toBeLessThanOrEqual(max);
    expect(rows).toBeGreaterThan(0);
    expect(html).toContain(`(at most ${max} per page)`);
    expect(html).toContain('Findings outside the shown diff');
    expect(formatHtml(lock, { lockHunks: hunks })).not.toContain('per page)');
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

describe.skipIf(!HAVE_CHROMIUM && !CI)('HTML reporter in headless Chromium', () => {
  let dir: string;
  let ctx: BrowserContext;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`${CHROMIUM} is missing and CI=true: install Debian's chromium package`);
    dir = mkdtempSync(path.join(tmpdir(), 'cratefence-html-'));
    ctx = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await ctx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Opens the page as if from a web server; every request is routed: the page itself is answered,
   * anything else is recorded and refused. Returns the page and what it tried to fetch or log.
   */
  async function open(html: string): Promise<{ page: Page; requests: string[]; problems: string[] }> {
    const page = await ctx.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.route('**/*', async (route) => {
      if (route.request().url() === 'http://cratefence.test/report.html') return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      requests.push(route.request().url());
      return route.abort();
    });
    await page.goto('http://cratefence.test/report.html', { waitUntil: 'load' });
    return { page, requests, problems };
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    const file = path.join(dir, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(20_000);
    // A person looks at these before trusting the test: kept only when asked for.
    const keep = process.env.CRATEFENCE_SCREENSHOT_DIR;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      copyFileSync(file, path.join(keep, `${name}.png`));
    }
  }

  it('a single report loads with no console errors and no requests; the filter hides findings and their highlights', async () => {
    const { report, hunks } = await corpusScan('m05-far-jump-payload-in-new-module');
    const { page, requests, problems } = await open(formatHtml(report, { hunks }));
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    const cards = page.locator('.card[data-fid]');
    expect(await cards.count()).toBe(report.findings.length);
    const loud = report.findings.filter((f) => f.severity !== 'info').length;
    await expect.poll(() => page.locator('#cf-count').textContent()).toBe(`showing ${loud} of ${report.findings.length} findings`);
    // Each card follows its flagged line in the diff: the row right before its note row is highlighted.
    const flagged = page.locator('tr.flag.on');
    expect(await flagged.count()).toBeGreaterThan(0);
    const traces = page.locator('svg.trace');
    expect(await traces.count()).toBeGreaterThan(0);
    expect(await page.locator('svg.trace a').count()).toBeGreaterThan(0);
    await screenshot(page, 'single');

    const network = report.findings.filter((f) => f.category === 'network' && f.severity !== 'info').length;
    expect(network).toBeGreaterThan(0);
    await page.getByRole('checkbox', { name: /^network/ }).uncheck();
    await expect.poll(() => page.locator('.card[data-category="network"]:visible').count()).toBe(0);
    expect(await page.locator('.cf-list tr[data-category="network"]:visible').count()).toBe(0);
    await expect.poll(() => page.locator('#cf-count').textContent()).toBe(`showing ${loud - network} of ${report.findings.length} findings`);
    await page.getByRole('checkbox', { name: /^critical/ }).uncheck();
    await page.getByRole('checkbox', { name: /^high/ }).uncheck();
    const left = report.findings.filter((f) => f.category !== 'network' && (f.severity === 'medium' || f.severity === 'low')).length;
    await expect.poll(() => page.locator('.card[data-fid]:visible').count()).toBe(left);
    await page.getByRole('checkbox', { name: /^network/ }).check();
    await expect.poll(() => page.locator('.card[data-category="network"]:visible').count()).toBe(report.findings.filter((f) => f.category === 'network' && (f.severity === 'medium' || f.severity === 'low')).length);
    await screenshot(page, 'single-filtered');
    await page.close();
  });

  it('a lock report shows every crate with its diff; the filter spans all crates', async () => {
    const { lock, hunks } = await lockFixture(['m02-key-scan-post', 'm03-build-rs-credential-theft', 'h01-network-client-new-endpoint']);
    const { page, requests, problems } = await open(formatHtml(lock, { lockHunks: hunks }));
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    const total = lock.entries.reduce((n, e) => n + (e.report?.findings.length ?? 0), 0);
    expect(await page.locator('.card[data-fid]').count()).toBe(total);
    expect(await page.locator('section.crate').count()).toBe(lock.entries.length);
    await expect(page.getByText('checksum mismatch').first()).toBeDefined();
    expect(await page.locator('table.diff').count()).toBeGreaterThan(2);
    await screenshot(page, 'lock');
    await page.getByRole('checkbox', { name: /^exfiltration/ }).uncheck();
    await expect.poll(() => page.locator('.card[data-category="exfiltration"]:visible').count()).toBe(0);
    await page.close();
  });

  it('report text cannot inject markup or script (messages, snippets, file names, diff lines)', async () => {
    const { report, hunks } = await corpusScan('m02-key-scan-post');
    const evil = `<script>window.__pwned=1</script>"'><img src=x onerror="window.__pwned=2"></script><script>window.__pwned=3</script>\u202Eevil`;
    const file = `src/${evil}.rs`;
    const hostile: Report = {
      ...report,
      crate: { ...report.crate, name: `x${evil}` },
      verdictReason: evil,
      summary: { ...report.summary, notes: [evil] },
      findings: report.findings.map((f) => ({ ...f, file: f.file === 'src/packer.rs' ? file : f.file, message: `${evil} ${f.message}`, snippet: `${f.snippet}\n${evil}`, item: `${f.item}${evil}`, note: evil, trace: f.trace?.map((h) => ({ ...h, item: `${h.item}${evil}` })) })),
    };
    const evilHunks: FileHunks[] = hunks.map((h) => (h.path === 'src/packer.rs' ? { ...h, path: file, hunks: h.hunks.map((x) => ({ ...x, lines: x.lines.map((l) => ({ ...l, text: `${l.text}${evil}` })) })) } : h));
    const html = formatHtml(hostile, { hunks: evilHunks });
    expect(html).not.toContain('<script>window');
    expect(html).not.toContain('<img');
    const { page, requests, problems } = await open(html);
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.evaluate(() => document.scripts.length)).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    // The text is shown as text, with the bidi override made visible.
    expect(await page.getByText('<script>window.__pwned=1</script>', { exact: false }).count()).toBeGreaterThan(0);
    expect(await page.locator('.bidi').count()).toBeGreaterThan(0);
    // The file's cards still sit under its (renamed) diff lines.
    expect(await page.locator('tr.flag.on').count()).toBeGreaterThan(0);
    await page.close();
  });

  it("the page's CSP stops markup that got past the escaping: no script runs, nothing is fetched", async () => {
    const { report, hunks } = await corpusScan('m02-key-scan-post');
    const html = formatHtml(report, { hunks }).replace('<div class="cf-page">', '<div class="cf-page"><script>window.__x=1</script><img src="http://evil.example/x.png"><link rel="stylesheet" href="https://evil.example/s.css">');
    const { page, requests, problems } = await open(html);
    expect(await page.evaluate(() => (window as unknown as { __x?: number }).__x)).toBeUndefined();
    expect(requests).toEqual([]);
    expect(problems.some((p) => /Content Security Policy/i.test(p))).toBe(true);
    // The page's own script still ran.
    expect(await page.locator('#cf-count').textContent()).toMatch(/^showing \d+ of \d+ findings$/);
    await page.close();
  });

  it('renderReportBody is the page body without the document around it, for the serve page', async () => {
    const { report, hunks } = await corpusScan('m16-download-and-dlopen');
    const body = renderReportBody(report, { hunks });
    expect(body.startsWith('<div class="cf-page">')).toBe(true);
    expect(body).not.toMatch(/<(html|head|body|style|script)\b/);
    expect(formatHtml(report, { hunks })).toContain(body);
  });
});
