//! Sync throughput over loopback: push of N questions against the raw SQLite floor measured in
//! the same run, and pull of N into a fresh replica with its peak memory.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use townhall_core::sync::{self, Progress, SyncClient};
use townhall_core::{Clock, Replica, SystemClock};
use townhall_domain::Role;
use townhall_testkit::corpus::Corpus;
use townhall_testkit::fixture;
use townhall_testkit::server::TestServer;

/// Runs the push and pull figures for `counts` questions.
pub(crate) fn sync_throughput(counts: &[usize], pull_count: usize) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    for &n in counts {
        let floor = raw_floor(n)?;
        let server = TestServer::start()?;
        let dir = tempfile::tempdir()?;
        let device = enrolled(
            &rt,
            &server,
            &dir.path().join("device.sqlite3"),
            Role::Secretariat,
        )?;
        fill(&device, n)?;
        let cpu_before = cpu_time();
        let pushed = push_all(&rt, &device)?;
        let push_cpu = cpu_time().saturating_sub(cpu_before);
        let rate = n as f64 / pushed.as_secs_f64();
        println!(
            "{:<52} {:>12} {:>12}  10,000 < 1 s",
            format!("push {n} questions over loopback"),
            format!("{:.3} s", pushed.as_secs_f64()),
            format!("{rate:.0}/s"),
        );
        print_cpu(push_cpu);
        println!(
            "{:<52} {:>12} {:>12}  ratio = floor / push",
            format!("  raw floor: {n} rows, one prepared transaction"),
            format!("{:.3} s", floor.as_secs_f64()),
            format!("{:.2}", floor.as_secs_f64() / pushed.as_secs_f64()),
        );
        if n == pull_count {
            let fresh_dir = tempfile::tempdir()?;
            let fresh = enrolled(
                &rt,
                &server,
                &fresh_dir.path().join("fresh.sqlite3"),
                Role::Leader,
            )?;
            reset_peak_memory();
            let before = peak_memory_kib();
            let cpu_before = cpu_time();
            let started = Instant::now();
            // The resident set at each tenth of the pull, and the part of it that is the
            // server's kept pages, which stop at `page_cache_mib`: the rest levels off once
            // SQLite's bounded caches have filled, whatever the count (docs/RELIABILITY.md).
            let expected = n as u64;
            let trace = Mutex::new(Vec::new());
            let sample = |p: Progress| {
                if let Ok(mut trace) = trace.lock() {
                    let tenth = (p.received.saturating_mul(10) / expected.max(1)) as usize;
                    if tenth > trace.len() {
                        trace.push((resident_kib(), server.page_cache_usage().1 / 1024));
                    }
                }
            };
            let report = rt.block_on(sync::sync(&fresh, &sample))?;
            let took = started.elapsed();
            let pull_cpu = cpu_time().saturating_sub(cpu_before);
            let peak = peak_memory_kib();
            println!(
                "{:<52} {:>12} {:>12}  100,000 < 5 s, flat memory",
                format!("pull {} changes into a fresh replica", report.received),
                format!("{:.3} s", took.as_secs_f64()),
                format!("{:.0}/s", report.received as f64 / took.as_secs_f64()),
            );
            print_cpu(pull_cpu);
            println!(
                "{:<52} {:>12} {:>12}",
                "  peak RSS of the process during the pull (server included)",
                format!("{} MiB", peak / 1024),
                format!("+{} MiB", peak.saturating_sub(before) / 1024),
            );
            let trace = trace.into_inner().unwrap_or_default();
            let mib = |pick: fn(&(u64, usize)) -> u64| {
                let tenths: Vec<String> =
                    trace.iter().map(|t| (pick(t) / 1024).to_string()).collect();
                tenths.join(" ")
            };
            // Progress comes with each applied batch, so a pull of one batch has one reading.
            println!(
                "  RSS (MiB) as the pull went, at most a reading per tenth: {}",
                mib(|t| t.0)
            );
            println!(
                "    of which the server's kept pages:                       {}",
                mib(|t| t.1 as u64)
            );
            println!(
                "    the rest:                                               {}",
                mib(|t| t.0.saturating_sub(t.1 as u64))
            );
        }
    }
    Ok(())
}

fn enrolled(
    rt: &tokio::runtime::Runtime,
    server: &TestServer,
    path: &std::path::Path,
    role: Role,
) -> Result<Arc<Mutex<Replica>>> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let replica = Arc::new(Mutex::new(Replica::open(path, clock)?));
    let user = server.user("Bench", role, None, None)?;
    let code = server.code(user)?;
    rt.block_on(sync::enrol(&replica, &server.url, &code, "bench"))?;
    Ok(replica)
}

/// Captures `n` questions offline (not timed).
fn fill(device: &Arc<Mutex<Replica>>, n: usize) -> Result<()> {
    let mut replica = device.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let province = fixture::setup_province(&mut replica, SystemClock.now(), 1)?;
    let mut corpus = Corpus::new(n as u64);
    fixture::load(&mut replica, &province.dialogues[..1], &mut corpus, n)?;
    Ok(())
}

/// Pushes the whole outbox through the real client, as sync does, and times it.
fn push_all(rt: &tokio::runtime::Runtime, device: &Arc<Mutex<Replica>>) -> Result<Duration> {
    let config = device
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .sync_config()?
        .context("enrolled")?;
    let client = SyncClient::new(&config.server_url, Some(config.token))?;
    let started = Instant::now();
    loop {
        let items = device
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .pending_push(sync::PUSH_BATCH)?;
        if items.is_empty() {
            return Ok(started.elapsed());
        }
        let response = rt.block_on(client.push(items))?;
        device
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .record_push(&response)?;
    }
}

/// Inserts `n` question-sized rows into a fresh SQLite file with one prepared statement in one
/// transaction (WAL, `synchronous=FULL`): the floor no sync protocol can beat.
fn raw_floor(n: usize) -> Result<Duration> {
    let dir = tempfile::tempdir()?;
    let mut conn = rusqlite::Connection::open(dir.path().join("floor.sqlite3"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE q (id TEXT PRIMARY KEY, dialogue TEXT, letter TEXT, counter INTEGER, kind TEXT,
             source TEXT, topic TEXT, content TEXT, stamp TEXT, name TEXT, locality TEXT, phone TEXT,
             device TEXT, captured_at TEXT, status TEXT, merged_into TEXT)",
    )?;
    let mut corpus = Corpus::new(7);
    let rows: Vec<_> = (0..n).map(|_| corpus.question()).collect();
    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare("INSERT INTO q VALUES (?1, 'd', 'A', ?2, 'petition', 'in_hall', 't', ?3, 's', ?4, ?5, ?6, 'dev', '2026-11-27T00:00:00Z', 'received', NULL)")?;
        for (i, q) in rows.iter().enumerate() {
            let id = townhall_domain::QuestionId::generate(1_764_000_000_000 + i as u64, [7; 10]);
            stmt.execute(rusqlite::params![
                id.to_string(),
                i as i64,
                q.content,
                q.citizen_name,
                q.citizen_locality,
                q.phone
            ])?;
        }
    }
    tx.commit()?;
    Ok(started.elapsed())
}

/// Prints the CPU time a step took, all threads of the process (client and server) together:
/// steadier than wall time on a machine shared with other work.
fn print_cpu(cpu: Duration) {
    println!(
        "{:<52} {:>12}",
        "  cpu time of the process (client and server)",
        format!("{:.3} s", cpu.as_secs_f64()),
    );
}

/// User and system CPU time of every thread of this process so far (Linux; zero elsewhere).
fn cpu_time() -> Duration {
    // `/proc/self/stat`: fields 14 and 15 (utime, stime) in clock ticks, counted after the
    // command name, which is in parentheses and may hold spaces.
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: u64 = fields.get(11)?.parse().ok()?;
            let stime: u64 = fields.get(12)?.parse().ok()?;
            Some(utime + stime)
        })
        .unwrap_or(0);
    // The kernel reports in USER_HZ, 100 on every Linux this runs on.
    Duration::from_millis(ticks * 10)
}

/// Resets the kernel's peak-RSS mark for this process (Linux), so the next reading is the peak
/// of what follows.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's resident set now, in KiB (0 where unknown).
fn resident_kib() -> u64 {
    crate::status_kib("VmRSS:")
}

/// The process's peak resident set since the last reset, in KiB (0 where unknown).
fn peak_memory_kib() -> u64 {
    crate::status_kib("VmHWM:")
}
