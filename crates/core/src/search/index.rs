//! The search index, in a file of its own beside the replica, and the passes that keep it up
//! to date.
//!
//! The replica's connection reads the index (attached read-only as `search`) and queues in
//! `search_backlog`, in the same transaction as each change, the questions to index, under
//! tickets that only grow. A second connection, [`SearchIndex`], works the backlog off in
//! ticket order: it folds the questions' text and writes their entries together with the last
//! ticket indexed (`through`), in one transaction of the index file. Neither connection ever
//! writes the other's file, so neither waits for the other's locks: during a pull, the sync's
//! [`Indexer`] thread indexes on the other core while the next pages are applied (indexing was
//! half the work of a pull when the replica's connection did both). After a local write the
//! replica indexes at once, so what a recorder captured is searchable when the write returns.
//!
//! The index is derived data. A crash anywhere leaves at most work to redo, and writing an
//! entry again is harmless (each pass replaces what it writes). Its file is not synced at each
//! commit, so a capture costs one fsync, the replica's; an index that a power cut set back
//! behind the entries the replica already cleared (`pruned`) is rebuilt. A file that is not a readable
//! database is replaced, and a new index, or one built for another generation of the replica
//! (before it forgot every record to refetch them), is rebuilt from the questions.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, params};

use crate::db;
use crate::error::{ReplicaError, Result};
use crate::stamp::exec;

/// Backlog entries indexed in one transaction at most: large enough that FTS5 writes few
/// segments, small enough that a pass holds little memory (FTS5 flushes its terms to disk at
/// its `hashsize` anyway).
const PASS: usize = 20_000;

/// Entries the sync's indexer lets build up before a pass: a pass writes an index segment that
/// FTS5 later merges with others, so fewer, larger passes do less work in all (pulling 100,000
/// questions, passes of 20,000 spent about a third of the time merging that passes of 5,000 did).
const BULK: usize = 20_000;

/// The index, as a new file gets it. Without word positions (`detail = column`): every query
/// term is one word, and snippets are cut from the original text, so positions are never read.
const SCHEMA: &str = "
BEGIN;
CREATE VIRTUAL TABLE search.question_search USING fts5 (
    number,
    content,
    citizen,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2',
    detail = column
);
INSERT INTO search.question_search (question_search, rank) VALUES ('hashsize', 16777216);
CREATE TABLE search.index_state (generation INTEGER NOT NULL, through INTEGER NOT NULL);
COMMIT;
";

/// Where the index of the replica at `replica` lives: `<replica>-search`, beside SQLite's own
/// `-wal` and `-shm` files.
pub(crate) fn index_path(replica: &Path) -> PathBuf {
    let mut path = replica.as_os_str().to_owned();
    path.push("-search");
    PathBuf::from(path)
}

/// Attaches the index of the replica at `replica` to `conn` read-only, as `search`, so queries
/// read it by its table's name. Read-only, a write transaction of `conn` never locks the index,
/// which [`SearchIndex`] writes meanwhile. The index must exist: open [`SearchIndex`] first.
pub(crate) fn attach_read_only(conn: &Connection, replica: &Path) -> Result<()> {
    let uri = read_only_uri(&index_path(replica))?;
    conn.execute("ATTACH DATABASE ?1 AS search", [uri])?;
    conn.pragma_update(Some("search"), "cache_size", -INDEX_CACHE_KIB)?;
    Ok(())
}

/// Page cache for the index, per connection, in KiB: a search reads the few segments of its
/// words' prefixes, and writing merges segments.
const INDEX_CACHE_KIB: i64 = 16_384;

/// A `file:` URI opening `path` read-only (SQLite's URI rules: `%`, `?` and `#` escaped;
/// Windows paths as `file:///C:/…`).
fn read_only_uri(path: &Path) -> Result<String> {
    let text = path.to_str().ok_or_else(|| {
        ReplicaError::Corrupt(format!(
            "the replica's path is not valid UTF-8: {}",
            path.display()
        ))
    })?;
    let mut uri = String::from(if cfg!(windows) { "file:///" } else { "file:" });
    for c in text.chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3F"),
            '#' => uri.push_str("%23"),
            '\\' if cfg!(windows) => uri.push('/'),
            c => uri.push(c),
        }
    }
    uri.push_str("?mode=ro");
    Ok(uri)
}

/// The connection that writes the search index. Cloning shares it: the replica indexes after
/// its own writes, and the sync's [`Indexer`] thread during a pull, one pass at a time.
#[derive(Clone)]
pub(crate) struct SearchIndex {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index of the replica at `replica`, creating it, or replacing it when the file
    /// is not a readable database. It reads the replica's tables only in [`Self::catch_up`],
    /// which needs the replica migrated.
    pub(crate) fn open(replica: &Path) -> Result<Self> {
        let conn = db::connect(replica)?;
        let path = index_path(replica);
        if let Err(e) = attach_writable(&conn, &path) {
            if !is_unreadable(&e) {
                return Err(e);
            }
            // Derived data: start a new file, which the backlog and a new generation refill.
            let _ = conn.execute_batch("DETACH DATABASE search");
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.as_os_str().to_owned();
                file.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(file));
            }
            attach_writable(&conn, &path)?;
        }
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Indexes what the backlog holds, in passes of at most [`PASS`] entries, up to `limit`
    /// entries (all when `None`). Returns how many entries it worked off.
    pub(crate) fn catch_up(&self, limit: Option<usize>) -> Result<usize> {
        let mut done = 0;
        loop {
            let want = limit.map_or(PASS, |limit| limit.saturating_sub(done).min(PASS));
            if want == 0 {
                return Ok(done);
            }
            // One pass at a time holds the connection, so a local write's pass waits for at
            // most one of the indexer's.
            let indexed = pass(&mut self.lock(), want)?;
            done += indexed;
            if indexed < want {
                return Ok(done);
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A pass that panicked left no transaction open (rusqlite rolls back on drop), so the
        // connection is as good as before.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Attaches the index file at `path` writable, as `search`, creating its tables in a new file.
fn attach_writable(conn: &Connection, path: &Path) -> Result<()> {
    let text = path.to_str().ok_or_else(|| {
        ReplicaError::Corrupt(format!(
            "the replica's path is not valid UTF-8: {}",
            path.display()
        ))
    })?;
    // A plain file name: the connection reads URIs only when they start with `file:`, which a
    // replica's path made absolute by the app never does.
    conn.execute("ATTACH DATABASE ?1 AS search", [text])?;
    // Not synced at each commit (`NORMAL`: at checkpoints), so a capture costs one fsync, the
    // replica's. A power cut may undo the index's last commits, never corrupt it; the replica
    // notices (the index is behind what it cleared) and the next pass rebuilds it.
    conn.pragma_update(Some("search"), "journal_mode", "WAL")?;
    conn.pragma_update(Some("search"), "synchronous", "NORMAL")?;
    // This connection reads the replica's rows in order once each, and merges index segments.
    conn.pragma_update(Some("main"), "cache_size", -2_048)?;
    conn.pragma_update(Some("search"), "cache_size", -INDEX_CACHE_KIB)?;
    let exists: i64 = conn.query_row(
        "SELECT count(*) FROM search.sqlite_schema WHERE name = 'question_search'",
        [],
        |r| r.get(0),
    )?;
    if exists == 0 {
        conn.execute_batch(SCHEMA)?;
    }
    Ok(())
}

/// Whether `e` says the file is not a database or is damaged.
fn is_unreadable(e: &ReplicaError) -> bool {
    matches!(
        e,
        ReplicaError::Storage(rusqlite::Error::SqliteFailure(failure, _))
            if matches!(failure.code, ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Works off up to `want` entries of the backlog, or rebuilds the index when it is new or of
/// another generation. Returns how many entries or questions it indexed.
fn pass(conn: &mut Connection, want: usize) -> Result<usize> {
    // Deferred: it reads the replica and writes only the index, so the replica's own writes (a
    // sync applying the next pages) go on meanwhile.
    let tx = conn.transaction()?;
    let (generation, pruned): (i64, i64) = tx.query_row(
        "SELECT generation, pruned FROM main.search_state",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let state: Option<(i64, i64)> = tx
        .query_row(
            "SELECT generation, through FROM search.index_state",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    // Behind what the replica cleared, the index lost commits (its writes are not synced one
    // by one): only a rebuild brings those entries back.
    let Some((built, through)) =
        state.filter(|(built, through)| *built == generation && *through >= pruned)
    else {
        return rebuild(tx, generation);
    };
    let backlog: Vec<(i64, i64)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT ticket, local_seq FROM main.search_backlog WHERE ticket > ?1
             ORDER BY ticket LIMIT ?2",
        )?;
        stmt.query_map(params![through, want], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let Some(&(last, _)) = backlog.last() else {
        return Ok(0);
    };
    let mut seqs: Vec<i64> = backlog.iter().map(|(_, seq)| *seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    let seqs = serde_json::Value::from(seqs).to_string();
    // Replaces what the index holds for them; a question no longer in the replica leaves none.
    exec(
        &tx,
        "DELETE FROM search.question_search WHERE rowid IN (SELECT value FROM json_each(?1))",
        [&seqs],
    )?;
    exec(
        &tx,
        &format!(
            "{INSERT_ENTRIES} WHERE local_seq IN (SELECT value FROM json_each(?1)) ORDER BY local_seq"
        ),
        [&seqs],
    )?;
    set_state(&tx, built, last)?;
    tx.commit()?;
    Ok(backlog.len())
}

/// The index entries of questions, folded as queries are; the caller adds which and their
/// order. In rowid order, as FTS5 flushes its pending terms whenever a rowid is lower than the
/// one before.
const INSERT_ENTRIES: &str = "INSERT INTO search.question_search (rowid, number, content, citizen)
     SELECT local_seq,
            townhall_fold(number_letter || '-' || printf('%03d', number_counter)),
            townhall_fold(content),
            townhall_fold(concat_ws(' ', citizen_name, citizen_locality))
     FROM main.questions";

/// Empties the index and indexes every question, as of the last ticket issued.
fn rebuild(tx: Transaction<'_>, generation: i64) -> Result<usize> {
    exec(
        &tx,
        "INSERT INTO search.question_search (question_search) VALUES ('delete-all')",
        [],
    )?;
    let indexed = exec(&tx, &format!("{INSERT_ENTRIES} ORDER BY local_seq"), [])?;
    // The backlog's high-water mark, which clearing it does not lower.
    let last: i64 = tx
        .query_row(
            "SELECT seq FROM main.sqlite_sequence WHERE name = 'search_backlog'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    set_state(&tx, generation, last)?;
    tx.commit()?;
    Ok(indexed)
}

/// Records which generation the index is of, and the last ticket it holds.
fn set_state(tx: &Transaction<'_>, generation: i64, through: i64) -> Result<()> {
    exec(tx, "DELETE FROM search.index_state", [])?;
    exec(
        tx,
        "INSERT INTO search.index_state (generation, through) VALUES (?1, ?2)",
        [generation, through],
    )?;
    Ok(())
}

/// Indexing on a thread of its own while a sync pulls: [`Self::queued`] after each applied
/// batch, [`Self::finish`] to wait until the backlog is indexed. Dropped without `finish` (the
/// sync failed), the thread still works off the backlog, then stops.
pub(crate) struct Indexer {
    queued: Option<std::sync::mpsc::Sender<usize>>,
    task: Option<tokio::task::JoinHandle<Result<()>>>,
}

impl Indexer {
    /// Starts indexing the backlog of `index` on a blocking thread of the current runtime.
    pub(crate) fn start(index: SearchIndex) -> Self {
        let (queued, counts) = std::sync::mpsc::channel::<usize>();
        let task = tokio::task::spawn_blocking(move || {
            // What an earlier sync left.
            index.catch_up(None)?;
            let mut waiting = 0;
            while let Ok(count) = counts.recv() {
                waiting += count;
                if waiting >= BULK {
                    index.catch_up(None)?;
                    waiting = 0;
                }
            }
            // The sync is done pulling: what it applied last is indexed before it ends.
            index.catch_up(None)?;
            Ok(())
        });
        Self {
            queued: Some(queued),
            task: Some(task),
        }
    }

    /// About `count` more entries are queued.
    pub(crate) fn queued(&self, count: usize) {
        if let Some(queued) = &self.queued {
            // A closed channel means the thread stopped on an error, which `finish` reports.
            let _ = queued.send(count);
        }
    }

    /// Waits until everything queued before this call is indexed.
    pub(crate) async fn finish(mut self) -> Result<()> {
        self.queued = None;
        let Some(task) = self.task.take() else {
            return Ok(());
        };
        match task.await {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(ReplicaError::Corrupt(format!(
                "the search index stopped before it was up to date: {e}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_uris_escape_what_sqlite_reads_as_syntax() {
        let uri = read_only_uri(Path::new("/data/a b%?#/r.sqlite3-search")).unwrap();
        if !cfg!(windows) {
            assert_eq!(uri, "file:/data/a b%25%3F%23/r.sqlite3-search?mode=ro");
        }
    }

    #[test]
    fn index_files_sit_beside_the_replica() {
        assert_eq!(
            index_path(Path::new("/data/replica.sqlite3")),
            Path::new("/data/replica.sqlite3-search")
        );
    }
}
