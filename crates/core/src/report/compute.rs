//! The report's figures and its question list, read from SQLite.
//!
//! The figures come from one pass over the scope's questions; each question brings its
//! assignments and the times of its written answers as small JSON arrays, so which answer
//! settled which assignment is decided here, in Rust, once, for the figures and the list alike.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rusqlite::{Connection, params};
use serde::Deserialize;
use townhall_domain::calendar::HolidayCalendar;
use townhall_domain::{AgencyId, AnswerMode, DialogueId, QuestionKind, QuestionStatus, status};

use super::{
    AgencyScorecard, KindCount, NamedCount, ReportAnswer, ReportAssignment, ReportDialogue,
    ReportQuestion, ReportScope, ReportTotals,
};
use crate::clock::vietnam_date;
use crate::error::{ReplicaError, Result};
use crate::query::{Page, StatusCount};
use crate::replica::Replica;
use crate::rows;
use crate::stamp::get;
use crate::status_sql;

/// The name of the topic row for questions not sorted into one.
const NO_TOPIC: &str = "Chưa phân loại";

/// Which questions are in scope: `?1` the dialogue, `?2` and `?3` the first and last day in
/// Vietnam (a question's day is its capture time seven hours ahead of UTC).
const SCOPE_WHERE: &str = "(?1 IS NULL OR q.dialogue = ?1)
    AND (?2 IS NULL OR date(q.captured_at, '+7 hours') BETWEEN ?2 AND ?3)";

/// A scope as SQL arguments.
#[derive(Clone, Debug)]
pub(crate) struct ScopeBounds {
    pub(crate) dialogue: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    from_date: Option<NaiveDate>,
    to_date: Option<NaiveDate>,
}

impl ScopeBounds {
    /// Checks the scope's period and spells it for SQL.
    pub(crate) fn of(scope: &ReportScope) -> Result<Self> {
        let dates = scope.period.map(|p| p.dates()).transpose()?;
        Ok(Self {
            dialogue: scope.dialogue.map(|d| d.to_string()),
            from: dates.map(|(from, _)| from.to_string()),
            to: dates.map(|(_, to)| to.to_string()),
            from_date: dates.map(|(from, _)| from),
            to_date: dates.map(|(_, to)| to),
        })
    }

    fn contains(&self, date: NaiveDate) -> bool {
        self.from_date.is_none_or(|f| date >= f) && self.to_date.is_none_or(|t| date <= t)
    }
}

/// One assignment of a question, as the figures need it.
#[derive(Debug)]
struct Assigned {
    id: String,
    agency: String,
    due_on: NaiveDate,
    assigned_at: DateTime<Utc>,
}

/// What the pass collects for one agency.
#[derive(Default)]
struct AgencyTally {
    assigned: u64,
    answered: u64,
    on_time: u64,
    late: u64,
    days: Vec<i64>,
    overdue: u64,
    resolved: u64,
}

/// Computes a report's figures.
pub(crate) fn report(
    replica: &Replica,
    scope: &ReportScope,
    calendar: &HolidayCalendar,
) -> Result<super::Report> {
    let bounds = ScopeBounds::of(scope)?;
    let conn = replica.conn();
    let today = replica.clock().today();
    if let Some(dialogue) = scope.dialogue {
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM dialogues WHERE id = ?1)",
            params![dialogue.to_string()],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(ReplicaError::not_found("dialogue", dialogue));
        }
    }

    let mut totals = ReportTotals::default();
    let mut by_kind: HashMap<QuestionKind, u64> = HashMap::new();
    let mut by_status: HashMap<QuestionStatus, u64> = HashMap::new();
    let mut by_topic: HashMap<Option<String>, (String, u64)> = HashMap::new();
    let mut by_locality: HashMap<String, (String, u64)> = HashMap::new();
    let mut by_dialogue: HashMap<String, u64> = HashMap::new();
    let mut agencies: HashMap<String, AgencyTally> = HashMap::new();

    let mut stmt = conn.prepare_cached(&format!(
        "SELECT q.dialogue, q.kind, q.status, q.topic, t.name, d.locality, coalesce(l.name, ''),
                EXISTS (SELECT 1 FROM answers a WHERE a.question = q.id AND a.mode = 'on_site'),
                (SELECT json_group_array(a.recorded_at) FROM answers a
                 WHERE a.question = q.id AND a.mode = 'written'),
                (SELECT json_group_array(json_array(s.id, s.agency, s.due_on, s.assigned_at))
                 FROM assignments s WHERE s.question = q.id)
         FROM questions q JOIN dialogues d ON d.id = q.dialogue
              LEFT JOIN localities l ON l.id = d.locality
              LEFT JOIN topics t ON t.id = q.topic
         WHERE {SCOPE_WHERE}"
    ))?;
    let mut rows = stmt.query(params![bounds.dialogue, bounds.from, bounds.to])?;
    while let Some(r) = rows.next()? {
        let status: QuestionStatus = get(r, 2)?;
        if !status::is_counted(status) {
            totals.merged += 1;
            continue;
        }
        totals.questions += 1;
        let dialogue: String = r.get(0)?;
        *by_dialogue.entry(dialogue).or_default() += 1;
        *by_kind.entry(get(r, 1)?).or_default() += 1;
        *by_status.entry(status).or_default() += 1;
        let topic: Option<String> = r.get(3)?;
        let topic_name: Option<String> = r.get(4)?;
        by_topic
            .entry(topic)
            .or_insert_with(|| (topic_name.unwrap_or_else(|| NO_TOPIC.to_owned()), 0))
            .1 += 1;
        let locality: String = r.get(5)?;
        let locality_name: String = r.get(6)?;
        by_locality.entry(locality).or_insert((locality_name, 0)).1 += 1;
        let on_site: bool = r.get(7)?;
        let written = parse_times(&r.get::<_, String>(8)?)?;
        let assignments = parse_assignments(&r.get::<_, String>(9)?)?;
        match (on_site, written.is_empty()) {
            (_, false) => totals.answered_in_writing += 1,
            (true, true) => totals.answered_on_site += 1,
            (false, true) => totals.not_answered += 1,
        }
        if matches!(
            status,
            QuestionStatus::Resolved | QuestionStatus::AnsweredOnSite
        ) {
            totals.settled += 1;
        }
        if !assignments.is_empty() {
            totals.assigned += 1;
        }
        let answers = answer_of_each(&assignments, &written);
        let last = assignments.len().saturating_sub(1);
        for (i, (assignment, answer)) in assignments.iter().zip(answers).enumerate() {
            let tally = agencies.entry(assignment.agency.clone()).or_default();
            tally.assigned += 1;
            if let Some(answered_at) = answer {
                let answered_on = vietnam_date(answered_at);
                tally.answered += 1;
                if answered_on <= assignment.due_on {
                    tally.on_time += 1;
                } else {
                    tally.late += 1;
                }
                let days = calendar
                    .working_days_between(vietnam_date(assignment.assigned_at), answered_on)
                    .map_err(|e| ReplicaError::Corrupt(format!("a stored date: {e}")))?;
                tally.days.push(days);
            }
            if i == last {
                if status::awaits_agency(status) && assignment.due_on < today {
                    tally.overdue += 1;
                    totals.overdue += 1;
                }
                if status == QuestionStatus::Resolved {
                    tally.resolved += 1;
                }
            }
        }
    }
    drop(rows);

    let total = totals.questions;
    totals.on_site_share = share(totals.answered_on_site, total);
    totals.in_writing_share = share(totals.answered_in_writing, total);
    totals.resolution_rate = share(totals.settled, total);

    let by_kind = QuestionKind::ALL
        .iter()
        .map(|kind| {
            let count = by_kind.get(kind).copied().unwrap_or(0);
            KindCount {
                kind: *kind,
                count,
                share: share(count, total),
            }
        })
        .collect();
    let by_status = QuestionStatus::ALL
        .iter()
        .filter(|s| **s != QuestionStatus::Merged)
        .map(|status| StatusCount {
            status: *status,
            count: by_status.get(status).copied().unwrap_or(0),
        })
        .collect();
    let by_topic = named(
        by_topic
            .into_iter()
            .map(|(id, (name, count))| (id, name, count)),
        total,
    );
    let by_locality = named(
        by_locality
            .into_iter()
            .map(|(id, (name, count))| (Some(id), name, count)),
        total,
    );

    let names = agency_names(conn)?;
    let mut scorecards: Vec<AgencyScorecard> = agencies
        .into_iter()
        .map(|(id, mut tally)| {
            let (name, short_name) = names.get(&id).cloned().unwrap_or_default();
            Ok(AgencyScorecard {
                agency: id
                    .parse::<AgencyId>()
                    .map_err(|e| ReplicaError::Corrupt(format!("an assignment's agency: {e}")))?,
                name,
                short_name,
                assigned: tally.assigned,
                answered: tally.answered,
                answered_on_time: tally.on_time,
                answered_late: tally.late,
                on_time_rate: (tally.answered > 0).then(|| share(tally.on_time, tally.answered)),
                median_working_days: median(&mut tally.days),
                overdue_now: tally.overdue,
                resolved: tally.resolved,
            })
        })
        .collect::<Result<_>>()?;
    scorecards.sort_by(|a, b| a.name.cmp(&b.name).then(a.agency.cmp(&b.agency)));
    let overdue_by_agency = named(
        scorecards
            .iter()
            .filter(|s| s.overdue_now > 0)
            .map(|s| (Some(s.agency.to_string()), s.name.clone(), s.overdue_now)),
        total,
    );

    let dialogues = dialogues(conn, &bounds, &by_dialogue)?;
    let scope_label = scope_label(scope, &dialogues);
    Ok(super::Report {
        scope: *scope,
        scope_label,
        from: bounds.from_date,
        to: bounds.to_date,
        as_of: today,
        dialogues,
        totals,
        by_kind,
        by_topic,
        by_locality,
        by_status,
        overdue_by_agency,
        scorecards,
    })
}

/// How many questions (duplicates left out) a scope holds.
pub(crate) fn count_questions(conn: &Connection, bounds: &ScopeBounds) -> Result<u64> {
    Ok(conn.query_row(
        &format!(
            "SELECT count(*) FROM questions q WHERE {SCOPE_WHERE} AND {}",
            status_sql::counted("q.status")
        ),
        params![bounds.dialogue, bounds.from, bounds.to],
        |r| r.get(0),
    )?)
}

/// Streams the scope's questions (duplicates left out), by dialogue and then in the order
/// captured, to `f`, one at a time; `page` limits them. Returns how many were passed.
pub(crate) fn for_each_question<E>(
    conn: &Connection,
    bounds: &ScopeBounds,
    today: NaiveDate,
    personal_data: bool,
    page: Option<Page>,
    mut f: impl FnMut(ReportQuestion) -> std::result::Result<(), E>,
) -> std::result::Result<u64, E>
where
    E: From<ReplicaError>,
{
    let (limit, offset) = match page {
        Some(p) => (i64::from(p.limit.min(Page::MAX_LIMIT)), i64::from(p.offset)),
        None => (-1, 0),
    };
    let counted = status_sql::counted("q.status");
    let sql = format!(
        "SELECT q.id, q.number_letter, q.number_counter, q.dialogue, d.title AS dialogue_title,
                coalesce(l.name, '') AS locality_name, q.captured_at, q.kind, q.source, q.status,
                t.name AS topic_name, q.content, q.citizen_name, q.citizen_locality, q.citizen_phone,
                (SELECT json_group_array(json_array(a.mode, a.answered_by, a.content,
                            a.document_number, a.document_date, a.recorded_at, a.id))
                 FROM answers a WHERE a.question = q.id) AS answers,
                (SELECT json_group_array(json_array(s.id, coalesce(g.name, ''), s.due_on, s.assigned_at))
                 FROM assignments s LEFT JOIN agencies g ON g.id = s.agency WHERE s.question = q.id)
                    AS assignments
         FROM questions q JOIN dialogues d ON d.id = q.dialogue
              LEFT JOIN localities l ON l.id = d.locality
              LEFT JOIN topics t ON t.id = q.topic
         WHERE {SCOPE_WHERE} AND {counted}
         ORDER BY q.dialogue, q.captured_at, q.local_seq
         LIMIT ?4 OFFSET ?5"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(ReplicaError::from)?;
    let mut rows = stmt
        .query(params![
            bounds.dialogue,
            bounds.from,
            bounds.to,
            limit,
            offset
        ])
        .map_err(ReplicaError::from)?;
    let mut count = 0;
    while let Some(r) = rows.next().map_err(ReplicaError::from)? {
        let question = question_row(r, today, personal_data)?;
        f(question)?;
        count += 1;
    }
    Ok(count)
}

/// Reads one row of the question list.
fn question_row(
    r: &rusqlite::Row<'_>,
    today: NaiveDate,
    personal_data: bool,
) -> Result<ReportQuestion> {
    let letter: String = r.get("number_letter")?;
    let counter: u32 = r.get("number_counter")?;
    let captured_at: DateTime<FixedOffset> = get(r, "captured_at")?;
    let status: QuestionStatus = get(r, "status")?;
    let citizen = if personal_data {
        Some(rows::citizen(r)?)
    } else {
        None
    };
    type AnswerFields = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
    );
    let mut answers: Vec<(DateTime<Utc>, String, ReportAnswer)> =
        json::<Vec<AnswerFields>>(&r.get::<_, String>("answers")?)?
            .into_iter()
            .map(|(mode, by, content, number, date, recorded_at, id)| {
                let recorded_at = instant(&recorded_at)?;
                Ok((
                    recorded_at,
                    id,
                    ReportAnswer {
                        mode: parse(&mode)?,
                        answered_by: by,
                        content,
                        document_number: number,
                        document_date: date.as_deref().map(parse).transpose()?,
                        answered_on: vietnam_date(recorded_at),
                    },
                ))
            })
            .collect::<Result<_>>()?;
    answers.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let written: Vec<DateTime<Utc>> = answers
        .iter()
        .filter(|(_, _, a)| a.mode == AnswerMode::Written)
        .map(|(at, _, _)| *at)
        .collect();
    let mut assigned: Vec<(Assigned, String)> =
        json::<Vec<(String, String, String, String)>>(&r.get::<_, String>("assignments")?)?
            .into_iter()
            .map(|(id, agency_name, due_on, assigned_at)| {
                Ok((
                    Assigned {
                        id,
                        agency: String::new(),
                        due_on: parse(&due_on)?,
                        assigned_at: instant(&assigned_at)?,
                    },
                    agency_name,
                ))
            })
            .collect::<Result<_>>()?;
    assigned.sort_by(|a, b| (a.0.assigned_at, &a.0.id).cmp(&(b.0.assigned_at, &b.0.id)));
    let (assigned, names): (Vec<Assigned>, Vec<String>) = assigned.into_iter().unzip();
    let settled = answer_of_each(&assigned, &written);
    let overdue =
        status::awaits_agency(status) && assigned.last().is_some_and(|s| s.due_on < today);
    let assignments = assigned
        .iter()
        .zip(names)
        .zip(settled)
        .map(|((s, agency_name), answer)| ReportAssignment {
            agency_name,
            assigned_on: vietnam_date(s.assigned_at),
            due_on: s.due_on,
            answered_on: answer.map(vietnam_date),
        })
        .collect();
    Ok(ReportQuestion {
        id: get(r, "id")?,
        number: format!("{letter}-{counter:03}"),
        dialogue: get(r, "dialogue")?,
        dialogue_title: r.get("dialogue_title")?,
        locality_name: r.get("locality_name")?,
        captured_on: vietnam_date(captured_at.to_utc()),
        kind: get(r, "kind")?,
        source: get(r, "source")?,
        topic_name: r.get("topic_name")?,
        content: r.get("content")?,
        citizen,
        status,
        overdue,
        answers: answers.into_iter().map(|(_, _, a)| a).collect(),
        assignments,
    })
}

/// For each assignment (sorted by time), the written answer that settled it: the first one
/// recorded at or after it was made and before the next assignment was made.
fn answer_of_each(
    assignments: &[Assigned],
    written: &[DateTime<Utc>],
) -> Vec<Option<DateTime<Utc>>> {
    assignments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let next = assignments.get(i + 1).map(|n| n.assigned_at);
            written
                .iter()
                .copied()
                .filter(|at| *at >= s.assigned_at && next.is_none_or(|n| *at < n))
                .min()
        })
        .collect()
}

/// The dialogues of a report: those the scope names, held in its period or with questions in
/// it, earliest first.
fn dialogues(
    conn: &Connection,
    bounds: &ScopeBounds,
    questions: &HashMap<String, u64>,
) -> Result<Vec<ReportDialogue>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.title, coalesce(l.name, ''), d.starts_at, d.attendee_count
         FROM dialogues d LEFT JOIN localities l ON l.id = d.locality
         WHERE ?1 IS NULL OR d.id = ?1
         ORDER BY d.starts_at, d.id",
    )?;
    let mut rows = stmt.query(params![bounds.dialogue])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let starts_at: DateTime<FixedOffset> = get(r, 3)?;
        let held_on = vietnam_date(starts_at.to_utc());
        let count = questions.get(&id).copied().unwrap_or(0);
        if bounds.dialogue.is_some() || count > 0 || bounds.contains(held_on) {
            out.push(ReportDialogue {
                id: parse::<DialogueId>(&id)?,
                title: r.get(1)?,
                locality_name: r.get(2)?,
                held_on,
                attendee_count: r.get(4)?,
                questions: count,
            });
        }
    }
    Ok(out)
}

/// The scope in Vietnamese words.
fn scope_label(scope: &ReportScope, dialogues: &[ReportDialogue]) -> String {
    let title = scope
        .dialogue
        .and_then(|id| dialogues.iter().find(|d| d.id == id))
        .map(|d| d.title.clone());
    match (title, scope.period) {
        (Some(title), Some(period)) => format!("{title} — {}", period.label()),
        (Some(title), None) => title,
        (None, Some(period)) => period.label(),
        (None, None) => "Toàn bộ các hội nghị đối thoại".to_owned(),
    }
}

/// Every agency's full and short name, by id.
fn agency_names(conn: &Connection) -> Result<HashMap<String, (String, String)>> {
    let mut stmt = conn.prepare_cached("SELECT id, name, short_name FROM agencies")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Counts with names, most first, then by name.
fn named(
    items: impl Iterator<Item = (Option<String>, String, u64)>,
    total: u64,
) -> Vec<NamedCount> {
    let mut out: Vec<NamedCount> = items
        .map(|(id, name, count)| NamedCount {
            id,
            name,
            count,
            share: share(count, total),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    out
}

/// `part / whole`, 0 when there is no whole.
fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The median; the mean of the middle two for an even count.
fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid] as f64
    } else {
        (values[mid - 1] + values[mid]) as f64 / 2.0
    })
}

fn parse_times(text: &str) -> Result<Vec<DateTime<Utc>>> {
    let mut times = json::<Vec<String>>(text)?
        .iter()
        .map(|t| instant(t))
        .collect::<Result<Vec<_>>>()?;
    times.sort_unstable();
    Ok(times)
}

fn parse_assignments(text: &str) -> Result<Vec<Assigned>> {
    let mut out = json::<Vec<(String, String, String, String)>>(text)?
        .into_iter()
        .map(|(id, agency, due_on, assigned_at)| {
            Ok(Assigned {
                id,
                agency,
                due_on: parse(&due_on)?,
                assigned_at: instant(&assigned_at)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| (a.assigned_at, &a.id).cmp(&(b.assigned_at, &b.id)));
    Ok(out)
}

fn json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| ReplicaError::Corrupt(format!("a report row: {e}")))
}

fn instant(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|e| ReplicaError::Corrupt(format!("a stored time `{text}`: {e}")))
}

fn parse<T: std::str::FromStr>(text: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e| ReplicaError::Corrupt(format!("a stored value `{text}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn assigned(id: &str, day: u32) -> Assigned {
        Assigned {
            id: id.to_owned(),
            agency: "a".to_owned(),
            due_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            assigned_at: at(day, 3),
        }
    }

    #[test]
    fn each_assignment_is_settled_by_the_first_answer_in_its_own_time() {
        let assignments = [assigned("1", 2), assigned("2", 10)];
        // Answered before any assignment, then twice under the first, then under the second.
        let written = [at(1, 3), at(5, 3), at(6, 3), at(12, 3)];
        assert_eq!(
            answer_of_each(&assignments, &written),
            [Some(at(5, 3)), Some(at(12, 3))]
        );
        assert_eq!(
            answer_of_each(&assignments, &written[..3]),
            [Some(at(5, 3)), None]
        );
    }

    #[test]
    fn medians_take_the_middle() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3.0));
        assert_eq!(median(&mut [4, 1, 3, 8]), Some(3.5));
    }
}
