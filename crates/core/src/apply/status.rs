//! Applying a change to a question's status: a change and the server's confirmation of it.

use super::*;

/// Applies one of this record's changes; the dispatcher in the parent module sends no other.
pub(super) fn apply(
    tx: &Transaction<'_>,
    mutation: &Mutation,
    author: Author,
    _reindex: &mut Reindex,
) -> Result<()> {
    match &mutation.change {
        Change::ChangeStatus {
            event,
            question,
            from,
            to,
            note,
            at,
        } => {
            exec(
                tx,
                "INSERT INTO status_events (id, question, from_status, to_status, actor, role, note, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO NOTHING",
                params![
                    event.to_string(),
                    question.to_string(),
                    from.as_str(),
                    to.as_str(),
                    author.user.to_string(),
                    author.role.as_str(),
                    note,
                    at.to_rfc3339()
                ],
            )?;
            // Always, even for an event seen before: the change log is the server's order of
            // status changes, and the last one applied is the status.
            exec(
                tx,
                "UPDATE questions SET status = ?2 WHERE id = ?1",
                params![question.to_string(), to.as_str()],
            )?;
        }
        Change::ConfirmStatus { question, status } => {
            exec(
                tx,
                "UPDATE questions SET status = ?2 WHERE id = ?1",
                params![question.to_string(), status.as_str()],
            )?;
        }
        other => {
            return Err(ReplicaError::Corrupt(format!(
                "a `{}` change reached the status module",
                other.kind()
            )));
        }
    }
    Ok(())
}
