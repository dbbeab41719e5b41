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

/// Registers every command the UI may call (the list in `townhall-core`, see [`commands`]).
#[macro_export]
macro_rules! townhall_handlers {
    () => {
        $crate::commands::handler()
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
