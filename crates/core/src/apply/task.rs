//! Applying a change to a dialogue's preparation task.

use super::*;

/// Applies one of this record's changes; the dispatcher in the parent module sends no other.
pub(super) fn apply(
    tx: &Transaction<'_>,
    mutation: &Mutation,
    _author: Author,
    _reindex: &mut Reindex,
) -> Result<()> {
    match &mutation.change {
        Change::UpsertDialogueTask(task) => {
            exec(
                tx,
                "INSERT INTO dialogue_tasks (id, dialogue, kind, title, body, due_on, done_on, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title,
                     body = excluded.body, due_on = excluded.due_on, done_on = excluded.done_on,
                     note = excluded.note",
                params![
                    task.id.to_string(),
                    task.dialogue.to_string(),
                    task.kind.as_str(),
                    task.title,
                    task.body.as_str(),
                    task.due_on.to_string(),
                    task.done_on.map(|d| d.to_string()),
                    task.note
                ],
            )?;
        }
        other => {
            return Err(ReplicaError::Corrupt(format!(
                "a `{}` change reached the task module",
                other.kind()
            )));
        }
    }
    Ok(())
}
