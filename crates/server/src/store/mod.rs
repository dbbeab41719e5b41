//! Where the server keeps its state: a [`Store`] with an SQLite backend (embedded, the default)
//! and a PostgreSQL backend (production).
//!
//! The sync rules live once, in [`crate::engine`], and run inside a [`Tx`]: a database
//! transaction seen through a few record-level operations. Each backend implements `Tx` over
//! its own driver; the engine never sees SQL. Engine work is synchronous and runs off the async
//! threads (`tokio::task::spawn_blocking`).

mod entity;
/// The PostgreSQL backend, for production.
pub mod postgres;
pub mod sqlite;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use townhall_domain::wire::{LogEntry, PushResult};
use townhall_domain::{
    AgencyId, DeviceId, DeviceLetter, DialogueId, LocalityId, QuestionId, Role, UserId,
};
use uuid::Uuid;

pub use entity::Entity;

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed (I/O, locked, constraint). Logged; the client sees a plain 503.
    #[error("database error: {0}")]
    Database(String),
    /// Stored data could not be read back.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database was written by a newer server.
    #[error("the database has schema {found}; this server knows up to {known}")]
    NewerSchema {
        /// The version found.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Database(error.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        Self::Corrupt(error.to_string())
    }
}

/// A store result.
pub type StoreResult<T> = Result<T, StoreError>;

/// Which records a change concerns, stored beside it so pulls can filter by scope.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Tags {
    /// The dialogue the change belongs to.
    pub dialogue: Option<DialogueId>,
    /// The dialogue's locality: recorders, secretariat and leaders pull by jurisdiction.
    pub locality: Option<LocalityId>,
    /// The agency the question is assigned to: agencies pull what is assigned to them.
    pub agency: Option<AgencyId>,
    /// The question the change belongs to.
    pub question: Option<QuestionId>,
    /// Reference data (topics, agencies, localities): every device pulls it.
    pub reference: bool,
}

/// A user of Townhall, as the administrator created them.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct User {
    /// Their id.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// The locality they work in; `None` for the whole province.
    pub jurisdiction: Option<LocalityId>,
    /// The agency they answer for (agency users).
    pub agency: Option<AgencyId>,
}

/// An enrolled device, as authentication finds it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Device {
    /// Its id.
    pub id: DeviceId,
    /// Its display letter.
    pub letter: DeviceLetter,
    /// The name given at enrolment.
    pub name: String,
    /// The user it acts for.
    pub user: User,
    /// The highest of its sequence numbers the server has handled.
    pub last_applied_seq: u64,
    /// When it last made a request.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked device's token is refused.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A pushed mutation's stored result, so a resend gets the same answer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LedgerEntry {
    /// SHA-256 of the item's canonical JSON: the same `seq` with other content is a conflict.
    pub payload_hash: [u8; 32],
    /// What the server answered.
    pub result: PushResult,
}

/// A value that lost a merge or was replaced, kept for review.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct HistoryRow {
    /// The record's id.
    pub record_id: Uuid,
    /// The field group.
    pub field_group: String,
    /// The value, as JSON.
    pub value: serde_json::Value,
    /// The stamp it carried (its device and clock).
    pub stamp: townhall_domain::Stamp,
    /// `superseded` or `lost_merge`.
    pub reason: String,
    /// Written without seeing the value that replaced it.
    pub concurrent: bool,
}

/// One database transaction, as the engine sees it.
pub trait Tx {
    /// The device with this id, locked for the rest of the transaction so pushes from one
    /// device never interleave.
    fn device_for_update(&mut self, device: DeviceId) -> StoreResult<Option<Device>>;
    /// Records how far the device's sequence has been handled.
    fn set_last_applied(&mut self, device: DeviceId, seq: u64) -> StoreResult<()>;
    /// The stored result of one of the device's sequence numbers.
    fn ledger(&mut self, device: DeviceId, seq: u64) -> StoreResult<Option<LedgerEntry>>;
    /// Stores the result of one of the device's sequence numbers.
    fn put_ledger(&mut self, device: DeviceId, seq: u64, entry: &LedgerEntry) -> StoreResult<()>;
    /// A record's current state.
    fn entity(&mut self, id: Uuid) -> StoreResult<Option<Entity>>;
    /// Writes a record's state.
    fn put_entity(&mut self, id: Uuid, entity: &Entity, tags: &Tags) -> StoreResult<()>;
    /// Every locality, for jurisdiction checks.
    fn localities(&mut self) -> StoreResult<Vec<townhall_domain::Locality>>;
    /// Takes the next change-log position. Allocated inside the transaction (a counter row
    /// locked until commit), so log order is commit order and no late commit is skipped.
    fn next_server_seq(&mut self) -> StoreResult<u64>;
    /// Appends a change to the log at a position from [`Tx::next_server_seq`].
    fn append_change(&mut self, entry: &LogEntry, tags: &Tags) -> StoreResult<()>;
    /// Every change logged for a question so far, in log order.
    fn question_log(&mut self, question: QuestionId) -> StoreResult<Vec<LogEntry>>;
    /// Keeps a replaced or losing value.
    fn add_history(&mut self, row: &HistoryRow) -> StoreResult<()>;
}

/// What a device may pull.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PullScope {
    /// Everything (a user without a jurisdiction, other than an agency).
    pub everything: bool,
    /// Changes tagged with one of these localities (the jurisdiction and everything below it).
    pub localities: Vec<LocalityId>,
    /// Changes tagged with this agency.
    pub agency: Option<AgencyId>,
}

/// One page of the change log.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LogPage {
    /// The changes in scope after the cursor, in log order.
    pub changes: Vec<StoredChange>,
    /// The position the next pull continues after: the last change returned, or the end of the
    /// log when the page is not full.
    pub next: u64,
    /// Whether changes may follow.
    pub more: bool,
}

impl LogPage {
    /// The page's changes, read: for the admin commands and tests, which look inside them.
    pub fn entries(&self) -> StoreResult<Vec<LogEntry>> {
        self.changes.iter().map(StoredChange::entry).collect()
    }
}

/// One change of the log as it is stored: its position and its [`LogEntry`] as JSON.
///
/// A pull passes the JSON on to the device as it is (it serializes as that JSON), rather than
/// reading every entry only to write it again.
#[derive(Clone, Debug)]
pub struct StoredChange {
    /// The change's place in the log.
    pub server_seq: u64,
    /// The whole entry as JSON, `server_seq` included.
    body: Box<RawValue>,
}

impl StoredChange {
    /// A body read back from the log at `server_seq`, checked: it must be a JSON object that
    /// says it is at `server_seq`. Checking scans the JSON twice without building anything,
    /// a fraction of the cost of reading it into a [`LogEntry`].
    pub fn new(server_seq: u64, body: String) -> StoreResult<Self> {
        /// The one field the check reads; the others are skipped.
        #[derive(Deserialize)]
        struct Position {
            server_seq: u64,
        }
        let body = RawValue::from_string(body)?;
        // A struct also reads from a JSON array, which is not a log entry.
        if !body.get().starts_with('{') {
            return Err(StoreError::Corrupt(format!(
                "the change at {server_seq} is not a JSON object"
            )));
        }
        let Position { server_seq: found } = serde_json::from_str(body.get())?;
        if found != server_seq {
            return Err(StoreError::Corrupt(format!(
                "the change at {server_seq} says it is at {found}"
            )));
        }
        Ok(Self { server_seq, body })
    }

    /// The entry, read from its JSON.
    pub fn entry(&self) -> StoreResult<LogEntry> {
        Ok(serde_json::from_str(self.body.get())?)
    }

    /// The entry's JSON, as stored.
    pub fn json(&self) -> &str {
        self.body.get()
    }
}

impl PartialEq for StoredChange {
    fn eq(&self, other: &Self) -> bool {
        self.server_seq == other.server_seq && self.json() == other.json()
    }
}

impl Eq for StoredChange {}

/// Writes the stored JSON as it is. Only JSON serializers understand that; the server writes
/// pulls with nothing else.
impl Serialize for StoredChange {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.body.serialize(serializer)
    }
}

/// A new enrolment code's facts.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EnrolmentCode {
    /// SHA-256 of the code; the code itself is shown once and never stored.
    pub code_hash: [u8; 32],
    /// The user it enrols a device for.
    pub user: UserId,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Why an enrolment was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EnrolRefusal {
    /// No such code.
    Unknown,
    /// The code was used already.
    Used,
    /// The code expired.
    Expired,
}

/// The server's storage.
pub trait Store: Send + Sync + 'static {
    /// Runs `f` in one write transaction, committed (durably) only if `f` returns `Ok`.
    fn write<T>(&self, f: impl FnOnce(&mut dyn Tx) -> StoreResult<T>) -> StoreResult<T>;
    /// The page of the change log after `since` within `scope`, at most `limit` long.
    fn pull(&self, scope: &PullScope, since: u64, limit: u32) -> StoreResult<LogPage>;
    /// The end of the change log.
    fn server_seq(&self) -> StoreResult<u64>;
    /// Every locality, for working out a jurisdiction's scope outside a push. Backends with
    /// separate readers override this so pulls do not queue behind writes.
    fn localities(&self) -> StoreResult<Vec<townhall_domain::Locality>> {
        self.write(|tx| tx.localities())
    }
    /// This database's epoch: made when it was created, changed when it is restored.
    fn epoch(&self) -> StoreResult<String>;
    /// Makes a new epoch (after a restore from backup).
    fn rotate_epoch(&self) -> StoreResult<String>;
    /// Whether the database answers (for `/v1/health`).
    fn ping(&self) -> StoreResult<()>;

    /// Creates a user.
    fn create_user(&self, user: &User) -> StoreResult<()>;
    /// Every user.
    fn users(&self) -> StoreResult<Vec<User>>;
    /// Stores an enrolment code.
    fn add_enrolment_code(&self, code: &EnrolmentCode) -> StoreResult<()>;
    /// Uses an enrolment code (once) to enrol a new device with a fresh letter.
    fn enrol(
        &self,
        code_hash: [u8; 32],
        device: DeviceId,
        device_name: &str,
        token_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Result<Device, EnrolRefusal>>;
    /// The device a token belongs to, revoked or not, and marks it seen.
    fn device_by_token(
        &self,
        token_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Device>>;
    /// Every device.
    fn devices(&self) -> StoreResult<Vec<Device>>;
    /// Revokes a device; `false` when there is no such device.
    fn revoke_device(&self, device: DeviceId, now: DateTime<Utc>) -> StoreResult<bool>;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn stored_changes_are_checked_and_written_as_stored() {
        let check = |server_seq: u64, body: &str, expected: Result<&str, &str>| {
            let got = StoredChange::new(server_seq, body.to_owned())
                .and_then(|change| Ok(serde_json::to_string(&[change])?));
            match (got, expected) {
                (Ok(json), Ok(want)) => assert_eq!(json, format!("[{want}]"), "{body}"),
                (Err(error), Err(want)) => {
                    assert!(error.to_string().starts_with(want), "{body}: {error}");
                }
                (got, _) => panic!("{body}: {got:?}, expected {expected:?}"),
            }
        };
        // Written byte for byte, in its key order and spacing (PostgreSQL's `jsonb` text).
        let stored = r#"{"server_seq":3,"author":{"user":"u","role":"admin"},"x":[1,2]}"#;
        check(3, stored, Ok(stored));
        let jsonb = r#"{"x": [1, 2], "author": {"role": "admin"}, "server_seq": 3}"#;
        check(3, jsonb, Ok(jsonb));
        check(
            4,
            stored,
            Err("stored data is unreadable: the change at 4 says it is at 3"),
        );
        check(
            3,
            "[3]",
            Err("stored data is unreadable: the change at 3 is not a JSON object"),
        );
        check(
            3,
            r#"{"server_seq":3"#,
            Err("stored data is unreadable: EOF while parsing an object"),
        );
        check(
            3,
            r#"{"server_seq":"3"}"#,
            Err(r#"stored data is unreadable: invalid type: string "3", expected u64"#),
        );
        check(
            3,
            "{}",
            Err("stored data is unreadable: missing field `server_seq`"),
        );
    }
}
