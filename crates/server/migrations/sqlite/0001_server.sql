-- The first schema of the server's SQLite database.
-- Ids are UUID text. Times are RFC 3339 UTC text with microseconds and a `Z`, always the same
-- width, so comparing them as text compares them as times. Hashes are 32-byte SHA-256 blobs.
-- Records and log entries are stored as the JSON the engine reads back, beside the few columns
-- that queries filter on.

-- One row per fact about this database as a whole.
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;

-- The epoch tells devices whether this is the database they synced with: a restore from backup
-- rotates it. SQLite's randomness is seeded from the operating system.
INSERT INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(16))));

-- Counters advanced inside the transaction that uses them, so a rolled-back transaction leaves
-- no gap and two transactions never take the same value.
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
) STRICT;

-- `server_seq`: the end of the change log. `device_letters`: how many letters enrolment has
-- handed out; the next device gets `DeviceLetter::for_index(value)`.
INSERT INTO counters (name, value) VALUES ('server_seq', 0), ('device_letters', 0);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    -- No foreign key: users are made before the reference data that names their locality
    -- or agency has been pushed.
    jurisdiction  TEXT,
    agency        TEXT
) STRICT;

CREATE TABLE enrolment_codes (
    code_hash   BLOB PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    device_id   TEXT
) STRICT;

CREATE TABLE devices (
    id                TEXT PRIMARY KEY,
    letter            TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id),
    -- The hash is looked up by equality: it is not secret, the token is.
    token_hash        BLOB NOT NULL UNIQUE,
    created_at        TEXT NOT NULL,
    last_seen_at      TEXT,
    last_applied_seq  INTEGER NOT NULL DEFAULT 0,
    revoked_at        TEXT
) STRICT;

-- The stored result of every handled sequence number, so a resend gets the same answer.
CREATE TABLE ledger (
    device_id     TEXT NOT NULL REFERENCES devices (id),
    seq           INTEGER NOT NULL,
    payload_hash  BLOB NOT NULL,
    result        TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT, WITHOUT ROWID;

-- Every record's current state, as the engine's `Entity` JSON.
CREATE TABLE entities (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    dialogue   TEXT,
    locality   TEXT,
    agency     TEXT,
    question   TEXT,
    reference  INTEGER NOT NULL DEFAULT 0
) STRICT;

-- The engine reads every locality for each jurisdiction check.
CREATE INDEX entities_by_kind ON entities (kind);

-- The change log devices pull. `body` is the whole `LogEntry` as JSON; the other columns are
-- its tags, for scope filters. A question's changes are copied (same mutation id, new
-- position) when it is assigned to a new agency.
CREATE TABLE changes (
    server_seq   INTEGER PRIMARY KEY,
    mutation_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    author_user  TEXT NOT NULL,
    author_role  TEXT NOT NULL,
    body         TEXT NOT NULL,
    dialogue     TEXT,
    locality     TEXT,
    agency       TEXT,
    question     TEXT,
    reference    INTEGER NOT NULL DEFAULT 0
) STRICT;

-- A question's log, for sharing it with a newly assigned agency.
CREATE INDEX changes_by_question ON changes (question, server_seq) WHERE question IS NOT NULL;

-- Values replaced by an edit or beaten in a merge, kept for review.
CREATE TABLE history (
    id           INTEGER PRIMARY KEY,
    record_id    TEXT NOT NULL,
    field_group  TEXT NOT NULL,
    value        TEXT NOT NULL,
    stamp        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    concurrent   INTEGER NOT NULL
) STRICT;

CREATE INDEX history_by_record ON history (record_id);
