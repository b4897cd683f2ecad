import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { packageRoot } from '../root.js';

export type Db = Database.Database;

/** A store that cannot be opened or upgraded (wrong file, newer schema, failed migration). */
export class StoreError extends Error {
  override name = 'StoreError';
}

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The numbered migrations in `migrations/` (`NNN-name.sql`), in order. */
export function migrations(dir = path.join(packageRoot(), 'migrations')): Migration[] {
  const out: Migration[] = [];
  for (const f of readdirSync(dir)) {
    const m = /^(\d{3})-([a-z0-9-]+)\.sql$/.exec(f);
    if (!m) continue;
    out.push({ version: Number(m[1]), name: m[2], sql: readFileSync(path.join(dir, f), 'utf8') });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 1; i < out.length; i++) {
    if (out[i].version === out[i - 1].version) throw new StoreError(`two migrations numbered ${out[i].version}`);
  }
  return out;
}

/**
 * Opens (creating when missing) the SQLite store shared by `batch`, `results` and `serve`: WAL mode,
 * foreign keys on, and every migration not yet recorded in `schema_version` applied in order, each in
 * its own transaction. A store written by a newer cratefence is refused rather than guessed at.
 */
export function openStore(file: string, options: { readonly?: boolean } = {}): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (e) {
    throw new StoreError(`${file}: cannot open the result store (${(e as Error).message})`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // Each committed transaction is on disk before the call returns: kill -9 loses nothing committed.
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    migrate(db, file, options.readonly ?? false);
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    throw new StoreError(`${file}: not a cratefence store (${(e as Error).message})`);
  }
  return db;
}

function migrate(db: Db, file: string, readonly: boolean): void {
  const all = migrations();
  if (!readonly) db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const latest = all.at(-1)?.version ?? 0;
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get() !== undefined;
  const current = hasTable ? ((db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0) : 0;
  if (current > latest) throw new StoreError(`${file}: the store has schema version ${current}, newer than this cratefence knows (${latest}); upgrade cratefence`);
  if (current === latest) return;
  if (readonly) throw new StoreError(`${file}: the store needs an upgrade to schema ${latest}; open it once without --readonly`);
  for (const m of all) {
    if (m.version <= current) continue;
    const apply = db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    });
    try {
      apply.immediate();
    } catch (e) {
      throw new StoreError(`${file}: migration ${String(m.version).padStart(3, '0')}-${m.name} failed (${(e as Error).message})`);
    }
  }
}

/** The schema version a store is at. */
export function schemaVersion(db: Db): number {
  return (db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
}
