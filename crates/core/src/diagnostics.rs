//! What a device can tell support when something went wrong in the field: a log file of its
//! own, kept small, and a plain-text report gathered on request.
//!
//! The log records what the replica and its sync did (sync attempts and their outcomes,
//! migrations, search-index rebuilds, changes the server refused), never what people typed:
//! no citizen details, no question text, no tokens. Events carry codes, counts and record ids;
//! a sync error's message is logged as the badge shows it, and those messages come from the
//! network and the server's protocol, not from records.
//!
//! The file rotates by size ([`LOG_FILE_BYTES`], [`LOG_FILES`] kept), so a tablet that syncs
//! every minute for a year holds a few megabytes of log at most.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;

use crate::error::Result;
use crate::replica::Replica;

/// The current log file's name in the log folder; older ones end in `.1`, `.2`, ….
pub const LOG_FILE: &str = "townhall.log";
/// How large the current file grows before it is rotated.
pub const LOG_FILE_BYTES: u64 = 1024 * 1024;
/// How many files are kept, the current one included.
pub const LOG_FILES: usize = 4;
/// How many of the newest log lines a diagnostics report carries.
pub const REPORT_LOG_LINES: usize = 200;

/// A log file that rotates by size: the writer behind the app's `tracing` subscriber.
///
/// Cloning shares the file. A write that fails (a full disk) is dropped: logging never stops
/// the app.
#[derive(Clone)]
pub struct LogFile {
    inner: Arc<Mutex<Rotating>>,
}

struct Rotating {
    dir: PathBuf,
    file: Option<File>,
    written: u64,
}

impl LogFile {
    /// Opens (creating the folder if needed) the log in `dir`, appending to today's file.
    pub fn open(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let path = dir.join(LOG_FILE);
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let written = file.metadata()?.len();
        Ok(Self {
            inner: Arc::new(Mutex::new(Rotating {
                dir: dir.to_path_buf(),
                file: Some(file),
                written,
            })),
        })
    }

    /// Installs this file as the process's `tracing` subscriber, at `info` and above (or the
    /// filter in `TOWNHALL_LOG`, e.g. `townhall_core=debug`). Returns `false` when a
    /// subscriber was already installed (a test harness, a second window): that one is kept.
    pub fn install(&self) -> bool {
        tracing::subscriber::set_global_default(self.subscriber()).is_ok()
    }

    /// A subscriber that writes to this file, for [`Self::install`] or for a scope of its own
    /// (`tracing::subscriber::with_default`, in tests).
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let filter = tracing_subscriber::EnvFilter::try_from_env("TOWNHALL_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(self.clone())
            .with_ansi(false)
            .with_target(true)
            .finish()
    }
}

impl Rotating {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        if self.written + buf.len() as u64 > LOG_FILE_BYTES && self.written > 0 {
            self.rotate()?;
        }
        if self.file.is_none() {
            let path = self.dir.join(LOG_FILE);
            self.file = Some(OpenOptions::new().create(true).append(true).open(path)?);
            self.written = 0;
        }
        if let Some(file) = &mut self.file {
            file.write_all(buf)?;
            self.written += buf.len() as u64;
        }
        Ok(())
    }

    /// `townhall.log` becomes `.1`, `.1` becomes `.2`, …; the oldest is dropped.
    fn rotate(&mut self) -> io::Result<()> {
        self.file = None;
        let name = |n: usize| {
            if n == 0 {
                self.dir.join(LOG_FILE)
            } else {
                self.dir.join(format!("{LOG_FILE}.{n}"))
            }
        };
        let _ = fs::remove_file(name(LOG_FILES - 1));
        for n in (0..LOG_FILES - 1).rev() {
            let from = name(n);
            if from.exists() {
                fs::rename(&from, name(n + 1))?;
            }
        }
        Ok(())
    }
}

/// One formatted event's bytes, written to the file when dropped.
#[doc(hidden)]
pub struct LogLine {
    file: LogFile,
    buf: Vec<u8>,
}

impl Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        if let Ok(mut rotating) = self.file.inner.lock() {
            let _ = rotating.write(&self.buf);
        }
    }
}

impl<'a> MakeWriter<'a> for LogFile {
    type Writer = LogLine;

    fn make_writer(&'a self) -> Self::Writer {
        LogLine {
            file: self.clone(),
            buf: Vec::with_capacity(256),
        }
    }
}

/// The newest `max` lines of the log in `dir`, oldest first, across rotated files.
pub fn log_tail(dir: &Path, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    // Newest file first; each file's lines are prepended until `max` are held.
    for n in 0..LOG_FILES {
        let path = if n == 0 {
            dir.join(LOG_FILE)
        } else {
            dir.join(format!("{LOG_FILE}.{n}"))
        };
        let Ok(file) = File::open(&path) else {
            continue;
        };
        let mut these: Vec<String> = BufReader::new(file)
            .split(b'\n')
            .map_while(io::Result::ok)
            .map(|line| String::from_utf8_lossy(&line).into_owned())
            .collect();
        let room = max - lines.len();
        if these.len() > room {
            these.drain(..these.len() - room);
        }
        these.append(&mut lines);
        lines = these;
        if lines.len() >= max {
            break;
        }
    }
    lines
}

/// What the app adds to a report that the replica cannot know.
#[derive(Clone, Debug, Default)]
pub struct AppFacts {
    /// The app's version.
    pub app_version: String,
    /// The folder of the log file, if the app writes one.
    pub log_dir: Option<PathBuf>,
}

/// A plain-text report for support: versions, the device, where its sync stands, the changes
/// the server refused (codes only), and the newest log lines. It holds no citizen details,
/// question text or token, so it can be pasted into a message.
pub fn report(replica: &Replica, app: &AppFacts) -> Result<String> {
    use std::fmt::Write as _;

    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line("Townhall — thông tin hỗ trợ / diagnostics".to_owned());
    line(format!("app: {}", app.app_version));
    line(format!("core: {}", env!("CARGO_PKG_VERSION")));
    line(format!("schema: {}", crate::db::SCHEMA_VERSION));
    line(format!(
        "system: {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    ));
    line(format!("now: {}", replica.clock().now().to_rfc3339()));
    match replica.identity()? {
        Some(identity) => line(format!(
            "device: {} letter {} role {} jurisdiction {} agency {}",
            identity.device,
            identity.letter.as_str(),
            identity.role.as_str(),
            identity
                .jurisdiction
                .map_or_else(|| "-".to_owned(), |j| j.to_string()),
            identity
                .agency
                .map_or_else(|| "-".to_owned(), |a| a.to_string()),
        )),
        None => line("device: not enrolled".to_owned()),
    }
    if let Some(config) = replica.sync_config()? {
        line(format!("server: {}", server_origin(&config.server_url)));
        line(format!(
            "sync: epoch {} cursor {} pushed {}",
            config.epoch, config.cursor, config.pushed_seq
        ));
    }
    let status = replica.sync_status()?;
    line(format!(
        "status: unsent {} refused {} last success {} last error {}",
        status.unsent,
        status.rejected,
        status
            .last_success_at
            .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339()),
        match (&status.last_error_code, &status.last_error) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.clone(),
            _ => "none".to_owned(),
        }
    ));
    for refused in replica.rejected_mutations()? {
        line(format!(
            "refused: seq {} {} mutation {} code {}",
            refused.seq,
            change_kind(&refused.mutation.change),
            refused.mutation.id,
            refused.code,
        ));
    }
    if let Some(dir) = &app.log_dir {
        let tail = log_tail(dir, REPORT_LOG_LINES);
        let _ = writeln!(out, "--- log ({} lines, {}) ---", tail.len(), dir.display());
        for text in tail {
            out.push_str(&text);
            out.push('\n');
        }
    }
    Ok(out)
}

/// A change's kind as the protocol names it (`capture_question`), without its fields.
pub fn change_kind(change: &townhall_domain::mutation::Change) -> String {
    serde_json::to_value(change)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The scheme, host and port of a server address: no path, user or query, which could carry
/// a secret.
fn server_origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if scheme.is_empty() {
        host.to_owned()
    } else {
        format!("{scheme}://{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_rotates_by_size_and_keeps_a_bounded_number_of_files() {
        let dir = tempfile::tempdir().unwrap();
        let log = LogFile::open(dir.path()).unwrap();
        let line = format!("{}\n", "x".repeat(999));
        // Ten files' worth: only LOG_FILES remain, each within the size.
        for n in 0..(LOG_FILE_BYTES as usize / 1000) * 10 {
            let mut w = log.make_writer();
            w.write_all(format!("{n:08} ").as_bytes()).unwrap();
            w.write_all(line.as_bytes()).unwrap();
        }
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "townhall.log",
                "townhall.log.1",
                "townhall.log.2",
                "townhall.log.3"
            ]
        );
        for name in &names {
            let size = fs::metadata(dir.path().join(name)).unwrap().len();
            assert!(size <= LOG_FILE_BYTES, "{name} is {size} bytes");
        }
        // The tail reads across files, newest last, and stops at `max`.
        let tail = log_tail(dir.path(), 3_000);
        assert_eq!(tail.len(), 3_000);
        let numbers: Vec<u64> = tail.iter().map(|l| l[..8].parse().unwrap()).collect();
        assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "in order");
        let last = (LOG_FILE_BYTES / 1000) * 10 - 1;
        assert_eq!(*numbers.last().unwrap(), last);
    }

    #[test]
    fn the_tail_of_a_missing_log_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(log_tail(&dir.path().join("none"), 10).is_empty());
    }

    #[test]
    fn a_server_address_keeps_only_its_origin() {
        for (url, origin) in [
            (
                "https://sync.lamdong.gov.vn/v1?token=abc",
                "https://sync.lamdong.gov.vn",
            ),
            ("http://user:secret@10.0.0.5:8080/x", "http://10.0.0.5:8080"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("host.example", "host.example"),
        ] {
            assert_eq!(server_origin(url), origin, "{url}");
        }
    }
}
