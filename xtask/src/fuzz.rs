//! `cargo xtask fuzz`: the fuzz targets in `fuzz/` (cargo-fuzz, libFuzzer), one after another
//! on one core.
//!
//! cargo-fuzz needs a nightly toolchain. `cargo xtask test` runs the smoke run only when
//! rustup has a nightly toolchain, and installs cargo-fuzz when it is missing, as it installs
//! tauri-driver for the WebView tests.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::cmd::{Cmd, TestCounts, announce};
use crate::prereqs;

/// Every fuzz target, in the order they run.
pub(crate) const TARGETS: [&str; 6] = ["push", "pull", "enrol", "settings", "validate", "merge"];

/// Seconds per target in a smoke run.
pub(crate) const SMOKE_SECONDS: u64 = 15;

/// What one target's run did, from libFuzzer's last lines.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct FuzzRun {
    /// The target.
    pub(crate) target: String,
    /// Inputs run.
    pub(crate) runs: u64,
    /// Coverage points (edges) reached, as libFuzzer counts them.
    pub(crate) cov: u64,
    /// Features, libFuzzer's finer measure of coverage.
    pub(crate) features: u64,
    /// Inputs in the corpus at the end.
    pub(crate) corpus: u64,
    /// Seconds it ran.
    pub(crate) seconds: u64,
}

/// Whether rustup has a nightly toolchain, which cargo-fuzz needs (`-Z` flags, sanitizers).
pub(crate) fn nightly_available() -> bool {
    Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Which sanitizer the targets are built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sanitizer {
    /// AddressSanitizer, cargo-fuzz's default: for the long runs, as the targets reach SQLite's
    /// C code.
    Address,
    /// None: for the smoke run in `cargo xtask test`, which looks for panics, hangs and
    /// refused invariants. A cold ASan build of the targets takes most of an hour on two
    /// cores (sanitized std, SQLite and every dependency); without one it is a plain
    /// release build.
    None,
}

impl Sanitizer {
    fn flag(self) -> &'static str {
        match self {
            Self::Address => "--sanitizer=address",
            Self::None => "--sanitizer=none",
        }
    }
}

/// Runs every target (or only `only`) for `seconds` each, one after another, and prints what
/// each did. Fails on the first crash, naming the input that caused it.
pub(crate) fn run(
    root: &Path,
    seconds: u64,
    only: Option<&str>,
    sanitizer: Sanitizer,
) -> Result<Vec<FuzzRun>> {
    if !nightly_available() {
        bail!(
            "cargo-fuzz needs a nightly toolchain: `rustup toolchain install nightly --profile minimal`"
        );
    }
    prereqs::ensure_cargo_tool("cargo-fuzz", "cargo-fuzz")?;
    let targets: Vec<&str> = match only {
        Some(target) if TARGETS.contains(&target) => vec![target],
        Some(target) => bail!(
            "no fuzz target `{target}`; there are {}",
            TARGETS.join(", ")
        ),
        None => TARGETS.to_vec(),
    };
    let fuzz = root.join("fuzz");
    announce("building the fuzz targets (nightly, with coverage instrumentation)");
    nightly(root)
        .args(["fuzz", "build", sanitizer.flag()])
        .run()?;
    let logs = fuzz.join("artifacts").join("logs");
    std::fs::create_dir_all(&logs)?;
    let mut runs = Vec::new();
    for target in targets {
        announce(&format!("fuzzing `{target}` for {seconds} s"));
        let corpus = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&corpus)?;
        let seeds = fuzz.join("seeds").join(target);
        let log_path = logs.join(format!("{target}.log"));
        let mut args: Vec<OsString> = vec!["+nightly".into(), "fuzz".into(), "run".into()];
        args.push(sanitizer.flag().into());
        args.push(target.into());
        args.push(corpus.into());
        if seeds.is_dir() {
            args.push(seeds.into());
        }
        for arg in [
            "--".to_owned(),
            format!("-max_total_time={seconds}"),
            "-timeout=20".to_owned(),
            "-rss_limit_mb=4096".to_owned(),
            "-print_final_stats=1".to_owned(),
        ] {
            args.push(arg.into());
        }
        if matches!(target, "push" | "pull" | "enrol") {
            args.push(format!("-dict={}", fuzz.join("push.dict").display()).into());
        }
        let success = run_logged(root, &args, &log_path)?;
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if !success {
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
            bail!(
                "fuzz target `{target}` failed; the input is in fuzz/artifacts/{target}/ and the \
                 log in {}",
                log_path.display()
            );
        }
        let mut run = parse_log(&log);
        run.target = target.to_owned();
        println!(
            "fuzz {target}: {} runs in {} s, cov {}, ft {}, corpus {}, no crash",
            run.runs, run.seconds, run.cov, run.features, run.corpus
        );
        runs.push(run);
    }
    Ok(runs)
}

/// Each target as one test in `cargo xtask test`'s totals; a failure counts once.
pub(crate) fn counts(result: &Result<Vec<FuzzRun>>) -> (TestCounts, bool) {
    match result {
        Ok(runs) => (
            TestCounts {
                passed: runs.len() as u64,
                failed: 0,
            },
            true,
        ),
        Err(err) => {
            eprintln!("error: fuzzing failed: {err:#}");
            (
                TestCounts {
                    passed: 0,
                    failed: 1,
                },
                false,
            )
        }
    }
}

/// `cargo +nightly …` in the workspace root: through rustup's proxy, not `$CARGO` (the stable
/// toolchain's own cargo, which knows no `+nightly`).
fn nightly(root: &Path) -> Cmd {
    Cmd::new("cargo").arg("+nightly").current_dir(root)
}

/// Reads the figures from a libFuzzer log: the last status line (`#123 DONE cov: 45 ft: 67
/// corp: 8/1024b …`) and the final stats (`stat::number_of_executed_units: 123`).
pub(crate) fn parse_log(log: &str) -> FuzzRun {
    let mut run = FuzzRun::default();
    for line in log.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix('#') {
            let mut words = rest.split_whitespace();
            if let Some(Ok(n)) = words.next().map(str::parse::<u64>) {
                run.runs = run.runs.max(n);
            }
            let words: Vec<&str> = rest.split_whitespace().collect();
            for pair in words.windows(2) {
                let value = pair[1]
                    .split('/')
                    .next()
                    .and_then(|v| v.parse::<u64>().ok());
                match (pair[0], value) {
                    ("cov:", Some(v)) => run.cov = v,
                    ("ft:", Some(v)) => run.features = v,
                    ("corp:", Some(v)) => run.corpus = v,
                    _ => {}
                }
            }
        } else if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
            if let Ok(n) = n.trim().parse() {
                run.runs = n;
            }
        } else if let Some(s) = line.strip_prefix("Done ") {
            // `Done 123 runs in 15 second(s)`
            let words: Vec<&str> = s.split_whitespace().collect();
            if let Some(Ok(secs)) = words.get(3).map(|w| w.parse()) {
                run.seconds = secs;
            }
        }
    }
    run
}

/// Echoes `cargo <args>` and runs it in `root` with its output (libFuzzer's, which is long)
/// going to `log` instead of the terminal; returns whether it succeeded.
fn run_logged(root: &Path, args: &[OsString], log: &Path) -> Result<bool> {
    eprintln!(
        "$ {} > {}",
        Cmd::new("cargo").args(args.iter().cloned()),
        log.display()
    );
    let file = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let status = Command::new("cargo")
        .args(args)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .context("could not start `cargo +nightly fuzz`")?;
    Ok(status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_come_from_the_log() {
        let log = "\
INFO: Seed: 42
#2\tINITED cov: 100 ft: 120 corp: 3/200b exec/s: 0 rss: 40Mb
#1024\tpulse  cov: 150 ft: 300 corp: 9/1Kb lim: 20 exec/s: 512 rss: 50Mb
#5000\tDONE   cov: 180 ft: 410 corp: 12/2Kb lim: 40 exec/s: 333 rss: 60Mb
Done 5000 runs in 15 second(s)
stat::number_of_executed_units: 5001
stat::average_exec_per_sec:     333
";
        assert_eq!(
            parse_log(log),
            FuzzRun {
                target: String::new(),
                runs: 5001,
                cov: 180,
                features: 410,
                corpus: 12,
                seconds: 15,
            }
        );
    }
}
