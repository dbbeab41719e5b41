//! Applying a change to an answer: recorded, then corrected.

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
        Change::AddAnswer {
            id,
            question,
            body,
            recorded_at,
        } => {
            exec(tx,
                "INSERT INTO answers (id, question, mode, answered_by, agency, content, document_number,
                     document_date, body_stamp, recorded_at)
                 VALUES (?1, ?2, '', '', NULL, '', NULL, NULL, ?3, ?4)
                 ON CONFLICT (id) DO NOTHING",
                params![id.to_string(), question.to_string(), stamp_key(&stamp), recorded_at.to_rfc3339()],
            )?;
            write_answer_body(tx, *id, body, &stamp)?;
        }
        Change::EditAnswer { id, body, base } => {
            let (question, current) = answer_body(tx, *id)?;
            let incoming = Versioned {
                value: body.clone(),
                stamp,
            };
            if let Some(w) = merge_group(
                tx,
                Group {
                    record_kind: "answer",
                    record_id: id.to_string(),
                    group: "body",
                    flag: ("questions", &question.to_string()),
                },
                current,
                incoming,
                *base,
            )? {
                write_answer_body(tx, *id, &w.value, &w.stamp)?;
            }
        }
        other => {
            return Err(ReplicaError::Corrupt(format!(
                "a `{}` change reached the answer module",
                other.kind()
            )));
        }
    }
    Ok(())
}

pub(super) fn write_answer_body(
    tx: &Transaction<'_>,
    id: AnswerId,
    b: &AnswerBody,
    stamp: &Stamp,
) -> Result<()> {
    exec(
        tx,
        "UPDATE answers SET mode = ?2, answered_by = ?3, agency = ?4, content = ?5,
             document_number = ?6, document_date = ?7, body_stamp = ?8
         WHERE id = ?1 AND (body_stamp <= ?8 OR mode = '')",
        params![
            id.to_string(),
            b.mode.as_str(),
            b.answered_by,
            b.agency.map(|a| a.to_string()),
            b.content,
            b.document.as_ref().map(|d| d.number.as_str()),
            b.document.as_ref().map(|d| d.date.to_string()),
            stamp_key(stamp)
        ],
    )?;
    Ok(())
}

pub(crate) fn answer_body(
    tx: &Transaction<'_>,
    id: AnswerId,
) -> Result<(QuestionId, Versioned<AnswerBody>)> {
    query_row(tx,
        "SELECT question, mode, answered_by, agency, content, document_number, document_date, body_stamp
         FROM answers WHERE id = ?1",
        params![id.to_string()],
        |r| {
            let number: Option<String> = r.get(5)?;
            let date = get_opt(r, 6)?;
            let body = AnswerBody {
                mode: get(r, 1)?,
                answered_by: r.get(2)?,
                agency: get_opt::<AgencyId>(r, 3)?,
                content: r.get(4)?,
                document: number.zip(date).map(|(number, date)| DocumentRef { number, date }),
            };
            Ok((get(r, 0)?, Versioned { value: body, stamp: get_stamp(r, 7)? }))
        },
    )
    .optional()?
    .ok_or_else(|| ReplicaError::not_found("answer", id))
}
