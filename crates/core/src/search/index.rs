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
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError, Weak};

use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, params};

use crate::db;
use crate::error::{ReplicaError, Result};
use crate::stamp::exec;

/// Backlog entries indexed in one transaction at most: large enough that FTS5 writes few
/// segments, small enough that a pass holds little memory (FTS5 flushes its terms to disk at
/// its `hashsize` anyway).
const PASS: usize = 20_000;

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

/// A `file:` URI opening `path` read-only (SQLite's URI rules: `%`, `?` and `#` escaped; the
/// path made absolute first, as a relative path cannot be written as a Windows URI; Windows
/// paths as `file:///C:/…`, shares as `file://server/share/…`).
fn read_only_uri(path: &Path) -> Result<String> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let text = utf8(&absolute)?;
    let mut uri = uri_path(text, cfg!(windows));
    uri.push_str("?mode=ro");
    Ok(uri)
}

/// The `file:` URI of an absolute path, written the Windows way when `windows`.
fn uri_path(text: &str, windows: bool) -> String {
    let mut uri = String::from("file:");
    if windows {
        // `\\?\C:\…` and `\\?\UNC\server\…` are the verbatim forms of `C:\…` and `\\server\…`.
        let text = text.strip_prefix(r"\\?\").unwrap_or(text);
        let text = match text.strip_prefix("UNC\\") {
            Some(share) => format!(r"\\{share}"),
            None => text.to_owned(),
        };
        if !text.starts_with(r"\\") {
            uri.push_str("///");
        }
        push_escaped(&mut uri, &text.replace('\\', "/"));
    } else {
        push_escaped(&mut uri, text);
    }
    uri
}

/// `path` as text, which SQLite needs its file names to be.
fn utf8(path: &Path) -> Result<&str> {
    path.to_str().ok_or_else(|| {
        ReplicaError::Corrupt(format!(
            "the replica's path is not valid UTF-8: {}",
            path.display()
        ))
    })
}

/// Appends `text` to a URI with what SQLite reads as syntax escaped.
fn push_escaped(uri: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3F"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
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

/// The index connections open in this process, one per replica file: the app opens its
/// replica twice (a connection that writes and one that reads), and two connections writing
/// one index would refuse each other's passes.
static OPEN: Mutex<Vec<(PathBuf, Weak<Mutex<Connection>>)>> = Mutex::new(Vec::new());

impl SearchIndex {
    /// Opens the index of the replica at `replica`, creating it, or replacing it when the file
    /// is not a readable database; or shares the one already open for that file. It reads the
    /// replica's tables only in its passes, which need the replica migrated.
    pub(crate) fn open(replica: &Path) -> Result<Self> {
        let conn = db::connect(replica)?;
        // The file exists now, so its canonical path names it however it was reached.
        let key = std::fs::canonicalize(replica).unwrap_or_else(|_| replica.to_owned());
        let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
        open.retain(|(_, index)| index.strong_count() > 0);
        if let Some(shared) = open
            .iter()
            .find(|(path, _)| *path == key)
            .and_then(|(_, index)| index.upgrade())
        {
            return Ok(Self { conn: shared });
        }
        let path = index_path(replica);
        if let Err(e) = attach_writable(&conn, &path) {
            if !is_unreadable(&e) {
                return Err(e);
            }
            replace(&conn, &path)?;
        }
        let conn = Arc::new(Mutex::new(conn));
        open.push((key, Arc::downgrade(&conn)));
        Ok(Self { conn })
    }

    /// Brings the index up to date as the replica opens, before the replica's connection
    /// attaches it: a file found damaged is replaced and rebuilt. Any other failure leaves the
    /// backlog for a later pass; search is derived data and never keeps the replica closed.
    pub(crate) fn recover(&self, replica: &Path) {
        match self.catch_up() {
            Err(e) if is_unreadable(&e) => {
                tracing::warn!(code = e.code().as_str(), error = %e, "search index damaged; replacing it");
                let conn = self.lock();
                if replace(&conn, &index_path(replica)).is_ok() {
                    drop(conn);
                    if let Err(e) = self.catch_up() {
                        tracing::warn!(code = e.code().as_str(), error = %e, "search index rebuild failed");
                    }
                }
            }
            Err(e) => {
                tracing::warn!(code = e.code().as_str(), error = %e, "search index could not catch up; retried later");
            }
            Ok(_) => {}
        }
    }

    /// Indexes all the backlog holds, in passes of at most [`PASS`] entries, waiting for a pass
    /// of the sync's indexer to end first. Rebuilds the index when it must. Returns how many
    /// entries it worked off.
    pub(crate) fn catch_up(&self) -> Result<usize> {
        self.run(true)
    }

    /// Like [`Self::catch_up`], after a local write: nothing when the sync's indexer is at
    /// work (its last pass covers the write) or when the index needs a rebuild, so a write
    /// never waits for either. Otherwise everything queued, a batch of thousands included.
    pub(crate) fn catch_up_if_idle(&self) -> Result<usize> {
        self.run(false)
    }

    fn run(&self, wait: bool) -> Result<usize> {
        let mut done = 0;
        loop {
            let mut conn = if wait {
                self.lock()
            } else {
                match self.conn.try_lock() {
                    Ok(conn) => conn,
                    Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                    Err(TryLockError::WouldBlock) => return Ok(done),
                }
            };
            let indexed = pass(&mut conn, wait)?;
            done += indexed;
            if indexed < PASS {
                return Ok(done);
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A pass that panicked left no transaction open (rusqlite rolls back on drop), so the
        // connection is as good as before.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Starts a new index file at `path` in place of one that cannot be read: derived data, which
/// the next pass rebuilds.
fn replace(conn: &Connection, path: &Path) -> Result<()> {
    let _ = conn.execute_batch("DETACH DATABASE search");
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(file));
    }
    attach_writable(conn, path)
}

/// Attaches the index file at `path` writable, as `search`, creating its tables in a new file.
fn attach_writable(conn: &Connection, path: &Path) -> Result<()> {
    let text = utf8(path)?;
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

/// Works off up to [`PASS`] entries of the backlog, or rebuilds the index when it is new or of
/// another generation. Returns how many entries or questions it indexed.
fn pass(conn: &mut Connection, may_rebuild: bool) -> Result<usize> {
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
    let issued = last_ticket(&tx)?;
    // Behind what the replica cleared, the index lost commits (its writes are not synced one
    // by one); ahead of the tickets issued, it was built for another copy of the replica (one
    // restored from a backup beside a newer index). Only a rebuild makes either right.
    let Some((built, through)) = state.filter(|(built, through)| {
        *built == generation && *through >= pruned && *through <= issued
    }) else {
        return if may_rebuild {
            rebuild(tx, generation, issued)
        } else {
            Ok(0)
        };
    };
    let backlog: Vec<(i64, i64)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT ticket, local_seq FROM main.search_backlog WHERE ticket > ?1
             ORDER BY ticket LIMIT ?2",
        )?;
        stmt.query_map(params![through, PASS], |r| Ok((r.get(0)?, r.get(1)?)))?
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

/// Empties the index and indexes every question, as of `last`, the last ticket issued.
fn rebuild(tx: Transaction<'_>, generation: i64, last: i64) -> Result<usize> {
    exec(
        &tx,
        "INSERT INTO search.question_search (question_search) VALUES ('delete-all')",
        [],
    )?;
    let started = std::time::Instant::now();
    let indexed = exec(&tx, &format!("{INSERT_ENTRIES} ORDER BY local_seq"), [])?;
    set_state(&tx, generation, last)?;
    tx.commit()?;
    tracing::info!(
        questions = indexed,
        generation,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "search index rebuilt"
    );
    Ok(indexed)
}

/// The last ticket issued: the backlog's high-water mark, which clearing it does not lower.
fn last_ticket(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx
        .query_row(
            "SELECT seq FROM main.sqlite_sequence WHERE name = 'search_backlog'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
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
    queued: Option<std::sync::mpsc::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<()>>>,
}

impl Indexer {
    /// Starts indexing the backlog of `index` on a blocking thread of the current runtime.
    pub(crate) fn start(index: SearchIndex) -> Self {
        let (queued, counts) = std::sync::mpsc::channel::<()>();
        let task = tokio::task::spawn_blocking(move || {
            // What an earlier sync left.
            index.catch_up()?;
            // A pass starts as soon as a batch is applied, so the second core works from the
            // start, and takes all that is queued: the batches applied during one pass make
            // the next, so passes grow to `PASS` within a few (indexing is the slower side),
            // and FTS5 merges few segments. (Waiting for 20,000 entries before the first pass
            // left that core idle for the first second of a pull of 100,000.)
            while counts.recv().is_ok() {
                // The pass below covers the batches counted meanwhile too.
                while counts.try_recv().is_ok() {}
                index.catch_up()?;
            }
            // The sync is done pulling: what it applied last is indexed before it ends.
            index.catch_up()?;
            Ok(())
        });
        Self {
            queued: Some(queued),
            task: Some(task),
        }
    }

    /// More entries are queued.
    pub(crate) fn queued(&self) {
        if let Some(queued) = &self.queued {
            // A closed channel means the thread stopped on an error, which `finish` reports.
            let _ = queued.send(());
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
        assert_eq!(
            uri_path("/data/a b%?#/r.sqlite3-search", false),
            "file:/data/a b%25%3F%23/r.sqlite3-search"
        );
        assert_eq!(
            uri_path(r"C:\Users\An\AppData\r.sqlite3-search", true),
            "file:///C:/Users/An/AppData/r.sqlite3-search"
        );
        assert_eq!(
            uri_path(r"\\?\C:\data\r#1.sqlite3-search", true),
            "file:///C:/data/r%231.sqlite3-search"
        );
        assert_eq!(
            uri_path(r"\\server\share\r.sqlite3-search", true),
            "file://server/share/r.sqlite3-search"
        );
        assert_eq!(
            uri_path(r"\\?\UNC\server\share\r.sqlite3-search", true),
            "file://server/share/r.sqlite3-search"
        );
        // Relative paths are made absolute first.
        let uri = read_only_uri(Path::new("r.sqlite3-search")).unwrap();
        assert!(uri.ends_with("/r.sqlite3-search?mode=ro"), "{uri}");
        assert!(!uri.starts_with("file:r."), "{uri}");
    }

    #[test]
    fn index_files_sit_beside_the_replica() {
        assert_eq!(
            index_path(Path::new("/data/replica.sqlite3")),
            Path::new("/data/replica.sqlite3-search")
        );
    }
}
