//! Builds a demo replica (a province, its dialogues and a hundred realistic questions in various
//! states) and prints what the app would show: the dialogues, the counts per status, the
//! overdue list and a diacritic-insensitive search.
//!
//! With `--server URL --code CODE` the demo replica is enrolled with a running server (the code
//! must be a secretariat user's) and everything it made is synced there, so the app enrolled
//! with the same server shows the demo province: `cargo xtask run` does this.
//!
//! `--questions N` captures N questions instead of a hundred, spread evenly over the dialogues
//! (the app's benchmark, `tests/e2e/bench.mjs`, loads 10,000 this way).

#![allow(clippy::print_stdout, reason = "a demo prints to the terminal")]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use chrono::Duration;
use townhall_core::{
    Clock, ManualClock, Page, QuestionFilter, QuestionSort, Replica, SystemClock, sync,
};
use townhall_domain::Role;
use townhall_testkit::fixture;

/// How many questions the demo captures without `--questions`: twenty per dialogue.
const DEFAULT_QUESTIONS: usize = 100;

fn main() -> Result<()> {
    let mut data_dir = PathBuf::from("target/demo");
    let mut server: Option<String> = None;
    let mut code: Option<String> = None;
    let mut enrol_only = false;
    let mut questions = DEFAULT_QUESTIONS;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--enrol-only" {
            enrol_only = true;
            continue;
        }
        let value = args.next();
        match (arg.as_str(), value) {
            ("--data-dir", Some(dir)) => data_dir = PathBuf::from(dir),
            ("--server", Some(url)) => server = Some(url),
            ("--code", Some(c)) => code = Some(c),
            ("--questions", Some(n)) => {
                questions = n
                    .parse()
                    .with_context(|| format!("--questions takes a number, not {n:?}"))?;
            }
            _ => bail!(
                "usage: townhall-demo [--data-dir DIR] [--questions N] [--enrol-only] \
                 [--server URL --code CODE]"
            ),
        }
    }
    if server.is_some() != code.is_some() {
        bail!("--server and --code go together");
    }
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let path = data_dir.join("replica.sqlite3");
    if enrol_only {
        // Enrols the app's replica (`townhall-app --data-dir DIR`) as the app itself would.
        let (Some(url), Some(code)) = (&server, &code) else {
            bail!("--enrol-only needs --server and --code");
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let name = "Máy tính văn phòng";
        enrol(&runtime, &path, Arc::new(SystemClock), url, code, name)?
            .lock()
            .map_err(|_| anyhow::anyhow!("the replica lock"))?
            .set_device_name(name)?;
        println!("Enrolled {}", path.display());
        return Ok(());
    }
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
        }
    }

    // The demo's history happened over the last six weeks: a clock that starts then makes some
    // assignments overdue today.
    let now = SystemClock.now();
    let past = Arc::new(ManualClock::new(now - Duration::days(42), 1_000));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let shared = match (&server, &code) {
        (Some(url), Some(code)) => {
            enrol(&runtime, &path, past.clone(), url, code, "Máy dữ liệu mẫu")?
        }
        _ => {
            let identity = fixture::identity(Role::Secretariat, 0, 7);
            Arc::new(Mutex::new(fixture::open_enrolled(
                &path,
                &identity,
                past.clone(),
            )?))
        }
    };
    let mut guard = shared
        .lock()
        .map_err(|_| anyhow::anyhow!("the demo replica lock"))?;
    let replica = &mut *guard;
    fixture::demo_province(replica, &past, now, questions)?;
    past.set(now);
    drop(guard);
    if let Some(url) = &server {
        let report = runtime
            .block_on(sync::sync(&shared, &|_| {}))
            .with_context(|| format!("syncing the demo province to {url}"))?;
        println!("Sent {} changes to {url}.", report.sent);
    }
    let replica = shared
        .lock()
        .map_err(|_| anyhow::anyhow!("the demo replica lock"))?;

    println!("Townhall demo replica: {}", path.display());
    println!();
    for d in replica.dialogues()? {
        println!(
            "  {} — {} câu hỏi, {} chưa xong, {} quá hạn\n    {}",
            d.dialogue.details.starts_at.format("%d/%m/%Y"),
            d.questions,
            d.open,
            d.overdue,
            d.dialogue.details.title
        );
    }
    let list = replica.questions(
        &QuestionFilter::default(),
        QuestionSort::Newest,
        Page::first(5),
    )?;
    println!("\nTheo trạng thái:");
    for count in &list.by_status {
        println!("  {:<22} {}", count.status.as_str(), count.count);
    }
    let overdue = QuestionFilter {
        overdue: true,
        ..QuestionFilter::default()
    };
    let overdue = replica.questions(&overdue, QuestionSort::DueDate, Page::first(5))?;
    println!("\nQuá hạn: {}", overdue.total);
    for row in &overdue.rows {
        println!(
            "  {} hạn {} — {}",
            row.number,
            row.due_on
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
            row.agency_name.as_deref().unwrap_or("")
        );
    }
    println!("\nTìm \"bac binh\":");
    for hit in replica.search("bac binh", &QuestionFilter::default(), 3)? {
        println!("  {} {}", hit.row.number, hit.snippet.text);
    }
    Ok(())
}

/// Opens the replica at `path` and enrols it with the server at `url`, as the app does.
fn enrol(
    runtime: &tokio::runtime::Runtime,
    path: &std::path::Path,
    clock: Arc<dyn Clock>,
    url: &str,
    code: &str,
    name: &str,
) -> Result<Arc<Mutex<Replica>>> {
    let replica = Arc::new(Mutex::new(Replica::open(path, clock)?));
    runtime
        .block_on(sync::enrol(&replica, url, code, name))
        .with_context(|| format!("enrolling {} with {url}", path.display()))?;
    Ok(replica)
}
