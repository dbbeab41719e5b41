//! Follow-up: the deadline policy, what is overdue or due soon, reopened and repeated petitions,
//! and each dialogue's preparation checklist.

use chrono::NaiveDate;
use tauri::State;
use townhall_core::SearchHit;
use townhall_core::followup::{DialoguePlan, FollowUp};
use townhall_domain::followup::{FollowUpPolicy, TaskInput};
use townhall_domain::validate::AssignmentInput;
use townhall_domain::{AssignmentId, DialogueId, DialogueTaskId, QuestionId};

use super::CommandResult;
use crate::AppState;

/// The follow-up policy: answer term, escalation delay, reminder window, official days off.
#[tauri::command(async)]
pub fn followup_policy_get(state: State<'_, AppState>) -> CommandResult<FollowUpPolicy> {
    state.read(townhall_core::Replica::policy)
}

/// Sets the follow-up policy (administrator).
#[tauri::command(async)]
pub fn followup_policy_set(
    state: State<'_, AppState>,
    policy: FollowUpPolicy,
) -> CommandResult<()> {
    state.write(|r| r.set_policy(&policy))
}

/// The due date the assignment form proposes today.
#[tauri::command(async)]
pub fn followup_default_due_date(state: State<'_, AppState>) -> CommandResult<NaiveDate> {
    state.read(townhall_core::Replica::default_due_date)
}

/// What waits on this device's user: overdue, escalated and due-soon questions, and tasks.
#[tauri::command(async)]
pub fn followup_summary(state: State<'_, AppState>) -> CommandResult<FollowUp> {
    state.read(townhall_core::Replica::follow_up)
}

/// A dialogue's timeline and preparation checklist.
#[tauri::command(async)]
pub fn followup_dialogue_plan(
    state: State<'_, AppState>,
    dialogue: DialogueId,
) -> CommandResult<DialoguePlan> {
    state.read(|r| r.dialogue_plan(dialogue))
}

/// Adds the standard preparation checklist to a dialogue (the kinds it lacks).
#[tauri::command(async)]
pub fn followup_checklist_add_standard(
    state: State<'_, AppState>,
    dialogue: DialogueId,
) -> CommandResult<Vec<DialogueTaskId>> {
    state.write(|r| r.add_standard_checklist(dialogue))
}

/// Adds a task to a dialogue's checklist.
#[tauri::command(async)]
pub fn followup_task_add(
    state: State<'_, AppState>,
    dialogue: DialogueId,
    input: TaskInput,
) -> CommandResult<DialogueTaskId> {
    state.write(|r| r.add_task(dialogue, &input))
}

/// Changes a checklist task, e.g. marks it done.
#[tauri::command(async)]
pub fn followup_task_edit(
    state: State<'_, AppState>,
    id: DialogueTaskId,
    input: TaskInput,
) -> CommandResult<()> {
    state.write(|r| r.edit_task(id, &input))
}

/// Reopens an answered or resolved question and sends it back with a new due date.
#[tauri::command(async)]
pub fn question_reopen(
    state: State<'_, AppState>,
    question: QuestionId,
    note: String,
    input: AssignmentInput,
) -> CommandResult<AssignmentId> {
    state.write(|r| r.reopen(question, &note, &input))
}

/// Questions from earlier dialogues likely to be the same matter, for a person to confirm.
#[tauri::command(async)]
pub fn question_repeat_candidates(
    state: State<'_, AppState>,
    id: QuestionId,
    limit: u32,
) -> CommandResult<Vec<SearchHit>> {
    state.read(|r| r.repeat_candidates(id, limit))
}

/// Links a question to the same matter raised earlier, or (`earlier: null`) unlinks it.
#[tauri::command(async)]
pub fn question_link_repeat(
    state: State<'_, AppState>,
    question: QuestionId,
    earlier: Option<QuestionId>,
) -> CommandResult<()> {
    state.write(|r| r.link_repeat(question, earlier))
}
