-- Outgoing notifications: signed webhooks that admins register, and the Greenhouse Assessment Partner
-- integration (Greenhouse sends tests through mlgrade and is told when a candidate is done).
-- Every notification is an event row; each receiver of an event gets a delivery row, which the
-- delivery workers claim with a lease, so deliveries survive a restart and no two nodes send one twice.

CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    -- The HMAC key. Kept as itself because signing needs it; pages and the API show only its end.
    secret      TEXT NOT NULL,
    description TEXT NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    deleted_at  INTEGER
);

-- The event types a webhook receives.
CREATE TABLE webhook_subscriptions (
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id),
    event      TEXT NOT NULL,
    PRIMARY KEY (webhook_id, event)
);

CREATE TABLE webhook_events (
    -- Sent as the body's `id` and the `Mlgrade-Event-Id` header: receivers drop an id seen before.
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    -- What the event is about (`submission.completed:<result id>`, say): one event per fact, however
    -- many nodes notice it.
    dedupe_key TEXT NOT NULL UNIQUE,
    -- The graded result that raised a submission event, so the scan skips results already announced.
    result_id  INTEGER,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_events_result ON webhook_events (result_id);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES webhook_events (id),
    -- NULL for a Greenhouse callback, which goes to the URL Greenhouse gave.
    webhook_id      INTEGER REFERENCES webhooks (id),
    url             TEXT NOT NULL,
    method          TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- Every attempt of a delivery, for the delivery log.
CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id),
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);

-- Where the scan for newly graded results has reached (the `created_at` of the latest result seen).
CREATE TABLE webhook_cursors (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
INSERT INTO webhook_cursors (name, position) SELECT 'results', COALESCE(MAX(created_at), 0) FROM results;

-- Invitations that are over for the candidate (every challenge submitted, time box or validity ended,
-- revoked), each recorded once, when `invitation.completed` is raised.
CREATE TABLE invitation_outcomes (
    invitation_id TEXT PRIMARY KEY REFERENCES invitations (id),
    reason        TEXT NOT NULL,
    completed_at  INTEGER NOT NULL
);
-- Invitations already over when this was added are not announced.
INSERT INTO invitation_outcomes (invitation_id, reason, completed_at)
    SELECT id, 'closed_before_notifications', 0 FROM invitations
     WHERE revoked_at IS NOT NULL OR expires_at <= CAST(strftime('%s', 'now') AS INTEGER) * 1000;

-- Tests Greenhouse sent through the Assessment Partner API.
CREATE TABLE greenhouse_interviews (
    partner_interview_id TEXT PRIMARY KEY,
    invitation_id        TEXT NOT NULL UNIQUE REFERENCES invitations (id),
    partner_test_id      TEXT NOT NULL,
    -- Greenhouse's callback, PATCHed when the candidate is done.
    callback_url         TEXT NOT NULL,
    -- Greenhouse's candidate object as sent.
    candidate            TEXT NOT NULL,
    -- The address this service was reached at, for the profile link.
    base_url             TEXT NOT NULL,
    created_at           INTEGER NOT NULL
);

-- Errors Greenhouse reports about our answers (`response_error`), kept for the operator.
CREATE TABLE greenhouse_errors (
    id                   INTEGER PRIMARY KEY,
    partner_interview_id TEXT,
    body                 TEXT NOT NULL,
    received_at          INTEGER NOT NULL
);
