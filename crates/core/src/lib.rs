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
//! - [`clock`]: where time and random bits come from ([`SystemClock`] and [`SystemRandom`], or
//!   in tests [`ManualClock`] and [`SeededRandom`]).
//!
//! # Module order
//!
//! Modules depend only on modules above them in this list; none imports one below it, so the
//! crate has no module cycles. A thing two features share moves up into a lower module rather
//! than one feature importing the other.
//!
//! 1. `error`, `clock`, `stamp`, `status_sql`, `fold`: no dependency inside the crate.
//! 2. `db` (schema and migrations; registers `fold` as an SQL function), `reference`.
//! 3. `search` (the index; over `db` and `fold`).
//! 4. `apply` (a mutation onto the tables; over `search`).
//! 5. `replica` (the [`Replica`] itself, its writes and its transaction; over `apply`, `db`).
//! 6. `rows` (the question row and its one mapper), `settings`, `device`.
//! 7. Features: `query`, `followup`, `sync` (over `rows`, `replica`); then `similar`, `report`
//!    (over `query`), `diagnostics` (over `replica`, `sync`).
//! 8. The app shell's shapes: `badge`, `command_error` (over `report`, `sync`), and `app`, which
//!    only re-exports them for the shell.

pub mod app;
mod apply;
mod badge;
pub mod clock;
mod command_error;
pub mod commands;
mod db;
mod device;
pub mod diagnostics;
mod error;
pub mod fold;
pub mod followup;
pub mod query;
mod reference;
mod replica;
pub mod report;
mod rows;
pub mod search;
mod settings;
mod similar;
/// The domain crate, so the command list ([`app_commands!`]) names its types from one root in
/// every crate that expands it.
pub use townhall_domain as domain;
pub use townhall_domain::seed;
mod stamp;
mod status_sql;
pub mod sync;

pub use clock::{Clock, ManualClock, Randomness, SeededRandom, SystemClock, SystemRandom};
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
