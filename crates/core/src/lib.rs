//! Townhall's local replica: the SQLite file on each tablet and laptop, and the one API the app
//! calls.
//!
//! A recorder in a hall with no network captures questions into [`Replica`]; every write
//! changes the record and appends its mutation to the outbox in one durable transaction, so
//! what the screen calls saved survives a crash. All reads come from the replica, so the app
//! works the same with or without a network.
//!
//! - [`Replica`]: open, enrol, write (capture, answer, assign, change status, merge duplicates).
//!   Where a feature has become free functions over the connection ([`query`], and the
//!   follow-up policy and repeats), its `Replica` methods are defined at the end of this file,
//!   each one line delegating to the feature, as rust-analyzer's `Analysis` does.
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
use townhall_domain::followup::FollowUpPolicy;
use townhall_domain::{Agency, Locality, QuestionId, Topic};

// The facade: each method delegates in one line to its feature's free function, which takes
// the connection and today's date rather than the replica, so features never reach each other
// through it.
impl Replica {
    /// Every dialogue, latest first, with its question counts.
    pub fn dialogues(&self) -> Result<Vec<DialogueSummary>> {
        query::dialogues(self.conn(), self.clock().today())
    }

    /// One page of questions matching `filter`, ordered by `sort`.
    pub fn questions(
        &self,
        filter: &QuestionFilter,
        sort: QuestionSort,
        page: Page,
    ) -> Result<QuestionList> {
        query::questions(self.conn(), self.clock().today(), filter, sort, page)
    }

    /// Searches questions ignoring case and Vietnamese diacritics, best match first.
    ///
    /// Matches words that start with each typed word, in the content, the display number and the
    /// citizen's name and locality. An empty query (or one with no letters or digits) finds nothing.
    /// A query matching more than [`query::RANK_WINDOW`] questions ranks the newest of them.
    pub fn search(
        &self,
        query: &str,
        filter: &QuestionFilter,
        limit: u32,
    ) -> Result<Vec<SearchHit>> {
        query::search(self.conn(), self.clock().today(), query, filter, limit)
    }

    /// Everything about one question: answers, assignments, status history and earlier values.
    pub fn question(&self, id: QuestionId) -> Result<QuestionDetail> {
        query::question(self.conn(), self.clock().today(), id)
    }

    /// The topics, in their display order; archived ones only when asked for.
    pub fn topics(&self, include_archived: bool) -> Result<Vec<Topic>> {
        query::topics(self.conn(), include_archived)
    }

    /// The agencies by name; archived ones only when asked for.
    pub fn agencies(&self, include_archived: bool) -> Result<Vec<Agency>> {
        query::agencies(self.conn(), include_archived)
    }

    /// The localities, provinces first, then by name.
    pub fn localities(&self) -> Result<Vec<Locality>> {
        query::localities(self.conn())
    }

    /// The follow-up policy: the administrator's, or the built-in default until one arrives.
    pub fn policy(&self) -> Result<FollowUpPolicy> {
        followup::policy(self.conn())
    }

    /// Every raising of the same matter as `question`, oldest first, itself included: the
    /// questions it repeats and those that repeat it, as people linked them.
    pub fn repeats(&self, question: QuestionId) -> Result<Vec<QuestionRow>> {
        followup::repeats(self.conn(), self.clock().today(), question)
    }
}
