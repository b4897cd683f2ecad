import { describe, expect, it } from 'vitest';
import type { Report } from '../src/index.js';
import { formatMarkdown, MARKDOWN_LIMIT, MARKDOWN_MARKER } from '../src/report/markdown.js';
import { cutWords, firstSentence } from '../src/report/cut.js';
import { corpusScan, lockFixture } from './helpers/lock-fixture.js';
import { bump24 } from './helpers/bump24.js';

/** Code fences open and close in pairs: the text never ends inside a code block. */
function fencesBalanced(md: string): boolean {
  let open: string | null = null;
  for (const line of md.split('\n')) {
    const m = /^(`{3,})/.exec(line);
    if (!m) continue;
    if (open === null) open = m[1];
    else if (line.trim() === open) open = null;
  }
  return open === null;
}

const count = (s: string, sub: string) => s.split(sub).length - 1;

/** The text outside fenced code blocks: what GitHub renders as Markdown and HTML. */
function outsideFences(md: string): string {
  const out: string[] = [];
  let open: string | null = null;
  for (const line of md.split('\n')) {
    const m = /^(`{3,})/.exec(line);
    if (m && open === null) open = m[1];
    else if (open !== null && line.trim() === open) open = null;
    else if (open === null) out.push(line);
  }
  return out.join('\n');
}

describe('Markdown reporter', () => {
  it('a single report: marker first, the crate table, every finding above info with code and trace', async () => {
    const { report } = await corpusScan('m02-key-scan-post');
    const md = formatMarkdown(report);
    expect(md.split('\n')[0]).toBe(MARKDOWN_MARKER);
    expect(md).toContain(`| \`${report.crate.name}\` | ${report.crate.old} → ${report.crate.new} | 🛑 block | ${report.score} |`);
    const loud = report.findings.filter((f) => f.severity !== 'info');
    expect(count(md, '<details>')).toBe(loud.length);
    expect(count(md, '</details>')).toBe(loud.length);
    for (const f of loud) expect(md).toContain(`${f.ruleId} — <code>${f.file}:${f.line}</code>`);
    for (const f of report.findings.filter((x) => x.severity === 'info')) expect(md).not.toContain(`${f.ruleId} — <code>${f.file}:${f.line}</code>`);
    const traced = loud.find((f) => f.trace)!;
    expect(md).toContain(`1. \`${traced.trace![0].item}\``);
    expect(md).toContain('```rust\n');
    expect(fencesBalanced(md)).toBe(true);
  });

  it('a lock report of 200 changed crates stays under 65 000 characters and counts what it left out', async () => {
    const { lock } = await lockFixture(['m02-key-scan-post', 'm03-build-rs-credential-theft', 'm05-far-jump-payload-in-new-module', 'm16-download-and-dlopen', 'h01-network-client-new-endpoint'], 200);
    expect(lock.entries.filter((e) => e.change === 'changed' && e.report)).toHaveLength(200);
    const md = formatMarkdown(lock);
    expect(md.length).toBeLessThan(MARKDOWN_LIMIT);
    expect(md.split('\n')[0]).toBe(MARKDOWN_MARKER);
    expect(fencesBalanced(md)).toBe(true);
    expect(count(md, '<details>')).toBe(count(md, '</details>'));
    // Passing packages have no section: their findings are in the full report.
    const totalLoud = lock.entries.filter((e) => e.verdict !== 'pass').reduce((n, e) => n + (e.report?.findings.filter((f) => f.severity !== 'info').length ?? 0), 0);
    const shown = count(md, '<details>');
    expect(shown).toBeGreaterThan(0);
    const m = /Left out to stay under 65000 characters: (\d+) finding\(s\) of (\d+) crate\(s\)/.exec(md);
    expect(m, md.slice(-500)).not.toBeNull();
    const perCrateHidden = [...md.matchAll(/_(\d+) more finding\(s\) of this crate are in the JSON report\._/g)].reduce((n, x) => n + Number(x[1]), 0);
    // Every loud finding is either shown, counted as left out, or counted per crate.
    expect(shown + Number(m![1]) + perCrateHidden).toBe(totalLoud);
    // No crate heading is left without a finding under it.
    for (const part of md.split('\n### ').slice(1)) expect(part.split('\n---\n')[0]).toContain('<details>');
    // The table still names the failed and the git package.
    expect(md).toContain('`fresh-dep`');
    expect(md).toContain('checksum mismatch');
    expect(md).toContain('`forked`');
  });

  it('a small limit cuts whole blocks, never inside a code block', async () => {
    const { report } = await corpusScan('m05-far-jump-payload-in-new-module');
    for (const limit of [3000, 4000, 6000]) {
      const md = formatMarkdown(report, { limit });
      expect(md.length).toBeLessThanOrEqual(limit);
      expect(fencesBalanced(md)).toBe(true);
      expect(count(md, '<details>')).toBe(count(md, '</details>'));
    }
  });

  it('text from the report cannot inject HTML, links, table cells or close a code block', async () => {
    const { report } = await corpusScan('m02-key-scan-post');
    const evil = '<script>alert(1)</script> | [x](https://evil.example) "\' @octocat';
    const hostile: Report = {
      ...report,
      crate: { ...report.crate, name: 'evil|<b>name</b>' },
      findings: report.findings.map((f) => ({ ...f, message: `${evil} ${f.message}`, item: `${f.item}<img src=x onerror=alert(1)>`, snippet: `${f.snippet}\n\`\`\`\n</details><script>x()</script>`, file: `src/<i>${f.file}` })),
    };
    const md = formatMarkdown(hostile);
    const rendered = outsideFences(md);
    expect(rendered).not.toMatch(/<script>/);
    expect(rendered).not.toMatch(/<img/);
    expect(rendered).not.toMatch(/<i>/);
    expect(rendered).not.toContain('](https://evil.example)');
    expect(rendered).not.toMatch(/@octocat/);
    expect(rendered).toContain('@<!-- -->octocat');
    expect(md).toContain('&lt;script&gt;');
    expect(fencesBalanced(md)).toBe(true);
    // The table row has exactly its eight separators, whatever the crate name holds.
    const rowLine = md.split('\n').find((l) => l.startsWith('| `evil'))!;
    expect(rowLine.replace(/\\\|/g, '').split('|').length - 1).toBe(8);
    // The snippet's own ``` and </details> stay inside a longer fence.
    expect(count(rendered, '<details>')).toBe(count(rendered, '</details>'));
    expect(md).toContain('````rust');
  });

  it('the CLI writes it with --format markdown, and sarif and html too', async () => {
    const { spawnSync } = await import('node:child_process');
    const path = await import('node:path');
    const { CORPUS } = await import('./helpers/lock-fixture.js');
    const bin = path.join(import.meta.dirname, '..', 'bin', 'cratefence.js');
    const c = path.join(CORPUS, 'm02-key-scan-post');
    const run = (format: string) => spawnSync(process.execPath, [bin, 'diff', path.join(c, 'old'), path.join(c, 'new'), '--format', format], { encoding: 'utf8' });
    const md = run('markdown');
    expect(md.status).toBe(1);
    expect(md.stdout).toBe(formatMarkdown((await corpusScan('m02-key-scan-post')).report));
    const sarif = run('sarif');
    expect(sarif.status).toBe(1);
    expect(JSON.parse(sarif.stdout).runs[0].results.length).toBeGreaterThan(0);
    const html = run('html');
    expect(html.status).toBe(1);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('<table class="diff">');
  });

  it('shows policy results: suppressed findings, notes and audits', async () => {
    const { report } = await corpusScan('m16-download-and-dlopen');
    const first = report.findings.findIndex((f) => f.severity !== 'info');
    const r: Report = {
      ...report,
      findings: report.findings.map((f, i) => (i === first ? { ...f, suppressed: { reason: 'loader reviewed by the team', source: 'cratefence.toml' } } : f)),
      policy: { configFile: 'cratefence.toml', scanVerdict: report.verdict, scanScore: report.score, approvedBy: ['own', 'mozilla'], suppressedFindings: 1, notes: [{ kind: 'suppression-unused', message: 'suppression #2 (serde) matched nothing' }] },
    };
    const md = formatMarkdown(r);
    expect(md).toContain('(suppressed)');
    expect(md).toContain('loader reviewed by the team');
    expect(md).toContain('Approved by 2 audit(s): own, mozilla.');
    expect(md).toContain('**suppression-unused**: suppression \\#2 \\(serde\\) matched nothing');
  });

  it('a 24-package bump: block and review first with diff size and a link to the full report, passing packages in one line, no section for them', async () => {
    const { lock } = await bump24();
    const url = 'https://github.com/acme/app/actions/runs/4242';
    const md = formatMarkdown(lock, { reportUrl: url });
    const plain = formatMarkdown(lock);
    console.log(`lock Markdown of the 24-package bump: ${md.length} characters (${plain.length} without the report link)`);
    expect(md.length).toBeLessThan(14_000);
    const rows = md.split('\n').filter((l) => /^\| `/.test(l));
    const verdicts = rows.map((l) => /(🛑 block|⚠️ review|✅ pass|—) \|/.exec(l)![1]);
    // Only what a reviewer must read is in the table, block before review.
    expect(verdicts).toEqual([...verdicts].sort((a, b) => (a.includes('block') ? 0 : 1) - (b.includes('block') ? 0 : 1)));
    expect(verdicts.every((v) => v.includes('block') || v.includes('review'))).toBe(true);
    const passing = lock.entries.filter((e) => e.verdict === 'pass');
    expect(passing.length).toBe(20);
    const passLine = md.split('\n').filter((l) => l.startsWith('✅ '));
    expect(passLine).toHaveLength(1);
    expect(passLine[0]).toMatch(/^✅ 20 packages pass: /);
    for (const e of passing) {
      expect(passLine[0]).toContain(`\`${e.name}\` ${e.new}`);
      expect(md).not.toContain(`### ✅ \`${e.name}\``);
    }
    expect(md).toMatch(/^Not scanned: `forked` 0\.1\.0 → 0\.1\.1 \(git source: listed, not fetched\), `gone-dep` 1\.2\.3 \\\(removed\\\)\.$/m);
    expect(md).toContain(`[Full report](${url}).`);
    const sections = md.split('\n### ').slice(1);
    const worth = lock.entries.filter((e) => e.report && (e.verdict === 'block' || e.verdict === 'review'));
    expect(sections).toHaveLength(worth.length);
    for (const e of worth) {
      const sec = sections.find((x) => x.includes(`\`${e.name}\` ${e.old} → ${e.new}`))!;
      const sz = e.report!.summary;
      expect(sec).toContain(`+${sz.linesAdded} −${sz.linesRemoved} lines in ${sz.filesChanged + sz.filesAdded + sz.filesRemoved} files · [full report](${url})`);
      expect(count(sec, '<details>')).toBeLessThanOrEqual(6);
    }
    // Without a link the text says where the rest is; a link that is not http(s) is not used.
    expect(plain).not.toContain('[full report]');
    expect(formatMarkdown(lock, { reportUrl: 'javascript:alert(1)' })).not.toContain('javascript:');
    expect(fencesBalanced(md)).toBe(true);
  });

  it('messages are cut on word boundaries, never inside a quoted signature', () => {
    const m = 'New code starts a program with `std::process::Command::new(&path).arg("--quiet")` and then waits for it to finish';
    for (let max = 10; max < m.length; max += 3) {
      const c = cutWords(m, max);
      expect(c.length, c).toBeLessThanOrEqual(max);
      expect(c.endsWith('…')).toBe(true);
      // Backticks come in pairs: a cut never leaves half a code span.
      expect((c.match(/`/g) ?? []).length % 2, c).toBe(0);
      expect(m.startsWith(c.slice(0, -1).trimEnd())).toBe(true);
    }
    expect(cutWords(m, 50)).toBe('New code starts a program with…');
    expect(cutWords(m, 200)).toBe(m);
    expect(firstSentence('Loads code at run time (e.g. dlopen). Why it matters: more text.')).toBe('Loads code at run time (e.g. dlopen).');
  });
});
