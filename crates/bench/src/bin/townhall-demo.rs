//! Builds a demo replica (a province, its dialogues and a hundred realistic questions in various
//! states) and prints what the app would show: the dialogues, the counts per status, the
//! overdue list and a diacritic-insensitive search.
//!
//! `cargo xtask run` starts this until the desktop app exists.

#![allow(clippy::print_stdout, reason = "a demo prints to the terminal")]

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::Duration;
use townhall_bench::corpus::Corpus;
use townhall_bench::fixture;
use townhall_core::{Clock, ManualClock, Page, QuestionFilter, QuestionSort, SystemClock};
use townhall_domain::validate::{AnswerInput, AssignmentInput};
use townhall_domain::{AnswerMode, Role};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let data_dir = match (args.next().as_deref(), args.next()) {
        (Some("--data-dir"), Some(dir)) => PathBuf::from(dir),
        (None, None) => PathBuf::from("target/demo"),
        _ => bail!("usage: townhall-demo [--data-dir DIR]"),
    };
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let path = data_dir.join("replica.sqlite3");
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
    let identity = fixture::identity(Role::Secretariat, 0, 7);
    let mut replica = fixture::open_enrolled(&path, &identity, past.clone())?;
    let province = fixture::setup_province(&mut replica, now - Duration::days(40), 4)?;
    let mut corpus = Corpus::new(2026);
    let agencies = replica.agencies(false)?;
    let mut captured = Vec::new();
    for dialogue in &province.dialogues {
        captured.extend(fixture::capture_many(
            &mut replica,
            *dialogue,
            &mut corpus,
            20,
        )?);
    }
    for (i, question) in captured.iter().enumerate() {
        let agency = &agencies[i % agencies.len()];
        match i % 10 {
            0..=3 => {
                let due_on = past.today() + Duration::days(if i % 3 == 0 { 15 } else { 60 });
                let input = AssignmentInput {
                    agency: agency.id,
                    due_on,
                    instructions: "Trả lời bằng văn bản cho công dân".to_owned(),
                };
                replica.assign(question.id, &input)?;
            }
            5 => {
                let input = AssignmentInput {
                    agency: agency.id,
                    due_on: past.today() + Duration::days(10),
                    instructions: String::new(),
                };
                replica.assign(question.id, &input)?;
                let answer = AnswerInput {
                    mode: AnswerMode::Written,
                    answered_by: agency.name.clone(),
                    agency: Some(agency.id),
                    content: "Cơ quan đã kiểm tra, trả lời bằng văn bản và hướng dẫn công dân."
                        .to_owned(),
                    document_number: Some(format!("{}/{}-VP", 100 + i, agency.short_name)),
                    document_date: Some(past.today()),
                };
                replica.add_answer(question.id, &answer)?;
            }
            _ => {}
        }
    }
    past.set(now);

    println!("Townhall demo replica: {}", path.display());
    println!("(the desktop app arrives with the app issue; this is the replica it will read)\n");
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
