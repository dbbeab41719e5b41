//! The SQLite backend: the server's state in one file, for a small deployment or a laptop.
//!
//! Durability comes first, as on the devices: WAL with `synchronous=FULL`, so a push is
//! answered only after its transaction reached the disk.
//! Writes go through one connection behind a mutex, in `BEGIN IMMEDIATE` transactions, so
//! SQLite's single writer is taken at the start and never upgraded halfway (which could fail
//! with `SQLITE_BUSY` after work was done).
//! Reads (pulls, authentication, lists) use their own connections from a small pool, each in
//! one read transaction: WAL gives them a consistent snapshot without waiting for the writer.
//!
//! Migrations are append-only and tracked by `PRAGMA user_version`, as in the replica
//! (`townhall-core`'s `db.rs`). Never edit a migration that has shipped; add one.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Row, Transaction, TransactionBehavior,
    params,
};
use townhall_domain::wire::{LogEntry, MAX_PULL_LIMIT};
use townhall_domain::{DeviceId, DeviceLetter, Locality, QuestionId, UserId};
use uuid::Uuid;

use super::{
    Device, EnrolRefusal, EnrolmentCode, HistoryRow, LedgerEntry, LogPage, PullScope, Store,
    StoreError, StoreResult, StoredChange, Tags, Tx, User,
};
use crate::store::Entity;

/// A `SELECT` of the columns [`DeviceRow::read`] expects, followed by `$rest`.
macro_rules! device_query {
    ($rest:literal) => {
        concat!(
            "SELECT d.id, d.letter, d.name, d.last_applied_seq, d.last_seen_at, d.revoked_at,
                    u.id, u.name, u.role, u.jurisdiction, u.agency
             FROM devices d JOIN users u ON u.id = d.user_id ",
            $rest
        )
    };
}

/// The migrations, in order. Index + 1 is the schema version each one produces.
const MIGRATIONS: &[&str] = &[include_str!("../../migrations/sqlite/0001_server.sql")];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How many idle reader connections are kept open. More concurrent reads open more connections,
/// which are closed when they are done.
const IDLE_READERS: usize = 4;

/// How stale a device's `last_seen_at` may get. Authentication runs on every request; writing
/// the time (a durable commit on the one writer) at most once a minute keeps pulls from
/// queueing behind pushes.
const SEEN_GRANULARITY: TimeDelta = TimeDelta::minutes(1);

/// How large the WAL may grow (in pages) before the writer copies it back into the database
/// itself, at the end of a commit. The [`Checkpointer`] does this in the background after
/// every write, so this is only a backstop for when it falls behind.
const WAL_BACKSTOP_PAGES: i64 = 16_384;

/// The server's state in an SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    checkpointer: Checkpointer,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the database at `path`, creating it (and its folder) if needed, and brings its
    /// schema up to date. A database written by a newer server is refused untouched.
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Database(format!(
                    "cannot create the folder {}: {e}",
                    parent.display()
                ))
            })?;
        }
        let mut writer = connect(path)?;
        migrate(&mut writer, SCHEMA_VERSION)?;
        writer.pragma_update(None, "wal_autocheckpoint", WAL_BACKSTOP_PAGES)?;
        let checkpointer = Checkpointer::start(connect(path)?)?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            checkpointer,
        })
    }

    /// Runs `f` in one `IMMEDIATE` transaction on the writer, committed only if `f` returns `Ok`.
    fn write_sql<T>(&self, f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.writer()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // On `Err`, dropping `tx` rolls it back.
        let value = f(&tx)?;
        tx.commit()?;
        drop(conn);
        self.checkpointer.wake();
        Ok(value)
    }

    /// The writer connection.
    ///
    /// A panic inside a write poisons the mutex, but the unwinding dropped the transaction, which
    /// rolled it back; so the connection is taken back rather than refusing every later write
    /// until a restart. Should the rollback itself have failed, it is retried here.
    fn writer(&self) -> StoreResult<MutexGuard<'_, Connection>> {
        let conn = match self.writer.lock() {
            Ok(conn) => conn,
            Err(poisoned) => {
                self.writer.clear_poison();
                let conn = poisoned.into_inner();
                if !conn.is_autocommit() {
                    conn.execute_batch("ROLLBACK").map_err(|e| {
                        StoreError::Database(format!(
                            "cannot recover the writer after a panic: {e}"
                        ))
                    })?;
                }
                conn
            }
        };
        Ok(conn)
    }

    /// Runs `f` in one read transaction, so everything it reads comes from one snapshot.
    fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = match self.idle_readers().pop() {
            Some(conn) => conn,
            None => connect_reader(&self.path)?,
        };
        let result = (|| {
            let tx = conn.transaction()?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })();
        // A connection left inside a transaction would pin an old snapshot: drop it instead.
        if conn.is_autocommit() {
            let mut idle = self.idle_readers();
            if idle.len() < IDLE_READERS {
                idle.push(conn);
            }
        }
        result
    }

    /// The idle reader connections. The list is valid whatever a panicking holder was doing,
    /// so a poisoned lock is simply taken.
    fn idle_readers(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.readers.lock().unwrap_or_else(|poisoned| {
            self.readers.clear_poison();
            poisoned.into_inner()
        })
    }
}

impl Store for SqliteStore {
    fn write<T>(&self, f: impl FnOnce(&mut dyn Tx) -> StoreResult<T>) -> StoreResult<T> {
        self.write_sql(|tx| {
            let mut sql_tx = SqliteTx {
                conn: tx,
                server_seq: None,
                dialogues: HashMap::new(),
            };
            let value = f(&mut sql_tx)?;
            sql_tx.store_server_seq()?;
            Ok(value)
        })
    }

    fn pull(&self, scope: &PullScope, since: u64, limit: u32) -> StoreResult<LogPage> {
        // A limit of 0 would return an empty "full" page forever; the device would never move on.
        let limit = limit.clamp(1, MAX_PULL_LIMIT);
        let localities = serde_json::to_string(&scope.localities)?;
        let agency = scope.agency.map(|a| a.to_string());
        self.read(|tx| {
            // `server_seq` is the primary key: this walks the log from the cursor in order and
            // stops after `limit` rows in scope. `agency = NULL` is never true, so untagged
            // changes do not match a scope without an agency.
            let mut stmt = tx.prepare_cached(
                "SELECT server_seq, body FROM changes
                 WHERE server_seq > ?1
                   AND (?2 OR reference = 1
                        OR locality IN (SELECT value FROM json_each(?3))
                        OR agency = ?4)
                 ORDER BY server_seq
                 LIMIT ?5",
            )?;
            let rows = stmt.query_map(
                params![to_i64(since)?, scope.everything, localities, agency, limit],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
            )?;
            let mut changes = Vec::new();
            for row in rows {
                let (server_seq, body) = row?;
                changes.push(StoredChange::new(to_u64(server_seq)?, body)?);
            }
            let full = changes.len() == limit as usize;
            let next = match changes.last() {
                Some(last) if full => last.server_seq,
                // Nothing more in scope up to the end of the log as this snapshot sees it: the
                // device may skip past the changes it does not see.
                _ => counter(tx, "server_seq")?.max(since),
            };
            Ok(LogPage {
                changes,
                next,
                more: full,
            })
        })
    }

    fn server_seq(&self) -> StoreResult<u64> {
        self.read(|tx| counter(tx, "server_seq"))
    }

    fn localities(&self) -> StoreResult<Vec<Locality>> {
        self.read(|tx| read_localities(tx))
    }

    fn epoch(&self) -> StoreResult<String> {
        self.read(|tx| {
            Ok(tx
                .prepare_cached("SELECT value FROM meta WHERE key = 'epoch'")?
                .query_row([], |row| row.get(0))?)
        })
    }

    fn rotate_epoch(&self) -> StoreResult<String> {
        self.write_sql(|tx| {
            Ok(tx.query_row(
                "UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'epoch'
                 RETURNING value",
                [],
                |row| row.get(0),
            )?)
        })
    }

    fn ping(&self) -> StoreResult<()> {
        self.read(|tx| {
            tx.query_row("SELECT count(*) FROM meta", [], |row| row.get::<_, i64>(0))?;
            Ok(())
        })
    }

    fn create_user(&self, user: &User) -> StoreResult<()> {
        self.write_sql(|tx| {
            let inserted = tx.execute(
                "INSERT INTO users (id, name, role, jurisdiction, agency)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    user.id.to_string(),
                    user.name,
                    user.role.as_str(),
                    user.jurisdiction.map(|l| l.to_string()),
                    user.agency.map(|a| a.to_string()),
                ],
            );
            match inserted {
                Err(e) if is_constraint(&e) => Err(StoreError::Database(format!(
                    "a user with id {} exists already",
                    user.id
                ))),
                other => other.map(drop).map_err(StoreError::from),
            }
        })
    }

    fn users(&self) -> StoreResult<Vec<User>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT id, name, role, jurisdiction, agency FROM users ORDER BY rowid",
            )?;
            let rows = stmt.query_map([], |row| UserRow::read(row, 0))?;
            rows.map(|row| row?.into_user()).collect()
        })
    }

    fn add_enrolment_code(&self, code: &EnrolmentCode) -> StoreResult<()> {
        self.write_sql(|tx| {
            let user_exists = tx
                .prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
                .exists([code.user.to_string()])?;
            if !user_exists {
                return Err(StoreError::Database(format!(
                    "no user with id {}",
                    code.user
                )));
            }
            let inserted = tx.execute(
                "INSERT INTO enrolment_codes (code_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
                params![
                    code.code_hash,
                    code.user.to_string(),
                    time_text(code.expires_at)
                ],
            );
            match inserted {
                Err(e) if is_constraint(&e) => Err(StoreError::Database(
                    "this enrolment code exists already".to_owned(),
                )),
                other => other.map(drop).map_err(StoreError::from),
            }
        })
    }

    fn enrol(
        &self,
        code_hash: [u8; 32],
        device: DeviceId,
        device_name: &str,
        token_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Result<Device, EnrolRefusal>> {
        self.write_sql(|tx| {
            let code = tx
                .prepare_cached(
                    "SELECT user_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?1",
                )?
                .query_row([code_hash], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<String>>(2)?,
                    ))
                })
                .optional()?;
            let Some((user, expires_at, used_at)) = code else {
                return Ok(Err(EnrolRefusal::Unknown));
            };
            if used_at.is_some() {
                return Ok(Err(EnrolRefusal::Used));
            }
            if now >= parse_time(&expires_at)? {
                return Ok(Err(EnrolRefusal::Expired));
            }
            let id = device.to_string();
            tx.execute(
                "UPDATE enrolment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1",
                params![code_hash, time_text(now), id],
            )?;
            let index: i64 = tx.query_row(
                "UPDATE counters SET value = value + 1 WHERE name = 'device_letters'
                 RETURNING value - 1",
                [],
                |row| row.get(0),
            )?;
            let letter = u32::try_from(index)
                .ok()
                .and_then(DeviceLetter::for_index)
                .ok_or_else(|| {
                    StoreError::Database("every device letter has been handed out".to_owned())
                })?;
            tx.execute(
                "INSERT INTO devices (id, letter, name, user_id, token_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    letter.as_str(),
                    device_name,
                    user,
                    token_hash,
                    time_text(now)
                ],
            )?;
            let enrolled = select_device(tx, device_query!("WHERE d.id = ?1"), &id)?
                .ok_or_else(|| StoreError::Corrupt(format!("device {id} vanished")))?;
            Ok(Ok(enrolled))
        })
    }

    fn device_by_token(
        &self,
        token_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Device>> {
        let found = self
            .read(|tx| select_device(tx, device_query!("WHERE d.token_hash = ?1"), token_hash))?;
        let Some(mut device) = found else {
            return Ok(None);
        };
        if device
            .last_seen_at
            .is_none_or(|seen| now - seen >= SEEN_GRANULARITY)
        {
            // The condition keeps `last_seen_at` from moving back when requests race.
            let touched = self.write_sql(|tx| {
                Ok(tx.execute(
                    "UPDATE devices SET last_seen_at = ?2
                     WHERE id = ?1 AND (last_seen_at IS NULL OR last_seen_at < ?2)",
                    params![device.id.to_string(), time_text(now)],
                )?)
            })?;
            if touched > 0 {
                device.last_seen_at = Some(now);
            }
        }
        Ok(Some(device))
    }

    fn devices(&self) -> StoreResult<Vec<Device>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(device_query!("ORDER BY d.rowid"))?;
            let rows = stmt.query_map([], DeviceRow::read)?;
            rows.map(|row| row?.into_device()).collect()
        })
    }

    fn revoke_device(&self, device: DeviceId, now: DateTime<Utc>) -> StoreResult<bool> {
        self.write_sql(|tx| {
            // A second revocation keeps the first time: that is when the token stopped working.
            let changed = tx.execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                params![device.to_string(), time_text(now)],
            )?;
            Ok(changed > 0)
        })
    }
}

/// Copies committed pages from the WAL back into the database file on a thread of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so every
/// few pushes one would wait for a copy of megabytes and two more fsyncs before its answer.
/// Here the commit only wakes this thread; a `PASSIVE` checkpoint never blocks the writer or
/// the readers, and wakes that arrive while one runs are folded into the next.
/// Durability does not depend on it: a commit is durable once its WAL frames are synced.
struct Checkpointer {
    signal: Arc<(Mutex<CheckpointRequest>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

/// What the checkpointer thread is asked to do.
#[derive(Default)]
struct CheckpointRequest {
    /// A write committed since the last checkpoint began.
    pending: bool,
    /// The store is being dropped.
    stop: bool,
}

impl Checkpointer {
    /// Starts the thread, which checkpoints through `conn`.
    fn start(conn: Connection) -> StoreResult<Self> {
        let signal = Arc::new((Mutex::new(CheckpointRequest::default()), Condvar::new()));
        let shared = Arc::clone(&signal);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || checkpoint_loop(&conn, &shared))
            .map_err(|e| StoreError::Database(format!("cannot start the checkpointer: {e}")))?;
        Ok(Self {
            signal,
            thread: Some(thread),
        })
    }

    /// Asks for a checkpoint after a commit.
    fn wake(&self) {
        self.request(|r| r.pending = true);
    }

    fn request(&self, change: impl FnOnce(&mut CheckpointRequest)) {
        let (lock, wakeup) = &*self.signal;
        // The request is two flags, valid whatever a panicking holder did.
        let mut request = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        change(&mut request);
        wakeup.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.request(|r| r.stop = true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The checkpointer thread: one `PASSIVE` checkpoint per wake, until asked to stop.
fn checkpoint_loop(conn: &Connection, signal: &(Mutex<CheckpointRequest>, Condvar)) {
    let (lock, wakeup) = signal;
    loop {
        {
            let mut request = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            while !request.pending && !request.stop {
                request = wakeup
                    .wait(request)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if request.stop {
                return;
            }
            request.pending = false;
        }
        // A failed checkpoint loses nothing (the frames stay in the WAL); the next wake, or
        // the writer's backstop, tries again.
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "background checkpoint failed");
        }
    }
}

/// One write transaction, as the engine sees it.
struct SqliteTx<'a> {
    conn: &'a Connection,
    /// The last change-log position this transaction took, written back to the counter once
    /// before commit rather than with one `UPDATE` per change. `BEGIN IMMEDIATE` holds the one
    /// write lock from the start, so no other transaction can take a position meanwhile.
    server_seq: Option<u64>,
    /// Dialogues read or written in this transaction: every capture in a batch looks up its
    /// dialogue, and parsing the same stored JSON 500 times costs more than the capture.
    /// Kept in step by `put_entity`, the one writer of entities, and dropped with the
    /// transaction, so it never outlives what the database holds.
    dialogues: HashMap<Uuid, Entity>,
}

impl SqliteTx<'_> {
    /// Writes the positions taken back to the counter; runs before the commit.
    fn store_server_seq(&mut self) -> StoreResult<()> {
        if let Some(seq) = self.server_seq {
            self.conn
                .prepare_cached("UPDATE counters SET value = ?1 WHERE name = 'server_seq'")?
                .execute([to_i64(seq)?])?;
        }
        Ok(())
    }
}

impl Tx for SqliteTx<'_> {
    fn device_for_update(&mut self, device: DeviceId) -> StoreResult<Option<Device>> {
        // `BEGIN IMMEDIATE` already holds the database's one write lock: no row lock is needed.
        select_device(
            self.conn,
            device_query!("WHERE d.id = ?1"),
            device.to_string(),
        )
    }

    fn set_last_applied(&mut self, device: DeviceId, seq: u64) -> StoreResult<()> {
        let changed = self
            .conn
            .prepare_cached("UPDATE devices SET last_applied_seq = ?2 WHERE id = ?1")?
            .execute(params![device.to_string(), to_i64(seq)?])?;
        if changed == 0 {
            return Err(StoreError::Database(format!("no device with id {device}")));
        }
        Ok(())
    }

    fn ledger(&mut self, device: DeviceId, seq: u64) -> StoreResult<Option<LedgerEntry>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT payload_hash, result FROM ledger WHERE device_id = ?1 AND seq = ?2",
            )?
            .query_row(params![device.to_string(), to_i64(seq)?], |row| {
                Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?))
            })
            .optional()?;
        let Some((hash, result)) = row else {
            return Ok(None);
        };
        Ok(Some(LedgerEntry {
            payload_hash: hash32(hash)?,
            result: serde_json::from_str(&result)?,
        }))
    }

    fn put_ledger(&mut self, device: DeviceId, seq: u64, entry: &LedgerEntry) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO ledger (device_id, seq, payload_hash, result) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                device.to_string(),
                to_i64(seq)?,
                entry.payload_hash,
                serde_json::to_string(&entry.result)?,
            ])?;
        Ok(())
    }

    fn entity(&mut self, id: Uuid) -> StoreResult<Option<Entity>> {
        if let Some(dialogue) = self.dialogues.get(&id) {
            return Ok(Some(dialogue.clone()));
        }
        let body = self
            .conn
            .prepare_cached("SELECT body FROM entities WHERE id = ?1")?
            .query_row([id.to_string()], |row| row.get::<_, String>(0))
            .optional()?;
        let entity: Option<Entity> = body
            .map(|body| serde_json::from_str(&body).map_err(StoreError::from))
            .transpose()?;
        if let Some(dialogue @ Entity::Dialogue { .. }) = &entity {
            self.dialogues.insert(id, dialogue.clone());
        }
        Ok(entity)
    }

    fn put_entity(&mut self, id: Uuid, entity: &Entity, tags: &Tags) -> StoreResult<()> {
        let tags = TagColumns::new(tags);
        self.conn
            .prepare_cached(
                "INSERT INTO entities
                     (id, kind, body, dialogue, locality, agency, question, reference)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET
                     kind = excluded.kind, body = excluded.body, dialogue = excluded.dialogue,
                     locality = excluded.locality, agency = excluded.agency,
                     question = excluded.question, reference = excluded.reference",
            )?
            .execute(params![
                id.to_string(),
                entity_kind(entity),
                serde_json::to_string(entity)?,
                tags.dialogue,
                tags.locality,
                tags.agency,
                tags.question,
                tags.reference,
            ])?;
        if let Entity::Dialogue { .. } = entity {
            self.dialogues.insert(id, entity.clone());
        } else {
            self.dialogues.remove(&id);
        }
        Ok(())
    }

    fn localities(&mut self) -> StoreResult<Vec<Locality>> {
        read_localities(self.conn)
    }

    fn next_server_seq(&mut self) -> StoreResult<u64> {
        let last = match self.server_seq {
            Some(seq) => seq,
            None => counter(self.conn, "server_seq")?,
        };
        let seq = last
            .checked_add(1)
            .ok_or_else(|| StoreError::Database("the change log is full".to_owned()))?;
        self.server_seq = Some(seq);
        Ok(seq)
    }

    fn append_change(&mut self, entry: &LogEntry, tags: &Tags) -> StoreResult<()> {
        let tags = TagColumns::new(tags);
        let mutation = &entry.mutation;
        self.conn
            .prepare_cached(
                "INSERT INTO changes (server_seq, mutation_id, kind, entity_id, author_user,
                     author_role, body, dialogue, locality, agency, question, reference)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                to_i64(entry.server_seq)?,
                mutation.id.to_string(),
                mutation.change.kind(),
                mutation.change.entity_id().to_string(),
                entry.author.user.to_string(),
                entry.author.role.as_str(),
                serde_json::to_string(entry)?,
                tags.dialogue,
                tags.locality,
                tags.agency,
                tags.question,
                tags.reference,
            ])?;
        Ok(())
    }

    fn question_log(&mut self, question: QuestionId) -> StoreResult<Vec<LogEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT server_seq, mutation_id, body FROM changes
             WHERE question = ?1 ORDER BY server_seq",
        )?;
        let rows = stmt.query_map([question.to_string()], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        // Sharing a question with a new agency copies its changes; each mutation is returned
        // once, where it first appeared, so copies are never copied again.
        let mut seen = HashSet::new();
        let mut entries = Vec::new();
        for row in rows {
            let (server_seq, mutation, body) = row?;
            if seen.insert(mutation) {
                entries.push(log_entry(server_seq, &body)?);
            }
        }
        Ok(entries)
    }

    fn add_history(&mut self, row: &HistoryRow) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO history (record_id, field_group, value, stamp, reason, concurrent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                row.record_id.to_string(),
                row.field_group,
                serde_json::to_string(&row.value)?,
                serde_json::to_string(&row.stamp)?,
                row.reason,
                row.concurrent,
            ])?;
        Ok(())
    }
}

/// Opens (creating if needed) the database at `path`, without migrating it.
fn connect(path: &Path) -> StoreResult<Connection> {
    let conn = open_connection(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

/// Opens a connection for reading only. The journal mode is a property of the file, set by
/// the writer.
fn connect_reader(path: &Path) -> StoreResult<Connection> {
    let conn = open_connection(path)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// The settings every connection shares.
fn open_connection(path: &Path) -> StoreResult<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "trusted_schema", false)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// The schema version of an open database.
fn schema_version(conn: &Connection) -> StoreResult<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Applies every migration after the database's version, up to `target`, each in its own
/// transaction. The version is read inside each `IMMEDIATE` transaction, so two servers
/// starting on the same file never apply a migration twice.
fn migrate(conn: &mut Connection, target: i64) -> StoreResult<()> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = schema_version(&tx)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found,
                known: SCHEMA_VERSION,
            });
        }
        if found >= target {
            return Ok(());
        }
        let index = usize::try_from(found)
            .map_err(|_| StoreError::Corrupt(format!("schema version {found} is negative")))?;
        let Some(sql) = MIGRATIONS.get(index) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit()?;
    }
}

/// The one device `sql` finds with `param`, if any.
fn select_device(
    conn: &Connection,
    sql: &str,
    param: impl rusqlite::ToSql,
) -> StoreResult<Option<Device>> {
    conn.prepare_cached(sql)?
        .query_row([param], DeviceRow::read)
        .optional()?
        .map(DeviceRow::into_device)
        .transpose()
}

/// A device's columns as stored, before they are checked.
struct DeviceRow {
    id: String,
    letter: String,
    name: String,
    last_applied_seq: i64,
    last_seen_at: Option<String>,
    revoked_at: Option<String>,
    user: UserRow,
}

impl DeviceRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            letter: row.get(1)?,
            name: row.get(2)?,
            last_applied_seq: row.get(3)?,
            last_seen_at: row.get(4)?,
            revoked_at: row.get(5)?,
            user: UserRow::read(row, 6)?,
        })
    }

    fn into_device(self) -> StoreResult<Device> {
        Ok(Device {
            id: parse(&self.id)?,
            letter: DeviceLetter::try_from(self.letter)
                .map_err(|e| StoreError::Corrupt(format!("device letter: {e}")))?,
            name: self.name,
            user: self.user.into_user()?,
            last_applied_seq: to_u64(self.last_applied_seq)?,
            last_seen_at: self.last_seen_at.as_deref().map(parse_time).transpose()?,
            revoked_at: self.revoked_at.as_deref().map(parse_time).transpose()?,
        })
    }
}

/// A user's columns as stored, before they are checked.
struct UserRow {
    id: String,
    name: String,
    role: String,
    jurisdiction: Option<String>,
    agency: Option<String>,
}

impl UserRow {
    /// Reads the five user columns starting at `first`.
    fn read(row: &Row<'_>, first: usize) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(first)?,
            name: row.get(first + 1)?,
            role: row.get(first + 2)?,
            jurisdiction: row.get(first + 3)?,
            agency: row.get(first + 4)?,
        })
    }

    fn into_user(self) -> StoreResult<User> {
        Ok(User {
            id: parse::<UserId>(&self.id)?,
            name: self.name,
            role: parse(&self.role)?,
            jurisdiction: self.jurisdiction.as_deref().map(parse).transpose()?,
            agency: self.agency.as_deref().map(parse).transpose()?,
        })
    }
}

/// A change's or record's tags as column values.
struct TagColumns {
    dialogue: Option<String>,
    locality: Option<String>,
    agency: Option<String>,
    question: Option<String>,
    reference: bool,
}

impl TagColumns {
    fn new(tags: &Tags) -> Self {
        Self {
            dialogue: tags.dialogue.map(|id| id.to_string()),
            locality: tags.locality.map(|id| id.to_string()),
            agency: tags.agency.map(|id| id.to_string()),
            question: tags.question.map(|id| id.to_string()),
            reference: tags.reference,
        }
    }
}

/// Every locality, on any connection: a writer's transaction or a reader's.
fn read_localities(conn: &Connection) -> StoreResult<Vec<Locality>> {
    let mut stmt =
        conn.prepare_cached("SELECT body FROM entities WHERE kind = 'locality' ORDER BY id")?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    let mut localities = Vec::new();
    for body in rows {
        match serde_json::from_str(&body?)? {
            Entity::Locality(locality) => localities.push(locality),
            other => {
                return Err(StoreError::Corrupt(format!(
                    "a {} is stored as a locality",
                    entity_kind(&other)
                )));
            }
        }
    }
    Ok(localities)
}

/// The name `Entity`'s JSON gives its kind, stored beside the body for lookups by kind.
fn entity_kind(entity: &Entity) -> &'static str {
    match entity {
        Entity::Dialogue { .. } => "dialogue",
        Entity::Question { .. } => "question",
        Entity::Answer { .. } => "answer",
        Entity::Assignment { .. } => "assignment",
        Entity::Topic(_) => "topic",
        Entity::Agency(_) => "agency",
        Entity::Locality(_) => "locality",
        Entity::DialogueTask { .. } => "dialogue_task",
        Entity::Policy { .. } => "policy",
    }
}

/// A stored log entry, checked against the position it is stored at.
fn log_entry(server_seq: i64, body: &str) -> StoreResult<LogEntry> {
    let entry: LogEntry = serde_json::from_str(body)?;
    if i64::try_from(entry.server_seq).ok() != Some(server_seq) {
        return Err(StoreError::Corrupt(format!(
            "the change at {server_seq} says it is at {}",
            entry.server_seq
        )));
    }
    Ok(entry)
}

/// The value of a counter.
fn counter(conn: &Connection, name: &str) -> StoreResult<u64> {
    let value: i64 = conn
        .prepare_cached("SELECT value FROM counters WHERE name = ?1")?
        .query_row([name], |row| row.get(0))?;
    to_u64(value)
}

/// Whether an error is a constraint violation (a duplicate key, a missing reference).
fn is_constraint(error: &rusqlite::Error) -> bool {
    error.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

/// A time as stored: RFC 3339 UTC, always with microseconds, so text order is time order.
fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_time(text: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("time `{text}`: {e}")))
}

/// Parses an id or enum stored as text.
fn parse<T>(text: &str) -> StoreResult<T>
where
    T: FromStr,
    T::Err: Display,
{
    text.parse()
        .map_err(|e: T::Err| StoreError::Corrupt(e.to_string()))
}

fn hash32(bytes: Vec<u8>) -> StoreResult<[u8; 32]> {
    let length = bytes.len();
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("a stored hash has {length} bytes, not 32")))
}

/// SQLite integers are signed; sequence numbers beyond `i64::MAX` are refused, not wrapped.
fn to_i64(n: u64) -> StoreResult<i64> {
    i64::try_from(n).map_err(|_| StoreError::Database(format!("{n} is too large to store")))
}

fn to_u64(n: i64) -> StoreResult<u64> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("a stored count is negative: {n}")))
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::sync::mpsc;

    use super::*;
    use crate::contract;

    /// Fresh stores on temporary files that live as long as the test.
    struct Scratch {
        dirs: RefCell<Vec<tempfile::TempDir>>,
    }

    impl Scratch {
        fn new() -> Self {
            Self {
                dirs: RefCell::new(Vec::new()),
            }
        }

        fn path(&self) -> PathBuf {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("server.sqlite3");
            self.dirs.borrow_mut().push(dir);
            path
        }

        fn store(&self) -> SqliteStore {
            SqliteStore::open(&self.path()).unwrap()
        }
    }

    #[test]
    fn the_store_contract_holds() {
        let scratch = Scratch::new();
        contract::run_all(&|| scratch.store());
    }

    #[test]
    fn state_survives_reopening() {
        let scratch = Scratch::new();
        let path = scratch.path();
        contract::check_reopen(&|| SqliteStore::open(&path).unwrap());
    }

    #[test]
    fn pragmas_are_durable() {
        let scratch = Scratch::new();
        let store = scratch.store();
        let conn = store.writer().unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        let sync: i64 = conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        let fk: i64 = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
        assert_eq!(schema_version(&conn).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn missing_folders_are_created() {
        let scratch = Scratch::new();
        let path = scratch.path().with_file_name("a/b/server.sqlite3");
        let store = SqliteStore::open(&path).unwrap();
        store.ping().unwrap();
        assert!(path.exists());
    }

    #[test]
    fn a_newer_schema_is_refused_untouched() {
        let scratch = Scratch::new();
        let path = scratch.path();
        {
            let store = SqliteStore::open(&path).unwrap();
            let conn = store.writer().unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = SqliteStore::open(&path).err().unwrap();
        let StoreError::NewerSchema { found, known } = err else {
            panic!("{err}")
        };
        assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        let conn = connect(&path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), SCHEMA_VERSION + 1);
    }

    #[test]
    fn a_first_schema_database_with_data_opens_without_loss() {
        let scratch = Scratch::new();
        let path = scratch.path();
        let epoch = {
            let mut conn = connect(&path).unwrap();
            migrate(&mut conn, 1).unwrap();
            conn.execute_batch(
                "INSERT INTO users VALUES ('0190b2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d', 'Chị Lan', 'recorder', NULL, NULL);
                 INSERT INTO devices (id, letter, name, user_id, token_hash, created_at, last_applied_seq)
                 VALUES ('0190b2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6e', 'A', 'Máy 1',
                         '0190b2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d', zeroblob(32),
                         '2026-01-01T00:00:00.000000Z', 3);
                 UPDATE counters SET value = 1 WHERE name = 'device_letters';
                 UPDATE counters SET value = 7 WHERE name = 'server_seq';",
            )
            .unwrap();
            conn.query_row("SELECT value FROM meta WHERE key = 'epoch'", [], |r| {
                r.get::<_, String>(0)
            })
            .unwrap()
        };
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.epoch().unwrap(), epoch);
        assert_eq!(store.server_seq().unwrap(), 7);
        let devices = store.devices().unwrap();
        assert_eq!(devices.len(), 1);
        assert_eq!(
            (devices[0].letter.as_str(), devices[0].last_applied_seq),
            ("A", 3)
        );
        assert_eq!(devices[0].user.name, "Chị Lan");
    }

    #[test]
    fn the_epoch_is_128_random_bits_in_hex() {
        let scratch = Scratch::new();
        let (a, b) = (
            scratch.store().epoch().unwrap(),
            scratch.store().epoch().unwrap(),
        );
        for epoch in [&a, &b] {
            assert_eq!(epoch.len(), 32, "{epoch}");
            assert!(
                epoch
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
        }
        assert_ne!(a, b);
    }

    #[test]
    fn reads_do_not_wait_for_a_write() {
        let scratch = Scratch::new();
        let store = std::sync::Arc::new(scratch.store());
        let (inside_tx, inside) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let writer = {
            let store = store.clone();
            std::thread::spawn(move || {
                store
                    .write(|tx| {
                        let seq = tx.next_server_seq()?;
                        inside_tx.send(seq).unwrap();
                        // Bounded, so a read that does wait fails the test instead of hanging it.
                        let _ = release_rx.recv_timeout(Duration::from_secs(10));
                        Ok(seq)
                    })
                    .unwrap()
            })
        };
        assert_eq!(inside.recv().unwrap(), 1);
        let scope = PullScope {
            everything: true,
            localities: Vec::new(),
            agency: None,
        };
        let page = store.pull(&scope, 0, 10).unwrap();
        // The read saw the state before the write, while the write was still open.
        assert_eq!((page.changes.len(), page.next, page.more), (0, 0, false));
        assert_eq!(store.server_seq().unwrap(), 0);
        release.send(()).unwrap();
        assert_eq!(writer.join().unwrap(), 1);
        assert_eq!(store.server_seq().unwrap(), 1);
    }

    #[test]
    fn a_pull_refuses_a_change_that_is_not_what_its_place_says() {
        let scratch = Scratch::new();
        let path = scratch.path();
        let store = SqliteStore::open(&path).unwrap();
        let scope = PullScope {
            everything: true,
            localities: Vec::new(),
            agency: None,
        };
        let conn = connect(&path).unwrap();
        for (body, expected) in [
            (
                r#"{"server_seq":2}"#,
                "stored data is unreadable: the change at 1 says it is at 2",
            ),
            (
                "[1]",
                "stored data is unreadable: the change at 1 is not a JSON object",
            ),
            (
                r#"{"server_seq":1"#,
                "stored data is unreadable: EOF while parsing an object",
            ),
        ] {
            conn.execute(
                "INSERT OR REPLACE INTO changes (server_seq, mutation_id, kind, entity_id,
                     author_user, author_role, body, reference)
                 VALUES (1, 'm', 'k', 'e', 'u', 'admin', ?1, 1)",
                [body],
            )
            .unwrap();
            let error = store.pull(&scope, 0, 10).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{body}: {error}");
        }
    }

    #[test]
    fn a_panic_inside_a_write_rolls_back_and_writes_go_on() {
        let scratch = Scratch::new();
        let store = scratch.store();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store
                .write(|tx| -> StoreResult<()> {
                    tx.next_server_seq()?;
                    panic!("a bug in the engine");
                })
                .unwrap();
        }));
        assert!(panicked.is_err());
        assert_eq!(store.server_seq().unwrap(), 0);
        assert_eq!(store.write(|tx| tx.next_server_seq()).unwrap(), 1);
        assert_eq!(store.server_seq().unwrap(), 1);
    }
}
