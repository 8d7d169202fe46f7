-- Every byte a node may need from another lives in the database, so a node's data folder is only a
-- cache: submitted files, published challenge versions (as archives) and generated hidden data.
-- Content-addressed: one row per distinct content, keyed by its SHA-256.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    bytes      BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- The archive of a version's folder; NULL for versions published before archives were kept, until
-- the node that has their folder stores it.
ALTER TABLE challenge_versions ADD COLUMN archive_sha256 TEXT REFERENCES blobs (sha256);

-- Hidden data made from the deployment's secret seed, per challenge and hash of its generator; the
-- first node to generate stores its copy and every other node uses that one.
CREATE TABLE generated_data (
    slug           TEXT NOT NULL,
    generator      TEXT NOT NULL,
    archive_sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (slug, generator)
);

-- Sliding-window rate limits shared by every API node: one row per event, and one row per key that
-- a counting transaction locks so two nodes count the same key in turn.
CREATE TABLE rate_limit_keys (
    key        TEXT PRIMARY KEY,
    touched_at BIGINT NOT NULL
);
CREATE TABLE rate_limit_hits (
    key TEXT NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX rate_limit_hits_by_key ON rate_limit_hits (key, at);
