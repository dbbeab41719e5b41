//! The app's commands, written once: their names, arguments, result types, whether they read
//! or write, and what each does with the replica.
//!
//! [`app_commands!`](crate::app_commands) hands the list to a macro of the caller's, so the
//! Tauri app generates its command handlers from it and the development server its dispatch:
//! the two cannot offer different commands, arguments or types. This module generates one
//! plain function per command from the same list, which both call.
//!
//! Each entry is `kind name(argument: Type, …) -> Result = |replica| body;` with a doc comment.
//! The kind says how a host runs it:
//!
//! - `read` takes `&Replica` (the host's reading connection);
//! - `write` takes `&mut Replica` and is a change to sync, so the host wakes its sync soon after;
//! - `local` takes `&mut Replica` but changes only this device's own state (nothing to sync);
//! - `shell` has no body here: it needs what only a host has (the network for enrolment, the
//!   sync task, a folder to export to), so each host writes it by hand under the same name and
//!   arguments.
//!
//! Arguments travel as JSON objects with camelCase keys (`serverUrl` for `server_url`), as
//! Tauri passes them; `docs/IPC.md` lists the commands for the UI's authors.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::app::{CommandError, ExportDone};
use crate::{ExportOptions, Replica, ReportScope, Result};
use townhall_domain::ErrorCode;

/// Calls `$callback! { … }` with every command of the app (see [`crate::commands`]).
#[macro_export]
macro_rules! app_commands {
    ($callback:ident) => {
        $callback! {
            // Device.
            /// Who this device is and where it syncs.
            read device_info() -> $crate::app::DeviceInfo = |r| r.device_info();
            /// Enrols this device with the server at `server_url` using a code from the
            /// administrator, then starts syncing. The one command that waits on the network.
            shell device_enrol(server_url: String, code: String, device_name: String)
                -> $crate::app::DeviceInfo;

            // Settings.
            /// The user's settings.
            read settings_get() -> $crate::app::AppSettings = |r| r.settings();
            /// Saves the user's settings and returns them.
            write settings_set(settings: $crate::app::AppSettings) -> $crate::app::AppSettings
                = |r| { r.set_settings(&settings)?; Ok(settings) };

            // Reference data.
            /// The topics, for the capture form's chips.
            read reference_topics() -> Vec<$crate::domain::Topic> = |r| r.topics(false);
            /// The agencies questions can be assigned to.
            read reference_agencies() -> Vec<$crate::domain::Agency> = |r| r.agencies(false);
            /// The localities dialogues are held in.
            read reference_localities() -> Vec<$crate::domain::Locality> = |r| r.localities();
            /// Adds a locality (a commune, district or the province) for dialogues to be held in.
            write reference_locality_add(
                name: String,
                level: $crate::domain::Level,
                parent: Option<$crate::domain::LocalityId>
            ) -> $crate::domain::LocalityId = |r| r.upsert_locality(None, &name, level, parent);

            // Dialogues.
            /// Every dialogue, latest first, with its counts.
            read dialogue_list() -> Vec<$crate::DialogueSummary> = |r| r.dialogues();
            /// Plans a new dialogue.
            write dialogue_create(input: $crate::domain::validate::DialogueInput)
                -> $crate::domain::DialogueId = |r| r.create_dialogue(&input);
            /// Edits a dialogue's details.
            write dialogue_edit(
                id: $crate::domain::DialogueId,
                input: $crate::domain::validate::DialogueInput
            ) -> () = |r| r.edit_dialogue(id, &input);
            /// Opens or concludes a dialogue.
            write dialogue_set_status(
                id: $crate::domain::DialogueId,
                status: $crate::domain::DialogueStatus
            ) -> () = |r| r.set_dialogue_status(id, status);

            // Questions.
            /// Saves a question captured in the hall and returns its display number.
            write question_capture(input: $crate::CaptureInput) -> $crate::Captured
                = |r| r.capture(&input);
            /// One page of questions matching `filter`, with per-status counts.
            read question_list(
                filter: $crate::QuestionFilter,
                sort: $crate::QuestionSort,
                page: $crate::Page
            ) -> $crate::QuestionList = |r| r.questions(&filter, sort, page);
            /// Diacritic-insensitive search, best match first, with highlighted snippets.
            read question_search(query: String, filter: $crate::QuestionFilter, limit: u32)
                -> Vec<$crate::SearchHit> = |r| r.search(&query, &filter, limit);
            /// Everything about one question.
            read question_get(id: $crate::domain::QuestionId) -> $crate::QuestionDetail
                = |r| r.question(id);
            /// Edits what was raised and by whom.
            write question_edit(
                id: $crate::domain::QuestionId,
                input: $crate::domain::validate::QuestionInput
            ) -> () = |r| r.edit_question(id, &input);
            /// Moves a question to another status, with an optional note.
            write question_change_status(
                id: $crate::domain::QuestionId,
                to: $crate::domain::QuestionStatus,
                note: Option<String>
            ) -> () = |r| r.change_status(id, to, note.as_deref().unwrap_or(""));
            /// Merges a duplicate into the question it repeats.
            write question_merge(id: $crate::domain::QuestionId, into: $crate::domain::QuestionId)
                -> () = |r| r.merge_duplicate(id, into);
            /// Likely duplicates of a question, most alike first.
            read question_similar(id: $crate::domain::QuestionId, limit: u32)
                -> Vec<$crate::SearchHit> = |r| r.similar_questions(id, limit);
            /// The capture form's half-typed state.
            read question_draft_get() -> Option<String> = |r| r.draft();
            /// Saves or clears the capture form's half-typed state. Not a change to sync.
            local question_draft_set(draft: Option<String>) -> ()
                = |r| r.set_draft(draft.as_deref());

            // Answers.
            /// Records an answer to a question.
            write answer_add(
                question: $crate::domain::QuestionId,
                input: $crate::domain::validate::AnswerInput
            ) -> $crate::domain::AnswerId = |r| r.add_answer(question, &input);
            /// Edits an answer.
            write answer_edit(
                id: $crate::domain::AnswerId,
                input: $crate::domain::validate::AnswerInput
            ) -> () = |r| r.edit_answer(id, &input);

            // Assignments.
            /// Assigns one or many questions to an agency, all or none.
            write assignment_create(
                questions: Vec<$crate::domain::QuestionId>,
                input: $crate::domain::validate::AssignmentInput
            ) -> Vec<$crate::domain::AssignmentId> = |r| r.assign_many(&questions, &input);
            /// Changes an assignment's agency, due date or instructions.
            write assignment_edit(
                id: $crate::domain::AssignmentId,
                input: $crate::domain::validate::AssignmentInput
            ) -> () = |r| r.edit_assignment(id, &input);

            // Sync.
            /// What the sync badge shows.
            shell sync_status() -> $crate::app::SyncBadge;
            /// Starts a sync in the background; returns at once.
            shell sync_now() -> ();
            /// The changes the server refused, with its reasons.
            read sync_rejected() -> Vec<$crate::sync::RejectedMutation>
                = |r| r.rejected_mutations();
            /// Sends a refused change again.
            write sync_retry_rejected(seq: u64) -> () = |r| r.retry_rejected(seq);
            /// Sets a refused change aside.
            write sync_dismiss_rejected(seq: u64) -> () = |r| r.dismiss_rejected(seq);
            /// A plain-text report for support (versions, device, sync state, the newest log
            /// lines), with no citizen details or token, for the user to copy into a message.
            shell sync_diagnostics() -> String;

            // Follow-up.
            /// The follow-up policy: answer term, escalation delay, reminder window, official
            /// days off.
            read followup_policy_get() -> $crate::domain::followup::FollowUpPolicy
                = |r| r.policy();
            /// Sets the follow-up policy (administrator).
            write followup_policy_set(policy: $crate::domain::followup::FollowUpPolicy) -> ()
                = |r| r.set_policy(&policy);
            /// The due date the assignment form proposes today.
            read followup_default_due_date() -> chrono::NaiveDate = |r| r.default_due_date();
            /// What waits on this device's user: overdue, escalated and due-soon questions,
            /// and tasks.
            read followup_summary() -> $crate::followup::FollowUp = |r| r.follow_up();
            /// A dialogue's timeline and preparation checklist.
            read followup_dialogue_plan(dialogue: $crate::domain::DialogueId)
                -> $crate::followup::DialoguePlan = |r| r.dialogue_plan(dialogue);
            /// Adds the standard preparation checklist to a dialogue (the kinds it lacks).
            write followup_checklist_add_standard(dialogue: $crate::domain::DialogueId)
                -> Vec<$crate::domain::DialogueTaskId> = |r| r.add_standard_checklist(dialogue);
            /// Adds a task to a dialogue's checklist.
            write followup_task_add(
                dialogue: $crate::domain::DialogueId,
                input: $crate::domain::followup::TaskInput
            ) -> $crate::domain::DialogueTaskId = |r| r.add_task(dialogue, &input);
            /// Changes a checklist task, e.g. marks it done.
            write followup_task_edit(
                id: $crate::domain::DialogueTaskId,
                input: $crate::domain::followup::TaskInput
            ) -> () = |r| r.edit_task(id, &input);
            /// Reopens an answered or resolved question and sends it back with a new due date.
            write question_reopen(
                question: $crate::domain::QuestionId,
                note: String,
                input: $crate::domain::validate::AssignmentInput
            ) -> $crate::domain::AssignmentId = |r| r.reopen(question, &note, &input);
            /// Questions from earlier dialogues likely to be the same matter, for a person to
            /// confirm.
            read question_repeat_candidates(id: $crate::domain::QuestionId, limit: u32)
                -> Vec<$crate::SearchHit> = |r| r.repeat_candidates(id, limit);
            /// Links a question to the same matter raised earlier, or (`earlier: null`) unlinks
            /// it.
            write question_link_repeat(
                question: $crate::domain::QuestionId,
                earlier: Option<$crate::domain::QuestionId>
            ) -> () = |r| r.link_repeat(question, earlier);

            // Reports.
            /// A report's figures for a dialogue or a period.
            read report_get(scope: $crate::ReportScope) -> $crate::Report
                = |r| { let calendar = r.policy()?.calendar; r.report(&scope, &calendar) };
            /// One page of a report's question list.
            read report_questions(
                scope: $crate::ReportScope,
                include_personal_data: bool,
                page: $crate::Page
            ) -> $crate::ReportQuestionPage
                = |r| r.report_questions(&scope, include_personal_data, page);
            /// Exports a report to a file in the exports folder and records the export.
            shell report_export(scope: $crate::ReportScope, options: $crate::ExportOptions)
                -> $crate::app::ExportDone;
            /// The exports made on this device, latest first.
            read report_exports() -> Vec<$crate::ExportRecord> = |r| r.exports();
        }
    };
}

/// Generates one function per `read`, `write` or `local` command.
macro_rules! command_functions {
    ($(
        $(#[$meta:meta])*
        $kind:ident $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty
            $(= |$r:ident| $body:expr)? ;
    )*) => {
        $( command_function! { $(#[$meta])* $kind $name ($($arg: $ty),*) -> $ret $(= |$r| $body)? } )*
    };
}

/// One command's function, by kind; a `shell` command has none.
macro_rules! command_function {
    ($(#[$meta:meta])* read $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty = |$r:ident| $body:expr) => {
        $(#[$meta])*
        pub fn $name($r: &Replica, $($arg: $ty),*) -> Result<$ret> {
            $body
        }
    };
    ($(#[$meta:meta])* write $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty = |$r:ident| $body:expr) => {
        $(#[$meta])*
        pub fn $name($r: &mut Replica, $($arg: $ty),*) -> Result<$ret> {
            $body
        }
    };
    ($(#[$meta:meta])* local $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty = |$r:ident| $body:expr) => {
        $(#[$meta])*
        pub fn $name($r: &mut Replica, $($arg: $ty),*) -> Result<$ret> {
            $body
        }
    };
    ($(#[$meta:meta])* shell $name:ident ($($arg:ident : $ty:ty),*) -> $ret:ty) => {};
}

crate::app_commands!(command_functions);

/// The part of `report_export` both hosts share: writes the report into `dir` (which each host
/// chooses: the documents folder in the app, a temporary one in development) under a name
/// that says its scope and time `now`, and records the export.
pub fn export_report_into(
    replica: &mut Replica,
    scope: &ReportScope,
    options: &ExportOptions,
    dir: &Path,
    now: DateTime<Utc>,
) -> std::result::Result<ExportDone, CommandError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        CommandError::new(
            ErrorCode::Io,
            format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    let calendar = replica.policy()?.calendar;
    let stamp = now.format("%Y%m%d-%H%M%S");
    let scope_part = match (scope.dialogue, scope.period) {
        (Some(d), _) => format!("doi-thoai-{}", &d.to_string()[..8]),
        (None, Some(p)) => format!("{:?}-{}-{}", p.kind, p.year, p.index).to_lowercase(),
        (None, None) => "tat-ca".to_owned(),
    };
    let path = dir.join(format!(
        "bao-cao-{scope_part}-{stamp}.{}",
        options.format.as_str()
    ));
    let summary = replica.export_report(scope, options, &calendar, &path)?;
    Ok(ExportDone {
        summary,
        path: path.display().to_string(),
    })
}
