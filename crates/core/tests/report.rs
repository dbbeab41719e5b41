//! The compiled reports through the public API: a province with known numbers, every figure of
//! the computed report, and every export read back from its file (never compared as bytes).

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use townhall_core::report::{NamedCount, ReportAssignment};
use townhall_core::{
    CaptureInput, DeviceIdentity, ExportFormat, ExportOptions, ManualClock, OnSiteAnswerInput,
    Page, Period, Replica, ReportScope, Signer,
};
use townhall_domain::calendar::HolidayCalendar;
use townhall_domain::validate::{
    AnswerInput, AssignmentInput, CitizenInput, DialogueInput, QuestionInput,
};
use townhall_domain::{
    AgencyId, AnswerMode, DeviceId, DeviceLetter, DialogueId, Level, LocalityId, QuestionId,
    QuestionKind, QuestionSource, QuestionStatus, Role, TopicId, UserId,
};

/// The named citizen whose details must stay out of exports unless asked for.
const NAME: &str = "Nguyễn Văn An";
const PHONE: &str = "0912345678";
const HOME: &str = "Thôn Đông Hải";
/// Citizen text that a spreadsheet would run as a formula.
const FORMULA: &str = "=HYPERLINK(\"http://vi-du.example\",\"Bấm vào đây\"), đề nghị làm đường";

fn utc(month: u32, day: u32, hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, second)
        .unwrap()
}

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

/// A secretariat replica of a province with two communes, three dialogues and ten questions.
///
/// Quarter III of 2026 holds B-001…B-008 (B-005 a duplicate of B-001); B-009 was captured at
/// 23:30 UTC on 30 September, already 1 October in Vietnam, and B-010 in October.
struct Province {
    _dir: tempfile::TempDir,
    replica: Replica,
    clock: Arc<ManualClock>,
    identity: DeviceIdentity,
    bac_binh: LocalityId,
    dialogues: [DialogueId; 3],
    q: BTreeMap<u32, QuestionId>,
    nnmt: AgencyId,
    xd: AgencyId,
    yte: AgencyId,
}

impl Province {
    fn build() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(utc(7, 1, 2, 0, 0), 1));
        let mut replica =
            Replica::open(&dir.path().join("replica.sqlite3"), clock.clone()).unwrap();
        let identity = DeviceIdentity {
            device: DeviceId::generate(1_700_000_000_000, [4; 10]),
            user: UserId::generate(1_700_000_000_000, [5; 10]),
            role: Role::Secretariat,
            letter: DeviceLetter::for_index(1).unwrap(),
            jurisdiction: None,
            agency: None,
        };
        replica.set_identity(&identity).unwrap();
        let province = replica
            .upsert_locality(None, "Tỉnh Lâm Đồng", Level::Province, None)
            .unwrap();
        let bac_binh = replica
            .upsert_locality(None, "Xã Bắc Bình", Level::Commune, Some(province))
            .unwrap();
        let dong_hai = replica
            .upsert_locality(None, "Phường Đông Hải", Level::Commune, Some(province))
            .unwrap();
        let mut dialogue = |title: &str, locality, starts_at| {
            replica
                .create_dialogue(&DialogueInput {
                    title: title.to_owned(),
                    level: Level::Commune,
                    locality,
                    audience: "Nhân dân".to_owned(),
                    venue: "Hội trường".to_owned(),
                    starts_at,
                    hosts: "Bí thư, Chủ tịch".to_owned(),
                    coordinating_bodies: String::new(),
                    plan_issued_on: None,
                    attendee_count: Some(300),
                })
                .unwrap()
        };
        let dialogues = [
            dialogue(
                "Đối thoại với Nhân dân xã Bắc Bình",
                bac_binh,
                utc(7, 10, 1, 0, 0),
            ),
            dialogue(
                "Đối thoại với Nhân dân phường Đông Hải",
                dong_hai,
                utc(9, 30, 1, 0, 0),
            ),
            dialogue(
                "Đối thoại với thanh niên xã Bắc Bình",
                bac_binh,
                utc(10, 15, 1, 0, 0),
            ),
        ];
        let agency = |name: &str| {
            replica
                .agencies(false)
                .unwrap()
                .into_iter()
                .find(|a| a.name == name)
                .unwrap()
                .id
        };
        let (nnmt, xd, yte) = (
            agency("Sở Nông nghiệp và Môi trường"),
            agency("Sở Xây dựng"),
            agency("Sở Y tế"),
        );
        let mut p = Self {
            _dir: dir,
            replica,
            clock,
            identity,
            bac_binh,
            dialogues,
            q: BTreeMap::new(),
            nnmt,
            xd,
            yte,
        };
        p.fill();
        p
    }

    fn topic(&self, name: &str) -> TopicId {
        self.replica
            .topics(false)
            .unwrap()
            .into_iter()
            .find(|t| t.name == name)
            .unwrap()
            .id
    }

    /// Captures a question; it is then known by its counter (`B-007` is `q[&7]`).
    fn capture(
        &mut self,
        dialogue: usize,
        kind: QuestionKind,
        topic: Option<&str>,
        content: &str,
        citizen: CitizenInput,
        on_site: bool,
    ) {
        let input = CaptureInput {
            dialogue: self.dialogues[dialogue],
            question: QuestionInput {
                kind: Some(kind),
                source: Some(if topic.is_none() {
                    QuestionSource::OnPaper
                } else {
                    QuestionSource::InHall
                }),
                topic: topic.map(|t| self.topic(t)),
                content: content.to_owned(),
                citizen,
            },
            answered_on_site: on_site.then(|| OnSiteAnswerInput {
                answered_by: "Chủ tịch UBND xã".to_owned(),
                summary: "Đã giải thích tại hội nghị".to_owned(),
            }),
        };
        let captured = self.replica.capture(&input).unwrap();
        self.q.insert(captured.number.counter, captured.id);
    }

    fn assign(&mut self, n: u32, agency: AgencyId, due_on: NaiveDate) {
        let input = AssignmentInput {
            agency,
            due_on,
            instructions: "Trả lời bằng văn bản cho công dân".to_owned(),
        };
        self.replica.assign(self.q[&n], &input).unwrap();
    }

    fn answer_in_writing(&mut self, n: u32, number: &str, on: NaiveDate) {
        let input = AnswerInput {
            mode: AnswerMode::Written,
            answered_by: "Giám đốc Sở".to_owned(),
            agency: None,
            content: "Đã kiểm tra và trả lời công dân".to_owned(),
            document_number: Some(number.to_owned()),
            document_date: Some(on),
        };
        self.replica.add_answer(self.q[&n], &input).unwrap();
    }

    fn status(&mut self, n: u32, to: QuestionStatus) {
        self.replica.change_status(self.q[&n], to, "").unwrap();
    }

    fn at(&self, when: DateTime<Utc>) {
        self.clock.set(when);
    }

    fn fill(&mut self) {
        use QuestionKind::*;
        let anonymous = || CitizenInput {
            anonymous: true,
            ..Default::default()
        };
        self.at(utc(7, 10, 2, 0, 0));
        self.capture(
            0,
            Petition,
            Some("Đất đai"),
            "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình",
            CitizenInput {
                anonymous: false,
                name: Some(NAME.to_owned()),
                locality: Some(HOME.to_owned()),
                phone: Some(PHONE.to_owned()),
            },
            false,
        );
        self.capture(
            0,
            Question,
            Some("Giao thông"),
            "Khi nào sửa cầu Đông Hải?",
            anonymous(),
            true,
        );
        self.capture(
            0,
            Grievance,
            Some("Môi trường"),
            "Phản ánh trại heo gây ô nhiễm, mùi hôi \"không chịu nổi\"",
            CitizenInput {
                anonymous: false,
                name: Some("Trần Thị Bình".to_owned()),
                ..Default::default()
            },
            false,
        );
        self.capture(
            0,
            Proposal,
            Some("Xây dựng và đô thị"),
            FORMULA,
            anonymous(),
            false,
        );
        self.capture(
            0,
            Petition,
            Some("Đất đai"),
            "Xin cấp sổ đỏ (trùng ý kiến B-001)",
            anonymous(),
            false,
        );
        self.capture(
            0,
            Petition,
            None,
            "Đơn viết tay về chế độ chính sách",
            anonymous(),
            false,
        );
        self.capture(
            0,
            Question,
            Some("Y tế"),
            "Trạm y tế xã thiếu thuốc",
            anonymous(),
            true,
        );
        self.replica
            .merge_duplicate(self.q[&5], self.q[&1])
            .unwrap();
        // The leader's answer in the hall did not settle B-007: it goes on in writing.
        self.status(7, QuestionStatus::NeedsWrittenAnswer);

        // Monday 13 July: four assignments.
        self.at(utc(7, 13, 2, 0, 0));
        let (nnmt, xd, yte) = (self.nnmt, self.xd, self.yte);
        self.assign(1, nnmt, date(7, 24));
        self.assign(3, nnmt, date(7, 17));
        self.assign(4, xd, date(12, 31));
        self.assign(7, yte, date(7, 20));
        // Wednesday 15 July: Sở Y tế answers on time (2 working days) and it is resolved.
        self.at(utc(7, 15, 2, 0, 0));
        self.answer_in_writing(7, "88/SYT-KHTC", date(7, 15));
        self.status(7, QuestionStatus::Resolved);
        // Monday 20 July: Sở NN&MT answers B-001 on time (5 working days); resolved.
        self.at(utc(7, 20, 2, 0, 0));
        self.answer_in_writing(1, "125/SNNMT-QLĐĐ", date(7, 20));
        self.status(1, QuestionStatus::Resolved);
        // Wednesday 22 July: Sở NN&MT answers B-003 late (due 17 July; 7 working days).
        self.at(utc(7, 22, 2, 0, 0));
        self.answer_in_writing(3, "130/SNNMT-MT", date(7, 22));
        // Thursday 23 July: the answer does not settle it; reopened and given to Sở Xây dựng.
        self.at(utc(7, 23, 2, 0, 0));
        self.status(3, QuestionStatus::Reopened);
        self.assign(3, xd, date(7, 31));

        // 23:59:59 on 30 September in Vietnam: still quarter III.
        self.at(utc(9, 30, 16, 59, 59));
        self.capture(
            1,
            Question,
            Some("Đất đai"),
            "Quy hoạch khu dân cư mới",
            anonymous(),
            false,
        );
        // 23:30 UTC on 30 September is 06:30 on 1 October in Vietnam: quarter IV.
        self.at(utc(9, 30, 23, 30, 0));
        self.capture(
            1,
            Petition,
            Some("Giao thông"),
            "Đèn đường hỏng",
            anonymous(),
            false,
        );
        self.at(utc(10, 15, 2, 0, 0));
        self.capture(
            2,
            Question,
            Some("Y tế"),
            "Bảo hiểm y tế cho học sinh",
            anonymous(),
            false,
        );
        // Reports are read on Tuesday 20 October 2026.
        self.at(utc(10, 20, 2, 0, 0));
    }

    fn act_as(&mut self, role: Role, jurisdiction: Option<LocalityId>) {
        let identity = DeviceIdentity {
            role,
            jurisdiction,
            ..self.identity.clone()
        };
        self.replica.set_identity(&identity).unwrap();
    }

    fn dir(&self) -> &Path {
        self._dir.path()
    }
}

fn quarter_3() -> ReportScope {
    ReportScope {
        dialogue: None,
        period: Some(Period::quarter(2026, 3).unwrap()),
    }
}

fn options(format: ExportFormat, include_personal_data: bool) -> ExportOptions {
    ExportOptions {
        format,
        include_personal_data,
        superior_body: None,
        issuing_body: "Ủy ban nhân dân tỉnh Lâm Đồng".to_owned(),
        document_number: "125/BC-UBND".to_owned(),
        place: "Lâm Đồng".to_owned(),
        signer: Some(Signer {
            authority: Some("TM. Ủy ban nhân dân".to_owned()),
            title: "Chủ tịch".to_owned(),
            name: "Hồ Văn Mười".to_owned(),
        }),
        recipients: vec![
            "Thường trực Tỉnh ủy;".to_owned(),
            "Thường trực HĐND tỉnh;".to_owned(),
            "Lưu: VT.".to_owned(),
        ],
    }
}

fn names(counts: &[NamedCount]) -> Vec<(&str, u64)> {
    counts.iter().map(|c| (c.name.as_str(), c.count)).collect()
}

#[test]
fn the_quarter_report_has_every_figure() {
    let p = Province::build();
    let calendar = HolidayCalendar::official();
    let report = p.replica.report(&quarter_3(), &calendar).unwrap();
    let t = &report.totals;
    assert_eq!(report.scope_label, "Quý III năm 2026");
    assert_eq!(
        (report.from, report.to, report.as_of),
        (Some(date(7, 1)), Some(date(9, 30)), date(10, 20))
    );
    assert_eq!(
        [
            t.questions,
            t.merged,
            t.answered_on_site,
            t.answered_in_writing,
            t.not_answered,
            t.assigned,
            t.settled,
            t.overdue
        ],
        [7, 1, 1, 3, 3, 4, 3, 1]
    );
    assert_eq!(
        (t.on_site_share, t.in_writing_share, t.resolution_rate),
        (1.0 / 7.0, 3.0 / 7.0, 3.0 / 7.0)
    );
    let kinds: Vec<_> = report.by_kind.iter().map(|k| (k.kind, k.count)).collect();
    assert_eq!(
        kinds,
        [
            (QuestionKind::Question, 3),
            (QuestionKind::Petition, 2),
            (QuestionKind::Proposal, 1),
            (QuestionKind::Grievance, 1)
        ]
    );
    assert_eq!(
        names(&report.by_topic),
        [
            ("Đất đai", 2),
            ("Chưa phân loại", 1),
            ("Giao thông", 1),
            ("Môi trường", 1),
            ("Xây dựng và đô thị", 1),
            ("Y tế", 1)
        ]
    );
    assert_eq!(report.by_topic[1].id, None);
    assert_eq!(
        names(&report.by_locality),
        [("Xã Bắc Bình", 6), ("Phường Đông Hải", 1)]
    );
    assert_eq!(report.by_locality[0].share, 6.0 / 7.0);
    let statuses: Vec<_> = report
        .by_status
        .iter()
        .map(|s| (s.status, s.count))
        .collect();
    assert_eq!(
        statuses,
        [
            (QuestionStatus::Received, 2),
            (QuestionStatus::AnsweredOnSite, 1),
            (QuestionStatus::NeedsWrittenAnswer, 0),
            (QuestionStatus::Assigned, 2),
            (QuestionStatus::Answered, 0),
            (QuestionStatus::Resolved, 2),
            (QuestionStatus::Reopened, 0)
        ]
    );
    assert_eq!(names(&report.overdue_by_agency), [("Sở Xây dựng", 1)]);
    let dialogues: Vec<_> = report
        .dialogues
        .iter()
        .map(|d| (d.title.as_str(), d.held_on, d.questions))
        .collect();
    assert_eq!(
        dialogues,
        [
            ("Đối thoại với Nhân dân xã Bắc Bình", date(7, 10), 6),
            ("Đối thoại với Nhân dân phường Đông Hải", date(9, 30), 1)
        ]
    );
    // Every assignment counts for its agency: B-003 was answered late by Sở NN&MT, then
    // reopened and given to Sở Xây dựng, where it is overdue now.
    let cards: Vec<_> = report
        .scorecards
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                [
                    s.assigned,
                    s.answered,
                    s.answered_on_time,
                    s.answered_late,
                    s.overdue_now,
                    s.resolved,
                ],
                s.on_time_rate,
                s.median_working_days,
            )
        })
        .collect();
    assert_eq!(
        cards,
        [
            (
                "Sở Nông nghiệp và Môi trường",
                [2, 2, 1, 1, 0, 1],
                Some(0.5),
                Some(6.0)
            ),
            ("Sở Xây dựng", [2, 0, 0, 0, 1, 0], None, None),
            ("Sở Y tế", [1, 1, 1, 0, 0, 1], Some(1.0), Some(2.0)),
        ]
    );
    assert_eq!(
        p.replica
            .agency_scorecards(&quarter_3(), &calendar)
            .unwrap(),
        report.scorecards
    );
}

#[test]
fn a_question_belongs_to_the_day_in_vietnam_it_was_captured() {
    let p = Province::build();
    let calendar = HolidayCalendar::official();
    let count = |period: Period| {
        let scope = ReportScope {
            dialogue: Some(p.dialogues[1]),
            period: Some(period),
        };
        let numbers: Vec<String> = p
            .replica
            .report_questions(&scope, false, Page::first(50))
            .unwrap()
            .rows
            .into_iter()
            .map(|q| q.number)
            .collect();
        let total = p
            .replica
            .report(&scope, &calendar)
            .unwrap()
            .totals
            .questions;
        (numbers, total)
    };
    // B-008 at 16:59:59 UTC on 30 September is 23:59:59 in Vietnam: quarter III, September.
    // B-009 at 23:30 UTC on 30 September is 06:30 on 1 October in Vietnam: quarter IV, October.
    assert_eq!(
        count(Period::quarter(2026, 3).unwrap()),
        (vec!["B-008".to_owned()], 1)
    );
    assert_eq!(
        count(Period::month(2026, 9).unwrap()),
        (vec!["B-008".to_owned()], 1)
    );
    assert_eq!(
        count(Period::quarter(2026, 4).unwrap()),
        (vec!["B-009".to_owned()], 1)
    );
    assert_eq!(
        count(Period::month(2026, 10).unwrap()),
        (vec!["B-009".to_owned()], 1)
    );
    assert_eq!(
        count(Period::nine_months(2026).unwrap()),
        (vec!["B-008".to_owned()], 1)
    );
    assert_eq!(
        count(Period::second_half(2026).unwrap()).1,
        2,
        "both are in the second half"
    );
    assert_eq!(count(Period::first_half(2026).unwrap()).1, 0);
    let year = ReportScope {
        dialogue: None,
        period: Some(Period::year(2026).unwrap()),
    };
    let report = p.replica.report(&year, &calendar).unwrap();
    assert_eq!((report.totals.questions, report.totals.merged), (9, 1));
    assert_eq!(report.dialogues.len(), 3);
    // A dialogue on its own, with no period: all of its questions.
    let d1 = ReportScope {
        dialogue: Some(p.dialogues[0]),
        period: None,
    };
    let report = p.replica.report(&d1, &calendar).unwrap();
    assert_eq!(report.scope_label, "Đối thoại với Nhân dân xã Bắc Bình");
    assert_eq!((report.totals.questions, report.totals.merged), (6, 1));
}

#[test]
fn the_question_list_pages_with_answers_assignments_and_state() {
    let p = Province::build();
    let first = p
        .replica
        .report_questions(&quarter_3(), false, Page::first(4))
        .unwrap();
    let rest = p
        .replica
        .report_questions(
            &quarter_3(),
            false,
            Page {
                offset: 4,
                limit: 4,
            },
        )
        .unwrap();
    assert_eq!((first.total, rest.total), (7, 7));
    let numbers: Vec<_> = first
        .rows
        .iter()
        .chain(&rest.rows)
        .map(|q| q.number.as_str())
        .collect();
    assert_eq!(
        numbers,
        [
            "B-001", "B-002", "B-003", "B-004", "B-006", "B-007", "B-008"
        ]
    );
    let b003 = &first.rows[2];
    assert_eq!(
        (b003.status, b003.overdue),
        (QuestionStatus::Assigned, true)
    );
    assert_eq!(b003.citizen, None, "no personal data unless asked for");
    assert_eq!(
        b003.assignments,
        [
            ReportAssignment {
                agency_name: "Sở Nông nghiệp và Môi trường".to_owned(),
                assigned_on: date(7, 13),
                due_on: date(7, 17),
                answered_on: Some(date(7, 22)),
            },
            ReportAssignment {
                agency_name: "Sở Xây dựng".to_owned(),
                assigned_on: date(7, 23),
                due_on: date(7, 31),
                answered_on: None,
            },
        ]
    );
    let b007 = &rest.rows[1];
    let answers: Vec<_> = b007
        .answers
        .iter()
        .map(|a| (a.mode, a.document_number.as_deref(), a.answered_on))
        .collect();
    assert_eq!(
        answers,
        [
            (AnswerMode::OnSite, None, date(7, 10)),
            (AnswerMode::Written, Some("88/SYT-KHTC"), date(7, 15))
        ]
    );
}

/// A `.docx` read back: its paragraphs' text and its tables' cells.
struct Docx {
    document: String,
    styles: String,
}

impl Docx {
    fn open(path: &Path) -> Self {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let mut read = |name: &str| {
            let mut text = String::new();
            zip.by_name(name)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        };
        Self {
            document: read("word/document.xml"),
            styles: read("word/styles.xml"),
        }
    }

    fn text(&self) -> String {
        text_of(&self.document)
    }

    /// Every table: rows of cells' text.
    fn tables(&self) -> Vec<Vec<Vec<String>>> {
        between(&self.document, "<w:tbl>", "</w:tbl>")
            .into_iter()
            .map(|table| {
                between(table, "<w:tr>", "</w:tr>")
                    .into_iter()
                    .map(|row| {
                        between(row, "<w:tc>", "</w:tc>")
                            .into_iter()
                            .map(|cell| text_of(cell).trim_end().to_owned())
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }

    /// The table whose first header cell after "STT" is `dimension`.
    fn table(&self, dimension: &str) -> Vec<Vec<String>> {
        self.tables()
            .into_iter()
            .find(|t| t[0].get(1).map(String::as_str) == Some(dimension))
            .unwrap_or_else(|| panic!("no table of {dimension}"))
    }

    /// The paragraph's XML holding `text`.
    fn paragraph_xml(&self, text: &str) -> &str {
        between(&self.document, "<w:p>", "</w:p>")
            .into_iter()
            .find(|p| text_of(p).contains(text))
            .unwrap_or_else(|| panic!("no paragraph with {text}"))
    }
}

/// The parts of `xml` between each `open` and the next `close` (not nested).
fn between<'a>(xml: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let end = after.find(close).unwrap();
        out.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    out
}

/// The text of WordprocessingML: `w:t` contents, `w:br` and paragraph ends as newlines.
fn text_of(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        let end = i + rest[i..].find('>').unwrap();
        let tag = &rest[i + 1..end];
        if tag == "w:t" || tag.starts_with("w:t ") {
            let close = end + rest[end..].find("</w:t>").unwrap();
            out.push_str(
                &rest[end + 1..close]
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&"),
            );
            rest = &rest[close + "</w:t>".len()..];
            continue;
        }
        if tag.starts_with("w:br") || tag == "/w:p" {
            out.push('\n');
        }
        rest = &rest[end + 1..];
    }
    out
}

/// A sheet read back through calamine, every cell as text (whole numbers without decimals).
fn sheet(path: &Path, name: &str) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
    let range = workbook.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    Data::Float(f) => format!("{f:.4}"),
                    Data::Int(i) => i.to_string(),
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The `(name, count)` pairs of a counts table (STT, name, count, …) without its total row.
fn counts(rows: &[Vec<String>]) -> Vec<(String, String)> {
    rows[1..rows.len() - 1]
        .iter()
        .map(|r| (r[1].clone(), r[2].clone()))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// Parses RFC 4180 CSV.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

fn export(p: &mut Province, format: ExportFormat, personal: bool, name: &str) -> PathBuf {
    let out = p.dir().join(name);
    let summary = p
        .replica
        .export_report(
            &quarter_3(),
            &options(format, personal),
            &HolidayCalendar::official(),
            &out,
        )
        .unwrap();
    assert_eq!(
        (
            summary.questions,
            summary.personal_data,
            summary.file_name.as_str()
        ),
        (7, personal, name)
    );
    assert_eq!(summary.bytes, std::fs::metadata(&out).unwrap().len());
    out
}

#[test]
fn the_xlsx_export_reads_back_with_every_table_and_question() {
    let mut p = Province::build();
    let path = export(&mut p, ExportFormat::Xlsx, false, "bao-cao-quy-3.xlsx");
    let workbook: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        [
            "Tổng hợp",
            "Hội nghị",
            "Theo loại",
            "Theo lĩnh vực",
            "Theo địa bàn",
            "Theo tình trạng",
            "Cơ quan",
            "Quá hạn theo cơ quan",
            "Danh sách ý kiến"
        ]
    );
    let summary: BTreeMap<String, (String, String)> = sheet(&path, "Tổng hợp")
        .into_iter()
        .skip(1)
        .map(|r| (r[0].clone(), (r[1].clone(), r[2].clone())))
        .collect();
    let figure = |label: &str| summary[label].clone();
    let expected = [
        ("Báo cáo", ("Quý III năm 2026", "")),
        ("Từ ngày", ("01/07/2026", "")),
        ("Đến ngày", ("30/09/2026", "")),
        ("Số liệu tính đến ngày", ("20/10/2026", "")),
        ("Số hội nghị đối thoại", ("2", "")),
        ("Tổng số ý kiến, kiến nghị", ("7", "")),
        ("Ý kiến trùng đã gộp", ("1", "")),
        ("Trả lời trực tiếp tại hội nghị", ("1", "0.1429")),
        ("Trả lời bằng văn bản", ("3", "0.4286")),
        ("Chưa trả lời", ("3", "0.4286")),
        ("Đã giao cơ quan xử lý", ("4", "0.5714")),
        ("Đã giải quyết xong (tỷ lệ giải quyết)", ("3", "0.4286")),
        ("Quá hạn chưa trả lời", ("1", "0.1429")),
        ("Cơ quan được giao", ("3", "")),
    ];
    for (label, (value, ratio)) in expected {
        assert_eq!(
            figure(label),
            (value.to_owned(), ratio.to_owned()),
            "{label}"
        );
    }
    let kinds = sheet(&path, "Theo loại");
    assert_eq!(
        counts(&kinds),
        pairs(&[
            ("Câu hỏi", "3"),
            ("Kiến nghị", "2"),
            ("Đề xuất", "1"),
            ("Phản ánh", "1")
        ])
    );
    assert_eq!(kinds.last().unwrap()[1..4], ["Tổng cộng", "7", "1"]);
    assert_eq!(
        counts(&sheet(&path, "Theo lĩnh vực")),
        pairs(&[
            ("Đất đai", "2"),
            ("Chưa phân loại", "1"),
            ("Giao thông", "1"),
            ("Môi trường", "1"),
            ("Xây dựng và đô thị", "1"),
            ("Y tế", "1")
        ])
    );
    assert_eq!(
        counts(&sheet(&path, "Theo địa bàn")),
        pairs(&[("Xã Bắc Bình", "6"), ("Phường Đông Hải", "1")])
    );
    let statuses = sheet(&path, "Theo tình trạng");
    assert_eq!(
        counts(&statuses),
        pairs(&[
            ("Mới tiếp nhận", "2"),
            ("Đã trả lời tại hội nghị", "1"),
            ("Cần trả lời bằng văn bản", "0"),
            ("Đã giao xử lý", "2"),
            ("Đã có văn bản trả lời", "0"),
            ("Đã giải quyết xong", "2"),
            ("Mở lại", "0")
        ])
    );
    assert_eq!(statuses.last().unwrap()[2], "7");
    let dialogues = sheet(&path, "Hội nghị");
    assert_eq!(dialogues.len(), 4);
    assert_eq!(
        dialogues[1][1..],
        [
            "Đối thoại với Nhân dân xã Bắc Bình",
            "Xã Bắc Bình",
            "10/07/2026",
            "300",
            "6"
        ]
    );
    assert_eq!(dialogues[3][5], "7");
    let cards = sheet(&path, "Cơ quan");
    let card_rows: Vec<Vec<&str>> = cards
        .iter()
        .skip(1)
        .map(|r| r[1..].iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        card_rows,
        [
            [
                "Sở Nông nghiệp và Môi trường",
                "Sở NN&MT",
                "2",
                "2",
                "1",
                "1",
                "0.5000",
                "6",
                "0",
                "1"
            ],
            ["Sở Xây dựng", "Sở XD", "2", "0", "0", "0", "", "", "1", "0"],
            ["Sở Y tế", "Sở YT", "1", "1", "1", "0", "1", "2", "0", "1"],
            ["Tổng cộng", "", "5", "3", "2", "1", "", "", "1", "2"],
        ]
    );
    let overdue = sheet(&path, "Quá hạn theo cơ quan");
    assert_eq!(counts(&overdue), pairs(&[("Sở Xây dựng", "1")]));
    assert_eq!(overdue.last().unwrap()[1..3], ["Tổng cộng", "1"]);

    let list = sheet(&path, "Danh sách ý kiến");
    assert_eq!(list.len(), 8, "a header and seven questions");
    let header = &list[0];
    assert!(!header.iter().any(|h| h == "Người nêu" || h == "Điện thoại"));
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let numbers: Vec<&str> = list[1..].iter().map(|r| r[column("Số")].as_str()).collect();
    assert_eq!(
        numbers,
        [
            "B-001", "B-002", "B-003", "B-004", "B-006", "B-007", "B-008"
        ]
    );
    assert_eq!(list[1][column("STT")], "1");
    assert_eq!(
        list[4][column("Nội dung")],
        FORMULA,
        "kept verbatim as text"
    );
    assert_eq!(list[3][column("Tình trạng")], "Đã giao xử lý (quá hạn)");
    assert_eq!(list[3][column("Đúng hạn")], "Quá hạn");
    assert_eq!(list[1][column("Đúng hạn")], "Đúng hạn");
    assert_eq!(list[1][column("Hạn trả lời")], "24/07/2026");
    assert_eq!(list[1][column("Ngày trả lời")], "20/07/2026");
    assert!(
        list[1][column("Trả lời bằng văn bản")]
            .starts_with("Văn bản số 125/SNNMT-QLĐĐ ngày 20/07/2026")
    );
    assert_eq!(
        list[3][column("Cơ quan được giao")],
        "Sở Nông nghiệp và Môi trường (giao ngày 13/07/2026)\nSở Xây dựng (giao ngày 23/07/2026)"
    );
    // Text is never a formula in the workbook.
    let mut workbook: Xlsx<_> = open_workbook(&path).unwrap();
    let formulas = workbook.worksheet_formula("Danh sách ý kiến").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    let everything: String = workbook
        .sheet_names()
        .iter()
        .flat_map(|name| sheet(&path, name))
        .flatten()
        .collect::<Vec<_>>()
        .join("|");
    for personal in [NAME, PHONE, HOME, "Trần Thị Bình"] {
        assert!(!everything.contains(personal), "{personal} leaked");
    }
}

#[test]
fn the_docx_export_is_an_administrative_report_with_every_figure() {
    let mut p = Province::build();
    let path = export(&mut p, ExportFormat::Docx, false, "bao-cao-quy-3.docx");
    let docx = Docx::open(&path);
    let text = docx.text();
    for line in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG",
        "Số: 125/BC-UBND",
        "Lâm Đồng, ngày 20 tháng 10 năm 2026",
        "BÁO CÁO",
        "Kết quả tiếp nhận, trả lời và giải quyết ý kiến, kiến nghị của Nhân dân tại các hội nghị \
         đối thoại quý III năm 2026",
        "Quý III năm 2026: tổ chức 2 hội nghị đối thoại",
        "Tổng số ý kiến, kiến nghị đã tiếp nhận: 7 (không kể 1 ý kiến trùng đã gộp).",
        "Trả lời trực tiếp tại hội nghị: 1 ý kiến (14,3%); trả lời bằng văn bản: 3 ý kiến \
         (42,9%); chưa trả lời: 3 ý kiến. Đã giải quyết xong: 3 ý kiến, tỷ lệ giải quyết 42,9%. \
         Quá hạn chưa trả lời: 1 ý kiến.",
        "Nơi nhận:",
        "- Thường trực Tỉnh ủy;",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Hồ Văn Mười",
    ] {
        assert!(text.contains(line), "missing: {line}");
    }
    // The motto is underlined and the date line is in italics.
    assert!(
        docx.paragraph_xml("Độc lập - Tự do - Hạnh phúc")
            .contains("<w:u w:val=\"single\"/>")
    );
    assert!(docx.paragraph_xml("ngày 20 tháng 10").contains("<w:i/>"));
    // Times New Roman 14 pt by default; A4 with Decree 30's margins (20, 15, 20, 30 mm).
    assert!(docx.styles.contains("w:ascii=\"Times New Roman\""));
    assert!(docx.styles.contains("<w:sz w:val=\"28\"/>"));
    assert!(
        docx.document
            .contains("<w:pgSz w:w=\"11906\" w:h=\"16838\"/>")
    );
    assert!(
        docx.document
            .contains("w:top=\"1134\" w:right=\"851\" w:bottom=\"1134\" w:left=\"1701\"")
    );

    let kinds = docx.table("Loại");
    assert_eq!(
        counts(&kinds),
        pairs(&[
            ("Câu hỏi", "3"),
            ("Kiến nghị", "2"),
            ("Đề xuất", "1"),
            ("Phản ánh", "1")
        ])
    );
    assert_eq!(kinds.last().unwrap()[1..], ["Tổng cộng", "7", "100,0%"]);
    assert_eq!(kinds[1][3], "42,9%");
    assert_eq!(
        counts(&docx.table("Lĩnh vực")),
        pairs(&[
            ("Đất đai", "2"),
            ("Chưa phân loại", "1"),
            ("Giao thông", "1"),
            ("Môi trường", "1"),
            ("Xây dựng và đô thị", "1"),
            ("Y tế", "1")
        ])
    );
    assert_eq!(
        counts(&docx.table("Địa bàn")),
        pairs(&[("Xã Bắc Bình", "6"), ("Phường Đông Hải", "1")])
    );
    assert_eq!(docx.table("Tình trạng").last().unwrap()[2], "7");
    let cards = docx.table("Cơ quan");
    let card_rows: Vec<Vec<&str>> = cards
        .iter()
        .skip(1)
        .map(|r| r[1..].iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        card_rows,
        [
            [
                "Sở Nông nghiệp và Môi trường",
                "2",
                "2",
                "1",
                "1",
                "6,0",
                "0",
                "1"
            ],
            ["Sở Xây dựng", "2", "0", "0", "0", "", "1", "0"],
            ["Sở Y tế", "1", "1", "1", "0", "2,0", "0", "1"],
            ["Tổng cộng", "5", "3", "2", "1", "", "1", "2"],
        ]
    );
    let list = docx.table("Số");
    assert_eq!(list.len(), 8, "a header and seven questions");
    assert_eq!(
        list[0],
        ["STT", "Số", "Nội dung", "Trả lời, giao xử lý", "Tình trạng"]
    );
    assert_eq!(list[4][1], "B-004");
    assert!(list[4][2].contains(FORMULA), "{}", list[4][2]);
    assert!(list[1][3].contains("Văn bản số 125/SNNMT-QLĐĐ ngày 20/07/2026"));
    assert!(list[3][3].contains(
        "Giao Sở Nông nghiệp và Môi trường ngày 13/07/2026, hạn 17/07/2026; trả lời trễ hạn ngày 22/07/2026"
    ));
    assert_eq!(list[3][4], "Đã giao xử lý (quá hạn)");
    for personal in [NAME, PHONE, HOME, "Trần Thị Bình"] {
        assert!(!text.contains(personal), "{personal} leaked");
    }
}

#[test]
fn the_csv_export_opens_in_excel_with_vietnamese_intact_and_formulas_defused() {
    let mut p = Province::build();
    let path = export(&mut p, ExportFormat::Csv, false, "danh-sach.csv");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes[..3], [0xEF, 0xBB, 0xBF], "UTF-8 byte-order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.contains("\r\n"));
    let rows = parse_csv(&text);
    assert_eq!(rows.len(), 8, "a header and seven questions");
    assert!(rows.iter().all(|r| r.len() == rows[0].len()));
    let column = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    assert!(!rows[0].iter().any(|h| h == "Người nêu"));
    let numbers: Vec<&str> = rows[1..].iter().map(|r| r[column("Số")].as_str()).collect();
    assert_eq!(
        numbers,
        [
            "B-001", "B-002", "B-003", "B-004", "B-006", "B-007", "B-008"
        ]
    );
    assert_eq!(
        rows[3][column("Nội dung")],
        "Phản ánh trại heo gây ô nhiễm, mùi hôi \"không chịu nổi\""
    );
    assert_eq!(rows[4][column("Nội dung")], format!("'{FORMULA}"));
    assert_eq!(rows[3][column("Loại")], "Phản ánh");
    assert_eq!(rows[3][column("Địa bàn")], "Xã Bắc Bình");
    let tally = |name: &str| {
        let mut t: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &rows[1..] {
            *t.entry(r[column(name)].as_str()).or_default() += 1;
        }
        t
    };
    assert_eq!(
        tally("Loại"),
        BTreeMap::from([
            ("Câu hỏi", 3),
            ("Kiến nghị", 2),
            ("Đề xuất", 1),
            ("Phản ánh", 1)
        ])
    );
    assert_eq!(tally("Tình trạng")["Đã giải quyết xong"], 2);
    for personal in [NAME, PHONE, HOME, "Trần Thị Bình"] {
        assert!(!text.contains(personal), "{personal} leaked");
    }
}

#[test]
fn personal_data_only_when_asked_for_and_allowed_and_every_export_is_recorded() {
    let mut p = Province::build();
    // Asked for by the secretariat: present in every format.
    let csv = export(&mut p, ExportFormat::Csv, true, "co-ca-nhan.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows = parse_csv(text.trim_start_matches('\u{feff}'));
    let column = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    assert_eq!(
        [
            rows[1][column("Người nêu")].as_str(),
            rows[1][column("Địa chỉ")].as_str(),
            rows[1][column("Điện thoại")].as_str()
        ],
        [NAME, HOME, PHONE]
    );
    assert_eq!(rows[2][column("Người nêu")], "Ẩn danh");
    let xlsx = export(&mut p, ExportFormat::Xlsx, true, "co-ca-nhan.xlsx");
    let list = sheet(&xlsx, "Danh sách ý kiến");
    assert!(list[1].contains(&NAME.to_owned()) && list[1].contains(&PHONE.to_owned()));
    let docx = export(&mut p, ExportFormat::Docx, true, "co-ca-nhan.docx");
    let table = Docx::open(&docx).table("Số");
    assert_eq!(table[0][3], "Người nêu");
    assert_eq!(table[1][3], format!("{NAME}\n{HOME}\n{PHONE}"));
    // A leader may too.
    p.act_as(Role::Leader, None);
    export(&mut p, ExportFormat::Csv, true, "lanh-dao.csv");

    // A recorder or an agency may not, and nothing is written or recorded.
    let before = p.replica.exports().unwrap().len();
    for role in [Role::Recorder, Role::Agency, Role::Admin] {
        p.act_as(role, None);
        let out = p.dir().join("bi-tu-choi.csv");
        let err = p
            .replica
            .export_report(
                &quarter_3(),
                &options(ExportFormat::Csv, true),
                &HolidayCalendar::official(),
                &out,
            )
            .unwrap_err();
        assert_eq!(err.code(), "forbidden", "{role}: {err}");
        assert!(
            err.to_string()
                .contains("export citizens' names and phones")
        );
        assert!(!out.exists());
        let err = p
            .replica
            .report_questions(&quarter_3(), true, Page::first(10))
            .unwrap_err();
        assert_eq!(err.code(), "forbidden");
    }
    // A secretariat whose jurisdiction is another commune may not export this one's people.
    p.act_as(Role::Secretariat, None);
    let elsewhere = p
        .replica
        .upsert_locality(None, "Xã Khác", Level::Commune, None)
        .unwrap();
    p.act_as(Role::Secretariat, Some(elsewhere));
    let err = p
        .replica
        .export_report(
            &quarter_3(),
            &options(ExportFormat::Csv, true),
            &HolidayCalendar::official(),
            &p.dir().join("ngoai-dia-ban.csv"),
        )
        .unwrap_err();
    assert_eq!(err.code(), "out_of_scope");
    // Within its jurisdiction it may.
    let bac_binh = p.bac_binh;
    p.act_as(Role::Secretariat, Some(bac_binh));
    let d1 = ReportScope {
        dialogue: Some(p.dialogues[0]),
        period: None,
    };
    p.replica
        .export_report(
            &d1,
            &options(ExportFormat::Csv, true),
            &HolidayCalendar::official(),
            &p.dir().join("trong-dia-ban.csv"),
        )
        .unwrap();
    // A folder that does not exist: an I/O error, no file, no record.
    let err = p
        .replica
        .export_report(
            &quarter_3(),
            &options(ExportFormat::Docx, false),
            &HolidayCalendar::official(),
            &p.dir().join("khong-co").join("bao-cao.docx"),
        )
        .unwrap_err();
    assert_eq!(err.code(), "io");
    // Bad options: every problem at once, nothing written.
    let mut bad = options(ExportFormat::Docx, false);
    bad.issuing_body = String::new();
    bad.place = "Lâm\nĐồng".to_owned();
    let err = p
        .replica
        .export_report(
            &quarter_3(),
            &bad,
            &HolidayCalendar::official(),
            &p.dir().join("sai.docx"),
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid");
    assert!(err.to_string().contains("issuing_body") && err.to_string().contains("place"));

    let leftovers: Vec<String> = std::fs::read_dir(p.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part") || n.starts_with("bi-tu-choi") || n == "sai.docx")
        .collect();
    assert_eq!(leftovers, Vec::<String>::new());

    let exports = p.replica.exports().unwrap();
    assert_eq!(exports.len(), before + 1);
    let listed: Vec<_> = exports
        .iter()
        .map(|e| {
            (
                e.file_name.as_str(),
                e.format,
                e.personal_data,
                e.questions,
                e.role,
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                "trong-dia-ban.csv",
                ExportFormat::Csv,
                true,
                6,
                Role::Secretariat
            ),
            ("lanh-dao.csv", ExportFormat::Csv, true, 7, Role::Leader),
            (
                "co-ca-nhan.docx",
                ExportFormat::Docx,
                true,
                7,
                Role::Secretariat
            ),
            (
                "co-ca-nhan.xlsx",
                ExportFormat::Xlsx,
                true,
                7,
                Role::Secretariat
            ),
            (
                "co-ca-nhan.csv",
                ExportFormat::Csv,
                true,
                7,
                Role::Secretariat
            ),
        ]
    );
    let first = exports.last().unwrap();
    assert_eq!(
        (
            first.device,
            first.user,
            first.period,
            first.dialogue,
            first.scope_label.as_str()
        ),
        (
            p.identity.device,
            p.identity.user,
            Some(Period::quarter(2026, 3).unwrap()),
            None,
            "Quý III năm 2026"
        )
    );
    assert_eq!(exports[0].dialogue, Some(p.dialogues[0]));
    assert!(exports[0].exported_at > utc(10, 20, 2, 0, 0));
}
