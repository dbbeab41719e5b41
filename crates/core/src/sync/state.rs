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
    /// each commit flushes the search index and waits for the disk). Changes applied twice (a
    /// resent response, a crash before the cursor moved) change nothing.
    ///
    /// Status changes still waiting in the outbox are applied again on top, so what this
    /// device's user did stays visible until the server has ordered it.
    pub fn apply_pulled(&mut self, changes: &[LogEntry], next: u64, epoch: &str) -> Result<()> {
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
        let pending: Vec<String> = {
            let mut stmt = tx.prepare_cached(
                "SELECT body FROM outbox WHERE kind = 'change_status'
                   AND seq > (SELECT pushed_seq FROM sync_state) ORDER BY seq",
            )?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for body in pending {
            let mutation: Mutation = serde_json::from_str(&body)
                .map_err(|e| ReplicaError::Corrupt(format!("outbox entry: {e}")))?;
            if let Change::ChangeStatus { question, to, .. } = mutation.change {
                exec(
                    &tx,
                    "UPDATE questions SET status = ?2 WHERE id = ?1",
                    params![question.to_string(), to.as_str()],
                )?;
            }
        }
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
    pub fn restart_sync(&mut self, epoch: &str, server_last_applied_seq: u64) -> Result<()> {
        exec(
            self.conn(),
            "UPDATE sync_state SET cursor = 0, epoch = ?1, pushed_seq = ?2",
            params![epoch, server_last_applied_seq],
        )?;
        Ok(())
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
            id: townhall_domain::MutationId::generate(millis, rand::random()),
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
