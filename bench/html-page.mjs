#!/usr/bin/env node
// npm run bench:html — the HTML report at libc's size, in a real Chromium: extracts libc release
// tags from its git mirror, times the scan and the page (in the process and through the CLI), serves
// each page from 127.0.0.1 and measures its size, its load time in the browser and its height, and
// takes screenshots into bench/.cache/html-page/ for a person to look at. Fails (exit 1) when the
// large pair's page is 2 MB or more, or its load keeps the browser's main thread busy for 2 s or
// more (the wall time to the load event is printed beside it), or it makes any request.
//
//   node bench/html-page.mjs [--tool DIR] [--runs N]
//     --tool DIR   measure another checkout's build (DIR/dist, DIR/bin), e.g. the main branch's
//     --runs N     page loads per pair (the median is reported; default 3)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { BENCH, CACHE, checkout } from './lib/pairs.mjs';

const { values } = parseArgs({ options: { tool: { type: 'string' }, runs: { type: 'string', default: '3' } } });
const TOOL = path.resolve(values.tool ?? path.join(BENCH, '..'));
const RUNS = Math.max(1, Number(values.runs));
const CHROMIUM = '/usr/bin/chromium';
const PAIRS = [['0.2.175', '0.2.187'], ['0.2.186', '0.2.187']];
const MAX_BYTES = 2 * 1024 * 1024;
const MAX_LOAD_MS = 2000;
const OUT = path.join(CACHE, 'html-page', path.basename(TOOL));

if (!existsSync(CHROMIUM)) {
  console.error(`bench:html needs ${CHROMIUM} (apt-get install chromium)`);
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });
const lib = await import(pathToFileURL(path.join(TOOL, 'dist', 'index.js')).href);
const { formatHtml } = await import(pathToFileURL(path.join(TOOL, 'dist', 'report', 'html.js')).href);
const { chromium } = await import('playwright-core');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall time of one CLI run (the whole process, as a user waits for it). */
function cli(args) {
  const t0 = performance.now();
  execFileSync(process.execPath, [path.join(TOOL, 'bin', 'cratefence.js'), ...args, '--no-progress'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return Math.round(performance.now() - t0);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  for (const [from, to] of PAIRS) {
    const oldDir = checkout('rust-lang/libc', from);
    const newDir = checkout('rust-lang/libc', to);
    const t0 = performance.now();
    const a = lib.analyzeTrees(await lib.loadRelease({ path: oldDir }), await lib.loadRelease({ path: newDir }));
    const report = a.report;
    const scanMs = Math.round(performance.now() - t0);
    const th = performance.now();
    const hunks = a.hunks;
    const hunksMs = Math.round(performance.now() - th);
    const t1 = performance.now();
    const html = formatHtml(report, { hunks });
    const pageMs = Math.round(performance.now() - t1);
    const file = path.join(OUT, `libc-${from}-${to}.html`);
    writeFileSync(file, html);
    const bytes = Buffer.byteLength(html);
    const jsonMs = cli(['diff', oldDir, newDir, '--format', 'json', '--output', path.join(OUT, 'scratch.json')]);
    const htmlMs = cli(['diff', oldDir, newDir, '--format', 'html', '--output', path.join(OUT, 'scratch.html')]);

    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${server.address().port}/`;
    const loads = [];
    const busy = [];
    let facts;
    for (let run = 0; run < RUNS; run++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      const outside = [];
      page.on('request', (r) => {
        if (r.url() !== url) outside.push(r.url());
      });
      // Main-thread busy time (parsing, style, layout, script) to the load event: unlike the wall
      // time it does not grow when other processes share the machine's cores.
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Performance.enable');
      const w0 = performance.now();
      await page.goto(url, { waitUntil: 'load' });
      const { metrics } = await cdp.send('Performance.getMetrics');
      busy.push(Math.round(1000 * metrics.find((m) => m.name === 'TaskDuration').value));
      const wall = Math.round(performance.now() - w0);
      const nav = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0];
        return { responseEnd: Math.round(n.responseEnd), load: Math.round(n.loadEventEnd) };
      });
      loads.push(nav.load);
      if (run === 0) {
        facts = await page.evaluate(() => ({ height: document.documentElement.scrollHeight, nodes: document.getElementsByTagName('*').length }));
        facts.wall = wall;
        facts.outside = outside;
        await page.screenshot({ path: path.join(OUT, `libc-${from}-top.png`) });
        const firstFile = page.locator('details.file[open]').first();
        if (await firstFile.count()) {
          await firstFile.evaluate((el) => el.scrollIntoView());
          await page.evaluate(() => window.scrollBy(0, 300));
          await page.screenshot({ path: path.join(OUT, `libc-${from}-file.png`) });
        }
      }
      await ctx.close();
    }
    server.close();
    const load = median(loads);
    const work = median(busy);
    console.log(
      `libc ${from} → ${to}: ${(bytes / 1048576).toFixed(2)} MB, load ${load} ms in Chromium (median of ${RUNS}: ${loads.join(', ')}; main thread busy ${work} ms: ${busy.join(', ')}), ` +
        `${facts.height} px tall, ${facts.nodes} elements; scan ${scanMs} ms, diff hunks ${hunksMs} ms, page ${pageMs} ms in the process; CLI json ${jsonMs} ms, html ${htmlMs} ms` +
        `${facts.outside.length ? `; REQUESTS: ${facts.outside.join(' ')}` : ''}`,
    );
    // The load time that counts is the main thread's work: the wall time is printed too, and on a
    // machine that other work shares it is longer by however long the page waited for a core.
    if (from === '0.2.175' && (bytes >= MAX_BYTES || work >= MAX_LOAD_MS)) failed = true;
    if (facts.outside.length > 0) failed = true;
  }
} finally {
  await browser.close();
}
console.log(`pages and screenshots: ${OUT}`);
if (failed) {
  console.error(`bench:html: the libc 0.2.175 → 0.2.187 page must be under ${MAX_BYTES / 1048576} MB and load in under ${MAX_LOAD_MS} ms, with no request`);
  process.exit(1);
}
