//! The PostgreSQL backend: the store for production, where several server processes may share
//! one database.
//!
//! It keeps the SQLite backend's tables (see `migrations/postgres/0001_server.sql`) and its
//! guarantees, with PostgreSQL's concurrency made explicit:
//!
//! - **Writes are serialized.** [`Store::write`] runs at READ COMMITTED and first locks the
//!   `server_seq` counter row, which every change-log append updates. The engine reads a record,
//!   merges and writes it back; two writers that both read before either wrote would lose an
//!   update. Holding the counter row from the start makes write transactions run one after the
//!   other, as SQLite's `BEGIN IMMEDIATE` does, so the engine's reads are always current. The
//!   lock is in the database, so it holds across server processes sharing it; within one
//!   process, writes also queue on a mutex before taking a pooled connection.
//! - **Log order is commit order.** A writer holds the counter row from its first position to
//!   its commit, and the next writer can only take the row once that commit is visible. So a
//!   puller that sees position `n` sees every position below it: no late commit is skipped.
//! - **A push costs few round trips.** A batch of 50 captures used to send about 300 statements,
//!   each a round trip that PostgreSQL's wake-ups and socket reads cost more than the work.
//!   Within a write, records are read once and written at the end, log positions are counted in
//!   memory after the first, and the log's, the records' and the ledger's new rows go in one
//!   statement each before the commit (and before any query that reads them), so the engine
//!   still reads what it wrote.
//! - **Pulls see one snapshot.** A pull reads its page and the end of the log in one REPEATABLE
//!   READ, read-only transaction, so `next` never runs ahead of what the page could show.
//!
//! The client is the blocking `postgres` crate, which runs its own small tokio runtime per
//! connection: call this store from plain threads or `tokio::task::spawn_blocking`, never from an
//! async task (it panics there), and drop it outside async code for the same reason.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, IsolationLevel, NoTls, Row, Statement, Transaction};
use r2d2_postgres::PostgresConnectionManager;
use townhall_domain::wire::{LogEntry, MAX_PULL_LIMIT, PushResult};
use townhall_domain::{DeviceId, DeviceLetter, Locality, QuestionId, Role, UserId};
use uuid::Uuid;

use crate::store::Entity;
use crate::store::{
    Device, EnrolRefusal, EnrolmentCode, HistoryRow, LedgerEntry, LogPage, PullScope, Store,
    StoreError, StoreResult, StoredChange, Tags, Tx, User,
};

/// The server's state in a PostgreSQL database, through a pool of connections.
pub struct PostgresStore {
    pool: r2d2::Pool<Manager>,
    /// Taken before a write takes a connection. Writes run one at a time in the database anyway
    /// (see the module documentation); queueing them here, rather than on pooled connections
    /// waiting for the database's lock, leaves the other connections to pulls and
    /// authentication while long pushes wait their turn.
    writer: Mutex<()>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool's own `Debug` prints its manager's configuration, password included.
        f.debug_struct("PostgresStore")
            .field("connections", &self.pool.state().connections)
            .finish()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgresql://user@host:port/db` or the
    /// `host=... dbname=...` form), without TLS, and brings its schema up to date.
    ///
    /// Migrations run under a PostgreSQL advisory lock, so servers starting at once take turns,
    /// and each runs in its own transaction. A database migrated by a newer server is refused
    /// with [`StoreError::NewerSchema`] rather than written with rules it does not know.
    ///
    /// Blocking: call it off the async threads (see the module documentation).
    pub fn connect(url: &str) -> StoreResult<Self> {
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            StoreError::Database(format!("invalid database URL: {e}"))
        })?;
        if config.get_application_name().is_none() {
            // Shows in `pg_stat_activity`, so an operator can tell the server's sessions apart.
            config.application_name("townhall-server");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        // A connection of its own, outside the pool: the migration lock is held by the session,
        // and closing the session releases it even if this process dies halfway.
        let mut client = config.connect(NoTls).db()?;
        migrate(&mut client)?;
        drop(client);

        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            // Open connections on demand: a server with little traffic holds only a few.
            .min_idle(Some(1))
            .connection_timeout(CONNECT_TIMEOUT)
            .build(Manager(PostgresConnectionManager::new(config, NoTls)))
            .map_err(|e| StoreError::Database(format!("cannot open connections: {e}")))?;
        Ok(Self {
            pool,
            writer: Mutex::new(()),
        })
    }

    /// A connection from the pool.
    fn connection(&self) -> StoreResult<r2d2::PooledConnection<Manager>> {
        self.pool
            .get()
            .map_err(|e| StoreError::Database(format!("no database connection available: {e}")))
    }
}

impl Store for PostgresStore {
    fn write<T>(&self, f: impl FnOnce(&mut dyn Tx) -> StoreResult<T>) -> StoreResult<T> {
        // The mutex guards no data, so a write that panicked while holding it left nothing
        // inconsistent behind (its transaction rolled back): the poison can be ignored.
        let _turn = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        let mut tx = PgTx::new(
            client
                .build_transaction()
                .isolation_level(IsolationLevel::ReadCommitted)
                .start()
                .db()?,
            statements,
        );
        // Take the log's counter row before anything else: see the module documentation. The
        // lock is the one `next_server_seq`'s UPDATE takes, so holding it early adds no new
        // way to deadlock; every write transaction takes it first and the same way.
        tx.execute(
            "SELECT value FROM counters WHERE name = 'server_seq' FOR NO KEY UPDATE",
            &[],
        )?;
        // On an error the transaction is dropped, which rolls it back.
        let value = f(&mut tx)?;
        tx.send()?;
        // PostgreSQL answers COMMIT once the commit is in the write-ahead log on disk (the
        // default `synchronous_commit = on`), so the caller answers only after a durable commit.
        tx.tx.commit().db()?;
        Ok(value)
    }

    fn pull(&self, scope: &PullScope, since: u64, limit: u32) -> StoreResult<LogPage> {
        // A limit of 0 would return an empty "full" page forever; the device would never move on.
        let limit = limit.clamp(1, MAX_PULL_LIMIT);
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        // One snapshot for the page and the end of the log, so `next` is an end this page saw.
        let mut tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .db()?;
        // A cursor past anything a BIGINT holds is past the end of the log: nothing follows it.
        let after = i64::try_from(since).unwrap_or(i64::MAX);
        let localities: Vec<Uuid> = scope.localities.iter().map(|l| l.as_uuid()).collect();
        let agency = scope.agency.map(|a| a.as_uuid());
        let rows = query(
            &mut tx,
            statements,
            // The body as text, passed on as it is: no JSONB → value → entry → JSON round trip.
            "SELECT server_seq, body::text FROM changes
             WHERE server_seq > $1
               AND ($2 OR reference OR locality = ANY($3) OR agency = $4)
             ORDER BY server_seq
             LIMIT $5",
            &[
                &after,
                &scope.everything,
                &localities,
                &agency,
                &i64::from(limit),
            ],
        )?;
        let changes = rows
            .iter()
            .map(|row| StoredChange::new(to_u64(get(row, 0)?)?, get(row, 1)?))
            .collect::<StoreResult<Vec<_>>>()?;
        let end = server_seq_in(&mut tx, statements)?;
        tx.commit().db()?;
        Ok(page(changes, since, limit, end))
    }

    fn server_seq(&self) -> StoreResult<u64> {
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        server_seq_in(client, statements)
    }

    fn epoch(&self) -> StoreResult<String> {
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        let row = query_one(
            client,
            statements,
            "SELECT value FROM meta WHERE key = 'epoch'",
            &[],
        )?;
        get(&row, 0)
    }

    fn rotate_epoch(&self) -> StoreResult<String> {
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        let row = query_one(
            client,
            statements,
            "UPDATE meta SET value = replace(gen_random_uuid()::text, '-', '')
             WHERE key = 'epoch' RETURNING value",
            &[],
        )?;
        get(&row, 0)
    }

    fn ping(&self) -> StoreResult<()> {
        let mut connection = self.connection()?;
        connection.client.batch_execute("SELECT 1").db()
    }

    fn create_user(&self, user: &User) -> StoreResult<()> {
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        execute(
            client,
            statements,
            "INSERT INTO users (id, name, role, jurisdiction, agency) VALUES ($1, $2, $3, $4, $5)",
            &[
                &user.id.as_uuid(),
                &user.name,
                &user.role.as_str(),
                &user.jurisdiction.map(|l| l.as_uuid()),
                &user.agency.map(|a| a.as_uuid()),
            ],
        )?;
        Ok(())
    }

    fn users(&self) -> StoreResult<Vec<User>> {
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        let rows = query(
            client,
            statements,
            "SELECT id, name, role, jurisdiction, agency FROM users ORDER BY name, id",
            &[],
        )?;
        rows.iter().map(|row| user_from(row, 0)).collect()
    }

    fn add_enrolment_code(&self, code: &EnrolmentCode) -> StoreResult<()> {
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        execute(
            client,
            statements,
            "INSERT INTO enrolment_codes (code_hash, user_id, expires_at) VALUES ($1, $2, $3)",
            &[&&code.code_hash[..], &code.user.as_uuid(), &code.expires_at],
        )?;
        Ok(())
    }

    fn enrol(
        &self,
        code_hash: [u8; 32],
        device: DeviceId,
        device_name: &str,
        token_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Result<Device, EnrolRefusal>> {
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        let mut tx = client.transaction().db()?;
        // Locked, so two devices presenting the same code at once cannot both use it: the
        // second waits, then reads the code as the first left it.
        let code = query_opt(
            &mut tx,
            statements,
            "SELECT user_id, expires_at, used_at FROM enrolment_codes
             WHERE code_hash = $1 FOR UPDATE",
            &[&&code_hash[..]],
        )?;
        let Some(code) = code else {
            return Ok(Err(EnrolRefusal::Unknown));
        };
        let user: Uuid = get(&code, 0)?;
        let expires_at: DateTime<Utc> = get(&code, 1)?;
        let used_at: Option<DateTime<Utc>> = get(&code, 2)?;
        if used_at.is_some() {
            return Ok(Err(EnrolRefusal::Used));
        }
        if now >= expires_at {
            return Ok(Err(EnrolRefusal::Expired));
        }
        // Letters are never reused, not even a revoked device's: a question's display number
        // must stay unique for good.
        let row = query_one(
            &mut tx,
            statements,
            "UPDATE counters SET value = value + 1 WHERE name = 'device_letters' RETURNING value",
            &[],
        )?;
        let index = get::<i64>(&row, 0)? - 1;
        let letter = u32::try_from(index)
            .ok()
            .and_then(DeviceLetter::for_index)
            .ok_or_else(|| {
                StoreError::Database(
                    "every device letter from A to ZZZ has been handed out".to_owned(),
                )
            })?;
        execute(
            &mut tx,
            statements,
            "INSERT INTO devices (id, letter_index, letter, name, user_id, token_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &device.as_uuid(),
                &index,
                &letter.as_str(),
                &device_name,
                &user,
                &&token_hash[..],
                &now,
            ],
        )?;
        execute(
            &mut tx,
            statements,
            "UPDATE enrolment_codes SET used_at = $2, device_id = $3 WHERE code_hash = $1",
            &[&&code_hash[..], &now, &device.as_uuid()],
        )?;
        let enrolled = query_one(
            &mut tx,
            statements,
            concat!(device_select!(), " WHERE d.id = $1"),
            &[&device.as_uuid()],
        )?;
        let enrolled = device_from(&enrolled)?;
        tx.commit().db()?;
        Ok(Ok(enrolled))
    }

    fn device_by_token(
        &self,
        token_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Device>> {
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        // One statement marks the device seen and reads it back with its user. `GREATEST`
        // ignores NULL, and keeps a request stamped earlier (clocks race) from moving it back.
        let row = query_opt(
            client,
            statements,
            "WITH d AS (
                 UPDATE devices SET last_seen_at = GREATEST(last_seen_at, $2) WHERE token_hash = $1
                 RETURNING id, letter, name, last_applied_seq, last_seen_at, revoked_at, user_id
             )
             SELECT d.id, d.letter, d.name, d.last_applied_seq, d.last_seen_at, d.revoked_at,
                    u.id, u.name, u.role, u.jurisdiction, u.agency
             FROM d JOIN users u ON u.id = d.user_id",
            &[&&token_hash[..], &now],
        )?;
        row.as_ref().map(device_from).transpose()
    }

    fn devices(&self) -> StoreResult<Vec<Device>> {
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        let rows = query(
            client,
            statements,
            concat!(device_select!(), " ORDER BY d.letter_index"),
            &[],
        )?;
        rows.iter().map(device_from).collect()
    }

    fn revoke_device(&self, device: DeviceId, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut connection = self.connection()?;
        let Connection { client, statements } = &mut *connection;
        // Revoking twice keeps the first time: that is when the device stopped being trusted.
        let revoked = execute(
            client,
            statements,
            "UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
            &[&device.as_uuid(), &now],
        )?;
        Ok(revoked > 0)
    }
}

/// The columns [`device_from`] reads, from `devices d` joined with `users u`.
macro_rules! device_select {
    () => {
        "SELECT d.id, d.letter, d.name, d.last_applied_seq, d.last_seen_at, d.revoked_at,
                u.id, u.name, u.role, u.jurisdiction, u.agency
         FROM devices d JOIN users u ON u.id = d.user_id"
    };
}
use device_select;

/// A write transaction, as the engine sees it.
struct PgTx<'c> {
    tx: Transaction<'c>,
    statements: &'c mut Statements,
    /// Every locality, as last read in this transaction. The engine asks for them for each
    /// mutation of a device with a jurisdiction; a province has hundreds, and nothing else
    /// writes while this transaction holds the log (see the module documentation), so they
    /// change only through [`Tx::put_entity`] here, which forgets them.
    localities: Option<Vec<Locality>>,
    /// Records as read or written in this transaction, `None` for "no such record".
    entities: HashMap<Uuid, Option<Entity>>,
    /// Records written in this transaction and not yet sent, by id (the last write wins).
    unsent_entities: HashMap<Uuid, EntityRow>,
    /// The last log position taken, and whether the counter row lags behind it.
    last_seq: Option<(i64, bool)>,
    /// Log entries appended and not yet sent, in log order.
    unsent_changes: UnsentChanges,
    /// Ledger rows not yet sent.
    unsent_ledger: UnsentLedger,
}

/// A record's row, waiting to be sent.
struct EntityRow {
    kind: String,
    body: serde_json::Value,
    tags: TagColumns,
}

/// Log entries waiting to be sent, held as the columns `unnest` takes.
#[derive(Default)]
struct UnsentChanges {
    server_seq: Vec<i64>,
    mutation_id: Vec<Uuid>,
    kind: Vec<&'static str>,
    entity_id: Vec<Uuid>,
    author_user: Vec<Uuid>,
    author_role: Vec<&'static str>,
    body: Vec<serde_json::Value>,
    tags: TagArrays,
}

/// Ledger rows waiting to be sent, held as the columns `unnest` takes.
#[derive(Default)]
struct UnsentLedger {
    device_id: Vec<Uuid>,
    seq: Vec<i64>,
    payload_hash: Vec<Vec<u8>>,
    result: Vec<serde_json::Value>,
}

impl<'c> PgTx<'c> {
    fn new(tx: Transaction<'c>, statements: &'c mut Statements) -> Self {
        Self {
            tx,
            statements,
            localities: None,
            entities: HashMap::new(),
            unsent_entities: HashMap::new(),
            last_seq: None,
            unsent_changes: UnsentChanges::default(),
            unsent_ledger: UnsentLedger::default(),
        }
    }

    /// Sends what this transaction wrote and holds back: before a query that reads those
    /// tables, and before the commit.
    fn send(&mut self) -> StoreResult<()> {
        if !self.unsent_entities.is_empty() {
            let rows = std::mem::take(&mut self.unsent_entities);
            let mut ids = Vec::with_capacity(rows.len());
            let mut kinds = Vec::with_capacity(rows.len());
            let mut bodies = Vec::with_capacity(rows.len());
            let mut tags = TagArrays::default();
            for (id, row) in rows {
                ids.push(id);
                kinds.push(row.kind);
                bodies.push(row.body);
                tags.push(&row.tags);
            }
            self.execute(
                "INSERT INTO entities (id, kind, body, dialogue, locality, agency, question, reference)
                 SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::uuid[], $5::uuid[],
                                      $6::uuid[], $7::uuid[], $8::boolean[])
                 ON CONFLICT (id) DO UPDATE SET
                     kind = excluded.kind, body = excluded.body, dialogue = excluded.dialogue,
                     locality = excluded.locality, agency = excluded.agency,
                     question = excluded.question, reference = excluded.reference",
                &[
                    &ids,
                    &kinds,
                    &bodies,
                    &tags.dialogue,
                    &tags.locality,
                    &tags.agency,
                    &tags.question,
                    &tags.reference,
                ],
            )?;
        }
        if let Some((last, true)) = self.last_seq {
            self.execute(
                "UPDATE counters SET value = $1 WHERE name = 'server_seq'",
                &[&last],
            )?;
            self.last_seq = Some((last, false));
        }
        if !self.unsent_changes.server_seq.is_empty() {
            let changes = std::mem::take(&mut self.unsent_changes);
            self.execute(
                "INSERT INTO changes (server_seq, mutation_id, kind, entity_id, author_user,
                                      author_role, body, dialogue, locality, agency, question,
                                      reference)
                 SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::uuid[],
                                      $5::uuid[], $6::text[], $7::jsonb[], $8::uuid[],
                                      $9::uuid[], $10::uuid[], $11::uuid[], $12::boolean[])",
                &[
                    &changes.server_seq,
                    &changes.mutation_id,
                    &changes.kind,
                    &changes.entity_id,
                    &changes.author_user,
                    &changes.author_role,
                    &changes.body,
                    &changes.tags.dialogue,
                    &changes.tags.locality,
                    &changes.tags.agency,
                    &changes.tags.question,
                    &changes.tags.reference,
                ],
            )?;
        }
        if !self.unsent_ledger.seq.is_empty() {
            let ledger = std::mem::take(&mut self.unsent_ledger);
            self.execute(
                "INSERT INTO ledger (device_id, seq, payload_hash, result)
                 SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bytea[], $4::jsonb[])",
                &[
                    &ledger.device_id,
                    &ledger.seq,
                    &ledger.payload_hash,
                    &ledger.result,
                ],
            )?;
        }
        Ok(())
    }

    fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Vec<Row>> {
        query(&mut self.tx, self.statements, sql, params)
    }

    fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Option<Row>> {
        query_opt(&mut self.tx, self.statements, sql, params)
    }

    fn execute(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
        execute(&mut self.tx, self.statements, sql, params)
    }
}

impl Tx for PgTx<'_> {
    fn device_for_update(&mut self, device: DeviceId) -> StoreResult<Option<Device>> {
        // `OF d`: the device row alone; its user is only read.
        let row = self.query_opt(
            concat!(device_select!(), " WHERE d.id = $1 FOR UPDATE OF d"),
            &[&device.as_uuid()],
        )?;
        row.as_ref().map(device_from).transpose()
    }

    fn set_last_applied(&mut self, device: DeviceId, seq: u64) -> StoreResult<()> {
        self.execute(
            "UPDATE devices SET last_applied_seq = $2 WHERE id = $1",
            &[&device.as_uuid(), &to_i64(seq)?],
        )?;
        Ok(())
    }

    fn ledger(&mut self, device: DeviceId, seq: u64) -> StoreResult<Option<LedgerEntry>> {
        self.send()?;
        let row = self.query_opt(
            "SELECT payload_hash, result FROM ledger WHERE device_id = $1 AND seq = $2",
            &[&device.as_uuid(), &to_i64(seq)?],
        )?;
        let Some(row) = row else { return Ok(None) };
        let hash: Vec<u8> = get(&row, 0)?;
        let payload_hash = <[u8; 32]>::try_from(hash.as_slice())
            .map_err(|_| StoreError::Corrupt(format!("ledger hash of {} bytes", hash.len())))?;
        let result: PushResult = serde_json::from_value(get(&row, 1)?)?;
        Ok(Some(LedgerEntry {
            payload_hash,
            result,
        }))
    }

    fn put_ledger(&mut self, device: DeviceId, seq: u64, entry: &LedgerEntry) -> StoreResult<()> {
        // Everything that can fail first, so the columns stay the same length.
        let seq = to_i64(seq)?;
        let result = serde_json::to_value(&entry.result)?;
        let ledger = &mut self.unsent_ledger;
        ledger.device_id.push(device.as_uuid());
        ledger.seq.push(seq);
        ledger.payload_hash.push(entry.payload_hash.to_vec());
        ledger.result.push(result);
        Ok(())
    }

    fn entity(&mut self, id: Uuid) -> StoreResult<Option<Entity>> {
        if let Some(known) = self.entities.get(&id) {
            return Ok(known.clone());
        }
        let row = self.query_opt("SELECT body FROM entities WHERE id = $1", &[&id])?;
        let entity: Option<Entity> = match row {
            Some(row) => Some(serde_json::from_value(get(&row, 0)?)?),
            None => None,
        };
        self.entities.insert(id, entity.clone());
        Ok(entity)
    }

    fn put_entity(&mut self, id: Uuid, entity: &Entity, tags: &Tags) -> StoreResult<()> {
        // A record that is, or was, a locality changes the localities.
        let cached = |localities: &Vec<Locality>| localities.iter().any(|l| l.id.as_uuid() == id);
        if matches!(entity, Entity::Locality(_)) || self.localities.as_ref().is_some_and(cached) {
            self.localities = None;
        }
        let body = serde_json::to_value(entity)?;
        let kind = body
            .get("kind")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        self.entities.insert(id, Some(entity.clone()));
        self.unsent_entities.insert(
            id,
            EntityRow {
                kind,
                body,
                tags: TagColumns::from(tags),
            },
        );
        Ok(())
    }

    fn localities(&mut self) -> StoreResult<Vec<Locality>> {
        if let Some(localities) = &self.localities {
            return Ok(localities.clone());
        }
        self.send()?;
        let rows = self.query(
            "SELECT body FROM entities WHERE kind = 'locality' ORDER BY id",
            &[],
        )?;
        let localities = rows
            .iter()
            .map(|row| match serde_json::from_value(get(row, 0)?)? {
                Entity::Locality(locality) => Ok(locality),
                other => Err(StoreError::Corrupt(format!(
                    "a locality row holds {other:?}"
                ))),
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.localities = Some(localities.clone());
        Ok(localities)
    }

    fn next_server_seq(&mut self) -> StoreResult<u64> {
        // UPDATE ... RETURNING takes the next position and keeps the row locked until this
        // transaction ends. A concurrent writer's UPDATE waits for that end, and PostgreSQL
        // releases the lock only after the commit is visible to new snapshots; so positions are
        // taken in commit order, a puller that sees a position sees every position below it,
        // and a rollback gives its positions back without leaving a gap. (`write` has taken the
        // row already; this UPDATE is what advances it.)
        // After the first, positions are counted here, and the row is set to the last one
        // before the commit (see `send`): the row is this transaction's until it ends.
        if let Some((last, _)) = self.last_seq {
            let next = last + 1;
            self.last_seq = Some((next, true));
            return to_u64(next);
        }
        let row = self.query_opt(
            "UPDATE counters SET value = value + 1 WHERE name = 'server_seq' RETURNING value",
            &[],
        )?;
        let row =
            row.ok_or_else(|| StoreError::Corrupt("the server_seq counter is missing".to_owned()))?;
        let taken: i64 = get(&row, 0)?;
        self.last_seq = Some((taken, false));
        to_u64(taken)
    }

    fn append_change(&mut self, entry: &LogEntry, tags: &Tags) -> StoreResult<()> {
        // Everything that can fail first, so the columns stay the same length.
        let server_seq = to_i64(entry.server_seq)?;
        let body = serde_json::to_value(entry)?;
        let changes = &mut self.unsent_changes;
        changes.server_seq.push(server_seq);
        changes.mutation_id.push(entry.mutation.id.as_uuid());
        changes.kind.push(entry.mutation.change.kind());
        changes.entity_id.push(entry.mutation.change.entity_id());
        changes.author_user.push(entry.author.user.as_uuid());
        changes.author_role.push(entry.author.role.as_str());
        changes.body.push(body);
        changes.tags.push(&TagColumns::from(tags));
        Ok(())
    }

    fn question_log(&mut self, question: QuestionId) -> StoreResult<Vec<LogEntry>> {
        // A question shared with an agency has its changes copied under new positions; each
        // mutation counts once, at its first position, or a second sharing would copy copies.
        self.send()?;
        let rows = self.query(
            "SELECT server_seq, body FROM (
                 SELECT DISTINCT ON (mutation_id) server_seq, body FROM changes
                 WHERE question = $1
                 ORDER BY mutation_id, server_seq
             ) AS firsts
             ORDER BY server_seq",
            &[&question.as_uuid()],
        )?;
        rows.iter().map(log_entry).collect()
    }

    fn add_history(&mut self, row: &HistoryRow) -> StoreResult<()> {
        self.execute(
            "INSERT INTO history (record_id, field_group, value, stamp, reason, concurrent)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &row.record_id,
                &row.field_group,
                &row.value,
                &serde_json::to_value(row.stamp)?,
                &row.reason,
                &row.concurrent,
            ],
        )?;
        Ok(())
    }
}

/// The most connections the pool opens. Writes take turns anyway (see the module
/// documentation); the rest serve pulls and authentication, which run side by side.
const POOL_SIZE: u32 = 16;

/// How long to wait for PostgreSQL to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The advisory lock key migrations run under: "townhall" in ASCII. Advisory locks are per
/// database, so servers of other databases in the same cluster never wait for each other.
const MIGRATION_LOCK: i64 = 0x746f_776e_6861_6c6c;

/// One schema change.
struct Migration {
    version: i64,
    sql: &'static str,
}

/// Every migration, in order. Append-only: a shipped migration is never edited.
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    sql: include_str!("../../migrations/postgres/0001_server.sql"),
}];

/// Brings the schema up to date, holding the migration lock.
fn migrate(client: &mut Client) -> StoreResult<()> {
    client
        .batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .db()?;
    let migrated = migrate_locked(client);
    let unlocked = client
        .batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
        .db();
    migrated.and(unlocked)
}

fn migrate_locked(client: &mut Client) -> StoreResult<()> {
    // `now()` is the database's clock, for operators reading the table, never for logic.
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version     BIGINT PRIMARY KEY,
                 applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .db()?;
    let found: i64 = get(
        &client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .db()?,
        0,
    )?;
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    if found > known {
        return Err(StoreError::NewerSchema { found, known });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        let mut tx = client.transaction().db()?;
        tx.batch_execute(migration.sql).db()?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&migration.version],
        )
        .db()?;
        tx.commit().db()?;
    }
    Ok(())
}

/// A pooled connection and the statements prepared on it.
struct Connection {
    client: Client,
    statements: Statements,
}

/// Statements prepared once per connection: each later use is one round trip, with no parsing
/// or planning, which matters when a push of thousands of mutations runs a few statements each.
#[derive(Default)]
struct Statements(HashMap<&'static str, Statement>);

impl Statements {
    fn get(
        &mut self,
        client: &mut impl GenericClient,
        sql: &'static str,
    ) -> StoreResult<Statement> {
        if let Some(statement) = self.0.get(sql) {
            return Ok(statement.clone());
        }
        // Prepared statements belong to the session, not the transaction: one prepared in a
        // transaction that rolls back stays usable.
        let statement = client.prepare(sql).db()?;
        self.0.insert(sql, statement.clone());
        Ok(statement)
    }
}

/// Opens [`Connection`]s for the pool, through `r2d2_postgres`.
#[derive(Debug)]
struct Manager(PostgresConnectionManager<NoTls>);

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Connection, postgres::Error> {
        Ok(Connection {
            client: self.0.connect()?,
            statements: Statements::default(),
        })
    }

    fn is_valid(&self, connection: &mut Connection) -> Result<(), postgres::Error> {
        self.0.is_valid(&mut connection.client)
    }

    fn has_broken(&self, connection: &mut Connection) -> bool {
        self.0.has_broken(&mut connection.client)
    }
}

fn query(
    client: &mut impl GenericClient,
    statements: &mut Statements,
    sql: &'static str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<Vec<Row>> {
    let statement = statements.get(client, sql)?;
    client.query(&statement, params).db()
}

fn query_opt(
    client: &mut impl GenericClient,
    statements: &mut Statements,
    sql: &'static str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<Option<Row>> {
    let statement = statements.get(client, sql)?;
    client.query_opt(&statement, params).db()
}

fn query_one(
    client: &mut impl GenericClient,
    statements: &mut Statements,
    sql: &'static str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<Row> {
    let statement = statements.get(client, sql)?;
    client.query_one(&statement, params).db()
}

fn execute(
    client: &mut impl GenericClient,
    statements: &mut Statements,
    sql: &'static str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<u64> {
    let statement = statements.get(client, sql)?;
    client.execute(&statement, params).db()
}

/// The end of the change log, as `client` sees it.
fn server_seq_in(client: &mut impl GenericClient, statements: &mut Statements) -> StoreResult<u64> {
    let row = query_one(
        client,
        statements,
        "SELECT value FROM counters WHERE name = 'server_seq'",
        &[],
    )?;
    to_u64(get(&row, 0)?)
}

/// The page `LogPage` documents, as the SQLite backend makes it: a full page continues after
/// its last change and says more may follow; a short page is everything in scope up to `end`,
/// so it continues at `end`, skipping changes out of scope. A cursor beyond the end stays where
/// it is: whether it means a restored server is for the HTTP layer to decide.
fn page(changes: Vec<StoredChange>, since: u64, limit: u32, end: u64) -> LogPage {
    let full = changes.len() >= usize::try_from(limit).unwrap_or(usize::MAX);
    let next = match changes.last() {
        Some(last) if full => last.server_seq,
        _ => end.max(since),
    };
    LogPage {
        changes,
        next,
        more: full,
    }
}

/// A change-log row (`server_seq, body`) as the entry it holds.
fn log_entry(row: &Row) -> StoreResult<LogEntry> {
    let server_seq = to_u64(get(row, 0)?)?;
    let entry: LogEntry = serde_json::from_value(get(row, 1)?)?;
    if entry.server_seq != server_seq {
        return Err(StoreError::Corrupt(format!(
            "change {server_seq} holds an entry for position {}",
            entry.server_seq
        )));
    }
    Ok(entry)
}

/// A row of [`device_select!`] as a device.
fn device_from(row: &Row) -> StoreResult<Device> {
    let letter: String = get(row, 1)?;
    Ok(Device {
        id: DeviceId::from_uuid(get(row, 0)?),
        letter: DeviceLetter::try_from(letter)
            .map_err(|e| StoreError::Corrupt(format!("device letter: {e}")))?,
        name: get(row, 2)?,
        last_applied_seq: to_u64(get(row, 3)?)?,
        last_seen_at: get(row, 4)?,
        revoked_at: get(row, 5)?,
        user: user_from(row, 6)?,
    })
}

/// The user in the five columns from `first`: id, name, role, jurisdiction, agency.
fn user_from(row: &Row, first: usize) -> StoreResult<User> {
    let role: String = get(row, first + 2)?;
    Ok(User {
        id: UserId::from_uuid(get(row, first)?),
        name: get(row, first + 1)?,
        role: role
            .parse::<Role>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        jurisdiction: get::<Option<Uuid>>(row, first + 3)?
            .map(townhall_domain::LocalityId::from_uuid),
        agency: get::<Option<Uuid>>(row, first + 4)?.map(townhall_domain::AgencyId::from_uuid),
    })
}

/// [`Tags`] as column values.
/// Tag columns of many rows, as arrays for `unnest`.
#[derive(Default)]
struct TagArrays {
    dialogue: Vec<Option<Uuid>>,
    locality: Vec<Option<Uuid>>,
    agency: Vec<Option<Uuid>>,
    question: Vec<Option<Uuid>>,
    reference: Vec<bool>,
}

impl TagArrays {
    fn push(&mut self, tags: &TagColumns) {
        self.dialogue.push(tags.dialogue);
        self.locality.push(tags.locality);
        self.agency.push(tags.agency);
        self.question.push(tags.question);
        self.reference.push(tags.reference);
    }
}

struct TagColumns {
    dialogue: Option<Uuid>,
    locality: Option<Uuid>,
    agency: Option<Uuid>,
    question: Option<Uuid>,
    reference: bool,
}

impl From<&Tags> for TagColumns {
    fn from(tags: &Tags) -> Self {
        Self {
            dialogue: tags.dialogue.map(|d| d.as_uuid()),
            locality: tags.locality.map(|l| l.as_uuid()),
            agency: tags.agency.map(|a| a.as_uuid()),
            question: tags.question.map(|q| q.as_uuid()),
            reference: tags.reference,
        }
    }
}

/// A column's value; a value of the wrong type means the table is not what this code wrote.
fn get<'a, T: postgres::types::FromSql<'a>>(row: &'a Row, column: usize) -> StoreResult<T> {
    row.try_get(column)
        .map_err(|e| StoreError::Corrupt(describe(&e)))
}

/// A sequence number for a BIGINT column.
fn to_i64(value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Database(format!("{value} does not fit a BIGINT")))
}

/// A BIGINT column as a sequence number; the schema's checks keep them from being negative.
fn to_u64(value: i64) -> StoreResult<u64> {
    u64::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("negative sequence number {value}")))
}

/// Turns driver errors into [`StoreError::Database`] with the server's own words.
trait OrDatabase<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> OrDatabase<T> for Result<T, postgres::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(|e| StoreError::Database(describe(&e)))
    }
}

/// A driver error in words: the driver's own `Display` says only "db error" for everything the
/// server reports, so the server's message and SQLSTATE are added, for the log.
fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            if *db.code() == SqlState::T_R_DEADLOCK_DETECTED
                || *db.code() == SqlState::T_R_SERIALIZATION_FAILURE
            {
                text.push_str("; the transaction can be retried");
            }
            text
        }
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored change at `server_seq`; only its position matters to a page.
    fn entry(server_seq: u64) -> StoredChange {
        StoredChange::new(server_seq, format!(r#"{{"server_seq":{server_seq}}}"#))
            .expect("a change")
    }

    /// Checks one page: (positions returned, since, limit, end) → (next, more).
    fn check(returned: &[u64], since: u64, limit: u32, end: u64, expected: (u64, bool)) {
        let page = page(
            returned.iter().copied().map(entry).collect(),
            since,
            limit,
            end,
        );
        assert_eq!(
            (page.next, page.more),
            expected,
            "{returned:?} after {since}, limit {limit}, end {end}"
        );
    }

    #[test]
    fn pages_continue_where_they_stop() {
        // A short page is the rest of the log: continue at its end, even past changes out of
        // scope.
        check(&[3, 5], 0, 10, 9, (9, false));
        check(&[], 4, 10, 9, (9, false));
        check(&[], 9, 10, 9, (9, false));
        // A full page continues after its last change, and more may follow.
        check(&[3, 5], 0, 2, 9, (5, true));
        check(&[8, 9], 7, 2, 9, (9, true));
        // A cursor beyond the log stays where it is.
        check(&[], 100, 2, 9, (100, false));
    }

    #[test]
    fn migrations_are_numbered_in_order_from_one() {
        for (i, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, i64::try_from(i).unwrap() + 1);
        }
    }

    #[test]
    fn sequence_numbers_fit_bigint_or_are_refused() {
        assert_eq!(to_i64(7).unwrap(), 7);
        assert!(matches!(to_i64(u64::MAX), Err(StoreError::Database(_))));
        assert!(matches!(to_u64(-1), Err(StoreError::Corrupt(_))));
    }
}
