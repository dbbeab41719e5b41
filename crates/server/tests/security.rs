//! Hostile input and hostile clients: the server's security properties, one test each.
//!
//! - secrets never reach the logs, in process and from the real binary;
//! - secrets are stored and compared only as SHA-256 hashes;
//! - enrolment codes cannot be brute-forced past the rate limit;
//! - path, query and SQL injection change nothing and are stored verbatim;
//! - oversized and deeply nested bodies are refused with an error body, storing nothing;
//! - slow-loris clients are cut off while others are served;
//! - everything an administrator does is refused to the other roles.
//!
//! `tests/http.rs` proves some neighbouring properties already (the auth matrix, gzip bombs,
//! malformed pushes); `docs/RELIABILITY.md` lists which test proves what.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers are not #[test] functions; a failed unwrap fails the test"
)]

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{NaiveDate, TimeDelta};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use townhall_domain::followup::FollowUpPolicy;
use townhall_domain::mutation::Change;
use townhall_domain::permissions::{Action, Scope, authorize};
use townhall_domain::wire::{
    EnrolResponse, LogEntry, PullResponse, PushItem, PushOutcome, PushResponse,
};
use townhall_domain::{
    Agency, AgencyId, AnswerBody, AnswerId, AnswerMode, AssignmentId, AssignmentTerms, Citizen,
    CoordinatingBody, DeviceId, DialogueDetails, DialogueId, DialogueStatus, DialogueTask,
    DialogueTaskId, DisplayNumber, DocumentRef, Level, Locality, LocalityId, MutationId,
    QuestionId, QuestionKind, QuestionSource, QuestionStatus, QuestionText, Role, StatusEventId,
    TaskKind, Topic, TopicId,
};
use townhall_server::auth::EnrolmentCode;
use townhall_server::http;
use townhall_server::store::Store;
use townhall_server::tls::Transport;

use common::{
    Device, Harness, SERVER, admin, enrol_request, from, id, raw_request, request, start,
};

impl Harness {
    /// Pushes `changes` and returns their outcomes, checking the push itself was accepted.
    async fn push_changes(&self, device: &mut Device, changes: Vec<Change>) -> Vec<PushOutcome> {
        let items: Vec<PushItem> = changes.into_iter().map(|c| device.item(c)).collect();
        let pushed: PushResponse = self.push(device, &items).await.json(StatusCode::OK);
        pushed.results.into_iter().map(|r| r.outcome).collect()
    }

    /// Every change in `device`'s scope.
    async fn pull_all(&self, device: &Device) -> Vec<LogEntry> {
        let mut since = 0;
        let mut all = Vec::new();
        loop {
            let reply = self
                .send(request(
                    Method::GET,
                    &format!("/v1/pull?since={since}&limit=1000"),
                    Some(&device.token),
                    "",
                ))
                .await;
            match reply.json(StatusCode::OK) {
                PullResponse::Page {
                    changes,
                    next,
                    more,
                    ..
                } => {
                    all.extend(changes);
                    since = next;
                    if !more {
                        return all;
                    }
                }
                refetch @ PullResponse::Refetch { .. } => panic!("{refetch:?}"),
            }
        }
    }

    /// What a refused request could have changed: the end of the log and every device's
    /// position in it.
    fn stored(&self) -> (u64, Vec<(DeviceId, u64)>) {
        let devices = self.store.devices().unwrap();
        let positions = devices
            .into_iter()
            .map(|d| (d.id, d.last_applied_seq))
            .collect();
        (self.store.server_seq().unwrap(), positions)
    }

    /// The database file passes SQLite's own integrity check and still has its tables.
    fn assert_database_intact(&self, tables: &[String]) {
        let db = rusqlite::Connection::open(self.dir.path().join("server.sqlite3")).unwrap();
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        assert_eq!(table_names(&db), tables);
    }

    fn tables(&self) -> Vec<String> {
        let db = rusqlite::Connection::open(self.dir.path().join("server.sqlite3")).unwrap();
        table_names(&db)
    }
}

fn table_names(db: &rusqlite::Connection) -> Vec<String> {
    let mut statement = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn province(n: u16, name: &str) -> Locality {
    Locality {
        id: LocalityId::from_uuid(id(n)),
        name: name.to_owned(),
        level: Level::Province,
        parent: None,
    }
}

fn dialogue_details(locality: LocalityId, text: &str) -> DialogueDetails {
    DialogueDetails {
        title: format!("Đối thoại {text}"),
        level: Level::Province,
        locality,
        audience: text.to_owned(),
        venue: text.to_owned(),
        starts_at: start(),
        hosts: text.to_owned(),
        coordinating_bodies: text.to_owned(),
        plan_issued_on: None,
        attendee_count: Some(300),
    }
}

/// Strings an attacker types into text fields: SQL for both backends, markup, format strings,
/// JSON and path fragments. Each must come back exactly as sent.
const HOSTILE: &[&str] = &[
    "Robert'); DROP TABLE changes;--",
    "' OR '1'='1' --",
    "1; DELETE FROM devices WHERE '1'='1",
    "x'; UPDATE devices SET revoked_at = NULL; --",
    "$$; DROP TABLE users; $$",
    "\\'; SELECT pg_sleep(10); --",
    "<script>alert('đất')</script>",
    "%s %n %x {0} ${7*7} {{7*7}}",
    "../../etc/passwd %2e%2e/",
    "{\"kind\":\"drop_table\"} ]]] }}}",
];

/// Secrets in any of the forms they could be logged in.
fn secret_forms(token: &str, code: &str) -> Vec<String> {
    let normalised = code.replace('-', "");
    vec![
        token.to_owned(),
        hex::encode(Sha256::digest(token.as_bytes())),
        code.to_owned(),
        code.to_lowercase(),
        normalised.clone(),
        normalised.to_lowercase(),
    ]
}

/// Enrolment, push, pull, a used code, a wrong code, a rate-limited attempt and a revoked
/// token, all traced at TRACE level into a buffer: neither a token nor a code appears.
#[test]
fn secrets_never_reach_the_logs_in_process() {
    let (logs, subscriber) = common::trace_into_buffer();
    // For every thread, the store's blocking threads included; this is the only test in this
    // file that sets a global subscriber.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Harness::with(|s| s.enrol_per_minute = 3);
        let code = server.issue_code(Role::Secretariat, None, TimeDelta::hours(24));
        let mut device = server.enrol_with(&code, "Máy tính bảng 1").await;
        let outcomes = server
            .push_changes(
                &mut device,
                vec![Change::UpsertLocality(province(1, "Tỉnh Bình Thuận"))],
            )
            .await;
        assert!(matches!(outcomes[0], PushOutcome::Applied { .. }));
        assert_eq!(server.pull_all(&device).await.len(), 1);
        server
            .send(enrol_request(&code, "again"))
            .await
            .error(StatusCode::GONE, "code_used");
        let unknown = EnrolmentCode::generate(&mut StdRng::seed_from_u64(99)).grouped();
        server
            .send(enrol_request(&unknown, "guess"))
            .await
            .error(StatusCode::UNAUTHORIZED, "bad_code");
        let fresh = server.issue_code(Role::Recorder, None, TimeDelta::hours(24));
        server
            .send(enrol_request(&fresh, "limited"))
            .await
            .error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert!(server.store.revoke_device(device.id, server.now()).unwrap());
        for (method, uri) in [
            (Method::GET, "/v1/status"),
            (Method::GET, "/v1/pull?since=0"),
        ] {
            server
                .send(request(method, uri, Some(&device.token), ""))
                .await
                .error(StatusCode::UNAUTHORIZED, "unauthorized");
        }

        let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
        for expected in [
            "device enrolled",
            "/v1/push",
            "/v1/pull",
            "enrolment refused",
            "rate limited",
        ] {
            assert!(
                logs.contains(expected),
                "{expected:?} was not logged: {logs}"
            );
        }
        let mut secrets = secret_forms(&device.token, &code);
        secrets.extend(secret_forms(&device.token, &unknown));
        secrets.extend(secret_forms(&device.token, &fresh));
        for secret in secrets {
            assert!(!logs.contains(&secret), "{secret:?} was logged: {logs}");
        }
    });
}

/// The real binary, logging at TRACE to a file while a device enrols, pushes, pulls, is
/// revoked and tries again: its stderr holds neither the token nor the code.
#[test]
fn the_server_binary_logs_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("server.sqlite3").display());
    let user = admin(
        &database,
        &[
            "user",
            "create",
            "--name",
            "Lê Văn Tám",
            "--role",
            "secretariat",
        ],
    );
    let issued = admin(&database, &["code", "issue", "--user", user.trim()]);
    let code = issued
        .lines()
        .find_map(|l| l.strip_prefix("Enrolment code for "))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap()
        .to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_path = dir.path().join("server.log");
    let mut server = Command::new(SERVER)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--database", &database])
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let token = runtime.block_on(async {
        wait_for(&url).await;
        let anonymous = townhall_core::sync::SyncClient::new(&url, None).unwrap();
        let enrolled = anonymous.enrol(&code, "Máy tính bảng 7").await.unwrap();
        let client =
            townhall_core::sync::SyncClient::new(&url, Some(enrolled.token.clone())).unwrap();
        let mut device = Device {
            token: enrolled.token.clone(),
            id: enrolled.device,
            letter: enrolled.letter,
            seq: 0,
        };
        let item = device.item(Change::UpsertLocality(province(1, "Tỉnh Lâm Đồng")));
        let pushed = client.push(vec![item]).await.unwrap();
        assert_eq!(pushed.last_applied_seq, 1);
        let pulled = client.pull(0, 500, &enrolled.epoch).await.unwrap();
        assert!(matches!(pulled, PullResponse::Page { .. }));
        assert!(anonymous.enrol(&code, "again").await.is_err());
        enrolled.token
    });
    let devices = admin(&database, &["device", "list"]);
    let device_id = devices.lines().nth(1).unwrap().split_whitespace().next();
    admin(&database, &["device", "revoke", device_id.unwrap()]);
    runtime.block_on(async {
        let client = townhall_core::sync::SyncClient::new(&url, Some(token.clone())).unwrap();
        let refused = client.status().await.unwrap_err();
        assert!(
            matches!(
                &refused,
                townhall_core::sync::SyncError::Unauthorized { code, .. }
                    if *code == townhall_domain::ErrorCode::Unauthorized
            ),
            "{refused:?}"
        );
    });
    server.kill().unwrap();
    server.wait().unwrap();

    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(logs.contains("device enrolled"), "{logs}");
    assert!(logs.contains("/v1/push"), "{logs}");
    assert!(logs.contains("DEBUG"), "verbose tracing: {logs}");
    for secret in secret_forms(&token, &code) {
        assert!(!logs.contains(&secret), "{secret:?} was logged");
    }
}

async fn wait_for(url: &str) {
    let address = url.trim_start_matches("http://").to_owned();
    for _ in 0..600 {
        if TcpStream::connect(&address).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server at {url} did not start");
}

/// A PostgreSQL password given on the command line, in the environment or in the settings
/// file never reaches the server's output, even when the database cannot be reached.
#[test]
fn database_passwords_are_redacted_in_the_binarys_output() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("townhall.toml");
    let url = "postgres://townhall:hunter2-s3cret@127.0.0.1:1/townhall?password=hunter2-s3cret";
    std::fs::write(&config, format!("database = \"{url}\"\n")).unwrap();
    let runs: [(&str, Vec<&str>, Option<&str>); 3] = [
        ("flag", vec!["serve", "--database", url], None),
        ("environment", vec!["serve"], Some(url)),
        (
            "file",
            vec!["serve", "--config", config.to_str().unwrap()],
            None,
        ),
    ];
    for (how, args, env) in runs {
        let mut command = Command::new(SERVER);
        command
            .args(&args)
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "trace")
            .env_remove("TOWNHALL_DATABASE_URL");
        if let Some(url) = env {
            command.env("TOWNHALL_DATABASE_URL", url);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success(), "{how}: nothing listens on port 1");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            text.contains("postgres://townhall:***@127.0.0.1:1/townhall"),
            "{how}: the URL is named, redacted: {text}"
        );
        assert!(!text.contains("hunter2"), "{how}: {text}");
    }
}

/// Tokens and enrolment codes are looked up by their SHA-256, so no secret is ever compared
/// by the database or by Rust code: the database holds only the hashes, and a token one
/// character off is refused like any other.
#[tokio::test]
async fn secrets_are_stored_and_compared_only_as_hashes() {
    let server = Harness::new();
    let code = server.issue_code(Role::Recorder, None, TimeDelta::hours(24));
    let device = server.enrol_with(&code, "Máy tính bảng 2").await;
    let db = rusqlite::Connection::open(server.dir.path().join("server.sqlite3")).unwrap();
    let mut everything = Vec::<u8>::new();
    for table in table_names(&db) {
        let mut statement = db.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = statement.column_count();
        let mut rows = statement.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(bytes)
                    | rusqlite::types::ValueRef::Blob(bytes) => {
                        everything.extend_from_slice(bytes);
                        everything.push(0);
                    }
                    _ => {}
                }
            }
        }
    }
    let contains = |needle: &[u8]| everything.windows(needle.len()).any(|w| w == needle);
    let normalised = code.replace('-', "");
    assert!(!contains(device.token.as_bytes()), "the token is stored");
    assert!(!contains(normalised.as_bytes()), "the code is stored");
    assert!(!contains(code.as_bytes()), "the code is stored");
    let token_hash = Sha256::digest(device.token.as_bytes());
    let code_hash = Sha256::digest(normalised.as_bytes());
    assert!(
        contains(&token_hash) || contains(hex::encode(token_hash).as_bytes()),
        "the token's hash is what is stored"
    );
    assert!(
        contains(&code_hash) || contains(hex::encode(code_hash).as_bytes()),
        "the code's hash is what is stored"
    );

    // One hex digit off, at the start or the end: refused the same way.
    for at in [0, device.token.len() - 1] {
        let mut near = device.token.clone().into_bytes();
        near[at] = if near[at] == b'0' { b'1' } else { b'0' };
        let near = String::from_utf8(near).unwrap();
        server
            .send(request(Method::GET, "/v1/status", Some(&near), ""))
            .await
            .error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let ok = server
        .send(request(Method::GET, "/v1/status", Some(&device.token), ""))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
}

/// Guessing codes: after the per-client allowance every attempt is refused with 429, the right
/// code included, so a hit cannot be told from a miss; once the wait named in `Retry-After`
/// has passed on the server's clock, the right code works. The global allowance holds across
/// many addresses.
#[tokio::test]
async fn enrolment_brute_force_is_limited() {
    let server = Harness::with(|s| {
        s.enrol_per_minute = 5;
        s.enrol_global_per_minute = 20;
    });
    let code = server.issue_code(Role::Recorder, None, TimeDelta::hours(24));
    let mut guesses = StdRng::seed_from_u64(3);
    for _ in 0..5 {
        let guess = EnrolmentCode::generate(&mut guesses).grouped();
        server
            .send(from("203.0.113.9:4000", enrol_request(&guess, "x")))
            .await
            .error(StatusCode::UNAUTHORIZED, "bad_code");
    }
    for attempt in [code.as_str(), "AAAA-BBBB-CCCC", "{"] {
        let limited = server
            .send(from("203.0.113.9:4001", enrol_request(attempt, "x")))
            .await;
        limited.error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert_eq!(limited.headers[header::RETRY_AFTER], "12");
    }
    assert!(server.store.devices().unwrap().is_empty());

    server.advance(TimeDelta::seconds(11));
    server
        .send(from("203.0.113.9:4002", enrol_request(&code, "x")))
        .await
        .error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    server.advance(TimeDelta::seconds(1));
    let enrolled: EnrolResponse = server
        .send(from("203.0.113.9:4003", enrol_request(&code, "Máy 1")))
        .await
        .json(StatusCode::OK);
    assert_eq!(server.store.devices().unwrap()[0].id, enrolled.device);

    // Many addresses: the global allowance (20 a minute) runs out.
    let mut refused = 0;
    for i in 0..20u8 {
        let reply = server
            .send(from(
                &format!("198.51.100.{i}:4000"),
                enrol_request("x", "x"),
            ))
            .await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            reply.error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
            refused += 1;
        } else {
            reply.error(StatusCode::UNAUTHORIZED, "bad_code");
        }
    }
    // The global bucket held 20 at the start; 5 were taken then, 4 came back in the 12 s
    // that passed and 1 went to the right code: 18 are left for the 20 addresses.
    assert_eq!(refused, 2);
}

/// Paths that try to climb out of `/v1` or reach an admin interface are 404s with an error
/// body; a query carrying SQL is a 400; nothing is stored and the database is intact.
#[tokio::test]
async fn path_and_query_injection_change_nothing() {
    let server = Harness::new();
    let mut device = server.enrol(Role::Secretariat, None).await;
    server
        .push_changes(
            &mut device,
            vec![Change::UpsertLocality(province(1, "Tỉnh Ninh Thuận"))],
        )
        .await;
    let tables = server.tables();
    let before = server.stored();

    for path in [
        "/v1/../admin",
        "/v1/%2e%2e/admin",
        "/v1/%2E%2E/%2E%2E/etc/passwd",
        "/v1/pull/../status",
        "/v1/status/..",
        "/v1/..%2fstatus",
        "/v1/status%00",
        "/v1/status;DROP%20TABLE%20devices",
        "//v1/status",
        "/V1/status",
        "/admin",
        "/v1/admin",
        "/v1/users",
        "/v1/devices",
        "/v1/codes",
        "/v1/push/../../admin",
    ] {
        for method in [Method::GET, Method::POST, Method::DELETE] {
            let reply = server
                .send(request(method.clone(), path, Some(&device.token), "{}"))
                .await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {}",
                reply.text()
            );
            reply.error(StatusCode::NOT_FOUND, "not_found");
        }
    }

    for query in [
        "since=1;DROP%20TABLE%20changes",
        "since=1%3BDROP%20TABLE%20changes",
        "since=0%20OR%201=1",
        "since=0&limit=1%20OR%201=1",
        "since=0&limit=1;DELETE%20FROM%20devices",
        "since=0&since=1",
        "since=0&epoch=x&epoch=y",
        "since=0&device=0193a1c2-7d4e-7f00-8a1b-2c3d4e5f6a7b",
    ] {
        let reply = server
            .send(request(
                Method::GET,
                &format!("/v1/pull?{query}"),
                Some(&device.token),
                "",
            ))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.text()
        );
        reply.error(StatusCode::BAD_REQUEST, "bad_request");
    }
    // SQL in the epoch is only ever compared with the server's epoch: a refetch, not a hit.
    let reply = server
        .send(request(
            Method::GET,
            "/v1/pull?since=0&epoch=%27%20OR%20%271%27=%271",
            Some(&device.token),
            "",
        ))
        .await;
    assert!(matches!(
        reply.json::<PullResponse>(StatusCode::OK),
        PullResponse::Refetch { .. }
    ));

    assert_eq!(server.stored(), before);
    server.assert_database_intact(&tables);
    assert_eq!(server.pull_all(&device).await.len(), 1);
}

/// Every text field a client can fill carries hostile strings: each is applied, comes back
/// byte for byte, and the database is intact with its tables and devices.
#[tokio::test]
async fn hostile_text_in_every_field_is_stored_verbatim() {
    let server = Harness::new();
    let tables = server.tables();
    let code = server.issue_code(Role::Secretariat, None, TimeDelta::hours(24));
    let mut device = server.enrol_with(&code, HOSTILE[0]).await;
    let mut changes = Vec::new();
    let mut n = 100;
    let mut next = || {
        n += 1;
        id(n)
    };
    for text in HOSTILE {
        let locality = province(0, text);
        let locality = Locality {
            id: LocalityId::from_uuid(next()),
            ..locality
        };
        let dialogue = DialogueId::from_uuid(next());
        let question = QuestionId::from_uuid(next());
        let agency = AgencyId::from_uuid(next());
        let counter = u32::try_from(changes.len()).unwrap() + 1;
        changes.extend([
            Change::UpsertLocality(locality.clone()),
            Change::UpsertTopic(Topic {
                id: TopicId::from_uuid(next()),
                name: (*text).to_owned(),
                archived: false,
            }),
            Change::UpsertAgency(Agency {
                id: agency,
                name: (*text).to_owned(),
                short_name: (*text).to_owned(),
                archived: false,
            }),
            Change::CreateDialogue {
                id: dialogue,
                details: dialogue_details(locality.id, text),
            },
            Change::CaptureQuestion {
                id: question,
                dialogue,
                number: DisplayNumber {
                    letter: device.letter.clone(),
                    counter,
                },
                text: QuestionText {
                    kind: QuestionKind::Grievance,
                    source: QuestionSource::OnPaper,
                    topic: None,
                    content: (*text).to_owned(),
                },
                citizen: Citizen::Named {
                    name: (*text).to_owned(),
                    locality: Some((*text).to_owned()),
                    phone: None,
                },
                captured_at: start(),
            },
            Change::ChangeStatus {
                event: StatusEventId::from_uuid(next()),
                question,
                from: QuestionStatus::Received,
                to: QuestionStatus::NeedsWrittenAnswer,
                note: (*text).to_owned(),
                at: start(),
            },
            Change::Assign {
                id: AssignmentId::from_uuid(next()),
                question,
                terms: AssignmentTerms {
                    agency,
                    due_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                    instructions: (*text).to_owned(),
                },
                assigned_at: start(),
            },
            Change::AddAnswer {
                id: AnswerId::from_uuid(next()),
                question,
                body: AnswerBody {
                    mode: AnswerMode::Written,
                    answered_by: (*text).to_owned(),
                    agency: Some(agency),
                    content: (*text).to_owned(),
                    document: Some(DocumentRef {
                        number: (*text).to_owned(),
                        date: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
                    }),
                },
                recorded_at: start(),
            },
        ]);
    }
    let sent: Vec<Change> = changes.clone();
    let outcomes = server.push_changes(&mut device, changes).await;
    for (change, outcome) in sent.iter().zip(&outcomes) {
        assert!(
            matches!(outcome, PushOutcome::Applied { .. }),
            "{}: {outcome:?}",
            change.kind()
        );
    }

    // An assignment appends copies of the question's earlier changes for the agency, and the
    // default topics and agencies the server seeded are in the log too: each change sent is
    // looked for once, in order.
    let mut pulled: Vec<Change> = Vec::new();
    for entry in server.pull_all(&device).await {
        let change = entry.mutation.change;
        if sent.contains(&change) && !pulled.contains(&change) {
            pulled.push(change);
        }
    }
    assert_eq!(pulled.len(), sent.len());
    for (pulled, sent) in pulled.iter().zip(&sent) {
        assert_eq!(pulled, sent, "every field comes back exactly as sent");
    }
    let devices = server.store.devices().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].name, HOSTILE[0]);
    assert_eq!(devices[0].revoked_at, None);
    assert_eq!(server.store.users().unwrap().len(), 1);
    server.assert_database_intact(&tables);
}

/// Bodies over the limit are 413 and deeply nested JSON (100,000 `[`) is a 400, each with an
/// error body; nothing is stored and the server goes on serving.
#[tokio::test]
async fn oversized_and_deeply_nested_bodies_are_refused() {
    let server = Harness::with(|s| s.push_body_limit = 1024 * 1024);
    let mut device = server.enrol(Role::Secretariat, None).await;
    let tables = server.tables();
    let before = server.stored();
    let deep = |open: &str, n: usize| format!("{}{}", open.repeat(n), "]".repeat(n));
    let valid_item =
        serde_json::to_string(&device.item(Change::UpsertLocality(province(1, "Tỉnh Khánh Hòa"))))
            .unwrap();
    device.seq = 0;
    let nested_in_field = valid_item.replace(
        "\"Tỉnh Khánh Hòa\"",
        &format!("{}\"x\"{}", "[".repeat(100_000), "]".repeat(100_000)),
    );
    type Case = (&'static str, &'static str, String, StatusCode, &'static str);
    let cases: Vec<Case> = vec![
        (
            "push of 100,000 [",
            "/v1/push",
            deep("[", 100_000),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "mutations nested 100,000 deep",
            "/v1/push",
            format!("{{\"mutations\":{}}}", deep("[", 100_000)),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "objects nested 100,000 deep",
            "/v1/push",
            format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000)),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "a field nested 100,000 deep",
            "/v1/push",
            format!("{{\"mutations\":[{nested_in_field}]}}"),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "enrolment nested 5,000 deep",
            "/v1/enrol",
            format!("{{\"code\":{}}}", deep("[", 5_000)),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "enrolment of 100,000 [",
            "/v1/enrol",
            deep("[", 100_000),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "push over the limit",
            "/v1/push",
            format!(
                "{{\"mutations\":[{}]}}",
                vec![valid_item.as_str(); 1024 * 1024 / valid_item.len() + 1].join(",")
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
    ];
    for (case, path, body, status, code) in cases {
        let token = (path == "/v1/push").then_some(device.token.as_str());
        let reply = server
            .send(from(
                "192.0.2.50:1000",
                request(Method::POST, path, token, body),
            ))
            .await;
        assert_eq!(reply.status, status, "{case}: {}", reply.text());
        reply.error(status, code);
        assert_eq!(server.stored(), before, "{case} stored something");
    }
    server.assert_database_intact(&tables);
    let health = server
        .send(Request::get("/v1/health").body(Body::empty()).unwrap())
        .await;
    assert_eq!(health.status, StatusCode::OK);
    let outcomes = server
        .push_changes(
            &mut device,
            vec![Change::UpsertLocality(province(1, "Tỉnh Khánh Hòa"))],
        )
        .await;
    assert!(matches!(outcomes[0], PushOutcome::Applied { .. }));
}

/// Slow-loris clients over real TCP, against short configured timeouts: one trickles its
/// headers a byte at a time and never ends them, one sends nothing, one stops halfway through
/// its body and one trickles its body. Each is disconnected (the body senders with a 408
/// error body), and meanwhile other clients are served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_loris_clients_are_cut_off_while_others_are_served() {
    let server = Harness::with(|s| s.request_timeout = Duration::from_millis(1_500));
    let header_read_timeout = Duration::from_millis(1_000);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(http::serve_over(
        listener,
        server.router.clone(),
        Transport::Plain,
        header_read_timeout,
        async {
            stopped.await.ok();
        },
    ));

    let enrol_head = |length: usize| {
        format!(
            "POST /v1/enrol HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        )
    };
    // What the client sends at once, and what it then sends a byte every 100 ms, forever.
    type SlowClient = (&'static str, Vec<u8>, Option<&'static [u8]>);
    let slow: [SlowClient; 4] = [
        (
            "headers, a byte at a time",
            Vec::new(),
            Some(b"GET /v1/health HTTP/1.1\r\nHost: t\r\nX-Padding: "),
        ),
        ("nothing at all", Vec::new(), None),
        (
            "half a body, then nothing",
            format!("{}{{\"code\":", enrol_head(100)).into_bytes(),
            None,
        ),
        (
            "a body, a byte at a time",
            enrol_head(1_000).into_bytes(),
            Some(b"{\"code\":\""),
        ),
    ];
    let mut clients = Vec::new();
    for (case, first, trickle) in slow {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(&first).await.unwrap();
        clients.push(tokio::spawn(async move {
            let (mut reader, mut writer) = stream.into_split();
            let writing = async {
                let Some(trickle) = trickle else {
                    return std::future::pending::<()>().await;
                };
                for byte in trickle.iter().copied().chain(std::iter::repeat(b'a')) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if writer.write_all(&[byte]).await.is_err() {
                        break;
                    }
                }
                // The server closed the connection: leave the reader to see it.
                std::future::pending::<()>().await;
            };
            let mut answer = Vec::new();
            tokio::select! {
                // A reset after the answer counts as closed too.
                _ = reader.read_to_end(&mut answer) => {}
                () = writing => unreachable!("writing never ends"),
            }
            (case, String::from_utf8_lossy(&answer).into_owned())
        }));
    }

    // Meanwhile the server answers others, over new connections.
    for _ in 0..10 {
        let reply = raw_request(
            address,
            "GET /v1/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    }
    assert!(
        clients.iter().all(|c| !c.is_finished()),
        "the slow clients were still connected while the others were served"
    );

    for client in clients {
        // A guard against a hang, far above the configured timeouts; not a measurement.
        let (case, answer) = tokio::time::timeout(Duration::from_secs(60), client)
            .await
            .unwrap_or_else(|_| panic!("a slow client was never disconnected"))
            .unwrap();
        if case.contains("body") {
            assert!(answer.starts_with("HTTP/1.1 408"), "{case}: {answer}");
            assert!(answer.contains(r#""code":"timeout""#), "{case}: {answer}");
        } else {
            assert!(
                answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
                "{case}: {answer}"
            );
        }
    }
    assert!(server.store.devices().unwrap().is_empty());
    let reply = raw_request(
        address,
        "GET /v1/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    stop.send(()).unwrap();
    serving.await.unwrap().unwrap();
}

/// The admin's powers over the API are the reference data (topics, agencies, localities);
/// users, codes and devices are managed only through the CLI on the server machine, and no
/// URL offers them. Each change an administrator or the secretariat makes is refused to the
/// roles the permission table excludes, with `forbidden`, and a refused change never reaches
/// the log; `confirm_status` is the server's alone and refused to every role.
#[tokio::test]
async fn administration_is_refused_to_other_roles() {
    let server = Harness::new();
    let mut secretariat = server.enrol(Role::Secretariat, None).await;
    let locality = province(1, "Tỉnh Bình Định");
    let dialogue = DialogueId::from_uuid(id(2));
    let agency = AgencyId::from_uuid(id(3));
    let roles = [
        Role::Recorder,
        Role::Secretariat,
        Role::Leader,
        Role::Agency,
        Role::Admin,
    ];
    // Three questions per role, so each role's merge, repeat link and assignment meet fresh
    // questions.
    let mut setup = vec![
        Change::UpsertLocality(locality.clone()),
        Change::UpsertAgency(Agency {
            id: agency,
            name: "Sở Giao thông vận tải".to_owned(),
            short_name: "SGTVT".to_owned(),
            archived: false,
        }),
        Change::CreateDialogue {
            id: dialogue,
            details: dialogue_details(locality.id, "nhân dân"),
        },
    ];
    for i in 0..u16::try_from(roles.len() * 3).unwrap() {
        let question = QuestionId::from_uuid(id(10 + i));
        setup.push(secretariat.capture(question, dialogue, u32::from(i) + 1, "Đường hỏng"));
    }
    let outcomes = server.push_changes(&mut secretariat, setup).await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, PushOutcome::Applied { .. }))
    );

    for (r, role) in (0u16..).zip(roles) {
        let mut device = server.enrol(role, None).await;
        let question = QuestionId::from_uuid(id(10 + 3 * r));
        let other = QuestionId::from_uuid(id(11 + 3 * r));
        let later = QuestionId::from_uuid(id(12 + 3 * r));
        let n = 100 + 10 * r;
        let attempts = [
            (
                Action::EditReferenceData,
                Change::UpsertTopic(Topic {
                    id: TopicId::from_uuid(id(n)),
                    name: format!("Chủ đề {role}"),
                    archived: false,
                }),
            ),
            (
                Action::EditReferenceData,
                Change::UpsertAgency(Agency {
                    id: AgencyId::from_uuid(id(n + 1)),
                    name: format!("Cơ quan {role}"),
                    short_name: "CQ".to_owned(),
                    archived: false,
                }),
            ),
            (
                Action::EditReferenceData,
                Change::UpsertLocality(province(n + 2, &format!("Tỉnh {role}"))),
            ),
            (
                Action::CreateDialogue,
                Change::CreateDialogue {
                    id: DialogueId::from_uuid(id(n + 3)),
                    details: dialogue_details(locality.id, "thanh niên"),
                },
            ),
            (
                Action::EditDialogue,
                Change::SetDialogueStatus {
                    id: dialogue,
                    to: DialogueStatus::Open,
                },
            ),
            (
                Action::Assign,
                Change::Assign {
                    id: AssignmentId::from_uuid(id(n + 4)),
                    question,
                    terms: AssignmentTerms {
                        agency,
                        due_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                        instructions: "Trả lời bằng văn bản".to_owned(),
                    },
                    assigned_at: start(),
                },
            ),
            (
                Action::MergeDuplicate,
                Change::MergeDuplicate {
                    question: other,
                    into: question,
                },
            ),
            (
                Action::ConfirmStatus,
                Change::ConfirmStatus {
                    question,
                    status: QuestionStatus::Resolved,
                },
            ),
            (
                Action::EditDialogue,
                Change::UpsertDialogueTask(DialogueTask {
                    id: DialogueTaskId::from_uuid(id(n + 5)),
                    dialogue,
                    kind: TaskKind::Notice,
                    title: format!("Thông báo ({role})"),
                    body: CoordinatingBody::PartyOffice,
                    due_on: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
                    done_on: None,
                    note: String::new(),
                }),
            ),
            (
                Action::MergeDuplicate,
                Change::LinkRepeat {
                    question: later,
                    earlier: Some(question),
                },
            ),
            (
                Action::EditPolicy,
                Change::SetPolicy(FollowUpPolicy {
                    answer_working_days: 10 + r,
                    ..FollowUpPolicy::default()
                }),
            ),
        ];
        let sent: Vec<PushItem> = attempts
            .iter()
            .map(|(_, change)| device.item(change.clone()))
            .collect();
        let pushed: PushResponse = server.push(&device, &sent).await.json(StatusCode::OK);
        let logged: Vec<MutationId> = server
            .pull_all(&secretariat)
            .await
            .into_iter()
            .map(|entry| entry.mutation.id)
            .collect();
        for (((action, change), result), item) in attempts.iter().zip(&pushed.results).zip(&sent) {
            let allowed = authorize(role, *action, Scope::JURISDICTION).is_ok();
            let kind = change.kind();
            match (&result.outcome, allowed) {
                (PushOutcome::Applied { .. }, true) => {
                    assert!(logged.contains(&item.mutation.id), "{role} {kind}");
                }
                (PushOutcome::Rejected { code, .. }, false) => {
                    assert_eq!(code, "forbidden", "{role} {kind}");
                    assert!(!logged.contains(&item.mutation.id), "{role} {kind} logged");
                }
                (outcome, _) => panic!("{role} {kind}: allowed={allowed}, got {outcome:?}"),
            }
        }
        assert_eq!(
            authorize(role, Action::ManageDevices, Scope::JURISDICTION).is_ok(),
            role == Role::Admin
        );
        for path in ["/v1/users", "/v1/devices", "/v1/codes", "/v1/admin"] {
            for method in [Method::GET, Method::POST] {
                server
                    .send(request(method, path, Some(&device.token), "{}"))
                    .await
                    .error(StatusCode::NOT_FOUND, "not_found");
            }
        }
    }
}

/// How many files this process has open at `path`: one per SQLite connection to it.
fn open_files(path: &std::path::Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target == path)
        .count()
}

/// A province's worth of tablets pulling at the same moment: every pull answers, and the store
/// calls wait their turn instead of each taking a blocking thread and, for a read, a database
/// connection with its cache (which on two cores made every pull take seconds, and some time
/// out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_of_pulls_waits_its_turn() {
    let server = std::sync::Arc::new(Harness::new());
    let database = server.dir.path().join("server.sqlite3");
    let mut secretariat = server.enrol(Role::Secretariat, None).await;
    let locality = province(1, "Tỉnh Gia Lai");
    let dialogue = DialogueId::from_uuid(id(2));
    let mut changes = vec![
        Change::UpsertLocality(locality.clone()),
        Change::CreateDialogue {
            id: dialogue,
            details: dialogue_details(locality.id, "nhân dân"),
        },
    ];
    for i in 0..600u16 {
        let question = QuestionId::from_uuid(id(100 + i));
        changes.push(secretariat.capture(
            question,
            dialogue,
            u32::from(i) + 1,
            "Đề nghị sửa chữa tuyến đường liên thôn bị hư hỏng nặng sau mùa mưa lũ",
        ));
    }
    let outcomes = server.push_changes(&mut secretariat, changes).await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, PushOutcome::Applied { .. }))
    );

    let peak = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (std::sync::Arc::clone(&peak), std::sync::Arc::clone(&done));
        let database = database.clone();
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                peak.fetch_max(open_files(&database), std::sync::atomic::Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let pulls: Vec<_> = (0..200)
        .map(|_| {
            let (server, token) = (std::sync::Arc::clone(&server), secretariat.token.clone());
            tokio::spawn(async move {
                server
                    .send(request(
                        Method::GET,
                        "/v1/pull?since=0&limit=1000",
                        Some(&token),
                        "",
                    ))
                    .await
            })
        })
        .collect();
    for pull in pulls {
        let page: PullResponse = pull.await.unwrap().json(StatusCode::OK);
        let PullResponse::Page { changes, .. } = page else {
            panic!("{page:?}");
        };
        assert_eq!(changes.len(), 602);
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    sampler.join().unwrap();
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let turns = (2 * cores).max(4);
    let peak = peak.load(std::sync::atomic::Ordering::SeqCst);
    // The writer, the checkpointer, up to 4 idle readers kept for reuse, and one reader per
    // turn. Unbounded, the 200 pulls had two dozen open at once on a 2-core machine.
    assert!(
        (1..=2 + 4 + turns).contains(&peak),
        "{peak} connections open at the peak, {turns} turns"
    );
}
