import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { analyzeTrees, treeFromFiles, type FileHunks, type Report } from '../src/index.js';
import { formatHtml, renderReportBody } from '../src/report/html.js';
import { HTML_SCRIPT } from '../src/report/html-assets.js';
import { browserTestsRun, launch, loadTime, screenshot, seriousA11yViolations } from './helpers/browser.js';
import { manifest } from './helpers/fixture.js';
import { corpusScan, lockFixture } from './helpers/lock-fixture.js';

const RUN = browserTestsRun('report-html-browser.test.ts');

/**
 * A release shaped like libc's, small enough for every test run: one file with a finding the default
 * filter shows, many FFI files whose only findings are `info` (the crate already declared foreign
 * functions), and quiet files.
 */
function ffiRelease(files: number, lines: number): { report: Report; hunks: FileHunks[] } {
  const body = (k: number) => Array.from({ length: lines }, (_, i) => (i === Math.floor(lines / 2) ? `extern "C" { pub fn sys_${k}_${i}(x: i32) -> i32; }` : `pub fn f_${k}_${i}() -> u32 { ${i} }`)).join('\n');
  const oldFiles: Record<string, string> = { 'Cargo.toml': manifest('0.1.0'), 'src/lib.rs': 'extern "C" { fn abs(x: i32) -> i32; }\n' };
  const newFiles: Record<string, string> = {
    'Cargo.toml': manifest('0.1.1'),
    'src/lib.rs': 'extern "C" { fn abs(x: i32) -> i32; }\npub mod net;\n',
    'src/net.rs': 'pub fn call_home() {\n    let _ = std::net::TcpStream::connect("198.51.100.7:443");\n}\n',
    'CHANGELOG.md': Array.from({ length: 40 }, (_, i) => `- change ${i}`).join('\n'),
  };
  for (let k = 0; k < files; k++) newFiles[`src/sys/f${String(k).padStart(2, '0')}.rs`] = body(k);
  const a = analyzeTrees(treeFromFiles(oldFiles, 'old'), treeFromFiles(newFiles, 'new'));
  return { report: a.report, hunks: a.hunks };
}

describe.skipIf(!RUN)('HTML reporter in headless Chromium', () => {
  let dir: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cratefence-html-'));
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Opens the page as if from a web server; every request is routed: the page itself is answered,
   * anything else is recorded and refused. Returns the page and what it tried to fetch or log.
   */
  async function open(html: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; requests: string[]; problems: string[] }> {
    const page = await (await browser.newContext({ viewport })).newPage();
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

  it('a blocked release: leads with the exfiltration, one card per line, an index by danger, sticky file headers, coloured Rust, no accessibility problems', async () => {
    const { report, hunks } = await corpusScan('m03-build-rs-credential-theft');
    expect(report.verdict).toBe('block');
    const html = formatHtml(report, { hunks });
    const { page, requests, problems } = await open(html);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    const ms = await loadTime(page);
    console.log(`report-html: blocked corpus case m03: ${html.length} bytes, loaded in ${ms} ms`);
    expect(html.length).toBeLessThan(200_000);
    expect(ms).toBeLessThan(5000);

    // The headline names what the attack is, not the sensitive path that is part of it.
    const lead = page.locator('.cf-lead');
    expect(await lead.getByRole('link').textContent()).toBe('secret-exfiltration');
    await lead.getByRole('link').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#c0n\d+$/);

    // Three sensitive paths on build.rs:8 are one card that lists them, as are the three rules on line 13.
    const line8 = page.locator('.card', { hasText: 'build.rs:8 in' });
    expect(await line8.count()).toBe(1);
    expect(await line8.locator('.fr').count()).toBe(3);
    expect(await line8.locator('.why').count()).toBe(1);
    const line13 = page.locator('.card', { hasText: 'build.rs:13 in' });
    expect(await line13.locator('.fr .t').allTextContents()).toEqual(['secret-exfiltration', 'network-new-use', 'network-endpoint-literal']);
    expect(await page.locator('.card').count()).toBe(new Set(report.findings.map((f) => `${f.file}:${f.line}`)).size);
    expect(await page.locator('.fr').count()).toBe(report.findings.length);

    // The file index: build.rs first with its worst finding, linking to its diff; Cargo.toml under "more".
    const rows = page.locator('.cf-index > table tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(/^build\.rs.*critical\s*secret-exfiltration/i);
    expect(await page.locator('details.file').evaluateAll((ds) => ds.map((d) => [d.querySelector('.fp')?.textContent, (d as HTMLDetailsElement).open]))).toEqual([['build.rs', true], ['Cargo.toml', false]]);

    // Rust is coloured (keywords), and the colouring kept the text as it was.
    await expect.poll(() => page.locator('table.diff.rs .t-keyword').count()).toBeGreaterThan(5);
    expect(await page.locator('table.diff.rs tr[class~="a"] td:nth-child(3)').allTextContents()).toEqual(hunks.find((h) => h.path === 'build.rs')!.hunks.flatMap((h) => h.lines.map((l) => l.text)));
    await screenshot(page, dir, 'm03-top');

    // Scrolled into the file, its header stays in view right under the filter bar.
    await page.locator('tr', { hasText: 'blob.push_str' }).scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, 200));
    const bar = await page.locator('.cf-filter').boundingBox();
    const head = await page.locator('details.file[open] > summary').first().boundingBox();
    expect(bar!.y).toBeLessThanOrEqual(1);
    expect(Math.abs(head!.y - (bar!.y + bar!.height))).toBeLessThanOrEqual(2);
    await screenshot(page, dir, 'm03-scrolled', false);

    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });

  it('the filter hides findings, their cards when every row is hidden, and their highlights', async () => {
    const { report, hunks } = await corpusScan('m05-far-jump-payload-in-new-module');
    const { page, requests, problems } = await open(formatHtml(report, { hunks }));
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('.fr[data-fid]').count()).toBe(report.findings.length);
    const loud = report.findings.filter((f) => f.severity !== 'info').length;
    await expect.poll(() => page.locator('#cf-count').textContent()).toBe(`showing ${loud} of ${report.findings.length} findings`);
    expect(await page.locator('tr.flag.on').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.trace a').count()).toBeGreaterThan(0);

    const network = report.findings.filter((f) => f.category === 'network' && f.severity !== 'info').length;
    expect(network).toBeGreaterThan(0);
    await page.getByRole('checkbox', { name: /^network/ }).uncheck();
    await expect.poll(() => page.locator('.fr[data-category="network"]:visible').count()).toBe(0);
    expect(await page.locator('.cf-list tr[data-category="network"]:visible').count()).toBe(0);
    await expect.poll(() => page.locator('#cf-count').textContent()).toBe(`showing ${loud - network} of ${report.findings.length} findings`);
    await page.getByRole('checkbox', { name: /^critical/ }).uncheck();
    await page.getByRole('checkbox', { name: /^high/ }).uncheck();
    const left = report.findings.filter((f) => f.category !== 'network' && (f.severity === 'medium' || f.severity === 'low'));
    await expect.poll(() => page.locator('.fr[data-fid]:visible').count()).toBe(left.length);
    // A card shows while one of its rows does; the others are hidden whole, with their note rows.
    await expect.poll(() => page.locator('.card:visible').count()).toBe(new Set(left.map((f) => `${f.file}:${f.line}`)).size);
    await screenshot(page, dir, 'm05-filtered');
    await page.close();
  });

  it('a release of libc\'s shape: quiet and info-only files start collapsed, long diffs are cut around flagged lines, the index opens a file', async () => {
    const { report, hunks } = ffiRelease(24, 200);
    expect(report.findings.filter((f) => f.severity === 'info').length).toBeGreaterThanOrEqual(24);
    const html = formatHtml(report, { hunks, maxDiffLines: 1000 });
    const { page, requests, problems } = await open(html);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    // Only the file with a finding the filter shows is open, and it comes first.
    const files = await page.locator('details.file').evaluateAll((ds) => ds.map((d) => [d.querySelector('.fp')?.textContent, (d as HTMLDetailsElement).open]));
    expect(files[0]).toEqual(['src/net.rs', true]);
    expect(files.slice(1).every(([, open]) => open === false)).toBe(true);
    expect(files.slice(1, 25).every(([p]) => /^src\/sys\/f\d\d\.rs$/.test(String(p)))).toBe(true);
    // An info-only file shows its flagged line with context, and counts what it left out.
    const f07 = page.locator('details.file', { hasText: 'src/sys/f07.rs' });
    expect(await f07.locator('summary .part').textContent()).toMatch(/^9 of 200 diff lines shown$/);
    // Collapsed tables are not coloured until opened.
    expect(await f07.locator('.t-keyword').count()).toBe(0);
    await page.locator('.cf-more > summary').click();
    await page.locator('.cf-more a', { hasText: 'src/sys/f07.rs' }).click();
    await expect.poll(() => f07.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await expect.poll(() => f07.locator('.t-keyword').count()).toBeGreaterThan(0);
    expect(await f07.locator('tr.gap').allTextContents()).toEqual(['⋯ 96 lines not shown', '⋯ 95 lines not shown']);
    expect(await f07.locator('tr.flag').count()).toBe(1);
    await screenshot(page, dir, 'ffi-opened', false);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });

  it('a lock report leads with the crates at block, then review; those that pass are collapsed at the end; the filter spans all crates', async () => {
    const { lock, hunks } = await lockFixture(['h06-dependency-bump', 'm02-key-scan-post', 'm03-build-rs-credential-theft', 'h01-network-client-new-endpoint', 'm10-typosquat-dependency']);
    const { page, requests, problems } = await open(formatHtml(lock, { lockHunks: hunks }));
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    const total = lock.entries.reduce((n, e) => n + (e.report?.findings.length ?? 0), 0);
    expect(await page.locator('.fr[data-fid]').count()).toBe(total);
    const headings = await page.locator('section.crate > h2, details.crate > summary h3').evaluateAll((hs) => hs.map((h) => [h.closest('details') !== null, h.querySelector('.badge')?.textContent]));
    const firstPass = headings.findIndex(([, v]) => v === 'PASS');
    expect(headings[0][1]).toBe('BLOCK');
    expect(firstPass).toBeGreaterThan(0);
    expect(headings.slice(firstPass).every(([quiet, v]) => quiet && v === 'PASS')).toBe(true);
    expect(headings.slice(0, firstPass).every(([quiet, v]) => !quiet && v !== 'PASS')).toBe(true);
    expect(await page.locator('details.crate.quiet[open]').count()).toBe(0);
    expect(await page.getByText('checksum mismatch').count()).toBeGreaterThan(0);
    await screenshot(page, dir, 'lock');
    await page.getByRole('checkbox', { name: /^exfiltration/ }).uncheck();
    await expect.poll(() => page.locator('.fr[data-category="exfiltration"]:visible').count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
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
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img');
    const { page, requests, problems } = await open(html);
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    // Let the page colour every diff line (hostile text goes through the tokenizer too).
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await expect.poll(() => page.locator('.t-keyword').count()).toBeGreaterThan(0);
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

  it('renderReportBody is the page body without the document around it, for the serve page; the script holds nothing that ends its element', async () => {
    const { report, hunks } = await corpusScan('m16-download-and-dlopen');
    const body = renderReportBody(report, { hunks });
    expect(body.startsWith('<div class="cf-page">')).toBe(true);
    expect(body).not.toMatch(/<(html|head|body|style|script)\b/);
    expect(formatHtml(report, { hunks })).toContain(body);
    expect(HTML_SCRIPT).not.toMatch(/<\/?script|<!--|<style/i);
  });
});
