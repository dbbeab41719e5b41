//! Applying a change to a question: its capture, its text and citizen groups, a merge into another, a repeat link.

use super::*;

/// Applies one of this record's changes; the dispatcher in the parent module sends no other.
pub(super) fn apply(
    tx: &Transaction<'_>,
    mutation: &Mutation,
    _author: Author,
    reindex: &mut Reindex,
) -> Result<()> {
    let stamp = mutation.stamp();
    match &mutation.change {
        Change::CaptureQuestion {
            id,
            dialogue,
            number,
            text,
            citizen,
            captured_at,
        } => {
            let key = stamp_key(&stamp);
            let (name, locality, phone) = citizen_columns(citizen);
            let inserted = exec(tx,
                "INSERT INTO questions (id, dialogue, number_letter, number_counter, kind, source, topic,
                     content, text_stamp, citizen_name, citizen_locality, citizen_phone, citizen_stamp,
                     captured_by, captured_at, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?9, ?13, ?14, ?15)
                 ON CONFLICT (id) DO NOTHING",
                params![
                    id.to_string(),
                    dialogue.to_string(),
                    number.letter.as_str(),
                    number.counter,
                    text.kind.as_str(),
                    text.source.as_str(),
                    text.topic.map(|t| t.to_string()),
                    text.content,
                    key,
                    name,
                    locality,
                    phone,
                    mutation.device.to_string(),
                    captured_at.to_rfc3339(),
                    QuestionStatus::Received.as_str(),
                ],
            )?;
            if inserted == 1 {
                reindex.note(*id);
            }
        }
        Change::EditQuestionText { id, text, base } => {
            let current = question_text(tx, *id)?;
            let incoming = Versioned {
                value: text.clone(),
                stamp,
            };
            if let Some(w) = merge_group(
                tx,
                Group {
                    record_kind: "question",
                    record_id: id.to_string(),
                    group: "text",
                    flag: ("questions", &id.to_string()),
                },
                current,
                incoming,
                *base,
            )? {
                exec(tx,
                    "UPDATE questions SET kind = ?2, source = ?3, topic = ?4, content = ?5, text_stamp = ?6
                     WHERE id = ?1",
                    params![
                        id.to_string(),
                        w.value.kind.as_str(),
                        w.value.source.as_str(),
                        w.value.topic.map(|t| t.to_string()),
                        w.value.content,
                        stamp_key(&w.stamp)
                    ],
                )?;
                reindex.note(*id);
            }
        }
        Change::EditCitizen { id, citizen, base } => {
            let current = question_citizen(tx, *id)?;
            let incoming = Versioned {
                value: citizen.clone(),
                stamp,
            };
            if let Some(w) = merge_group(
                tx,
                Group {
                    record_kind: "question",
                    record_id: id.to_string(),
                    group: "citizen",
                    flag: ("questions", &id.to_string()),
                },
                current,
                incoming,
                *base,
            )? {
                let (name, locality, phone) = citizen_columns(&w.value);
                exec(tx,
                    "UPDATE questions SET citizen_name = ?2, citizen_locality = ?3, citizen_phone = ?4,
                         citizen_stamp = ?5
                     WHERE id = ?1",
                    params![id.to_string(), name, locality, phone, stamp_key(&w.stamp)],
                )?;
                reindex.note(*id);
            }
        }
        Change::MergeDuplicate { question, into } => {
            exec(
                tx,
                "UPDATE questions SET merged_into = ?2 WHERE id = ?1",
                params![question.to_string(), into.to_string()],
            )?;
        }
        Change::LinkRepeat { question, earlier } => {
            exec(
                tx,
                "UPDATE questions SET repeat_of = ?2 WHERE id = ?1",
                params![question.to_string(), earlier.map(|e| e.to_string())],
            )?;
        }
        other => {
            return Err(ReplicaError::Corrupt(format!(
                "a `{}` change reached the question module",
                other.kind()
            )));
        }
    }
    Ok(())
}

pub(super) fn citizen_columns(citizen: &Citizen) -> (Option<&str>, Option<&str>, Option<&str>) {
    match citizen {
        Citizen::Anonymous => (None, None, None),
        Citizen::Named {
            name,
            locality,
            phone,
        } => (
            Some(name.as_str()),
            locality.as_deref(),
            phone.as_ref().map(|p| p.as_str()),
        ),
    }
}

pub(crate) fn question_text(
    tx: &Transaction<'_>,
    id: QuestionId,
) -> Result<Versioned<QuestionText>> {
    query_row(
        tx,
        "SELECT kind, source, topic, content, text_stamp FROM questions WHERE id = ?1",
        params![id.to_string()],
        |r| {
            Ok(Versioned {
                value: QuestionText {
                    kind: get(r, 0)?,
                    source: get(r, 1)?,
                    topic: get_opt(r, 2)?,
                    content: r.get(3)?,
                },
                stamp: get_stamp(r, 4)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| ReplicaError::not_found("question", id))
}

pub(crate) fn question_citizen(tx: &Transaction<'_>, id: QuestionId) -> Result<Versioned<Citizen>> {
    query_row(tx,
        "SELECT citizen_name, citizen_locality, citizen_phone, citizen_stamp FROM questions WHERE id = ?1",
        params![id.to_string()],
        |r| {
            let name: Option<String> = r.get(0)?;
            let value = match name {
                None => Citizen::Anonymous,
                Some(name) => Citizen::Named { name, locality: r.get(1)?, phone: get_opt(r, 2)? },
            };
            Ok(Versioned { value, stamp: get_stamp(r, 3)? })
        },
    )
    .optional()?
    .ok_or_else(|| ReplicaError::not_found("question", id))
}
