//! The reads the UI needs, all from the local replica, so the app works the same offline.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use townhall_domain::{
    Agency, AgencyId, Answer, AnswerBody, DeviceId, Dialogue, DialogueDetails, DialogueId,
    DocumentRef, Level, Locality, LocalityId, QuestionId, QuestionKind, QuestionStatus,
    StatusEvent, Topic, TopicId, status,
};

use crate::error::{ReplicaError, Result};
use crate::followup;
pub use crate::rows::{AssignmentView, QuestionRow, Round};
use crate::rows::{
    FilterDates, QUESTION_COLUMNS, QUESTION_JOINS, question_row, rounds, row_context,
};
use crate::search::{Snippet, fold};
use crate::stamp::{get, get_opt, parse_stamp_key};
use crate::status_sql;

/// Which questions to list. Empty fields do not filter.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QuestionFilter {
    /// Only this dialogue's questions.
    pub dialogue: Option<DialogueId>,
    /// Only questions in one of these statuses.
    pub statuses: Vec<QuestionStatus>,
    /// Only this topic.
    pub topic: Option<TopicId>,
    /// Only this kind.
    pub kind: Option<QuestionKind>,
    /// Only questions currently assigned to this agency.
    pub agency: Option<AgencyId>,
    /// Only questions assigned, past their due date and not answered.
    pub overdue: bool,
    /// Only overdue questions escalated to the leaders: overdue by at least the policy's
    /// escalation delay in working days.
    #[serde(default)]
    pub escalated: bool,
    /// Include duplicates merged into other questions (hidden by default).
    pub include_merged: bool,
}

/// How to order a list of questions.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum QuestionSort {
    /// Most recently captured first.
    #[default]
    Newest,
    /// Captured first, first.
    Oldest,
    /// By display number: device letter, then counter.
    Number,
    /// Earliest due date first; questions without one last.
    DueDate,
}

/// A page of a list.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Page {
    /// Rows to skip.
    pub offset: u32,
    /// Rows to return, at most [`Page::MAX_LIMIT`].
    pub limit: u32,
}

impl Page {
    /// The most rows one page returns.
    pub const MAX_LIMIT: u32 = 500;

    /// The first page of `limit` rows.
    pub const fn first(limit: u32) -> Self {
        Self { offset: 0, limit }
    }
}

/// How many questions are in one status.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StatusCount {
    /// The status.
    pub status: QuestionStatus,
    /// How many questions.
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
}

/// One page of questions, with the totals the list header shows.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QuestionList {
    /// The page's rows.
    pub rows: Vec<QuestionRow>,
    /// How many questions match, across all pages.
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    /// How many match in each status, ignoring the status filter, for the filter chips.
    pub by_status: Vec<StatusCount>,
}

/// A search result: the question and where it matched.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SearchHit {
    /// The question.
    pub row: QuestionRow,
    /// The best matching passage, with matched words marked.
    pub snippet: Snippet,
}

/// A value a field group held before, or one that lost a merge.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct HistoryEntry {
    /// Which kind of record: `question`, `answer`, `assignment`, `dialogue`.
    pub record_kind: String,
    /// The record's id.
    pub record_id: String,
    /// Which field group: `text`, `citizen`, `body`, `terms`, `details`.
    pub field_group: String,
    /// The value, as JSON.
    // Any JSON value.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub value: serde_json::Value,
    /// The device that wrote it.
    pub device: Option<DeviceId>,
    /// Why it is here: `superseded` by a later edit, or `lost_merge` to a concurrent one.
    pub reason: String,
    /// Written without seeing the value that replaced it: a conflict to review.
    pub concurrent: bool,
}

/// Everything about one question.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QuestionDetail {
    /// The question.
    pub question: QuestionRow,
    /// Its answers, oldest first.
    pub answers: Vec<Answer>,
    /// Its assignments, oldest first; the last one is current.
    pub assignments: Vec<AssignmentView>,
    /// Its status changes, oldest first.
    pub status_events: Vec<StatusEvent>,
    /// Earlier values and values that lost a merge, for it and its answers and assignments.
    pub history: Vec<HistoryEntry>,
    /// The statuses this device's role may move it to now.
    pub next_statuses: Vec<QuestionStatus>,
    /// Its rounds of follow-up: one per assignment, a new one each time it is reopened.
    pub rounds: Vec<Round>,
    /// Every raising of the same matter at a dialogue, oldest first, itself included; empty
    /// when it is not linked to another.
    pub repeats: Vec<QuestionRow>,
}

/// A dialogue with its counts, as the dialogue list shows it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DialogueSummary {
    /// The dialogue.
    pub dialogue: Dialogue,
    /// Its locality's name.
    pub locality_name: String,
    /// Questions captured (duplicates not counted).
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub questions: u64,
    /// Questions still waiting for something.
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub open: u64,
    /// Questions past their due date.
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub overdue: u64,
}

/// How many of a query's newest matches search ranks by relevance.
pub const RANK_WINDOW: u32 = 1_000;

/// Every dialogue, latest first, with its question counts.
pub(crate) fn dialogues(conn: &Connection, today: NaiveDate) -> Result<Vec<DialogueSummary>> {
    let today = today.to_string();
    let counted = status_sql::counted("q.status");
    let open = status_sql::open("q.status");
    let awaiting = status_sql::awaiting_agency("q.status");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT d.id, d.title, d.level, d.locality, d.audience, d.venue, d.starts_at, d.hosts,
                d.coordinating_bodies, d.plan_issued_on, d.attendee_count, d.status,
                coalesce(l.name, ''),
                (SELECT count(*) FROM questions q WHERE q.dialogue = d.id AND {counted}),
                (SELECT count(*) FROM questions q WHERE q.dialogue = d.id AND {open}),
                (SELECT count(*) FROM questions q WHERE q.dialogue = d.id
                    AND {awaiting} AND q.due_on < ?1)
         FROM dialogues d LEFT JOIN localities l ON l.id = d.locality
         ORDER BY d.starts_at DESC, d.id"
    ))?;
    let rows = stmt.query_map(params![today], |r| {
        let starts_at: DateTime<FixedOffset> = get(r, 6)?;
        Ok(DialogueSummary {
            dialogue: Dialogue {
                id: get(r, 0)?,
                details: DialogueDetails {
                    title: r.get(1)?,
                    level: get(r, 2)?,
                    locality: get(r, 3)?,
                    audience: r.get(4)?,
                    venue: r.get(5)?,
                    starts_at: starts_at.to_utc(),
                    hosts: r.get(7)?,
                    coordinating_bodies: r.get(8)?,
                    plan_issued_on: get_opt(r, 9)?,
                    attendee_count: r.get(10)?,
                },
                status: get(r, 11)?,
            },
            locality_name: r.get(12)?,
            questions: r.get(13)?,
            open: r.get(14)?,
            overdue: r.get(15)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One page of questions matching `filter`, ordered by `sort`.
pub(crate) fn questions(
    conn: &Connection,
    today: NaiveDate,
    filter: &QuestionFilter,
    sort: QuestionSort,
    page: Page,
) -> Result<QuestionList> {
    let policy = followup::policy(conn)?;
    let mut ctx = row_context(conn, today, &policy)?;
    let (where_sql, args) = filter_sql(filter, ctx.dates, true);
    let order = match sort {
        QuestionSort::Newest => "q.captured_at DESC, q.id DESC",
        QuestionSort::Oldest => "q.captured_at, q.id",
        QuestionSort::Number => "q.number_letter, q.number_counter",
        QuestionSort::DueDate => "q.due_on IS NULL, q.due_on, q.captured_at",
    };
    let sql = format!(
        "SELECT {QUESTION_COLUMNS} FROM questions q {QUESTION_JOINS} WHERE {where_sql}
         ORDER BY {order} LIMIT {} OFFSET {}",
        page.limit.min(Page::MAX_LIMIT),
        page.offset
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), |r| {
            question_row(r, &mut ctx)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let total: u64 = conn.query_row(
        &format!("SELECT count(*) FROM questions q WHERE {where_sql}"),
        rusqlite::params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let (where_all, args_all) = filter_sql(filter, ctx.dates, false);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT q.status, count(*) FROM questions q WHERE {where_all} GROUP BY q.status"
    ))?;
    let by_status = stmt
        .query_map(rusqlite::params_from_iter(args_all.iter()), |r| {
            Ok(StatusCount {
                status: get(r, 0)?,
                count: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(QuestionList {
        rows,
        total,
        by_status,
    })
}

/// Searches questions ignoring case and Vietnamese diacritics, best match first.
///
/// Matches words that start with each typed word, in the content, the display number and the
/// citizen's name and locality. An empty query (or one with no letters or digits) finds nothing.
/// A query matching more than [`RANK_WINDOW`] questions ranks the newest of them.
pub(crate) fn search(
    conn: &Connection,
    today: NaiveDate,
    query: &str,
    filter: &QuestionFilter,
    limit: u32,
) -> Result<Vec<SearchHit>> {
    let Some(expression) = fold::fts_match_expression(query) else {
        return Ok(Vec::new());
    };
    let terms = fold::query_terms(query);
    let policy = followup::policy(conn)?;
    let mut ctx = row_context(conn, today, &policy)?;
    let (where_sql, mut args) = filter_sql(filter, ctx.dates, true);
    args.insert(0, Box::new(expression));
    // Placeholders in `where_sql` are numbered from 1; shift them past the MATCH argument.
    let where_sql = shift_placeholders(&where_sql, 1);
    // Rank only the newest matches: FTS5 walks a term's matches newest first and stops at
    // the window, so a query matching most of 100,000 questions (`d`, `đường`) costs what one
    // matching a few thousand does. Narrower queries are ranked over every match.
    // The window's rows carry only (row, score); the page's columns are fetched afterwards.
    let sql = format!(
        "WITH window AS (
             SELECT s.rowid AS seq, bm25(question_search, 4.0, 1.0, 2.0) AS score
             FROM question_search s JOIN questions q ON q.local_seq = s.rowid
             WHERE question_search MATCH ?1 AND {where_sql}
             ORDER BY s.rowid DESC
             LIMIT {RANK_WINDOW}),
         hits AS (SELECT seq, score FROM window ORDER BY score, seq DESC LIMIT {})
         SELECT {QUESTION_COLUMNS} FROM hits JOIN questions q ON q.local_seq = hits.seq {QUESTION_JOINS}
         ORDER BY hits.score, hits.seq DESC",
        limit.min(Page::MAX_LIMIT)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), |r| {
            question_row(r, &mut ctx)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let snippet = fold::snippet(&row.content, &terms, 160);
            SearchHit { row, snippet }
        })
        .collect())
}

/// Everything about one question: answers, assignments, status history and earlier values.
pub(crate) fn question(
    conn: &Connection,
    today: NaiveDate,
    id: QuestionId,
) -> Result<QuestionDetail> {
    let policy = followup::policy(conn)?;
    let mut ctx = row_context(conn, today, &policy)?;
    let question = conn
        .query_row(
            &format!("SELECT {QUESTION_COLUMNS} FROM questions q {QUESTION_JOINS} WHERE q.id = ?1"),
            params![id.to_string()],
            |r| question_row(r, &mut ctx),
        )
        .optional()?
        .ok_or_else(|| ReplicaError::not_found("question", id))?;
    let id_text = id.to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT id, question, mode, answered_by, agency, content, document_number, document_date, recorded_at
         FROM answers WHERE question = ?1 ORDER BY recorded_at, id",
    )?;
    let answers = stmt
        .query_map(params![id_text], |r| {
            let number: Option<String> = r.get(6)?;
            let date: Option<NaiveDate> = get_opt(r, 7)?;
            let recorded_at: DateTime<FixedOffset> = get(r, 8)?;
            Ok(Answer {
                id: get(r, 0)?,
                question: get(r, 1)?,
                body: AnswerBody {
                    mode: get(r, 2)?,
                    answered_by: r.get(3)?,
                    agency: get_opt(r, 4)?,
                    content: r.get(5)?,
                    document: number
                        .zip(date)
                        .map(|(number, date)| DocumentRef { number, date }),
                },
                recorded_at: recorded_at.to_utc(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.agency, coalesce(a.name, ''), s.due_on, s.instructions, s.assigned_by, s.assigned_at
         FROM assignments s LEFT JOIN agencies a ON a.id = s.agency
         WHERE s.question = ?1 ORDER BY s.assigned_at, s.id",
    )?;
    let assignments = stmt
        .query_map(params![id_text], |r| {
            Ok(AssignmentView {
                id: get(r, 0)?,
                agency: get(r, 1)?,
                agency_name: r.get(2)?,
                due_on: get(r, 3)?,
                instructions: r.get(4)?,
                assigned_by: get(r, 5)?,
                assigned_at: get(r, 6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, question, from_status, to_status, actor, role, note, at
         FROM status_events WHERE question = ?1 ORDER BY at, id",
    )?;
    let status_events = stmt
        .query_map(params![id_text], |r| {
            let at: DateTime<FixedOffset> = get(r, 7)?;
            Ok(StatusEvent {
                id: get(r, 0)?,
                question: get(r, 1)?,
                from: get(r, 2)?,
                to: get(r, 3)?,
                actor: get(r, 4)?,
                role: get(r, 5)?,
                note: r.get(6)?,
                at: at.to_utc(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT record_kind, record_id, field_group, value, stamp, reason, concurrent FROM history
         WHERE record_id = ?1
            OR record_id IN (SELECT id FROM answers WHERE question = ?1)
            OR record_id IN (SELECT id FROM assignments WHERE question = ?1)
         ORDER BY seq",
    )?;
    let history = stmt
        .query_map(params![id_text], |r| {
            let value: String = r.get(3)?;
            let stamp: String = r.get(4)?;
            Ok(HistoryEntry {
                record_kind: r.get(0)?,
                record_id: r.get(1)?,
                field_group: r.get(2)?,
                value: serde_json::from_str(&value).unwrap_or(serde_json::Value::String(value)),
                device: parse_stamp_key(&stamp).map(|s| s.device),
                reason: r.get(5)?,
                concurrent: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let next_statuses = ctx
        .identity
        .as_ref()
        .map(|i| status::next_statuses(question.status, i.role))
        .unwrap_or_default();
    let reopen_notes: Vec<_> = status_events
        .iter()
        .filter(|e| e.to == QuestionStatus::Reopened)
        .map(|e| (e.at, e.note.clone()))
        .collect();
    let written: Vec<_> = answers
        .iter()
        .filter(|a| a.body.mode == townhall_domain::AnswerMode::Written)
        .map(|a| a.recorded_at)
        .collect();
    let rounds = rounds(&assignments, &reopen_notes, &written);
    let repeats = followup::repeats(conn, today, id)?;
    Ok(QuestionDetail {
        question,
        answers,
        assignments,
        status_events,
        history,
        next_statuses,
        rounds,
        repeats,
    })
}

/// The topics, in their display order; archived ones only when asked for.
pub(crate) fn topics(conn: &Connection, include_archived: bool) -> Result<Vec<Topic>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, archived FROM topics WHERE archived = 0 OR ?1 ORDER BY position, name",
    )?;
    let rows = stmt.query_map(params![include_archived], |r| {
        Ok(Topic {
            id: get(r, 0)?,
            name: r.get(1)?,
            archived: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The agencies by name; archived ones only when asked for.
pub(crate) fn agencies(conn: &Connection, include_archived: bool) -> Result<Vec<Agency>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, short_name, archived FROM agencies WHERE archived = 0 OR ?1 ORDER BY name",
    )?;
    let rows = stmt.query_map(params![include_archived], |r| {
        Ok(Agency {
            id: get(r, 0)?,
            name: r.get(1)?,
            short_name: r.get(2)?,
            archived: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The localities, provinces first, then by name.
pub(crate) fn localities(conn: &Connection) -> Result<Vec<Locality>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, level, parent FROM localities
         ORDER BY CASE level WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Locality {
            id: get::<LocalityId>(r, 0)?,
            name: r.get(1)?,
            level: get::<Level>(r, 2)?,
            parent: get_opt(r, 3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The WHERE clause and its arguments for a filter; `with_status` false leaves out the status
/// filter (for per-status counts).
pub(crate) fn filter_sql(
    filter: &QuestionFilter,
    dates: FilterDates,
    with_status: bool,
) -> (String, Vec<Box<dyn ToSql>>) {
    let today = dates.today;
    let mut clauses = vec!["1".to_owned()];
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let mut arg = |clause: &str, value: Box<dyn ToSql>, clauses: &mut Vec<String>| {
        args.push(value);
        clauses.push(clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(d) = filter.dialogue {
        arg("q.dialogue = ?", Box::new(d.to_string()), &mut clauses);
    }
    if let Some(t) = filter.topic {
        arg("q.topic = ?", Box::new(t.to_string()), &mut clauses);
    }
    if let Some(k) = filter.kind {
        arg("q.kind = ?", Box::new(k.as_str()), &mut clauses);
    }
    if let Some(a) = filter.agency {
        arg("q.agency = ?", Box::new(a.to_string()), &mut clauses);
    }
    let awaiting = status_sql::awaiting_agency("q.status");
    if filter.overdue {
        arg(
            &format!("{awaiting} AND q.due_on < ?"),
            Box::new(today.to_string()),
            &mut clauses,
        );
    }
    if filter.escalated {
        arg(
            &format!("{awaiting} AND q.due_on <= ?"),
            Box::new(dates.escalation_cutoff.to_string()),
            &mut clauses,
        );
    }
    // Duplicates are hidden unless asked for, by the flag or by filtering on `merged` itself.
    let asked_for_merged = with_status && filter.statuses.contains(&QuestionStatus::Merged);
    if !filter.include_merged && !asked_for_merged {
        clauses.push(status_sql::counted("q.status"));
    }
    if with_status && !filter.statuses.is_empty() {
        clauses.push(status_sql::any_of("q.status", &filter.statuses));
    }
    (clauses.join(" AND "), args)
}

/// Renumbers `?N` placeholders by `by`, for a clause placed after other arguments.
pub(crate) fn shift_placeholders(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '?' {
            let mut digits = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            if let Ok(n) = digits.parse::<usize>() {
                out.push_str(&(n + by).to_string());
            }
        }
    }
    out
}
