-- Which attempt an outbox entry is at sending its change: 1 for a change the user made, more for
-- the same change queued again after the server refused it for lack of a record that arrived
-- later (a server restored from a backup receives devices' lost changes in no particular order).
-- Bounds how often a change is queued again.

ALTER TABLE outbox ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
