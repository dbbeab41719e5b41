//! The server killed with SIGKILL in the middle of pushes, then restarted: nothing a device
//! was told is saved is lost, nothing is applied twice, and the database stays intact.
//!
//! The server runs as its real binary in a child process, set up with its own admin commands.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use townhall_core::sync::{self, Progress};
use townhall_core::{
    CaptureInput, Clock, Page, QuestionFilter, QuestionSort, Replica, SystemClock,
};
use townhall_domain::validate::{DialogueInput, QuestionInput};
use townhall_domain::{DialogueId, Level, QuestionId, QuestionKind};

mod common;
use common::{SERVER, admin};

fn code_for(database: &str, role: &str) -> String {
    let user = admin(
        database,
        &["user", "create", "--name", "Người dùng", "--role", role],
    );
    let issued = admin(database, &["code", "issue", "--user", user.trim()]);
    let line = issued
        .lines()
        .find(|l| l.starts_with("Enrolment code for"))
        .unwrap();
    line.rsplit(' ').next().unwrap().to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(database: &str, port: u16) -> Child {
    let child = Command::new(SERVER)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
            database,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn device(dir: &Path, name: &str) -> Arc<Mutex<Replica>> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Arc::new(Mutex::new(
        Replica::open(&dir.join(format!("{name}.sqlite3")), clock).unwrap(),
    ))
}

fn capture(replica: &Arc<Mutex<Replica>>, dialogue: DialogueId, n: usize) -> QuestionId {
    let question = QuestionInput {
        kind: Some(QuestionKind::Petition),
        content: format!("Kiến nghị số {n} về đường liên thôn"),
        ..Default::default()
    };
    replica
        .lock()
        .unwrap()
        .capture(&CaptureInput {
            dialogue,
            question,
            answered_on_site: None,
        })
        .unwrap()
        .id
}

#[test]
fn sigkill_mid_push_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    let database = format!("sqlite://{}", db.display());
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let quiet = |_: Progress| {};

    let mut server = start(&database, port);
    let secretariat = device(dir.path(), "secretariat");
    rt.block_on(sync::enrol(
        &secretariat,
        &url,
        &code_for(&database, "secretariat"),
        "VP",
    ))
    .unwrap();
    let dialogue = {
        let mut r = secretariat.lock().unwrap();
        let commune = r
            .upsert_locality(None, "Xã Bắc Bình", Level::Commune, None)
            .unwrap();
        r.create_dialogue(&DialogueInput {
            title: "Đối thoại".to_owned(),
            level: Level::Commune,
            locality: commune,
            audience: String::new(),
            venue: String::new(),
            starts_at: Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap(),
            hosts: String::new(),
            coordinating_bodies: String::new(),
            plan_issued_on: None,
            attendee_count: None,
        })
        .unwrap()
    };
    rt.block_on(sync::sync(&secretariat, &quiet)).unwrap();
    let recorder = device(dir.path(), "recorder");
    rt.block_on(sync::enrol(
        &recorder,
        &url,
        &code_for(&database, "recorder"),
        "TK",
    ))
    .unwrap();
    rt.block_on(sync::sync(&recorder, &quiet)).unwrap();

    let mut captured = Vec::new();
    let mut kills = 0;
    let mut interrupted = 0;
    for round in 0..8 {
        for n in 0..150 {
            captured.push(capture(&recorder, dialogue, round * 1_000 + n));
        }
        // Push in the background and kill the server while it works.
        let pushing = {
            let recorder = Arc::clone(&recorder);
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let quiet = |_: Progress| {};
                rt.block_on(sync::sync(&recorder, &quiet)).is_ok()
            })
        };
        std::thread::sleep(Duration::from_millis(5 + 7 * round as u64));
        server.kill().unwrap();
        server.wait().unwrap();
        kills += 1;
        if !pushing.join().unwrap() {
            interrupted += 1;
        }
        // Whatever the server acknowledged before dying must be in its database now.
        let acknowledged = recorder
            .lock()
            .unwrap()
            .sync_config()
            .unwrap()
            .unwrap()
            .pushed_seq;
        server = start(&database, port);
        let status = rt
            .block_on(
                townhall_core::sync::SyncClient::new(&url, Some(token(&recorder)))
                    .unwrap()
                    .status(),
            )
            .unwrap();
        assert!(
            status.last_applied_seq >= acknowledged,
            "the server forgot acknowledged mutations"
        );
    }
    assert!(
        interrupted > 0,
        "no kill landed during a push; the test proved nothing"
    );
    rt.block_on(sync::sync(&recorder, &quiet)).unwrap();
    rt.block_on(sync::sync(&secretariat, &quiet)).unwrap();
    server.kill().unwrap();
    server.wait().unwrap();

    let r = secretariat.lock().unwrap();
    let filter = QuestionFilter::default();
    let list = r
        .questions(&filter, QuestionSort::Number, Page::first(500))
        .unwrap();
    assert_eq!(list.total as usize, captured.len(), "after {kills} kills");
    let numbers: std::collections::HashSet<_> =
        list.rows.iter().map(|q| q.number.clone()).collect();
    assert_eq!(numbers.len(), list.rows.len());
    let mut page = 0;
    let mut seen = std::collections::HashSet::new();
    loop {
        let rows = r
            .questions(
                &filter,
                QuestionSort::Number,
                Page {
                    offset: page * 500,
                    limit: 500,
                },
            )
            .unwrap()
            .rows;
        if rows.is_empty() {
            break;
        }
        seen.extend(rows.into_iter().map(|q| q.id));
        page += 1;
    }
    for id in &captured {
        assert!(seen.contains(id), "capture {id} lost");
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}

fn token(device: &Arc<Mutex<Replica>>) -> String {
    device.lock().unwrap().sync_config().unwrap().unwrap().token
}
