-- Capability summaries of scanned releases (batch --summaries): the data the shipped summary index is
-- exported from (`cratefence results --export-summaries`). One row per job that produced one.
CREATE TABLE summaries (
  job_id        INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
  crate         TEXT NOT NULL,
  version       TEXT NOT NULL,
  tool          TEXT NOT NULL,
  summary       TEXT NOT NULL
);
CREATE INDEX summaries_release ON summaries (crate, version);
