//! Exporting the compiled report of a province's questions to `.xlsx`, `.docx` and `.csv`: the
//! time and the peak memory of each export.
//!
//! Each export runs in a child process (this binary again, with `--export-child`), so its peak
//! resident set (`VmHWM`) is the export's own and not the peak of filling the replica.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::Duration;
use townhall_core::{
    Clock, ExportFormat, ExportOptions, Replica, ReportScope, Signer, SystemClock,
};
use townhall_domain::calendar::HolidayCalendar;
use townhall_domain::validate::{AnswerInput, AssignmentInput};
use townhall_domain::{AgencyId, AnswerMode, QuestionId, Role};
use townhall_testkit::corpus::Corpus;
use townhall_testkit::fixture;

/// The argument that makes this binary one export's child process.
pub(crate) const CHILD_FLAG: &str = "--export-child";

/// Fills a replica with `count` questions (a fifth of them assigned, some answered in
/// writing) and exports its whole report to each format in a child process.
pub(crate) fn export_report(count: usize) -> Result<()> {
    let dir = crate::bench_dir()?;
    let path = dir.path().join("export.sqlite3");
    let started = Instant::now();
    fill(&path, count)?;
    println!(
        "{:<52} {:>12}",
        format!("fill {count} questions (a fifth assigned)"),
        format!("{:.1} s", started.elapsed().as_secs_f64()),
    );
    for format in ["xlsx", "docx", "csv"] {
        let out = dir.path().join(format!("bao-cao.{format}"));
        let output = Command::new(std::env::current_exe()?)
            .args([CHILD_FLAG, format])
            .arg(&path)
            .arg(&out)
            .output()
            .context("running the export's child process")?;
        if !output.status.success() {
            bail!(
                "the {format} export failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let figures = String::from_utf8_lossy(&output.stdout);
        let field = |name: &str| -> Result<f64> {
            figures
                .split_whitespace()
                .find_map(|f| f.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .with_context(|| format!("no {name} in the child's output `{figures}`"))
        };
        let (seconds, peak, baseline, bytes, questions) = (
            field("seconds")?,
            field("peak_kib")?,
            field("baseline_kib")?,
            field("bytes")?,
            field("questions")?,
        );
        println!(
            "{:<52} {:>12} {:>12}  bounded memory",
            format!(
                "export {questions} questions to .{format} ({:.1} MB)",
                bytes / 1e6
            ),
            format!("{seconds:.2} s"),
            format!("{:.0} MiB", peak / 1024.0),
        );
        println!(
            "{:<52} {:>12} {:>12}",
            "  peak RSS above the opened replica",
            "",
            format!("{:.0} MiB", (peak - baseline) / 1024.0),
        );
    }
    Ok(())
}

/// The child process: opens the replica, exports once, prints its figures.
pub(crate) fn child(args: &[String]) -> Result<()> {
    let [format, replica, out] = args else {
        bail!("usage: townhall-bench {CHILD_FLAG} xlsx|docx|csv REPLICA OUT");
    };
    let format = match format.as_str() {
        "xlsx" => ExportFormat::Xlsx,
        "docx" => ExportFormat::Docx,
        "csv" => ExportFormat::Csv,
        other => bail!("unknown format `{other}`"),
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut replica = Replica::open(Path::new(replica), clock)?;
    let calendar = HolidayCalendar::official();
    let baseline = crate::status_kib("VmRSS:");
    let started = Instant::now();
    let summary = replica.export_report(
        &ReportScope::default(),
        &options(format),
        &calendar,
        Path::new(out),
    )?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "seconds={seconds} peak_kib={} baseline_kib={baseline} bytes={} questions={}",
        crate::status_kib("VmHWM:"),
        summary.bytes,
        summary.questions
    );
    Ok(())
}

fn options(format: ExportFormat) -> ExportOptions {
    ExportOptions {
        format,
        include_personal_data: true,
        superior_body: None,
        issuing_body: "Ủy ban nhân dân tỉnh Lâm Đồng".to_owned(),
        document_number: "   /BC-UBND".to_owned(),
        place: "Lâm Đồng".to_owned(),
        signer: Some(Signer {
            authority: Some("TM. Ủy ban nhân dân".to_owned()),
            title: "Chủ tịch".to_owned(),
            name: "Nguyễn Văn Minh".to_owned(),
        }),
        recipients: vec!["Thường trực Tỉnh ủy;".to_owned(), "Lưu: VT.".to_owned()],
    }
}

/// A secretariat replica with `count` generated questions over five dialogues; every fifth
/// question assigned to one of three agencies, and one in twenty of those answered in writing.
fn fill(path: &Path, count: usize) -> Result<()> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let identity = fixture::identity(Role::Secretariat, 3, 3);
    let mut replica = fixture::open_enrolled(path, &identity, clock.clone())?;
    let province = fixture::setup_province(&mut replica, clock.now() - Duration::days(30), 4)?;
    let mut corpus = Corpus::new(3);
    fixture::load(&mut replica, &province.dialogues, &mut corpus, count)?;
    let agencies: Vec<AgencyId> = replica
        .agencies(false)?
        .into_iter()
        .take(3)
        .map(|a| a.id)
        .collect();
    let ids = every_fifth_question(path)?;
    let today = clock.today();
    for (i, chunk) in ids.chunks(fixture::LOAD_BATCH).enumerate() {
        let input = AssignmentInput {
            agency: agencies[i % agencies.len()],
            due_on: today + Duration::days(15 + i as i64),
            instructions: "Trả lời bằng văn bản cho công dân, báo cáo kết quả".to_owned(),
        };
        replica.assign_many(chunk, &input)?;
    }
    for id in ids.iter().step_by(20).take(200) {
        replica.add_answer(
            *id,
            &AnswerInput {
                mode: AnswerMode::Written,
                answered_by: "Giám đốc Sở".to_owned(),
                agency: None,
                content: "Sở đã kiểm tra thực tế và trả lời công dân theo quy định.".to_owned(),
                document_number: Some("125/SNNMT-QLĐĐ".to_owned()),
                document_date: Some(today),
            },
        )?;
    }
    Ok(())
}

/// Every fifth question's id, read straight from the file.
fn every_fifth_question(path: &Path) -> Result<Vec<QuestionId>> {
    let conn = rusqlite::Connection::open(path)?;
    let mut stmt = conn.prepare("SELECT id FROM questions WHERE local_seq % 5 = 0")?;
    stmt.query_map([], |r| r.get::<_, String>(0))?
        .map(|id| Ok(id?.parse()?))
        .collect()
}
