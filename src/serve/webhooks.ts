import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import os from 'node:os';
import ipaddr from 'ipaddr.js';
import { ServeError } from './errors.js';

/** Resolves a host name to every address it has (injected by tests; `dns.lookup` otherwise). */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Where the service itself listens and is reached: a webhook must never call back into it. */
export interface SelfTargets {
  /** `address:port` pairs the server listens on (`0.0.0.0`/`::` stand for every local address). */
  listening: () => Array<{ address: string; port: number }>;
  /** The configured public URL's origin, if any. */
  publicOrigin?: string;
}

export interface TargetPolicy {
  allowPrivate: boolean;
  self: SelfTargets;
  resolve: Resolver;
}

/**
 * Why an address is not a public unicast one (loopback, private, link-local, CGNAT, unspecified,
 * multicast, IPv4-mapped or -embedding IPv6, reserved, …), or null when it is. IPv4-mapped IPv6
 * addresses are judged as the IPv4 address they carry.
 */
export function nonPublicRange(address: string): string | null {
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    a = ipaddr.process(address.replace(/^\[|\]$/g, ''));
  } catch {
    return 'not an IP address';
  }
  const range = a.range();
  return range === 'unicast' ? null : range;
}

const isLocalName = (host: string) => /(^|\.)localhost\.?$/i.test(host) || /^localhost\.localdomain\.?$/i.test(host);

function defaultPort(u: URL): number {
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

function sameAddress(a: string, b: string): boolean {
  try {
    return ipaddr.process(a).toNormalizedString() === ipaddr.process(b).toNormalizedString();
  } catch {
    return false;
  }
}

/** True when `address:port` is the service's own listening socket. */
function isSelfAddress(self: SelfTargets, address: string, port: number): boolean {
  for (const l of self.listening()) {
    if (l.port !== port) continue;
    if (sameAddress(l.address, address)) return true;
    const unspecified = l.address === '0.0.0.0' || l.address === '::';
    if (unspecified && (nonPublicRange(address) === 'loopback' || localAddresses().some((x) => sameAddress(x, address)))) return true;
  }
  return false;
}

function localAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/** The refusal, if any, for one resolved address of a webhook target. */
function addressProblem(p: TargetPolicy, host: string, address: string, port: number): string | null {
  if (isSelfAddress(p.self, address, port)) return `${host} is this service's own address`;
  if (p.allowPrivate) return null;
  const range = nonPublicRange(address);
  return range ? `${host} ${address === host ? 'is' : `resolves to ${address}, which is`} a ${range} address (set webhook-allow-private to allow it)` : null;
}

/**
 * Checks a webhook URL when it is subscribed: http(s) only, no credentials, not the service's own
 * URL, and — unless `webhook-allow-private` — no name or address that reaches loopback, private,
 * link-local, CGNAT or other non-public addresses. Every address the name resolves to must pass.
 * The same check runs again on the address each delivery connects to (DNS may change meanwhile).
 */
export async function checkWebhookTarget(raw: string, p: TargetPolicy): Promise<void> {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ServeError(422, 'url: not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ServeError(422, 'url: only http and https webhooks are delivered');
  if (u.username || u.password) throw new ServeError(422, 'url: must not carry a user name or password');
  if (p.self.publicOrigin && u.origin === new URL(p.self.publicOrigin).origin) throw new ServeError(422, `url: ${u.host} is this service's own URL`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!p.allowPrivate && isLocalName(host)) throw new ServeError(422, `url: ${host} names this machine (set webhook-allow-private to allow it)`);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await p.resolve(host)).map((a) => a.address);
    } catch (e) {
      throw new ServeError(422, `url: cannot resolve ${host} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (addresses.length === 0) throw new ServeError(422, `url: ${host} has no address`);
  }
  for (const a of addresses) {
    const problem = addressProblem(p, host, a, defaultPort(u));
    if (problem) throw new ServeError(422, `url: ${problem}`);
  }
}

/**
 * POSTs one webhook delivery and answers with the HTTP status. The connection goes only to an
 * address that passed the target check at this moment: names are resolved by a lookup that refuses
 * non-public addresses (DNS rebinding), literal addresses are checked before connecting. Redirects
 * are not followed; the whole exchange has a time limit.
 */
export async function postWebhook(url: string, headers: Record<string, string>, body: string, p: TargetPolicy & { timeoutMs: number }): Promise<number> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = defaultPort(u);
  if (p.self.publicOrigin && u.origin === new URL(p.self.publicOrigin).origin) throw new Error(`${u.host} is this service's own URL`);
  if (!p.allowPrivate && isLocalName(host)) throw new Error(`${host} names this machine`);
  if (isIP(host)) {
    const problem = addressProblem(p, host, host, port);
    if (problem) throw new Error(problem);
  }
  const lookup: LookupFunction = (hostname, options, callback) => {
    p.resolve(hostname).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), '', 0);
        for (const a of wanted) {
          const problem = addressProblem(p, hostname, a.address, port);
          if (problem) return callback(Object.assign(new Error(`refused: ${problem}`), { code: 'EREFUSEDTARGET' }), '', 0);
        }
        if (options.all) (callback as unknown as (e: null, list: Array<{ address: string; family: number }>) => void)(null, wanted);
        else callback(null, wanted[0].address, wanted[0].family);
      },
      (e: Error) => callback(e as NodeJS.ErrnoException, '', 0),
    );
  };
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const req = mod.request(
      { protocol: u.protocol, hostname: host, port, path: `${u.pathname}${u.search}`, method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, agent: false },
      (res) => {
        clearTimeout(timer);
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${p.timeoutMs} ms`)), p.timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}
