-- The first schema of a device's replica.
-- Ids are UUIDv7 text. Times are RFC 3339 UTC text; dates are ISO 8601 text.
-- A field group's stamp is one sortable text: 16 hex digits of milliseconds, 8 of counter,
-- then the device id, so comparing stamps is comparing strings.

CREATE TABLE device (
    singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    role          TEXT NOT NULL,
    letter        TEXT NOT NULL,
    jurisdiction  TEXT,
    agency        TEXT,
    next_number   INTEGER NOT NULL DEFAULT 1,
    hlc_millis    INTEGER NOT NULL DEFAULT 0,
    hlc_counter   INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE localities (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    level   TEXT NOT NULL,
    parent  TEXT REFERENCES localities (id)
) STRICT;

CREATE TABLE topics (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    archived  INTEGER NOT NULL DEFAULT 0,
    position  INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE agencies (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL,
    archived    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE dialogues (
    id                   TEXT PRIMARY KEY,
    title                TEXT NOT NULL,
    level                TEXT NOT NULL,
    locality             TEXT NOT NULL REFERENCES localities (id),
    audience             TEXT NOT NULL,
    venue                TEXT NOT NULL,
    starts_at            TEXT NOT NULL,
    hosts                TEXT NOT NULL,
    coordinating_bodies  TEXT NOT NULL,
    plan_issued_on       TEXT,
    attendee_count       INTEGER,
    details_stamp        TEXT NOT NULL,
    status               TEXT NOT NULL,
    conflict             INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE questions (
    local_seq         INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    dialogue          TEXT NOT NULL REFERENCES dialogues (id),
    number_letter     TEXT NOT NULL,
    number_counter    INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    source            TEXT NOT NULL,
    topic             TEXT REFERENCES topics (id),
    content           TEXT NOT NULL,
    text_stamp        TEXT NOT NULL,
    citizen_name      TEXT,
    citizen_locality  TEXT,
    citizen_phone     TEXT,
    citizen_stamp     TEXT NOT NULL,
    captured_by       TEXT NOT NULL,
    captured_at       TEXT NOT NULL,
    status            TEXT NOT NULL,
    merged_into       TEXT REFERENCES questions (id),
    -- The latest assignment's agency and due date, kept here so lists filter and sort fast.
    agency            TEXT REFERENCES agencies (id),
    due_on            TEXT,
    conflict          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (number_letter, number_counter)
) STRICT;

CREATE INDEX questions_by_dialogue ON questions (dialogue, captured_at);
CREATE INDEX questions_by_status ON questions (status, due_on);
CREATE INDEX questions_by_agency ON questions (agency, due_on);
CREATE INDEX questions_by_topic ON questions (topic);

CREATE TABLE answers (
    id               TEXT PRIMARY KEY,
    question         TEXT NOT NULL REFERENCES questions (id),
    mode             TEXT NOT NULL,
    answered_by      TEXT NOT NULL,
    agency           TEXT REFERENCES agencies (id),
    content          TEXT NOT NULL,
    document_number  TEXT,
    document_date    TEXT,
    body_stamp       TEXT NOT NULL,
    recorded_at      TEXT NOT NULL
) STRICT;

CREATE INDEX answers_by_question ON answers (question);

CREATE TABLE assignments (
    id            TEXT PRIMARY KEY,
    question      TEXT NOT NULL REFERENCES questions (id),
    agency        TEXT NOT NULL REFERENCES agencies (id),
    due_on        TEXT NOT NULL,
    instructions  TEXT NOT NULL,
    terms_stamp   TEXT NOT NULL,
    assigned_by   TEXT NOT NULL,
    assigned_at   TEXT NOT NULL
) STRICT;

CREATE INDEX assignments_by_question ON assignments (question, assigned_at);

CREATE TABLE status_events (
    id           TEXT PRIMARY KEY,
    question     TEXT NOT NULL REFERENCES questions (id),
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    actor        TEXT NOT NULL,
    role         TEXT NOT NULL,
    note         TEXT NOT NULL,
    at           TEXT NOT NULL
) STRICT;

CREATE INDEX status_events_by_question ON status_events (question, at);

-- Every value a field group held before it was replaced, and every value that lost a merge.
CREATE TABLE history (
    seq          INTEGER PRIMARY KEY,
    record_kind  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    field_group  TEXT NOT NULL,
    value        TEXT NOT NULL,
    stamp        TEXT NOT NULL,
    reason       TEXT NOT NULL CHECK (reason IN ('superseded', 'lost_merge')),
    concurrent   INTEGER NOT NULL
) STRICT;

CREATE INDEX history_by_record ON history (record_id, seq);

-- Mutations made on this device, in order, until the server has applied them.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY,
    mutation_id  TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
