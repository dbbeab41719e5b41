//! Likely duplicates of a question: the same petition raised again, in other words or by
//! someone else, so the secretariat can merge them.
//!
//! Candidates come from the search index (questions sharing any distinctive word with this
//! one, best bm25 first); each is then scored by how much of the two texts' folded vocabulary
//! they share, so a question that repeats one common word does not rank as a duplicate.

use std::collections::HashSet;

use crate::error::Result;
use crate::query::{QuestionFilter, SearchHit, filter_sql, shift_placeholders};
use crate::replica::Replica;
use crate::rows::{QUESTION_COLUMNS, QUESTION_JOINS, question_row, row_context};
use crate::search::fold;

/// Words too common in petitions to say two of them are about the same thing.
const COMMON: &[&str] = &[
    "cac", "cho", "cua", "co", "khong", "nguoi", "dan", "nhung", "duoc", "trong", "va", "la", "de",
    "nghi", "xin", "hoi", "ve", "den", "nay", "mot", "da", "chua", "voi", "tai", "tu", "khi",
    "nhu", "the", "nao", "bao", "gio", "khu", "nha", "nuoc", "xa", "cap", "ban",
];

/// Candidates scored per question.
const CANDIDATES: u32 = 60;

/// The least share of vocabulary that counts as a likely duplicate.
pub(crate) const MIN_SIMILARITY: f64 = 0.25;

/// The distinctive words of a text: folded, at least three characters, not common.
fn vocabulary(text: &str) -> HashSet<String> {
    fold::fold(text)
        .split(|c: char| !fold::is_word_char(c))
        .filter(|w| w.chars().count() >= 3 && !COMMON.contains(w))
        .map(str::to_owned)
        .collect()
}

/// How alike two vocabularies are, from 0 (nothing shared) to 1 (the same words): the shared
/// words over the smaller vocabulary, so a short petition repeated inside a longer one scores
/// high, damped by the Jaccard index so that one long text does not match everything.
pub(crate) fn similarity(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count() as f64;
    let overlap = shared / a.len().min(b.len()) as f64;
    let jaccard = shared / ((a.len() + b.len()) as f64 - shared);
    (overlap + jaccard) / 2.0
}

impl Replica {
    /// Up to `limit` questions that are likely duplicates of `id`, most alike first; itself
    /// and questions already merged are left out.
    pub fn similar_questions(
        &self,
        id: townhall_domain::QuestionId,
        limit: u32,
    ) -> Result<Vec<SearchHit>> {
        self.similar(id, limit, false)
    }

    /// Up to `limit` questions raised at earlier dialogues that are likely the same matter as
    /// `id`, most alike first: candidates for a person to confirm as repeats.
    pub fn repeat_candidates(
        &self,
        id: townhall_domain::QuestionId,
        limit: u32,
    ) -> Result<Vec<SearchHit>> {
        self.similar(id, limit, true)
    }

    fn similar(
        &self,
        id: townhall_domain::QuestionId,
        limit: u32,
        earlier_dialogues_only: bool,
    ) -> Result<Vec<SearchHit>> {
        let question = self.question(id)?.question;
        let words = vocabulary(&question.content);
        let mut terms: Vec<&String> = words.iter().collect();
        // The longest words are the most distinctive; keep the expression bounded.
        terms.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        terms.truncate(fold::MAX_TERMS);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let expression = format!(
            "content : ({})",
            terms
                .iter()
                .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(" OR ")
        );
        let policy = crate::followup::policy(self.conn())?;
        let mut ctx = row_context(self.conn(), self.clock().today(), &policy)?;
        let (where_sql, mut args) = filter_sql(&QuestionFilter::default(), ctx.dates, true);
        args.insert(0, Box::new(expression));
        args.push(Box::new(id.to_string()));
        let where_sql = shift_placeholders(&where_sql, 1);
        let own = args.len();
        let earlier = if earlier_dialogues_only {
            format!(
                "AND q.dialogue <> (SELECT dialogue FROM questions WHERE id = ?{own})
                 AND q.captured_at < (SELECT captured_at FROM questions WHERE id = ?{own})"
            )
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT {QUESTION_COLUMNS}
             FROM question_search s JOIN questions q ON q.local_seq = s.rowid {QUESTION_JOINS}
             WHERE question_search MATCH ?1 AND {where_sql} AND q.id <> ?{own} {earlier}
             ORDER BY bm25(question_search, 4.0, 1.0, 2.0)
             LIMIT {CANDIDATES}"
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                question_row(r, &mut ctx)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut scored: Vec<(f64, SearchHit)> = rows
            .into_iter()
            .filter_map(|row| {
                let theirs = vocabulary(&row.content);
                let score = similarity(&words, &theirs);
                (score >= MIN_SIMILARITY).then(|| {
                    let shared: Vec<String> = words.intersection(&theirs).cloned().collect();
                    let snippet = fold::snippet(&row.content, &shared, 160);
                    (score, SearchHit { row, snippet })
                })
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(scored
            .into_iter()
            .take(limit as usize)
            .map(|(_, hit)| hit)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_petition_in_other_words_scores_higher_than_an_unrelated_one() {
        let a = vocabulary("Đề nghị sửa chữa đường liên thôn Bắc Bình bị sạt lở");
        let b = vocabulary("Xin hỏi bao giờ sửa đường liên thôn ở Bắc Bình, đường bị sạt lở nặng");
        let c = vocabulary("Hỏi về tiến độ cấp giấy chứng nhận quyền sử dụng đất");
        assert!(
            similarity(&a, &b) >= MIN_SIMILARITY,
            "{}",
            similarity(&a, &b)
        );
        assert!(
            similarity(&a, &c) < MIN_SIMILARITY,
            "{}",
            similarity(&a, &c)
        );
        assert!((similarity(&a, &a) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn common_words_alone_make_nothing_alike() {
        let a = vocabulary("Đề nghị xin hỏi về việc của người dân");
        let b = vocabulary("Người dân đề nghị xin hỏi về nhà");
        assert_eq!(similarity(&a, &b), 0.0);
    }
}
