//! The compiled reports: what was raised at the dialogues of a period, how it was answered,
//! which agencies answer on time, and the exports that go in the official file.
//!
//! A report covers a [`ReportScope`]: one dialogue, one Vietnamese reporting [`Period`] (month,
//! quarter, 6 months, 9 months, year), both or neither. A question belongs to a period by the
//! date in Vietnam (Asia/Ho_Chi_Minh) on which it was captured; duplicates merged into another
//! question are counted apart and left out of every other figure.
//!
//! [`Replica::report`] computes the figures; [`Replica::report_questions`] pages through the
//! question list; [`Replica::agency_scorecards`] gives each agency's record; and
//! [`Replica::export_report`] writes a `.docx` (the layout of an administrative document under
//! Decree 30/2020/NĐ-CP), an `.xlsx` (one sheet per table) or a `.csv` (the question list).
//! Exports stream the question list from SQLite into the file, so 100,000 questions take the
//! memory of a few, and each export is recorded in [`Replica::exports`].
//!
//! Citizens' names, home localities and phones are personal data: an export holds them only
//! when asked for and when the device's role may export them; otherwise the export is refused,
//! never silently stripped or silently included.

mod compute;
mod csv;
mod docx;
mod export;
mod labels;
mod period;
mod xlsx;

use export::{Cell, Export, question_cells, question_columns, validate_options};
use labels::{date_line, date_vn, kind_label, kinds_named, percent_vn, source_label, status_label};
pub use period::{Period, PeriodKind};

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use townhall_domain::ErrorCode;
use townhall_domain::calendar::HolidayCalendar;
use townhall_domain::permissions::{self, Action};
use townhall_domain::validate::{self, Problem, TextRule, ValidationError, ValidationErrors};
use townhall_domain::{
    AgencyId, AnswerMode, Citizen, DeviceId, DialogueId, QuestionId, QuestionKind, QuestionSource,
    QuestionStatus, Role, UserId,
};

use crate::error::{ReplicaError, Result};
use crate::query::{Page, StatusCount};
use crate::replica::{Replica, load_identity};
use crate::stamp::{get, get_opt};

/// What a report covers. Empty fields do not narrow it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReportScope {
    /// Only this dialogue's questions.
    pub dialogue: Option<DialogueId>,
    /// Only questions captured in this period (by the date in Vietnam).
    pub period: Option<Period>,
}

/// The figures of one report.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Report {
    /// What it covers.
    pub scope: ReportScope,
    /// The scope in Vietnamese words, e.g. "Quý III năm 2026".
    pub scope_label: String,
    /// The first day covered, when a period was given.
    pub from: Option<NaiveDate>,
    /// The last day covered, when a period was given.
    pub to: Option<NaiveDate>,
    /// The day (in Vietnam) the figures were computed, which decides what is overdue.
    pub as_of: NaiveDate,
    /// The dialogues held in the period or with questions in it, earliest first.
    pub dialogues: Vec<ReportDialogue>,
    /// The headline figures.
    pub totals: ReportTotals,
    /// Questions by kind, every kind in its order (zeros included).
    pub by_kind: Vec<KindCount>,
    /// Questions by topic, most first; questions without a topic under "Chưa phân loại".
    pub by_topic: Vec<NamedCount>,
    /// Questions by the locality of their dialogue, most first.
    pub by_locality: Vec<NamedCount>,
    /// Questions by current status, in the status machine's order, duplicates left out.
    pub by_status: Vec<StatusCount>,
    /// Questions overdue now, by the agency they are assigned to, most first.
    pub overdue_by_agency: Vec<NamedCount>,
    /// Each agency's record on the questions assigned to it, by name.
    pub scorecards: Vec<AgencyScorecard>,
}

/// The headline figures of a report. Shares are fractions of `questions` (0 to 1).
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReportTotals {
    /// Questions, petitions, proposals and grievances received, duplicates not counted.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub questions: u64,
    /// Duplicates merged into another question (not counted anywhere else).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub merged: u64,
    /// Answered on the spot and never answered in writing.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub answered_on_site: u64,
    /// Answered in writing (whether or not also answered on the spot).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub answered_in_writing: u64,
    /// Not answered at all yet.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub not_answered: u64,
    /// Assigned to an agency at least once.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub assigned: u64,
    /// Settled: resolved, or answered on the spot with nothing further asked.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub settled: u64,
    /// Assigned, past the due date and not answered.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub overdue: u64,
    /// `answered_on_site / questions`.
    pub on_site_share: f64,
    /// `answered_in_writing / questions`.
    pub in_writing_share: f64,
    /// `settled / questions`: the resolution rate.
    pub resolution_rate: f64,
}

/// How many questions of one kind.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct KindCount {
    /// The kind.
    pub kind: QuestionKind,
    /// How many.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
    /// Their share of the report's questions (0 to 1).
    pub share: f64,
}

/// How many questions fall under one topic, locality or agency.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NamedCount {
    /// The topic's, locality's or agency's id; `None` for questions without a topic.
    pub id: Option<String>,
    /// Its name.
    pub name: String,
    /// How many.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
    /// Their share of the report's questions (0 to 1).
    pub share: f64,
}

/// A dialogue in a report.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReportDialogue {
    /// Its id.
    pub id: DialogueId,
    /// Its title.
    pub title: String,
    /// Its locality's name.
    pub locality_name: String,
    /// The day it was held (in Vietnam).
    pub held_on: NaiveDate,
    /// How many attended, once known.
    pub attendee_count: Option<u32>,
    /// Its questions in the report's scope, duplicates not counted.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub questions: u64,
}

/// One agency's record on the questions of a scope assigned to it.
///
/// Every assignment counts, not only the current one: a question taken from one agency and
/// given to another stays on the first agency's record, unanswered. An assignment's answer is
/// the first written answer recorded after it was made and before the question's next
/// assignment; it is on time when its date in Vietnam is on or before the due date.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AgencyScorecard {
    /// The agency.
    pub agency: AgencyId,
    /// Its full name.
    pub name: String,
    /// Its short name.
    pub short_name: String,
    /// Assignments made to it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub assigned: u64,
    /// Assignments it answered in writing.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub answered: u64,
    /// Answered on or before the due date.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub answered_on_time: u64,
    /// Answered after the due date.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub answered_late: u64,
    /// `answered_on_time / answered`; `None` before any answer.
    pub on_time_rate: Option<f64>,
    /// The median number of working days from assignment to answer; `None` before any answer.
    pub median_working_days: Option<f64>,
    /// Questions assigned to it now, past their due date and not answered.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub overdue_now: u64,
    /// Questions assigned to it last that are now resolved.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub resolved: u64,
}

/// A question as a report lists it, with its answers, assignments and state.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReportQuestion {
    /// Its id.
    pub id: QuestionId,
    /// Its display number, e.g. `B-017`.
    pub number: String,
    /// Its dialogue.
    pub dialogue: DialogueId,
    /// The dialogue's title.
    pub dialogue_title: String,
    /// The dialogue's locality.
    pub locality_name: String,
    /// The day it was captured, in Vietnam.
    pub captured_on: NaiveDate,
    /// Its kind.
    pub kind: QuestionKind,
    /// How it reached the dialogue.
    pub source: QuestionSource,
    /// Its topic's name.
    pub topic_name: Option<String>,
    /// What the citizen raised.
    pub content: String,
    /// Who raised it; `None` unless personal data was asked for (and allowed).
    pub citizen: Option<Citizen>,
    /// Its status.
    pub status: QuestionStatus,
    /// Assigned, past its due date and not answered.
    pub overdue: bool,
    /// Its answers, oldest first.
    pub answers: Vec<ReportAnswer>,
    /// Its assignments, oldest first; the last one is current.
    pub assignments: Vec<ReportAssignment>,
}

/// An answer in a report's question list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReportAnswer {
    /// On the spot or in writing.
    pub mode: AnswerMode,
    /// Who answered.
    pub answered_by: String,
    /// The answer.
    pub content: String,
    /// The number of the document carrying a written answer.
    pub document_number: Option<String>,
    /// The date of that document.
    pub document_date: Option<NaiveDate>,
    /// The day it was recorded, in Vietnam.
    pub answered_on: NaiveDate,
}

/// An assignment in a report's question list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReportAssignment {
    /// The agency's name.
    pub agency_name: String,
    /// The day it was assigned, in Vietnam.
    pub assigned_on: NaiveDate,
    /// When the written answer is due.
    pub due_on: NaiveDate,
    /// The day (in Vietnam) of the written answer that settled this assignment, if any.
    pub answered_on: Option<NaiveDate>,
}

/// One page of a report's question list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReportQuestionPage {
    /// The page's questions, by dialogue, then in the order they were captured.
    pub rows: Vec<ReportQuestion>,
    /// How many questions the scope holds, across all pages.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
}

/// The file formats a report exports to.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ExportFormat {
    /// A Word document laid out as a Vietnamese administrative report (Decree 30/2020/NĐ-CP).
    Docx,
    /// An Excel workbook, one sheet per table and one for the question list.
    Xlsx,
    /// The question list as UTF-8 CSV with a byte-order mark, for Excel.
    Csv,
}

impl ExportFormat {
    /// The stable spelling used in storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Csv => "csv",
        }
    }
}

/// Who signs an exported report.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Signer {
    /// Signing on behalf of, e.g. "TM. ỦY BAN NHÂN DÂN" or "KT. CHỦ TỊCH"; `None` to sign in
    /// one's own right.
    pub authority: Option<String>,
    /// The signer's title, e.g. "PHÓ CHỦ TỊCH".
    pub title: String,
    /// The signer's full name.
    pub name: String,
}

/// How to export a report.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExportOptions {
    /// The file format.
    pub format: ExportFormat,
    /// Put citizens' names, home localities and phones in the file; refused unless the
    /// device's role may export them.
    pub include_personal_data: bool,
    /// The body above the issuing body, if any, e.g. "UBND TỈNH LÂM ĐỒNG" above a department.
    pub superior_body: Option<String>,
    /// The issuing body, e.g. "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG".
    pub issuing_body: String,
    /// The document's number and symbol after "Số:", e.g. "125/BC-UBND"; may be left as
    /// "   /BC-UBND" for the clerk to number.
    pub document_number: String,
    /// The place in the date line, e.g. "Lâm Đồng".
    pub place: String,
    /// Who signs; `None` leaves the signature block out.
    pub signer: Option<Signer>,
    /// The recipients under "Nơi nhận:", one per line; "Lưu: VT." when empty.
    pub recipients: Vec<String>,
}

/// What an export wrote.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExportSummary {
    /// The export's id in [`Replica::exports`].
    pub id: String,
    /// The file's name.
    pub file_name: String,
    /// Its format.
    pub format: ExportFormat,
    /// Whether it holds citizens' personal data.
    pub personal_data: bool,
    /// How many questions it lists.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub questions: u64,
    /// The file's size in bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
}

/// One export made on this device: who exported what, and whether it held personal data.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExportRecord {
    /// Its id.
    pub id: String,
    /// When.
    pub exported_at: DateTime<Utc>,
    /// The device that exported it.
    pub device: DeviceId,
    /// The user the device is enrolled for.
    pub user: UserId,
    /// The user's role then.
    pub role: Role,
    /// The scope's dialogue.
    pub dialogue: Option<DialogueId>,
    /// The scope's period.
    pub period: Option<Period>,
    /// The scope in words.
    pub scope_label: String,
    /// The format.
    pub format: ExportFormat,
    /// Whether it held citizens' personal data.
    pub personal_data: bool,
    /// How many questions it listed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub questions: u64,
    /// The file's name (not its folder).
    pub file_name: String,
}

/// Why an export failed. Nothing is left at the destination and nothing is recorded.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The replica refused or failed: invalid options, personal data the role may not export,
    /// a dialogue that does not exist, not enrolled, storage.
    #[error(transparent)]
    Replica(#[from] ReplicaError),
    /// The file could not be written (no such folder, no permission, disk full).
    #[error("the report could not be written: {0}")]
    Io(#[from] std::io::Error),
    /// The file format's writer failed.
    #[error("the report could not be written: {0}")]
    Format(String),
}

impl ExportError {
    /// A stable code the UI branches on: the replica's codes, `io` or `export_failed`.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Replica(e) => e.code(),
            Self::Io(_) => ErrorCode::Io,
            Self::Format(_) => ErrorCode::ExportFailed,
        }
    }
}

impl From<rusqlite::Error> for ExportError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Replica(error.into())
    }
}

impl From<rust_xlsxwriter::XlsxError> for ExportError {
    fn from(error: rust_xlsxwriter::XlsxError) -> Self {
        match error {
            rust_xlsxwriter::XlsxError::IoError(e) => Self::Io(e),
            other => Self::Format(other.to_string()),
        }
    }
}

impl From<zip::result::ZipError> for ExportError {
    fn from(error: zip::result::ZipError) -> Self {
        match error {
            zip::result::ZipError::Io(e) => Self::Io(e),
            other => Self::Format(other.to_string()),
        }
    }
}

/// What a report export wrote, and where.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExportDone {
    /// The export.
    pub summary: ExportSummary,
    /// The file's full path, to show the user.
    pub path: String,
}

impl Replica {
    /// The figures of a report: counts by kind, topic, locality and status, how questions were
    /// answered, the resolution rate, what is overdue by agency, and each agency's scorecard.
    ///
    /// "Today", which decides what is overdue, is the replica clock's date in Vietnam; working
    /// days are counted with `calendar`.
    pub fn report(&self, scope: &ReportScope, calendar: &HolidayCalendar) -> Result<Report> {
        compute::report(self, scope, calendar)
    }

    /// Each agency's record on the questions of `scope`: answered on time, median working days
    /// to answer, overdue now, resolved. The same figures as [`Report::scorecards`].
    pub fn agency_scorecards(
        &self,
        scope: &ReportScope,
        calendar: &HolidayCalendar,
    ) -> Result<Vec<AgencyScorecard>> {
        Ok(compute::report(self, scope, calendar)?.scorecards)
    }

    /// One page of a report's question list, by dialogue, then in the order captured;
    /// duplicates left out. Citizens' details only with `include_personal_data`, which is
    /// refused unless the device's role may export them.
    pub fn report_questions(
        &self,
        scope: &ReportScope,
        include_personal_data: bool,
        page: Page,
    ) -> Result<ReportQuestionPage> {
        let bounds = compute::ScopeBounds::of(scope)?;
        if include_personal_data {
            self.authorize_personal_data(&bounds)?;
        }
        let today = self.clock().today();
        let mut rows = Vec::new();
        compute::for_each_question(
            self.conn(),
            &bounds,
            today,
            include_personal_data,
            Some(page),
            |row| {
                rows.push(row);
                Ok::<(), ReplicaError>(())
            },
        )?;
        let total = compute::count_questions(self.conn(), &bounds)?;
        Ok(ReportQuestionPage { rows, total })
    }

    /// Writes the report of `scope` to `out` in the format `options` asks for, and records the
    /// export in [`Replica::exports`].
    ///
    /// The file is written beside `out` under a temporary name and renamed into place once
    /// complete, so a failure never leaves a half-written report (nor a record of it).
    /// Personal data is refused, with [`ReplicaError::Forbidden`], unless the device's role
    /// may export it.
    pub fn export_report(
        &mut self,
        scope: &ReportScope,
        options: &ExportOptions,
        calendar: &HolidayCalendar,
        out: &Path,
    ) -> Result<ExportSummary, ExportError> {
        let identity = load_identity(self.conn())?.ok_or(ReplicaError::NotEnrolled)?;
        let options = validate_options(options)?;
        let bounds = compute::ScopeBounds::of(scope)?;
        if options.include_personal_data {
            self.authorize_personal_data(&bounds)?;
        }
        let report = compute::report(self, scope, calendar)?;
        let today = self.clock().today();
        let file_name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                ReplicaError::Invalid(
                    ValidationError {
                        field: "out".to_owned(),
                        problem: Problem::Required,
                    }
                    .into(),
                )
            })?;
        let folder = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::env::current_dir()?,
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".townhall-export-").suffix(".part");
        // A temporary file is private (0600); the report is an ordinary document to share.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let mut temp = builder.tempfile_in(&folder)?;
        let questions = {
            let export = Export {
                conn: self.conn(),
                bounds: &bounds,
                report: &report,
                options: &options,
                today,
            };
            match options.format {
                ExportFormat::Csv => csv::write(&export, temp.as_file_mut())?,
                ExportFormat::Xlsx => xlsx::write(&export, &folder, temp.as_file_mut())?,
                ExportFormat::Docx => docx::write(&export, temp.as_file_mut())?,
            }
        };
        temp.as_file().sync_all()?;
        let bytes = temp.as_file().metadata()?.len();
        let now = self.clock().now();
        let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        let id = townhall_domain::ids::uuid_v7(millis, self.random().id_bits()).to_string();
        let scope_label = report.scope_label.clone();
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "INSERT INTO exports (id, exported_at, device_id, user_id, role, dialogue, period,
                 scope_label, format, personal_data, question_count, file_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                id,
                now.to_rfc3339(),
                identity.device.to_string(),
                identity.user.to_string(),
                identity.role.as_str(),
                scope.dialogue.map(|d| d.to_string()),
                scope.period.map(|p| p.key()),
                scope_label,
                options.format.as_str(),
                options.include_personal_data,
                questions,
                file_name,
            ],
        )?;
        temp.persist(out).map_err(|e| ExportError::Io(e.error))?;
        if let Err(e) = tx.commit() {
            // The record could not be kept, so the file must not stay either.
            let _ = std::fs::remove_file(out);
            return Err(e.into());
        }
        Ok(ExportSummary {
            id,
            file_name,
            format: options.format,
            personal_data: options.include_personal_data,
            questions,
            bytes,
        })
    }

    /// Every export made on this device, newest first.
    pub fn exports(&self) -> Result<Vec<ExportRecord>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, exported_at, device_id, user_id, role, dialogue, period, scope_label,
                    format, personal_data, question_count, file_name
             FROM exports ORDER BY exported_at DESC, id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            let exported_at: DateTime<chrono::FixedOffset> = get(r, 1)?;
            let period: Option<String> = r.get(6)?;
            let format: String = r.get(8)?;
            Ok(ExportRecord {
                id: r.get(0)?,
                exported_at: exported_at.to_utc(),
                device: get(r, 2)?,
                user: get(r, 3)?,
                role: get(r, 4)?,
                dialogue: get_opt(r, 5)?,
                period: period.as_deref().and_then(Period::from_key),
                scope_label: r.get(7)?,
                format: match format.as_str() {
                    "docx" => ExportFormat::Docx,
                    "xlsx" => ExportFormat::Xlsx,
                    _ => ExportFormat::Csv,
                },
                personal_data: r.get(9)?,
                questions: r.get(10)?,
                file_name: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Refuses personal data unless this device's role may export it for every dialogue in
    /// the scope.
    fn authorize_personal_data(&self, bounds: &compute::ScopeBounds) -> Result<()> {
        let identity = load_identity(self.conn())?.ok_or(ReplicaError::NotEnrolled)?;
        let in_jurisdiction = match identity.jurisdiction {
            None => true,
            Some(root) => {
                // Every dialogue of the scope must lie at or below the device's locality.
                let outside: Option<i64> = self
                    .conn()
                    .query_row(
                        "WITH RECURSIVE under(id) AS (
                             SELECT ?4 UNION SELECT l.id FROM localities l JOIN under ON l.parent = under.id)
                         SELECT 1 FROM dialogues d
                         WHERE (?1 IS NULL OR d.id = ?1)
                           AND d.locality NOT IN (SELECT id FROM under)
                           AND EXISTS (SELECT 1 FROM questions q WHERE q.dialogue = d.id
                               AND (?2 IS NULL OR date(q.captured_at, '+7 hours') BETWEEN ?2 AND ?3))
                         LIMIT 1",
                        params![
                            bounds.dialogue,
                            bounds.from,
                            bounds.to,
                            root.to_string()
                        ],
                        |r| r.get(0),
                    )
                    .optional()?;
                outside.is_none()
            }
        };
        let scope = permissions::Scope {
            in_jurisdiction,
            ..permissions::Scope::default()
        };
        permissions::authorize(identity.role, Action::ExportCitizenDetails, scope)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_have_their_dates_and_vietnamese_names() {
        let check = |period: Period, from: &str, to: &str, label: &str| {
            let (f, t) = period.dates().unwrap();
            assert_eq!(
                (f.to_string(), t.to_string(), period.label()),
                (from.to_owned(), to.to_owned(), label.to_owned())
            );
            assert_eq!(Period::from_key(&period.key()), Some(period));
        };
        check(
            Period::month(2026, 11).unwrap(),
            "2026-11-01",
            "2026-11-30",
            "Tháng 11 năm 2026",
        );
        check(
            Period::month(2028, 2).unwrap(),
            "2028-02-01",
            "2028-02-29",
            "Tháng 2 năm 2028",
        );
        check(
            Period::quarter(2026, 3).unwrap(),
            "2026-07-01",
            "2026-09-30",
            "Quý III năm 2026",
        );
        check(
            Period::quarter(2026, 4).unwrap(),
            "2026-10-01",
            "2026-12-31",
            "Quý IV năm 2026",
        );
        check(
            Period::first_half(2026).unwrap(),
            "2026-01-01",
            "2026-06-30",
            "6 tháng đầu năm 2026",
        );
        check(
            Period::second_half(2026).unwrap(),
            "2026-07-01",
            "2026-12-31",
            "6 tháng cuối năm 2026",
        );
        check(
            Period::nine_months(2026).unwrap(),
            "2026-01-01",
            "2026-09-30",
            "9 tháng năm 2026",
        );
        check(
            Period::year(2026).unwrap(),
            "2026-01-01",
            "2026-12-31",
            "Năm 2026",
        );
    }

    #[test]
    fn impossible_periods_are_refused() {
        assert_eq!(
            Period::month(2026, 13).unwrap_err().problem.code(),
            "out_of_range"
        );
        assert!(Period::quarter(2026, 0).is_err());
        assert!(Period::new(PeriodKind::Year, 2026, 2).is_err());
        assert!(Period::year(1800).is_err());
        // One that arrived through serde unchecked is refused when used.
        let raw = Period {
            kind: PeriodKind::Quarter,
            year: 2026,
            index: 5,
        };
        assert_eq!(raw.dates().unwrap_err().field, "period.index");
    }

    #[test]
    fn date_lines_follow_decree_30() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            date_line("Lâm Đồng", d(2026, 2, 5)),
            "Lâm Đồng, ngày 05 tháng 02 năm 2026"
        );
        assert_eq!(
            date_line("Hà Nội", d(2026, 11, 20)),
            "Hà Nội, ngày 20 tháng 11 năm 2026"
        );
        assert_eq!(
            date_line("Huế", d(2026, 3, 9)),
            "Huế, ngày 09 tháng 3 năm 2026"
        );
        assert_eq!(percent_vn(0.455), "45,5%");
        assert_eq!(percent_vn(1.0 / 3.0), "33,3%");
    }

    #[test]
    fn a_fourth_schema_replica_with_data_migrates_to_the_exports_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        {
            let mut conn = crate::db::connect(&path).unwrap();
            crate::db::migrate_to(&mut conn, 4).unwrap();
            conn.execute_batch(
                "INSERT INTO localities VALUES ('l1', 'Xã Bắc Bình', 'commune', NULL);
                 INSERT INTO dialogues VALUES ('d1', 'Đối thoại', 'commune', 'l1', '', '',
                     '2026-01-01T00:00:00+00:00', '', '', NULL, NULL, 'k', 'open', 0);
                 INSERT INTO app_kv VALUES ('language', 'vi');",
            )
            .unwrap();
        }
        let conn = crate::db::open(&path).unwrap();
        assert_eq!(
            crate::db::schema_version(&conn).unwrap(),
            crate::db::SCHEMA_VERSION
        );
        let kept: (i64, String) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM dialogues), (SELECT value FROM app_kv)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(kept, (1, "vi".to_owned()));
        let exports: i64 = conn
            .query_row("SELECT count(*) FROM exports", [], |r| r.get(0))
            .unwrap();
        assert_eq!(exports, 0);
    }
}
