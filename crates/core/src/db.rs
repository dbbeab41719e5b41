//! Opening the SQLite file and bringing its schema up to date.
//!
//! Durability comes first: WAL with `synchronous=FULL`, so a write that returned has reached
//! the disk and survives a crash or power loss; foreign keys on; a busy timeout so a second
//! connection (the sync task) waits instead of failing.
//!
//! Migrations are append-only: each is applied once, in order, in its own transaction, and the
//! schema version is `PRAGMA user_version`. Never edit a migration that has shipped; add one.

use std::path::Path;
use std::time::Duration;

use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::error::{ReplicaError, Result};
use crate::fold;

/// The migrations, in order. Index + 1 is the schema version each one produces.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_replica.sql"),
    include_str!("../migrations/0002_search.sql"),
    include_str!("../migrations/0003_sync.sql"),
    include_str!("../migrations/0004_app.sql"),
    include_str!("../migrations/0005_reports.sql"),
    include_str!("../migrations/0006_followup.sql"),
    include_str!("../migrations/0007_search_detail.sql"),
    include_str!("../migrations/0008_retry.sql"),
    include_str!("../migrations/0009_search_file.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens (creating if needed) the database at `path`, without migrating it.
pub(crate) fn connect(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "trusted_schema", false)?;
    // 32 MiB of page cache (the default is 2 MiB): search joins its matches to question rows
    // spread across the file, and a warm cache halves that on a replica of 100,000 questions.
    conn.pragma_update(None, "cache_size", -32_768)?;
    conn.set_prepared_statement_cache_capacity(64);
    register_functions(&conn)?;
    Ok(conn)
}

/// SQL functions the schema and queries use.
fn register_functions(conn: &Connection) -> Result<()> {
    conn.create_scalar_function(
        "townhall_fold",
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            // Read in place: indexing calls this for every question's text.
            match ctx.get_raw(0) {
                ValueRef::Null => Ok(None),
                ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                    .map(|text| Some(fold::fold(text)))
                    .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e))),
                _ => Err(rusqlite::Error::InvalidFunctionParameterType(
                    0,
                    ctx.get_raw(0).data_type(),
                )),
            }
        },
    )?;
    Ok(())
}

/// The schema version of an open database.
pub(crate) fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Applies every migration after the database's version, up to `target`.
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let found = schema_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(ReplicaError::NewerSchema {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for version in (found + 1)..=target.min(SCHEMA_VERSION) {
        let tx = conn.transaction()?;
        let sql = MIGRATIONS[(version - 1) as usize];
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "replica migrated");
    }
    Ok(())
}

/// Opens the database at `path` and migrates it to the newest schema.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    let mut conn = connect(path)?;
    migrate_to(&mut conn, SCHEMA_VERSION)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragmas_are_durable() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("r.sqlite3")).unwrap();
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
    fn the_fold_function_folds_text_and_passes_null_and_refuses_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("r.sqlite3")).unwrap();
        let folded: (String, Option<String>) = conn
            .query_row(
                "SELECT townhall_fold('Đường Bắc Bình'), townhall_fold(NULL)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(folded, ("duong bac binh".to_owned(), None));
        for value in ["42", "x'C328'", "CAST(x'FF' AS TEXT)"] {
            let result: rusqlite::Result<Option<String>> =
                conn.query_row(&format!("SELECT townhall_fold({value})"), [], |r| r.get(0));
            assert!(result.is_err(), "{value}: {result:?}");
        }
    }

    #[test]
    fn a_newer_schema_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        {
            let conn = open(&path).unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = open(&path).unwrap_err();
        assert_eq!(err.code(), "newer_schema");
        let conn = connect(&path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), SCHEMA_VERSION + 1);
    }

    #[test]
    fn a_first_schema_database_with_data_migrates_without_loss() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        {
            let mut conn = connect(&path).unwrap();
            migrate_to(&mut conn, 1).unwrap();
            assert_eq!(schema_version(&conn).unwrap(), 1);
            conn.execute_batch(
                "INSERT INTO localities VALUES ('l1', 'Xã Bắc Bình', 'commune', NULL);
                 INSERT INTO dialogues VALUES ('d1', 'Đối thoại', 'commune', 'l1', '', '', '2026-01-01T00:00:00+00:00',
                     '', '', NULL, NULL, 'k', 'open', 0);
                 INSERT INTO questions (id, dialogue, number_letter, number_counter, kind, source, content, text_stamp,
                     citizen_name, citizen_stamp, captured_by, captured_at, status)
                 VALUES ('q1', 'd1', 'B', 1, 'petition', 'in_hall', 'Đường liên thôn hư hỏng', 'k', 'Nguyễn Văn An', 'k',
                         'dev', '2026-01-01T01:00:00+00:00', 'received'),
                        ('q2', 'd1', 'B', 2, 'question', 'in_hall', 'Học phí năm học mới', 'k', NULL, 'k',
                         'dev', '2026-01-01T01:05:00+00:00', 'received');
                 INSERT INTO answers VALUES ('a1', 'q2', 'on_site', 'Chủ tịch', NULL, 'Giữ nguyên', NULL, NULL, 'k',
                     '2026-01-01T01:06:00+00:00');
                 INSERT INTO outbox (mutation_id, kind, entity_id, body, created_at)
                 VALUES ('m1', 'capture_question', 'q1', '{}', '2026-01-01T01:00:00+00:00');",
            )
            .unwrap();
        }
        let conn = open(&path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), SCHEMA_VERSION);
        let count = |table: &str| -> i64 {
            conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(
            [
                count("localities"),
                count("dialogues"),
                count("questions"),
                count("answers"),
                count("outbox")
            ],
            [1, 1, 2, 1, 1]
        );
        let content: String = conn
            .query_row("SELECT content FROM questions WHERE id = 'q1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(content, "Đường liên thôn hư hỏng");
        // The search index, now in a file of its own, is built for the rows that existed.
        let index = crate::search::SearchIndex::open(&path).unwrap();
        assert_eq!(index.catch_up().unwrap(), 2);
        crate::search::attach_read_only(&conn, &path).unwrap();
        let found = |query: &str| -> Vec<String> {
            let mut stmt = conn
                .prepare(
                    "SELECT q.id FROM question_search s JOIN questions q ON q.local_seq = s.rowid
                     WHERE question_search MATCH ?1 ORDER BY q.id",
                )
                .unwrap();
            stmt.query_map([query], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(found("duong"), ["q1"]);
        assert_eq!(found("nguyen"), ["q1"]);
        assert_eq!(found("b*"), ["q1", "q2"]);
        assert_eq!(found("content : duong"), ["q1"]);
        // The index keeps no word positions, and none is left in the replica's file.
        let index: String = conn
            .query_row(
                "SELECT sql FROM search.sqlite_schema WHERE name = 'question_search'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(index.contains("detail = column"), "{index}");
        let in_replica: i64 = conn
            .query_row(
                "SELECT count(*) FROM main.sqlite_schema WHERE name LIKE 'question_search%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(in_replica, 0);
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
    }

    #[test]
    fn outbox_entries_of_the_sixth_schema_migrate_as_first_attempts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        {
            let mut conn = connect(&path).unwrap();
            migrate_to(&mut conn, 6).unwrap();
            conn.execute_batch(
                "INSERT INTO outbox (mutation_id, kind, entity_id, body, created_at, server_seq)
                 VALUES ('m1', 'capture_question', 'q1', '{}', '2026-01-01T01:00:00+00:00', 7);
                 INSERT INTO outbox (mutation_id, kind, entity_id, body, created_at, rejected_code,
                     rejected_reason)
                 VALUES ('m2', 'add_answer', 'a1', '{}', '2026-01-01T01:01:00+00:00', 'not_found',
                     'no question');",
            )
            .unwrap();
        }
        let conn = open(&path).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT mutation_id, server_seq, rejected_code, attempt FROM outbox ORDER BY seq",
            )
            .unwrap();
        let rows: Vec<(String, Option<i64>, Option<String>, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            rows,
            [
                ("m1".to_owned(), Some(7), None, 1),
                ("m2".to_owned(), None, Some("not_found".to_owned()), 1)
            ]
        );
    }
}
