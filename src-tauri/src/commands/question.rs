//! Questions: capture, lists, search, one question's story, edits, status, duplicates.

use tauri::State;
use townhall_core::{
    CaptureInput, Captured, Page, QuestionDetail, QuestionFilter, QuestionList, QuestionSort,
    SearchHit,
};
use townhall_domain::validate::QuestionInput;
use townhall_domain::{QuestionId, QuestionStatus};

use super::CommandResult;
use crate::AppState;

/// Saves a question captured in the hall and returns its display number.
#[tauri::command(async)]
pub fn question_capture(
    state: State<'_, AppState>,
    input: CaptureInput,
) -> CommandResult<Captured> {
    state.write(|r| r.capture(&input))
}

/// One page of questions matching `filter`, with per-status counts.
#[tauri::command(async)]
pub fn question_list(
    state: State<'_, AppState>,
    filter: QuestionFilter,
    sort: QuestionSort,
    page: Page,
) -> CommandResult<QuestionList> {
    state.read(|r| r.questions(&filter, sort, page))
}

/// Diacritic-insensitive search, best match first, with highlighted snippets.
#[tauri::command(async)]
pub fn question_search(
    state: State<'_, AppState>,
    query: String,
    filter: QuestionFilter,
    limit: u32,
) -> CommandResult<Vec<SearchHit>> {
    state.read(|r| r.search(&query, &filter, limit))
}

/// Everything about one question.
#[tauri::command(async)]
pub fn question_get(state: State<'_, AppState>, id: QuestionId) -> CommandResult<QuestionDetail> {
    state.read(|r| r.question(id))
}

/// Edits what was raised and by whom.
#[tauri::command(async)]
pub fn question_edit(
    state: State<'_, AppState>,
    id: QuestionId,
    input: QuestionInput,
) -> CommandResult<()> {
    state.write(|r| r.edit_question(id, &input))
}

/// Moves a question to another status, with an optional note.
#[tauri::command(async)]
pub fn question_change_status(
    state: State<'_, AppState>,
    id: QuestionId,
    to: QuestionStatus,
    note: Option<String>,
) -> CommandResult<()> {
    state.write(|r| r.change_status(id, to, note.as_deref().unwrap_or("")))
}

/// Merges a duplicate into the question it repeats.
#[tauri::command(async)]
pub fn question_merge(
    state: State<'_, AppState>,
    id: QuestionId,
    into: QuestionId,
) -> CommandResult<()> {
    state.write(|r| r.merge_duplicate(id, into))
}

/// Likely duplicates of a question, most alike first.
#[tauri::command(async)]
pub fn question_similar(
    state: State<'_, AppState>,
    id: QuestionId,
    limit: u32,
) -> CommandResult<Vec<SearchHit>> {
    state.read(|r| r.similar_questions(id, limit))
}

/// The capture form's half-typed state.
#[tauri::command(async)]
pub fn question_draft_get(state: State<'_, AppState>) -> CommandResult<Option<String>> {
    state.read(|r| r.draft())
}

/// Saves or clears the capture form's half-typed state. Not a change to sync.
#[tauri::command(async)]
pub fn question_draft_set(state: State<'_, AppState>, draft: Option<String>) -> CommandResult<()> {
    let mut replica = crate::state::lock(&state.replica)?;
    Ok(replica.set_draft(draft.as_deref())?)
}
