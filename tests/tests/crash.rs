//! A saved capture survives a crash.
//!
//! A child process captures questions in a loop and reports each id once its save returned;
//! this test kills it with SIGKILL at random moments, at least 30 times, restarting it on the
//! same file each time. Afterwards every reported id must be in the database, each display
//! number used once, and the file must pass `PRAGMA integrity_check`.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rand::{Rng, SeedableRng};

const KILLS: usize = 32;

#[test]
fn every_reported_capture_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("replica.sqlite3");
    let seed: u64 = std::env::var("TOWNHALL_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| townhall_core::Randomness::next_u64(&townhall_core::SystemRandom));
    println!("crash test seed {seed} (set TOWNHALL_CRASH_SEED to replay)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut reported: Vec<(String, String)> = Vec::new();
    for round in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_capture-loop"))
            .arg(&db)
            .arg(round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the first save, so every round kills a process that is writing.
        let first = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the child saved nothing within 60 s");
        let mut lines = vec![first];
        std::thread::sleep(Duration::from_millis(rng.random_range(0..120)));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the child ended on its own: {status}"
        );
        reader.join().unwrap();
        lines.extend(rx.try_iter());
        for line in lines {
            let (id, number) = line.split_once(' ').expect("`id number` lines");
            reported.push((id.to_owned(), number.to_owned()));
        }
    }
    assert!(
        reported.len() > KILLS,
        "too few captures reported: {}",
        reported.len()
    );

    let conn = rusqlite::Connection::open(&db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let mut stmt = conn.prepare("SELECT number_letter || '-' || printf('%03d', number_counter) FROM questions WHERE id = ?1").unwrap();
    for (id, number) in &reported {
        let stored: String = stmt.query_row([id], |r| r.get(0)).unwrap_or_else(|e| {
            panic!("reported capture {id} ({number}) is missing after a crash: {e}")
        });
        assert_eq!(&stored, number);
    }
    let unique: HashSet<_> = reported.iter().map(|(_, n)| n).collect();
    assert_eq!(
        unique.len(),
        reported.len(),
        "a display number was reused after a crash"
    );
    let outbox: i64 = conn
        .query_row(
            "SELECT count(*) FROM outbox WHERE kind = 'capture_question'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let questions: i64 = conn
        .query_row("SELECT count(*) FROM questions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        outbox, questions,
        "every stored question has its mutation in the outbox"
    );
    println!(
        "{} captures reported across {KILLS} kills; {questions} stored",
        reported.len()
    );
}
