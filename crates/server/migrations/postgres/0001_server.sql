-- The first schema of the server's PostgreSQL database.
-- It mirrors the SQLite schema (`../sqlite/0001_server.sql`) table for table, in PostgreSQL's
-- own types: ids are UUID, times TIMESTAMPTZ, hashes 32-byte BYTEA, and records and log entries
-- JSONB, stored as the JSON the engine reads back, beside the few columns that queries filter on.
-- The migration runner applies this file in one transaction and records it in
-- `schema_migrations`.

-- One row per fact about this database as a whole.
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- The epoch tells devices whether this is the database they synced with: a restore from backup
-- rotates it. `gen_random_uuid` is built in since PostgreSQL 13 and draws from a
-- cryptographically strong source; without its dashes it has the SQLite epoch's shape.
INSERT INTO meta (key, value) VALUES ('epoch', replace(gen_random_uuid()::text, '-', ''));

-- Counters advanced inside the transaction that uses them (`UPDATE ... RETURNING`), so a
-- rolled-back transaction leaves no gap and two transactions never take the same value: the
-- second waits on the first one's row lock until it commits or rolls back.
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL CHECK (value >= 0)
);

-- `server_seq`: the end of the change log. `device_letters`: how many letters enrolment has
-- handed out; the next device gets `DeviceLetter::for_index(value)`.
INSERT INTO counters (name, value) VALUES ('server_seq', 0), ('device_letters', 0);

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    -- No foreign key: users are made before the reference data that names their locality
    -- or agency has been pushed.
    jurisdiction  UUID,
    agency        UUID
);

CREATE TABLE enrolment_codes (
    code_hash   BYTEA PRIMARY KEY CHECK (length(code_hash) = 32),
    user_id     UUID NOT NULL REFERENCES users (id),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    device_id   UUID
);

CREATE TABLE devices (
    id                UUID PRIMARY KEY,
    -- Which letter this is, in enrolment order: devices are listed in this order.
    letter_index      BIGINT NOT NULL UNIQUE,
    letter            TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    user_id           UUID NOT NULL REFERENCES users (id),
    -- The hash is looked up by equality: it is not secret, the token is.
    token_hash        BYTEA NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at        TIMESTAMPTZ NOT NULL,
    last_seen_at      TIMESTAMPTZ,
    last_applied_seq  BIGINT NOT NULL DEFAULT 0 CHECK (last_applied_seq >= 0),
    revoked_at        TIMESTAMPTZ
);

-- The stored result of every handled sequence number, so a resend gets the same answer.
CREATE TABLE ledger (
    device_id     UUID NOT NULL REFERENCES devices (id),
    seq           BIGINT NOT NULL,
    payload_hash  BYTEA NOT NULL,
    result        JSONB NOT NULL,
    PRIMARY KEY (device_id, seq)
);

-- Every record's current state, as the engine's `Entity` JSON.
CREATE TABLE entities (
    id         UUID PRIMARY KEY,
    kind       TEXT NOT NULL,
    body       JSONB NOT NULL,
    dialogue   UUID,
    locality   UUID,
    agency     UUID,
    question   UUID,
    reference  BOOLEAN NOT NULL DEFAULT FALSE
);

-- The engine reads every locality for each jurisdiction check.
CREATE INDEX entities_by_kind ON entities (kind);

-- The change log devices pull. `body` is the whole `LogEntry` as JSON; the other columns are
-- its tags, for scope filters. A question's changes are copied (same mutation id, new
-- position) when it is assigned to a new agency, so `mutation_id` is not unique.
CREATE TABLE changes (
    server_seq   BIGINT PRIMARY KEY CHECK (server_seq > 0),
    mutation_id  UUID NOT NULL,
    kind         TEXT NOT NULL,
    entity_id    UUID NOT NULL,
    author_user  UUID NOT NULL,
    author_role  TEXT NOT NULL,
    body         JSONB NOT NULL,
    dialogue     UUID,
    locality     UUID,
    agency       UUID,
    question     UUID,
    reference    BOOLEAN NOT NULL DEFAULT FALSE
);

-- A question's log, for sharing it with a newly assigned agency.
CREATE INDEX changes_by_question ON changes (question, server_seq) WHERE question IS NOT NULL;

-- Values replaced by an edit or beaten in a merge, kept for review.
CREATE TABLE history (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_id    UUID NOT NULL,
    field_group  TEXT NOT NULL,
    value        JSONB NOT NULL,
    stamp        JSONB NOT NULL,
    reason       TEXT NOT NULL,
    concurrent   BOOLEAN NOT NULL
);

CREATE INDEX history_by_record ON history (record_id);
