//! The Townhall app: the Tauri shell over `townhall-core`.
//!
//! The replica lives in the app's data directory; every command is a one-liner into the
//! replica (see [`commands`]); a background task ([`sync_task`]) syncs on start, shortly after
//! each local write, on a timer and while the server is unreachable, and tells the UI through
//! events. No command waits on the network except enrolment, which cannot do otherwise.

pub mod commands;
pub mod state;
pub mod sync_task;

use std::path::PathBuf;

use tauri::Manager;

pub use state::AppState;

/// The environment variable that puts the replica somewhere other than the app data directory
/// (several instances side by side in tests, a demo).
pub const DATA_DIR_ENV: &str = "TOWNHALL_DATA_DIR";

/// Registers every command the UI may call.
#[macro_export]
macro_rules! townhall_handlers {
    () => {
        tauri::generate_handler![
            $crate::commands::device::device_info,
            $crate::commands::device::device_enrol,
            $crate::commands::settings::settings_get,
            $crate::commands::settings::settings_set,
            $crate::commands::reference::reference_topics,
            $crate::commands::reference::reference_agencies,
            $crate::commands::reference::reference_localities,
            $crate::commands::reference::reference_locality_add,
            $crate::commands::dialogue::dialogue_list,
            $crate::commands::dialogue::dialogue_create,
            $crate::commands::dialogue::dialogue_edit,
            $crate::commands::dialogue::dialogue_set_status,
            $crate::commands::question::question_capture,
            $crate::commands::question::question_list,
            $crate::commands::question::question_search,
            $crate::commands::question::question_get,
            $crate::commands::question::question_edit,
            $crate::commands::question::question_change_status,
            $crate::commands::question::question_merge,
            $crate::commands::question::question_similar,
            $crate::commands::question::question_draft_get,
            $crate::commands::question::question_draft_set,
            $crate::commands::answer::answer_add,
            $crate::commands::answer::answer_edit,
            $crate::commands::assignment::assignment_create,
            $crate::commands::assignment::assignment_edit,
            $crate::commands::sync::sync_status,
            $crate::commands::sync::sync_now,
            $crate::commands::sync::sync_rejected,
            $crate::commands::sync::sync_retry_rejected,
            $crate::commands::sync::sync_dismiss_rejected,
            $crate::commands::sync::sync_diagnostics,
            $crate::commands::followup::followup_policy_get,
            $crate::commands::followup::followup_policy_set,
            $crate::commands::followup::followup_default_due_date,
            $crate::commands::followup::followup_summary,
            $crate::commands::followup::followup_dialogue_plan,
            $crate::commands::followup::followup_checklist_add_standard,
            $crate::commands::followup::followup_task_add,
            $crate::commands::followup::followup_task_edit,
            $crate::commands::followup::question_reopen,
            $crate::commands::followup::question_repeat_candidates,
            $crate::commands::followup::question_link_repeat,
            $crate::commands::report::report_get,
            $crate::commands::report::report_questions,
            $crate::commands::report::report_export,
            $crate::commands::report::report_exports,
        ]
    };
}

/// Starts the app.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(townhall_handlers!())
        .setup(|app| {
            let dir = data_dir(app.handle())?;
            // The log goes beside the replica, so one folder holds all a support person needs.
            // A log that cannot be opened (a read-only folder) must not keep the app closed.
            let log_dir = dir.join("logs");
            match townhall_core::diagnostics::LogFile::open(&log_dir) {
                Ok(log) => {
                    log.install();
                }
                Err(error) => {
                    #[allow(clippy::print_stderr, reason = "the log file is what failed")]
                    {
                        eprintln!(
                            "Townhall cannot write its log in {}: {error}",
                            log_dir.display()
                        );
                    }
                }
            }
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "app started");
            let state = AppState::open(&dir)?;
            sync_task::spawn(
                app.handle().clone(),
                state.sync.clone(),
                state.replica.clone(),
            );
            app.manage(state);
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(error) = result {
        // Nothing is on screen yet to show it in; the terminal or the system log gets it.
        #[allow(clippy::print_stderr, reason = "the window could not open")]
        {
            eprintln!("Townhall could not start: {error}");
        }
        std::process::exit(1);
    }
}

/// Where the replica lives: `--data-dir DIR` on the command line, `TOWNHALL_DATA_DIR`, or the
/// platform's app data directory.
fn data_dir<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            if let Some(dir) = args.next() {
                return Ok(PathBuf::from(dir));
            }
        }
    }
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    app.path().app_data_dir()
}
