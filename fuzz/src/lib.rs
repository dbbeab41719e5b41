//! What the fuzz targets share: the real server's router over a SQLite store in a temporary
//! directory, with enrolled devices of several roles, and a device's replica to apply pulled
//! pages to.
//!
//! Each fuzz target builds its harness once (libFuzzer runs every input in one process), so
//! state accumulates across inputs the way it does on a long-running server: a push the
//! fuzzer makes valid is applied and stays, and later inputs meet it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a fuzz harness fails loudly"
)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;
use townhall_core::{Clock as _, Replica, SystemClock as ReplicaClock};
use townhall_domain::wire::EnrolResponse;
use townhall_domain::{Role, UserId};
use townhall_server::auth::EnrolmentCode;
use townhall_server::clock::{Clock, SystemClock};
use townhall_server::config::{DatabaseUrl, Overrides, Settings};
use townhall_server::http::{AppState, router};
use townhall_server::store::sqlite::SqliteStore;
use townhall_server::store::{EnrolmentCode as StoredCode, Store, User};

/// The real router over a fresh SQLite store, and devices enrolled through it.
pub struct Server {
    /// The store, for checking what it holds.
    pub store: Arc<SqliteStore>,
    router: Router,
    runtime: tokio::runtime::Runtime,
    /// Enrolled devices, one per role in [`ROLES`].
    pub devices: Vec<EnrolResponse>,
    _dir: tempfile::TempDir,
}

/// The roles of the harness's devices, in order.
pub const ROLES: [Role; 4] = [Role::Secretariat, Role::Recorder, Role::Leader, Role::Admin];

/// An answer from the router.
pub struct Answer {
    /// Its status.
    pub status: StatusCode,
    /// Its body.
    pub body: Vec<u8>,
}

/// A directory for scratch databases: memory-backed when `/dev/shm` exists, so the store's
/// `synchronous=FULL` commits cost no disk flush and the fuzzer runs many more inputs.
///
/// The harness lives in statics, which are never dropped, so each directory is named after
/// the process and those of processes that have ended are removed here.
fn scratch_dir() -> tempfile::TempDir {
    let shm = PathBuf::from("/dev/shm");
    let base = if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    };
    if let Ok(entries) = std::fs::read_dir(&base) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name
                .strip_prefix("townhall-fuzz-")
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<u32>().ok());
            if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    tempfile::Builder::new()
        .prefix(&format!("townhall-fuzz-{}-", std::process::id()))
        .tempdir_in(&base)
        .expect("a temporary directory")
}

impl Server {
    /// Starts the router over a fresh store and enrols one device per role.
    pub fn start() -> Self {
        let dir = scratch_dir();
        let path = dir.path().join("server.sqlite3");
        let store = Arc::new(SqliteStore::open(&path).expect("a store"));
        let now = SystemClock.now();
        store
            .write(|tx| townhall_server::engine::seed_reference_data(tx, now))
            .expect("reference data");
        let flags = Overrides {
            database: Some(DatabaseUrl::Sqlite(path)),
            ..Overrides::default()
        };
        let mut settings = Settings::resolve(None, &|_| None, flags).expect("settings");
        // Every enrolment input must reach the handler, not the rate limiter.
        settings.enrol_per_minute = u32::MAX;
        settings.enrol_global_per_minute = u32::MAX;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let router = router(AppState::new(Arc::clone(&store), clock, settings));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let mut server = Self {
            store,
            router,
            runtime,
            devices: Vec::new(),
            _dir: dir,
        };
        for (n, role) in ROLES.into_iter().enumerate() {
            let code = server.code(role, n);
            let body = serde_json::json!({"code": code, "device_name": format!("Máy {n}")});
            let answer = server.request("POST", "/v1/enrol", None, body.to_string().into_bytes());
            assert_eq!(answer.status, StatusCode::OK, "enrolment");
            server
                .devices
                .push(serde_json::from_slice(&answer.body).expect("an enrolment answer"));
        }
        server
    }

    /// Creates a user of `role` and issues a code for them.
    pub fn code(&self, role: Role, n: usize) -> String {
        let now = SystemClock.now();
        let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        let user = UserId::generate(millis, rand::random());
        self.store
            .create_user(&User {
                id: user,
                name: format!("Người dùng {n}"),
                role,
                jurisdiction: None,
                agency: None,
            })
            .expect("a user");
        let code = EnrolmentCode::generate(&mut rand::rng());
        self.store
            .add_enrolment_code(&StoredCode {
                code_hash: code.hash(),
                user,
                expires_at: now + chrono::Duration::hours(24),
            })
            .expect("a code");
        code.grouped()
    }

    /// Sends one request through the router and reads the whole answer.
    ///
    /// `None` when `uri` is not a URI the HTTP layer would ever deliver.
    pub fn try_request(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> Option<Answer> {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request.body(Body::from(body)).ok()?;
        let router = self.router.clone();
        Some(self.runtime.block_on(async move {
            let response = router.oneshot(request).await.expect("infallible");
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .expect("a body")
                .to_bytes()
                .to_vec();
            Answer { status, body }
        }))
    }

    /// Like [`Server::try_request`] for a URI known to be valid.
    pub fn request(&self, method: &str, uri: &str, token: Option<&str>, body: Vec<u8>) -> Answer {
        self.try_request(method, uri, token, body)
            .expect("a valid request")
    }
}

/// Checks what the server promises of every answer: never a 5xx (a panic, a store failure
/// or a bug), and an error body `{"code", "message"}` on every error.
pub fn check_answer(what: &str, answer: &Answer) {
    assert!(
        !answer.status.is_server_error(),
        "{what}: {} {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
    if !answer.status.is_success() {
        let body: serde_json::Value = serde_json::from_slice(&answer.body)
            .unwrap_or_else(|e| panic!("{what}: {} with a non-JSON body: {e}", answer.status));
        assert!(
            body.get("code").and_then(|c| c.as_str()).is_some()
                && body.get("message").and_then(|m| m.as_str()).is_some(),
            "{what}: {} with body {body}",
            answer.status
        );
    }
}

/// A device's replica, enrolled as if by a server that answered `enrolment`.
pub struct Device {
    /// The replica.
    pub replica: Mutex<Replica>,
    _dir: tempfile::TempDir,
}

impl Device {
    /// Opens a fresh replica and records an enrolment with role `role`.
    pub fn enrolled(role: Role) -> Self {
        let dir = scratch_dir();
        let clock: Arc<dyn townhall_core::Clock> = Arc::new(ReplicaClock);
        let mut replica =
            Replica::open(&dir.path().join("replica.sqlite3"), clock).expect("a replica");
        let millis = u64::try_from(ReplicaClock.now().timestamp_millis()).unwrap_or(0);
        let enrolment: EnrolResponse = serde_json::from_value(serde_json::json!({
            "device": townhall_domain::DeviceId::generate(millis, [7; 10]),
            "letter": "B",
            "token": "0".repeat(64),
            "user": UserId::generate(millis, [8; 10]),
            "user_name": "Nguyễn Thị Lan",
            "role": role,
            "jurisdiction": null,
            "agency": null,
            "epoch": "e0",
        }))
        .expect("an enrolment");
        replica
            .enrol_with("http://127.0.0.1:9", &enrolment)
            .expect("enrolled");
        Self {
            replica: Mutex::new(replica),
            _dir: dir,
        }
    }
}
