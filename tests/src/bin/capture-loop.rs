//! A recorder that never stops: captures questions into the replica at the given path, one
//! after another, and prints each question's id on its own line once `capture` has returned.
//!
//! The crash test kills this process with SIGKILL at random moments and then checks that
//! every id printed is in the database: what the app calls saved must survive a crash.

#![allow(
    clippy::print_stdout,
    reason = "the parent process reads the ids from stdout"
)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use townhall_core::{Clock, Replica, SystemClock};
use townhall_domain::{Role, TopicId};
use townhall_testkit::corpus::Corpus;
use townhall_testkit::fixture;

fn main() -> Result<()> {
    let path = PathBuf::from(
        std::env::args()
            .nth(1)
            .context("usage: capture-loop DB_PATH [SEED]")?,
    );
    let seed: u64 = std::env::args()
        .nth(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(0);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let identity = fixture::identity(Role::Secretariat, 0, 9);
    let mut replica = Replica::open(&path, clock.clone())?;
    replica.set_identity(&identity)?;
    let dialogue = match replica.dialogues()?.first() {
        Some(d) => d.dialogue.id,
        None => fixture::setup_province(&mut replica, clock.now(), 1)?.dialogues[0],
    };
    let topics: Vec<TopicId> = replica.topics(false)?.into_iter().map(|t| t.id).collect();
    let mut corpus = Corpus::new(seed);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    loop {
        let input = fixture::capture_input(dialogue, &corpus.question(), &topics);
        let captured = replica.capture(&input)?;
        writeln!(out, "{} {}", captured.id, captured.number)?;
        out.flush()?;
    }
}
