//! Applying a change to a dialogue: its creation, its details and its status.

use super::*;

/// Applies one of this record's changes; the dispatcher in the parent module sends no other.
pub(super) fn apply(
    tx: &Transaction<'_>,
    mutation: &Mutation,
    _author: Author,
    _reindex: &mut Reindex,
) -> Result<()> {
    let stamp = mutation.stamp();
    match &mutation.change {
        Change::CreateDialogue { id, details } => {
            exec(tx,
                "INSERT INTO dialogues (id, title, level, locality, audience, venue, starts_at, hosts,
                     coordinating_bodies, plan_issued_on, attendee_count, details_stamp, status)
                 VALUES (?1, '', '', ?2, '', '', '', '', '', NULL, NULL, ?3, 'planned')
                 ON CONFLICT (id) DO NOTHING",
                params![id.to_string(), details.locality.to_string(), stamp_key(&stamp)],
            )?;
            write_dialogue_details(tx, *id, details, &stamp)?;
        }
        Change::EditDialogue { id, details, base } => {
            let current = dialogue_details(tx, *id)?;
            let incoming = Versioned {
                value: details.clone(),
                stamp,
            };
            if let Some(winner) = merge_group(
                tx,
                Group {
                    record_kind: "dialogue",
                    record_id: id.to_string(),
                    group: "details",
                    flag: ("dialogues", &id.to_string()),
                },
                current,
                incoming,
                *base,
            )? {
                write_dialogue_details(tx, *id, &winner.value, &winner.stamp)?;
            }
        }
        Change::SetDialogueStatus { id, to } => {
            let n = exec(
                tx,
                "UPDATE dialogues SET status = ?2 WHERE id = ?1",
                params![id.to_string(), to.as_str()],
            )?;
            if n == 0 {
                return Err(ReplicaError::not_found("dialogue", id));
            }
        }
        other => {
            return Err(ReplicaError::Corrupt(format!(
                "a `{}` change reached the dialogue module",
                other.kind()
            )));
        }
    }
    Ok(())
}

pub(super) fn write_dialogue_details(
    tx: &Transaction<'_>,
    id: DialogueId,
    d: &DialogueDetails,
    stamp: &Stamp,
) -> Result<()> {
    exec(
        tx,
        "UPDATE dialogues SET title = ?2, level = ?3, locality = ?4, audience = ?5, venue = ?6,
             starts_at = ?7, hosts = ?8, coordinating_bodies = ?9, plan_issued_on = ?10,
             attendee_count = ?11, details_stamp = ?12
         WHERE id = ?1 AND (details_stamp <= ?12 OR title = '')",
        params![
            id.to_string(),
            d.title,
            d.level.as_str(),
            d.locality.to_string(),
            d.audience,
            d.venue,
            d.starts_at.to_rfc3339(),
            d.hosts,
            d.coordinating_bodies,
            d.plan_issued_on.map(|p| p.to_string()),
            d.attendee_count,
            stamp_key(stamp)
        ],
    )?;
    Ok(())
}

pub(super) fn dialogue_details(
    tx: &Transaction<'_>,
    id: DialogueId,
) -> Result<Versioned<DialogueDetails>> {
    query_row(
        tx,
        "SELECT title, level, locality, audience, venue, starts_at, hosts, coordinating_bodies,
                plan_issued_on, attendee_count, details_stamp
         FROM dialogues WHERE id = ?1",
        params![id.to_string()],
        |r| {
            let starts_at: chrono::DateTime<chrono::FixedOffset> = get(r, 5)?;
            Ok(Versioned {
                value: DialogueDetails {
                    title: r.get(0)?,
                    level: get(r, 1)?,
                    locality: get(r, 2)?,
                    audience: r.get(3)?,
                    venue: r.get(4)?,
                    starts_at: starts_at.to_utc(),
                    hosts: r.get(6)?,
                    coordinating_bodies: r.get(7)?,
                    plan_issued_on: get_opt(r, 8)?,
                    attendee_count: r.get(9)?,
                },
                stamp: get_stamp(r, 10)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| ReplicaError::not_found("dialogue", id))
}
