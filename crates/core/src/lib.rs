//! Townhall's local replica: the SQLite file on each tablet and laptop, and the one API the app
//! calls.
//!
//! A recorder in a hall with no network captures questions into [`Replica`]; every write
//! changes the record and appends its mutation to the outbox in one durable transaction, so
//! what the screen calls saved survives a crash. All reads come from the replica, so the app
//! works the same with or without a network.
//!
//! - [`Replica`]: open, enrol, write (capture, answer, assign, change status, merge duplicates).
//! - [`query`]: dialogues, filtered and paged question lists, one question's full story.
//! - [`search`]: diacritic-insensitive search ranked by relevance, with snippets.
//! - [`report`]: the compiled reports and their `.docx`, `.xlsx` and `.csv` exports.
//! - [`followup`]: deadlines in working days, reminders, reopened and repeated petitions,
//!   dialogue checklists.
//! - [`sync`]: push the outbox and pull the server's change log.
//! - [`diagnostics`]: the device's log file and the report a user copies for support.
//! - [`clock`]: where time comes from ([`SystemClock`] or, in tests, [`ManualClock`]).

pub mod app;
mod apply;
pub mod clock;
mod db;
pub mod diagnostics;
mod error;
pub mod followup;
pub mod query;
mod reference;
mod replica;
pub mod report;
pub mod search;
mod similar;
pub use townhall_domain::seed;
mod stamp;
pub mod sync;

pub use clock::{Clock, ManualClock, SystemClock};
pub use db::SCHEMA_VERSION;
pub use error::{ReplicaError, Result};
pub use query::{
    AssignmentView, DialogueSummary, HistoryEntry, Page, QuestionDetail, QuestionFilter,
    QuestionList, QuestionRow, QuestionSort, SearchHit, StatusCount,
};
pub use replica::{
    CaptureInput, Captured, DeviceIdentity, OnSiteAnswerInput, OutboxEntry, Replica,
};
pub use report::{
    AgencyScorecard, ExportError, ExportFormat, ExportOptions, ExportRecord, ExportSummary, Period,
    PeriodKind, Report, ReportQuestion, ReportQuestionPage, ReportScope, ReportTotals, Signer,
};
