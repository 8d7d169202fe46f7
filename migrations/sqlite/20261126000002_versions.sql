-- Published versions of each challenge; the folder of version N lives under the data folder at
-- challenges/<slug>/v<N>/ and never changes.
CREATE TABLE challenge_versions (
    slug           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,
    origin         TEXT NOT NULL CHECK (origin IN ('catalogue', 'upload')),
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (slug, version)
);

-- The version a submission is (to be) graded on; a regrade moves it to the current version.
ALTER TABLE submissions ADD COLUMN challenge_version INTEGER NOT NULL DEFAULT 0;

-- Results become a history: one row per grading, each with the version it was graded on.
CREATE TABLE graded_results (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id     TEXT NOT NULL REFERENCES submissions (id),
    challenge_version INTEGER NOT NULL,
    verdict           TEXT NOT NULL,
    score             REAL,
    report            TEXT NOT NULL,
    log               TEXT NOT NULL,
    predictions       TEXT,
    duration_ms       INTEGER NOT NULL,
    created_at        INTEGER NOT NULL
);
INSERT INTO graded_results (submission_id, challenge_version, verdict, score, report, log, predictions, duration_ms, created_at)
    SELECT submission_id, 0, verdict, score, report, log, predictions, duration_ms, created_at FROM results;
DROP TABLE results;
ALTER TABLE graded_results RENAME TO results;
CREATE INDEX results_by_submission ON results (submission_id, id);
