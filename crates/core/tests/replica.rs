//! The replica through its public API, on a real SQLite file.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use townhall_core::{
    CaptureInput, Clock, DeviceIdentity, ManualClock, OnSiteAnswerInput, Page, QuestionFilter,
    QuestionSort, Replica, ReplicaError,
};
use townhall_domain::validate::{
    AnswerInput, AssignmentInput, CitizenInput, DialogueInput, QuestionInput,
};
use townhall_domain::{
    AgencyId, AnswerMode, Citizen, DeviceId, DeviceLetter, DialogueId, Level, QuestionId,
    QuestionKind, QuestionStatus, Role, UserId,
};

struct Fixture {
    _dir: tempfile::TempDir,
    replica: Replica,
    clock: Arc<ManualClock>,
    dialogue: DialogueId,
    identity: DeviceIdentity,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap()
}

fn identity(role: Role) -> DeviceIdentity {
    DeviceIdentity {
        device: DeviceId::generate(1_700_000_000_000, [4; 10]),
        user: UserId::generate(1_700_000_000_000, [5; 10]),
        role,
        letter: DeviceLetter::for_index(1).unwrap(),
        jurisdiction: None,
        agency: None,
    }
}

/// A secretariat replica with one commune and one dialogue.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(start(), 1));
    let mut replica = Replica::open(&dir.path().join("replica.sqlite3"), clock.clone()).unwrap();
    let identity = identity(Role::Secretariat);
    replica.set_identity(&identity).unwrap();
    let commune = replica
        .upsert_locality(None, "Xã Bắc Bình", Level::Commune, None)
        .unwrap();
    let dialogue = replica
        .create_dialogue(&DialogueInput {
            title: "Đối thoại với Nhân dân xã Bắc Bình".to_owned(),
            level: Level::Commune,
            locality: commune,
            audience: "Nhân dân xã".to_owned(),
            venue: "Hội trường UBND xã".to_owned(),
            starts_at: start() + Duration::days(1),
            hosts: "Bí thư Đảng ủy xã".to_owned(),
            coordinating_bodies: String::new(),
            plan_issued_on: None,
            attendee_count: None,
        })
        .unwrap();
    Fixture {
        _dir: dir,
        replica,
        clock,
        dialogue,
        identity,
    }
}

fn question(content: &str) -> QuestionInput {
    QuestionInput {
        kind: Some(QuestionKind::Petition),
        content: content.to_owned(),
        ..Default::default()
    }
}

impl Fixture {
    fn capture(&mut self, content: &str) -> QuestionId {
        let input = CaptureInput {
            dialogue: self.dialogue,
            question: question(content),
            answered_on_site: None,
        };
        self.replica.capture(&input).unwrap().id
    }

    fn agency(&self, name: &str) -> AgencyId {
        self.replica
            .agencies(false)
            .unwrap()
            .into_iter()
            .find(|a| a.name == name)
            .unwrap()
            .id
    }

    fn status(&self, id: QuestionId) -> QuestionStatus {
        self.replica.question(id).unwrap().question.status
    }

    fn count_questions(&self) -> u64 {
        let filter = QuestionFilter {
            include_merged: true,
            ..Default::default()
        };
        self.replica
            .questions(&filter, QuestionSort::Newest, Page::first(1))
            .unwrap()
            .total
    }

    /// Sets this device's role (same device), as an enrolment for another role would.
    fn act_as(&mut self, role: Role, agency: Option<AgencyId>) {
        let identity = DeviceIdentity {
            role,
            agency,
            ..self.identity.clone()
        };
        self.replica.set_identity(&identity).unwrap();
    }
}

#[test]
fn capture_numbers_saves_and_queues_each_question() {
    let mut f = fixture();
    let outbox_before = f.replica.outbox_len().unwrap();
    let mut numbers = Vec::new();
    for content in [
        "Đường liên thôn bị hư hỏng",
        "Xin cấp giấy chứng nhận",
        "Ngập úng khi mưa lớn",
    ] {
        let input = CaptureInput {
            dialogue: f.dialogue,
            question: question(content),
            answered_on_site: None,
        };
        numbers.push(f.replica.capture(&input).unwrap().number.to_string());
    }
    assert_eq!(numbers, ["B-001", "B-002", "B-003"]);
    assert_eq!(f.replica.outbox_len().unwrap(), outbox_before + 3);
    let entries = f.replica.outbox(outbox_before, 10).unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|e| e.mutation.change.kind())
            .collect::<Vec<_>>(),
        ["capture_question"; 3]
    );
    assert!(
        entries
            .windows(2)
            .all(|w| w[0].seq < w[1].seq && w[0].mutation.hlc < w[1].mutation.hlc)
    );
}

#[test]
fn an_on_site_answer_is_saved_with_its_question() {
    let mut f = fixture();
    let input = CaptureInput {
        dialogue: f.dialogue,
        question: question("Khi nào sửa cầu Đông Hải?"),
        answered_on_site: Some(OnSiteAnswerInput {
            answered_by: "Chủ tịch UBND xã".to_owned(),
            summary: "Quý I năm 2027 khởi công".to_owned(),
        }),
    };
    let captured = f.replica.capture(&input).unwrap();
    let detail = f.replica.question(captured.id).unwrap();
    assert_eq!(detail.question.status, QuestionStatus::AnsweredOnSite);
    assert_eq!(detail.answers.len(), 1);
    assert_eq!(detail.answers[0].body.mode, AnswerMode::OnSite);
    assert_eq!(detail.answers[0].body.content, "Quý I năm 2027 khởi công");
    let events: Vec<_> = detail
        .status_events
        .iter()
        .map(|e| (e.from, e.to))
        .collect();
    assert_eq!(
        events,
        [(QuestionStatus::Received, QuestionStatus::AnsweredOnSite)]
    );
}

#[test]
fn bad_input_is_refused_with_every_problem_and_stores_nothing() {
    let mut f = fixture();
    f.capture("Câu hỏi đầu tiên");
    let (outbox, questions) = (f.replica.outbox_len().unwrap(), f.count_questions());
    let input = CaptureInput {
        dialogue: f.dialogue,
        question: QuestionInput {
            kind: None,
            content: "x".repeat(10_001),
            citizen: CitizenInput {
                name: Some("An\u{0}".to_owned()),
                phone: Some("12345".to_owned()),
                ..Default::default()
            },
            ..Default::default()
        },
        answered_on_site: None,
    };
    let err = f.replica.capture(&input).unwrap_err();
    assert_eq!(err.code(), "invalid");
    let ReplicaError::Invalid(errors) = &err else {
        panic!("{err:?}")
    };
    let fields: Vec<_> = errors
        .0
        .iter()
        .map(|e| (e.field.as_str(), e.problem.code()))
        .collect();
    assert_eq!(
        fields,
        [
            ("kind", "required"),
            ("content", "too_long"),
            ("citizen.name", "control_character"),
            ("citizen.phone", "invalid_phone")
        ]
    );
    // With the question itself wrong too, every problem of the form comes back at once, the
    // on-site answer's named as the form names them.
    let with_answer = CaptureInput {
        dialogue: f.dialogue,
        question: question(""),
        answered_on_site: Some(OnSiteAnswerInput {
            answered_by: String::new(),
            summary: " ".to_owned(),
        }),
    };
    let ReplicaError::Invalid(errors) = f.replica.capture(&with_answer).unwrap_err() else {
        panic!("an invalid capture")
    };
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "content",
            "answered_on_site.answered_by",
            "answered_on_site.summary"
        ]
    );
    let unknown = CaptureInput {
        dialogue: DialogueId::generate(1, [1; 10]),
        question: question("Hỏi"),
        answered_on_site: None,
    };
    assert_eq!(f.replica.capture(&unknown).unwrap_err().code(), "not_found");
    assert_eq!(
        (f.replica.outbox_len().unwrap(), f.count_questions()),
        (outbox, questions)
    );
    // The counter did not move either: the next number follows the last saved one.
    let next = CaptureInput {
        dialogue: f.dialogue,
        question: question("Hỏi tiếp"),
        answered_on_site: None,
    };
    assert_eq!(
        f.replica.capture(&next).unwrap().number.to_string(),
        "B-002"
    );
}

#[test]
fn an_unenrolled_device_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(start(), 1));
    let mut replica = Replica::open(&dir.path().join("r.sqlite3"), clock).unwrap();
    let err = replica.upsert_topic(None, "Điện lực", false).unwrap_err();
    assert_eq!(err.code(), "not_enrolled");
    assert!(replica.identity().unwrap().is_none());
}

#[test]
fn a_device_is_enrolled_once() {
    let mut f = fixture();
    let other = DeviceIdentity {
        device: DeviceId::generate(1, [9; 10]),
        ..f.identity.clone()
    };
    assert_eq!(
        f.replica.set_identity(&other).unwrap_err().code(),
        "conflict"
    );
    assert_eq!(
        f.replica.identity().unwrap().unwrap().device,
        f.identity.device
    );
}

#[test]
fn a_petition_goes_from_capture_to_resolution() {
    let mut f = fixture();
    let q = f.capture("Đề nghị nạo vét kênh mương thôn 3");
    let agency = f.agency("Sở Nông nghiệp và Môi trường");
    let today = f.clock.today();
    f.replica
        .change_status(
            q,
            QuestionStatus::NeedsWrittenAnswer,
            "Cần trả lời bằng văn bản",
        )
        .unwrap();
    let input = AssignmentInput {
        agency,
        due_on: today + Duration::days(15),
        instructions: "Trả lời trước hạn".to_owned(),
    };
    f.replica.assign(q, &input).unwrap();
    assert_eq!(f.status(q), QuestionStatus::Assigned);

    f.act_as(Role::Agency, Some(agency));
    let answer = AnswerInput {
        mode: AnswerMode::Written,
        answered_by: "Sở Nông nghiệp và Môi trường".to_owned(),
        agency: Some(agency),
        content: "Đã bố trí kinh phí nạo vét trong quý I".to_owned(),
        document_number: Some("125/SNNMT-TL".to_owned()),
        document_date: Some(today),
    };
    f.replica.add_answer(q, &answer).unwrap();
    assert_eq!(f.status(q), QuestionStatus::Answered);
    f.replica
        .change_status(q, QuestionStatus::Resolved, "")
        .unwrap();

    f.act_as(Role::Leader, None);
    f.replica
        .change_status(q, QuestionStatus::Reopened, "Công dân chưa đồng ý")
        .unwrap();
    let detail = f.replica.question(q).unwrap();
    assert_eq!(detail.next_statuses, [QuestionStatus::Assigned]);
    let path: Vec<_> = detail.status_events.iter().map(|e| e.to.as_str()).collect();
    assert_eq!(
        path,
        [
            "needs_written_answer",
            "assigned",
            "answered",
            "resolved",
            "reopened"
        ]
    );
    assert_eq!(detail.status_events[2].role, Role::Agency);
    assert_eq!(detail.assignments.len(), 1);
    assert_eq!(
        detail.answers[0].body.document.as_ref().unwrap().number,
        "125/SNNMT-TL"
    );
}

#[test]
fn refused_changes_name_the_state_and_store_nothing() {
    let mut f = fixture();
    let q = f.capture("Hỏi về chế độ trợ cấp");
    let agency = f.agency("Sở Y tế");
    f.act_as(Role::Recorder, None);
    let outbox = f.replica.outbox_len().unwrap();
    let input = AssignmentInput {
        agency,
        due_on: f.clock.today() + Duration::days(10),
        instructions: String::new(),
    };
    let err = f.replica.assign(q, &input).unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert_eq!(err.to_string(), "a recorder may not assign a question");
    let err = f
        .replica
        .change_status(q, QuestionStatus::Resolved, "")
        .unwrap_err();
    assert_eq!(err.code(), "status_not_allowed");
    assert!(
        err.to_string()
            .starts_with("the question is `received` and cannot move to `resolved`"),
        "{err}"
    );
    assert_eq!(f.replica.outbox_len().unwrap(), outbox);
    assert_eq!(f.status(q), QuestionStatus::Received);
    assert!(f.replica.question(q).unwrap().assignments.is_empty());
}

#[test]
fn assign_many_is_all_or_nothing() {
    let mut f = fixture();
    let a = f.capture("Câu hỏi A");
    let b = f.capture("Câu hỏi B");
    f.replica.merge_duplicate(b, a).unwrap();
    let agency = f.agency("Sở Xây dựng");
    let input = AssignmentInput {
        agency,
        due_on: f.clock.today() + Duration::days(10),
        instructions: String::new(),
    };
    let err = f.replica.assign_many(&[a, b], &input).unwrap_err();
    assert_eq!(err.code(), "status_not_allowed", "{err}");
    assert_eq!(
        f.status(a),
        QuestionStatus::Received,
        "the first assignment was rolled back"
    );
    assert_eq!(f.replica.assign_many(&[a], &input).unwrap().len(), 1);
}

#[test]
fn overdue_is_derived_from_the_due_date() {
    let mut f = fixture();
    let q = f.capture("Đường ĐT 766 xuống cấp");
    let other = f.capture("Hỏi về học phí");
    let agency = f.agency("Sở Xây dựng");
    let due_on = f.clock.today() + Duration::days(5);
    f.replica
        .assign(
            q,
            &AssignmentInput {
                agency,
                due_on,
                instructions: String::new(),
            },
        )
        .unwrap();
    let overdue = QuestionFilter {
        overdue: true,
        ..Default::default()
    };
    assert_eq!(
        f.replica
            .questions(&overdue, QuestionSort::DueDate, Page::first(10))
            .unwrap()
            .total,
        0
    );

    f.clock.set(start() + Duration::days(7));
    let list = f
        .replica
        .questions(&overdue, QuestionSort::DueDate, Page::first(10))
        .unwrap();
    assert_eq!(list.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [q]);
    assert!(list.rows[0].overdue);
    assert_eq!(list.rows[0].agency_name.as_deref(), Some("Sở XD"));
    let by_agency = QuestionFilter {
        agency: Some(agency),
        ..Default::default()
    };
    assert_eq!(
        f.replica
            .questions(&by_agency, QuestionSort::Newest, Page::first(10))
            .unwrap()
            .total,
        1
    );
    assert!(!f.replica.question(other).unwrap().question.overdue);
    assert_eq!(f.replica.dialogues().unwrap()[0].overdue, 1);
}

#[test]
fn lists_filter_sort_page_and_count() {
    let mut f = fixture();
    let ids: Vec<_> = (1..=7)
        .map(|i| f.capture(&format!("Câu hỏi số {i}")))
        .collect();
    f.replica
        .change_status(ids[0], QuestionStatus::NeedsWrittenAnswer, "")
        .unwrap();
    f.replica
        .change_status(ids[1], QuestionStatus::NeedsWrittenAnswer, "")
        .unwrap();
    f.replica.merge_duplicate(ids[2], ids[3]).unwrap();
    let all = QuestionFilter::default();
    let page = f
        .replica
        .questions(
            &all,
            QuestionSort::Number,
            Page {
                offset: 2,
                limit: 2,
            },
        )
        .unwrap();
    assert_eq!(page.total, 6, "merged duplicates are hidden by default");
    assert_eq!(
        page.rows
            .iter()
            .map(|r| r.number.as_str())
            .collect::<Vec<_>>(),
        ["B-004", "B-005"]
    );
    let newest = f
        .replica
        .questions(&all, QuestionSort::Newest, Page::first(1))
        .unwrap();
    assert_eq!(newest.rows[0].number, "B-007");
    let counts: Vec<_> = page
        .by_status
        .iter()
        .map(|c| (c.status.as_str(), c.count))
        .collect();
    assert_eq!(counts, [("needs_written_answer", 2), ("received", 4)]);
    let filtered = QuestionFilter {
        statuses: vec![QuestionStatus::NeedsWrittenAnswer],
        ..Default::default()
    };
    let list = f
        .replica
        .questions(&filtered, QuestionSort::Number, Page::first(10))
        .unwrap();
    assert_eq!(list.total, 2);
    assert_eq!(list.by_status.len(), 2, "counts ignore the status filter");
    let merged = QuestionFilter {
        statuses: vec![QuestionStatus::Merged],
        ..Default::default()
    };
    let list = f
        .replica
        .questions(&merged, QuestionSort::Number, Page::first(10))
        .unwrap();
    assert_eq!(list.rows[0].merged_into, Some(ids[3]));
}

#[test]
fn merging_a_question_into_itself_or_a_duplicate_is_refused() {
    let mut f = fixture();
    let a = f.capture("A");
    let b = f.capture("B");
    let c = f.capture("C");
    assert_eq!(
        f.replica.merge_duplicate(a, a).unwrap_err().code(),
        "conflict"
    );
    f.replica.merge_duplicate(b, a).unwrap();
    assert_eq!(
        f.replica.merge_duplicate(c, b).unwrap_err().code(),
        "conflict"
    );
    assert_eq!(f.status(c), QuestionStatus::Received);
}

#[test]
fn edits_keep_the_old_value_in_history_and_reindex() {
    let mut f = fixture();
    let q = f.capture("Đường vào thôn Hàm Thuận bị ngập");
    let mut input = question("Cầu tạm ở thôn Hàm Thuận bị sập");
    input.citizen = CitizenInput {
        name: Some("Trần Thị Bích".to_owned()),
        phone: Some("0912 345 678".to_owned()),
        ..Default::default()
    };
    f.replica.edit_question(q, &input).unwrap();
    let detail = f.replica.question(q).unwrap();
    assert_eq!(detail.question.content, "Cầu tạm ở thôn Hàm Thuận bị sập");
    let Some(Citizen::Named { name, phone, .. }) = &detail.question.citizen else {
        panic!()
    };
    assert_eq!(
        (name.as_str(), phone.as_ref().unwrap().as_str()),
        ("Trần Thị Bích", "0912345678")
    );
    let groups: Vec<_> = detail
        .history
        .iter()
        .map(|h| (h.field_group.as_str(), h.reason.as_str(), h.concurrent))
        .collect();
    assert_eq!(
        groups,
        [
            ("text", "superseded", false),
            ("citizen", "superseded", false)
        ]
    );
    assert_eq!(
        detail.history[0].value["content"],
        "Đường vào thôn Hàm Thuận bị ngập"
    );
    assert!(!detail.question.conflict);
    let none = QuestionFilter::default();
    assert!(f.replica.search("ngap", &none, 10).unwrap().is_empty());
    assert_eq!(f.replica.search("cau tam", &none, 10).unwrap().len(), 1);
    assert_eq!(
        f.replica.search("tran thi bich", &none, 10).unwrap().len(),
        1,
        "citizen names are searchable"
    );
    // Saving the same values again records nothing.
    let outbox = f.replica.outbox_len().unwrap();
    f.replica.edit_question(q, &input).unwrap();
    assert_eq!(f.replica.outbox_len().unwrap(), outbox);
}

#[test]
fn a_batch_of_thousands_is_searchable_when_it_returns() {
    let mut f = fixture();
    let mut inputs: Vec<CaptureInput> = (0..2_499)
        .map(|_| CaptureInput {
            dialogue: f.dialogue,
            question: question("Đường thôn hư hỏng sau mùa mưa"),
            answered_on_site: None,
        })
        .collect();
    inputs.push(CaptureInput {
        dialogue: f.dialogue,
        question: question("Giếng nước nhiễm phèn"),
        answered_on_site: None,
    });
    let captured = f.replica.capture_all(&inputs).unwrap();
    let none = QuestionFilter::default();
    let hits = f.replica.search("gieng nuoc", &none, 10).unwrap();
    assert_eq!(
        hits.iter().map(|h| h.row.id).collect::<Vec<_>>(),
        [captured.last().unwrap().id]
    );
    assert_eq!(f.replica.search("mua mua", &none, 10).unwrap().len(), 10);
}

#[test]
fn a_lost_or_damaged_search_index_is_rebuilt_from_the_questions() {
    let mut f = fixture();
    let path = f._dir.path().join("replica.sqlite3");
    let index = f._dir.path().join("replica.sqlite3-search");
    let flooded = f.capture("Đường vào thôn Hàm Thuận bị ngập");
    let bridge = f.capture("Cầu tạm ở thôn Hàm Thuận bị sập");
    let none = QuestionFilter::default();
    let found = |replica: &Replica, query: &str| -> Vec<QuestionId> {
        let mut ids: Vec<QuestionId> = replica
            .search(query, &none, 10)
            .unwrap()
            .into_iter()
            .map(|hit| hit.row.id)
            .collect();
        ids.sort();
        ids
    };
    let mut both = vec![flooded, bridge];
    both.sort();
    assert_eq!(found(&f.replica, "ham thuan"), both);
    assert!(index.exists(), "the index is a file beside the replica");

    // Deleted while the app was closed.
    drop(f.replica);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", index.display()));
    }
    let replica = Replica::open(&path, f.clock.clone()).unwrap();
    assert_eq!(found(&replica, "ham thuan"), both);
    assert_eq!(found(&replica, "ngap"), [flooded]);

    // Overwritten with something that is not a database.
    drop(replica);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", index.display()));
    }
    std::fs::write(&index, b"not a database, but a page of something else").unwrap();
    let mut replica = Replica::open(&path, f.clock.clone()).unwrap();
    assert_eq!(found(&replica, "sap"), [bridge]);
    // The replica goes on as before, and what it writes next is found too.
    let input = CaptureInput {
        dialogue: f.dialogue,
        question: question("Học phí năm học mới tăng cao"),
        answered_on_site: None,
    };
    let fees = replica.capture(&input).unwrap().id;
    assert_eq!(found(&replica, "hoc phi"), [fees]);

    // A power cut undid the index's last commits (it is not synced at each one), after the
    // replica had cleared the entries those commits covered.
    drop(replica);
    {
        let index = rusqlite::Connection::open(&index).unwrap();
        index
            .execute_batch(
                "INSERT INTO question_search (question_search) VALUES ('delete-all');
                 UPDATE index_state SET through = 0;",
            )
            .unwrap();
    }
    let replica = Replica::open(&path, f.clock.clone()).unwrap();
    assert_eq!(found(&replica, "ham thuan"), both);
    assert_eq!(found(&replica, "hoc phi"), [fees]);

    // The replica is put back from an older copy, beside an index of the newer one.
    drop(replica);
    let copy = f._dir.path().join("copy.sqlite3");
    std::fs::copy(&path, &copy).unwrap();
    let mut replica = Replica::open(&path, f.clock.clone()).unwrap();
    let input = CaptureInput {
        dialogue: f.dialogue,
        question: question("Chợ xã xuống cấp, mái tôn bị tốc"),
        answered_on_site: None,
    };
    let market = replica.capture(&input).unwrap().id;
    assert_eq!(found(&replica, "cho xa"), [market]);
    drop(replica);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    std::fs::copy(&copy, &path).unwrap();
    let mut replica = Replica::open(&path, f.clock.clone()).unwrap();
    assert!(
        found(&replica, "cho xa").is_empty(),
        "the newer copy's question is gone from the search too"
    );
    let input = CaptureInput {
        dialogue: f.dialogue,
        question: question("Đèn đường thôn Hàm Thuận không sáng"),
        answered_on_site: None,
    };
    let lights = replica.capture(&input).unwrap().id;
    assert_eq!(found(&replica, "den duong"), [lights]);
}

#[test]
fn search_ignores_case_and_diacritics_and_ranks() {
    let mut f = fixture();
    let a = f.capture("Nhân dân xã Bắc Bình kiến nghị sửa đường liên xã");
    let b =
        f.capture("BAC BINH: đề nghị cấp nước sạch. Bắc Bình thiếu nước, Bắc Bình cần trạm bơm");
    let c = f.capture("Hỏi về học phí ở Hàm Thắng");
    let none = QuestionFilter::default();
    let ids = |q: &str| {
        let mut ids: Vec<_> = f
            .replica
            .search(q, &none, 10)
            .unwrap()
            .into_iter()
            .map(|h| h.row.id)
            .collect();
        ids.sort();
        ids
    };
    let mut ab = vec![a, b];
    ab.sort();
    assert_eq!(ids("bac binh"), ab);
    assert_eq!(ids("Bắc Bình"), ab);
    assert_eq!(ids("BAC BINH"), ab);
    assert_eq!(ids("đường"), vec![a]);
    assert_eq!(ids("duong"), vec![a]);
    assert_eq!(ids("ham thang hoc"), vec![c]);
    assert_eq!(ids("B-003"), vec![c], "display numbers are searchable");
    assert!(ids("d").contains(&a), "d finds đ");
    let ranked = f.replica.search("bắc bình", &none, 10).unwrap();
    assert_eq!(ranked[0].row.id, b, "more mentions rank higher");
    let hit = &ranked[0].snippet;
    let chars: Vec<char> = hit.text.chars().collect();
    let marked: Vec<String> = hit
        .highlights
        .iter()
        .map(|(s, e)| chars[*s..*e].iter().collect())
        .collect();
    assert!(
        marked.iter().any(|m| m == "Bắc") && marked.iter().any(|m| m == "BAC"),
        "{marked:?}"
    );
    for garbage in [
        "",
        "\"",
        "*",
        "AND",
        "OR NOT",
        "(",
        "NEAR(",
        "-",
        ":",
        "😀",
        "' OR 1=1 --",
    ] {
        assert!(f.replica.search(garbage, &none, 10).is_ok(), "{garbage:?}");
    }
    let other_dialogue = QuestionFilter {
        dialogue: Some(DialogueId::generate(1, [3; 10])),
        ..Default::default()
    };
    assert!(
        f.replica
            .search("bac binh", &other_dialogue, 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn hostile_text_is_stored_verbatim() {
    let mut f = fixture();
    let hostile =
        "<script>alert(1)</script><img src=x onerror=alert(2)> '; DROP TABLE questions; --";
    let q = f.capture(hostile);
    assert_eq!(f.replica.question(q).unwrap().question.content, hostile);
    assert_eq!(
        f.replica
            .search("script alert", &QuestionFilter::default(), 5)
            .unwrap()[0]
            .row
            .id,
        q
    );
}

#[test]
fn citizen_details_follow_the_role() {
    let mut f = fixture();
    let input = CaptureInput {
        dialogue: f.dialogue,
        question: QuestionInput {
            kind: Some(QuestionKind::Question),
            content: "Hỏi về sổ đỏ".to_owned(),
            citizen: CitizenInput {
                name: Some("Lê Văn Hùng".to_owned()),
                ..Default::default()
            },
            ..Default::default()
        },
        answered_on_site: None,
    };
    let q = f.replica.capture(&input).unwrap().id;
    let agency = f.agency("Sở Tư pháp");
    let other = f.agency("Sở Y tế");
    f.act_as(Role::Agency, Some(other));
    assert_eq!(
        f.replica.question(q).unwrap().question.citizen,
        None,
        "not assigned to this agency"
    );
    f.act_as(Role::Secretariat, None);
    let due_on = f.clock.today() + Duration::days(3);
    f.replica
        .assign(
            q,
            &AssignmentInput {
                agency,
                due_on,
                instructions: String::new(),
            },
        )
        .unwrap();
    f.act_as(Role::Agency, Some(agency));
    assert!(matches!(
        f.replica.question(q).unwrap().question.citizen,
        Some(Citizen::Named { .. })
    ));
}

#[test]
fn reference_data_is_seeded_in_vietnamese_and_editable() {
    let mut f = fixture();
    let topics = f.replica.topics(false).unwrap();
    let names: Vec<_> = topics.iter().map(|t| t.name.as_str()).collect();
    for expected in [
        "Đất đai",
        "Môi trường",
        "Giao thông",
        "An sinh xã hội",
        "Y tế",
        "Giáo dục",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let agencies: Vec<_> = f
        .replica
        .agencies(false)
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert!(agencies.iter().any(|a| a == "Sở Tài nguyên và Môi trường"));
    assert!(agencies.iter().any(|a| a == "Sở Giao thông vận tải"));
    let land = topics.iter().find(|t| t.name == "Đất đai").unwrap().id;
    f.replica
        .upsert_topic(Some(land), "Đất đai – nhà ở", false)
        .unwrap();
    let new = f.replica.upsert_topic(None, "Điện lực", false).unwrap();
    f.replica.upsert_topic(Some(new), "Điện lực", true).unwrap();
    let topics = f.replica.topics(false).unwrap();
    assert!(
        topics
            .iter()
            .any(|t| t.id == land && t.name == "Đất đai – nhà ở")
    );
    assert!(
        !topics.iter().any(|t| t.id == new),
        "archived topics are hidden from pickers"
    );
    assert!(f.replica.topics(true).unwrap().iter().any(|t| t.id == new));
    assert_eq!(
        f.replica
            .upsert_topic(None, "  ", false)
            .unwrap_err()
            .code(),
        "invalid"
    );
}

#[test]
fn a_replica_reopens_with_everything_and_continues_numbering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.sqlite3");
    let clock = Arc::new(ManualClock::new(start(), 1));
    let mut f = fixture();
    // Reuse the fixture's setup, on a file we control.
    drop(std::mem::replace(
        &mut f.replica,
        Replica::open(&path, clock.clone()).unwrap(),
    ));
    f.replica.set_identity(&f.identity).unwrap();
    let commune = f
        .replica
        .upsert_locality(None, "Phường Hàm Thắng", Level::Commune, None)
        .unwrap();
    let mut input = DialogueInput {
        title: "Đối thoại".to_owned(),
        level: Level::Commune,
        locality: commune,
        audience: String::new(),
        venue: String::new(),
        starts_at: start(),
        hosts: String::new(),
        coordinating_bodies: String::new(),
        plan_issued_on: Some(NaiveDate::from_ymd_opt(2026, 8, 1).unwrap()),
        attendee_count: Some(280),
    };
    f.dialogue = f.replica.create_dialogue(&input).unwrap();
    let q = f.capture("Trước khi tắt máy");
    input.title = "Đối thoại với Nhân dân phường Hàm Thắng".to_owned();
    f.replica.edit_dialogue(f.dialogue, &input).unwrap();
    drop(f.replica);
    let mut replica = Replica::open(&path, clock).unwrap();
    assert_eq!(replica.question(q).unwrap().question.number, "B-001");
    assert_eq!(
        replica.dialogues().unwrap()[0].dialogue.details.title,
        "Đối thoại với Nhân dân phường Hàm Thắng"
    );
    let next = CaptureInput {
        dialogue: f.dialogue,
        question: question("Sau khi mở lại"),
        answered_on_site: None,
    };
    assert_eq!(replica.capture(&next).unwrap().number.to_string(), "B-002");
    let entries = replica.outbox(0, 100).unwrap();
    assert!(
        entries
            .windows(2)
            .all(|w| w[0].mutation.hlc < w[1].mutation.hlc),
        "the clock survived the restart"
    );
}

#[test]
fn every_write_refuses_bad_input_with_a_code_and_changes_nothing() {
    let mut f = fixture();
    let q = f.capture("Câu hỏi có sẵn");
    let today = f.clock.today();
    let agency = f.agency("Sở Y tế");
    let nobody = QuestionId::generate(1, [7; 10]);
    let bad_dialogue = DialogueInput {
        title: " ".to_owned(),
        level: Level::Commune,
        locality: townhall_domain::LocalityId::generate(1, [7; 10]),
        audience: String::new(),
        venue: String::new(),
        starts_at: start(),
        hosts: String::new(),
        coordinating_bodies: String::new(),
        plan_issued_on: None,
        attendee_count: None,
    };
    let good_dialogue = DialogueInput {
        title: "Đối thoại".to_owned(),
        ..bad_dialogue.clone()
    };
    let written = |content: &str| AnswerInput {
        mode: AnswerMode::Written,
        answered_by: "Sở Y tế".to_owned(),
        agency: Some(agency),
        content: content.to_owned(),
        document_number: Some("1/SYT".to_owned()),
        document_date: Some(today),
    };
    let terms = AssignmentInput {
        agency,
        due_on: today + Duration::days(5),
        instructions: String::new(),
    };
    let before = (
        f.replica.outbox_len().unwrap(),
        f.count_questions(),
        f.replica.question(q).unwrap(),
    );
    let attempts: Vec<(&str, ReplicaError)> = vec![
        (
            "invalid",
            f.replica.create_dialogue(&bad_dialogue).unwrap_err(),
        ),
        (
            "not_found",
            f.replica
                .edit_dialogue(DialogueId::generate(1, [7; 10]), &good_dialogue)
                .unwrap_err(),
        ),
        (
            "not_found",
            f.replica
                .set_dialogue_status(
                    DialogueId::generate(1, [7; 10]),
                    townhall_domain::DialogueStatus::Open,
                )
                .unwrap_err(),
        ),
        (
            "not_found",
            f.replica.edit_question(nobody, &question("x")).unwrap_err(),
        ),
        (
            "invalid",
            f.replica.edit_question(q, &question("\u{7}")).unwrap_err(),
        ),
        (
            "invalid",
            f.replica.add_answer(q, &written("")).unwrap_err(),
        ),
        (
            "not_found",
            f.replica
                .add_answer(nobody, &written("Trả lời"))
                .unwrap_err(),
        ),
        (
            "not_found",
            f.replica
                .edit_answer(
                    townhall_domain::AnswerId::generate(1, [7; 10]),
                    &written("x"),
                )
                .unwrap_err(),
        ),
        (
            "not_found",
            f.replica
                .assign(
                    q,
                    &AssignmentInput {
                        agency: AgencyId::generate(1, [7; 10]),
                        ..terms.clone()
                    },
                )
                .unwrap_err(),
        ),
        (
            "invalid",
            f.replica
                .assign(
                    q,
                    &AssignmentInput {
                        due_on: today - Duration::days(1),
                        ..terms.clone()
                    },
                )
                .unwrap_err(),
        ),
        (
            "not_found",
            f.replica
                .edit_assignment(townhall_domain::AssignmentId::generate(1, [7; 10]), &terms)
                .unwrap_err(),
        ),
        (
            "invalid",
            f.replica
                .change_status(q, QuestionStatus::NeedsWrittenAnswer, "\u{1b}")
                .unwrap_err(),
        ),
        (
            "not_found",
            f.replica.merge_duplicate(q, nobody).unwrap_err(),
        ),
        (
            "invalid",
            f.replica.upsert_agency(None, "", "", false).unwrap_err(),
        ),
        (
            "not_found",
            f.replica
                .upsert_locality(
                    None,
                    "Thôn 1",
                    Level::Commune,
                    Some(townhall_domain::LocalityId::generate(1, [7; 10])),
                )
                .unwrap_err(),
        ),
    ];
    for (i, (code, err)) in attempts.iter().enumerate() {
        assert_eq!(err.code(), *code, "attempt {i}: {err}");
        assert!(!err.to_string().is_empty());
    }
    let after = (
        f.replica.outbox_len().unwrap(),
        f.count_questions(),
        f.replica.question(q).unwrap(),
    );
    assert_eq!(after, before, "a refused write changed something");
}
