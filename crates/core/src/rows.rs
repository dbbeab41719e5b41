//! How a question is read from a row: the list row's shape and its one mapper, shared by every
//! feature that lists questions (queries, search, follow-up, similar questions).
//!
//! Columns are read by name, never by position, so a new column goes anywhere in a `SELECT`
//! without shifting the others.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use rusqlite::{Connection, Row};
use serde::{Deserialize, Serialize};
use townhall_domain::calendar::{FIRST_YEAR, WorkingDays};
use townhall_domain::followup::{FollowUpPolicy, Standing};
use townhall_domain::permissions::{self, Action, Scope};
use townhall_domain::{
    AgencyId, Citizen, DeviceId, DialogueId, QuestionId, QuestionKind, QuestionSource,
    QuestionStatus, TopicId, status,
};

use crate::clock::vietnam_date;
use crate::error::Result;
use crate::replica::{DeviceIdentity, load_identity};
use crate::stamp::{get, get_opt};

/// A question as a list shows it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QuestionRow {
    /// Its id.
    pub id: QuestionId,
    /// Its dialogue.
    pub dialogue: DialogueId,
    /// Its display number, e.g. `B-017`.
    pub number: String,
    /// Its kind.
    pub kind: QuestionKind,
    /// How it reached the dialogue.
    pub source: QuestionSource,
    /// Its topic.
    pub topic: Option<TopicId>,
    /// Its topic's name.
    pub topic_name: Option<String>,
    /// What the citizen raised.
    pub content: String,
    /// Who raised it; `None` when this device's role may not see citizens' details.
    pub citizen: Option<Citizen>,
    /// The device that captured it.
    pub captured_by: DeviceId,
    /// When it was captured.
    pub captured_at: DateTime<FixedOffset>,
    /// Its status.
    pub status: QuestionStatus,
    /// The question it was merged into, for a duplicate.
    pub merged_into: Option<QuestionId>,
    /// The agency it is assigned to.
    pub agency: Option<AgencyId>,
    /// That agency's short name.
    pub agency_name: Option<String>,
    /// When the written answer is due.
    pub due_on: Option<NaiveDate>,
    /// Assigned, past its due date and not answered.
    pub overdue: bool,
    /// Where it stands against its due date in working days, when it has one.
    pub standing: Option<Standing>,
    /// Working days since it was captured.
    pub age_working_days: u32,
    /// The same matter raised at an earlier dialogue.
    pub repeat_of: Option<QuestionId>,
    /// Edits made without seeing each other wait for review.
    pub conflict: bool,
}

/// An assignment as the detail view shows it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AssignmentView {
    /// Its id.
    pub id: townhall_domain::AssignmentId,
    /// The agency.
    pub agency: AgencyId,
    /// The agency's name.
    pub agency_name: String,
    /// When the answer is due.
    pub due_on: NaiveDate,
    /// Instructions.
    pub instructions: String,
    /// Who assigned it.
    pub assigned_by: townhall_domain::UserId,
    /// When.
    pub assigned_at: DateTime<FixedOffset>,
}

/// One round of a question's follow-up: an assignment, and how it ended.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Round {
    /// 1 for the first assignment, 2 after the first reopening, …
    pub number: u32,
    /// The assignment.
    pub assignment: AssignmentView,
    /// Why the question was reopened before this round (none for the first).
    pub reopened_because: Option<String>,
    /// The day the agency answered in writing in this round.
    pub answered_on: Option<NaiveDate>,
    /// Whether that answer came by the due date.
    pub on_time: Option<bool>,
}

/// The columns [`question_row`] reads, each under the name it reads it by, so a new column
/// goes anywhere in the list without shifting the others.
pub(crate) const QUESTION_COLUMNS: &str =
    "q.id, q.dialogue, q.number_letter, q.number_counter, q.kind, q.source,
    q.topic, t.name AS topic_name, q.content, q.citizen_name, q.citizen_locality, q.citizen_phone,
    q.captured_by, q.captured_at, q.status, q.merged_into, q.agency, a.short_name AS agency_name,
    q.due_on, q.conflict, q.repeat_of";

pub(crate) const QUESTION_JOINS: &str =
    "LEFT JOIN topics t ON t.id = q.topic LEFT JOIN agencies a ON a.id = q.agency";

/// What a question row needs beside its columns: today, who is looking, and how deadlines
/// count.
pub(crate) struct RowContext<'a> {
    pub(crate) dates: FilterDates,
    pub(crate) identity: Option<DeviceIdentity>,
    policy: &'a FollowUpPolicy,
    days: WorkingDays<'a>,
}

/// The dates a filter compares with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FilterDates {
    /// Today, in Vietnam.
    pub(crate) today: NaiveDate,
    /// The latest due date of a question escalated today.
    pub(crate) escalation_cutoff: NaiveDate,
}

/// What reading question rows on `today` needs: who is looking, and how deadlines count.
pub(crate) fn row_context<'a>(
    conn: &Connection,
    today: NaiveDate,
    policy: &'a FollowUpPolicy,
) -> Result<RowContext<'a>> {
    let identity = load_identity(conn)?;
    let mut days = policy.calendar.working_days();
    let escalation_cutoff = escalation_cutoff(policy, &mut days, today);
    Ok(RowContext {
        dates: FilterDates {
            today,
            escalation_cutoff,
        },
        identity,
        policy,
        days,
    })
}

/// The latest due date that is escalated on `today`: a question due that day or earlier is
/// overdue by at least the policy's escalation delay in working days.
pub(crate) fn escalation_cutoff(
    policy: &FollowUpPolicy,
    days: &mut WorkingDays<'_>,
    today: NaiveDate,
) -> NaiveDate {
    // Overdue means due before today; `n` working days overdue means `n` working days in
    // (due, today]. Walk back over today's last `n` working days; the day before the earliest
    // of them is the latest due date that far behind.
    let mut date = today;
    let mut left = policy.escalate_after_working_days;
    let mut earliest = today;
    while left > 0 {
        if days.is_working(date).unwrap_or(false) {
            earliest = date;
            left -= 1;
        }
        match date.pred_opt() {
            Some(before) if before.year() >= FIRST_YEAR => date = before,
            _ => return NaiveDate::MIN,
        }
    }
    earliest.pred_opt().unwrap_or(NaiveDate::MIN)
}

/// The one reader of a question row: every query that lists questions selects
/// [`QUESTION_COLUMNS`] and maps them here, by column name.
pub(crate) fn question_row(r: &Row<'_>, ctx: &mut RowContext<'_>) -> rusqlite::Result<QuestionRow> {
    let today = ctx.dates.today;
    let letter: String = r.get("number_letter")?;
    let counter: u32 = r.get("number_counter")?;
    let captured_by: DeviceId = get(r, "captured_by")?;
    let captured_at: DateTime<FixedOffset> = get(r, "captured_at")?;
    let status: QuestionStatus = get(r, "status")?;
    let agency: Option<AgencyId> = get_opt(r, "agency")?;
    let due_on: Option<NaiveDate> = get_opt(r, "due_on")?;
    let citizen = citizen(r)?;
    let visible = ctx.identity.as_ref().is_none_or(|i| {
        let scope = Scope {
            in_jurisdiction: true,
            assigned_to_own_agency: agency.is_some() && agency == i.agency,
            captured_on_own_device: captured_by == i.device,
        };
        permissions::authorize(i.role, Action::SeeCitizenDetails, scope).is_ok()
    });
    let settled = !status::awaits_agency(status);
    let standing = due_on.and_then(|due| {
        ctx.policy
            .standing_with(&mut ctx.days, due, today, settled)
            .ok()
    });
    let received = vietnam_date(captured_at.to_utc());
    let age_working_days = FollowUpPolicy::age_with(&mut ctx.days, received, today).unwrap_or(0);
    Ok(QuestionRow {
        id: get(r, "id")?,
        dialogue: get(r, "dialogue")?,
        number: format!("{letter}-{counter:03}"),
        kind: get(r, "kind")?,
        source: get(r, "source")?,
        topic: get_opt(r, "topic")?,
        topic_name: r.get("topic_name")?,
        content: r.get("content")?,
        citizen: (visible || citizen == Citizen::Anonymous).then_some(citizen),
        captured_by,
        captured_at,
        status,
        merged_into: get_opt(r, "merged_into")?,
        agency,
        agency_name: r.get("agency_name")?,
        due_on,
        overdue: status::awaits_agency(status) && due_on.is_some_and(|d| d < today),
        standing,
        age_working_days,
        repeat_of: get_opt(r, "repeat_of")?,
        conflict: r.get("conflict")?,
    })
}

/// Who raised a question, from the `citizen_*` columns: the one reader of the citizen group,
/// for the lists and the reports alike.
pub(crate) fn citizen(r: &Row<'_>) -> rusqlite::Result<Citizen> {
    let name: Option<String> = r.get("citizen_name")?;
    Ok(match name {
        None => Citizen::Anonymous,
        Some(name) => Citizen::Named {
            name,
            locality: r.get("citizen_locality")?,
            phone: get_opt(r, "citizen_phone")?,
        },
    })
}

/// A question's rounds: one per assignment, each with why it was reopened and when it was
/// answered.
pub(crate) fn rounds(
    assignments: &[AssignmentView],
    reopen_notes: &[(DateTime<chrono::Utc>, String)],
    written_answers: &[DateTime<chrono::Utc>],
) -> Vec<Round> {
    let mut rounds = Vec::with_capacity(assignments.len());
    for (index, assignment) in assignments.iter().enumerate() {
        let start = assignment.assigned_at.to_utc();
        let end = assignments
            .get(index + 1)
            .map(|next| next.assigned_at.to_utc());
        let in_round = |at: &DateTime<chrono::Utc>| *at >= start && end.is_none_or(|e| *at < e);
        let answered_on = written_answers
            .iter()
            .filter(|at| in_round(at))
            .min()
            .map(|at| vietnam_date(*at));
        let reopened_because = (index > 0)
            .then(|| {
                let previous = assignments[index - 1].assigned_at.to_utc();
                reopen_notes
                    .iter()
                    .filter(|(at, _)| *at >= previous && *at <= start)
                    .map(|(_, note)| note.clone())
                    .next_back()
            })
            .flatten();
        rounds.push(Round {
            number: u32::try_from(index + 1).unwrap_or(u32::MAX),
            assignment: assignment.clone(),
            reopened_because,
            answered_on,
            on_time: answered_on.map(|day| day <= assignment.due_on),
        });
    }
    rounds
}
