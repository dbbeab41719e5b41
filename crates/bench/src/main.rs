//! Townhall's benchmark harness: `cargo xtask bench` (or `--quick` for small data; `--pull N sync`
//! for the push and pull of N questions alone).
//!
//! Prints each figure next to its target from DESIGN.md. Figures are for the machine the
//! command ran on; targets are met here, never enforced by timed tests.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

mod export_bench;
mod sync_bench;
use townhall_core::{Clock, QuestionFilter, SystemClock};
use townhall_domain::{Role, TopicId};
use townhall_testkit::corpus::{Corpus, search_queries};
use townhall_testkit::fixture;

/// Sizes of one run.
struct Sizes {
    captures: usize,
    search_rows: usize,
    search_rounds: usize,
    export_rows: usize,
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
struct Options {
    /// Small data, to check the harness works.
    quick: bool,
    /// One part alone: `capture`, `sync`, `search` or `export`.
    only: Option<String>,
    /// The push and pull of this many questions, in place of the standard sizes.
    pull: Option<usize>,
}

impl Options {
    fn parse(args: Vec<String>) -> Result<Self> {
        let mut options = Self {
            quick: false,
            only: None,
            pull: None,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--pull" => {
                    let count = args.next().unwrap_or_default();
                    match count.replace('_', "").parse::<usize>() {
                        Ok(n) if n > 0 => options.pull = Some(n),
                        _ => bail!("`--pull` takes a count of questions above 0, not `{count}`"),
                    }
                }
                "capture" | "sync" | "search" | "export" => options.only = Some(arg),
                other => bail!(
                    "unknown argument `{other}`; usage: townhall-bench [--quick] \
                     [--pull COUNT] [capture|sync|search|export]"
                ),
            }
        }
        Ok(options)
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(export_bench::CHILD_FLAG) {
        return export_bench::child(&args[1..]);
    }
    let Options { quick, only, pull } = Options::parse(args)?;
    let runs = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let sizes = if quick {
        Sizes {
            captures: 300,
            search_rows: 10_000,
            search_rounds: 5,
            export_rows: 10_000,
        }
    } else {
        Sizes {
            captures: 2_000,
            search_rows: 100_000,
            search_rounds: 30,
            export_rows: 100_000,
        }
    };
    println!(
        "Townhall benchmarks{} — {} cores",
        if quick { " (quick)" } else { "" },
        cores()
    );
    println!("{:<52} {:>12} {:>12}  target", "measure", "p50", "p99/p95");
    if runs("capture") {
        capture_latency(&sizes)?;
    }
    if runs("sync") {
        if let Some(n) = pull {
            sync_bench::sync_throughput(&[n], n)?;
        } else if quick {
            sync_bench::sync_throughput(&[2_000], 2_000)?;
        } else {
            sync_bench::sync_throughput(&[10_000, 100_000], 100_000)?;
        }
    }
    if runs("search") {
        search_latency(&sizes)?;
    }
    if runs("export") {
        export_bench::export_report(sizes.export_rows)?;
    }
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The `q`-quantile of sorted durations.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// One figure of this process's `/proc/self/status` in KiB, such as `VmRSS:` or `VmHWM:`
/// (0 where unknown, as off Linux).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A fresh directory for one benchmark's files, under `TOWNHALL_BENCH_KEEP` when that is set
/// (to inspect them afterwards), else a temporary one removed at the end.
fn bench_dir() -> Result<tempfile::TempDir> {
    Ok(match std::env::var_os("TOWNHALL_BENCH_KEEP") {
        Some(base) => {
            std::fs::create_dir_all(&base)?;
            tempfile::Builder::new()
                .prefix("bench-")
                .disable_cleanup(true)
                .tempdir_in(base)?
        }
        None => tempfile::tempdir()?,
    })
}

/// One capture at a time into a replica with `synchronous=FULL`, as a recorder saves.
fn capture_latency(sizes: &Sizes) -> Result<()> {
    let dir = bench_dir()?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let identity = fixture::identity(Role::Secretariat, 1, 1);
    let mut replica = fixture::open_enrolled(
        &dir.path().join("capture.sqlite3"),
        &identity,
        clock.clone(),
    )?;
    let province = fixture::setup_province(&mut replica, clock.now(), 1)?;
    let topics: Vec<TopicId> = replica.topics(false)?.into_iter().map(|t| t.id).collect();
    let mut corpus = Corpus::new(1);
    let mut samples = Vec::with_capacity(sizes.captures);
    for _ in 0..sizes.captures {
        let input = fixture::capture_input(province.dialogues[0], &corpus.question(), &topics);
        let started = Instant::now();
        replica.capture(&input)?;
        samples.push(started.elapsed());
    }
    samples.sort();
    println!(
        "{:<52} {:>12} {:>12}  p99 < 10 ms",
        format!("capture, durable (FULL sync), n={}", sizes.captures),
        ms(quantile(&samples, 0.5)),
        ms(quantile(&samples, 0.99)),
    );
    Ok(())
}

/// Diacritic-insensitive search over a replica of generated Vietnamese questions.
fn search_latency(sizes: &Sizes) -> Result<()> {
    let dir = bench_dir()?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let identity = fixture::identity(Role::Secretariat, 2, 2);
    let mut replica =
        fixture::open_enrolled(&dir.path().join("search.sqlite3"), &identity, clock.clone())?;
    let province = fixture::setup_province(&mut replica, clock.now(), 4)?;
    let mut corpus = Corpus::new(2);
    let started = Instant::now();
    fixture::load(
        &mut replica,
        &province.dialogues,
        &mut corpus,
        sizes.search_rows,
    )?;
    let load = started.elapsed();
    println!(
        "{:<52} {:>12} {:>12}",
        format!(
            "load {} questions (batches of {})",
            sizes.search_rows,
            fixture::LOAD_BATCH
        ),
        format!("{:.1} s", load.as_secs_f64()),
        format!("{:.0}/s", sizes.search_rows as f64 / load.as_secs_f64()),
    );
    let filter = QuestionFilter::default();
    let queries = search_queries();
    let mut per_query: Vec<Vec<Duration>> = vec![Vec::new(); queries.len()];
    let mut hits = 0usize;
    for _ in 0..sizes.search_rounds {
        for (query, samples) in queries.iter().zip(&mut per_query) {
            let started = Instant::now();
            let found = replica.search(query, &filter, 20)?;
            samples.push(started.elapsed());
            hits += found.len();
        }
    }
    let mut samples: Vec<Duration> = per_query.iter().flatten().copied().collect();
    samples.sort();
    println!(
        "{:<52} {:>12} {:>12}  p95 < 20 ms",
        format!(
            "search top 20 over {} ({} queries)",
            sizes.search_rows,
            samples.len()
        ),
        ms(quantile(&samples, 0.5)),
        ms(quantile(&samples, 0.95)),
    );
    let mut medians: Vec<(Duration, &str)> = per_query
        .iter_mut()
        .zip(queries)
        .map(|(s, q)| {
            s.sort();
            (quantile(s, 0.5), *q)
        })
        .collect();
    medians.sort();
    for (median, query) in medians.iter().rev().take(3) {
        println!(
            "{:<52} {:>12}",
            format!("  slow query \"{query}\" (median)"),
            ms(*median)
        );
    }
    if hits == 0 {
        bail!("no query found anything: the corpus or the index is broken");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options> {
        Options::parse(args.iter().map(|a| (*a).to_owned()).collect())
    }

    #[test]
    fn a_pull_count_is_read_with_or_without_separators() {
        let options = parse(&["--pull", "300_000", "sync"]).unwrap();
        assert_eq!(
            options,
            Options {
                quick: false,
                only: Some("sync".to_owned()),
                pull: Some(300_000),
            }
        );
        assert_eq!(parse(&["--pull", "2500"]).unwrap().pull, Some(2_500));
    }

    #[test]
    fn a_bad_pull_count_is_refused_and_named() {
        for (args, named) in [
            (&["--pull", "0"][..], "`0`"),
            (&["--pull", "lots"][..], "`lots`"),
            (&["--pull", "-5"][..], "`-5`"),
            (&["sync", "--pull"][..], "``"),
        ] {
            let error = parse(args).unwrap_err().to_string();
            assert!(
                error.starts_with("`--pull` takes a count of questions above 0")
                    && error.ends_with(named),
                "{args:?}: {error}"
            );
        }
    }

    #[test]
    fn an_unknown_argument_is_refused_with_the_usage() {
        let error = parse(&["--qiuck"]).unwrap_err().to_string();
        assert!(error.contains("unknown argument `--qiuck`"), "{error}");
        assert!(error.contains("[--pull COUNT]"), "{error}");
    }
}
