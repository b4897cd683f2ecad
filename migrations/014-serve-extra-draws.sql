-- Reviewers an admin added to a release's draw: who asked and why (NULL for the automatic draw).
ALTER TABLE serve_reviewer_draws ADD COLUMN requested_by INTEGER REFERENCES serve_users(id);
ALTER TABLE serve_reviewer_draws ADD COLUMN reason TEXT;
