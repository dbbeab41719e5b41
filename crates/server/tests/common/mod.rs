//! The test harness shared by `tests/http.rs` and `tests/security.rs`: a server over a fresh
//! SQLite file with a clock the test moves, enrolled devices, and request helpers.

#![allow(
    dead_code,
    reason = "each test file uses only some of the shared helpers"
)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use http_body_util::BodyExt;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::de::DeserializeOwned;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::wire::{EnrolResponse, ErrorBody, PushItem};
use townhall_domain::{
    Citizen, DeviceId, DeviceLetter, DialogueId, DisplayNumber, Hlc, LocalityId, MutationId,
    QuestionId, QuestionKind, QuestionSource, QuestionText, Role, UserId,
};
use townhall_server::auth::EnrolmentCode;
use townhall_server::config::{DatabaseUrl, Settings};
use townhall_server::http::{self, AppState};
use townhall_server::store::sqlite::SqliteStore;
use townhall_server::store::{self, Store, User};

/// A server over a fresh SQLite file, with a clock the test moves.
pub(crate) struct Harness {
    pub(crate) router: Router,
    pub(crate) store: Arc<SqliteStore>,
    pub(crate) millis: Arc<AtomicI64>,
    pub(crate) rng: Mutex<StdRng>,
    pub(crate) dir: TempDir,
}

/// A response, read whole.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// An enrolled device, and the mutations it pushes next.
pub(crate) struct Device {
    pub(crate) token: String,
    pub(crate) id: DeviceId,
    pub(crate) letter: DeviceLetter,
    pub(crate) seq: u64,
}

pub(crate) fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
}

pub(crate) fn settings(dir: &Path) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: DatabaseUrl::Sqlite(dir.join("server.sqlite3")),
        push_body_limit: 8 * 1024 * 1024,
        enrol_body_limit: 16 * 1024,
        enrol_per_minute: 10,
        enrol_global_per_minute: 1_000,
        request_timeout: Duration::from_secs(30),
        header_read_timeout: Duration::from_secs(10),
        tls: None,
        page_cache_bytes: 64 * 1024 * 1024,
    }
}

impl Harness {
    pub(crate) fn new() -> Self {
        Self::with(|_| {})
    }

    pub(crate) fn with(tweak: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = settings(dir.path());
        tweak(&mut settings);
        let store = Arc::new(SqliteStore::open(&dir.path().join("server.sqlite3")).unwrap());
        let millis = Arc::new(AtomicI64::new(start().timestamp_millis()));
        let clock = {
            let millis = Arc::clone(&millis);
            move || DateTime::from_timestamp_millis(millis.load(Ordering::SeqCst)).unwrap()
        };
        let state = AppState::new(Arc::clone(&store), Arc::new(clock), settings);
        Self {
            router: http::router(state),
            store,
            millis,
            rng: Mutex::new(StdRng::seed_from_u64(42)),
            dir,
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.millis.load(Ordering::SeqCst)).unwrap()
    }

    pub(crate) fn advance(&self, by: TimeDelta) {
        self.millis
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// Creates a user and issues a code for them, as `townhall-server code issue` does.
    pub(crate) fn issue_code(
        &self,
        role: Role,
        jurisdiction: Option<LocalityId>,
        valid_for: TimeDelta,
    ) -> String {
        let mut rng = self.rng.lock().unwrap();
        let user = UserId::generate(1, rand::Rng::random(&mut *rng));
        self.store
            .create_user(&User {
                id: user,
                name: format!("Nguyễn Văn {role}"),
                role,
                jurisdiction,
                agency: None,
            })
            .unwrap();
        let code = EnrolmentCode::generate(&mut *rng);
        let expires_at = self.now() + valid_for;
        self.store
            .add_enrolment_code(&store::EnrolmentCode {
                code_hash: code.hash(),
                user,
                expires_at,
            })
            .unwrap();
        code.grouped()
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn enrol_with(&self, code: &str, device_name: &str) -> Device {
        let enrolled: EnrolResponse = self
            .send(enrol_request(code, device_name))
            .await
            .json(StatusCode::OK);
        Device {
            token: enrolled.token,
            id: enrolled.device,
            letter: enrolled.letter,
            seq: 0,
        }
    }

    pub(crate) async fn enrol(&self, role: Role, jurisdiction: Option<LocalityId>) -> Device {
        let code = self.issue_code(role, jurisdiction, TimeDelta::hours(24));
        self.enrol_with(&code, "Máy tính bảng 1").await
    }

    pub(crate) async fn push(&self, device: &Device, items: &[PushItem]) -> Reply {
        let body = serde_json::json!({ "mutations": items }).to_string();
        self.send(request(Method::POST, "/v1/push", Some(&device.token), body))
            .await
    }
}

impl Reply {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as `T`, after checking the status.
    pub(crate) fn json<T: DeserializeOwned>(&self, status: StatusCode) -> T {
        assert_eq!(self.status, status, "{}", self.text());
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    /// Checks an error answer: its status, its code, and that it is an `ErrorBody`.
    pub(crate) fn error(&self, status: StatusCode, code: &str) -> ErrorBody {
        let body: ErrorBody = self.json(status);
        assert_eq!(body.code, code, "{}", body.message);
        assert!(!body.message.is_empty());
        assert_eq!(self.headers[header::CONTENT_TYPE], "application/json");
        body
    }
}

impl Device {
    /// The device's next mutation, with its next sequence number.
    pub(crate) fn item(&mut self, change: Change) -> PushItem {
        self.seq += 1;
        PushItem {
            seq: self.seq,
            mutation: self.mutation(self.seq, change),
        }
    }

    /// The device's `n`th mutation; its letter is in the id, so two devices' `n`th mutations
    /// differ.
    pub(crate) fn mutation(&self, n: u64, change: Change) -> Mutation {
        let millis = u64::try_from(start().timestamp_millis()).unwrap() + n;
        let mut random = [0u8; 10];
        random[..8].copy_from_slice(&n.to_be_bytes());
        random[8] = self.letter.as_str().as_bytes()[0];
        Mutation {
            id: MutationId::generate(millis, random),
            device: self.id,
            hlc: Hlc::new(millis, 0),
            change,
        }
    }

    pub(crate) fn capture(
        &self,
        id: QuestionId,
        dialogue: DialogueId,
        counter: u32,
        content: &str,
    ) -> Change {
        Change::CaptureQuestion {
            id,
            dialogue,
            number: DisplayNumber {
                letter: self.letter.clone(),
                counter,
            },
            text: QuestionText {
                kind: QuestionKind::Petition,
                source: QuestionSource::InHall,
                topic: None,
                content: content.to_owned(),
            },
            citizen: Citizen::Anonymous,
            captured_at: start(),
        }
    }
}

pub(crate) fn request(
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(body.into()).unwrap()
}

pub(crate) fn enrol_request(code: &str, device_name: &str) -> Request<Body> {
    let body = serde_json::json!({ "code": code, "device_name": device_name });
    request(Method::POST, "/v1/enrol", None, body.to_string())
}

/// A UUIDv7 made from `n`, so tests name their records.
pub(crate) fn id(n: u16) -> uuid::Uuid {
    let mut random = [0u8; 10];
    random[..2].copy_from_slice(&n.to_be_bytes());
    townhall_domain::ids::uuid_v7(1_772_352_000_000, random)
}

/// `request` as if it came from the client at `address`.
pub(crate) fn from(address: &str, mut request: Request<Body>) -> Request<Body> {
    request
        .extensions_mut()
        .insert(ConnectInfo(address.parse::<SocketAddr>().unwrap()));
    request
}

/// Sends `request` over a new TCP connection and reads the answer until the server closes it.
pub(crate) async fn raw_request(address: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    reply
}

/// A `tracing` writer into a shared buffer.
pub(crate) struct LogBuffer(pub(crate) Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The real `townhall-server` binary.
pub(crate) const SERVER: &str = env!("CARGO_BIN_EXE_townhall-server");

/// Runs the server binary's admin command `args` on `database` and returns its stdout; the
/// test fails if the command does.
pub(crate) fn admin(database: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(SERVER)
        .args(args)
        .args(["--database", database])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A subscriber that logs everything, at TRACE, into the returned buffer.
pub(crate) fn trace_into_buffer() -> (Arc<Mutex<Vec<u8>>>, impl tracing::Subscriber + Send + Sync) {
    let logs = Arc::new(Mutex::new(Vec::<u8>::new()));
    let writer = {
        let logs = Arc::clone(&logs);
        move || LogBuffer(Arc::clone(&logs))
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(writer)
        .finish();
    (logs, subscriber)
}
