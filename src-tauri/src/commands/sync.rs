//! The sync badge, "sync now", and the changes the server refused.

use tauri::State;
use townhall_core::app::SyncBadge;
use townhall_core::sync::RejectedMutation;

use super::CommandResult;
use crate::AppState;

/// What the sync badge shows.
#[tauri::command(async)]
pub fn sync_status(state: State<'_, AppState>) -> CommandResult<SyncBadge> {
    state.badge()
}

/// Starts a sync in the background; returns at once.
#[tauri::command(async)]
pub fn sync_now(state: State<'_, AppState>) -> CommandResult<()> {
    state.sync.now();
    Ok(())
}

/// The changes the server refused, with its reasons.
#[tauri::command(async)]
pub fn sync_rejected(state: State<'_, AppState>) -> CommandResult<Vec<RejectedMutation>> {
    state.read(|r| r.rejected_mutations())
}

/// Sends a refused change again.
#[tauri::command(async)]
pub fn sync_retry_rejected(state: State<'_, AppState>, seq: u64) -> CommandResult<()> {
    state.write(|r| r.retry_rejected(seq))
}

/// Sets a refused change aside.
#[tauri::command(async)]
pub fn sync_dismiss_rejected(state: State<'_, AppState>, seq: u64) -> CommandResult<()> {
    state.write(|r| r.dismiss_rejected(seq))
}

/// A plain-text report for support (versions, device, sync state, the newest log lines),
/// with no citizen details or token, for the user to copy into a message.
#[tauri::command(async)]
pub fn sync_diagnostics(state: State<'_, AppState>) -> CommandResult<String> {
    state.diagnostics()
}
