-- The ingest service (cratefence serve): releases, their scans, decisions, reviewers, alerts.

-- API users. Tokens are stored as SHA-256 digests only; the token itself is shown once, at creation.
CREATE TABLE serve_users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('publisher', 'reviewer', 'admin')),
  token_sha256 TEXT NOT NULL UNIQUE,
  trusted INTEGER NOT NULL DEFAULT 0,
  in_pool INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);

-- Who maintains which crate (owners), and which crates depend on which (the dependents graph).
CREATE TABLE serve_owners (
  crate TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES serve_users(id),
  PRIMARY KEY (crate, user_id)
);
CREATE TABLE serve_dependencies (
  dependent TEXT NOT NULL,
  dependency TEXT NOT NULL,
  PRIMARY KEY (dependent, dependency)
);
CREATE INDEX serve_dependencies_by_dependency ON serve_dependencies (dependency);

-- One row per published release. `blob_sha256` names the tarball in the blob store.
CREATE TABLE serve_releases (
  id INTEGER PRIMARY KEY,
  crate TEXT NOT NULL,
  version TEXT NOT NULL,
  blob_sha256 TEXT NOT NULL,
  publisher_id INTEGER NOT NULL REFERENCES serve_users(id),
  state TEXT NOT NULL CHECK (state IN ('scanning', 'quarantined', 'cooling-off', 'released', 'rejected', 'revoked')),
  base_version TEXT,
  verdict TEXT,
  score INTEGER,
  report_json TEXT,
  report_sha256 TEXT,
  scan_error TEXT,
  cool_off_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (crate, version)
);
CREATE INDEX serve_releases_by_state ON serve_releases (state);

-- Durable scan queue: a row stays until its result is written in the same transaction.
CREATE TABLE serve_scan_queue (
  release_id INTEGER PRIMARY KEY REFERENCES serve_releases(id),
  attempts INTEGER NOT NULL DEFAULT 0,
  enqueued_at TEXT NOT NULL
);

CREATE TABLE serve_decisions (
  id INTEGER PRIMARY KEY,
  release_id INTEGER NOT NULL REFERENCES serve_releases(id),
  kind TEXT NOT NULL CHECK (kind IN ('approval', 'rejection', 'revocation', 'override')),
  user_id INTEGER NOT NULL REFERENCES serve_users(id),
  reason TEXT NOT NULL,
  report_sha256 TEXT,
  weight REAL NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);
CREATE INDEX serve_decisions_by_release ON serve_decisions (release_id);

-- Random reviewer draws, with what went into each so it can be audited later.
CREATE TABLE serve_reviewer_draws (
  id INTEGER PRIMARY KEY,
  release_id INTEGER NOT NULL REFERENCES serve_releases(id),
  pool_json TEXT NOT NULL,
  excluded_json TEXT NOT NULL,
  chosen_json TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- Alerts: one row per event (the feed), and one outbox row per webhook delivery.
CREATE TABLE serve_events (
  id INTEGER PRIMARY KEY,
  release_id INTEGER NOT NULL REFERENCES serve_releases(id),
  kind TEXT NOT NULL CHECK (kind IN ('quarantined', 'released', 'rejected', 'revoked', 'cooling-off')),
  body_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE serve_subscriptions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES serve_users(id),
  url TEXT NOT NULL,
  crate TEXT,
  secret TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE serve_outbox (
  id INTEGER PRIMARY KEY,
  event_id INTEGER NOT NULL REFERENCES serve_events(id),
  subscription_id INTEGER NOT NULL REFERENCES serve_subscriptions(id),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  delivered_at TEXT,
  last_error TEXT,
  UNIQUE (event_id, subscription_id)
);
CREATE INDEX serve_outbox_pending ON serve_outbox (delivered_at, next_attempt_at);
