-- Diacritic- and case-insensitive search over questions.
-- The index holds folded text (lowercase, no diacritics, đ → d) made by townhall_fold, so
-- `bac binh`, `Bắc Bình` and `BAC BINH` all match; FTS5's own remove_diacritics does not fold đ.
-- Contentless: the original text lives in `questions`, and snippets are cut from it.

CREATE VIRTUAL TABLE question_search USING fts5 (
    number,
    content,
    citizen,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2'
);

-- Pending terms are flushed to a new segment when they pass this size; the default (1 MiB)
-- makes a batch of a few thousand questions write and merge many small segments.
INSERT INTO question_search (question_search, rank) VALUES ('hashsize', 16777216);

INSERT INTO question_search (rowid, number, content, citizen)
SELECT local_seq,
       townhall_fold(number_letter || '-' || printf('%03d', number_counter)),
       townhall_fold(content),
       townhall_fold(concat_ws(' ', citizen_name, citizen_locality))
FROM questions;
