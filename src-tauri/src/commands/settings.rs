//! The user's settings on this device.

use tauri::State;
use townhall_core::app::AppSettings;

use super::CommandResult;
use crate::AppState;

/// The user's settings.
#[tauri::command(async)]
pub fn settings_get(state: State<'_, AppState>) -> CommandResult<AppSettings> {
    state.read(|r| r.settings())
}

/// Saves the user's settings and returns them.
#[tauri::command(async)]
pub fn settings_set(
    state: State<'_, AppState>,
    settings: AppSettings,
) -> CommandResult<AppSettings> {
    state.write(|r| r.set_settings(&settings))?;
    Ok(settings)
}
