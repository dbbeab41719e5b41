//! Assigning questions to agencies with a due date.

use tauri::State;
use townhall_domain::validate::AssignmentInput;
use townhall_domain::{AssignmentId, QuestionId};

use super::CommandResult;
use crate::AppState;

/// Assigns one or many questions to an agency, all or none.
#[tauri::command(async)]
pub fn assignment_create(
    state: State<'_, AppState>,
    questions: Vec<QuestionId>,
    input: AssignmentInput,
) -> CommandResult<Vec<AssignmentId>> {
    state.write(|r| r.assign_many(&questions, &input))
}

/// Changes an assignment's agency, due date or instructions.
#[tauri::command(async)]
pub fn assignment_edit(
    state: State<'_, AppState>,
    id: AssignmentId,
    input: AssignmentInput,
) -> CommandResult<()> {
    state.write(|r| r.edit_assignment(id, &input))
}
