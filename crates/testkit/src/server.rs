//! The real Townhall server on 127.0.0.1 with a temporary SQLite file, for end-to-end tests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use townhall_domain::{AgencyId, LocalityId, Role, UserId};
use townhall_server::auth::EnrolmentCode;
use townhall_server::clock::{Clock, SystemClock, SystemRandom};
use townhall_server::config::{DatabaseUrl, Settings};
use townhall_server::http::{AppState, router, serve};
use townhall_server::store::sqlite::SqliteStore;
use townhall_server::store::{EnrolmentCode as StoredCode, Store, User};

/// A running server; stopped when dropped.
pub struct TestServer {
    /// Its base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Its address.
    pub addr: SocketAddr,
    /// Its store, for setting up users and checking what it holds.
    pub store: Arc<SqliteStore>,
    /// The database file.
    pub path: PathBuf,
    state: AppState<SqliteStore>,
    runtime: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// Starts a server on a free loopback port with a fresh database.
    pub fn start() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("server.sqlite3");
        let mut server = Self::start_on(&path, "127.0.0.1:0".parse()?)?;
        server._dir = Some(dir);
        Ok(server)
    }

    /// Starts a server on `addr` over the database at `path` (kept by the caller).
    pub fn start_on(path: &std::path::Path, addr: SocketAddr) -> Result<Self> {
        let store = Arc::new(SqliteStore::open(path).context("opening the server database")?);
        store.write(|tx| townhall_server::engine::seed_reference_data(tx, SystemClock.now()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(addr))?;
        let addr = listener.local_addr()?;
        let settings = settings(path, addr);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let state = AppState::new(Arc::clone(&store), clock, settings);
        let app = router(state.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        runtime.spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            let _ = serve(listener, app, shutdown).await;
        });
        Ok(Self {
            url: format!("http://{addr}"),
            addr,
            store,
            path: path.to_owned(),
            state,
            runtime: Some(runtime),
            stop: Some(stop),
            _dir: None,
        })
    }

    /// Stops the server, finishing requests in flight.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }

    /// Full pull pages the server keeps now, and the bytes they count for.
    pub fn page_cache_usage(&self) -> (usize, usize) {
        self.state.page_cache_usage()
    }

    /// Creates a user and returns their id.
    pub fn user(
        &self,
        name: &str,
        role: Role,
        jurisdiction: Option<LocalityId>,
        agency: Option<AgencyId>,
    ) -> Result<UserId> {
        let id = UserId::generate(unix_millis(SystemClock.now()), SystemRandom.id_bits());
        self.store.create_user(&User {
            id,
            name: name.to_owned(),
            role,
            jurisdiction,
            agency,
        })?;
        Ok(id)
    }

    /// Issues an enrolment code for `user`, valid for a day.
    pub fn code(&self, user: UserId) -> Result<String> {
        self.code_expiring(user, SystemClock.now() + chrono::Duration::hours(24))
    }

    /// Issues an enrolment code for `user` that expires at `expires_at` (in the past for a
    /// code that has expired).
    pub fn code_expiring(&self, user: UserId, expires_at: DateTime<Utc>) -> Result<String> {
        let code = EnrolmentCode::generate(&mut SystemRandom.rng());
        self.store.add_enrolment_code(&StoredCode {
            code_hash: code.hash(),
            user,
            expires_at,
        })?;
        Ok(code.grouped())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn unix_millis(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp_millis()).unwrap_or(0)
}

/// Settings for a test server: generous limits so tests measure behaviour, not rate limits.
fn settings(path: &std::path::Path, listen: SocketAddr) -> Settings {
    Settings {
        listen,
        database: DatabaseUrl::Sqlite(path.to_owned()),
        push_body_limit: 8 * 1024 * 1024,
        enrol_body_limit: 16 * 1024,
        enrol_per_minute: 1_000,
        enrol_global_per_minute: 10_000,
        request_timeout: Duration::from_secs(30),
        header_read_timeout: Duration::from_secs(10),
        tls: None,
        page_cache_bytes: 64 * 1024 * 1024,
    }
}
