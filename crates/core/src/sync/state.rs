//! The replica's side of sync: what is waiting to be pushed, what the server made of it, and
//! applying pulled pages.
//!
//! Every step is one transaction, so a sync cut off at any point (network gone, app killed)
//! resumes where it stopped: pulled pages and their cursor commit together, and push results
//! and the pushed position commit together.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::wire::{EnrolResponse, LogEntry, PushItem, PushOutcome, PushResponse};

use crate::apply::{self, Author};
use crate::error::{ReplicaError, Result};
use crate::replica::{DeviceIdentity, Replica, enqueue, load_hlc, save_hlc};
use crate::search::Reindex;
use crate::stamp::{exec, query_row};

/// Where and as whom this device syncs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SyncConfig {
    /// The server's base URL, e.g. `http://10.0.0.5:8080`.
    pub server_url: String,
    /// The device's bearer token.
    pub token: String,
    /// The server epoch this replica's cursor belongs to.
    pub epoch: String,
    /// The change-log position pulled so far.
    pub cursor: u64,
    /// The highest outbox seq the server has handled.
    pub pushed_seq: u64,
}

/// What the sync badge shows.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SyncStatus {
    /// Whether the device is enrolled with a server.
    pub enrolled: bool,
    /// Mutations not yet handled by the server.
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unsent: u64,
    /// Mutations the server refused, waiting for the user.
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rejected: u64,
    /// When the last sync finished without error.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last sync's error in plain words, cleared by a successful sync.
    pub last_error: Option<String>,
    /// That error's stable code (`offline`, `unauthorized`, `not_the_server`, …), for a
    /// message in the user's language.
    pub last_error_code: Option<String>,
}

/// A mutation the server refused, with its reason.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RejectedMutation {
    /// Its place in the outbox.
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    /// The mutation.
    pub mutation: Mutation,
    /// The server's code, e.g. `forbidden`.
    pub code: String,
    /// The server's reason, in plain words.
    pub reason: String,
}

impl Replica {
    /// Records a successful enrolment: who this device is and where it syncs, together.
    pub fn enrol_with(&mut self, server_url: &str, response: &EnrolResponse) -> Result<()> {
        let identity = DeviceIdentity {
            device: response.device,
            user: response.user,
            role: response.role,
            letter: response.letter.clone(),
            jurisdiction: response.jurisdiction,
            agency: response.agency,
        };
        self.set_identity(&identity)?;
        exec(
            self.conn(),
            "INSERT INTO sync_state (singleton, server_url, token, epoch) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (singleton) DO UPDATE SET server_url = excluded.server_url,
                 token = excluded.token, epoch = excluded.epoch",
            params![server_url, response.token, response.epoch],
        )?;
        Ok(())
    }

    /// Where and as whom this device syncs, once enrolled.
    pub fn sync_config(&self) -> Result<Option<SyncConfig>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT server_url, token, epoch, cursor, pushed_seq FROM sync_state",
                [],
                |r| {
                    Ok(SyncConfig {
                        server_url: r.get(0)?,
                        token: r.get(1)?,
                        epoch: r.get(2)?,
                        cursor: r.get(3)?,
                        pushed_seq: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// The next mutations to push: up to `limit` after what the server has handled.
    pub fn pending_push(&self, limit: u32) -> Result<Vec<PushItem>> {
        let pushed = self.sync_config()?.map_or(0, |c| c.pushed_seq);
        let entries = self.outbox(pushed, limit)?;
        Ok(entries
            .into_iter()
            .map(|e| PushItem {
                seq: e.seq,
                mutation: e.mutation,
            })
            .collect())
    }

    /// Records what the server made of a push, in one transaction.
    pub fn record_push(&mut self, response: &PushResponse) -> Result<()> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // One statement for the whole batch: row by row, binding and stepping 500 updates cost
        // more than the work they do.
        let results: Vec<serde_json::Value> = response
            .results
            .iter()
            .map(|result| {
                let (server_seq, code, reason) = match &result.outcome {
                    PushOutcome::Applied { server_seq } => (Some(*server_seq), None, None),
                    PushOutcome::Rejected { code, reason } => {
                        // The reason may quote what was typed: only the code is logged.
                        tracing::warn!(
                            seq = result.seq,
                            mutation = %result.mutation,
                            code = code.as_str(),
                            "the server refused a change"
                        );
                        (None, Some(code.as_str()), Some(reason.as_str()))
                    }
                };
                serde_json::json!([
                    result.seq,
                    result.mutation.to_string(),
                    server_seq,
                    code,
                    reason
                ])
            })
            .collect();
        exec(
            &tx,
            "UPDATE outbox SET server_seq = r.value ->> 2, rejected_code = r.value ->> 3,
                 rejected_reason = r.value ->> 4
             FROM json_each(?1) AS r
             WHERE outbox.seq = r.value ->> 0 AND outbox.mutation_id = r.value ->> 1",
            params![serde_json::Value::from(results).to_string()],
        )?;
        exec(
            &tx,
            "UPDATE sync_state SET pushed_seq = max(pushed_seq, ?1)",
            params![response.last_applied_seq],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Applies pulled changes and advances the cursor to `next`, in one transaction: one page, or
    /// several consecutive pages concatenated with the last one's `next` (sync batches them, as
    /// each commit waits for the disk). Changes applied twice (a
    /// resent response, a crash before the cursor moved) change nothing.
    ///
    /// Changes still waiting in the outbox are applied again on top, so what this device's user
    /// did stays visible until the server has ordered it: a status change over the status
    /// pulled, an edit merged by its stamp, and after a refetch a record the server has not
    /// received yet, once what it belongs to has arrived. Pull follows push, so the outbox
    /// holds only what was written during the sync, and this is a no-op most of the time.
    pub fn apply_pulled(&mut self, changes: &[LogEntry], next: u64, epoch: &str) -> Result<()> {
        self.apply_pulled_unindexed(changes, next, epoch)?;
        // Derived data: what fails to index stays queued for the next pass.
        let _ = self.search_index().catch_up();
        Ok(())
    }

    /// [`Self::apply_pulled`], leaving the questions it changed queued for the search index,
    /// which sync's [`Indexer`](crate::search::Indexer) works off on another thread meanwhile.
    pub(crate) fn apply_pulled_unindexed(
        &mut self,
        changes: &[LogEntry],
        next: u64,
        epoch: &str,
    ) -> Result<()> {
        let now = self.clock().now();
        let now_millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut clock = load_hlc(&tx)?;
        let mut reindex = Reindex::default();
        for entry in changes {
            let author = Author {
                user: entry.author.user,
                role: entry.author.role,
            };
            apply::apply(&tx, &entry.mutation, author, &mut reindex)?;
            if let Some(clock) = &mut clock {
                clock.observe_vetted(entry.mutation.hlc, now_millis);
            }
        }
        reapply_pending(&tx, &mut reindex)?;
        reindex.flush(&tx)?;
        if let Some(clock) = &clock {
            save_hlc(&tx, clock)?;
        }
        let updated = exec(
            &tx,
            "UPDATE sync_state SET cursor = ?1, epoch = ?2",
            params![next, epoch],
        )?;
        if updated == 0 {
            return Err(ReplicaError::NotEnrolled);
        }
        tx.commit()?;
        Ok(())
    }

    /// Starts over after the server was restored from a backup: pull everything again from the
    /// start of its log, and push again every mutation after what it still has.
    ///
    /// The server's records are forgotten first, in the same transaction, and this device's
    /// unsent changes (those after `server_last_applied_seq`) applied again on top: pulling
    /// adds and merges but never removes, so without this the replica would keep what the
    /// restored server no longer has (another device's change that is refused when it arrives
    /// again, or never arrives; a field value from a lost edit, which wins every merge by its
    /// stamp). The replica refills as the refetch proceeds; an interruption leaves the cursor
    /// where the refetch stopped, and the next sync goes on from there.
    pub fn restart_sync(&mut self, epoch: &str, server_last_applied_seq: u64) -> Result<()> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let updated = exec(
            &tx,
            "UPDATE sync_state SET cursor = 0, epoch = ?1, pushed_seq = ?2",
            params![epoch, server_last_applied_seq],
        )?;
        if updated == 0 {
            return Err(ReplicaError::NotEnrolled);
        }
        forget_server_records(&tx)?;
        let mut reindex = Reindex::default();
        reapply_pending(&tx, &mut reindex)?;
        reindex.flush(&tx)?;
        tx.commit()?;
        // Empties the index, whose entries name rows that are gone (and whose row numbers new
        // rows take again), and indexes what was applied again. A failure leaves that to the
        // next pass, which finds the generation changed.
        let _ = self.search_index().catch_up();
        Ok(())
    }

    /// Queues again, as new entries at the end of the outbox, the changes the server refused
    /// because a record they need was missing (`not_found`) once that record has reached this
    /// replica, which it does only from the server or from this device's own earlier changes,
    /// so sending again can now succeed. Returns how many were queued.
    ///
    /// This is how a server restored from a backup gets back changes that depend on another
    /// device's lost change (an answer to a lost assignment, an edit of a lost question): each
    /// device sends again what the server lost on its own schedule, so the dependent change may
    /// arrive first and be refused. A change keeps its stamp (it was made when it was made) and
    /// gets a new mutation id; the refused entry is set aside. Each change is queued at most
    /// [`MAX_ATTEMPTS`] times in all, so a refusal that keeps coming back ends with the user.
    pub fn requeue_refused(&mut self) -> Result<u64> {
        let now = self.clock().now();
        let random = self.random();
        let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(author) = crate::replica::load_identity(&tx)?.map(|i| i.author()) else {
            return Ok(0);
        };
        let refused: Vec<(u64, String, u32)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT seq, body, attempt FROM outbox
                 WHERE rejected_code = 'not_found' AND dismissed = 0 AND attempt < ?1
                   AND seq <= (SELECT pushed_seq FROM sync_state)
                 ORDER BY seq",
            )?;
            stmt.query_map(params![MAX_ATTEMPTS], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        let mut reindex = Reindex::default();
        let mut queued = 0;
        for (seq, body, attempt) in refused {
            let old: Mutation = serde_json::from_str(&body)
                .map_err(|e| ReplicaError::Corrupt(format!("outbox entry {seq}: {e}")))?;
            // Applying it tells whether what it needs is here; it is applied anyway, as a
            // refetch may have removed it.
            if !apply_if_present(&tx, &old, author, &mut reindex)? {
                continue;
            }
            let mutation = Mutation {
                id: townhall_domain::MutationId::generate(millis, random.id_bits()),
                ..old
            };
            enqueue(&tx, &mutation, now)?;
            exec(
                &tx,
                "UPDATE outbox SET attempt = ?2 WHERE mutation_id = ?1",
                params![mutation.id.to_string(), attempt + 1],
            )?;
            exec(
                &tx,
                "UPDATE outbox SET dismissed = 1 WHERE seq = ?1",
                params![seq],
            )?;
            queued += 1;
        }
        reindex.flush(&tx)?;
        tx.commit()?;
        self.index_recent();
        Ok(queued)
    }

    /// Records how a sync ended: success clears the last error; a failure keeps its code and
    /// its message.
    pub fn record_sync_outcome(&mut self, error: Option<(&str, &str)>) -> Result<()> {
        let now = self.clock().now();
        match error {
            None => exec(
                self.conn(),
                "UPDATE sync_state
                 SET last_success_at = ?1, last_error = NULL, last_error_code = NULL",
                params![now.to_rfc3339()],
            )?,
            Some((code, message)) => exec(
                self.conn(),
                "UPDATE sync_state SET last_error = ?1, last_error_code = ?2",
                params![message, code],
            )?,
        };
        Ok(())
    }

    /// What the sync badge shows.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        let config = self.conn().query_row(
            "SELECT pushed_seq, last_success_at, last_error, last_error_code FROM sync_state",
            [],
            |r| {
                Ok((
                    r.get::<_, u64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            },
        );
        let (pushed, last_success_at, last_error, last_error_code, enrolled) =
            match config.optional()? {
                Some((pushed, at, error, code)) => (pushed, at, error, code, true),
                None => (0, None, None, None, false),
            };
        let unsent: u64 = self.conn().query_row(
            "SELECT count(*) FROM outbox WHERE seq > ?1",
            params![pushed],
            |r| r.get(0),
        )?;
        let rejected: u64 = self.conn().query_row(
            "SELECT count(*) FROM outbox WHERE rejected_code IS NOT NULL AND dismissed = 0",
            [],
            |r| r.get(0),
        )?;
        let last_success_at = last_success_at
            .map(|t| DateTime::parse_from_rfc3339(&t).map(|t| t.to_utc()))
            .transpose()
            .map_err(|e| ReplicaError::Corrupt(format!("last sync time: {e}")))?;
        Ok(SyncStatus {
            enrolled,
            unsent,
            rejected,
            last_success_at,
            last_error,
            last_error_code,
        })
    }

    /// The mutations the server refused, oldest first.
    pub fn rejected_mutations(&self) -> Result<Vec<RejectedMutation>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, body, rejected_code, rejected_reason FROM outbox
             WHERE rejected_code IS NOT NULL AND dismissed = 0 ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (seq, body, code, reason) = row?;
            let mutation = serde_json::from_str(&body)
                .map_err(|e| ReplicaError::Corrupt(format!("outbox entry {seq}: {e}")))?;
            Ok(RejectedMutation {
                seq,
                mutation,
                code,
                reason,
            })
        })
        .collect()
    }

    /// Sends a refused mutation again, as a new change at the end of the outbox: for a refusal
    /// that no longer holds (the record it needed has arrived since, the user's rights were
    /// fixed). The refused entry is set aside. The change is already applied here, so it is
    /// only queued, not applied again.
    pub fn retry_rejected(&mut self, seq: u64) -> Result<()> {
        let now = self.clock().now();
        let random = self.random();
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let body: String = query_row(
            &tx,
            "SELECT body FROM outbox WHERE seq = ?1 AND rejected_code IS NOT NULL AND dismissed = 0",
            params![seq],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| ReplicaError::not_found("rejected change", seq))?;
        let old: Mutation = serde_json::from_str(&body)
            .map_err(|e| ReplicaError::Corrupt(format!("outbox entry {seq}: {e}")))?;
        let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        let mut hlc = load_hlc(&tx)?.ok_or(ReplicaError::NotEnrolled)?;
        let mutation = Mutation {
            id: townhall_domain::MutationId::generate(millis, random.id_bits()),
            device: old.device,
            hlc: hlc.tick(millis),
            change: old.change,
        };
        enqueue(&tx, &mutation, now)?;
        exec(
            &tx,
            "UPDATE outbox SET dismissed = 1 WHERE seq = ?1",
            params![seq],
        )?;
        save_hlc(&tx, &hlc)?;
        tx.commit()?;
        Ok(())
    }

    /// Sets a refused mutation aside: the user has seen the reason and fixed the record
    /// another way, or accepts the refusal.
    pub fn dismiss_rejected(&mut self, seq: u64) -> Result<()> {
        let changed = exec(
            self.conn(),
            "UPDATE outbox SET dismissed = 1
             WHERE seq = ?1 AND rejected_code IS NOT NULL AND dismissed = 0",
            params![seq],
        )?;
        if changed == 0 {
            return Err(ReplicaError::not_found("rejected change", seq));
        }
        Ok(())
    }
}

/// How many times one change is sent at most when the server keeps refusing it for a missing
/// record (see [`Replica::requeue_refused`]).
pub const MAX_ATTEMPTS: u32 = 4;

/// The tables holding what the server sends (and what this device wrote, which the server
/// also holds or which is still in the outbox), children before parents. Local tables stay:
/// the device, the outbox, sync state, settings, the export record.
const SERVER_TABLES: &[&str] = &[
    "history",
    "status_events",
    "answers",
    "assignments",
    "questions",
    "dialogue_tasks",
    "dialogues",
    "localities",
    "topics",
    "agencies",
    "policy",
];

/// Empties the replica of every record, for a refetch to fill it again.
fn forget_server_records(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    // The search index is emptied and rebuilt for the new generation by its next pass.
    exec(tx, "UPDATE search_state SET generation = random()", [])?;
    exec(tx, "DELETE FROM search_backlog", [])?;
    for table in SERVER_TABLES {
        // `table` is one of the literals above, never input.
        exec(tx, &format!("DELETE FROM {table}"), [])?;
    }
    Ok(())
}

/// Applies this device's unsent changes again, oldest first, skipping those whose record is
/// not here yet (a later pulled page brings it, and they are applied again then). Applying is
/// idempotent, so a change already here changes nothing.
fn reapply_pending(tx: &rusqlite::Transaction<'_>, reindex: &mut Reindex) -> Result<()> {
    let pending: Vec<(u64, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT seq, body FROM outbox
             WHERE seq > (SELECT pushed_seq FROM sync_state) ORDER BY seq",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    if pending.is_empty() {
        return Ok(());
    }
    let author = crate::replica::load_identity(tx)?
        .ok_or(ReplicaError::NotEnrolled)?
        .author();
    for (seq, body) in pending {
        let mutation: Mutation = serde_json::from_str(&body)
            .map_err(|e| ReplicaError::Corrupt(format!("outbox entry {seq}: {e}")))?;
        apply_if_present(tx, &mutation, author, reindex)?;
    }
    Ok(())
}

/// Applies `mutation` unless a record it needs is missing, in which case nothing of it stays.
/// Returns whether it was applied.
///
/// A change that cannot be applied for another reason is skipped too, so one odd entry
/// never stops every later pull; only a failing database is passed on.
fn apply_if_present(
    tx: &rusqlite::Transaction<'_>,
    mutation: &Mutation,
    author: Author,
    reindex: &mut Reindex,
) -> Result<bool> {
    if !prerequisites_present(tx, &mutation.change)? {
        return Ok(false);
    }
    tx.execute_batch("SAVEPOINT reapply")?;
    match apply::apply(tx, mutation, author, reindex) {
        Ok(()) => {
            tx.execute_batch("RELEASE reapply")?;
            Ok(true)
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO reapply; RELEASE reapply")?;
            match e {
                ReplicaError::Storage(_) if !is_missing_record(&e) => Err(e),
                _ => Ok(false),
            }
        }
    }
}

/// Whether the records a change refers to are here, for the kinds that apply without them
/// (an update of no row, a task whose dialogue has no foreign key): the server refuses those
/// `not_found`, so sending one again before its records are back would only be refused again.
fn prerequisites_present(tx: &rusqlite::Transaction<'_>, change: &Change) -> Result<bool> {
    let exists = |table: &str, id: String| -> Result<bool> {
        // `table` is one of the literals below, never input.
        let found: Option<i64> = tx
            .query_row(
                &format!("SELECT 1 FROM {table} WHERE id = ?1"),
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    };
    match change {
        Change::MergeDuplicate { question, into } => Ok(
            exists("questions", question.to_string())? && exists("questions", into.to_string())?
        ),
        Change::LinkRepeat { question, earlier } => Ok(exists("questions", question.to_string())?
            && match earlier {
                Some(earlier) => exists("questions", earlier.to_string())?,
                None => true,
            }),
        Change::ConfirmStatus { question, .. } => exists("questions", question.to_string()),
        Change::UpsertDialogueTask(task) => exists("dialogues", task.dialogue.to_string()),
        _ => Ok(true),
    }
}

/// Whether applying failed for want of a record: the record edited, or one a new record
/// refers to (a foreign key).
fn is_missing_record(error: &ReplicaError) -> bool {
    match error {
        ReplicaError::NotFound { .. } => true,
        ReplicaError::Storage(rusqlite::Error::SqliteFailure(e, _)) => {
            e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;
    use townhall_domain::validate::{DialogueInput, QuestionInput};
    use townhall_domain::wire::{Author as WireAuthor, PushResult};
    use townhall_domain::{
        DeviceId, DeviceLetter, Level, QuestionKind, QuestionStatus, Role, UserId,
    };

    use super::*;
    use crate::{CaptureInput, ManualClock, QuestionFilter};

    /// An enrolled secretariat replica with a dialogue and a question the server has received,
    /// and the server's log of them.
    fn replica_with_sent_question(
        dir: &std::path::Path,
    ) -> (Replica, townhall_domain::QuestionId, Vec<LogEntry>) {
        let start = Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start, 1));
        let mut replica = Replica::open(&dir.join("r.sqlite3"), clock).unwrap();
        let user = UserId::generate(1, [1; 10]);
        replica
            .enrol_with(
                "http://127.0.0.1:1",
                &EnrolResponse {
                    device: DeviceId::generate(1, [2; 10]),
                    letter: DeviceLetter::for_index(0).unwrap(),
                    token: "token".to_owned(),
                    user,
                    user_name: "Văn phòng".to_owned(),
                    role: Role::Secretariat,
                    jurisdiction: None,
                    agency: None,
                    epoch: "epoch-1".to_owned(),
                },
            )
            .unwrap();
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
        let question = replica
            .capture(&CaptureInput {
                dialogue,
                question: question_input("Đường liên thôn hư hỏng"),
                answered_on_site: None,
            })
            .unwrap()
            .id;
        let sent = replica.outbox(0, 100).unwrap();
        replica
            .record_push(&PushResponse {
                results: sent
                    .iter()
                    .enumerate()
                    .map(|(i, e)| PushResult {
                        seq: e.seq,
                        mutation: e.mutation.id,
                        outcome: PushOutcome::Applied {
                            server_seq: i as u64 + 1,
                        },
                    })
                    .collect(),
                last_applied_seq: sent.last().unwrap().seq,
                gap: None,
            })
            .unwrap();
        let log = sent
            .into_iter()
            .enumerate()
            .map(|(i, e)| LogEntry {
                server_seq: i as u64 + 1,
                author: WireAuthor {
                    user,
                    role: Role::Secretariat,
                },
                mutation: e.mutation,
            })
            .collect();
        (replica, question, log)
    }

    /// The server's answer refusing the one mutation pushed, for want of a record.
    fn not_found(seq: u64, mutation: townhall_domain::MutationId) -> PushResponse {
        PushResponse {
            results: vec![PushResult {
                seq,
                mutation,
                outcome: PushOutcome::Rejected {
                    code: "not_found".to_owned(),
                    reason: "no such record on the server".to_owned(),
                },
            }],
            last_applied_seq: seq,
            gap: None,
        }
    }

    fn question_input(content: &str) -> QuestionInput {
        QuestionInput {
            kind: Some(QuestionKind::Petition),
            content: content.to_owned(),
            ..Default::default()
        }
    }

    fn found(replica: &Replica, query: &str) -> usize {
        replica
            .search(query, &QuestionFilter::default(), 10)
            .unwrap()
            .len()
    }

    #[test]
    fn a_refetch_starts_empty_and_keeps_unsent_changes_on_top_of_what_it_pulls() {
        let dir = tempfile::tempdir().unwrap();
        let (mut replica, question, log) = replica_with_sent_question(dir.path());
        let pushed = replica.sync_config().unwrap().unwrap().pushed_seq;
        replica
            .edit_question(question, &question_input("Chợ xã xuống cấp"))
            .unwrap();
        replica
            .change_status(question, QuestionStatus::NeedsWrittenAnswer, "")
            .unwrap();

        replica.restart_sync("epoch-2", pushed).unwrap();
        let config = replica.sync_config().unwrap().unwrap();
        assert_eq!((config.epoch.as_str(), config.cursor), ("epoch-2", 0));
        assert_eq!(
            replica.question(question).unwrap_err().code(),
            "not_found",
            "the server's records are forgotten; the unsent edits wait for their question"
        );
        assert!(replica.dialogues().unwrap().is_empty());
        assert_eq!(found(&replica, "duong"), 0);
        assert_eq!(replica.sync_status().unwrap().unsent, 2);

        // The refetch, a page at a time: the locality and dialogue, then the question.
        replica.apply_pulled(&log[..2], 2, "epoch-2").unwrap();
        assert!(replica.question(question).is_err());
        replica.apply_pulled(&log[2..], 3, "epoch-2").unwrap();
        let detail = replica.question(question).unwrap();
        assert_eq!(detail.question.content, "Chợ xã xuống cấp");
        assert_eq!(detail.question.status, QuestionStatus::NeedsWrittenAnswer);
        assert_eq!(found(&replica, "cho xa"), 1);
        assert_eq!(found(&replica, "duong"), 0);
        assert_eq!(replica.sync_status().unwrap().unsent, 2);
    }

    #[test]
    fn a_refused_task_waits_for_its_dialogue() {
        let dir = tempfile::tempdir().unwrap();
        let (mut replica, _question, _log) = replica_with_sent_question(dir.path());
        // A task of a dialogue this replica does not hold is written all the same (tasks have
        // no foreign key), so only a look at the dialogue tells that sending it again would
        // be refused again.
        let task = townhall_domain::DialogueTask {
            id: townhall_domain::DialogueTaskId::generate(5, [7; 10]),
            dialogue: townhall_domain::DialogueId::generate(5, [9; 10]),
            kind: townhall_domain::TaskKind::Notice,
            title: "Thông báo công khai".to_owned(),
            body: townhall_domain::CoordinatingBody::PartyOffice,
            due_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            done_on: None,
            note: String::new(),
        };
        let mutation = Mutation {
            id: townhall_domain::MutationId::generate(5, [8; 10]),
            device: DeviceId::generate(1, [2; 10]),
            hlc: townhall_domain::Hlc::new(5, 0),
            change: Change::UpsertDialogueTask(task),
        };
        let now = replica.clock().now();
        enqueue(replica.conn_mut(), &mutation, now).unwrap();
        let sent = replica.pending_push(10).unwrap().remove(0);
        replica
            .record_push(&not_found(sent.seq, sent.mutation.id))
            .unwrap();
        assert_eq!(replica.requeue_refused().unwrap(), 0);
        assert_eq!(replica.rejected_mutations().unwrap().len(), 1);
        assert!(replica.pending_push(10).unwrap().is_empty());
    }

    #[test]
    fn a_change_refused_for_a_missing_record_is_queued_again_once_the_record_arrives() {
        let dir = tempfile::tempdir().unwrap();
        let (mut replica, question, log) = replica_with_sent_question(dir.path());
        let pushed = replica.sync_config().unwrap().unwrap().pushed_seq;
        replica
            .edit_question(question, &question_input("Chợ xã xuống cấp"))
            .unwrap();
        // The server was restored without the question; the edit is refused.
        replica.restart_sync("epoch-2", pushed).unwrap();
        let edit = replica.pending_push(10).unwrap().remove(0);
        replica
            .record_push(&not_found(edit.seq, edit.mutation.id))
            .unwrap();
        replica.apply_pulled(&log[..2], 2, "epoch-2").unwrap();
        assert_eq!(
            replica.requeue_refused().unwrap(),
            0,
            "the question is not back"
        );
        assert_eq!(replica.rejected_mutations().unwrap().len(), 1);

        // Another device sends the question again; this replica pulls it.
        replica.apply_pulled(&log[2..], 3, "epoch-2").unwrap();
        assert_eq!(
            replica.question(question).unwrap().question.content,
            "Đường liên thôn hư hỏng"
        );
        assert_eq!(replica.requeue_refused().unwrap(), 1);
        assert!(replica.rejected_mutations().unwrap().is_empty());
        let again = replica.pending_push(10).unwrap();
        assert_eq!(again.len(), 1);
        assert_ne!(again[0].mutation.id, edit.mutation.id);
        assert_eq!(
            again[0].mutation.hlc, edit.mutation.hlc,
            "it keeps its stamp"
        );
        assert_eq!(again[0].mutation.change, edit.mutation.change);
        assert_eq!(
            replica.question(question).unwrap().question.content,
            "Chợ xã xuống cấp",
            "applied again here"
        );

        // Refused each time, it is queued at most `MAX_ATTEMPTS` times in all.
        let mut queued = 1;
        loop {
            let item = replica.pending_push(10).unwrap().remove(0);
            replica
                .record_push(&not_found(item.seq, item.mutation.id))
                .unwrap();
            let n = replica.requeue_refused().unwrap();
            if n == 0 {
                break;
            }
            queued += n;
        }
        assert_eq!(queued + 1, u64::from(MAX_ATTEMPTS));
        assert_eq!(replica.rejected_mutations().unwrap().len(), 1);
        assert_eq!(replica.sync_status().unwrap().unsent, 0);
    }
}
