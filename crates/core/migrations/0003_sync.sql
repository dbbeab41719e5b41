-- Sync state: where this device syncs, how far it has pulled, and what the server made of
-- each pushed mutation. Outbox rows are kept after the server applied them, so that a server
-- restored from an older backup can be sent again what it lost.

CREATE TABLE sync_state (
    singleton         INTEGER PRIMARY KEY CHECK (singleton = 1),
    server_url        TEXT NOT NULL,
    token             TEXT NOT NULL,
    epoch             TEXT NOT NULL,
    cursor            INTEGER NOT NULL DEFAULT 0,
    -- The highest outbox seq the server has handled.
    pushed_seq        INTEGER NOT NULL DEFAULT 0,
    last_success_at   TEXT,
    last_error        TEXT
) STRICT;

ALTER TABLE outbox ADD COLUMN server_seq INTEGER;
ALTER TABLE outbox ADD COLUMN rejected_code TEXT;
ALTER TABLE outbox ADD COLUMN rejected_reason TEXT;
