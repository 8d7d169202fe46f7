-- Accounts and access: staff users, their API tokens, browser sessions, candidate invitations with
-- per-challenge submission limits, submission owners, interviewer notes and the audit log.
-- Every secret (API token, session key, invitation token) is stored as its SHA-256, never as itself.

-- Staff accounts. Candidates have no account: an invitation is their key.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'interviewer')),
    -- An argon2id PHC string; NULL for an account that cannot sign in with a password.
    password_hash TEXT,
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER
);

-- The account the configured admin token acts as: it owns that token's submissions and audit entries.
INSERT INTO users (id, name, role, password_hash, created_at) VALUES (1, 'admin-token', 'admin', NULL, 0);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE invitations (
    id                 TEXT PRIMARY KEY,
    token_sha256       TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    email              TEXT NOT NULL,
    created_by         INTEGER NOT NULL REFERENCES users (id),
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    revoked_at         INTEGER,
    -- Least time between two submissions of this candidate, whatever the challenge.
    cooldown_seconds   INTEGER NOT NULL CHECK (cooldown_seconds >= 0),
    last_submission_at INTEGER
);

-- The challenges an invitation opens, each with its own submission limit and the count used so far.
CREATE TABLE invitation_challenges (
    invitation_id    TEXT NOT NULL REFERENCES invitations (id),
    challenge        TEXT NOT NULL,
    submission_limit INTEGER NOT NULL CHECK (submission_limit >= 1),
    used             INTEGER NOT NULL DEFAULT 0 CHECK (used <= submission_limit),
    PRIMARY KEY (invitation_id, challenge)
);

-- Browser sessions: a signed-in staff user, or a candidate who opened an invitation link.
CREATE TABLE sessions (
    key_sha256    TEXT PRIMARY KEY,
    user_id       INTEGER REFERENCES users (id),
    invitation_id TEXT REFERENCES invitations (id),
    -- Every form of the session carries this value; a post without it is refused.
    csrf_token    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    CHECK ((user_id IS NULL) <> (invitation_id IS NULL))
);

-- Who submitted: an invitation (a candidate) or a staff user. Older rows have neither and are
-- visible to staff only.
ALTER TABLE submissions ADD COLUMN invitation_id TEXT REFERENCES invitations (id);
ALTER TABLE submissions ADD COLUMN user_id INTEGER REFERENCES users (id);
CREATE INDEX submissions_invitation ON submissions (invitation_id, created_at);

-- Interviewers' notes on a submission; never shown to the candidate.
CREATE TABLE notes (
    id            INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    author_id     INTEGER NOT NULL REFERENCES users (id),
    body          TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX notes_submission ON notes (submission_id);

-- What staff changed: accounts, tokens, invitations. Written in the same transaction as the change.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    action   TEXT NOT NULL,
    target   TEXT NOT NULL,
    detail   TEXT NOT NULL
);
