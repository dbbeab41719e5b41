//! Applying a change to an assignment to an agency: made, then changed.

use super::*;

/// Applies one of this record's changes; the dispatcher in the parent module sends no other.
pub(super) fn apply(
    tx: &Transaction<'_>,
    mutation: &Mutation,
    author: Author,
    _reindex: &mut Reindex,
) -> Result<()> {
    let stamp = mutation.stamp();
    match &mutation.change {
        Change::Assign {
            id,
            question,
            terms,
            assigned_at,
        } => {
            exec(
                tx,
                "INSERT INTO assignments (id, question, agency, due_on, instructions, terms_stamp,
                     assigned_by, assigned_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO NOTHING",
                params![
                    id.to_string(),
                    question.to_string(),
                    terms.agency.to_string(),
                    terms.due_on.to_string(),
                    terms.instructions,
                    stamp_key(&stamp),
                    author.user.to_string(),
                    assigned_at.to_rfc3339()
                ],
            )?;
            refresh_current_assignment(tx, *question)?;
        }
        Change::EditAssignment { id, terms, base } => {
            let (question, current) = assignment_terms(tx, *id)?;
            let incoming = Versioned {
                value: terms.clone(),
                stamp,
            };
            if let Some(w) = merge_group(
                tx,
                Group {
                    record_kind: "assignment",
                    record_id: id.to_string(),
                    group: "terms",
                    flag: ("questions", &question.to_string()),
                },
                current,
                incoming,
                *base,
            )? {
                exec(tx,
                    "UPDATE assignments SET agency = ?2, due_on = ?3, instructions = ?4, terms_stamp = ?5
                     WHERE id = ?1",
                    params![
                        id.to_string(),
                        w.value.agency.to_string(),
                        w.value.due_on.to_string(),
                        w.value.instructions,
                        stamp_key(&w.stamp)
                    ],
                )?;
                refresh_current_assignment(tx, question)?;
            }
        }
        other => {
            return Err(ReplicaError::Corrupt(format!(
                "a `{}` change reached the assignment module",
                other.kind()
            )));
        }
    }
    Ok(())
}

/// Keeps the question's agency and due date equal to its latest assignment's.
pub(super) fn refresh_current_assignment(tx: &Transaction<'_>, question: QuestionId) -> Result<()> {
    exec(
        tx,
        "UPDATE questions SET (agency, due_on) = (
             SELECT agency, due_on FROM assignments WHERE question = ?1
             ORDER BY assigned_at DESC, id DESC LIMIT 1)
         WHERE id = ?1",
        params![question.to_string()],
    )?;
    Ok(())
}

pub(crate) fn assignment_terms(
    tx: &Transaction<'_>,
    id: AssignmentId,
) -> Result<(QuestionId, Versioned<AssignmentTerms>)> {
    query_row(
        tx,
        "SELECT question, agency, due_on, instructions, terms_stamp FROM assignments WHERE id = ?1",
        params![id.to_string()],
        |r| {
            let terms = AssignmentTerms {
                agency: get(r, 1)?,
                due_on: get(r, 2)?,
                instructions: r.get(3)?,
            };
            Ok((
                get(r, 0)?,
                Versioned {
                    value: terms,
                    stamp: get_stamp(r, 4)?,
                },
            ))
        },
    )
    .optional()?
    .ok_or_else(|| ReplicaError::not_found("assignment", id))
}
