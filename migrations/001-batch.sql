-- Batch scanning (src/batch/): one row per run, one row per scanned pair (its latest outcome), the
-- JSON report of each finished job, and its findings one row each so that queries need no JSON.

CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  started_at    TEXT NOT NULL,
  finished_at   TEXT,
  -- running | done | interrupted (Ctrl-C, or a coordinator that died: still `running` with no finish)
  state         TEXT NOT NULL CHECK (state IN ('running', 'done', 'interrupted')),
  tool_version  TEXT NOT NULL,
  rules_digest  TEXT NOT NULL,
  -- Where the jobs came from (a jobs file, a folder, --crate NAME) and how they ran (pool or queue URL).
  source        TEXT NOT NULL,
  mode          TEXT NOT NULL,
  jobs_total    INTEGER NOT NULL,
  jobs_skipped  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE jobs (
  id            INTEGER PRIMARY KEY,
  -- SHA-256 of (old digest, new digest, tool version, rules digest): the same inputs scanned by the
  -- same code and rules have the same key, which is what makes a rerun skip them.
  job_key       TEXT NOT NULL UNIQUE,
  run_id        INTEGER NOT NULL REFERENCES runs(id),
  crate         TEXT,
  old_version   TEXT,
  new_version   TEXT,
  -- How the inputs were named (path, or name@version for the registry).
  old_input     TEXT,
  new_input     TEXT NOT NULL,
  old_digest    TEXT,
  new_digest    TEXT NOT NULL,
  tool_version  TEXT NOT NULL,
  rules_digest  TEXT NOT NULL,
  -- done: a report was stored. error: the job ended without one (bad input, time limit, memory cap,
  -- crashed worker). failed: the queue gave up on it after its attempts (dead letter).
  state         TEXT NOT NULL CHECK (state IN ('done', 'error', 'failed')),
  failure       TEXT,
  error         TEXT,
  attempts      INTEGER NOT NULL DEFAULT 1,
  verdict       TEXT,
  score         INTEGER,
  published_at  TEXT,
  started_at    TEXT NOT NULL,
  finished_at   TEXT NOT NULL,
  ms            INTEGER NOT NULL,
  worker        TEXT
);
CREATE INDEX jobs_crate ON jobs (crate, new_version);
CREATE INDEX jobs_state ON jobs (state);
CREATE INDEX jobs_score ON jobs (score);
CREATE INDEX jobs_finished ON jobs (finished_at);

CREATE TABLE reports (
  job_id        INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
  report        TEXT NOT NULL
);

CREATE TABLE findings (
  id            INTEGER PRIMARY KEY,
  job_id        INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  crate         TEXT,
  rule_id       TEXT NOT NULL,
  category      TEXT NOT NULL,
  severity      TEXT NOT NULL,
  confidence    TEXT,
  file          TEXT,
  line          INTEGER,
  item          TEXT,
  points        REAL,
  message       TEXT NOT NULL
);
CREATE INDEX findings_job ON findings (job_id);
CREATE INDEX findings_crate ON findings (crate);
CREATE INDEX findings_rule ON findings (rule_id);
CREATE INDEX findings_category ON findings (category);
CREATE INDEX findings_severity ON findings (severity);
CREATE INDEX findings_file ON findings (file);

-- Capabilities a release gained over the one before it (report.capabilities.added), for histories.
CREATE TABLE capabilities_added (
  job_id        INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  capability    TEXT NOT NULL,
  PRIMARY KEY (job_id, capability)
);
