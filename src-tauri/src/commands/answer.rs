//! Answers: on the spot in the hall, or written by an agency.

use tauri::State;
use townhall_domain::AnswerId;
use townhall_domain::QuestionId;
use townhall_domain::validate::AnswerInput;

use super::CommandResult;
use crate::AppState;

/// Records an answer to a question.
#[tauri::command(async)]
pub fn answer_add(
    state: State<'_, AppState>,
    question: QuestionId,
    input: AnswerInput,
) -> CommandResult<AnswerId> {
    state.write(|r| r.add_answer(question, &input))
}

/// Edits an answer.
#[tauri::command(async)]
pub fn answer_edit(
    state: State<'_, AppState>,
    id: AnswerId,
    input: AnswerInput,
) -> CommandResult<()> {
    state.write(|r| r.edit_answer(id, &input))
}
