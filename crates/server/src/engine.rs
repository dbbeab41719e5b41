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

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use townhall_domain::followup::FollowUpPolicy;
use townhall_domain::hlc::clamp_remote;
use townhall_domain::merge::{Versioned, merge};
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::permissions::{self, Action, Scope};
use townhall_domain::validate::{self, TextRule, ValidationErrors};
use townhall_domain::wire::{
    Author, LogEntry, PushGap, PushItem, PushOutcome, PushResponse, PushResult,
};
use townhall_domain::{
    Agency, AgencyId, Answer, Assignment, Dialogue, DialogueStatus, DialogueTask, Locality,
    LocalityId, Question, QuestionId, QuestionStatus, Role, Stamp, Topic,
};
use uuid::Uuid;

use crate::store::{Device, HistoryRow, LedgerEntry, PullScope, StoreError, Tags, Tx};

/// A record's state on the server, with the stamps of its field groups.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entity {
    /// A dialogue.
    Dialogue {
        /// The dialogue.
        dialogue: Dialogue,
        /// Stamp of its details group.
        details_stamp: Stamp,
    },
    /// A question.
    Question {
        /// The question.
        question: Question,
        /// Stamp of its text group.
        text_stamp: Stamp,
        /// Stamp of its citizen group.
        citizen_stamp: Stamp,
        /// Its dialogue's locality, for scope.
        locality: LocalityId,
        /// The agency of its latest assignment.
        agency: Option<AgencyId>,
        /// When its latest assignment was made, to tell which is latest.
        assigned_at: Option<DateTime<Utc>>,
        /// Edits made without seeing each other wait for review.
        conflict: bool,
    },
    /// An answer.
    Answer {
        /// The answer.
        answer: Answer,
        /// Stamp of its body group.
        body_stamp: Stamp,
    },
    /// An assignment.
    Assignment {
        /// The assignment.
        assignment: Assignment,
        /// Stamp of its terms group.
        terms_stamp: Stamp,
    },
    /// A topic.
    Topic(Topic),
    /// An agency.
    Agency(Agency),
    /// A locality.
    Locality(Locality),
    /// A task of a dialogue's preparation checklist.
    DialogueTask {
        /// The task (a struct variant: the task has a `kind` of its own).
        task: DialogueTask,
    },
    /// The follow-up policy.
    Policy {
        /// The policy.
        policy: FollowUpPolicy,
    },
}

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
                correct(tx, &current, &item.mutation, now)?;
                PushOutcome::Rejected {
                    code: rejection.code,
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

/// Seeds the default Vietnamese topics and agencies into a server that has none, with the ids
/// every replica seeds too (`townhall_domain::seed`), and logs them so devices enrolled later
/// receive them like any other reference data. Run once per database, at start.
pub fn seed_reference_data(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<(), StoreError> {
    use townhall_domain::seed::{AGENCIES, TOPICS, seeded_agency_id, seeded_topic_id};
    let Some(first) = TOPICS.first() else {
        return Ok(());
    };
    if tx.entity(seeded_topic_id(first).as_uuid())?.is_some() {
        return Ok(());
    }
    let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    // The server's own changes: no device made them; an administrator's authority.
    let author = Author {
        user: townhall_domain::UserId::from_uuid(Uuid::nil()),
        role: Role::Admin,
    };
    let device = townhall_domain::DeviceId::from_uuid(Uuid::nil());
    let topics = TOPICS.iter().map(|name| {
        Change::UpsertTopic(Topic {
            id: seeded_topic_id(name),
            name: (*name).to_owned(),
            archived: false,
        })
    });
    let agencies = AGENCIES.iter().map(|(name, short_name)| {
        Change::UpsertAgency(Agency {
            id: seeded_agency_id(name),
            name: (*name).to_owned(),
            short_name: (*short_name).to_owned(),
            archived: false,
        })
    });
    let tags = Tags {
        reference: true,
        ..Tags::default()
    };
    for (counter, change) in topics.chain(agencies).enumerate() {
        let (id, entity) = match &change {
            Change::UpsertTopic(t) => (t.id.as_uuid(), Entity::Topic(t.clone())),
            Change::UpsertAgency(a) => (a.id.as_uuid(), Entity::Agency(a.clone())),
            _ => continue,
        };
        tx.put_entity(id, &entity, &tags)?;
        let mutation = Mutation {
            id: derived_id(&format!("seed:{id}"), millis),
            device,
            hlc: townhall_domain::Hlc::new(millis, u32::try_from(counter).unwrap_or(u32::MAX)),
            change,
        };
        let server_seq = tx.next_server_seq()?;
        tx.append_change(
            &LogEntry {
                server_seq,
                author,
                mutation,
            },
            &tags,
        )?;
    }
    Ok(())
}

/// SHA-256 of an item's JSON, which serde writes in field order: the same item always hashes
/// the same, and any change of content changes it.
///
/// The JSON is written straight into the hash rather than into a buffer first: the bytes
/// hashed are the same, so ledgers written before stay valid.
pub fn payload_hash(item: &PushItem) -> [u8; 32] {
    let mut hasher = HashWriter(Sha256::new());
    if serde_json::to_writer(&mut hasher, item).is_err() {
        // Unreachable (the item is plain data and the writer never fails); hashed as the empty
        // JSON it used to be hashed as.
        return Sha256::digest(b"").into();
    }
    hasher.0.finalize().into()
}

/// An `io::Write` that feeds what is written to a SHA-256.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a device may pull, from its user's role, jurisdiction and agency.
pub fn pull_scope(device: &Device, localities: &[Locality]) -> PullScope {
    let user = &device.user;
    match (user.role, user.jurisdiction) {
        (Role::Agency, _) => PullScope {
            everything: false,
            localities: Vec::new(),
            agency: user.agency,
        },
        (_, None) => PullScope {
            everything: true,
            localities: Vec::new(),
            agency: None,
        },
        (_, Some(root)) => PullScope {
            everything: false,
            localities: subtree(root, localities),
            agency: None,
        },
    }
}

/// `root` and every locality below it.
fn subtree(root: LocalityId, localities: &[Locality]) -> Vec<LocalityId> {
    let mut children: HashMap<LocalityId, Vec<LocalityId>> = HashMap::new();
    for l in localities {
        if let Some(parent) = l.parent {
            children.entry(parent).or_default().push(l.id);
        }
    }
    let mut out = vec![root];
    let mut seen: HashSet<LocalityId> = HashSet::from([root]);
    let mut i = 0;
    while let Some(next) = out.get(i).copied() {
        for child in children.get(&next).into_iter().flatten() {
            if seen.insert(*child) {
                out.push(*child);
            }
        }
        i += 1;
    }
    out
}

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

/// Why one mutation was refused.
struct Rejection {
    code: String,
    reason: String,
}

impl Rejection {
    fn new(code: &str, reason: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            reason: reason.into(),
        }
    }

    fn not_found(kind: &str, id: impl std::fmt::Display) -> Self {
        Self::new("not_found", format!("no {kind} with id {id} on the server"))
    }
}

impl From<permissions::PermissionError> for Rejection {
    fn from(e: permissions::PermissionError) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

impl From<ValidationErrors> for Rejection {
    fn from(e: ValidationErrors) -> Self {
        Self::new("invalid", e.to_string())
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
            "forbidden",
            "a device may push only its own mutations",
        )));
    }
    let now_millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    let (hlc, _clamp) = clamp_remote(mutation.hlc, now_millis);
    let change = match normalize(&mutation.change) {
        Ok(change) => change,
        Err(e) => return Ok(Err(e.into())),
    };
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

/// After a refused status change, tells the device the status the server holds, so its
/// optimistic one does not linger.
fn correct(
    tx: &mut dyn Tx,
    device: &Device,
    mutation: &Mutation,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let question = match &mutation.change {
        Change::ChangeStatus { question, .. } | Change::MergeDuplicate { question, .. } => {
            *question
        }
        _ => return Ok(()),
    };
    let Some(Entity::Question {
        question: q,
        locality,
        agency,
        ..
    }) = tx.entity(question.as_uuid())?
    else {
        return Ok(());
    };
    let tags = Tags {
        dialogue: Some(q.dialogue),
        locality: Some(locality),
        agency,
        question: Some(question),
        reference: false,
    };
    let entry = LogEntry {
        server_seq: tx.next_server_seq()?,
        author: Author {
            user: device.user.id,
            role: device.user.role,
        },
        mutation: Mutation {
            id: correction_id(mutation, now),
            device: mutation.device,
            hlc: mutation.hlc,
            change: Change::ConfirmStatus {
                question,
                status: q.status,
            },
        },
    };
    tx.append_change(&entry, &tags)
}

/// The id of the correction sent for a refused mutation: derived from it, so it is unique and
/// the same however often the refusal is computed.
fn correction_id(refused: &Mutation, now: DateTime<Utc>) -> townhall_domain::MutationId {
    derived_id(
        &format!("confirm_status:{}", refused.id),
        u64::try_from(now.timestamp_millis()).unwrap_or(0),
    )
}

/// A mutation id for a change the server writes itself, derived from what it is about so the
/// same change always gets the same id.
fn derived_id(about: &str, millis: u64) -> townhall_domain::MutationId {
    let digest = Sha256::digest(about.as_bytes());
    let mut random = [0; 10];
    random.copy_from_slice(&digest[..10]);
    townhall_domain::MutationId::generate(millis, random)
}

/// Re-validates a change's text as a device would have, and puts it in normal form: a client
/// in another language may not have.
fn normalize(change: &Change) -> Result<Change, ValidationErrors> {
    let line = |field: &str, value: &str| validate::text(field, value, TextRule::LINE);
    let optional_line =
        |field: &str, value: &str| validate::text(field, value, TextRule::OPTIONAL_LINE);
    let content = |field: &str, value: &str| validate::text(field, value, TextRule::CONTENT);
    let note = |field: &str, value: &str| validate::text(field, value, TextRule::NOTE);
    let mut change = change.clone();
    match &mut change {
        Change::CreateDialogue { details, .. } | Change::EditDialogue { details, .. } => {
            details.title = line("title", &details.title)?;
            details.audience = optional_line("audience", &details.audience)?;
            details.venue = optional_line("venue", &details.venue)?;
            details.hosts = optional_line("hosts", &details.hosts)?;
            details.coordinating_bodies =
                note("coordinating_bodies", &details.coordinating_bodies)?;
        }
        Change::CaptureQuestion { text, citizen, .. } => {
            text.content = content("content", &text.content)?;
            normalize_citizen(citizen)?;
        }
        Change::EditQuestionText { text, .. } => text.content = content("content", &text.content)?,
        Change::EditCitizen { citizen, .. } => normalize_citizen(citizen)?,
        Change::AddAnswer { body, .. } | Change::EditAnswer { body, .. } => {
            body.answered_by = line("answered_by", &body.answered_by)?;
            body.content = content("content", &body.content)?;
            if let Some(doc) = &mut body.document {
                doc.number = line("document_number", &doc.number)?;
            }
        }
        Change::Assign { terms, .. } | Change::EditAssignment { terms, .. } => {
            terms.instructions = note("instructions", &terms.instructions)?;
        }
        Change::ChangeStatus { note: text, .. } => *text = note("note", text)?,
        Change::UpsertTopic(t) => t.name = line("name", &t.name)?,
        Change::UpsertAgency(a) => {
            a.name = line("name", &a.name)?;
            a.short_name = optional_line("short_name", &a.short_name)?;
        }
        Change::UpsertLocality(l) => l.name = line("name", &l.name)?,
        Change::UpsertDialogueTask(t) => {
            t.title = line("title", &t.title)?;
            t.note = note("note", &t.note)?;
        }
        Change::SetPolicy(policy) => policy.check()?,
        Change::SetDialogueStatus { .. }
        | Change::MergeDuplicate { .. }
        | Change::LinkRepeat { .. }
        | Change::ConfirmStatus { .. } => {}
    }
    Ok(change)
}

fn normalize_citizen(citizen: &mut townhall_domain::Citizen) -> Result<(), ValidationErrors> {
    if let townhall_domain::Citizen::Named { name, locality, .. } = citizen {
        *name = validate::text("citizen.name", name, TextRule::OPTIONAL_LINE)?;
        if let Some(l) = locality {
            *l = validate::text("citizen.locality", l, TextRule::OPTIONAL_LINE)?;
        }
    }
    Ok(())
}

/// One mutation being applied.
struct Apply<'a> {
    tx: &'a mut dyn Tx,
    device: &'a Device,
    author: Author,
}

type Applied = Result<Result<u64, Rejection>, StoreError>;

impl Apply<'_> {
    fn apply(&mut self, mutation: Mutation) -> Applied {
        let stamp = mutation.stamp();
        let action = mutation.change.action();
        match mutation.change.clone() {
            Change::CreateDialogue { id, details } => {
                let scope = self.locality_scope(details.locality)?;
                or_reject!(permissions::authorize(self.author.role, action, scope));
                if self.tx.entity(id.as_uuid())?.is_some() {
                    return Ok(Err(Rejection::new(
                        "conflict",
                        format!("dialogue {id} exists already"),
                    )));
                }
                let locality = details.locality;
                let entity = Entity::Dialogue {
                    dialogue: Dialogue {
                        id,
                        details,
                        status: DialogueStatus::Planned,
                    },
                    details_stamp: stamp,
                };
                let tags = Tags {
                    dialogue: Some(id),
                    locality: Some(locality),
                    ..Tags::default()
                };
                self.tx.put_entity(id.as_uuid(), &entity, &tags)?;
                self.log(mutation, tags)
            }
            Change::EditDialogue { id, details, base } => {
                let Some(Entity::Dialogue {
                    mut dialogue,
                    details_stamp,
                }) = self.tx.entity(id.as_uuid())?
                else {
                    return Ok(Err(Rejection::not_found("dialogue", id)));
                };
                let scope = self.locality_scope(dialogue.details.locality)?;
                or_reject!(permissions::authorize(self.author.role, action, scope));
                let current = Versioned {
                    value: dialogue.details.clone(),
                    stamp: details_stamp,
                };
                let won = self.merge(
                    id.as_uuid(),
                    "details",
                    current,
                    Versioned {
                        value: details,
                        stamp,
                    },
                    base,
                )?;
                let tags = Tags {
                    dialogue: Some(id),
                    locality: Some(dialogue.details.locality),
                    ..Tags::default()
                };
                if let Some(w) = won {
                    dialogue.details = w.value;
                    self.tx.put_entity(
                        id.as_uuid(),
                        &Entity::Dialogue {
                            dialogue,
                            details_stamp: w.stamp,
                        },
                        &tags,
                    )?;
                }
                self.log(mutation, tags)
            }
            Change::SetDialogueStatus { id, to } => {
                let Some(Entity::Dialogue {
                    mut dialogue,
                    details_stamp,
                }) = self.tx.entity(id.as_uuid())?
                else {
                    return Ok(Err(Rejection::not_found("dialogue", id)));
                };
                let scope = self.locality_scope(dialogue.details.locality)?;
                or_reject!(permissions::authorize(self.author.role, action, scope));
                dialogue.status = to;
                let tags = Tags {
                    dialogue: Some(id),
                    locality: Some(dialogue.details.locality),
                    ..Tags::default()
                };
                self.tx.put_entity(
                    id.as_uuid(),
                    &Entity::Dialogue {
                        dialogue,
                        details_stamp,
                    },
                    &tags,
                )?;
                self.log(mutation, tags)
            }
            Change::CaptureQuestion {
                id,
                dialogue,
                number,
                text,
                citizen,
                captured_at,
            } => {
                let Some(Entity::Dialogue { dialogue: d, .. }) =
                    self.tx.entity(dialogue.as_uuid())?
                else {
                    return Ok(Err(Rejection::not_found("dialogue", dialogue)));
                };
                let scope = self.locality_scope(d.details.locality)?;
                or_reject!(permissions::authorize(self.author.role, action, scope));
                if number.letter != self.device.letter {
                    return Ok(Err(Rejection::new(
                        "invalid",
                        format!(
                            "number {number} does not carry this device's letter {}",
                            self.device.letter
                        ),
                    )));
                }
                if self.tx.entity(id.as_uuid())?.is_some() {
                    return Ok(Err(Rejection::new(
                        "conflict",
                        format!("question {id} exists already"),
                    )));
                }
                let locality = d.details.locality;
                let entity = Entity::Question {
                    question: Question {
                        id,
                        dialogue,
                        number,
                        text,
                        citizen,
                        captured_by: self.device.id,
                        captured_at,
                        status: QuestionStatus::Received,
                        merged_into: None,
                        repeat_of: None,
                    },
                    text_stamp: stamp,
                    citizen_stamp: stamp,
                    locality,
                    agency: None,
                    assigned_at: None,
                    conflict: false,
                };
                let tags = question_tags(&entity);
                self.tx.put_entity(id.as_uuid(), &entity, &tags)?;
                self.log(mutation, tags)
            }
            Change::EditQuestionText { id, text, base } => {
                self.edit_question(mutation, id, text, base)
            }
            Change::EditCitizen { id, citizen, base } => {
                self.edit_citizen(mutation, id, citizen, base)
            }
            Change::AddAnswer {
                id,
                question,
                body,
                recorded_at,
            } => {
                let q = or_reject!(self.authorized_question(question, action)?);
                if self.tx.entity(id.as_uuid())?.is_some() {
                    return Ok(Err(Rejection::new(
                        "conflict",
                        format!("answer {id} exists already"),
                    )));
                }
                let tags = question_tags(&q);
                let entity = Entity::Answer {
                    answer: Answer {
                        id,
                        question,
                        body,
                        recorded_at,
                    },
                    body_stamp: stamp,
                };
                self.tx.put_entity(id.as_uuid(), &entity, &tags)?;
                self.log(mutation, tags)
            }
            Change::EditAnswer { id, body, base } => {
                let Some(Entity::Answer {
                    mut answer,
                    body_stamp,
                }) = self.tx.entity(id.as_uuid())?
                else {
                    return Ok(Err(Rejection::not_found("answer", id)));
                };
                let q = or_reject!(self.authorized_question(answer.question, action)?);
                let current = Versioned {
                    value: answer.body.clone(),
                    stamp: body_stamp,
                };
                let won = self.merge(
                    id.as_uuid(),
                    "body",
                    current,
                    Versioned { value: body, stamp },
                    base,
                )?;
                let tags = question_tags(&q);
                if let Some(w) = won {
                    answer.body = w.value;
                    self.tx.put_entity(
                        id.as_uuid(),
                        &Entity::Answer {
                            answer,
                            body_stamp: w.stamp,
                        },
                        &tags,
                    )?;
                }
                self.log(mutation, tags)
            }
            Change::Assign {
                id,
                question,
                terms,
                assigned_at,
            } => {
                let mut q = or_reject!(self.authorized_question(question, action)?);
                if !matches!(
                    self.tx.entity(terms.agency.as_uuid())?,
                    Some(Entity::Agency(_))
                ) {
                    return Ok(Err(Rejection::not_found("agency", terms.agency)));
                }
                if self.tx.entity(id.as_uuid())?.is_some() {
                    return Ok(Err(Rejection::new(
                        "conflict",
                        format!("assignment {id} exists already"),
                    )));
                }
                let agency = terms.agency;
                let assignment = Assignment {
                    id,
                    question,
                    terms,
                    assigned_by: self.author.user,
                    assigned_at,
                };
                let newly_assigned = set_assignment(&mut q, agency, assigned_at);
                let tags = question_tags(&q);
                self.tx.put_entity(
                    id.as_uuid(),
                    &Entity::Assignment {
                        assignment,
                        terms_stamp: stamp,
                    },
                    &tags,
                )?;
                self.tx.put_entity(question.as_uuid(), &q, &tags)?;
                if newly_assigned {
                    self.share_with_agency(question, tags)?;
                }
                self.log(mutation, tags)
            }
            Change::EditAssignment { id, terms, base } => {
                let Some(Entity::Assignment {
                    mut assignment,
                    terms_stamp,
                }) = self.tx.entity(id.as_uuid())?
                else {
                    return Ok(Err(Rejection::not_found("assignment", id)));
                };
                let mut q = or_reject!(self.authorized_question(assignment.question, action)?);
                let current = Versioned {
                    value: assignment.terms.clone(),
                    stamp: terms_stamp,
                };
                let won = self.merge(
                    id.as_uuid(),
                    "terms",
                    current,
                    Versioned {
                        value: terms,
                        stamp,
                    },
                    base,
                )?;
                if let Some(w) = won {
                    assignment.terms = w.value;
                    let newly =
                        set_assignment(&mut q, assignment.terms.agency, assignment.assigned_at);
                    let tags = question_tags(&q);
                    let question = assignment.question;
                    self.tx.put_entity(
                        id.as_uuid(),
                        &Entity::Assignment {
                            assignment,
                            terms_stamp: w.stamp,
                        },
                        &tags,
                    )?;
                    self.tx.put_entity(question.as_uuid(), &q, &tags)?;
                    if newly {
                        self.share_with_agency(question, tags)?;
                    }
                }
                let tags = question_tags(&q);
                self.log(mutation, tags)
            }
            Change::ChangeStatus {
                event,
                question,
                from: _,
                to,
                note,
                at,
            } => {
                let Some(mut q) = self.tx.entity(question.as_uuid())? else {
                    return Ok(Err(Rejection::not_found("question", question)));
                };
                let Entity::Question {
                    question: inner, ..
                } = &mut q
                else {
                    return Ok(Err(Rejection::not_found("question", question)));
                };
                // The server orders status changes: the transition is checked from the status
                // the server holds, whatever the device saw.
                let from = inner.status;
                let scope = self.question_scope(&q)?;
                let action = Action::ChangeStatus { from, to };
                or_reject!(permissions::authorize(self.author.role, action, scope));
                if let Entity::Question {
                    question: inner, ..
                } = &mut q
                {
                    inner.status = to;
                }
                let tags = question_tags(&q);
                self.tx.put_entity(question.as_uuid(), &q, &tags)?;
                let change = Change::ChangeStatus {
                    event,
                    question,
                    from,
                    to,
                    note,
                    at,
                };
                self.log(Mutation { change, ..mutation }, tags)
            }
            Change::MergeDuplicate { question, into } => {
                let (Some(mut q), Some(target)) = (
                    self.tx.entity(question.as_uuid())?,
                    self.tx.entity(into.as_uuid())?,
                ) else {
                    return Ok(Err(Rejection::not_found(
                        "question",
                        format!("{question} or {into}"),
                    )));
                };
                let scope = self.question_scope(&q)?;
                or_reject!(permissions::authorize(self.author.role, action, scope));
                if question == into
                    || matches!(&target, Entity::Question { question: t, .. } if t.merged_into.is_some())
                {
                    return Ok(Err(Rejection::new(
                        "conflict",
                        "cannot merge into itself or into a merged duplicate",
                    )));
                }
                if let Entity::Question {
                    question: inner, ..
                } = &mut q
                {
                    inner.merged_into = Some(into);
                }
                let tags = question_tags(&q);
                self.tx.put_entity(question.as_uuid(), &q, &tags)?;
                self.log(mutation, tags)
            }
            Change::ConfirmStatus { .. } => Ok(Err(permissions::authorize(
                self.author.role,
                action,
                Scope::JURISDICTION,
            )
            .err()
            .map(Rejection::from)
            .unwrap_or_else(|| Rejection::new("forbidden", "only the server confirms a status")))),
            Change::UpsertTopic(topic) => {
                self.reference(mutation.clone(), topic.id.as_uuid(), Entity::Topic(topic))
            }
            Change::UpsertAgency(agency) => self.reference(
                mutation.clone(),
                agency.id.as_uuid(),
                Entity::Agency(agency),
            ),
            Change::UpsertLocality(locality) => {
                if locality.parent == Some(locality.id) {
                    return Ok(Err(Rejection::new(
                        "conflict",
                        "a locality cannot be its own parent",
                    )));
                }
                self.reference(
                    mutation.clone(),
                    locality.id.as_uuid(),
                    Entity::Locality(locality),
                )
            }
            Change::UpsertDialogueTask(task) => {
                let Some(Entity::Dialogue { dialogue, .. }) =
                    self.tx.entity(task.dialogue.as_uuid())?
                else {
                    return Ok(Err(Rejection::not_found("dialogue", task.dialogue)));
                };
                let scope = self.locality_scope(dialogue.details.locality)?;
                or_reject!(permissions::authorize(self.author.role, action, scope));
                match self.tx.entity(task.id.as_uuid())? {
                    None => {}
                    Some(Entity::DialogueTask { task: existing })
                        if existing.dialogue == task.dialogue => {}
                    Some(_) => {
                        return Ok(Err(Rejection::new(
                            "conflict",
                            format!("{} is not a task of dialogue {}", task.id, task.dialogue),
                        )));
                    }
                }
                let tags = Tags {
                    dialogue: Some(task.dialogue),
                    locality: Some(dialogue.details.locality),
                    ..Tags::default()
                };
                self.tx
                    .put_entity(task.id.as_uuid(), &Entity::DialogueTask { task }, &tags)?;
                self.log(mutation, tags)
            }
            Change::LinkRepeat { question, earlier } => {
                let mut q = or_reject!(self.authorized_question(question, action)?);
                if let Some(earlier) = earlier {
                    let Some(Entity::Question { question: e, .. }) =
                        self.tx.entity(earlier.as_uuid())?
                    else {
                        return Ok(Err(Rejection::not_found("question", earlier)));
                    };
                    if earlier == question || e.repeat_of == Some(question) {
                        return Ok(Err(Rejection::new(
                            "conflict",
                            "a question cannot repeat itself or a question that repeats it",
                        )));
                    }
                }
                if let Entity::Question {
                    question: inner, ..
                } = &mut q
                {
                    inner.repeat_of = earlier;
                }
                let tags = question_tags(&q);
                self.tx.put_entity(question.as_uuid(), &q, &tags)?;
                self.log(mutation, tags)
            }
            Change::SetPolicy(policy) => self.reference(
                mutation.clone(),
                FollowUpPolicy::ID,
                Entity::Policy { policy },
            ),
        }
    }

    fn reference(&mut self, mutation: Mutation, id: Uuid, entity: Entity) -> Applied {
        or_reject!(permissions::authorize(
            self.author.role,
            mutation.change.action(),
            Scope::JURISDICTION
        ));
        let tags = Tags {
            reference: true,
            ..Tags::default()
        };
        self.tx.put_entity(id, &entity, &tags)?;
        self.log(mutation, tags)
    }

    fn edit_question(
        &mut self,
        mutation: Mutation,
        id: QuestionId,
        text: townhall_domain::QuestionText,
        base: Option<Stamp>,
    ) -> Applied {
        self.edit_question_group(mutation, id, "text", text, base, |question, stamps| {
            (&mut question.text, &mut stamps.0)
        })
    }

    fn edit_citizen(
        &mut self,
        mutation: Mutation,
        id: QuestionId,
        citizen: townhall_domain::Citizen,
        base: Option<Stamp>,
    ) -> Applied {
        self.edit_question_group(
            mutation,
            id,
            "citizen",
            citizen,
            base,
            |question, stamps| (&mut question.citizen, &mut stamps.1),
        )
    }

    /// Merges an edit of one of a question's field groups: `slot` picks the group and its
    /// stamp from the question and its (text, citizen) stamps.
    fn edit_question_group<T: Ord + Clone + Serialize>(
        &mut self,
        mutation: Mutation,
        id: QuestionId,
        group: &str,
        incoming: T,
        base: Option<Stamp>,
        slot: impl for<'a> FnOnce(
            &'a mut Question,
            &'a mut (Stamp, Stamp),
        ) -> (&'a mut T, &'a mut Stamp),
    ) -> Applied {
        let stamp = mutation.stamp();
        let mut q = or_reject!(self.authorized_question(id, mutation.change.action())?);
        let Entity::Question {
            question,
            text_stamp,
            citizen_stamp,
            conflict,
            ..
        } = &mut q
        else {
            return Ok(Err(Rejection::not_found("question", id)));
        };
        let mut stamps = (*text_stamp, *citizen_stamp);
        let (value, value_stamp) = slot(question, &mut stamps);
        let current = Versioned {
            value: value.clone(),
            stamp: *value_stamp,
        };
        let outcome = merge_outcome(
            current,
            Versioned {
                value: incoming,
                stamp,
            },
            base,
        );
        if let Some(w) = &outcome.winner {
            *value = w.value.clone();
            *value_stamp = w.stamp;
        }
        (*text_stamp, *citizen_stamp) = stamps;
        *conflict |= outcome.concurrent;
        self.keep_history(id.as_uuid(), group, &outcome)?;
        let tags = question_tags(&q);
        self.tx.put_entity(id.as_uuid(), &q, &tags)?;
        self.log(mutation, tags)
    }

    /// Merges and keeps the loser; returns the incoming version when it won.
    fn merge<T: Ord + Clone + Serialize>(
        &mut self,
        record: Uuid,
        group: &str,
        current: Versioned<T>,
        incoming: Versioned<T>,
        base: Option<Stamp>,
    ) -> Result<Option<Versioned<T>>, StoreError> {
        let outcome = merge_outcome(current, incoming, base);
        self.keep_history(record, group, &outcome)?;
        Ok(outcome.winner)
    }

    fn keep_history<T: Serialize>(
        &mut self,
        record: Uuid,
        group: &str,
        outcome: &MergeOutcome<T>,
    ) -> Result<(), StoreError> {
        if let Some((loser, reason)) = &outcome.loser {
            self.tx.add_history(&HistoryRow {
                record_id: record,
                field_group: group.to_owned(),
                value: serde_json::to_value(&loser.value)?,
                stamp: loser.stamp,
                reason: (*reason).to_owned(),
                concurrent: outcome.concurrent,
            })?;
        }
        Ok(())
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

    /// Copies a question's earlier changes into the log under its new agency, so the agency's
    /// devices, which pull by agency, receive the whole question and not only what follows.
    fn share_with_agency(&mut self, question: QuestionId, tags: Tags) -> Result<(), StoreError> {
        // The dialogue first: its changes are not tagged with the question, and a device needs
        // the dialogue before the question that belongs to it.
        if let Some(dialogue) = tags.dialogue {
            // Not tagged with the question: `question_log` below (and at the next reassignment)
            // would copy these shares again.
            let dialogue_tags = Tags {
                question: None,
                ..tags
            };
            if let Some(Entity::Dialogue {
                dialogue: d,
                details_stamp,
            }) = self.tx.entity(dialogue.as_uuid())?
            {
                let create = Change::CreateDialogue {
                    id: dialogue,
                    details: d.details,
                };
                let status = Change::SetDialogueStatus {
                    id: dialogue,
                    to: d.status,
                };
                for (n, change) in [create, status].into_iter().enumerate() {
                    let mutation = Mutation {
                        id: derived_id(
                            &format!("share:{dialogue}:{n}:{question}"),
                            details_stamp.hlc.millis,
                        ),
                        device: details_stamp.device,
                        hlc: details_stamp.hlc,
                        change,
                    };
                    let server_seq = self.tx.next_server_seq()?;
                    self.tx.append_change(
                        &LogEntry {
                            server_seq,
                            author: self.author,
                            mutation,
                        },
                        &dialogue_tags,
                    )?;
                }
            }
        }
        for entry in self.tx.question_log(question)? {
            let server_seq = self.tx.next_server_seq()?;
            self.tx.append_change(
                &LogEntry {
                    server_seq,
                    ..entry
                },
                &tags,
            )?;
        }
        Ok(())
    }

    fn in_jurisdiction(&mut self, locality: LocalityId) -> Result<bool, StoreError> {
        let Some(root) = self.device.user.jurisdiction else {
            return Ok(true);
        };
        let localities = self.tx.localities()?;
        Ok(subtree(root, &localities).contains(&locality))
    }

    fn locality_scope(&mut self, locality: LocalityId) -> Result<Scope, StoreError> {
        Ok(Scope {
            in_jurisdiction: self.in_jurisdiction(locality)?,
            ..Scope::default()
        })
    }

    /// The question `id`, when it exists and the author may do `action` to it within its scope.
    fn authorized_question(
        &mut self,
        id: QuestionId,
        action: Action,
    ) -> Result<Result<Entity, Rejection>, StoreError> {
        let Some(q) = self.tx.entity(id.as_uuid())? else {
            return Ok(Err(Rejection::not_found("question", id)));
        };
        let scope = self.question_scope(&q)?;
        or_reject!(permissions::authorize(self.author.role, action, scope));
        Ok(Ok(q))
    }

    fn question_scope(&mut self, q: &Entity) -> Result<Scope, StoreError> {
        let Entity::Question {
            question,
            locality,
            agency,
            ..
        } = q
        else {
            return Ok(Scope::default());
        };
        Ok(Scope {
            in_jurisdiction: self.in_jurisdiction(*locality)?,
            assigned_to_own_agency: agency.is_some() && *agency == self.device.user.agency,
            captured_on_own_device: question.captured_by == self.device.id,
        })
    }
}

/// Makes `agency` the question's agency if this assignment is its latest; returns whether the
/// agency changed (and so must be sent the question's earlier changes).
fn set_assignment(q: &mut Entity, new_agency: AgencyId, at: DateTime<Utc>) -> bool {
    let Entity::Question {
        agency,
        assigned_at,
        ..
    } = q
    else {
        return false;
    };
    if assigned_at.is_some_and(|latest| latest > at) {
        return false;
    }
    let changed = *agency != Some(new_agency);
    *agency = Some(new_agency);
    *assigned_at = Some(at);
    changed
}

fn question_tags(q: &Entity) -> Tags {
    match q {
        Entity::Question {
            question,
            locality,
            agency,
            ..
        } => Tags {
            dialogue: Some(question.dialogue),
            locality: Some(*locality),
            agency: *agency,
            question: Some(question.id),
            reference: false,
        },
        _ => Tags::default(),
    }
}

/// The result of merging one field group.
struct MergeOutcome<T> {
    /// The incoming version, when it won.
    winner: Option<Versioned<T>>,
    /// The version that does not stand, and why.
    loser: Option<(Versioned<T>, &'static str)>,
    /// The incoming edit did not see the current version.
    concurrent: bool,
}

fn merge_outcome<T: Ord + Clone>(
    current: Versioned<T>,
    incoming: Versioned<T>,
    base: Option<Stamp>,
) -> MergeOutcome<T> {
    if current == incoming {
        return MergeOutcome {
            winner: None,
            loser: None,
            concurrent: false,
        };
    }
    let concurrent = base != Some(current.stamp);
    let incoming_stamp = incoming.stamp;
    let merged = merge(current, incoming);
    let incoming_won = merged.winner.stamp == incoming_stamp;
    let reason = if incoming_won {
        "superseded"
    } else {
        "lost_merge"
    };
    MergeOutcome {
        loser: merged.loser.map(|l| (l, reason)),
        winner: incoming_won.then_some(merged.winner),
        concurrent,
    }
}

#[cfg(test)]
mod tests {
    use townhall_domain::{DeviceId, Hlc, MutationId, Topic, TopicId};

    use super::*;

    #[test]
    fn the_payload_hash_is_the_hash_of_the_items_json() {
        // Ledgers written by earlier servers hold SHA-256 of `serde_json::to_vec(item)`: a resend
        // must still match them.
        let item = PushItem {
            seq: 3,
            mutation: Mutation {
                id: MutationId::generate(1, [1; 10]),
                device: DeviceId::generate(1, [2; 10]),
                hlc: Hlc::new(5, 1),
                change: Change::UpsertTopic(Topic {
                    id: TopicId::generate(1, [3; 10]),
                    name: "Đất đai \"và\" nhà ở".to_owned(),
                    archived: false,
                }),
            },
        };
        let expected: [u8; 32] = Sha256::digest(serde_json::to_vec(&item).unwrap()).into();
        assert_eq!(payload_hash(&item), expected);
    }
}
