-- The release diff a scan was made from, kept beside its report for the reviewers' page.
ALTER TABLE serve_releases ADD COLUMN hunks_json TEXT;
