import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FileHunks, Report } from '../index.js';
import type { Role, User } from './auth.js';
import { ReleaseService, ServeError, type DecisionKind, type ReleaseView } from './releases.js';
import type { WaitingDependent } from './dependents.js';

/** The reviewers' web page: server-rendered, no external requests, a session cookie set at log-in. */

export const SESSION_COOKIE = 'cf_session';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The session token from the cookie header (pages only; the JSON API takes bearer tokens only). */
export function sessionToken(req: FastifyRequest): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

function page(reply: FastifyReply, title: string, body: string, extraHead = ''): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  reply.header('content-security-policy', `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`);
  reply.type('text/html; charset=utf-8');
  const withNonce = (html: string) => html.replace(/<(style|script)(?=[\s>])/g, `<$1 nonce="${nonce}"`);
  return reply.send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} — cratefence</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
${withNonce(`<style>${CSS}</style>`)}${withNonce(extraHead)}</head><body>
<header><strong>cratefence</strong> <span class="ui-muted">release review</span></header>
<main>${withNonce(body)}</main></body></html>`);
}

/**
 * The page's own style sheet. Its rules name the page's classes (`ui-…`) or the page's own landmarks
 * only, never bare elements inside `main`, so the embedded report (whose style sheet is scoped to its
 * `.cf-page` wrapper) and the page cannot restyle each other. State and verdict pills meet WCAG AA
 * contrast (4.5:1 or more).
 */
const CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2329;background:#f6f7f9}
body>header{background:#1d2329;color:#fff;padding:.7em 1.2em}body>header .ui-muted{color:#b8bec8}
body>main{max-width:1100px;margin:1.2em auto;padding:0 1.2em}
.ui-table{border-collapse:collapse;width:100%;background:#fff;margin:.3em 0 1em}
.ui-table th,.ui-table td{text-align:left;padding:.45em .6em;border-bottom:1px solid #e3e6ea;vertical-align:top}
.ui-table th{font-size:.85em;color:#4b545e;font-weight:600}
.ui-pill{display:inline-block;padding:.05em .5em;border-radius:.3em;font-weight:600;font-size:.85em;line-height:1.5;white-space:nowrap}
.ui-pill.st-pass,.ui-pill.st-released{background:#dff3e4;color:#17692e}
.ui-pill.st-review,.ui-pill.st-quarantined,.ui-pill.st-cooling-off,.ui-pill.st-scanning{background:#fff2cc;color:#6b4f00}
.ui-pill.st-block,.ui-pill.st-rejected,.ui-pill.st-revoked{background:#fbe0e0;color:#9b1c1c}
.ui-sev{font-size:.8em;font-weight:600;text-transform:uppercase;padding:0 .35em;border-radius:.25em;color:#fff;background:#59636e}
.ui-sev.sv-critical{background:#8b0000}.ui-sev.sv-high{background:#b42323}.ui-sev.sv-medium{background:#a04100}.ui-sev.sv-low{background:#0a5cc2}
.ui-card{background:#fff;border:1px solid #e3e6ea;border-radius:.4em;padding:1em;margin:1em 0}
.ui-form{display:flex;gap:.5em;align-items:center;margin:.4em 0}
.ui-form input[type=text],.ui-form input[type=password]{padding:.4em;border:1px solid #8a939d;border-radius:.3em;min-width:22em;font:inherit}
.ui-button{padding:.4em .9em;border:0;border-radius:.3em;background:#2454c5;color:#fff;font-weight:600;cursor:pointer;font:inherit}.ui-button.danger{background:#b42323}
.ui-muted{color:#59636e}.ui-error{color:#9b1c1c;font-weight:600}.ui-code{font-family:ui-monospace,monospace;font-size:.92em}
.ui-why{max-width:28em}
.ui-refused{color:#4b545e;border-left:3px solid #8a939d;padding:.1em .8em;margin:.6em 0}.ui-refused p,.ui-refused ul{margin:.2em 0}`;

const pill = (s: string | null) => (s ? `<span class="ui-pill st-${esc(s)}">${esc(s)}</span>` : '');

function timeLeft(v: ReleaseView, now: Date): string {
  if (v.state !== 'cooling-off' || !v.coolOffUntil) return '';
  const ms = Date.parse(v.coolOffUntil) - now.getTime();
  if (ms <= 0) return 'due';
  const minutes = Math.ceil(ms / 60_000);
  const h = Math.floor(minutes / 60);
  return h >= 1 ? `${h} h ${minutes % 60} min left` : `${minutes} min left`;
}

const releaseLink = (v: ReleaseView) => `<a href="/ui/releases/${v.id}">${esc(v.crate)} ${esc(v.baseVersion ?? '(first)')} → ${esc(v.version)}</a>`;

/** A release's most severe findings (the service lists them most severe first). */
function topFindings(v: ReleaseView): string {
  return v.topFindings
    .slice(0, 3)
    .map((f) => `<div><span class="ui-sev sv-${esc(f.severity)}">${esc(f.severity)}</span> <span class="ui-code">${esc(f.ruleId)}</span> <span class="ui-muted">${esc(f.file)}:${esc(f.line)}</span></div>`)
    .join('');
}

/** Dependents waiting for a held-back release, as a short list: crate (requirement) — owners. */
function waitingList(list: WaitingDependent[], limit: number): string {
  if (list.length === 0) return '<span class="ui-muted">none known</span>';
  const shown = list.slice(0, limit).map((w) => `<div><span class="ui-code">${esc(w.crate)}</span>${w.req ? ` <span class="ui-muted">${esc(w.req)}</span>` : ''}${w.owners.length ? ` — ${w.owners.map(esc).join(', ')}` : ''}</div>`);
  return shown.join('') + (list.length > limit ? `<div class="ui-muted">and ${list.length - limit} more</div>` : '');
}

function table(rows: ReleaseView[], now: Date, waiting?: (v: ReleaseView) => WaitingDependent[]): string {
  if (rows.length === 0) return '<p class="ui-muted">Nothing here.</p>';
  return `<table class="ui-table"><thead><tr><th scope="col">Release</th><th scope="col">State</th><th scope="col">Verdict</th><th scope="col">Score</th><th scope="col">Top findings</th>${waiting ? '<th scope="col">Dependents waiting</th>' : ''}<th scope="col">Cool-off</th></tr></thead><tbody>${rows
    .map((v) => `<tr><td>${releaseLink(v)}</td><td>${pill(v.state)}</td><td>${pill(v.verdict)}</td><td>${esc(v.score ?? '')}</td><td>${topFindings(v)}</td>${waiting ? `<td>${waitingList(waiting(v), 5)}</td>` : ''}<td>${esc(timeLeft(v, now))}</td></tr>`)
    .join('')}</tbody></table>`;
}

const OUTCOME_OF: Partial<Record<ReleaseView['state'], DecisionKind[]>> = { released: ['approval', 'override'], rejected: ['rejection'], revoked: ['revocation'] };

/** What put a decided release in its state: the decision with who and why, or the scan or cool-off that did. */
function outcome(v: ReleaseView): { how: string; who: string; reason: string; at: string } {
  const kinds = OUTCOME_OF[v.state] ?? [];
  const d = [...v.decisions].reverse().find((x) => kinds.includes(x.kind));
  if (d) return { how: d.kind, who: d.who, reason: d.reason, at: d.at };
  if (v.state === 'released') return { how: 'cool-off', who: '', reason: 'no decision needed: its cool-off period passed', at: v.updatedAt };
  if (v.state === 'rejected') return { how: 'scan', who: '', reason: v.scanError ? `scan failed: ${v.scanError}` : `the scan's verdict was ${v.verdict ?? 'block'}${v.score !== null ? ` (score ${v.score})` : ''}`, at: v.updatedAt };
  return { how: '', who: '', reason: '', at: v.updatedAt };
}

/** Releases that are decided (released, rejected, revoked), latest decision first, with the decision that did it. */
function decidedTable(rows: ReleaseView[]): string {
  if (rows.length === 0) return '<p class="ui-muted">Nothing here.</p>';
  return `<table class="ui-table"><thead><tr><th scope="col">Release</th><th scope="col">Verdict</th><th scope="col">Decision</th><th scope="col">By</th><th scope="col">Reason</th><th scope="col">When</th></tr></thead><tbody>${rows
    .map((v) => ({ v, o: outcome(v) }))
    .sort((a, b) => (a.o.at < b.o.at ? 1 : a.o.at > b.o.at ? -1 : b.v.id - a.v.id))
    .map(({ v, o }) => {
      return `<tr><td>${releaseLink(v)}</td><td>${pill(v.verdict)}</td><td>${esc(o.how)}</td><td>${esc(o.who)}</td><td class="ui-why">${esc(o.reason)}</td><td class="ui-muted">${esc(o.at)}</td></tr>`;
    })
    .join('')}</tbody></table>`;
}

/** Decided releases shown per state on the queue page; the JSON API lists them all. */
export const DECIDED_SHOWN = 50;

/** The released, rejected and revoked lists for reviewers and admins. */
function decidedLists(d: PageDeps): string {
  return (['released', 'rejected', 'revoked'] as const)
    .map((state) => {
      const all = d.releases.list({ state });
      const more = all.length > DECIDED_SHOWN ? ` <span class="ui-muted">(the latest ${DECIDED_SHOWN} of ${all.length}; <code class="ui-code">GET /v1/releases?state=${state}</code> lists them all)</span>` : '';
      return `<h2>${state[0].toUpperCase()}${state.slice(1)}${more}</h2>${decidedTable(all.slice(0, DECIDED_SHOWN))}`;
    })
    .join('\n');
}

const DECISION_KINDS: readonly DecisionKind[] = ['approval', 'rejection', 'revocation', 'override'];

/** Who may record each decision (the JSON API's routes allow the same roles). */
const DECIDERS: Record<DecisionKind, Role[]> = { approval: ['reviewer', 'admin'], rejection: ['reviewer', 'admin'], revocation: ['admin'], override: ['admin'] };

const FORM_OF: Record<DecisionKind, { button: string; danger: boolean }> = {
  approval: { button: 'Approve', danger: false },
  rejection: { button: 'Reject', danger: true },
  revocation: { button: 'Revoke', danger: true },
  override: { button: 'Override', danger: false },
};

function decisionForm(id: number, kind: DecisionKind): string {
  const f = FORM_OF[kind];
  return `<form class="ui-form" method="post" action="/ui/releases/${id}/decide"><input type="hidden" name="kind" value="${kind}"><label>Reason <input type="text" name="reason" required></label><button class="ui-button${f.danger ? ' danger' : ''}" type="submit">${f.button}</button></form>`;
}

export interface PageDeps {
  releases: ReleaseService;
  now: () => Date;
  /** Renders a scan report (with its release diff when kept) as an HTML fragment for the release page. */
  reportFragment: (report: Report, hunks?: FileHunks[]) => string;
  userOf: (token: string) => User | null;
  /** Called after a decision is recorded (delivers its alerts). */
  afterDecision: () => void;
  /** The dependents whose requirement admits a release (they get it once it is released). */
  waiting: (crate: string, version: string) => WaitingDependent[];
}

/** Same-origin check for form posts (with the SameSite=Strict cookie, the CSRF guard). */
function sameOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = req.headers.origin;
  return origin === undefined || origin === `${req.protocol}://${req.host}`;
}

/**
 * Registers `/`, `/ui/login`, `/ui/logout`, `/ui/queue` (what waits, what cools off, and for
 * reviewers and admins what was released, rejected and revoked, with the decision and its reason),
 * `/ui/releases/:id` and its decision form.
 */
export function registerPages(app: FastifyInstance, d: PageDeps): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const current = (req: FastifyRequest) => {
    const t = sessionToken(req);
    return t ? d.userOf(t) : null;
  };

  app.get('/', { config: { roles: 'public' }, schema: { hide: true } }, async (req, reply) => {
    if (current(req)) return reply.redirect('/ui/queue', 303);
    const failed = (req.query as { failed?: string }).failed !== undefined;
    return page(reply, 'Log in', `<div class="ui-card"><h1>Log in</h1><p class="ui-muted">Paste your cratefence API token.</p>
${failed ? '<p class="ui-error" role="alert">That token is not valid.</p>' : ''}
<form class="ui-form" method="post" action="/ui/login"><label>Token <input type="password" name="token" autocomplete="off" required></label><button class="ui-button" type="submit">Log in</button></form></div>`);
  });

  app.post('/ui/login', { config: { roles: 'public' }, schema: { hide: true, body: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 200 } } } } }, async (req, reply) => {
    if (!sameOrigin(req)) throw new ServeError(403, 'cross-site form post refused');
    const token = (req.body as { token: string }).token.trim();
    if (!d.userOf(token)) return reply.redirect('/?failed', 303);
    reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=28800${req.protocol === 'https' ? '; Secure' : ''}`);
    return reply.redirect('/ui/queue', 303);
  });

  app.post('/ui/logout', { config: { roles: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    return reply.redirect('/', 303);
  });

  app.get('/ui/queue', { config: { roles: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const me = current(req);
    if (!me) return reply.redirect('/', 303);
    const now = d.now();
    const quarantined = d.releases.list({ state: 'quarantined' });
    const mine = quarantined.filter((v) => v.reviewers.includes(me.name));
    const cooling = d.releases.list({ state: 'cooling-off' });
    const waiting = (v: ReleaseView) => d.waiting(v.crate, v.version);
    return page(reply, 'Queue', `<h1>Release queue</h1><div class="ui-form"><span>Logged in as <strong>${esc(me.name)}</strong> (${esc(me.role)}).</span><form method="post" action="/ui/logout"><button class="ui-button" type="submit">Log out</button></form></div>
<h2>Waiting for me</h2>${table(mine, now, waiting)}
<h2>All quarantined</h2>${table(quarantined, now, waiting)}
<h2>Cooling off</h2>${table(cooling, now)}
${me.role === 'publisher' ? '' : decidedLists(d)}`);
  });

  app.get<{ Params: { id: number } }>('/ui/releases/:id', {
    config: { roles: 'public' },
    schema: { hide: true, params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } } },
  }, async (req, reply) => {
    const me = current(req);
    if (!me) return reply.redirect('/', 303);
    const v = d.releases.view(req.params.id);
    const report = d.releases.report(req.params.id);
    // Only the forms the service would take from this user now; for a decision their role allows but
    // the release or who they are does not (not drawn, their own crate), why instead of a form.
    const forms: string[] = [];
    const refused: string[] = [];
    for (const kind of DECISION_KINDS) {
      if (!DECIDERS[kind].includes(me.role)) continue;
      const no = d.releases.refusal(v.id, me, kind);
      if (!no) forms.push(decisionForm(v.id, kind));
      else if (no.status === 403) refused.push(`<li><strong>${FORM_OF[kind].button}</strong>: ${esc(no.message)}</li>`);
    }
    const flash = (req.query as { error?: string }).error;
    return page(reply, `${v.crate} ${v.version}`, `<p><a href="/ui/queue">← queue</a></p>
<div class="ui-card"><h1>${esc(v.crate)} ${esc(v.baseVersion ?? '(first release)')} → ${esc(v.version)}</h1>
<p>State <span id="state">${pill(v.state)}</span> · verdict ${pill(v.verdict)} · score ${esc(v.score ?? '—')} · published by ${esc(v.publisher)}${v.coolOffUntil ? ` · cool-off until ${esc(v.coolOffUntil)}` : ''}</p>
${d.releases.seesReviewers(v.id, me) ? `<p>Reviewers drawn: ${v.reviewers.length ? v.reviewers.map(esc).join(', ') : '<span class="ui-muted">none</span>'}</p>` : ''}
${v.state === 'quarantined' ? `<div aria-label="dependents waiting"><p>Dependents waiting for it:</p>${waitingList(d.waiting(v.crate, v.version), 50)}</div>` : ''}
${v.approval ? `<p>Approvals: ${v.approval.approvals}${v.approval.mode === 'count' ? ` of ${v.approval.needed}` : `, share ${esc(v.approval.share)} of ${esc(v.approval.needed)} needed`}</p>` : ''}
${flash ? `<p class="ui-error" role="alert">${esc(flash)}</p>` : ''}
${forms.join('')}
${refused.length ? `<div class="ui-refused"><p>You cannot:</p><ul>${refused.join('')}</ul></div>` : ''}
${v.decisions.length ? `<h2>Decisions</h2><table class="ui-table"><thead><tr><th scope="col">Decision</th><th scope="col">By</th><th scope="col">Reason</th><th scope="col">When</th></tr></thead><tbody>${v.decisions.map((x) => `<tr><td>${esc(x.kind)}</td><td>${esc(x.who)}</td><td>${esc(x.reason)}</td><td class="ui-muted">${esc(x.at)}</td></tr>`).join('')}</tbody></table>` : ''}
</div>
<section aria-label="report">${report ? d.reportFragment(report, d.releases.hunks(v.id)) : `<p class="ui-muted">${v.scanError ? esc(v.scanError) : 'Scanning…'}</p>`}</section>`);
  });

  app.post<{ Params: { id: number }; Body: { kind: string; reason: string } }>('/ui/releases/:id/decide', {
    config: { roles: 'public' },
    schema: {
      hide: true,
      params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } },
      body: { type: 'object', required: ['kind', 'reason'], properties: { kind: { type: 'string', enum: ['approval', 'rejection', 'revocation', 'override'] }, reason: { type: 'string', minLength: 1, maxLength: 4000 } } },
    },
  }, async (req, reply) => {
    if (!sameOrigin(req)) throw new ServeError(403, 'cross-site form post refused');
    const me = current(req);
    if (!me) return reply.redirect('/', 303);
    const kind = req.body.kind as DecisionKind;
    if (!DECIDERS[kind].includes(me.role)) throw new ServeError(403, `the ${me.role} role may not record a ${kind}`);
    try {
      d.releases.decide(req.params.id, me, kind, req.body.reason);
      d.afterDecision();
    } catch (e) {
      if (e instanceof ServeError && e.status !== 404) return reply.redirect(`/ui/releases/${req.params.id}?error=${encodeURIComponent(e.message)}`, 303);
      throw e;
    }
    return reply.redirect(`/ui/releases/${req.params.id}`, 303);
  });
}
