//! Who this device is, and enrolling it with a server.

use tauri::State;
use townhall_core::app::DeviceInfo;

use super::CommandResult;
use crate::AppState;

/// Who this device is and where it syncs.
#[tauri::command(async)]
pub fn device_info(state: State<'_, AppState>) -> CommandResult<DeviceInfo> {
    state.read(|r| r.device_info())
}

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
