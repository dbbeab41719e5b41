//! The commands of the list that need the app itself: enrolment (the network), the sync
//! badge and "sync now" (the sync task), and report exports (the documents folder).

use std::path::PathBuf;

use tauri::{AppHandle, Manager, Runtime, State};
use townhall_core::app::{CommandError, DeviceInfo, ExportDone, SyncBadge};
use townhall_core::report::{ExportOptions, ReportScope};
use townhall_core::{Clock, SystemClock};

use super::CommandResult;
use crate::AppState;
use crate::state::lock;
use townhall_domain::ErrorCode;

/// The environment variable naming the folder exports are written to (tests, kiosks); by
/// default the user's documents folder, under `Townhall`.
pub const EXPORT_DIR_ENV: &str = "TOWNHALL_EXPORT_DIR";

/// Enrols this device with the server at `server_url` using a code from the administrator,
/// then starts syncing. The one command that waits on the network: there is nothing to show
/// until the server has answered.
#[tauri::command]
pub async fn device_enrol(
    state: State<'_, AppState>,
    server_url: String,
    code: String,
    device_name: String,
) -> CommandResult<DeviceInfo> {
    let url = server_url.trim().trim_end_matches('/').to_owned();
    townhall_core::sync::enrol(&state.replica, &url, code.trim(), device_name.trim()).await?;
    // The write also wakes the sync task, which pulls what this device may see.
    state.write(|r| r.set_device_name(device_name.trim()))?;
    state.read(|r| r.device_info())
}

/// What the sync badge shows.
#[tauri::command(async)]
pub fn sync_status(state: State<'_, AppState>) -> CommandResult<SyncBadge> {
    state.badge()
}

/// A plain-text report for support (versions, device, sync state, the newest log lines),
/// with no citizen details or token, for the user to copy into a message.
#[tauri::command(async)]
pub fn sync_diagnostics(state: State<'_, AppState>) -> CommandResult<String> {
    state.diagnostics()
}

/// Starts a sync in the background; returns at once.
#[tauri::command(async)]
pub fn sync_now(state: State<'_, AppState>) -> CommandResult<()> {
    state.sync.now();
    Ok(())
}

/// Exports a report to a file in the exports folder and records the export.
#[tauri::command(async)]
pub fn report_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    scope: ReportScope,
    options: ExportOptions,
) -> CommandResult<ExportDone> {
    let chosen = state
        .export_dir
        .lock()
        .map_err(|_| CommandError::new(ErrorCode::Corrupt, "the export folder lock was poisoned"))?
        .clone();
    let dir = match chosen {
        Some(dir) => dir,
        None => default_export_dir(&app)?,
    };
    let mut replica = lock(&state.replica)?;
    townhall_core::commands::export_report_into(
        &mut replica,
        &scope,
        &options,
        &dir,
        SystemClock.now(),
    )
}

/// The user's documents folder, under `Townhall` (the app's data folder where there is none).
fn default_export_dir<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, CommandError> {
    let path = app.path();
    path.document_dir()
        .or_else(|_| path.app_data_dir().map(|d| d.join("exports")))
        .map(|d| d.join("Townhall"))
        .map_err(|e| CommandError::new(ErrorCode::Io, format!("no folder to export to: {e}")))
}
