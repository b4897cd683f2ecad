import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { openStore, type Db } from '../src/store/index.js';
import { ScanPool } from '../src/runner/index.js';
import { buildApp, BlobStore, type Service } from '../src/serve/app.js';
import { createUser } from '../src/serve/auth.js';
import { ServePolicySchema } from '../src/config/serve.js';
import { seededRandom } from '../src/serve/reviewers.js';
import { corpusCrate, suiteDir } from './helpers/serve.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (see .ci/run)`);
  console.warn(`serve-page.test.ts: skipped, ${CHROMIUM} not found (apt-get install chromium)`);
}

const tmp = suiteDir('cf-serve-page-');
export const SCREENSHOTS = process.env.CRATEFENCE_SCREENSHOTS ?? path.join(tmp.dir, 'shots');
let db: Db;
let pool: ScanPool;
let svc: Service;
let base: string;
const tokens: Record<string, string> = {};
let releaseId = 0;

beforeAll(async () => {
  if (!haveChromium) return;
  db = openStore(path.join(tmp.dir, 'store.sqlite'));
  pool = new ScanPool({ threads: 1 });
  const policy = ServePolicySchema.parse({ reviewers: 1, approval: { mode: 'count', count: 1 } });
  svc = await buildApp({ db, blobs: new BlobStore(path.join(tmp.dir, 'blobs')), pool, policy, random: seededRandom(1), randomSource: 'seeded test source' });
  await svc.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(svc.app.server.address() as AddressInfo).port}`;
  tokens.pub = createUser(db, 'pub', 'publisher').token;
  tokens.rita = createUser(db, 'rita', 'reviewer').token;
  tokens.root = createUser(db, 'root', 'admin', { inPool: false }).token;
  const post = async (c: { name: string; version: string; bytes: Buffer }) => {
    const res = await fetch(`${base}/v1/releases?name=${c.name}&version=${c.version}`, { method: 'POST', headers: { authorization: `Bearer ${tokens.pub}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(c.bytes) });
    return ((await res.json()) as { id: number }).id;
  };
  await post(await corpusCrate('m10-typosquat-dependency', 'old'));
  await svc.scheduler!.idle();
  releaseId = await post(await corpusCrate('m10-typosquat-dependency', 'new'));
  await svc.scheduler!.idle();
}, 120_000);

afterAll(async () => {
  if (!haveChromium) return;
  await svc.app.close();
  await pool.close();
  db.close();
  if (!process.env.CRATEFENCE_SCREENSHOTS) tmp.remove();
});

describe.skipIf(!haveChromium)('reviewers web page in headless Chromium', () => {
  it('log in, open the quarantined release, approve it, see the state change; no admin actions for a reviewer', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await (await browser.newContext()).newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith(base)) problems.push(`external request ${r.url()}`);
      });
      const shot = (n: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${n}.png`), fullPage: true });

      await page.goto(base + '/');
      await shot('1-login');
      await page.getByLabel('Token').fill('cf_not-a-valid-token-at-all-aaaaaaaaaaaaaaaaaaaaa');
      await page.getByRole('button', { name: 'Log in' }).click();
      expect((await page.getByRole('alert').textContent())?.trim()).toBe('That token is not valid.');
      await page.getByLabel('Token').fill(tokens.rita);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/ui/queue');
      await shot('2-queue');
      const mine = page.locator('h2:has-text("Waiting for me") + table');
      expect(await mine.getByRole('link').count()).toBe(1);
      await mine.getByRole('link').click();
      await page.waitForURL(`**/ui/releases/${releaseId}`);
      expect(await page.locator('#state').textContent()).toBe('quarantined');
      expect(await page.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Override' }).count()).toBe(0);
      await shot('3-release');
      const approve = page.locator('form:has(button:text("Approve"))');
      await approve.getByLabel('Reason').fill('Read the diff: the new dependency is the maintained fork');
      await approve.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL(`**/ui/releases/${releaseId}`);
      expect(await page.locator('#state').textContent()).toBe('released');
      expect(await page.getByRole('cell', { name: 'Read the diff: the new dependency is the maintained fork' }).isVisible()).toBe(true);
      await shot('4-approved');
      // A reviewer's session cannot record an admin action, even by posting the form itself.
      // (The page's CSP allows no script requests, so the post goes through the context's request API with its cookie.)
      const res = await page.context().request.post(`${base}/ui/releases/${releaseId}/decide`, { form: { kind: 'revocation', reason: 'nope' }, headers: { origin: base }, maxRedirects: 0 });
      expect(res.status()).toBe(403);
      expect(svc.releases.view(releaseId).state).toBe('released');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
