/**
 * The release page offers only the decisions the service would record: against a real listening
 * `serve`, a reviewer who was not drawn (under `approvers = "drawn"`) gets no Approve form but the
 * service's own reason, an owner gets no form at all, an admin keeps the actions open to them, and
 * every form the page shows is one the service takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { ScanPool } from '../src/runner/index.js';
import { corpusCrateAs, startRig, suiteDir, type ServeRig } from './helpers/serve.js';
import { browserTestsRun, launch, screenshot, seriousA11yViolations } from './helpers/browser.js';

const RUN_BROWSER = browserTestsRun('serve-decide-page.test.ts');

const tmp = suiteDir('cf-serve-decide-page-');
let pool: ScanPool;
let rig: ServeRig;

const HONEST = 'h06-dependency-bump'; // passes as a first release: cools off
const QUARANTINE = 'm10-typosquat-dependency'; // new side: review as a first release: quarantined

const USERS: Parameters<typeof startRig>[1]['users'] = [['admin', 'admin', { inPool: false }], ['pub', 'publisher'], ['alice', 'reviewer'], ['bob', 'reviewer'], ['carol', 'reviewer'], ['dave', 'reviewer']];

beforeAll(async () => {
  pool = new ScanPool({ threads: 1 });
  rig = await startRig(path.join(tmp.dir, 'drawn'), { pool, policy: { reviewers: 1, approval: { mode: 'count', count: 1 } }, users: USERS });
}, 60_000);

afterAll(async () => {
  await rig?.close();
  await pool?.close();
  tmp.remove();
});

/** Logs in through the page's own form (as a browser does) and returns the session cookie. */
async function logIn(r: ServeRig, name: string): Promise<string> {
  const res = await fetch(`${r.base}/ui/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' }, body: new URLSearchParams({ token: r.tokens[name] }).toString() });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  expect(cookie).toMatch(/^cf_session=/);
  return cookie!;
}

/** What one user's release page offers: the decision buttons, and the decisions it says they cannot make. */
async function offered(r: ServeRig, name: string, id: number): Promise<{ buttons: string[]; refused: string; status: number }> {
  const res = await fetch(`${r.base}/ui/releases/${id}`, { headers: { cookie: await logIn(r, name) } });
  const html = await res.text();
  const buttons = [...html.matchAll(/<form class="ui-form" method="post" action="\/ui\/releases\/\d+\/decide">.*?<button[^>]*>([^<]+)<\/button><\/form>/g)].map((m) => m[1]);
  const refused = /<div class="ui-refused">(.*?)<\/div>/s.exec(html)?.[1].replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim() ?? '';
  return { buttons, refused, status: res.status };
}

/** Posts the page's decision form as a logged-in browser would; answers where the page sends the user back and the release's state. */
async function submit(r: ServeRig, name: string, id: number, kind: string, reason: string): Promise<{ location: string; state: string }> {
  const res = await fetch(`${r.base}/ui/releases/${id}/decide`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: await logIn(r, name), 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ kind, reason }).toString(),
  });
  expect(res.status).toBe(303);
  return { location: decodeURIComponent(res.headers.get('location') ?? ''), state: (await r.settled(id)).state };
}

describe('the release page offers only what the service takes', () => {
  it('a reviewer who was not drawn sees why instead of an Approve form; the drawn one approves; an admin keeps Reject and Revoke', async () => {
    const pub = await rig.publish(rig.tokens.pub, await corpusCrateAs(QUARANTINE, 'new', { name: 'drawn-page', version: '1.0.0' }));
    const v = await rig.settled(pub.json.id);
    expect(v.state).toBe('quarantined');
    const [drawn] = v.reviewers as string[];
    const other = ['alice', 'bob', 'carol', 'dave'].find((n) => n !== drawn)!;

    const notDrawn = await offered(rig, other, v.id);
    expect(notDrawn.status).toBe(200);
    expect(notDrawn.buttons).toEqual(['Reject']);
    expect(notDrawn.refused).toBe(`You cannot: Approve : ${other} was not drawn to review release ${v.id}; only its drawn reviewers' approvals count (an admin may draw more reviewers)`);
    // The reason is the service's own: the approval the page no longer offers is refused with it.
    const forced = await rig.call('POST', `/v1/releases/${v.id}/approvals`, rig.tokens[other], { reason: 'looks fine' });
    expect(forced.status).toBe(403);
    expect(notDrawn.refused).toContain(forced.json.message);

    const admin = await offered(rig, 'admin', v.id);
    expect(admin.buttons).toEqual(['Reject', 'Revoke']);
    expect(admin.refused).toContain(`Approve : admin was not drawn to review release ${v.id}`);

    const mine = await offered(rig, drawn, v.id);
    expect(mine.buttons).toEqual(['Approve', 'Reject']);
    expect(mine.refused).toBe('');
    const done = await submit(rig, drawn, v.id, 'approval', 'read the diff');
    expect(done).toEqual({ location: `/ui/releases/${v.id}`, state: 'released' });

    // Released: nothing left to approve or reject; the admin may still revoke.
    expect((await offered(rig, drawn, v.id)).buttons).toEqual([]);
    expect((await offered(rig, 'admin', v.id)).buttons).toEqual(['Revoke']);
  }, 60_000);

  it('an owner of the crate gets no form, and is told why; a publisher gets neither', async () => {
    const pub = await rig.publish(rig.tokens.pub, await corpusCrateAs(QUARANTINE, 'new', { name: 'owned-page', version: '1.0.0' }));
    const v = await rig.settled(pub.json.id);
    expect(v.state).toBe('quarantined');
    const owner = ['alice', 'bob', 'carol', 'dave'].find((n) => !v.reviewers.includes(n))!;
    expect((await rig.call('PUT', '/v1/crates/owned-page/owners', rig.tokens.admin, { owners: ['pub', owner] })).status).toBe(200);
    const o = await offered(rig, owner, v.id);
    expect(o.buttons).toEqual([]);
    expect(o.refused).toContain(`Approve : ${owner} publishes or owns owned-page and cannot record an approval for its release; another reviewer must`);
    expect(o.refused).toContain(`Reject : ${owner} publishes or owns owned-page and cannot record a rejection`);
    expect((await rig.call('POST', `/v1/releases/${v.id}/rejections`, rig.tokens[owner], { reason: 'mine' })).status).toBe(403);
    expect(await offered(rig, 'pub', v.id)).toMatchObject({ buttons: [], refused: '' });
  }, 60_000);

  it('a release that cools off takes rejections only: no Approve form, and nothing to explain', async () => {
    const pub = await rig.publish(rig.tokens.pub, await corpusCrateAs(HONEST, 'old', { name: 'cool-page', version: '1.0.0' }));
    const v = await rig.settled(pub.json.id);
    expect(v.state).toBe('cooling-off');
    expect(await offered(rig, 'alice', v.id)).toMatchObject({ buttons: ['Reject'], refused: '' });
    expect(await offered(rig, 'admin', v.id)).toMatchObject({ buttons: ['Reject', 'Revoke'], refused: '' });
    expect((await rig.call('POST', `/v1/releases/${v.id}/approvals`, rig.tokens.alice, { reason: 'x' })).status).toBe(409);
  }, 60_000);

  it('under approvers = "any-reviewer" every reviewer gets the Approve form, and it releases', async () => {
    const open = await startRig(path.join(tmp.dir, 'any'), { pool, policy: { reviewers: 1, approval: { mode: 'count', count: 1, approvers: 'any-reviewer' } }, users: USERS });
    try {
      const pub = await open.publish(open.tokens.pub, await corpusCrateAs(QUARANTINE, 'new', { name: 'any-page', version: '1.0.0' }));
      const v = await open.settled(pub.json.id);
      const other = ['alice', 'bob', 'carol', 'dave'].find((n) => !v.reviewers.includes(n))!;
      expect(await offered(open, other, v.id)).toMatchObject({ buttons: ['Approve', 'Reject'], refused: '' });
      expect(await offered(open, 'admin', v.id)).toMatchObject({ buttons: ['Approve', 'Reject', 'Revoke'], refused: '' });
      const res = await fetch(`${open.base}/ui/releases/${v.id}/decide`, {
        method: 'POST', redirect: 'manual',
        headers: { cookie: await logIn(open, other), 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams({ kind: 'approval', reason: 'read it' }).toString(),
      });
      expect(res.headers.get('location')).toBe(`/ui/releases/${v.id}`);
      expect((await open.settled(v.id)).state).toBe('released');
    } finally {
      await open.close();
    }
  }, 60_000);
});

describe.skipIf(!RUN_BROWSER)('in headless Chromium', () => {
  it('a reviewer who was not drawn reads why, next to the Reject form; no serious accessibility problem', async () => {
    const pub = await rig.publish(rig.tokens.pub, await corpusCrateAs(QUARANTINE, 'new', { name: 'drawn-browser', version: '1.0.0' }));
    const v = await rig.settled(pub.json.id);
    const other = ['alice', 'bob', 'carol', 'dave'].find((n) => !v.reviewers.includes(n))!;
    const browser = await launch();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await page.goto(rig.base + '/');
      await page.getByLabel('Token').fill(rig.tokens[other]);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/ui/queue');
      await page.goto(`${rig.base}/ui/releases/${v.id}`);
      expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Reject' }).count()).toBe(1);
      expect(await page.getByText(`${other} was not drawn to review release ${v.id}`).isVisible()).toBe(true);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, path.join(tmp.dir, 'shots'), 'serve-not-drawn', false);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
