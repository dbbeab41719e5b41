//! The replica: a device's own SQLite copy of what its user may see, and the one place the
//! app writes to.
//!
//! Every write validates its input with the domain's rules, checks the device's permission,
//! applies the change to the tables and appends the mutation to the outbox, all in one
//! `IMMEDIATE` transaction with `synchronous=FULL`: once a call returns, the change survives a
//! crash or power loss, and once it fails, nothing stored has changed.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use townhall_domain::hlc::HlcClock;
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::permissions::{self, Action, Scope};
use townhall_domain::validate::{
    self, AnswerInput, AssignmentInput, DialogueInput, QuestionInput, TextRule,
};
use townhall_domain::{
    Agency, AgencyId, AnswerId, AnswerMode, AssignmentId, DeviceId, DeviceLetter, DialogueId,
    DialogueStatus, DisplayNumber, Hlc, Level, Locality, LocalityId, MutationId, QuestionId,
    QuestionStatus, Role, StatusEventId, Topic, TopicId, UserId,
};

use crate::apply::{self, Author};
use crate::clock::{Clock, Randomness, SystemRandom};
use crate::db;
use crate::error::{ReplicaError, Result};
use crate::reference;
use crate::search::{self, Reindex, SearchIndex};
use crate::stamp::{exec, get, get_opt, query_row};

/// Who this device is: set once at enrolment.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DeviceIdentity {
    /// The device's id, issued by the server.
    pub device: DeviceId,
    /// The user the device is enrolled for.
    pub user: UserId,
    /// The user's role.
    pub role: Role,
    /// The device's display letter, e.g. `B` for `B-017`.
    pub letter: DeviceLetter,
    /// The locality the user works in; `None` means everything this replica holds.
    pub jurisdiction: Option<LocalityId>,
    /// The agency an agency user answers for.
    pub agency: Option<AgencyId>,
}

impl DeviceIdentity {
    /// Who this device's own changes are applied as.
    pub(crate) fn author(&self) -> Author {
        Author {
            user: self.user,
            role: self.role,
        }
    }
}

/// A question as captured in the hall, with the answer if the leader answered on the spot.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CaptureInput {
    /// The dialogue.
    pub dialogue: DialogueId,
    /// What was raised, and by whom.
    pub question: QuestionInput,
    /// The leader's answer in the hall, if given.
    pub answered_on_site: Option<OnSiteAnswerInput>,
}

/// The answer given on the spot.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OnSiteAnswerInput {
    /// Who answered, e.g. "Chủ tịch UBND xã".
    pub answered_by: String,
    /// A summary of the answer.
    pub summary: String,
}

/// What a capture returns: enough to show the number at once.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Captured {
    /// The new question's id.
    pub id: QuestionId,
    /// Its display number, e.g. `B-017`.
    pub number: DisplayNumber,
}

/// One mutation waiting in the outbox.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OutboxEntry {
    /// Its place in this device's sequence, from 1.
    pub seq: u64,
    /// The mutation.
    pub mutation: Mutation,
}

/// A device's replica.
pub struct Replica {
    conn: Connection,
    index: SearchIndex,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Randomness>,
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("path", &self.conn.path())
            .finish_non_exhaustive()
    }
}

impl Replica {
    /// Opens the replica at `path`, creating it if needed, migrating it to the newest schema and
    /// seeding the default reference data into a new file.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Self> {
        Self::open_with(path, clock, Arc::new(SystemRandom))
    }

    /// Opens the replica at `path` as [`Replica::open`] does, drawing the random part of every
    /// id it makes from `random` (a seeded source in tests, so their ids repeat).
    pub fn open_with(
        path: &Path,
        clock: Arc<dyn Clock>,
        random: Arc<dyn Randomness>,
    ) -> Result<Self> {
        // The index file first: the replica's connection attaches it read-only.
        let index = SearchIndex::open(path)?;
        let mut conn = db::open(path)?;
        reference::seed_if_empty(&mut conn)?;
        // What an upgrade left to build, or a sync stopped before indexing; a damaged file is
        // replaced before this connection attaches it.
        index.recover(path);
        search::attach_read_only(&conn, path)?;
        Ok(Self {
            conn,
            index,
            clock,
            random,
        })
    }

    /// The SQLite connection, for queries in this crate.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The SQLite connection, for sync's own transactions in this crate.
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The connection that writes the search index, for the sync's indexer.
    pub(crate) fn search_index(&self) -> SearchIndex {
        self.index.clone()
    }

    /// Indexes what the writes just committed queued, unless the sync's indexer is at work
    /// (its last pass covers them). The write has committed, so a failure here is not its
    /// failure: the entries stay queued for the next pass.
    pub(crate) fn index_recent(&self) {
        let _ = self.index.catch_up_if_idle();
    }

    /// The clock this replica reads.
    pub(crate) fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// Where this replica's random bits come from, for a transaction that holds the
    /// connection.
    pub(crate) fn random(&self) -> Arc<dyn Randomness> {
        Arc::clone(&self.random)
    }

    /// Who this device is, once enrolled.
    pub fn identity(&self) -> Result<Option<DeviceIdentity>> {
        load_identity(&self.conn)
    }

    /// Records who this device is. Called once, at enrolment; a second call with another device
    /// id is refused, so questions never change their device letter.
    pub fn set_identity(&mut self, identity: &DeviceIdentity) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(existing) = load_identity(&tx)? {
            if existing.device != identity.device {
                return Err(ReplicaError::Conflict(format!(
                    "this replica already belongs to device {}; a device is enrolled once",
                    existing.device
                )));
            }
        }
        exec(&tx,
            "INSERT INTO device (singleton, device_id, user_id, role, letter, jurisdiction, agency)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (singleton) DO UPDATE SET user_id = excluded.user_id, role = excluded.role,
                 letter = excluded.letter, jurisdiction = excluded.jurisdiction, agency = excluded.agency",
            params![
                identity.device.to_string(),
                identity.user.to_string(),
                identity.role.as_str(),
                identity.letter.as_str(),
                identity.jurisdiction.map(|j| j.to_string()),
                identity.agency.map(|a| a.to_string()),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Plans a new dialogue (secretariat).
    pub fn create_dialogue(&mut self, input: &DialogueInput) -> Result<DialogueId> {
        self.write(|w| {
            let details = validate::dialogue_details(input, w.today())?;
            let scope = w.scope_of_locality(details.locality)?;
            w.authorize(Action::CreateDialogue, scope)?;
            let id = DialogueId::generate(w.now_millis(), w.id_bits());
            w.record(Change::CreateDialogue { id, details })?;
            Ok(id)
        })
    }

    /// Changes a dialogue's details (secretariat).
    pub fn edit_dialogue(&mut self, id: DialogueId, input: &DialogueInput) -> Result<()> {
        self.write(|w| {
            let details = validate::dialogue_details(input, w.today())?;
            let scope = w.scope_of_dialogue(id)?;
            w.authorize(Action::EditDialogue, scope)?;
            let base = w.dialogue_stamp(id)?;
            w.record(Change::EditDialogue {
                id,
                details,
                base: Some(base),
            })
        })
    }

    /// Moves a dialogue on in its life (secretariat).
    pub fn set_dialogue_status(&mut self, id: DialogueId, to: DialogueStatus) -> Result<()> {
        self.write(|w| {
            let scope = w.scope_of_dialogue(id)?;
            w.authorize(Action::EditDialogue, scope)?;
            w.record(Change::SetDialogueStatus { id, to })
        })
    }

    /// Captures a question, numbering it with this device's letter and counter.
    ///
    /// With an on-site answer, the answer and the status change are recorded in the same
    /// transaction, so the question is never seen half captured.
    pub fn capture(&mut self, input: &CaptureInput) -> Result<Captured> {
        self.write(|w| w.capture(input))
    }

    /// Captures several questions in one transaction, all or none: for a list gathered by the
    /// locality before the dialogue, or typed in from paper afterwards.
    pub fn capture_all(&mut self, inputs: &[CaptureInput]) -> Result<Vec<Captured>> {
        self.write(|w| inputs.iter().map(|input| w.capture(input)).collect())
    }

    /// Edits what a question says and who raised it. Only the groups that changed are recorded.
    pub fn edit_question(&mut self, id: QuestionId, input: &QuestionInput) -> Result<()> {
        self.write(|w| {
            let text = validate::question_text(input)?;
            let citizen = validate::citizen(&input.citizen)?;
            w.ensure_topic(text.topic)?;
            let scope = w.scope_of_question(id)?;
            let current_text = apply::question_text(w.tx, id)?;
            if current_text.value != text {
                w.authorize(Action::EditQuestionText, scope)?;
                w.record(Change::EditQuestionText {
                    id,
                    text,
                    base: Some(current_text.stamp),
                })?;
            }
            let current_citizen = apply::question_citizen(w.tx, id)?;
            if current_citizen.value != citizen {
                w.authorize(Action::EditCitizen, scope)?;
                w.record(Change::EditCitizen {
                    id,
                    citizen,
                    base: Some(current_citizen.stamp),
                })?;
            }
            Ok(())
        })
    }

    /// Records an answer. A written answer to an assigned question moves it to `answered`.
    pub fn add_answer(&mut self, question: QuestionId, input: &AnswerInput) -> Result<AnswerId> {
        self.write(|w| {
            let body = validate::answer_body(input, w.today())?;
            let scope = w.scope_of_question(question)?;
            let action = if body.mode == AnswerMode::OnSite {
                Action::AnswerOnSite
            } else {
                Action::AnswerInWriting
            };
            w.authorize(action, scope)?;
            let status = w.question_status(question)?;
            let id = AnswerId::generate(w.now_millis(), w.id_bits());
            let next = match (body.mode, status) {
                (AnswerMode::Written, QuestionStatus::Assigned) => Some(QuestionStatus::Answered),
                (AnswerMode::OnSite, QuestionStatus::Received) => {
                    Some(QuestionStatus::AnsweredOnSite)
                }
                _ => None,
            };
            let now = w.clock.now();
            w.record(Change::AddAnswer {
                id,
                question,
                body,
                recorded_at: now,
            })?;
            if let Some(to) = next {
                w.change_status(question, status, to, "")?;
            }
            Ok(id)
        })
    }

    /// Corrects an answer's content.
    pub fn edit_answer(&mut self, id: AnswerId, input: &AnswerInput) -> Result<()> {
        self.write(|w| {
            let body = validate::answer_body(input, w.today())?;
            let (question, current) = apply::answer_body(w.tx, id)?;
            let scope = w.scope_of_question(question)?;
            let action = if body.mode == AnswerMode::OnSite {
                Action::AnswerOnSite
            } else {
                Action::AnswerInWriting
            };
            w.authorize(action, scope)?;
            if current.value == body {
                return Ok(());
            }
            w.record(Change::EditAnswer {
                id,
                body,
                base: Some(current.stamp),
            })
        })
    }

    /// Assigns a question to an agency with a due date; moves it to `assigned`.
    pub fn assign(
        &mut self,
        question: QuestionId,
        input: &AssignmentInput,
    ) -> Result<AssignmentId> {
        self.write(|w| w.assign(question, input))
    }

    /// Assigns several questions at once, all or none.
    pub fn assign_many(
        &mut self,
        questions: &[QuestionId],
        input: &AssignmentInput,
    ) -> Result<Vec<AssignmentId>> {
        self.write(|w| questions.iter().map(|q| w.assign(*q, input)).collect())
    }

    /// Changes an assignment's agency, due date or instructions.
    pub fn edit_assignment(&mut self, id: AssignmentId, input: &AssignmentInput) -> Result<()> {
        self.write(|w| {
            let terms = validate::assignment_terms(input, w.today())?;
            w.ensure_agency(terms.agency)?;
            let (question, current) = apply::assignment_terms(w.tx, id)?;
            let scope = w.scope_of_question(question)?;
            w.authorize(Action::Assign, scope)?;
            if current.value == terms {
                return Ok(());
            }
            w.record(Change::EditAssignment {
                id,
                terms,
                base: Some(current.stamp),
            })
        })
    }

    /// Moves a question to another status, as the status machine allows for this device's role.
    pub fn change_status(
        &mut self,
        question: QuestionId,
        to: QuestionStatus,
        note: &str,
    ) -> Result<()> {
        self.write(|w| {
            let note = validate::text("note", note, TextRule::NOTE)?;
            let from = w.question_status(question)?;
            w.change_status(question, from, to, &note)
        })
    }

    /// Marks `question` as a duplicate of `into`; the duplicate is kept, never deleted.
    pub fn merge_duplicate(&mut self, question: QuestionId, into: QuestionId) -> Result<()> {
        self.write(|w| {
            if question == into {
                return Err(ReplicaError::Conflict("a question cannot be merged into itself".to_owned()));
            }
            let target = w.question_status(into)?;
            if target == QuestionStatus::Merged {
                return Err(ReplicaError::Conflict(
                    "the target question is itself merged; merge into the question it was merged into".to_owned(),
                ));
            }
            let scope = w.scope_of_question(question)?;
            w.authorize(Action::MergeDuplicate, scope)?;
            let from = w.question_status(question)?;
            w.change_status(question, from, QuestionStatus::Merged, "")?;
            w.record(Change::MergeDuplicate { question, into })
        })
    }

    /// Adds a topic, or renames or archives one (`id` given).
    pub fn upsert_topic(
        &mut self,
        id: Option<TopicId>,
        name: &str,
        archived: bool,
    ) -> Result<TopicId> {
        self.write(|w| {
            let name = validate::text("name", name, TextRule::LINE)?;
            w.authorize(Action::EditReferenceData, Scope::JURISDICTION)?;
            let id = id.unwrap_or_else(|| TopicId::generate(w.now_millis(), w.id_bits()));
            w.record(Change::UpsertTopic(Topic { id, name, archived }))?;
            Ok(id)
        })
    }

    /// Adds an agency, or renames or archives one (`id` given).
    pub fn upsert_agency(
        &mut self,
        id: Option<AgencyId>,
        name: &str,
        short_name: &str,
        archived: bool,
    ) -> Result<AgencyId> {
        self.write(|w| {
            let name = validate::text("name", name, TextRule::LINE)?;
            let short_name = validate::text("short_name", short_name, TextRule::OPTIONAL_LINE)?;
            w.authorize(Action::EditReferenceData, Scope::JURISDICTION)?;
            let id = id.unwrap_or_else(|| AgencyId::generate(w.now_millis(), w.id_bits()));
            w.record(Change::UpsertAgency(Agency {
                id,
                name,
                short_name,
                archived,
            }))?;
            Ok(id)
        })
    }

    /// Adds a locality, or renames or moves one (`id` given).
    pub fn upsert_locality(
        &mut self,
        id: Option<LocalityId>,
        name: &str,
        level: Level,
        parent: Option<LocalityId>,
    ) -> Result<LocalityId> {
        self.write(|w| {
            let name = validate::text("name", name, TextRule::LINE)?;
            w.authorize(Action::EditReferenceData, Scope::JURISDICTION)?;
            if let Some(parent) = parent {
                w.scope_of_locality(parent)?;
            }
            let id = id.unwrap_or_else(|| LocalityId::generate(w.now_millis(), w.id_bits()));
            if parent == Some(id) {
                return Err(ReplicaError::Conflict(
                    "a locality cannot be its own parent".to_owned(),
                ));
            }
            w.record(Change::UpsertLocality(Locality {
                id,
                name,
                level,
                parent,
            }))?;
            Ok(id)
        })
    }

    /// How many mutations wait in the outbox.
    pub fn outbox_len(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?)
    }

    /// Up to `limit` outbox entries after `after_seq`, oldest first.
    pub fn outbox(&self, after_seq: u64, limit: u32) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, body FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
        let rows = stmt.query_map(params![after_seq, limit], |r| {
            Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?))
        })?;
        rows.map(|row| {
            let (seq, body) = row?;
            let mutation = serde_json::from_str(&body)
                .map_err(|e| ReplicaError::Corrupt(format!("outbox entry {seq}: {e}")))?;
            Ok(OutboxEntry { seq, mutation })
        })
        .collect()
    }

    /// Applies a mutation made on another device, as sync will.
    #[cfg(test)]
    pub(crate) fn apply_remote(&mut self, mutation: &Mutation, author: Author) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut reindex = Reindex::default();
        apply::apply(&tx, mutation, author, &mut reindex)?;
        reindex.flush(&tx)?;
        tx.commit()?;
        self.index_recent();
        Ok(())
    }

    /// Runs `f` as one write: an `IMMEDIATE` transaction with the device's identity and clock,
    /// committed only if `f` succeeds.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Writer<'_, '_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let identity = load_identity(&tx)?.ok_or(ReplicaError::NotEnrolled)?;
        let hlc = load_hlc(&tx)?.ok_or(ReplicaError::NotEnrolled)?;
        let mut writer = Writer {
            tx: &tx,
            identity,
            clock: &*self.clock,
            random: &*self.random,
            hlc,
            reindex: Reindex::default(),
        };
        let out = f(&mut writer)?;
        std::mem::take(&mut writer.reindex).flush(&tx)?;
        save_hlc(&tx, &writer.hlc)?;
        tx.commit()?;
        self.index_recent();
        Ok(out)
    }
}

/// One write in progress.
pub(crate) struct Writer<'a, 'c> {
    pub(crate) tx: &'a Transaction<'c>,
    pub(crate) identity: DeviceIdentity,
    clock: &'a dyn Clock,
    random: &'a dyn Randomness,
    hlc: HlcClock,
    reindex: Reindex,
}

impl Writer<'_, '_> {
    pub(crate) fn now_millis(&self) -> u64 {
        u64::try_from(self.clock.now().timestamp_millis()).unwrap_or(0)
    }

    pub(crate) fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    /// The random bits of a new id.
    pub(crate) fn id_bits(&self) -> [u8; 10] {
        self.random.id_bits()
    }

    pub(crate) fn authorize(&self, action: Action, scope: Scope) -> Result<()> {
        permissions::authorize(self.identity.role, action, scope)?;
        Ok(())
    }

    /// Stamps `change`, applies it and appends it to the outbox.
    pub(crate) fn record(&mut self, change: Change) -> Result<()> {
        let now = self.clock.now();
        let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        let hlc = self.hlc.tick(millis);
        let mutation = Mutation {
            id: MutationId::generate(millis, self.random.id_bits()),
            device: self.identity.device,
            hlc,
            change,
        };
        apply::apply(
            self.tx,
            &mutation,
            self.identity.author(),
            &mut self.reindex,
        )?;
        enqueue(self.tx, &mutation, now)
    }

    pub(crate) fn change_status(
        &mut self,
        question: QuestionId,
        from: QuestionStatus,
        to: QuestionStatus,
        note: &str,
    ) -> Result<()> {
        let scope = self.scope_of_question(question)?;
        self.authorize(Action::ChangeStatus { from, to }, scope)?;
        let event = StatusEventId::generate(self.now_millis(), self.id_bits());
        let at = self.clock.now();
        self.record(Change::ChangeStatus {
            event,
            question,
            from,
            to,
            note: note.to_owned(),
            at,
        })
    }

    fn capture(&mut self, input: &CaptureInput) -> Result<Captured> {
        // Every problem in the form at once: the question's, the citizen's and the on-site
        // answer's, the answer's fields named as the form names them.
        let text = validate::question_text(&input.question);
        let citizen = validate::citizen(&input.question.citizen);
        let answer = input.answered_on_site.as_ref().map(|a| {
            validate::answer_body(
                &AnswerInput {
                    mode: AnswerMode::OnSite,
                    answered_by: a.answered_by.clone(),
                    agency: None,
                    content: a.summary.clone(),
                    document_number: None,
                    document_date: None,
                },
                self.today(),
            )
            .map_err(|errors| {
                validate::ValidationErrors(
                    errors
                        .0
                        .into_iter()
                        .map(|mut e| {
                            let field = if e.field == "content" {
                                "summary"
                            } else {
                                &e.field
                            };
                            e.field = format!("answered_on_site.{field}");
                            e
                        })
                        .collect(),
                )
            })
        });
        let (text, citizen, answer) = match (text, citizen, answer.transpose()) {
            (Ok(text), Ok(citizen), Ok(answer)) => (text, citizen, answer),
            (text, citizen, answer) => {
                let mut all = Vec::new();
                // The question's problems include its citizen's.
                match text {
                    Err(e) => all.extend(e.0),
                    Ok(_) => all.extend(citizen.err().map(|e| e.0).unwrap_or_default()),
                }
                all.extend(answer.err().map(|e| e.0).unwrap_or_default());
                return Err(validate::ValidationErrors(all).into());
            }
        };
        self.ensure_topic(text.topic)?;
        let scope = self.scope_of_dialogue(input.dialogue)?;
        self.authorize(Action::CaptureQuestion, scope)?;
        let now = self.clock.now();
        let id = QuestionId::generate(self.now_millis(), self.id_bits());
        let number = self.next_number()?;
        self.record(Change::CaptureQuestion {
            id,
            dialogue: input.dialogue,
            number: number.clone(),
            text,
            citizen,
            captured_at: now,
        })?;
        if let Some(body) = answer {
            self.authorize(Action::AnswerOnSite, scope)?;
            let answer = AnswerId::generate(self.now_millis(), self.id_bits());
            self.record(Change::AddAnswer {
                id: answer,
                question: id,
                body,
                recorded_at: now,
            })?;
            self.change_status(
                id,
                QuestionStatus::Received,
                QuestionStatus::AnsweredOnSite,
                "",
            )?;
        }
        Ok(Captured { id, number })
    }

    pub(crate) fn assign(
        &mut self,
        question: QuestionId,
        input: &AssignmentInput,
    ) -> Result<AssignmentId> {
        let terms = validate::assignment_terms(input, self.today())?;
        self.ensure_agency(terms.agency)?;
        let scope = self.scope_of_question(question)?;
        self.authorize(Action::Assign, scope)?;
        let status = self.question_status(question)?;
        // Check the status change before recording anything, so a refused one leaves no assignment.
        if status != QuestionStatus::Assigned {
            self.authorize(
                Action::ChangeStatus {
                    from: status,
                    to: QuestionStatus::Assigned,
                },
                scope,
            )?;
        }
        let id = AssignmentId::generate(self.now_millis(), self.id_bits());
        let assigned_at = self.clock.now();
        self.record(Change::Assign {
            id,
            question,
            terms,
            assigned_at,
        })?;
        if status != QuestionStatus::Assigned {
            self.change_status(question, status, QuestionStatus::Assigned, "")?;
        }
        Ok(id)
    }

    /// Takes the next display number from the device's counter.
    fn next_number(&mut self) -> Result<DisplayNumber> {
        let counter: u32 = query_row(
            self.tx,
            "UPDATE device SET next_number = next_number + 1 RETURNING next_number - 1",
            [],
            |r| r.get(0),
        )?;
        Ok(DisplayNumber {
            letter: self.identity.letter.clone(),
            counter,
        })
    }

    pub(crate) fn question_status(&self, id: QuestionId) -> Result<QuestionStatus> {
        query_row(
            self.tx,
            "SELECT status FROM questions WHERE id = ?1",
            params![id.to_string()],
            |r| get(r, 0),
        )
        .optional()?
        .ok_or_else(|| ReplicaError::not_found("question", id))
    }

    fn dialogue_stamp(&self, id: DialogueId) -> Result<townhall_domain::Stamp> {
        query_row(
            self.tx,
            "SELECT details_stamp FROM dialogues WHERE id = ?1",
            params![id.to_string()],
            |r| crate::stamp::get_stamp(r, 0),
        )
        .optional()?
        .ok_or_else(|| ReplicaError::not_found("dialogue", id))
    }

    fn ensure_topic(&self, topic: Option<TopicId>) -> Result<()> {
        let Some(topic) = topic else { return Ok(()) };
        let exists: bool = query_row(
            self.tx,
            "SELECT EXISTS (SELECT 1 FROM topics WHERE id = ?1)",
            params![topic.to_string()],
            |r| r.get(0),
        )?;
        if exists {
            Ok(())
        } else {
            Err(ReplicaError::not_found("topic", topic))
        }
    }

    fn ensure_agency(&self, agency: AgencyId) -> Result<()> {
        let exists: bool = query_row(
            self.tx,
            "SELECT EXISTS (SELECT 1 FROM agencies WHERE id = ?1)",
            params![agency.to_string()],
            |r| r.get(0),
        )?;
        if exists {
            Ok(())
        } else {
            Err(ReplicaError::not_found("agency", agency))
        }
    }

    /// Whether `locality` lies within this device's jurisdiction (equal to it or below it).
    fn in_jurisdiction(&self, locality: LocalityId) -> Result<bool> {
        let Some(root) = self.identity.jurisdiction else {
            return Ok(true);
        };
        let found: bool = query_row(
            self.tx,
            "WITH RECURSIVE up(id, parent) AS (
                 SELECT id, parent FROM localities WHERE id = ?1
                 UNION SELECT l.id, l.parent FROM localities l JOIN up ON l.id = up.parent)
             SELECT EXISTS (SELECT 1 FROM up WHERE id = ?2)",
            params![locality.to_string(), root.to_string()],
            |r| r.get(0),
        )?;
        Ok(found)
    }

    fn scope_of_locality(&self, locality: LocalityId) -> Result<Scope> {
        let exists: bool = query_row(
            self.tx,
            "SELECT EXISTS (SELECT 1 FROM localities WHERE id = ?1)",
            params![locality.to_string()],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(ReplicaError::not_found("locality", locality));
        }
        Ok(Scope {
            in_jurisdiction: self.in_jurisdiction(locality)?,
            ..Scope::default()
        })
    }

    pub(crate) fn scope_of_dialogue(&self, id: DialogueId) -> Result<Scope> {
        let locality: LocalityId = query_row(
            self.tx,
            "SELECT locality FROM dialogues WHERE id = ?1",
            params![id.to_string()],
            |r| get(r, 0),
        )
        .optional()?
        .ok_or_else(|| ReplicaError::not_found("dialogue", id))?;
        Ok(Scope {
            in_jurisdiction: self.in_jurisdiction(locality)?,
            ..Scope::default()
        })
    }

    pub(crate) fn scope_of_question(&self, id: QuestionId) -> Result<Scope> {
        let (dialogue, captured_by, agency): (DialogueId, DeviceId, Option<AgencyId>) = query_row(
            self.tx,
            "SELECT dialogue, captured_by, agency FROM questions WHERE id = ?1",
            params![id.to_string()],
            |r| Ok((get(r, 0)?, get(r, 1)?, get_opt(r, 2)?)),
        )
        .optional()?
        .ok_or_else(|| ReplicaError::not_found("question", id))?;
        let in_dialogue = self.scope_of_dialogue(dialogue)?;
        Ok(Scope {
            in_jurisdiction: in_dialogue.in_jurisdiction,
            assigned_to_own_agency: agency.is_some() && agency == self.identity.agency,
            captured_on_own_device: captured_by == self.identity.device,
        })
    }
}

/// The device's hybrid logical clock as last saved; `None` before enrolment.
pub(crate) fn load_hlc(conn: &Connection) -> Result<Option<HlcClock>> {
    let last: Option<(u64, u32)> = query_row(
        conn,
        "SELECT hlc_millis, hlc_counter FROM device",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?;
    Ok(last.map(|(millis, counter)| HlcClock::resume(Hlc::new(millis, counter))))
}

/// Saves the device's hybrid logical clock, so stamps never go backwards across restarts.
pub(crate) fn save_hlc(conn: &Connection, clock: &HlcClock) -> Result<()> {
    let last = clock.last();
    exec(
        conn,
        "UPDATE device SET hlc_millis = ?1, hlc_counter = ?2",
        params![last.millis, last.counter],
    )?;
    Ok(())
}

/// Appends `mutation` to the outbox, to be pushed after everything before it.
pub(crate) fn enqueue(
    conn: &Connection,
    mutation: &Mutation,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let body = serde_json::to_string(mutation)
        .map_err(|e| ReplicaError::Corrupt(format!("cannot encode a mutation: {e}")))?;
    exec(
        conn,
        "INSERT INTO outbox (mutation_id, kind, entity_id, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            mutation.id.to_string(),
            mutation.change.kind(),
            mutation.change.entity_id().to_string(),
            body,
            now.to_rfc3339()
        ],
    )?;
    Ok(())
}

pub(crate) fn load_identity(conn: &Connection) -> Result<Option<DeviceIdentity>> {
    Ok(conn
        .query_row(
            "SELECT device_id, user_id, role, letter, jurisdiction, agency FROM device",
            [],
            |r| {
                let letter: String = r.get(3)?;
                Ok(DeviceIdentity {
                    device: get(r, 0)?,
                    user: get(r, 1)?,
                    role: get(r, 2)?,
                    letter: validate::device_letter(&letter).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            3,
                            rusqlite::types::Type::Text,
                            Box::new(e),
                        )
                    })?,
                    jurisdiction: get_opt(r, 4)?,
                    agency: get_opt(r, 5)?,
                })
            },
        )
        .optional()?)
}
