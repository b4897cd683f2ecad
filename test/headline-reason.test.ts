import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanReleaseWithHunks } from '../src/index.js';
import { formatHtml } from '../src/report/html.js';
import { headlineSuffix } from '../src/serve/mirror-messages.js';
import { loudFindings } from '../src/report/input.js';
import { CORPUS, corpusScan } from './helpers/lock-fixture.js';

/** A case as the corpus test reads it: a release pair, or a first release (no `old`) scanned alone. */
const scanCase = (name: string) => (existsSync(path.join(CORPUS, name, 'old')) ? corpusScan(name) : scanReleaseWithHunks(path.join(CORPUS, name, 'new')));

/** The corpus cases a reviewer is sent to read (`block` or `review` expected), in name order. */
const flagged = readdirSync(CORPUS)
  .filter((d) => existsSync(path.join(CORPUS, d, 'expect.json')))
  .filter((d) => (JSON.parse(readFileSync(path.join(CORPUS, d, 'expect.json'), 'utf8')) as { verdict: string }).verdict !== 'pass')
  .sort();

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The rule and place the HTML page's headline names, read from the page itself. */
function pageHeadline(html: string): { ruleId: string; place: string } | null {
  const lead = /<p class="cf-lead [^"]*">(.*?)<\/p>/s.exec(html)?.[1];
  if (!lead) return null;
  const ruleId = /<a href="#[^"]+">([^<]+)<\/a>/.exec(lead)?.[1];
  const places = [...lead.matchAll(/<span class="mute mono">([^<]+)<\/span>/g)];
  if (!ruleId || places.length === 0) return null;
  return { ruleId: unescape(ruleId), place: unescape(places[places.length - 1][1]) };
}

describe('the verdict reason and the HTML headline name the same finding', () => {
  it('has flagged corpus cases to check, m03 and m05 among them', () => {
    expect(flagged.length).toBeGreaterThan(100);
    expect(flagged).toContain('m03-build-rs-credential-theft');
    expect(flagged).toContain('m05-far-jump-payload-in-new-module');
  });

  it('m03: both name the exfiltration, not the sensitive path literal that is part of it', async () => {
    const { report, hunks } = await corpusScan('m03-build-rs-credential-theft');
    const lead = pageHeadline(formatHtml(report, { hunks }));
    expect(lead?.ruleId).toBe('secret-exfiltration');
    expect(report.verdictReason).toBe(`critical finding secret-exfiltration at ${lead!.place}`);
  });

  it('on every corpus case expected to block or review', { timeout: 240_000 }, async () => {
    const checked: string[] = [];
    for (const name of flagged) {
      const { report, hunks } = await scanCase(name);
      const lead = pageHeadline(formatHtml(report, { hunks }));
      if (report.verdict === 'pass') {
        // A case the plain diff passes (its expectation needs dependency summaries or a first-release scan):
        // the reason names no finding, so there is nothing to disagree on.
        expect(report.verdictReason, name).toMatch(/^score \d+ is below/);
        continue;
      }
      expect(lead, `${name}: the page has a headline`).not.toBeNull();
      expect(report.verdictReason, `${name}: ${report.verdict}`).toContain(`finding ${lead!.ruleId} at ${lead!.place}`);
      // The line cargo prints when serve holds the release names the same finding.
      expect(headlineSuffix(JSON.stringify(report)), name).toBe(`: ${lead!.ruleId} at ${lead!.place}`);
      // Every list of findings (Markdown, serve's release pages) starts with it.
      const top = loudFindings(report.findings)[0];
      expect(`${top.ruleId} at ${top.file}:${top.line}`, name).toBe(`${lead!.ruleId} at ${lead!.place}`);
      checked.push(name);
    }
    expect(checked.length).toBeGreaterThan(100);
  });

  it("serve's refusal line skips a suppressed finding, and says nothing of a report it cannot read", () => {
    const f = (ruleId: string, severity: string, suppressed?: boolean) => ({ ruleId, severity, confidence: 'high', category: 'network', file: 'src/lib.rs', line: 3, message: '', ...(suppressed ? { suppressed: { reason: 'audited', source: 'audits.toml' } } : {}) });
    expect(headlineSuffix(JSON.stringify({ findings: [f('shell-exec-new', 'critical', true), f('network-new-use', 'medium')] }))).toBe(': network-new-use at src/lib.rs:3');
    expect(headlineSuffix(JSON.stringify({ findings: [f('x', 'info')] }))).toBe('');
    expect(headlineSuffix('{')).toBe('');
    expect(headlineSuffix(null)).toBe('');
    expect(headlineSuffix(JSON.stringify({ findings: 'no' }))).toBe('');
  });
});
