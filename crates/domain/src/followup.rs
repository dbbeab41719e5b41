//! Follow-up: the province's deadline policy, where each question stands against its deadline,
//! and a dialogue's preparation checklist and timeline.
//!
//! Deadlines are counted in working days ([`crate::calendar`]).
//! The policy is one record the administrator sets and every device pulls, so a tablet, a
//! leader's laptop and the server count the same days.
//! Nothing here reads the clock: `today` is passed in.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::calendar::{CalendarError, HolidayCalendar, WorkingDays};
use crate::ids::{DialogueId, DialogueTaskId};
use crate::records::{CoordinatingBody, DialogueTask, TaskKind};
use crate::validate::{self, Problem, TextRule, ValidationError, ValidationErrors};

/// The follow-up rules of a province: how long agencies have to answer, when an overdue question
/// goes up to the leader, when reminders start, and the official days off.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FollowUpPolicy {
    /// The working days an agency has to answer in writing, counted from the assignment; the
    /// due date the assignment form proposes.
    pub answer_working_days: u16,
    /// How many working days overdue a question may be before it is escalated to the leaders.
    pub escalate_after_working_days: u16,
    /// How many working days before its due date a question starts to be reminded of.
    pub remind_before_working_days: u16,
    /// The official days off and make-up days, year by year.
    #[cfg_attr(feature = "ts", ts(as = "Vec<crate::calendar::YearAdjustments>"))]
    pub calendar: HolidayCalendar,
}

impl Default for FollowUpPolicy {
    /// 15 working days to answer (the usual term for a petition's written answer), escalation
    /// after 5 working days overdue, reminders from 2 working days before, and the official
    /// decisions built into Townhall.
    fn default() -> Self {
        Self {
            answer_working_days: 15,
            escalate_after_working_days: 5,
            remind_before_working_days: 2,
            calendar: HolidayCalendar::official(),
        }
    }
}

/// The longest answer term a policy may set, in working days (about six months).
pub const MAX_ANSWER_WORKING_DAYS: u16 = 120;
/// The longest escalation delay a policy may set, in working days.
pub const MAX_ESCALATE_WORKING_DAYS: u16 = 60;
/// The earliest a reminder may start, in working days before the due date.
pub const MAX_REMIND_WORKING_DAYS: u16 = 20;

impl FollowUpPolicy {
    /// The policy record's id: there is one per database.
    pub const ID: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001);

    /// Checks the numbers are within their limits; the calendar checks itself when built.
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut problems = Vec::new();
        let mut within = |field: &str, value: u16, min: u16, max: u16| {
            if value < min || value > max {
                problems.push(ValidationError::new(
                    field,
                    Problem::OutOfRange {
                        allowed: format!("from {min} to {max}"),
                    },
                ));
            }
        };
        within(
            "answer_working_days",
            self.answer_working_days,
            1,
            MAX_ANSWER_WORKING_DAYS,
        );
        within(
            "escalate_after_working_days",
            self.escalate_after_working_days,
            0,
            MAX_ESCALATE_WORKING_DAYS,
        );
        within(
            "remind_before_working_days",
            self.remind_before_working_days,
            0,
            MAX_REMIND_WORKING_DAYS,
        );
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(problems))
        }
    }

    /// The due date the assignment form proposes when assigning on `today`.
    pub fn default_due_date(&self, today: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.calendar
            .add_working_days(today, u32::from(self.answer_working_days))
    }

    /// Where a question with a written answer due on `due_on` stands on `today`.
    /// `settled` says whether it has been answered (or otherwise no longer waits on the agency).
    pub fn standing(
        &self,
        due_on: NaiveDate,
        today: NaiveDate,
        settled: bool,
    ) -> Result<Standing, CalendarError> {
        self.standing_with(&mut self.calendar.working_days(), due_on, today, settled)
    }

    /// [`Self::standing`] with working days from `days` (made from this policy's calendar), for
    /// many questions in a row.
    pub fn standing_with(
        &self,
        days: &mut WorkingDays<'_>,
        due_on: NaiveDate,
        today: NaiveDate,
        settled: bool,
    ) -> Result<Standing, CalendarError> {
        let left = days.between(today, due_on)?;
        let overdue = !settled && today > due_on;
        let overdue_working_days = if overdue { (-left).max(0) } else { 0 };
        let escalated =
            overdue && overdue_working_days >= i64::from(self.escalate_after_working_days);
        let due_soon = !settled && !overdue && left <= i64::from(self.remind_before_working_days);
        Ok(Standing {
            working_days_left: left,
            overdue,
            overdue_working_days: u32::try_from(overdue_working_days).unwrap_or(u32::MAX),
            escalated,
            due_soon,
        })
    }

    /// The working days from `received` up to `today`: a question's age.
    pub fn age(&self, received: NaiveDate, today: NaiveDate) -> Result<u32, CalendarError> {
        Self::age_with(&mut self.calendar.working_days(), received, today)
    }

    /// [`Self::age`] with working days from `days`, for many questions in a row.
    pub fn age_with(
        days: &mut WorkingDays<'_>,
        received: NaiveDate,
        today: NaiveDate,
    ) -> Result<u32, CalendarError> {
        let count = days.between(received, today)?;
        Ok(u32::try_from(count.max(0)).unwrap_or(u32::MAX))
    }
}

/// Where a question stands against its due date on a given day.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Standing {
    /// Working days from today to the due date; negative once past it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub working_days_left: i64,
    /// Past its due date and not answered.
    pub overdue: bool,
    /// How many working days past its due date, when overdue (0 otherwise; a question due on a
    /// Friday is overdue on the Saturday but 0 working days late).
    pub overdue_working_days: u32,
    /// Overdue for at least the policy's escalation delay: the leaders see it.
    pub escalated: bool,
    /// Not overdue, but due within the policy's reminder window.
    pub due_soon: bool,
}

/// One task of the standard preparation checklist, relative to the dialogue's day.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TaskTemplate {
    /// What it is for.
    pub kind: TaskKind,
    /// What to do, in Vietnamese as filed.
    pub title: &'static str,
    /// The body responsible.
    pub body: CoordinatingBody,
    /// Days from the dialogue's day to the due date: negative before, positive after.
    pub offset_days: i64,
}

/// The preparation checklist of a dialogue, as the guidance on dialogues between heads of Party
/// committees and authorities and citizens lays it out: the plan three months ahead, the
/// petitions gathered by the Fatherland Front, a public notice at least 7 days ahead, the hall
/// and order on the day, and the results published within 10 days after.
pub const STANDARD_CHECKLIST: &[TaskTemplate] = &[
    TaskTemplate {
        kind: TaskKind::Plan,
        title: "Ban hành kế hoạch tổ chức đối thoại",
        body: CoordinatingBody::PartyOffice,
        offset_days: -90,
    },
    TaskTemplate {
        kind: TaskKind::Gather,
        title: "Tổng hợp ý kiến, kiến nghị của Nhân dân gửi trước hội nghị",
        body: CoordinatingBody::FatherlandFront,
        offset_days: -10,
    },
    TaskTemplate {
        kind: TaskKind::Notice,
        title: "Thông báo công khai thời gian, địa điểm, nội dung đối thoại",
        body: CoordinatingBody::PeoplesCommitteeOffice,
        offset_days: -7,
    },
    TaskTemplate {
        kind: TaskKind::Publicity,
        title: "Tuyên truyền, vận động Nhân dân tham dự",
        body: CoordinatingBody::MassMobilization,
        offset_days: -7,
    },
    TaskTemplate {
        kind: TaskKind::Materials,
        title: "Chuẩn bị báo cáo, tài liệu trả lời các kiến nghị đã tổng hợp",
        body: CoordinatingBody::PeoplesCommitteeOffice,
        offset_days: -3,
    },
    TaskTemplate {
        kind: TaskKind::Security,
        title: "Phương án bảo đảm an ninh, trật tự hội nghị",
        body: CoordinatingBody::Police,
        offset_days: -3,
    },
    TaskTemplate {
        kind: TaskKind::Venue,
        title: "Chuẩn bị hội trường, âm thanh, đón tiếp Nhân dân",
        body: CoordinatingBody::HostLocality,
        offset_days: -1,
    },
    TaskTemplate {
        kind: TaskKind::Results,
        title: "Thông báo kết quả đối thoại, công khai việc giải quyết kiến nghị",
        body: CoordinatingBody::PartyOffice,
        offset_days: 10,
    },
];

/// The standard checklist's tasks for a dialogue held on `held_on`, with the given fresh ids.
pub fn standard_checklist(
    dialogue: DialogueId,
    held_on: NaiveDate,
    mut fresh_id: impl FnMut() -> DialogueTaskId,
) -> Vec<DialogueTask> {
    STANDARD_CHECKLIST
        .iter()
        .map(|template| DialogueTask {
            id: fresh_id(),
            dialogue,
            kind: template.kind,
            title: template.title.to_owned(),
            body: template.body,
            due_on: shift(held_on, template.offset_days),
            done_on: None,
            note: String::new(),
        })
        .collect()
}

fn shift(date: NaiveDate, days: i64) -> NaiveDate {
    let magnitude = Days::new(days.unsigned_abs());
    let shifted = if days < 0 {
        date.checked_sub_days(magnitude)
    } else {
        date.checked_add_days(magnitude)
    };
    shifted.unwrap_or(date)
}

/// What was typed for a preparation task.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TaskInput {
    /// What it is for.
    pub kind: TaskKind,
    /// What to do.
    pub title: String,
    /// The body responsible.
    pub body: CoordinatingBody,
    /// The day it is due.
    pub due_on: NaiveDate,
    /// The day it was done, once done.
    pub done_on: Option<NaiveDate>,
    /// A note.
    pub note: String,
}

/// Validates a task: a title, a due date from 2000 to five years after `today`, and a done date
/// no later than `today`.
pub fn task(
    id: DialogueTaskId,
    dialogue: DialogueId,
    input: &TaskInput,
    today: NaiveDate,
) -> Result<DialogueTask, ValidationErrors> {
    let mut problems = Vec::new();
    let title = validate::text("title", &input.title, TextRule::LINE)
        .map_err(|e| problems.push(e))
        .ok();
    let note = validate::text("note", &input.note, TextRule::NOTE)
        .map_err(|e| problems.push(e))
        .ok();
    let latest_due = shift(today, 5 * 366);
    if input.due_on < validate::earliest_date() || input.due_on > latest_due {
        problems.push(ValidationError::new(
            "due_on",
            Problem::OutOfRange {
                allowed: format!("from {} to {latest_due}", validate::earliest_date()),
            },
        ));
    }
    if let Some(done) = input.done_on
        && (done < validate::earliest_date() || done > today)
    {
        problems.push(ValidationError::new(
            "done_on",
            Problem::OutOfRange {
                allowed: format!("from {} to {today}", validate::earliest_date()),
            },
        ));
    }
    match (title, note) {
        (Some(title), Some(note)) if problems.is_empty() => Ok(DialogueTask {
            id,
            dialogue,
            kind: input.kind,
            title,
            body: input.body,
            due_on: input.due_on,
            done_on: input.done_on,
            note,
        }),
        _ => Err(ValidationErrors(problems)),
    }
}

/// Where a task or milestone stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum TaskState {
    /// Done by its due date.
    Done,
    /// Done, after its due date.
    DoneLate,
    /// Not done; due in more than 7 days.
    Upcoming,
    /// Not done; due within 7 days.
    DueSoon,
    /// Not done and past its due date.
    Overdue,
}

/// Where a task stands on `today`.
pub fn task_state(due_on: NaiveDate, done_on: Option<NaiveDate>, today: NaiveDate) -> TaskState {
    match done_on {
        Some(done) if done <= due_on => TaskState::Done,
        Some(_) => TaskState::DoneLate,
        None if today > due_on => TaskState::Overdue,
        None if shift(today, 7) >= due_on => TaskState::DueSoon,
        None => TaskState::Upcoming,
    }
}

/// One step of a dialogue's life on its timeline.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum MilestoneKind {
    /// The plan issued, three to four months ahead.
    PlanIssued,
    /// The public notice, at least 7 days ahead.
    PublicNotice,
    /// The dialogue itself.
    Held,
    /// The results published, within 10 days after.
    ResultsPublished,
}

/// A step of a dialogue's timeline with its latest date and where it stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Milestone {
    /// Which step.
    pub kind: MilestoneKind,
    /// The latest day it should happen.
    pub due_on: NaiveDate,
    /// The day it happened, once it has.
    pub done_on: Option<NaiveDate>,
    /// Where it stands.
    pub state: TaskState,
}

/// The days before the dialogue by which the plan should be issued.
pub const PLAN_DAYS_AHEAD: i64 = 90;
/// The days before the dialogue by which it must be announced.
pub const NOTICE_DAYS_AHEAD: i64 = 7;
/// The days after the dialogue within which its results must be published.
pub const RESULTS_DAYS_AFTER: i64 = 10;

/// A dialogue's timeline on `today`: plan, notice, the day itself, results.
///
/// The plan counts as issued on the dialogue's `plan_issued_on`, or else when its plan task is
/// done; the notice and results when their tasks are done; the dialogue as held once `held`.
pub fn timeline(
    held_on: NaiveDate,
    plan_issued_on: Option<NaiveDate>,
    held: bool,
    tasks: &[DialogueTask],
    today: NaiveDate,
) -> Vec<Milestone> {
    let done = |kind: TaskKind| {
        tasks
            .iter()
            .filter(|t| t.kind == kind)
            .filter_map(|t| t.done_on)
            .min()
    };
    let milestone = |kind, due_on, done_on| Milestone {
        kind,
        due_on,
        done_on,
        state: task_state(due_on, done_on, today),
    };
    vec![
        milestone(
            MilestoneKind::PlanIssued,
            shift(held_on, -PLAN_DAYS_AHEAD),
            plan_issued_on.or_else(|| done(TaskKind::Plan)),
        ),
        milestone(
            MilestoneKind::PublicNotice,
            shift(held_on, -NOTICE_DAYS_AHEAD),
            done(TaskKind::Notice),
        ),
        milestone(MilestoneKind::Held, held_on, held.then_some(held_on)),
        milestone(
            MilestoneKind::ResultsPublished,
            shift(held_on, RESULTS_DAYS_AFTER),
            done(TaskKind::Results),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn policy() -> FollowUpPolicy {
        FollowUpPolicy::default()
    }

    #[test]
    fn the_default_due_date_is_fifteen_working_days_on() {
        // Monday 2 November 2026 + 15 working days, no holiday between: Monday 23 November.
        assert_eq!(
            policy().default_due_date(d(2026, 11, 2)),
            Ok(d(2026, 11, 23))
        );
    }

    #[test]
    fn a_due_date_across_tet_skips_the_break() {
        // Tết 2026 is 17 February; the official break runs 14–22 February.
        // Thursday 12 February + 3 working days: Friday 13, then Monday 23, Tuesday 24.
        assert_eq!(
            policy().calendar.add_working_days(d(2026, 2, 12), 3),
            Ok(d(2026, 2, 24))
        );
        let standing = policy()
            .standing(d(2026, 2, 13), d(2026, 2, 23), false)
            .expect("in range");
        assert!(standing.overdue);
        // Overdue since the 13th but only one working day late: the break does not count.
        assert_eq!(standing.overdue_working_days, 1);
        assert!(!standing.escalated);
    }

    #[test]
    fn standing_before_on_and_after_the_due_date() {
        let p = policy();
        let due = d(2026, 11, 20); // a Friday
        let before = p.standing(due, d(2026, 11, 18), false).expect("in range");
        assert_eq!(before.working_days_left, 2);
        assert!(before.due_soon && !before.overdue);
        let far = p.standing(due, d(2026, 11, 2), false).expect("in range");
        assert!(!far.due_soon && !far.overdue);
        let on = p.standing(due, due, false).expect("in range");
        assert!(on.due_soon && !on.overdue);
        // The Saturday after: overdue, 0 working days late.
        let saturday = p.standing(due, d(2026, 11, 21), false).expect("in range");
        assert!(saturday.overdue && !saturday.due_soon);
        assert_eq!(saturday.overdue_working_days, 0);
        // Five working days late (Friday 27th): escalated under the default policy.
        let late = p.standing(due, d(2026, 11, 27), false).expect("in range");
        assert_eq!(late.overdue_working_days, 5);
        assert!(late.escalated);
        let four = p.standing(due, d(2026, 11, 26), false).expect("in range");
        assert!(four.overdue && !four.escalated);
        // Once answered nothing is overdue or due.
        let settled = p.standing(due, d(2026, 11, 27), true).expect("in range");
        assert!(!settled.overdue && !settled.escalated && !settled.due_soon);
    }

    #[test]
    fn the_escalation_delay_is_the_policy_s() {
        let p = FollowUpPolicy {
            escalate_after_working_days: 0,
            ..policy()
        };
        let due = d(2026, 11, 20);
        assert!(
            p.standing(due, d(2026, 11, 21), false)
                .expect("in range")
                .escalated
        );
    }

    #[test]
    fn age_counts_working_days_since_receipt() {
        let p = policy();
        assert_eq!(p.age(d(2026, 11, 20), d(2026, 11, 20)), Ok(0));
        assert_eq!(p.age(d(2026, 11, 20), d(2026, 11, 23)), Ok(1));
        // National Day 2026 falls on Wednesday 2 September, with Thursday the 3rd by the rules:
        // from Friday 28 August to Friday 4 September only Monday 31, Tuesday 1 and Friday 4
        // count.
        assert_eq!(p.age(d(2026, 8, 28), d(2026, 9, 4)), Ok(3));
        assert_eq!(p.age(d(2026, 11, 23), d(2026, 11, 20)), Ok(0));
    }

    #[test]
    fn a_policy_out_of_bounds_names_every_field() {
        let p = FollowUpPolicy {
            answer_working_days: 0,
            escalate_after_working_days: 61,
            remind_before_working_days: 21,
            ..policy()
        };
        let errors = p.check().expect_err("out of bounds");
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "answer_working_days",
                "escalate_after_working_days",
                "remind_before_working_days"
            ]
        );
        assert!(policy().check().is_ok());
    }

    #[test]
    fn a_policy_round_trips_through_json_with_its_calendar() {
        let p = policy();
        let json = serde_json::to_string(&p).expect("serialises");
        let back: FollowUpPolicy = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, p);
        assert!(back.calendar.year(2026).is_some());
    }

    #[test]
    fn the_standard_checklist_is_dated_from_the_dialogue() {
        let dialogue = DialogueId::from_uuid(Uuid::from_u128(1));
        let mut n = 0;
        let tasks = standard_checklist(dialogue, d(2026, 12, 15), || {
            n += 1;
            DialogueTaskId::from_uuid(Uuid::from_u128(n))
        });
        assert_eq!(tasks.len(), STANDARD_CHECKLIST.len());
        let due = |kind| {
            tasks
                .iter()
                .find(|t| t.kind == kind)
                .map(|t| t.due_on)
                .expect("task present")
        };
        assert_eq!(due(TaskKind::Plan), d(2026, 9, 16));
        assert_eq!(due(TaskKind::Notice), d(2026, 12, 8));
        assert_eq!(due(TaskKind::Results), d(2026, 12, 25));
        assert_eq!(due(TaskKind::Security), d(2026, 12, 12));
        // Every coordinating body has a task.
        for body in CoordinatingBody::ALL {
            assert!(tasks.iter().any(|t| t.body == *body), "{body} has no task");
        }
        let ids: std::collections::BTreeSet<_> = tasks.iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), tasks.len());
    }

    #[test]
    fn the_timeline_follows_the_plan_date_and_the_tasks() {
        let dialogue = DialogueId::from_uuid(Uuid::from_u128(1));
        let mut n = 0;
        let mut tasks = standard_checklist(dialogue, d(2026, 12, 15), || {
            n += 1;
            DialogueTaskId::from_uuid(Uuid::from_u128(n))
        });
        let today = d(2026, 12, 10);
        let before = timeline(d(2026, 12, 15), Some(d(2026, 10, 1)), false, &tasks, today);
        let state = |m: &[Milestone], kind| {
            m.iter()
                .find(|x| x.kind == kind)
                .map(|x| x.state)
                .expect("milestone")
        };
        // Plan issued 1 October for 15 December: later than 90 days ahead.
        assert_eq!(
            state(&before, MilestoneKind::PlanIssued),
            TaskState::DoneLate
        );
        assert_eq!(
            state(&before, MilestoneKind::PublicNotice),
            TaskState::Overdue
        );
        assert_eq!(state(&before, MilestoneKind::Held), TaskState::DueSoon);
        assert_eq!(
            state(&before, MilestoneKind::ResultsPublished),
            TaskState::Upcoming
        );
        for task in &mut tasks {
            if task.kind == TaskKind::Notice {
                task.done_on = Some(d(2026, 12, 1));
            }
        }
        let after = timeline(d(2026, 12, 15), None, true, &tasks, d(2026, 12, 26));
        assert_eq!(state(&after, MilestoneKind::PlanIssued), TaskState::Overdue);
        assert_eq!(state(&after, MilestoneKind::PublicNotice), TaskState::Done);
        assert_eq!(state(&after, MilestoneKind::Held), TaskState::Done);
        assert_eq!(
            state(&after, MilestoneKind::ResultsPublished),
            TaskState::Overdue
        );
    }

    #[test]
    fn a_task_needs_a_title_and_sane_dates() {
        let dialogue = DialogueId::from_uuid(Uuid::from_u128(1));
        let id = DialogueTaskId::from_uuid(Uuid::from_u128(2));
        let today = d(2026, 11, 27);
        let input = TaskInput {
            kind: TaskKind::Other,
            title: "  Mời đại biểu HĐND  ".to_owned(),
            body: CoordinatingBody::PeoplesCommitteeOffice,
            due_on: d(2026, 12, 1),
            done_on: None,
            note: String::new(),
        };
        let ok = task(id, dialogue, &input, today).expect("valid");
        assert_eq!(ok.title, "Mời đại biểu HĐND");
        let bad = TaskInput {
            title: " ".to_owned(),
            due_on: d(1999, 1, 1),
            done_on: Some(d(2026, 11, 28)),
            ..input
        };
        let errors = task(id, dialogue, &bad, today).expect_err("invalid");
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "due_on", "done_on"]);
    }
}
