//! Follow-up on a real replica file: deadlines in working days, escalation, reminders,
//! reopened and repeated petitions, and dialogue checklists.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use townhall_core::app::{AppSettings, Language};
use townhall_core::{
    CaptureInput, DeviceIdentity, ManualClock, Page, QuestionFilter, QuestionSort, Replica,
    ReplicaError,
};
use townhall_domain::followup::{FollowUpPolicy, MilestoneKind, TaskInput, TaskState};
use townhall_domain::validate::{AnswerInput, AssignmentInput, DialogueInput, QuestionInput};
use townhall_domain::{
    AgencyId, AnswerMode, CoordinatingBody, DeviceId, DeviceLetter, DialogueId, Level, LocalityId,
    QuestionId, QuestionKind, QuestionStatus, Role, TaskKind, UserId,
};

struct Fixture {
    _dir: tempfile::TempDir,
    replica: Replica,
    clock: Arc<ManualClock>,
    commune: LocalityId,
    dialogue: DialogueId,
    identity: DeviceIdentity,
}

/// Monday 2 November 2026, 09:00 in Vietnam.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(start(), 1));
    let mut replica = Replica::open(&dir.path().join("replica.sqlite3"), clock.clone()).unwrap();
    let identity = DeviceIdentity {
        device: DeviceId::generate(1_700_000_000_000, [4; 10]),
        user: UserId::generate(1_700_000_000_000, [5; 10]),
        role: Role::Secretariat,
        letter: DeviceLetter::for_index(1).unwrap(),
        jurisdiction: None,
        agency: None,
    };
    replica.set_identity(&identity).unwrap();
    let commune = replica
        .upsert_locality(None, "Xã Bắc Bình", Level::Commune, None)
        .unwrap();
    let mut f = Fixture {
        _dir: dir,
        replica,
        clock,
        commune,
        dialogue: DialogueId::from_uuid(uuid::Uuid::nil()),
        identity,
    };
    f.dialogue = f.dialogue_on(start() + Duration::days(1), "Đối thoại năm 2026");
    f
}

impl Fixture {
    fn dialogue_on(&mut self, starts_at: DateTime<Utc>, title: &str) -> DialogueId {
        self.replica
            .create_dialogue(&DialogueInput {
                title: title.to_owned(),
                level: Level::Commune,
                locality: self.commune,
                audience: "Nhân dân xã".to_owned(),
                venue: "Hội trường UBND xã".to_owned(),
                starts_at,
                hosts: "Bí thư Đảng ủy xã".to_owned(),
                coordinating_bodies: String::new(),
                plan_issued_on: None,
                attendee_count: None,
            })
            .unwrap()
    }

    fn capture_at(&mut self, dialogue: DialogueId, content: &str) -> QuestionId {
        let input = CaptureInput {
            dialogue,
            question: QuestionInput {
                kind: Some(QuestionKind::Petition),
                content: content.to_owned(),
                ..Default::default()
            },
            answered_on_site: None,
        };
        self.replica.capture(&input).unwrap().id
    }

    fn agency(&self, index: usize) -> AgencyId {
        self.replica.agencies(false).unwrap()[index].id
    }

    fn assign(&mut self, question: QuestionId, agency: AgencyId, due_on: NaiveDate) {
        self.replica
            .assign(
                question,
                &AssignmentInput {
                    agency,
                    due_on,
                    instructions: String::new(),
                },
            )
            .unwrap();
    }

    fn act_as(&mut self, role: Role, agency: Option<AgencyId>) {
        let identity = DeviceIdentity {
            role,
            agency,
            ..self.identity.clone()
        };
        self.replica.set_identity(&identity).unwrap();
    }

    /// Moves the clock to 09:00 in Vietnam on `day`.
    fn today_is(&self, day: NaiveDate) {
        let at = Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).unwrap());
        self.clock.set(at);
    }

    fn answer_in_writing(&mut self, question: QuestionId, agency: AgencyId) {
        self.act_as(Role::Agency, Some(agency));
        self.replica
            .add_answer(
                question,
                &AnswerInput {
                    mode: AnswerMode::Written,
                    answered_by: "Sở Nông nghiệp và Môi trường".to_owned(),
                    agency: Some(agency),
                    content: "Đã kiểm tra và trả lời".to_owned(),
                    document_number: Some("125/STNMT-QLĐĐ".to_owned()),
                    document_date: Some(self.clock_today()),
                },
            )
            .unwrap();
        self.act_as(Role::Secretariat, None);
    }

    fn clock_today(&self) -> NaiveDate {
        use townhall_core::Clock;
        self.clock.today()
    }
}

#[test]
fn the_default_due_date_counts_the_policy_s_working_days() {
    let f = fixture();
    // Monday 2 November + 15 working days.
    assert_eq!(f.replica.default_due_date().unwrap(), d(2026, 11, 23));
    // Across Tết 2026 (break 14–22 February): Thursday 12 February + 15 working days.
    f.today_is(d(2026, 2, 12));
    assert_eq!(f.replica.default_due_date().unwrap(), d(2026, 3, 12));
}

#[test]
fn only_an_administrator_sets_the_policy_and_it_changes_the_arithmetic() {
    let mut f = fixture();
    let policy = FollowUpPolicy {
        answer_working_days: 10,
        escalate_after_working_days: 2,
        ..FollowUpPolicy::default()
    };
    let refused = f.replica.set_policy(&policy).unwrap_err();
    assert_eq!(refused.code(), "forbidden", "{refused}");
    assert_eq!(f.replica.policy().unwrap(), FollowUpPolicy::default());
    f.act_as(Role::Admin, None);
    let outbox = f.replica.outbox_len().unwrap();
    f.replica.set_policy(&policy).unwrap();
    assert_eq!(
        f.replica.outbox_len().unwrap(),
        outbox + 1,
        "the policy syncs"
    );
    assert_eq!(f.replica.policy().unwrap(), policy);
    assert_eq!(f.replica.default_due_date().unwrap(), d(2026, 11, 16));
    let bad = FollowUpPolicy {
        answer_working_days: 0,
        ..policy.clone()
    };
    let err = f.replica.set_policy(&bad).unwrap_err();
    assert!(matches!(err, ReplicaError::Invalid(_)), "{err}");
    assert_eq!(f.replica.policy().unwrap(), policy, "nothing stored");
}

#[test]
fn rows_show_age_standing_and_escalation_in_working_days() {
    let mut f = fixture();
    let sở = f.agency(0);
    let late = f.capture_at(f.dialogue, "Đường liên thôn bị hư hỏng nặng");
    let soon = f.capture_at(f.dialogue, "Ngập úng khi mưa lớn ở thôn 3");
    let later = f.capture_at(f.dialogue, "Xin cấp giấy chứng nhận quyền sử dụng đất");
    f.assign(late, sở, d(2026, 11, 6)); // Friday
    f.assign(soon, sở, d(2026, 11, 17));
    f.assign(later, sở, d(2026, 12, 30));
    // Monday 16 November: `late` is 6 working days overdue (9, 10, 11, 12, 13, 16).
    f.today_is(d(2026, 11, 16));
    let rows = f
        .replica
        .questions(
            &QuestionFilter::default(),
            QuestionSort::DueDate,
            Page::first(10),
        )
        .unwrap()
        .rows;
    let row = |id| rows.iter().find(|r| r.id == id).unwrap();
    let s = row(late).standing.unwrap();
    assert!(s.overdue && s.escalated);
    assert_eq!(s.overdue_working_days, 6);
    assert_eq!(row(late).age_working_days, 10);
    let s = row(soon).standing.unwrap();
    assert!(s.due_soon && !s.overdue);
    assert_eq!(s.working_days_left, 1);
    let s = row(later).standing.unwrap();
    assert!(!s.due_soon && !s.overdue);
    // The escalated filter finds exactly the escalated one.
    let escalated = f
        .replica
        .questions(
            &QuestionFilter {
                escalated: true,
                ..Default::default()
            },
            QuestionSort::DueDate,
            Page::first(10),
        )
        .unwrap();
    assert_eq!(
        escalated.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        [late]
    );
    // On Friday 13th it is 5 working days overdue: escalated too; Thursday 12th: 4, not yet.
    for (day, expected) in [(d(2026, 11, 12), 0), (d(2026, 11, 13), 1)] {
        f.today_is(day);
        let n = f
            .replica
            .questions(
                &QuestionFilter {
                    escalated: true,
                    ..Default::default()
                },
                QuestionSort::DueDate,
                Page::first(10),
            )
            .unwrap()
            .total;
        assert_eq!(n, expected, "on {day}");
    }
}

#[test]
fn follow_up_is_what_waits_on_each_role() {
    let mut f = fixture();
    let first = f.agency(0);
    let second = f.agency(1);
    let a = f.capture_at(f.dialogue, "Đường liên thôn bị hư hỏng nặng");
    let b = f.capture_at(f.dialogue, "Ngập úng khi mưa lớn ở thôn 3");
    let c = f.capture_at(f.dialogue, "Xin cấp giấy chứng nhận");
    let done = f.capture_at(f.dialogue, "Trường học xuống cấp");
    f.assign(a, first, d(2026, 11, 6));
    f.assign(b, second, d(2026, 11, 12));
    f.assign(c, first, d(2026, 12, 30));
    f.assign(done, first, d(2026, 11, 6));
    f.answer_in_writing(done, first);
    f.today_is(d(2026, 11, 11));
    let all = f.replica.follow_up().unwrap();
    assert_eq!((all.overdue, all.escalated, all.due_soon), (1, 0, 1));
    assert_eq!(
        all.questions.iter().map(|r| r.id).collect::<Vec<_>>(),
        [a, b]
    );
    f.act_as(Role::Agency, Some(second));
    let theirs = f.replica.follow_up().unwrap();
    assert_eq!(
        theirs.questions.iter().map(|r| r.id).collect::<Vec<_>>(),
        [b]
    );
    assert_eq!((theirs.overdue, theirs.due_soon), (0, 1));
    f.act_as(Role::Recorder, None);
    assert!(f.replica.follow_up().unwrap().questions.is_empty());
    f.act_as(Role::Leader, None);
    // 18 November: `a` is 8 working days overdue, `b` 4 (13, 16, 17, 18).
    f.today_is(d(2026, 11, 18));
    let leader = f.replica.follow_up().unwrap();
    assert_eq!((leader.overdue, leader.escalated), (2, 1));
    assert_eq!(leader.questions[0].id, a, "escalated first");
}

#[test]
fn reminders_come_once_a_day_in_the_user_s_language() {
    let mut f = fixture();
    let sở = f.agency(0);
    let a = f.capture_at(f.dialogue, "Đường liên thôn bị hư hỏng nặng");
    f.assign(a, sở, d(2026, 11, 4));
    f.today_is(d(2026, 11, 3));
    let first = f.replica.take_reminders().unwrap();
    assert_eq!(first.len(), 1);
    assert!(first[0].title.contains("B-001") && first[0].title.contains("sắp đến hạn"));
    assert_eq!(first[0].question, Some(a));
    assert!(f.replica.take_reminders().unwrap().is_empty(), "once a day");
    // The next day it is due today: reminded again. After, overdue: a new reminder the same day.
    f.today_is(d(2026, 11, 4));
    assert_eq!(f.replica.take_reminders().unwrap().len(), 1);
    f.today_is(d(2026, 11, 5));
    f.replica
        .set_settings(&AppSettings {
            language: Language::En,
            reminders: true,
        })
        .unwrap();
    let overdue = f.replica.take_reminders().unwrap();
    assert_eq!(overdue[0].title, "B-001 is past its due date");
    f.today_is(d(2026, 11, 6));
    f.replica
        .set_settings(&AppSettings {
            language: Language::En,
            reminders: false,
        })
        .unwrap();
    assert!(
        f.replica.take_reminders().unwrap().is_empty(),
        "switched off"
    );
}

#[test]
fn a_reopened_petition_goes_back_with_a_new_due_date_and_every_round_shows() {
    let mut f = fixture();
    let sở = f.agency(0);
    let q = f.capture_at(f.dialogue, "Đường liên thôn bị hư hỏng nặng");
    f.assign(q, sở, d(2026, 11, 10));
    f.today_is(d(2026, 11, 12));
    f.answer_in_writing(q, sở);
    // A note is required: the reason the citizen was not satisfied.
    let err = f
        .replica
        .reopen(
            q,
            "  ",
            &AssignmentInput {
                agency: sở,
                due_on: d(2026, 11, 30),
                instructions: String::new(),
            },
        )
        .unwrap_err();
    assert!(matches!(err, ReplicaError::Invalid(_)), "{err}");
    assert_eq!(
        f.replica.question(q).unwrap().question.status,
        QuestionStatus::Answered
    );
    f.replica
        .reopen(
            q,
            "Công dân chưa đồng ý với kết quả",
            &AssignmentInput {
                agency: sở,
                due_on: d(2026, 11, 30),
                instructions: "Kiểm tra lại hiện trạng".to_owned(),
            },
        )
        .unwrap();
    let detail = f.replica.question(q).unwrap();
    assert_eq!(detail.question.status, QuestionStatus::Assigned);
    assert_eq!(detail.question.due_on, Some(d(2026, 11, 30)));
    assert_eq!(detail.rounds.len(), 2);
    assert_eq!(detail.rounds[0].answered_on, Some(d(2026, 11, 12)));
    assert_eq!(
        detail.rounds[0].on_time,
        Some(false),
        "answered after the 10th"
    );
    assert_eq!(detail.rounds[0].reopened_because, None);
    assert_eq!(
        detail.rounds[1].reopened_because.as_deref(),
        Some("Công dân chưa đồng ý với kết quả")
    );
    assert_eq!(detail.rounds[1].answered_on, None);
    f.today_is(d(2026, 11, 20));
    f.answer_in_writing(q, sở);
    let detail = f.replica.question(q).unwrap();
    assert_eq!(detail.rounds[1].on_time, Some(true));
    let statuses: Vec<_> = detail.status_events.iter().map(|e| e.to).collect();
    assert_eq!(
        statuses,
        [
            QuestionStatus::Assigned,
            QuestionStatus::Answered,
            QuestionStatus::Reopened,
            QuestionStatus::Assigned,
            QuestionStatus::Answered
        ]
    );
}

#[test]
fn a_petition_raised_again_is_found_and_linked_by_a_person() {
    let mut f = fixture();
    let earlier_dialogue = f.dialogue;
    let first = f.capture_at(
        earlier_dialogue,
        "Đề nghị sửa chữa tuyến đường liên thôn Bắc Bình đi Nam Bình bị hư hỏng",
    );
    f.today_is(d(2027, 11, 2));
    let second_dialogue = f.dialogue_on(
        Utc.with_ymd_and_hms(2027, 11, 3, 1, 0, 0).unwrap(),
        "Đối thoại năm 2027",
    );
    let same_night = f.capture_at(
        second_dialogue,
        "Đường liên thôn Bắc Bình Nam Bình vẫn hư hỏng",
    );
    let second = f.capture_at(
        second_dialogue,
        "Tuyến đường liên thôn Bac Binh di Nam Binh hu hong chua duoc sua chua",
    );
    // Candidates come from earlier dialogues only, found without diacritics.
    let candidates = f.replica.repeat_candidates(second, 5).unwrap();
    let ids: Vec<_> = candidates.iter().map(|h| h.row.id).collect();
    assert_eq!(
        ids,
        [first],
        "not the one from the same dialogue ({same_night})"
    );
    f.replica.link_repeat(second, Some(first)).unwrap();
    f.today_is(d(2028, 11, 2));
    let third_dialogue = f.dialogue_on(
        Utc.with_ymd_and_hms(2028, 11, 3, 1, 0, 0).unwrap(),
        "Đối thoại năm 2028",
    );
    let third = f.capture_at(
        third_dialogue,
        "Lại kiến nghị sửa đường liên thôn Bắc Bình – Nam Bình",
    );
    f.replica.link_repeat(third, Some(second)).unwrap();
    let chain = f.replica.question(second).unwrap().repeats;
    assert_eq!(
        chain.iter().map(|r| r.id).collect::<Vec<_>>(),
        [first, second, third],
        "raised three times"
    );
    assert!(
        chain.iter().all(|r| r.status != QuestionStatus::Resolved),
        "still unresolved"
    );
    assert_eq!(
        f.replica.question(third).unwrap().question.repeat_of,
        Some(second)
    );
    // A loop is refused; unlinking works.
    let err = f.replica.link_repeat(first, Some(third)).unwrap_err();
    assert!(matches!(err, ReplicaError::Conflict(_)), "{err}");
    f.replica.link_repeat(third, None).unwrap();
    assert_eq!(f.replica.question(first).unwrap().repeats.len(), 2);
    // Recorders do not link.
    f.act_as(Role::Recorder, None);
    assert_eq!(
        f.replica
            .link_repeat(third, Some(second))
            .unwrap_err()
            .code(),
        "forbidden"
    );
}

#[test]
fn a_dialogue_gets_its_checklist_and_timeline() {
    let mut f = fixture();
    // A dialogue on Tuesday 15 December 2026.
    let dialogue = f.dialogue_on(
        Utc.with_ymd_and_hms(2026, 12, 15, 1, 0, 0).unwrap(),
        "Đối thoại cuối năm",
    );
    let added = f.replica.add_standard_checklist(dialogue).unwrap();
    assert_eq!(
        added.len(),
        townhall_domain::followup::STANDARD_CHECKLIST.len()
    );
    assert!(
        f.replica
            .add_standard_checklist(dialogue)
            .unwrap()
            .is_empty(),
        "idempotent"
    );
    let plan = f.replica.dialogue_plan(dialogue).unwrap();
    assert_eq!(plan.tasks.len(), added.len());
    // The plan was due 90 days ahead (16 September): overdue on 2 November.
    let plan_task = plan
        .tasks
        .iter()
        .find(|t| t.task.kind == TaskKind::Plan)
        .unwrap();
    assert_eq!(plan_task.task.due_on, d(2026, 9, 16));
    assert_eq!(plan_task.state, TaskState::Overdue);
    let milestone = |plan: &townhall_core::followup::DialoguePlan, kind| {
        plan.milestones
            .iter()
            .find(|m| m.kind == kind)
            .copied()
            .unwrap()
    };
    assert_eq!(
        milestone(&plan, MilestoneKind::PublicNotice).due_on,
        d(2026, 12, 8)
    );
    assert_eq!(
        milestone(&plan, MilestoneKind::ResultsPublished).due_on,
        d(2026, 12, 25)
    );
    // Marking the plan done settles the milestone, late.
    let task = plan_task.task.clone();
    f.replica
        .edit_task(
            task.id,
            &TaskInput {
                kind: task.kind,
                title: task.title.clone(),
                body: task.body,
                due_on: task.due_on,
                done_on: Some(d(2026, 11, 2)),
                note: "Kế hoạch số 12-KH/ĐU".to_owned(),
            },
        )
        .unwrap();
    let plan = f.replica.dialogue_plan(dialogue).unwrap();
    assert_eq!(
        milestone(&plan, MilestoneKind::PlanIssued).state,
        TaskState::DoneLate
    );
    // The secretariat's follow-up lists the tasks due within a week; none is due yet but the
    // others are weeks away.
    let follow_up = f.replica.follow_up().unwrap();
    assert_eq!(follow_up.tasks_overdue, 0);
    // A custom task, and its validation.
    let id = f
        .replica
        .add_task(
            dialogue,
            &TaskInput {
                kind: TaskKind::Other,
                title: "Mời đại biểu HĐND tỉnh".to_owned(),
                body: CoordinatingBody::PeoplesCommitteeOffice,
                due_on: d(2026, 11, 1),
                done_on: None,
                note: String::new(),
            },
        )
        .unwrap();
    let follow_up = f.replica.follow_up().unwrap();
    assert_eq!(follow_up.tasks_overdue, 1);
    assert_eq!(follow_up.tasks[0].task.id, id);
    let err = f
        .replica
        .add_task(
            dialogue,
            &TaskInput {
                kind: TaskKind::Other,
                title: String::new(),
                body: CoordinatingBody::Police,
                due_on: d(2026, 11, 1),
                done_on: None,
                note: String::new(),
            },
        )
        .unwrap_err();
    assert!(matches!(err, ReplicaError::Invalid(_)), "{err}");
    f.act_as(Role::Recorder, None);
    assert_eq!(
        f.replica
            .add_standard_checklist(f.dialogue)
            .unwrap_err()
            .code(),
        "forbidden"
    );
}
