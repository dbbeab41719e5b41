-- Every report exported from this device: who exported what, when, in which format, and
-- whether it held citizens' personal data. Local to the device (never pushed), so that the
-- device's own record of what left it survives the app being closed.

CREATE TABLE exports (
    id              TEXT PRIMARY KEY,
    exported_at     TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    role            TEXT NOT NULL,
    -- The scope: a dialogue id and a period key such as `quarter:2026:3`, either or both.
    dialogue        TEXT,
    period          TEXT,
    scope_label     TEXT NOT NULL,
    format          TEXT NOT NULL CHECK (format IN ('docx', 'xlsx', 'csv')),
    personal_data   INTEGER NOT NULL CHECK (personal_data IN (0, 1)),
    question_count  INTEGER NOT NULL,
    file_name       TEXT NOT NULL
) STRICT;

CREATE INDEX exports_by_time ON exports (exported_at);
