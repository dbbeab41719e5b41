-- What the app keeps beside the records: the user's settings and the capture form's
-- half-typed state (so it survives the app being closed), and rejected mutations the user
-- has dealt with.

CREATE TABLE app_kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

ALTER TABLE outbox ADD COLUMN dismissed INTEGER NOT NULL DEFAULT 0;

-- The last sync error's stable code, so the badge can say it in the user's language.
ALTER TABLE sync_state ADD COLUMN last_error_code TEXT;
