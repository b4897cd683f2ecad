import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { openStore, type Db } from '../src/store/index.js';
import { ScanPool } from '../src/runner/index.js';
import { buildApp, BlobStore, type Service } from '../src/serve/app.js';
import { createUser } from '../src/serve/auth.js';
import { ServePolicySchema } from '../src/config/serve.js';
import { seededRandom } from '../src/serve/reviewers.js';
import { SEVERITY_RANK } from '../src/index.js';
import { corpusCrate, suiteDir } from './helpers/serve.js';
import { browserTestsRun, launch, screenshot, seriousA11yViolations } from './helpers/browser.js';

const RUN_BROWSER = browserTestsRun('serve-page.test.ts');
const tmp = suiteDir('cf-serve-page-');
let db: Db;
let pool: ScanPool;
let svc: Service;
let base: string;
const tokens: Record<string, string> = {};
/** Releases by what the setup made of them. */
const ids = { quarantined: 0, rejectedByReviewer: 0, rejectedByScan: 0, revoked: 0 };
const REJECT_REASON = 'The renamed dependency hides an unknown crate behind a popular name';
const REVOKE_REASON = 'Maintainer account compromised; every release of this week is withdrawn';

async function api(method: string, url: string, token: string, body?: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(base + url, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  db = openStore(path.join(tmp.dir, 'store.sqlite'));
  pool = new ScanPool({ threads: 1 });
  const policy = ServePolicySchema.parse({ reviewers: 1, approval: { mode: 'count', count: 1 } });
  svc = await buildApp({ db, blobs: new BlobStore(path.join(tmp.dir, 'blobs')), pool, policy, random: seededRandom(1), randomSource: 'seeded test source' });
  await svc.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(svc.app.server.address() as AddressInfo).port}`;
  tokens.pub = createUser(db, 'pub', 'publisher').token;
  tokens.rita = createUser(db, 'rita', 'reviewer').token;
  tokens.root = createUser(db, 'root', 'admin', { inPool: false }).token;
  const post = async (c: string, side: 'old' | 'new') => {
    const crate = await corpusCrate(c, side);
    const res = await fetch(`${base}/v1/releases?name=${crate.name}&version=${crate.version}`, { method: 'POST', headers: { authorization: `Bearer ${tokens.pub}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(crate.bytes) });
    const id = ((await res.json()) as { id: number }).id;
    await svc.scheduler!.idle();
    return id;
  };
  await post('m10-typosquat-dependency', 'old');
  ids.quarantined = await post('m10-typosquat-dependency', 'new');
  await post('m11-renamed-dependency-disguise', 'old');
  ids.rejectedByReviewer = await post('m11-renamed-dependency-disguise', 'new');
  await post('m02-key-scan-post', 'old');
  ids.rejectedByScan = await post('m02-key-scan-post', 'new');
  ids.revoked = await post('m05-far-jump-payload-in-new-module', 'old');
  expect((await api('POST', `/v1/releases/${ids.rejectedByReviewer}/rejections`, tokens.rita, { reason: REJECT_REASON })).status).toBe(200);
  expect((await api('POST', `/v1/releases/${ids.revoked}/revocations`, tokens.root, { reason: REVOKE_REASON })).status).toBe(200);
}, 180_000);

afterAll(async () => {
  await svc?.app.close();
  await pool?.close();
  db?.close();
  tmp.remove();
});

describe('what the service says of a release', () => {
  it('lists top findings most severe first', async () => {
    const json = (await api('GET', `/v1/releases/${ids.rejectedByScan}`, tokens.rita)).json.release as Record<string, unknown>;
    const top = json.topFindings as Array<{ severity: keyof typeof SEVERITY_RANK; ruleId: string }>;
    expect(json.state).toBe('rejected');
    expect(top.length).toBeGreaterThan(2);
    const ranks = top.map((f) => SEVERITY_RANK[f.severity]);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    expect(top[0].severity).toBe('critical');
  });

  it('names the imitated crate as the registry spells it', async () => {
    const json = (await api('GET', `/v1/releases/${ids.quarantined}`, tokens.rita)).json.release as Record<string, unknown>;
    const squat = (json.topFindings as Array<{ ruleId: string; message: string }>).find((f) => f.ruleId === 'dependency-typosquat');
    expect(squat?.message).toBe('`serde_jsno` (dependencies) is named like the popular crate `serde_json`.');
  });
});

describe.skipIf(!RUN_BROWSER)('reviewers web page in headless Chromium', () => {
  /** The page's state and verdict pills: text colour, background, and their contrast ratio. */
  async function pillContrast(page: Page, selector: string): Promise<number> {
    return page.locator(selector).evaluate((el) => {
      const rgb = (c: string) => (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
      const lum = (c: number[]) => {
        const [r, g, b] = c.map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const s = getComputedStyle(el);
      const [a, b] = [lum(rgb(s.color)), lum(rgb(s.backgroundColor))].sort((x, y) => y - x);
      return (a + 0.05) / (b + 0.05);
    });
  }

  it('log in, read the queue, open the quarantined release, approve it; an admin sees what was released, rejected and revoked, and why; no serious accessibility problem anywhere', async () => {
    const browser = await launch();
    const shots = path.join(tmp.dir, 'shots');
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith(base)) problems.push(`external request ${r.url()}`);
      });

      await page.goto(base + '/');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, shots, 'serve-1-login');
      await page.getByLabel('Token').fill('cf_not-a-valid-token-at-all-aaaaaaaaaaaaaaaaaaaaa');
      await page.getByRole('button', { name: 'Log in' }).click();
      expect((await page.getByRole('alert').textContent())?.trim()).toBe('That token is not valid.');
      await page.getByLabel('Token').fill(tokens.rita);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/ui/queue');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, shots, 'serve-2-queue');
      const mine = page.locator('h2:has-text("Waiting for me") + table');
      // Both releases that wait are first releases to the service: their older versions still cool off.
      expect(await mine.getByRole('link').allTextContents()).toEqual(['retryx (first) → 1.0.0', 'jsonpath-lite (first) → 0.3.1']);
      // The queue's top findings: most severe first.
      expect(await mine.locator('.ui-sev').first().textContent()).toBe('high');
      await mine.getByRole('link', { name: 'jsonpath-lite (first) → 0.3.1' }).click();
      await page.waitForURL(`**/ui/releases/${ids.quarantined}`);
      expect(await page.locator('#state').textContent()).toBe('quarantined');
      expect(await page.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Override' }).count()).toBe(0);
      // The embedded report's styles do not reach the page's pills (they were white on pale yellow).
      expect(await pillContrast(page, '#state .ui-pill')).toBeGreaterThanOrEqual(4.5);
      expect(await pillContrast(page, '.ui-card .ui-pill.st-review')).toBeGreaterThanOrEqual(4.5);
      expect(await page.locator('#state .ui-pill').evaluate((el) => getComputedStyle(el).color)).not.toBe('rgb(255, 255, 255)');
      // And the report keeps its own look inside the page: white text on its dark verdict badge.
      expect(await pillContrast(page, '.cf-page .badge.v-review')).toBeGreaterThanOrEqual(4.5);
      expect(await page.getByText('is named like the popular crate `serde_json`').count()).toBeGreaterThan(0);
      expect(await page.getByText('`serde-json`').count()).toBe(0);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, shots, 'serve-3-release');
      await screenshot(page, shots, 'serve-3-release-top', false);
      const approve = page.locator('form:has(button:text("Approve"))');
      await approve.getByLabel('Reason').fill('Read the diff: the new dependency is the maintained fork');
      await approve.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL(`**/ui/releases/${ids.quarantined}`);
      expect(await page.locator('#state').textContent()).toBe('released');
      expect(await page.getByRole('cell', { name: 'Read the diff: the new dependency is the maintained fork' }).isVisible()).toBe(true);
      await screenshot(page, shots, 'serve-4-approved');
      // A reviewer's session cannot record an admin action, even by posting the form itself.
      // (The page's CSP allows no script requests, so the post goes through the context's request API with its cookie.)
      const res = await page.context().request.post(`${base}/ui/releases/${ids.quarantined}/decide`, { form: { kind: 'revocation', reason: 'nope' }, headers: { origin: base }, maxRedirects: 0 });
      expect(res.status()).toBe(403);
      expect(svc.releases.view(ids.quarantined).state).toBe('released');

      // The admin's queue: released, rejected and revoked versions with the decision and its reason.
      await page.getByRole('link', { name: '← queue' }).click();
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByLabel('Token').fill(tokens.root);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/ui/queue');
      const row = (h: string, name: string) => page.locator(`h2:has-text("${h}") + table tr`, { has: page.getByRole('link', { name }) });
      expect(await row('Released', 'jsonpath-lite (first) → 0.3.1').locator('td').allTextContents()).toEqual(['jsonpath-lite (first) → 0.3.1', 'review', 'approval', 'rita', 'Read the diff: the new dependency is the maintained fork', expect.any(String)]);
      expect((await row('Rejected', 'retryx (first) → 1.0.1').locator('td').allTextContents()).slice(2, 5)).toEqual(['rejection', 'rita', REJECT_REASON]);
      expect((await row('Rejected', 'fast_logx (first) → 0.1.4').locator('td').allTextContents()).slice(2, 5)).toEqual(['scan', '', expect.stringMatching(/^the scan's verdict was block \(score \d+\)$/)]);
      expect((await row('Revoked', 'rust_decimal_fast (first) → 1.30.0').locator('td').allTextContents()).slice(2, 5)).toEqual(['revocation', 'root', REVOKE_REASON]);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, shots, 'serve-5-admin-lists');
      // A publisher sees the queue, not the decided lists.
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByLabel('Token').fill(tokens.pub);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/ui/queue');
      expect(await page.locator('h2:has-text("Revoked")').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 240_000);
});
