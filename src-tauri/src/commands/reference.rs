//! Topics, agencies and localities for pickers.

use tauri::State;
use townhall_domain::{Agency, Locality, Topic};

use super::CommandResult;
use crate::AppState;

/// The topics, for the capture form's chips.
#[tauri::command(async)]
pub fn reference_topics(state: State<'_, AppState>) -> CommandResult<Vec<Topic>> {
    state.read(|r| r.topics(false))
}

/// The agencies questions can be assigned to.
#[tauri::command(async)]
pub fn reference_agencies(state: State<'_, AppState>) -> CommandResult<Vec<Agency>> {
    state.read(|r| r.agencies(false))
}

/// The localities dialogues are held in.
#[tauri::command(async)]
pub fn reference_localities(state: State<'_, AppState>) -> CommandResult<Vec<Locality>> {
    state.read(|r| r.localities())
}

/// Adds a locality (a commune, district or the province) for dialogues to be held in.
#[tauri::command(async)]
pub fn reference_locality_add(
    state: State<'_, AppState>,
    name: String,
    level: townhall_domain::Level,
    parent: Option<townhall_domain::LocalityId>,
) -> CommandResult<townhall_domain::LocalityId> {
    state.write(|r| r.upsert_locality(None, &name, level, parent))
}
