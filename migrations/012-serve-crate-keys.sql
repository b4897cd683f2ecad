-- Crate names compared as crates.io compares them: ASCII case folded and `-` the same as `_`.
-- `crate_key` is that canonical form; `crate` keeps the name exactly as it was published.
-- Ownership, dependencies and subscription filters are keyed by the canonical form alone.
ALTER TABLE serve_releases ADD COLUMN crate_key TEXT NOT NULL DEFAULT '';
UPDATE serve_releases SET crate_key = lower(replace(crate, '-', '_'));
-- Not UNIQUE: a store written before this migration may already hold `Owned 1.0.0` beside
-- `owned 1.0.0`; the publish transaction (BEGIN IMMEDIATE) refuses any new such pair.
CREATE INDEX serve_releases_by_key ON serve_releases (crate_key, version);

-- Two spellings owned by the same user become one row; the leftover spelling is dropped.
UPDATE OR IGNORE serve_owners SET crate = lower(replace(crate, '-', '_'));
DELETE FROM serve_owners WHERE crate <> lower(replace(crate, '-', '_'));
UPDATE OR IGNORE serve_dependencies SET dependent = lower(replace(dependent, '-', '_')), dependency = lower(replace(dependency, '-', '_'));
DELETE FROM serve_dependencies WHERE dependent <> lower(replace(dependent, '-', '_')) OR dependency <> lower(replace(dependency, '-', '_'));
UPDATE serve_subscriptions SET crate = lower(replace(crate, '-', '_')) WHERE crate IS NOT NULL;
