-- Follow-up: the province's deadline policy, each dialogue's preparation checklist, and
-- petitions raised again at a later dialogue.

-- The one policy record the administrator sets, as the domain's `FollowUpPolicy` JSON.
-- Absent until one arrives: the replica then uses the built-in default.
CREATE TABLE policy (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    body  TEXT NOT NULL
) STRICT;

CREATE TABLE dialogue_tasks (
    id        TEXT PRIMARY KEY,
    dialogue  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    title     TEXT NOT NULL,
    body      TEXT NOT NULL,
    due_on    TEXT NOT NULL,
    done_on   TEXT,
    note      TEXT NOT NULL
) STRICT;

CREATE INDEX dialogue_tasks_by_dialogue ON dialogue_tasks (dialogue, due_on);

-- The same matter raised at an earlier dialogue. No foreign key: a replica scoped to one
-- agency may not hold the earlier question.
ALTER TABLE questions ADD COLUMN repeat_of TEXT;

CREATE INDEX questions_by_repeat_of ON questions (repeat_of) WHERE repeat_of IS NOT NULL;
