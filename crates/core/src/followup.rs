//! Follow-up on the replica: the deadline policy, what is overdue or due soon for this device's
//! user, reminders, reopened petitions, repeated petitions, and each dialogue's preparation
//! checklist and timeline.
//!
//! The rules (working days, escalation, the standard checklist) live in
//! [`townhall_domain::followup`]; this module reads and writes the records they apply to.

use std::collections::{BTreeSet, VecDeque};

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use townhall_domain::followup::{
    self, FollowUpPolicy, Milestone, TaskInput, TaskState, standard_checklist,
};
use townhall_domain::mutation::Change;
use townhall_domain::permissions::{Action, Scope};
use townhall_domain::validate::{self, AssignmentInput, TextRule};
use townhall_domain::{
    AssignmentId, DialogueId, DialogueTask, DialogueTaskId, QuestionId, QuestionStatus, Role,
    TaskKind,
};

use crate::clock::vietnam_date;
use crate::error::{ReplicaError, Result};
use crate::replica::{Replica, load_identity};
pub use crate::rows::Round;
use crate::rows::{QUESTION_COLUMNS, QUESTION_JOINS, QuestionRow, question_row, row_context};
use crate::settings::Language;
use crate::stamp::{get, get_opt};

/// A preparation task and where it stands today.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TaskView {
    /// The task.
    pub task: DialogueTask,
    /// Where it stands.
    pub state: TaskState,
}

impl TaskView {
    /// `task` as it stands on `today`.
    fn on(task: DialogueTask, today: NaiveDate) -> Self {
        Self {
            state: followup::task_state(task.due_on, task.done_on, today),
            task,
        }
    }
}

/// A dialogue's preparation: its timeline and checklist.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DialoguePlan {
    /// The dialogue.
    pub dialogue: DialogueId,
    /// Plan issued, public notice, the day itself, results published.
    pub milestones: Vec<Milestone>,
    /// The checklist, by due date.
    pub tasks: Vec<TaskView>,
}

/// What waits on this device's user: questions overdue or due soon, and preparation tasks.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FollowUp {
    /// Questions past their due date and not answered.
    pub overdue: u32,
    /// Of those, the ones escalated to the leaders.
    pub escalated: u32,
    /// Questions due within the policy's reminder window.
    pub due_soon: u32,
    /// Preparation tasks past their due date and not done.
    pub tasks_overdue: u32,
    /// The questions behind those counts: escalated first, then the most overdue, then the
    /// soonest due.
    pub questions: Vec<QuestionRow>,
    /// The preparation tasks overdue or due within 7 days, soonest first.
    pub tasks: Vec<TaskView>,
}

/// A reminder the app shows as a system notification.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Reminder {
    /// Identifies it for the day, so it is shown once a day at most.
    pub key: String,
    /// The notification's title, in the user's language.
    pub title: String,
    /// Its text, in the user's language.
    pub body: String,
    /// The question it is about.
    pub question: Option<QuestionId>,
    /// The dialogue it is about.
    pub dialogue: Option<DialogueId>,
}

/// The most questions a follow-up list carries; the counts cover them all.
pub const FOLLOW_UP_LIMIT: usize = 200;

const REMINDED_KEY: &str = "reminded";

/// The reminders already shown, and on which day.
#[derive(Default, Serialize, Deserialize)]
struct Reminded {
    day: Option<NaiveDate>,
    keys: BTreeSet<String>,
}

impl Replica {
    /// Sets the follow-up policy (administrator).
    pub fn set_policy(&mut self, policy: &FollowUpPolicy) -> Result<()> {
        policy.check()?;
        self.write(|w| {
            w.authorize(Action::EditPolicy, Scope::JURISDICTION)?;
            w.record(Change::SetPolicy(policy.clone()))
        })
    }

    /// The due date the assignment form proposes today: the policy's working days on.
    pub fn default_due_date(&self) -> Result<NaiveDate> {
        let policy = policy(self.conn())?;
        let today = self.clock().today();
        policy
            .default_due_date(today)
            .map_err(|e| ReplicaError::Conflict(format!("no due date from {today}: {e:?}")))
    }

    /// Adds a task to a dialogue's checklist (secretariat).
    pub fn add_task(&mut self, dialogue: DialogueId, input: &TaskInput) -> Result<DialogueTaskId> {
        self.write(|w| {
            let id = DialogueTaskId::generate(w.now_millis(), w.id_bits());
            let task = followup::task(id, dialogue, input, w.today())?;
            let scope = w.scope_of_dialogue(dialogue)?;
            w.authorize(Action::EditDialogue, scope)?;
            w.record(Change::UpsertDialogueTask(task))?;
            Ok(id)
        })
    }

    /// Changes a checklist task, e.g. marks it done (secretariat).
    pub fn edit_task(&mut self, id: DialogueTaskId, input: &TaskInput) -> Result<()> {
        self.write(|w| {
            let dialogue: DialogueId =
                w.tx.query_row(
                    "SELECT dialogue FROM dialogue_tasks WHERE id = ?1",
                    params![id.to_string()],
                    |r| get(r, 0),
                )
                .optional()?
                .ok_or_else(|| ReplicaError::not_found("task", id))?;
            let task = followup::task(id, dialogue, input, w.today())?;
            let scope = w.scope_of_dialogue(dialogue)?;
            w.authorize(Action::EditDialogue, scope)?;
            w.record(Change::UpsertDialogueTask(task))
        })
    }

    /// Adds the standard preparation checklist to a dialogue, dated from its day; kinds of task
    /// it has already are left alone, so running it twice adds nothing.
    pub fn add_standard_checklist(&mut self, dialogue: DialogueId) -> Result<Vec<DialogueTaskId>> {
        self.write(|w| {
            let scope = w.scope_of_dialogue(dialogue)?;
            w.authorize(Action::EditDialogue, scope)?;
            let starts_at: DateTime<FixedOffset> = w.tx.query_row(
                "SELECT starts_at FROM dialogues WHERE id = ?1",
                params![dialogue.to_string()],
                |r| get(r, 0),
            )?;
            let mut stmt =
                w.tx.prepare("SELECT DISTINCT kind FROM dialogue_tasks WHERE dialogue = ?1")?;
            let present = stmt
                .query_map(params![dialogue.to_string()], |r| get::<TaskKind>(r, 0))?
                .collect::<rusqlite::Result<BTreeSet<_>>>()?;
            drop(stmt);
            let millis = w.now_millis();
            let tasks = standard_checklist(dialogue, vietnam_date(starts_at.to_utc()), || {
                DialogueTaskId::generate(millis, w.id_bits())
            });
            let mut added = Vec::new();
            for task in tasks.into_iter().filter(|t| !present.contains(&t.kind)) {
                added.push(task.id);
                w.record(Change::UpsertDialogueTask(task))?;
            }
            Ok(added)
        })
    }

    /// A dialogue's timeline and checklist as they stand today.
    pub fn dialogue_plan(&self, dialogue: DialogueId) -> Result<DialoguePlan> {
        let today = self.clock().today();
        let (starts_at, plan_issued_on, status): (
            DateTime<FixedOffset>,
            Option<NaiveDate>,
            townhall_domain::DialogueStatus,
        ) = self
            .conn()
            .query_row(
                "SELECT starts_at, plan_issued_on, status FROM dialogues WHERE id = ?1",
                params![dialogue.to_string()],
                |r| Ok((get(r, 0)?, get_opt(r, 1)?, get(r, 2)?)),
            )
            .optional()?
            .ok_or_else(|| ReplicaError::not_found("dialogue", dialogue))?;
        let tasks = self.tasks_where("dialogue = ?1", &dialogue.to_string())?;
        let held = matches!(
            status,
            townhall_domain::DialogueStatus::Concluded | townhall_domain::DialogueStatus::Closed
        );
        let milestones = followup::timeline(
            vietnam_date(starts_at.to_utc()),
            plan_issued_on,
            held,
            &tasks,
            today,
        );
        Ok(DialoguePlan {
            dialogue,
            milestones,
            tasks: tasks
                .into_iter()
                .map(|task| TaskView::on(task, today))
                .collect(),
        })
    }

    fn tasks_where(&self, clause: &str, arg: &str) -> Result<Vec<DialogueTask>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT id, dialogue, kind, title, body, due_on, done_on, note FROM dialogue_tasks
             WHERE {clause} ORDER BY due_on, title, id"
        ))?;
        let tasks = stmt
            .query_map(params![arg], |r| {
                Ok(DialogueTask {
                    id: get(r, 0)?,
                    dialogue: get(r, 1)?,
                    kind: get(r, 2)?,
                    title: r.get(3)?,
                    body: get(r, 4)?,
                    due_on: get(r, 5)?,
                    done_on: get_opt(r, 6)?,
                    note: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(tasks)
    }

    /// Reopens an answered or resolved question (the citizen or a leader is not satisfied) and
    /// sends it back with new terms: a new round with its own due date. Both in one write.
    pub fn reopen(
        &mut self,
        question: QuestionId,
        note: &str,
        input: &AssignmentInput,
    ) -> Result<AssignmentId> {
        self.write(|w| {
            let note = validate::text("note", note, TextRule::NOTE)?;
            if note.is_empty() {
                return Err(
                    validate::ValidationErrors(vec![validate::ValidationError::new(
                        "note",
                        validate::Problem::Required,
                    )])
                    .into(),
                );
            }
            let from = w.question_status(question)?;
            w.change_status(question, from, QuestionStatus::Reopened, &note)?;
            w.assign(question, input)
        })
    }

    /// Links a question to the same matter raised at an earlier dialogue, as a person confirmed,
    /// or (`None`) removes the link.
    pub fn link_repeat(&mut self, question: QuestionId, earlier: Option<QuestionId>) -> Result<()> {
        self.write(|w| {
            let scope = w.scope_of_question(question)?;
            w.authorize(Action::MergeDuplicate, scope)?;
            if let Some(earlier) = earlier {
                w.question_status(earlier)?;
                // Follow the earlier question's own links: a loop would make "raised N times"
                // endless.
                let mut at = Some(earlier);
                let mut steps = 0;
                while let Some(current) = at {
                    if current == question || steps > MAX_CHAIN {
                        return Err(ReplicaError::Conflict(
                            "a question cannot repeat itself or a question that repeats it"
                                .to_owned(),
                        ));
                    }
                    at =
                        w.tx.query_row(
                            "SELECT repeat_of FROM questions WHERE id = ?1",
                            params![current.to_string()],
                            |r| get_opt(r, 0),
                        )
                        .optional()?
                        .flatten();
                    steps += 1;
                }
            }
            w.record(Change::LinkRepeat { question, earlier })
        })
    }

    /// What waits on this device's user today: for an agency its own assignments; for the
    /// secretariat and leaders everything, with the leaders' escalations; the secretariat also
    /// gets the preparation tasks. Recorders and administrators follow nothing up.
    pub fn follow_up(&self) -> Result<FollowUp> {
        let Some(identity) = load_identity(self.conn())? else {
            return Err(ReplicaError::NotEnrolled);
        };
        let policy = policy(self.conn())?;
        let mut ctx = row_context(self.conn(), self.clock().today(), &policy)?;
        let today = ctx.dates.today;
        let mut follow_up = FollowUp {
            overdue: 0,
            escalated: 0,
            due_soon: 0,
            tasks_overdue: 0,
            questions: Vec::new(),
            tasks: Vec::new(),
        };
        if matches!(identity.role, Role::Recorder | Role::Admin) {
            return Ok(follow_up);
        }
        let window = policy
            .calendar
            .add_working_days(today, u32::from(policy.remind_before_working_days))
            .unwrap_or(today);
        let agency_clause = if identity.role == Role::Agency {
            "AND q.agency = ?2"
        } else {
            "AND ?2 IS NULL"
        };
        let awaiting = crate::status_sql::awaiting_agency("q.status");
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {QUESTION_COLUMNS} FROM questions q {QUESTION_JOINS}
             WHERE {awaiting} AND q.due_on <= ?1 {agency_clause}
             ORDER BY q.due_on, q.number_letter, q.number_counter"
        ))?;
        let agency = identity.agency.map(|a| a.to_string());
        let rows = stmt
            .query_map(params![window.to_string(), agency], |r| {
                question_row(r, &mut ctx)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut questions = Vec::new();
        for row in rows {
            let Some(standing) = row.standing else {
                continue;
            };
            if standing.overdue {
                follow_up.overdue += 1;
                follow_up.escalated += u32::from(standing.escalated);
            } else if standing.due_soon {
                follow_up.due_soon += 1;
            } else {
                continue;
            }
            questions.push(row);
        }
        // Escalated first, then the most overdue, then the soonest due.
        questions.sort_by_key(|row| {
            let s = row.standing.map(|s| (!s.escalated, s.working_days_left));
            (s, row.due_on)
        });
        questions.truncate(FOLLOW_UP_LIMIT);
        follow_up.questions = questions;
        if identity.role == Role::Secretariat {
            let soon = today
                .checked_add_days(chrono::Days::new(7))
                .unwrap_or(today);
            let tasks = self.tasks_where("done_on IS NULL AND due_on <= ?1", &soon.to_string())?;
            follow_up.tasks = tasks
                .into_iter()
                .map(|task| TaskView::on(task, today))
                .collect();
            follow_up.tasks_overdue = u32::try_from(
                follow_up
                    .tasks
                    .iter()
                    .filter(|t| t.state == TaskState::Overdue)
                    .count(),
            )
            .unwrap_or(u32::MAX);
        }
        Ok(follow_up)
    }

    /// The reminders not yet shown today, in the user's language; each is remembered as shown,
    /// so calling this again the same day returns only new ones.
    pub fn take_reminders(&mut self) -> Result<Vec<Reminder>> {
        let settings = self.settings()?;
        if !settings.reminders {
            return Ok(Vec::new());
        }
        let language = settings.language;
        let follow_up = self.follow_up()?;
        let today = self.clock().today();
        let mut reminded: Reminded = self
            .kv_get(REMINDED_KEY)?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        if reminded.day != Some(today) {
            reminded = Reminded {
                day: Some(today),
                keys: BTreeSet::new(),
            };
        }
        let mut out = Vec::new();
        for row in &follow_up.questions {
            let Some(standing) = row.standing else {
                continue;
            };
            let state = if standing.escalated {
                "escalated"
            } else if standing.overdue {
                "overdue"
            } else {
                "due"
            };
            let key = format!("q:{}:{state}", row.id);
            if reminded.keys.contains(&key) {
                continue;
            }
            let agency = row.agency_name.as_deref().unwrap_or("");
            let due = row
                .due_on
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default();
            let (title, body) = match (language, state) {
                (Language::Vi, "escalated") => (
                    format!(
                        "{} quá hạn {} ngày làm việc",
                        row.number, standing.overdue_working_days
                    ),
                    format!("Cần lãnh đạo chỉ đạo · {agency} · hạn {due}"),
                ),
                (Language::Vi, "overdue") => (
                    format!("{} đã quá hạn trả lời", row.number),
                    format!("{agency} · hạn {due}"),
                ),
                (Language::Vi, _) => (
                    format!("{} sắp đến hạn trả lời", row.number),
                    format!(
                        "{agency} · hạn {due} · còn {} ngày làm việc",
                        standing.working_days_left
                    ),
                ),
                (Language::En, "escalated") => (
                    format!(
                        "{} is {} working days overdue",
                        row.number, standing.overdue_working_days
                    ),
                    format!("Escalated to the leaders · {agency} · due {due}"),
                ),
                (Language::En, "overdue") => (
                    format!("{} is past its due date", row.number),
                    format!("{agency} · due {due}"),
                ),
                (Language::En, _) => (
                    format!("{} is due soon", row.number),
                    format!(
                        "{agency} · due {due} · {} working days left",
                        standing.working_days_left
                    ),
                ),
            };
            reminded.keys.insert(key.clone());
            out.push(Reminder {
                key,
                title,
                body,
                question: Some(row.id),
                dialogue: Some(row.dialogue),
            });
        }
        for view in &follow_up.tasks {
            let state = if view.state == TaskState::Overdue {
                "overdue"
            } else {
                "due"
            };
            let key = format!("t:{}:{state}", view.task.id);
            if reminded.keys.contains(&key) {
                continue;
            }
            let due = view.task.due_on.format("%d/%m/%Y").to_string();
            let title = match (language, state) {
                (Language::Vi, "overdue") => "Việc chuẩn bị đối thoại đã quá hạn".to_owned(),
                (Language::Vi, _) => "Việc chuẩn bị đối thoại sắp đến hạn".to_owned(),
                (Language::En, "overdue") => "A dialogue preparation task is overdue".to_owned(),
                (Language::En, _) => "A dialogue preparation task is due soon".to_owned(),
            };
            let body = match language {
                Language::Vi => format!("{} · hạn {due}", view.task.title),
                Language::En => format!("{} · due {due}", view.task.title),
            };
            reminded.keys.insert(key.clone());
            out.push(Reminder {
                key,
                title,
                body,
                question: None,
                dialogue: Some(view.task.dialogue),
            });
        }
        if !out.is_empty() {
            let json = serde_json::to_string(&reminded)
                .map_err(|e| ReplicaError::Corrupt(format!("reminders: {e}")))?;
            self.kv_set(REMINDED_KEY, Some(&json))?;
        }
        Ok(out)
    }
}

/// The follow-up policy: the administrator's, or the built-in default until one arrives.
pub(crate) fn policy(conn: &Connection) -> Result<FollowUpPolicy> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM policy WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    match body {
        Some(body) => {
            serde_json::from_str(&body).map_err(|e| ReplicaError::Corrupt(format!("policy: {e}")))
        }
        None => Ok(FollowUpPolicy::default()),
    }
}

/// Every raising of the same matter as `question`, oldest first, itself included: the
/// questions it repeats and those that repeat it, as people linked them.
pub(crate) fn repeats(
    conn: &Connection,
    today: NaiveDate,
    question: QuestionId,
) -> Result<Vec<QuestionRow>> {
    let policy = policy(conn)?;
    let mut ctx = row_context(conn, today, &policy)?;
    // The earliest raising: follow `repeat_of` up.
    let mut root = question;
    for _ in 0..MAX_CHAIN {
        let up: Option<QuestionId> = conn
            .query_row(
                "SELECT repeat_of FROM questions WHERE id = ?1",
                params![root.to_string()],
                |r| get_opt(r, 0),
            )
            .optional()?
            .flatten();
        match up {
            Some(up) if up != question => root = up,
            _ => break,
        }
    }
    // Then everything linked below it.
    let mut seen = BTreeSet::from([root]);
    let mut queue = VecDeque::from([root]);
    let mut down = conn.prepare_cached("SELECT id FROM questions WHERE repeat_of = ?1")?;
    while let Some(at) = queue.pop_front() {
        if seen.len() > MAX_CHAIN {
            break;
        }
        let later = down
            .query_map(params![at.to_string()], |r| get::<QuestionId>(r, 0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for q in later {
            if seen.insert(q) {
                queue.push_back(q);
            }
        }
    }
    if seen.len() == 1 {
        return Ok(Vec::new());
    }
    let mut row = conn.prepare_cached(&format!(
        "SELECT {QUESTION_COLUMNS} FROM questions q {QUESTION_JOINS} WHERE q.id = ?1"
    ))?;
    let mut rows = Vec::new();
    for id in seen {
        if let Some(r) = row
            .query_row(params![id.to_string()], |r| question_row(r, &mut ctx))
            .optional()?
        {
            rows.push(r);
        }
    }
    rows.sort_by(|a, b| a.captured_at.cmp(&b.captured_at).then(a.id.cmp(&b.id)));
    Ok(rows)
}

/// The longest chain of repeats followed.
const MAX_CHAIN: usize = 64;
