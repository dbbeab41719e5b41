//! Diacritic- and case-insensitive search over questions.
//!
//! People type Vietnamese with or without diacritics, in any case: `bac binh`, `Bắc Bình` and
//! `BAC BINH` must find the same questions, and `d` must find `đ`.
//! SQLite's FTS5 `remove_diacritics` does not fold `đ` (it is a letter, not `d` with a mark),
//! so the index holds text folded by [`fold::fold`] and queries are folded the same way.
//! Results rank by FTS5's bm25, and the snippet is cut from the original text with the matched
//! words marked as character ranges, which the UI renders as text, never as HTML.

// Folding sits below both search and the database, which registers it as an SQL function.
pub use crate::fold;
mod index;

use rusqlite::{Transaction, params};
use townhall_domain::QuestionId;

use crate::error::Result;
use crate::stamp::exec;

pub use fold::Snippet;
pub(crate) use index::{Indexer, SearchIndex, attach_read_only};

/// Questions whose index entries a write must refresh: queued in `search_backlog` in the same
/// transaction, and indexed by [`SearchIndex`] after it commits (see [`index`]).
#[derive(Debug, Default)]
pub(crate) struct Reindex {
    ids: Vec<QuestionId>,
}

impl Reindex {
    /// A question new to this replica, or whose indexed text changed.
    pub(crate) fn note(&mut self, id: QuestionId) {
        self.ids.push(id);
    }

    /// Queues the questions noted, inside the caller's transaction, and clears what the index
    /// holds already.
    pub(crate) fn flush(self, tx: &Transaction<'_>) -> Result<()> {
        // Clearing is housekeeping: an index that cannot be read now (damaged while the app
        // runs; it is replaced at the next open) must not fail the write. Only an error that
        // ended the transaction is passed on, as what follows would not be part of it.
        let cleared = exec(
            tx,
            "UPDATE search_state SET pruned = (SELECT through FROM search.index_state)
             WHERE (SELECT through FROM search.index_state) > pruned",
            [],
        )
        .and_then(|_| {
            exec(
                tx,
                "DELETE FROM search_backlog WHERE ticket <= (SELECT pruned FROM search_state)",
                [],
            )
        });
        if let Err(e) = cleared
            && tx.is_autocommit()
        {
            return Err(e.into());
        }
        if self.ids.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = self.ids.iter().map(ToString::to_string).collect();
        let ids = serde_json::Value::from(ids).to_string();
        exec(
            tx,
            "INSERT INTO search_backlog (local_seq)
             SELECT local_seq FROM questions WHERE id IN (SELECT value FROM json_each(?1))
             ORDER BY local_seq",
            params![ids],
        )?;
        Ok(())
    }
}
