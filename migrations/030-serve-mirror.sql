-- The Cargo registry face of the ingest service: a pull-through mirror of an upstream sparse index
-- (src/serve/mirror-*.ts, docs/registry-mirror.md).

-- Where a release came from: `published` to the service, fetched from the `upstream` and scanned,
-- or part of a crate's `baseline` (versions old enough on the mirror's first sight of the crate to
-- be trusted without a scan). Upstream and baseline releases get their tarball when first needed.
ALTER TABLE serve_releases ADD COLUMN origin TEXT NOT NULL DEFAULT 'published' CHECK (origin IN ('published', 'upstream', 'baseline'));
-- When the release became `released` (the `pubtime` the mirror serves, so cargo's own
-- min-publish-age counts from the service's release, not the upstream's publish).
ALTER TABLE serve_releases ADD COLUMN released_at TEXT;
UPDATE serve_releases SET released_at = COALESCE((SELECT MAX(e.created_at) FROM serve_events e WHERE e.release_id = serve_releases.id AND e.kind = 'released'), updated_at)
WHERE state = 'released';

-- A background scan of a baseline release: it stays usable and a trusted base while queued, and
-- only a `block` changes its state. Such scans wait until no other scan is queued.
ALTER TABLE serve_scan_queue ADD COLUMN background INTEGER NOT NULL DEFAULT 0;
-- A scan whose tarball could not be fetched yet (upstream down) waits until then, uncounted.
ALTER TABLE serve_scan_queue ADD COLUMN not_before TEXT;

-- The releases the mirror registers are "published" by this user, which has no token (its digest
-- field holds no digest, so no token ever matches) and is never drawn or made an owner.
INSERT OR IGNORE INTO serve_users (name, role, token_sha256, trusted, in_pool, created_at)
VALUES ('upstream mirror', 'publisher', 'none: the pull-through mirror', 0, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Upstream index files as last fetched, with the validators for conditional requests.
CREATE TABLE serve_upstream_index (
  crate_key TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'missing')),
  body TEXT,
  etag TEXT,
  last_modified TEXT,
  -- when the body last changed, and when upstream was last asked
  fetched_at TEXT NOT NULL,
  checked_at TEXT NOT NULL
);

-- The index line of a release published to the service, made from its manifest once.
CREATE TABLE serve_index_lines (
  release_id INTEGER PRIMARY KEY REFERENCES serve_releases(id),
  line_json TEXT NOT NULL
);

-- The dependents graph as the served index states it: for each crate, the dependencies (normal and
-- build) of its newest usable version. Admins' PUTs stay in serve_dependencies; weights use both.
CREATE TABLE serve_index_dependencies (
  dependent TEXT NOT NULL,
  -- the dependent's name as its index spells it (`dependent` is the crates.io key)
  dependent_name TEXT NOT NULL,
  dependency TEXT NOT NULL,
  req TEXT NOT NULL,
  version TEXT NOT NULL,
  PRIMARY KEY (dependent, dependency)
);
CREATE INDEX serve_index_dependencies_by_dependency ON serve_index_dependencies (dependency);

-- Read-only tokens for the registry routes of a mirror with `auth-required` (developers, CI).
CREATE TABLE serve_readers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
