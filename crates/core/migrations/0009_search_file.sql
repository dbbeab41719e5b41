-- The search index moves to a file of its own beside the replica (`<replica>-search`), which a
-- second connection writes while this one applies pulled changes: indexing was half the work
-- of pulling a province's questions, and now runs beside it on another core.
-- Each change to a question is queued here, in the same transaction as the change, under a
-- ticket that only grows. The index records, in its own transaction with the entries it
-- writes, the last ticket it has indexed through; entries up to it are then cleared from here
-- by this connection's next write, which notes that ticket as `pruned`. A crash anywhere leaves
-- at most work to redo, and an index found behind `pruned` (its file lost its last commits in
-- a power cut) is rebuilt.
-- `generation` changes when the replica forgets every record (the server was restored and
-- everything is pulled again): an index of another generation, like a new index file, is
-- rebuilt from the questions. The first open after this migration builds it so.

DROP TABLE question_search;

CREATE TABLE search_backlog (
    ticket    INTEGER PRIMARY KEY AUTOINCREMENT,
    local_seq INTEGER NOT NULL
);

CREATE TABLE search_state (
    generation INTEGER NOT NULL,
    pruned     INTEGER NOT NULL
);

-- Random, so an index left beside another copy of the replica is not taken for its own.
INSERT INTO search_state (generation, pruned) VALUES (random(), 0);
