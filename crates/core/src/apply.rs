//! Applying a mutation to the replica's tables.
//!
//! The same code applies a mutation made on this device and (with sync) one pulled from the
//! server, so both paths give the same rows. Applying is idempotent: creating a record that
//! exists, or replaying an edit already applied, changes nothing.
//! Field groups merge last-writer-wins on their stamp; the value that is replaced or that loses
//! goes to `history`, and edits made without seeing each other flag a conflict for review.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use townhall_domain::merge::{Versioned, merge};
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::{
    AgencyId, AnswerBody, AnswerId, AssignmentId, AssignmentTerms, Citizen, DialogueDetails,
    DialogueId, DocumentRef, QuestionId, QuestionStatus, QuestionText, Role, Stamp, UserId,
};

use crate::error::{ReplicaError, Result};
use crate::search::Reindex;
use crate::stamp::{exec, get, get_opt, get_stamp, query_row, stamp_key};

/// Who made a mutation, as recorded in status events.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Author {
    pub(crate) user: UserId,
    pub(crate) role: Role,
}

/// Applies one mutation inside the caller's transaction.
///
/// Questions whose searchable text changed are noted in `reindex`, which the caller flushes once
/// before committing.
pub(crate) fn apply(
    tx: &Transaction<'_>,
    mutation: &Mutation,
    author: Author,
    reindex: &mut Reindex,
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
        Change::MergeDuplicate { question, into } => {
            exec(
                tx,
                "UPDATE questions SET merged_into = ?2 WHERE id = ?1",
                params![question.to_string(), into.to_string()],
            )?;
        }
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
        Change::LinkRepeat { question, earlier } => {
            exec(
                tx,
                "UPDATE questions SET repeat_of = ?2 WHERE id = ?1",
                params![question.to_string(), earlier.map(|e| e.to_string())],
            )?;
        }
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
    }
    Ok(())
}

/// Where a field group lives: its record and the question or dialogue a conflict flags.
struct Group<'a> {
    record_kind: &'static str,
    record_id: String,
    group: &'static str,
    /// The table (`questions` or `dialogues`) and id to flag.
    flag: (&'static str, &'a str),
}

/// Merges an incoming version of a field group with the current one.
///
/// Records the value that does not stand in `history` (once, however often the edit is
/// replayed) and returns the winner when it is the incoming version, for the caller to write.
/// Edits made without seeing the version they replace also flag the question or dialogue
/// `flag` names (table, id) for review.
fn merge_group<T: Ord + Clone + Serialize>(
    tx: &Transaction<'_>,
    place: Group<'_>,
    current: Versioned<T>,
    incoming: Versioned<T>,
    base: Option<Stamp>,
) -> Result<Option<Versioned<T>>> {
    let Group {
        record_kind,
        record_id,
        group,
        flag,
    } = place;
    if current == incoming {
        return Ok(None);
    }
    if current.value == incoming.value
        && current.stamp.device == incoming.stamp.device
        && incoming.stamp < current.stamp
    {
        // This device's own edit, back from the server with its clock clamped (this device's
        // clock runs ahead): take the server's stamp, so later edits from other devices order
        // against it here exactly as they do everywhere else.
        return Ok(Some(incoming));
    }
    let incoming_stamp = incoming.stamp;
    let concurrent = base != Some(current.stamp);
    let merged = merge(current, incoming);
    let Some(loser) = merged.loser else {
        return Ok(None);
    };
    let incoming_won = merged.winner.stamp == incoming_stamp;
    let reason = if incoming_won {
        "superseded"
    } else {
        "lost_merge"
    };
    let loser_key = stamp_key(&loser.stamp);
    let already: bool = query_row(
        tx,
        "SELECT EXISTS (SELECT 1 FROM history WHERE record_id = ?1 AND field_group = ?2 AND stamp = ?3)",
        params![record_id, group, loser_key],
        |row| row.get(0),
    )?;
    if !already {
        let value = serde_json::to_string(&loser.value).map_err(|e| {
            ReplicaError::Corrupt(format!("cannot encode a {group} for history: {e}"))
        })?;
        exec(tx,
            "INSERT INTO history (record_kind, record_id, field_group, value, stamp, reason, concurrent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![record_kind, record_id, group, value, loser_key, reason, concurrent],
        )?;
    }
    if concurrent {
        let (table, id) = flag;
        // `table` is one of two literals chosen by the caller, never input.
        exec(
            tx,
            &format!("UPDATE {table} SET conflict = 1 WHERE id = ?1"),
            params![id],
        )?;
    }
    Ok(incoming_won.then_some(merged.winner))
}

fn citizen_columns(citizen: &Citizen) -> (Option<&str>, Option<&str>, Option<&str>) {
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

fn write_dialogue_details(
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

fn write_answer_body(
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

/// Keeps the question's agency and due date equal to its latest assignment's.
fn refresh_current_assignment(tx: &Transaction<'_>, question: QuestionId) -> Result<()> {
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

fn dialogue_details(tx: &Transaction<'_>, id: DialogueId) -> Result<Versioned<DialogueDetails>> {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use townhall_domain::validate::{DialogueInput, QuestionInput};
    use townhall_domain::{DeviceLetter, Hlc, Level, MutationId, QuestionKind, QuestionSource};

    use super::*;
    use crate::{CaptureInput, DeviceIdentity, ManualClock, Replica};

    fn device(n: u8) -> townhall_domain::DeviceId {
        townhall_domain::DeviceId::generate(1_700_000_000_000, [n; 10])
    }

    fn text(content: &str) -> QuestionText {
        QuestionText {
            kind: QuestionKind::Petition,
            source: QuestionSource::InHall,
            topic: None,
            content: content.to_owned(),
        }
    }

    fn edit(from: u8, millis: u64, id: QuestionId, content: &str, base: Stamp) -> Mutation {
        Mutation {
            id: MutationId::generate(millis, [from; 10]),
            device: device(from),
            hlc: Hlc::new(millis, 0),
            change: Change::EditQuestionText {
                id,
                text: text(content),
                base: Some(base),
            },
        }
    }

    #[test]
    fn concurrent_edits_converge_keep_the_loser_and_flag_a_conflict() {
        let dir = tempfile::tempdir().unwrap();
        let start = Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start, 1));
        let mut replica = Replica::open(&dir.path().join("r.sqlite3"), clock).unwrap();
        let identity = DeviceIdentity {
            device: device(1),
            user: UserId::generate(1, [1; 10]),
            role: Role::Secretariat,
            letter: DeviceLetter::for_index(0).unwrap(),
            jurisdiction: None,
            agency: None,
        };
        replica.set_identity(&identity).unwrap();
        let commune = replica
            .upsert_locality(None, "Xã An Phú", Level::Commune, None)
            .unwrap();
        let dialogue = replica
            .create_dialogue(&DialogueInput {
                title: "Đối thoại".to_owned(),
                level: Level::Commune,
                locality: commune,
                audience: String::new(),
                venue: String::new(),
                starts_at: start,
                hosts: String::new(),
                coordinating_bodies: String::new(),
                plan_issued_on: None,
                attendee_count: None,
            })
            .unwrap();
        let question = QuestionInput {
            kind: Some(QuestionKind::Petition),
            content: "bản gốc".to_owned(),
            ..Default::default()
        };
        let q = replica
            .capture(&CaptureInput {
                dialogue,
                question,
                answered_on_site: None,
            })
            .unwrap()
            .id;
        let original = replica
            .outbox(0, 100)
            .unwrap()
            .last()
            .unwrap()
            .mutation
            .stamp();
        let author = Author {
            user: UserId::generate(1, [2; 10]),
            role: Role::Secretariat,
        };
        let now = u64::try_from(start.timestamp_millis()).unwrap();

        // Two devices edit the original without seeing each other: the later stamp wins.
        replica
            .apply_remote(
                &edit(2, now + 60_000, q, "sửa trên máy 2", original),
                author,
            )
            .unwrap();
        let older = edit(3, now + 30_000, q, "sửa trên máy 3", original);
        replica.apply_remote(&older, author).unwrap();
        replica.apply_remote(&older, author).unwrap();

        let detail = replica.question(q).unwrap();
        assert_eq!(detail.question.content, "sửa trên máy 2");
        assert!(detail.question.conflict);
        let history: Vec<_> = detail
            .history
            .iter()
            .map(|h| {
                (
                    h.value["content"].as_str().unwrap(),
                    h.reason.as_str(),
                    h.concurrent,
                    h.device,
                )
            })
            .collect();
        assert_eq!(
            history,
            [
                ("bản gốc", "superseded", false, Some(device(1))),
                ("sửa trên máy 3", "lost_merge", true, Some(device(3))),
            ],
            "the replayed edit is recorded once"
        );
    }
}
