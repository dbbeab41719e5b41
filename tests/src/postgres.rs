//! A throwaway PostgreSQL server for tests: a fresh cluster in a temporary directory, listening
//! on a free loopback port, with one empty database per test.
//!
//! The server programs come from Debian's `postgresql` package, which `cargo xtask test`
//! installs. When they are missing, [`PostgresServer::start`] fails and says so: a PostgreSQL
//! test that silently skipped would pass on every machine that cannot run it.
//!
//! PostgreSQL refuses to run as root. Under root (CI containers) the cluster belongs to the
//! `postgres` user the package creates, and `initdb` and `pg_ctl` run through `runuser`.
//!
//! The server is stopped when the [`PostgresServer`] is dropped. A server kept in a `static`
//! is never dropped, and a test process can die without unwinding, so each server also has a
//! watchdog: a small shell loop that stops it and removes its directory once the process that
//! started it is gone.
//!
//! The client here is the blocking `postgres` crate: call [`PostgresServer::create_database`]
//! from a plain thread, not from inside a tokio runtime.

use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use std::{env, fs};

use anyhow::{Context, Result, bail};
use postgres::{Client, NoTls};
use tempfile::TempDir;

/// Where Debian's `postgresql` package puts each major version's server programs.
const DEBIAN_PREFIX: &str = "/usr/lib/postgresql";

/// Names a directory holding `initdb` and `pg_ctl`, for machines that keep them elsewhere.
pub const BIN_DIR_VARIABLE: &str = "TOWNHALL_PG_BIN";

/// How many free ports to try: another process may take the one picked before the server
/// binds it.
const START_ATTEMPTS: usize = 5;

/// A running PostgreSQL server, stopped on drop.
#[derive(Debug)]
pub struct PostgresServer {
    /// The directory holding the cluster (`data/`), its log and its Unix socket. `None` once
    /// handed over to the watchdog.
    dir: Option<TempDir>,
    /// The directory of `initdb` and `pg_ctl`.
    bin: PathBuf,
    /// The loopback port it listens on.
    port: u16,
    /// Whether the server programs run as the `postgres` user (because this process is root).
    as_postgres: bool,
    /// Stops the server if this process dies without dropping it.
    watchdog: Option<Child>,
}

impl PostgresServer {
    /// Makes a new cluster and starts it, waiting until it accepts connections.
    pub fn start() -> Result<Self> {
        let bin = server_programs()?;
        let as_postgres = running_as_root();
        let dir = tempfile::Builder::new()
            .prefix("townhall-pg-")
            .tempdir()
            .context("cannot make a directory for the test PostgreSQL")?;
        if as_postgres {
            let (uid, gid) = postgres_user()?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).with_context(|| {
                format!("cannot hand {} to the postgres user", dir.path().display())
            })?;
        }
        let mut server = Self {
            dir: Some(dir),
            bin,
            port: 0,
            as_postgres,
            watchdog: None,
        };
        server.init()?;
        server.watchdog = Some(server.spawn_watchdog()?);
        server.listen()?;
        server.wait_until_ready()?;
        Ok(server)
    }

    /// One server for the whole test process, started on first use.
    ///
    /// It lives in a `static`, so it is never dropped: its watchdog stops it when the process
    /// exits. Each test should still take a database of its own.
    pub fn shared() -> Result<&'static Self> {
        static SHARED: OnceLock<Result<PostgresServer, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Self::start().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The port the server listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connection URL of `database`, as the `postgres` superuser (no password: the test
    /// cluster trusts every local connection).
    pub fn url(&self, database: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates an empty database with a fresh name and returns its URL.
    pub fn create_database(&self) -> Result<String> {
        let name = format!(
            "t_{:016x}",
            townhall_core::Randomness::next_u64(&townhall_core::SystemRandom)
        );
        let mut client = Client::connect(&self.url("postgres"), NoTls).with_context(|| {
            format!(
                "cannot connect to the test PostgreSQL on port {}",
                self.port
            )
        })?;
        // The name is ours (hex digits), so formatting it into the statement is safe.
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .with_context(|| format!("cannot create database {name}"))?;
        Ok(self.url(&name))
    }

    /// The server's log so far, for a failing test to show.
    pub fn log(&self) -> String {
        fs::read_to_string(self.path().join("server.log")).unwrap_or_default()
    }

    fn path(&self) -> &Path {
        // Only `Drop` takes the directory away.
        self.dir.as_ref().map_or(Path::new(""), TempDir::path)
    }

    fn data(&self) -> PathBuf {
        self.path().join("data")
    }

    /// Runs `initdb`: trust authentication for the `postgres` superuser, UTF-8, C collation.
    fn init(&self) -> Result<()> {
        let output = self
            .program("initdb")
            .arg("-D")
            .arg(self.data())
            .args(["-A", "trust", "-U", "postgres", "--encoding=UTF8", "--no-locale"])
            // A test cluster need not survive a power cut: skip the fsyncs.
            .arg("--no-sync")
            .output()
            .context("cannot run initdb")?;
        check(&output, "initdb")
    }

    /// Starts the server on a free loopback port, trying another port if the one picked was
    /// taken meanwhile.
    fn listen(&mut self) -> Result<()> {
        let mut failure = String::new();
        for _ in 0..START_ATTEMPTS {
            self.port = free_port()?;
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k {socket} \
                 -c fsync=off -c full_page_writes=off -c max_connections=200",
                port = self.port,
                socket = self.path().display(),
            );
            let output = self
                .program("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .arg("-l")
                .arg(self.path().join("server.log"))
                .args(["-w", "-t", "60", "-o", &options, "start"])
                .output()
                .context("cannot run pg_ctl")?;
            if output.status.success() {
                return Ok(());
            }
            failure = format!("{}\n{}", describe(&output), self.log());
            if !failure.contains("could not bind") && !failure.contains("already in use") {
                break;
            }
        }
        bail!("the test PostgreSQL did not start:\n{failure}")
    }

    /// Waits until a client can connect and run a query.
    fn wait_until_ready(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match Client::connect(&self.url("postgres"), NoTls)
                .and_then(|mut c| c.batch_execute("SELECT 1"))
            {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() > deadline => {
                    bail!(
                        "the test PostgreSQL does not accept connections: {e}\n{}",
                        self.log()
                    )
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Starts the shell loop that stops the server once this process is gone.
    fn spawn_watchdog(&self) -> Result<Child> {
        let script = format!(
            r#"while kill -0 {parent} 2>/dev/null; do sleep 0.5; done
pm=$(head -n 1 '{data}/postmaster.pid' 2>/dev/null)
if [ -n "$pm" ] && kill -INT "$pm" 2>/dev/null; then
  i=0
  while kill -0 "$pm" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  kill -0 "$pm" 2>/dev/null && kill -KILL "$pm"
fi
rm -rf '{dir}'"#,
            parent = std::process::id(),
            data = self.data().display(),
            dir = self.path().display(),
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so a Ctrl-C aimed at the tests does not stop it first.
            .process_group(0)
            .spawn()
            .context("cannot start the test PostgreSQL's watchdog")
    }

    /// A server program, run as the `postgres` user when this process is root.
    fn program(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        let stopped = self
            .program("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-w", "-t", "60", "stop", "-m", "fast"])
            .output()
            .is_ok_and(|output| output.status.success());
        // Without a watchdog the server was never started: there is nothing to stop.
        if stopped || self.watchdog.is_none() {
            if let Some(mut watchdog) = self.watchdog.take() {
                // Ours, by its handle: nothing is left for it to do.
                let _ = watchdog.kill();
                let _ = watchdog.wait();
            }
        } else if let Some(dir) = self.dir.take() {
            // The server may still run: leave it and its directory to the watchdog, which
            // stops it when this process exits.
            let _ = dir.keep();
        }
    }
}

/// The directory holding `initdb` and `pg_ctl`: `$TOWNHALL_PG_BIN`, else the newest
/// `/usr/lib/postgresql/<major>/bin`.
fn server_programs() -> Result<PathBuf> {
    let chosen = env::var_os(BIN_DIR_VARIABLE).map(PathBuf::from);
    server_programs_in(Path::new(DEBIAN_PREFIX), chosen)
}

/// [`server_programs`], with Debian's prefix and the variable's value passed in.
fn server_programs_in(prefix: &Path, chosen: Option<PathBuf>) -> Result<PathBuf> {
    let has_programs = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = chosen {
        if has_programs(&dir) {
            return Ok(dir);
        }
        bail!(
            "{BIN_DIR_VARIABLE}={} holds no initdb and pg_ctl",
            dir.display()
        );
    }
    let newest = fs::read_dir(prefix)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            has_programs(&bin).then_some((major, bin))
        })
        .max_by_key(|(major, _)| *major);
    match newest {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "PostgreSQL's server programs (initdb, pg_ctl) are not installed: none found in \
             {}/<version>/bin. Run `cargo xtask test`, which installs them (Debian's \
             `postgresql` package), or set {BIN_DIR_VARIABLE} to the directory that holds them.",
            prefix.display()
        ),
    }
}

/// Whether this process runs as root, read from `/proc/self/status` (the effective user id).
fn running_as_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .is_some_and(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1))
                == Some("0")
        })
}

/// The `postgres` user's uid and gid, from `/etc/passwd`.
fn postgres_user() -> Result<(u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").context("cannot read /etc/passwd")?;
    let ids = passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.as_slice() {
            ["postgres", _, uid, gid, ..] => Some((uid.parse().ok()?, gid.parse().ok()?)),
            _ => None,
        }
    });
    ids.context(
        "running as root, but there is no `postgres` user to run PostgreSQL as \
         (the `postgresql` package creates it; run `cargo xtask test`)",
    )
}

/// A port nobody listens on right now: the system picks it for a listener that is then closed.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .context("cannot pick a free port on 127.0.0.1")?;
    Ok(listener.local_addr()?.port())
}

fn check(output: &Output, what: &str) -> Result<()> {
    if output.status.success() {
        Ok(())
    } else {
        bail!("{what} failed: {}", describe(output))
    }
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Makes `<prefix>/<major>/bin` with the named programs in it.
    fn install(prefix: &Path, major: &str, programs: &[&str]) -> PathBuf {
        let bin = prefix.join(major).join("bin");
        fs::create_dir_all(&bin).unwrap();
        for program in programs {
            fs::write(bin.join(program), "").unwrap();
        }
        bin
    }

    #[test]
    fn missing_programs_say_how_to_install_them() {
        let prefix = tempfile::tempdir().unwrap();
        for path in [prefix.path().to_owned(), prefix.path().join("absent")] {
            let err = server_programs_in(&path, None).unwrap_err().to_string();
            assert!(
                err.contains("not installed") && err.contains("cargo xtask test"),
                "{err}"
            );
        }
        // A version without both programs (only the client package, say) does not count.
        install(prefix.path(), "15", &["pg_ctl"]);
        assert!(server_programs_in(prefix.path(), None).is_err());
    }

    #[test]
    fn the_newest_version_is_used_unless_one_is_chosen() {
        let prefix = tempfile::tempdir().unwrap();
        let old = install(prefix.path(), "9", &["initdb", "pg_ctl"]);
        let new = install(prefix.path(), "15", &["initdb", "pg_ctl"]);
        install(prefix.path(), "17", &["pg_ctl"]);
        fs::create_dir_all(prefix.path().join("common")).unwrap();
        assert_eq!(server_programs_in(prefix.path(), None).unwrap(), new);
        assert_eq!(
            server_programs_in(prefix.path(), Some(old.clone())).unwrap(),
            old
        );
        let err = server_programs_in(prefix.path(), Some(prefix.path().to_owned())).unwrap_err();
        assert!(err.to_string().contains(BIN_DIR_VARIABLE), "{err}");
    }
}
