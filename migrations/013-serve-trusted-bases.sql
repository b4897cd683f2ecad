-- A release is diffed only against a version in state `released`, chosen when its scan runs.
-- A queued scan that re-checks an earlier result remembers the state the release had, so the new
-- scan's verdict can be applied to it (a `released` release that scans `pass` again stays released).
ALTER TABLE serve_scan_queue ADD COLUMN prior_state TEXT;
ALTER TABLE serve_scan_queue ADD COLUMN reason TEXT;

-- Releases scanned by an earlier cratefence against a base that is not `released` (rejected,
-- revoked, quarantined, cooling-off or still scanning) are scanned again against a trusted base.
INSERT OR IGNORE INTO serve_scan_queue (release_id, attempts, enqueued_at, prior_state, reason)
SELECT r.id, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), r.state, 'its base ' || r.base_version || ' is ' || b.state || ', not released'
FROM serve_releases r JOIN serve_releases b ON b.crate_key = r.crate_key AND b.version = r.base_version AND b.id <> r.id
WHERE r.state NOT IN ('rejected', 'revoked', 'scanning') AND b.state <> 'released';
UPDATE serve_releases SET state = 'scanning'
WHERE id IN (SELECT release_id FROM serve_scan_queue WHERE prior_state IS NOT NULL) AND state NOT IN ('rejected', 'revoked', 'scanning');
