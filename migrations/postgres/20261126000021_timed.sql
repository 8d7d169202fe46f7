-- Timed attempts: an optional time box that starts when the candidate first opens a challenge of the
-- invitation. `started_at` is recorded for every invitation, so interviewers see when each candidate
-- began even without a time box.
ALTER TABLE invitations ADD COLUMN time_limit_minutes BIGINT CHECK (time_limit_minutes IS NULL OR time_limit_minutes >= 1);
ALTER TABLE invitations ADD COLUMN started_at BIGINT;
