import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Report } from '../report/types.js';
import type { FileHunks } from '../index.js';
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
<header><strong>cratefence</strong> <span class="muted">release review</span></header>
<main>${withNonce(body)}</main></body></html>`);
}

const CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2329;background:#f6f7f9}
header{background:#1d2329;color:#fff;padding:.7em 1.2em}header .muted{color:#aab}
main{max-width:1100px;margin:1.2em auto;padding:0 1.2em}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.45em .6em;border-bottom:1px solid #e3e6ea;vertical-align:top}
.badge{display:inline-block;padding:.05em .5em;border-radius:.3em;font-weight:600;font-size:.85em}
.pass,.released{background:#dff3e4;color:#17692e}.review,.quarantined,.cooling-off,.scanning{background:#fff2cc;color:#7a5a00}
.block,.rejected,.revoked{background:#fbe0e0;color:#9b1c1c}
.card{background:#fff;border:1px solid #e3e6ea;border-radius:.4em;padding:1em;margin:1em 0}
form.inline{display:flex;gap:.5em;align-items:center;margin:.4em 0}input[type=text],input[type=password]{padding:.4em;border:1px solid #c8cdd3;border-radius:.3em;min-width:22em}
button{padding:.4em .9em;border:0;border-radius:.3em;background:#2454c5;color:#fff;font-weight:600;cursor:pointer}button.danger{background:#b42323}
.muted{color:#66707a}.error{color:#9b1c1c;font-weight:600}code{font-size:.92em}`;

const badge = (s: string | null) => (s ? `<span class="badge ${esc(s)}">${esc(s)}</span>` : '');

function timeLeft(v: ReleaseView, now: Date): string {
  if (v.state !== 'cooling-off' || !v.coolOffUntil) return '';
  const ms = Date.parse(v.coolOffUntil) - now.getTime();
  if (ms <= 0) return 'due';
  const minutes = Math.ceil(ms / 60_000);
  const h = Math.floor(minutes / 60);
  return h >= 1 ? `${h} h ${minutes % 60} min left` : `${minutes} min left`;
}

/** Dependents waiting for a held-back release, as a short list: crate (requirement) — owners. */
function waitingList(list: WaitingDependent[], limit: number): string {
  if (list.length === 0) return '<span class="muted">none known</span>';
  const shown = list.slice(0, limit).map((w) => `<div><code>${esc(w.crate)}</code>${w.req ? ` <span class="muted">${esc(w.req)}</span>` : ''}${w.owners.length ? ` — ${w.owners.map(esc).join(', ')}` : ''}</div>`);
  return shown.join('') + (list.length > limit ? `<div class="muted">and ${list.length - limit} more</div>` : '');
}

function table(rows: ReleaseView[], now: Date, waiting?: (v: ReleaseView) => WaitingDependent[]): string {
  if (rows.length === 0) return '<p class="muted">Nothing here.</p>';
  return `<table><thead><tr><th>Release</th><th>State</th><th>Verdict</th><th>Score</th><th>Top findings</th>${waiting ? '<th>Dependents waiting</th>' : ''}<th>Cool-off</th></tr></thead><tbody>${rows
    .map(
      (v) => `<tr><td><a href="/ui/releases/${v.id}">${esc(v.crate)} ${esc(v.baseVersion ?? '(first)')} → ${esc(v.version)}</a></td><td>${badge(v.state)}</td><td>${badge(v.verdict)}</td><td>${esc(v.score ?? '')}</td><td>${v.topFindings
        .slice(0, 3)
        .map((f) => `<div><code>${esc(f.ruleId)}</code> <span class="muted">${esc(f.file)}:${esc(f.line)}</span></div>`)
        .join('')}</td>${waiting ? `<td>${waitingList(waiting(v), 5)}</td>` : ''}<td>${esc(timeLeft(v, now))}</td></tr>`,
    )
    .join('')}</tbody></table>`;
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

/** Registers `/`, `/ui/login`, `/ui/logout`, `/ui/queue`, `/ui/releases/:id` and its decision form. */
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
    return page(reply, 'Log in', `<div class="card"><h1>Log in</h1><p class="muted">Paste your cratefence API token.</p>
${failed ? '<p class="error" role="alert">That token is not valid.</p>' : ''}
<form class="inline" method="post" action="/ui/login"><label>Token <input type="password" name="token" autocomplete="off" required></label><button type="submit">Log in</button></form></div>`);
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
    return page(reply, 'Queue', `<p>Logged in as <strong>${esc(me.name)}</strong> (${esc(me.role)}). <form class="inline" method="post" action="/ui/logout"><button type="submit">Log out</button></form></p>
<h2>Waiting for me</h2>${table(mine, now, waiting)}
<h2>All quarantined</h2>${table(quarantined, now, waiting)}
<h2>Cooling off</h2>${table(cooling, now)}`);
  });

  app.get<{ Params: { id: number } }>('/ui/releases/:id', {
    config: { roles: 'public' },
    schema: { hide: true, params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } } },
  }, async (req, reply) => {
    const me = current(req);
    if (!me) return reply.redirect('/', 303);
    const v = d.releases.view(req.params.id);
    const report = d.releases.report(req.params.id);
    const canDecide = me.role !== 'publisher' && (v.state === 'quarantined' || v.state === 'cooling-off');
    const forms: string[] = [];
    if (canDecide) {
      forms.push(`<form class="inline" method="post" action="/ui/releases/${v.id}/decide"><input type="hidden" name="kind" value="approval"><label>Reason <input type="text" name="reason" required></label><button type="submit">Approve</button></form>`);
      forms.push(`<form class="inline" method="post" action="/ui/releases/${v.id}/decide"><input type="hidden" name="kind" value="rejection"><label>Reason <input type="text" name="reason" required></label><button class="danger" type="submit">Reject</button></form>`);
    }
    if (me.role === 'admin' && v.state !== 'revoked') {
      forms.push(`<form class="inline" method="post" action="/ui/releases/${v.id}/decide"><input type="hidden" name="kind" value="revocation"><label>Reason <input type="text" name="reason" required></label><button class="danger" type="submit">Revoke</button></form>`);
    }
    if (me.role === 'admin' && v.state === 'rejected') {
      forms.push(`<form class="inline" method="post" action="/ui/releases/${v.id}/decide"><input type="hidden" name="kind" value="override"><label>Reason <input type="text" name="reason" required></label><button type="submit">Override</button></form>`);
    }
    const flash = (req.query as { error?: string }).error;
    return page(reply, `${v.crate} ${v.version}`, `<p><a href="/ui/queue">← queue</a></p>
<div class="card"><h1>${esc(v.crate)} ${esc(v.baseVersion ?? '(first release)')} → ${esc(v.version)}</h1>
<p>State <span id="state">${badge(v.state)}</span> · verdict ${badge(v.verdict)} · score ${esc(v.score ?? '—')} · published by ${esc(v.publisher)}${v.coolOffUntil ? ` · cool-off until ${esc(v.coolOffUntil)}` : ''}</p>
${d.releases.seesReviewers(v.id, me) ? `<p>Reviewers drawn: ${v.reviewers.length ? v.reviewers.map(esc).join(', ') : '<span class="muted">none</span>'}</p>` : ''}
${v.state === 'quarantined' ? `<div aria-label="dependents waiting"><p>Dependents waiting for it:</p>${waitingList(d.waiting(v.crate, v.version), 50)}</div>` : ''}
${v.approval ? `<p>Approvals: ${v.approval.approvals}${v.approval.mode === 'count' ? ` of ${v.approval.needed}` : `, share ${esc(v.approval.share)} of ${esc(v.approval.needed)} needed`}</p>` : ''}
${flash ? `<p class="error" role="alert">${esc(flash)}</p>` : ''}
${forms.join('')}
${v.decisions.length ? `<h2>Decisions</h2><table><tbody>${v.decisions.map((x) => `<tr><td>${esc(x.kind)}</td><td>${esc(x.who)}</td><td>${esc(x.reason)}</td><td class="muted">${esc(x.at)}</td></tr>`).join('')}</tbody></table>` : ''}
</div>
<section aria-label="report">${report ? d.reportFragment(report, d.releases.hunks(v.id)) : `<p class="muted">${v.scanError ? esc(v.scanError) : 'Scanning…'}</p>`}</section>`);
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
    const allowed: Record<DecisionKind, Role[]> = { approval: ['reviewer', 'admin'], rejection: ['reviewer', 'admin'], revocation: ['admin'], override: ['admin'] };
    if (!allowed[kind].includes(me.role)) throw new ServeError(403, `the ${me.role} role may not record a ${kind}`);
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
