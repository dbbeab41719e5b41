//! Dialogues: the list, and the secretariat's edits.

use tauri::State;
use townhall_core::DialogueSummary;
use townhall_domain::validate::DialogueInput;
use townhall_domain::{DialogueId, DialogueStatus};

use super::CommandResult;
use crate::AppState;

/// Every dialogue, latest first, with its counts.
#[tauri::command(async)]
pub fn dialogue_list(state: State<'_, AppState>) -> CommandResult<Vec<DialogueSummary>> {
    state.read(|r| r.dialogues())
}

/// Plans a new dialogue.
#[tauri::command(async)]
pub fn dialogue_create(
    state: State<'_, AppState>,
    input: DialogueInput,
) -> CommandResult<DialogueId> {
    state.write(|r| r.create_dialogue(&input))
}

/// Edits a dialogue's details.
#[tauri::command(async)]
pub fn dialogue_edit(
    state: State<'_, AppState>,
    id: DialogueId,
    input: DialogueInput,
) -> CommandResult<()> {
    state.write(|r| r.edit_dialogue(id, &input))
}

/// Opens or concludes a dialogue.
#[tauri::command(async)]
pub fn dialogue_set_status(
    state: State<'_, AppState>,
    id: DialogueId,
    status: DialogueStatus,
) -> CommandResult<()> {
    state.write(|r| r.set_dialogue_status(id, status))
}
