//! Applying a change to the follow-up policy.

use super::*;

/// Applies one of this record's changes; the dispatcher in the parent module sends no other.
pub(super) fn apply(
    tx: &Transaction<'_>,
    mutation: &Mutation,
    _author: Author,
    _reindex: &mut Reindex,
) -> Result<()> {
    match &mutation.change {
        Change::SetPolicy(policy) => {
            let body = serde_json::to_string(policy)
                .map_err(|e| ReplicaError::Corrupt(format!("policy: {e}")))?;
            exec(
                tx,
                "INSERT INTO policy (id, body) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                params![body],
            )?;
        }
        other => {
            return Err(ReplicaError::Corrupt(format!(
                "a `{}` change reached the policy module",
                other.kind()
            )));
        }
    }
    Ok(())
}
