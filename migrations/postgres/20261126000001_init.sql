-- Uploaded source files, content-addressed (their bytes are in `blobs`, see the shared storage migration).
CREATE TABLE files (
    sha256      TEXT PRIMARY KEY,
    size        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- One row per submission; doubles as the job queue.
CREATE TABLE submissions (
    id               TEXT PRIMARY KEY,
    challenge        TEXT NOT NULL,
    file_sha256      TEXT NOT NULL REFERENCES files (sha256),
    file_name        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed')),
    -- How many times a worker claimed it; a claim is identified by (id, attempts).
    attempts         BIGINT NOT NULL DEFAULT 0,
    worker_id        TEXT,
    -- Unix milliseconds after which a running job counts as abandoned and may be claimed again.
    lease_expires_at BIGINT,
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    completed_at     BIGINT
);

CREATE INDEX submissions_queue ON submissions (status, created_at);

-- The graded result of a submission, written in the same transaction that completes it.
CREATE TABLE results (
    submission_id TEXT PRIMARY KEY REFERENCES submissions (id),
    verdict       TEXT NOT NULL,
    score         DOUBLE PRECISION,
    report        TEXT NOT NULL,
    log           TEXT NOT NULL,
    predictions   TEXT,
    duration_ms   BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Service-wide settings, such as the hash of the generated admin token and the secret seed.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
