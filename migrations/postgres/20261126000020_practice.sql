-- Practice runs share the submissions table, and so the one job queue and the same workers and
-- sandbox; `kind` keeps them out of every listing, leaderboard, export and quota.
ALTER TABLE submissions ADD COLUMN kind TEXT NOT NULL DEFAULT 'submission' CHECK (kind IN ('submission', 'practice'));
CREATE INDEX submissions_practice ON submissions (kind, invitation_id, user_id, created_at);
