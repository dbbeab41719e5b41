//! Applying a mutation to the replica's tables.
//!
//! The same code applies a mutation made on this device and (with sync) one pulled from the
//! server, so both paths give the same rows. Applying is idempotent: creating a record that
//! exists, or replaying an edit already applied, changes nothing.
//! Field groups merge last-writer-wins on their stamp; the value that is replaced or that loses
//! goes to `history`, and edits made without seeing each other flag a conflict for review.
//!
//! One module per record kind holds how that record's changes apply; [`apply`] only dispatches,
//! so a new kind of change touches its record's module and one line here.

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

mod answer;
mod assignment;
mod dialogue;
mod policy;
mod question;
mod reference;
mod status;
mod task;

pub(crate) use answer::answer_body;
pub(crate) use assignment::assignment_terms;
pub(crate) use question::{question_citizen, question_text};

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
    match &mutation.change {
        Change::CreateDialogue { .. }
        | Change::EditDialogue { .. }
        | Change::SetDialogueStatus { .. } => dialogue::apply(tx, mutation, author, reindex),
        Change::CaptureQuestion { .. }
        | Change::EditQuestionText { .. }
        | Change::EditCitizen { .. }
        | Change::MergeDuplicate { .. }
        | Change::LinkRepeat { .. } => question::apply(tx, mutation, author, reindex),
        Change::AddAnswer { .. } | Change::EditAnswer { .. } => {
            answer::apply(tx, mutation, author, reindex)
        }
        Change::Assign { .. } | Change::EditAssignment { .. } => {
            assignment::apply(tx, mutation, author, reindex)
        }
        Change::ChangeStatus { .. } | Change::ConfirmStatus { .. } => {
            status::apply(tx, mutation, author, reindex)
        }
        Change::UpsertTopic(_) | Change::UpsertAgency(_) | Change::UpsertLocality(_) => {
            reference::apply(tx, mutation, author, reindex)
        }
        Change::UpsertDialogueTask(_) => task::apply(tx, mutation, author, reindex),
        Change::SetPolicy(_) => policy::apply(tx, mutation, author, reindex),
    }
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
