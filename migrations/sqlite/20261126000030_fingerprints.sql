-- Code fingerprints of every graded submission (the challenge's starter removed), so a new
-- submission is compared with every earlier one to the same challenge without re-reading sources.
-- `prints` is the encoded list of winnowed fingerprints with the lines each covers.
CREATE TABLE fingerprints (
    submission_id TEXT PRIMARY KEY REFERENCES submissions (id),
    challenge     TEXT NOT NULL,
    prints        BLOB NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX fingerprints_by_challenge ON fingerprints (challenge, created_at);
