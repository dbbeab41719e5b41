//! Question statuses in SQL, written from the domain's predicates rather than typed as literals.
//!
//! A query that counts open questions or overdue ones asks the same question as the domain's
//! [`status`] predicates; rendering the `IN (…)` list from those predicates means a new status
//! lands in every query the moment the predicate says where it belongs, instead of being
//! silently left out by a list of strings nobody remembered to update.

use townhall_domain::{QuestionStatus, status};

/// `column IN ('…', …)` for the statuses `holds` is true of; `0` (false) when none is.
///
/// Statuses are enum spellings, never user text, so they are inlined.
pub(crate) fn status_in(column: &str, holds: impl Fn(QuestionStatus) -> bool) -> String {
    let list: Vec<String> = QuestionStatus::ALL
        .iter()
        .filter(|s| holds(**s))
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    if list.is_empty() {
        "0".to_owned()
    } else {
        format!("{column} IN ({})", list.join(", "))
    }
}

/// Questions that still wait for something to be done ([`status::is_open`]).
pub(crate) fn open(column: &str) -> String {
    status_in(column, status::is_open)
}

/// Questions that count in lists and totals: every one but a duplicate merged into another
/// ([`status::is_counted`]).
pub(crate) fn counted(column: &str) -> String {
    status_in(column, status::is_counted)
}

/// Questions with an agency whose due date is running ([`status::awaits_agency`]), the only
/// ones that can be overdue.
pub(crate) fn awaiting_agency(column: &str) -> String {
    status_in(column, status::awaits_agency)
}

/// The statuses a filter names.
pub(crate) fn any_of(column: &str, statuses: &[QuestionStatus]) -> String {
    status_in(column, |s| statuses.contains(&s))
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    /// Each rendered predicate, run by SQLite on every status, agrees with the Rust predicate.
    #[test]
    fn each_sql_predicate_matches_the_domain_for_every_status() {
        let conn = Connection::open_in_memory().unwrap();
        type Rendered = fn(&str) -> String;
        type Predicate = fn(QuestionStatus) -> bool;
        let predicates: [(&str, Rendered, Predicate); 3] = [
            ("open", open, status::is_open),
            ("counted", counted, status::is_counted),
            ("awaiting_agency", awaiting_agency, status::awaits_agency),
        ];
        for (name, sql, rust) in predicates {
            let clause = sql("status");
            for s in QuestionStatus::ALL {
                let holds: bool = conn
                    .query_row(
                        &format!("SELECT {clause} FROM (SELECT ?1 AS status)"),
                        [s.as_str()],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(holds, rust(*s), "{name}({s}) in SQL: {clause}");
            }
        }
    }

    #[test]
    fn a_list_names_exactly_its_statuses_and_an_empty_one_holds_for_none() {
        let conn = Connection::open_in_memory().unwrap();
        let chosen = [QuestionStatus::Received, QuestionStatus::Reopened];
        for filter in [&chosen[..], &[]] {
            let clause = any_of("status", filter);
            for s in QuestionStatus::ALL {
                let holds: bool = conn
                    .query_row(
                        &format!("SELECT {clause} FROM (SELECT ?1 AS status)"),
                        [s.as_str()],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(holds, filter.contains(s), "{s} in {clause}");
            }
        }
    }
}
