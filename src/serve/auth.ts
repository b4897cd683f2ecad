import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/index.js';

export type Role = 'publisher' | 'reviewer' | 'admin';
export const ROLES: Role[] = ['publisher', 'reviewer', 'admin'];

export interface User {
  id: number;
  name: string;
  role: Role;
  trusted: boolean;
}

/** SHA-256 of a token, hex: the only form in which tokens are stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates a user and returns its API token, which is shown this once and never stored. */
export function createUser(db: Db, name: string, role: Role, options: { trusted?: boolean; inPool?: boolean; now?: Date } = {}): { user: User; token: string } {
  const token = `cf_${randomBytes(32).toString('base64url')}`;
  const info = db
    .prepare('INSERT INTO serve_users (name, role, token_sha256, trusted, in_pool, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(name, role, hashToken(token), options.trusted ? 1 : 0, options.inPool === false ? 0 : 1, (options.now ?? new Date()).toISOString());
  return { user: { id: Number(info.lastInsertRowid), name, role, trusted: options.trusted ?? false }, token };
}

/** The user a bearer token belongs to, or null. The digest is compared in constant time. */
export function userByToken(db: Db, token: string): User | null {
  if (!/^cf_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const digest = hashToken(token);
  const row = db.prepare('SELECT id, name, role, trusted, token_sha256 FROM serve_users WHERE token_sha256 = ?').get(digest) as
    | { id: number; name: string; role: Role; trusted: number; token_sha256: string }
    | undefined;
  if (!row || !timingSafeEqual(Buffer.from(row.token_sha256, 'hex'), Buffer.from(digest, 'hex'))) return null;
  return { id: row.id, name: row.name, role: row.role, trusted: row.trusted === 1 };
}

/** The bearer token of an `Authorization` header, if well formed. */
export function bearer(header: string | undefined): string | null {
  const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header ?? '');
  return m ? m[1] : null;
}

/**
 * The token a registry request presents: cargo sends a registry's token as the whole
 * `Authorization` value (no scheme); API clients send `Bearer <token>`. Both are read.
 */
export function presentedToken(header: string | undefined): string | null {
  return bearer(header) ?? (/^cf_[A-Za-z0-9_-]{43}$/.test(header ?? '') ? header! : null);
}

/** Creates a read-only registry token (for developers and CI of a mirror with `auth-required`); shown once, stored as its digest. */
export function createReader(db: Db, name: string, now = new Date()): string {
  const token = `cf_${randomBytes(32).toString('base64url')}`;
  db.prepare('INSERT INTO serve_readers (name, token_sha256, created_at) VALUES (?, ?, ?)').run(name, hashToken(token), now.toISOString());
  return token;
}

/** The name a read-only registry token belongs to, or null. */
export function readerByToken(db: Db, token: string): string | null {
  if (!/^cf_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const digest = hashToken(token);
  const row = db.prepare('SELECT name, token_sha256 FROM serve_readers WHERE token_sha256 = ?').get(digest) as { name: string; token_sha256: string } | undefined;
  if (!row || !timingSafeEqual(Buffer.from(row.token_sha256, 'hex'), Buffer.from(digest, 'hex'))) return null;
  return row.name;
}
