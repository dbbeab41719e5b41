-- The search index without word positions (`detail = column`): it records which columns hold
-- each word, which is all the queries need. Every term they match is one word (a quoted
-- string of letters and digits, the last one as a prefix), scoped at most to a column, and
-- snippets are cut from the original text, not by FTS5. Without positions the index is
-- smaller and cheaper to write: pulling 100,000 questions into a fresh replica spends about
-- half its time indexing them, and searches read less.
-- bm25 then counts a word once per column, which for a question's few hundred words changes
-- little; the column weights (number, content, citizen) still apply.

DROP TABLE question_search;

CREATE VIRTUAL TABLE question_search USING fts5 (
    number,
    content,
    citizen,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2',
    detail = column
);

INSERT INTO question_search (question_search, rank) VALUES ('hashsize', 16777216);

INSERT INTO question_search (rowid, number, content, citizen)
SELECT local_seq,
       townhall_fold(number_letter || '-' || printf('%03d', number_counter)),
       townhall_fold(content),
       townhall_fold(concat_ws(' ', citizen_name, citizen_locality))
FROM questions
ORDER BY local_seq;
