//! Applying a change to reference data: topics, agencies and localities.

use super::*;

/// Applies one of this record's changes; the dispatcher in the parent module sends no other.
pub(super) fn apply(
    tx: &Transaction<'_>,
    mutation: &Mutation,
    _author: Author,
    _reindex: &mut Reindex,
) -> Result<()> {
    match &mutation.change {
        Change::UpsertTopic(topic) => {
            exec(
                tx,
                "INSERT INTO topics (id, name, archived, position)
                 VALUES (?1, ?2, ?3, (SELECT coalesce(max(position), 0) + 1 FROM topics))
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, archived = excluded.archived",
                params![topic.id.to_string(), topic.name, topic.archived],
            )?;
        }
        Change::UpsertAgency(agency) => {
            exec(tx,
                "INSERT INTO agencies (id, name, short_name, archived) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, short_name = excluded.short_name,
                     archived = excluded.archived",
                params![agency.id.to_string(), agency.name, agency.short_name, agency.archived],
            )?;
        }
        Change::UpsertLocality(locality) => {
            exec(
                tx,
                "INSERT INTO localities (id, name, level, parent) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, level = excluded.level,
                     parent = excluded.parent",
                params![
                    locality.id.to_string(),
                    locality.name,
                    locality.level.as_str(),
                    locality.parent.map(|p| p.to_string())
                ],
            )?;
        }
        other => {
            return Err(ReplicaError::Corrupt(format!(
                "a `{}` change reached the reference module",
                other.kind()
            )));
        }
    }
    Ok(())
}
