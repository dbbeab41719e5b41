//! Diacritic- and case-insensitive search over questions.
//!
//! People type Vietnamese with or without diacritics, in any case: `bac binh`, `Bắc Bình` and
//! `BAC BINH` must find the same questions, and `d` must find `đ`.
//! SQLite's FTS5 `remove_diacritics` does not fold `đ` (it is a letter, not `d` with a mark),
//! so the index holds text folded by [`fold::fold`] and queries are folded the same way.
//! Results rank by FTS5's bm25, and the snippet is cut from the original text with the matched
//! words marked as character ranges, which the UI renders as text, never as HTML.

pub mod fold;

use rusqlite::{Transaction, params};
use townhall_domain::QuestionId;

use crate::error::Result;
use crate::stamp::exec;

pub use fold::Snippet;

/// Questions whose index entries a write must refresh before it commits.
///
/// Indexing waits for the end of the write: FTS5 flushes its pending terms to a new segment at
/// every statement that touches it, so one statement for the whole write keeps a batch of
/// 5,000 captures from writing 5,000 tiny segments and merging them.
#[derive(Debug, Default)]
pub(crate) struct Reindex {
    ids: Vec<QuestionId>,
    replaces: bool,
}

impl Reindex {
    /// A question new to this replica.
    pub(crate) fn added(&mut self, id: QuestionId) {
        self.ids.push(id);
    }

    /// A question whose indexed text changed.
    pub(crate) fn changed(&mut self, id: QuestionId) {
        self.ids.push(id);
        self.replaces = true;
    }

    /// Writes the index entries of every question noted, inside the caller's transaction.
    pub(crate) fn flush(self, tx: &Transaction<'_>) -> Result<()> {
        if self.ids.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = self.ids.iter().map(ToString::to_string).collect();
        let ids = serde_json::Value::from(ids).to_string();
        if self.replaces {
            exec(
                tx,
                "DELETE FROM question_search WHERE rowid IN (
                     SELECT local_seq FROM questions WHERE id IN (SELECT value FROM json_each(?1)))",
                params![ids],
            )?;
        }
        // The same folding as migration 0002, which built the index for rows that existed then.
        // In rowid order: FTS5 flushes its pending terms whenever a rowid is lower than the one
        // before, and ids (UUIDv7 with random low bits) do not follow insertion order.
        exec(
            tx,
            "INSERT INTO question_search (rowid, number, content, citizen)
             SELECT local_seq,
                    townhall_fold(number_letter || '-' || printf('%03d', number_counter)),
                    townhall_fold(content),
                    townhall_fold(concat_ws(' ', citizen_name, citizen_locality))
             FROM questions WHERE id IN (SELECT DISTINCT value FROM json_each(?1))
             ORDER BY local_seq",
            params![ids],
        )?;
        Ok(())
    }
}
