/**
 * Literals shaped like cryptocurrency addresses. Bitcoin addresses are checked against their own
 * checksums (base58check, bech32/bech32m), so a random word of the right alphabet is not one; an
 * Ethereum address is `0x` and 40 hex digits; a Solana address is base58 text of exactly 32 bytes.
 */
import { createHash } from 'node:crypto';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_INDEX = new Map([...B58].map((c, i) => [c, i]));

/** Base58 text to bytes (leading `1`s are zero bytes), or null when a character is outside the alphabet. */
export function base58Decode(s: string): Uint8Array | null {
  let n = 0n;
  for (const c of s) {
    const v = B58_INDEX.get(c);
    if (v === undefined) return null;
    n = n * 58n + BigInt(v);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  let zeros = 0;
  while (zeros < s.length && s[zeros] === '1') zeros++;
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...bytes]);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();

function base58Check(s: string): boolean {
  const b = base58Decode(s);
  if (!b || b.length !== 25 || (b[0] !== 0x00 && b[0] !== 0x05)) return false;
  const sum = sha256(sha256(b.subarray(0, 21)));
  return sum.subarray(0, 4).equals(Buffer.from(b.subarray(21)));
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function polymod(values: number[]): number {
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i];
  }
  return chk >>> 0;
}

function bech32Valid(s: string): boolean {
  const lower = s.toLowerCase();
  if (s !== lower && s !== s.toUpperCase()) return false;
  const sep = lower.lastIndexOf('1');
  const hrp = lower.slice(0, sep);
  const data = [...lower.slice(sep + 1)].map((c) => BECH32.indexOf(c));
  if (hrp !== 'bc' || data.some((d) => d < 0) || data.length < 7) return false;
  const expand = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  const pm = polymod([...expand, ...data]);
  return pm === 1 || pm === 0x2bc830a3;
}

export interface AddressHit {
  kind: 'Ethereum' | 'Bitcoin' | 'Solana';
  text: string;
}

const ETH = /(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])/g;
const BTC = /(?<![0-9A-Za-z])[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![0-9A-Za-z])/g;
const BECH = /(?<![0-9A-Za-z])(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,71}(?![0-9A-Za-z])/g;
const SOL = /(?<![0-9A-Za-z])[1-9A-HJ-NP-Za-km-z]{32,44}(?![0-9A-Za-z])/g;

/** The first address-shaped piece of a literal, or undefined. Linear regexes, bounded input. */
export function addressIn(text: string): AddressHit | undefined {
  if (text.length > 4096) return undefined;
  for (const m of text.matchAll(ETH)) {
    const hex = m[0].slice(2);
    // The zero address and repeated digits are placeholders, not someone's wallet.
    if (new Set(hex.toLowerCase()).size >= 6) return { kind: 'Ethereum', text: m[0] };
  }
  for (const m of text.matchAll(BECH)) if (bech32Valid(m[0])) return { kind: 'Bitcoin', text: m[0] };
  for (const m of text.matchAll(BTC)) if (base58Check(m[0])) return { kind: 'Bitcoin', text: m[0] };
  for (const m of text.matchAll(SOL)) {
    const t = m[0];
    if (!/[0-9]/.test(t) || !/[a-z]/.test(t) || !/[A-Z]/.test(t)) continue;
    if (base58Decode(t)?.length === 32) return { kind: 'Solana', text: t };
  }
  return undefined;
}
