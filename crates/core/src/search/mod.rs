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

pub use fold::Snippet;

/// (Re)indexes one question inside the caller's transaction.
pub(crate) fn index_question(tx: &Transaction<'_>, id: QuestionId) -> Result<()> {
    let row: (i64, String, u32, String, Option<String>, Option<String>) = tx.query_row(
        "SELECT local_seq, number_letter, number_counter, content, citizen_name, citizen_locality
         FROM questions WHERE id = ?1",
        params![id.to_string()],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    let (seq, letter, counter, content, name, locality) = row;
    let citizen = [name, locality]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    tx.execute("DELETE FROM question_search WHERE rowid = ?1", params![seq])?;
    tx.execute(
        "INSERT INTO question_search (rowid, number, content, citizen) VALUES (?1, ?2, ?3, ?4)",
        params![
            seq,
            fold::fold(&format!("{letter}-{counter:03}")),
            fold::fold(&content),
            fold::fold(&citizen)
        ],
    )?;
    Ok(())
}
