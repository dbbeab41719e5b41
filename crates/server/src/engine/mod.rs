//! The sync rules, applied by the server inside one store transaction.
//!
//! A push is handled in sequence order: a `seq` already handled returns its stored result (or
//! a conflict when the content differs), the next `seq` is applied or rejected, and a gap stops
//! the batch. A rejected mutation is recorded with its reason and still advances the device's
//! sequence, so one bad record never blocks the queue.
//!
//! Applying follows the same domain rules as a device: validation, permissions within scope,
//! last-writer-wins merge of field groups (the loser kept in history), and the status machine,
//! which the server alone orders. Every applied mutation is appended to the change log that
//! devices pull.
//!
//! One module per kind of record holds what applying its changes means (`Apply::apply`
//! dispatches each [`Change`] to one of them); the parts they share live beside them:
//!
//! - `ledger`: the hash a resend is recognised by, ids of the server's own changes, and the
//!   correction sent after a refused status change.
//! - `scope`: what a device may pull, and the scope a mutation's permission is checked in.
//! - `history`: the merge of a field group, keeping the version that does not stand.
//! - `seed`: the reference data every server starts with.

use chrono::{DateTime, Utc};
use townhall_domain::ErrorCode;
use townhall_domain::hlc::clamp_remote;
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::permissions;
use townhall_domain::validate::ValidationErrors;
use townhall_domain::wire::{
    Author, LogEntry, PushGap, PushItem, PushOutcome, PushResponse, PushResult,
};

use crate::store::{Device, LedgerEntry, StoreError, Tags, Tx};

/// Unwraps one step of applying a mutation, or ends the mutation with that step's refusal:
/// a refusal is the mutation's outcome (`Ok(Err(..))`), not a failure of the store.
macro_rules! or_reject {
    ($step:expr) => {
        match $step {
            Ok(value) => value,
            Err(refusal) => return Ok(Err(Rejection::from(refusal))),
        }
    };
}

mod answer;
mod assignment;
mod dialogue;
mod history;
mod ledger;
mod question;
mod reference;
mod scope;
mod seed;

pub use ledger::payload_hash;
pub use scope::pull_scope;
pub use seed::seed_reference_data;

/// Why a whole push request was refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The device is unknown or revoked.
    #[error("this device is not enrolled or was revoked")]
    Unauthorized,
    /// A `seq` already handled arrived with different content.
    #[error("sequence number {seq} was already used for a different mutation")]
    SeqConflict {
        /// The sequence number.
        seq: u64,
    },
    /// The batch is not in increasing `seq` order.
    #[error("mutations must be in increasing sequence order; {seq} follows {previous}")]
    OutOfOrder {
        /// The sequence number found.
        seq: u64,
        /// The one before it.
        previous: u64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Handles one push from `device`, inside the caller's transaction.
pub fn push(
    tx: &mut dyn Tx,
    device: &Device,
    items: &[PushItem],
    now: DateTime<Utc>,
) -> Result<PushResponse, PushError> {
    let mut current = tx
        .device_for_update(device.id)?
        .ok_or(PushError::Unauthorized)?;
    if current.revoked_at.is_some() {
        return Err(PushError::Unauthorized);
    }
    let device_seq = current.last_applied_seq;
    let mut results = Vec::with_capacity(items.len());
    let mut gap = None;
    let mut previous = 0;
    for item in items {
        if item.seq <= previous {
            return Err(PushError::OutOfOrder {
                seq: item.seq,
                previous,
            });
        }
        previous = item.seq;
        let hash = payload_hash(item);
        if item.seq <= current.last_applied_seq {
            match tx.ledger(device.id, item.seq)? {
                Some(entry) if entry.payload_hash == hash => results.push(entry.result),
                Some(_) => return Err(PushError::SeqConflict { seq: item.seq }),
                // Handled before the ledger existed (never, today): nothing to resend.
                None => return Err(PushError::SeqConflict { seq: item.seq }),
            }
            continue;
        }
        if item.seq != current.last_applied_seq + 1 {
            gap = Some(PushGap {
                expected: current.last_applied_seq + 1,
                found: item.seq,
            });
            break;
        }
        let outcome = match apply(tx, &current, &item.mutation, now)? {
            Ok(server_seq) => PushOutcome::Applied { server_seq },
            Err(rejection) => {
                ledger::correct(tx, &current, &item.mutation, now)?;
                PushOutcome::Rejected {
                    code: rejection.code.as_str().to_owned(),
                    reason: rejection.reason,
                }
            }
        };
        let result = PushResult {
            seq: item.seq,
            mutation: item.mutation.id,
            outcome,
        };
        tx.put_ledger(
            device.id,
            item.seq,
            &LedgerEntry {
                payload_hash: hash,
                result: result.clone(),
            },
        )?;
        current.last_applied_seq = item.seq;
        results.push(result);
    }
    // Once per batch rather than per item: the same transaction holds the ledger rows, so the
    // position and the results it covers still commit (or roll back) together.
    if current.last_applied_seq > device_seq {
        tx.set_last_applied(device.id, current.last_applied_seq)?;
    }
    Ok(PushResponse {
        results,
        last_applied_seq: current.last_applied_seq,
        gap,
    })
}

/// Why one mutation was refused.
struct Rejection {
    code: ErrorCode,
    reason: String,
}

impl Rejection {
    fn new(code: ErrorCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }

    fn not_found(kind: &str, id: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorCode::NotFound,
            format!("no {kind} with id {id} on the server"),
        )
    }
}

impl From<permissions::PermissionError> for Rejection {
    fn from(e: permissions::PermissionError) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

impl From<ValidationErrors> for Rejection {
    fn from(e: ValidationErrors) -> Self {
        Self::new(ErrorCode::Invalid, e.to_string())
    }
}

/// Applies one mutation; `Ok(Err(..))` is a rejection, `Err` a store failure.
fn apply(
    tx: &mut dyn Tx,
    device: &Device,
    mutation: &Mutation,
    now: DateTime<Utc>,
) -> Result<Result<u64, Rejection>, StoreError> {
    if mutation.device != device.id {
        return Ok(Err(Rejection::new(
            ErrorCode::Forbidden,
            "a device may push only its own mutations",
        )));
    }
    let now_millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    let (hlc, _clamp) = clamp_remote(mutation.hlc, now_millis);
    let change = or_reject!(townhall_domain::normalize::change(&mutation.change));
    let mutation = Mutation {
        id: mutation.id,
        device: mutation.device,
        hlc,
        change,
    };
    let mut ctx = Apply {
        tx,
        device,
        author: Author {
            user: device.user.id,
            role: device.user.role,
        },
    };
    ctx.apply(mutation)
}

/// One mutation being applied.
struct Apply<'a> {
    tx: &'a mut dyn Tx,
    device: &'a Device,
    author: Author,
}

/// The outcome of applying one mutation: its place in the change log, or why it was refused;
/// `Err` only when the store failed.
type Applied = Result<Result<u64, Rejection>, StoreError>;

impl Apply<'_> {
    /// Sends the mutation to the module of the record it changes.
    fn apply(&mut self, mutation: Mutation) -> Applied {
        match mutation.change.clone() {
            Change::CreateDialogue { id, details } => self.create_dialogue(mutation, id, details),
            Change::EditDialogue { id, details, base } => {
                self.edit_dialogue(mutation, id, details, base)
            }
            Change::SetDialogueStatus { id, to } => self.set_dialogue_status(mutation, id, to),
            Change::UpsertDialogueTask(task) => self.upsert_dialogue_task(mutation, task),
            Change::CaptureQuestion {
                id,
                dialogue,
                number,
                text,
                citizen,
                captured_at,
            } => self.capture_question(
                mutation,
                question::Capture {
                    id,
                    dialogue,
                    number,
                    text,
                    citizen,
                    captured_at,
                },
            ),
            Change::EditQuestionText { id, text, base } => {
                self.edit_question_text(mutation, id, text, base)
            }
            Change::EditCitizen { id, citizen, base } => {
                self.edit_citizen(mutation, id, citizen, base)
            }
            Change::ChangeStatus {
                event,
                question,
                from: _,
                to,
                note,
                at,
            } => self.change_status(
                mutation,
                question::StatusChange {
                    event,
                    question,
                    to,
                    note,
                    at,
                },
            ),
            Change::MergeDuplicate { question, into } => {
                self.merge_duplicate(mutation, question, into)
            }
            Change::LinkRepeat { question, earlier } => {
                self.link_repeat(mutation, question, earlier)
            }
            Change::ConfirmStatus { .. } => self.confirm_status(&mutation),
            Change::AddAnswer {
                id,
                question,
                body,
                recorded_at,
            } => self.add_answer(mutation, id, question, body, recorded_at),
            Change::EditAnswer { id, body, base } => self.edit_answer(mutation, id, body, base),
            Change::Assign {
                id,
                question,
                terms,
                assigned_at,
            } => self.assign(mutation, id, question, terms, assigned_at),
            Change::EditAssignment { id, terms, base } => {
                self.edit_assignment(mutation, id, terms, base)
            }
            Change::UpsertTopic(topic) => self.upsert_topic(mutation, topic),
            Change::UpsertAgency(agency) => self.upsert_agency(mutation, agency),
            Change::UpsertLocality(locality) => self.upsert_locality(mutation, locality),
            Change::SetPolicy(policy) => self.set_policy(mutation, policy),
        }
    }

    /// Appends the applied mutation to the change log.
    fn log(&mut self, mutation: Mutation, tags: Tags) -> Applied {
        let server_seq = self.tx.next_server_seq()?;
        self.tx.append_change(
            &LogEntry {
                server_seq,
                author: self.author,
                mutation,
            },
            &tags,
        )?;
        Ok(Ok(server_seq))
    }
}
