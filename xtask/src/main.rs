//! Townhall's developer commands, run as `cargo xtask <command>`.
//!
//! Each habit has one command, so what a developer runs locally is what CI runs.
//! `cargo xtask help` lists them.
//! They are plain Rust rather than shell scripts, so they behave the same wherever cargo runs.
//! That also lets `cargo xtask test` install what the tests need before running them.

// A command-line tool talks to the terminal: printing is its job, not a leftover.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod app;
mod bindings;
mod chaos;
mod cmd;
mod flags;
mod fuzz;
mod prereqs;
#[cfg(test)]
mod tidy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::cmd::{Cmd, announce};
use crate::flags::{ChaosFlags, Command, FuzzFlags, LoadFlags, USAGE};

/// Parses the command line and runs the command.
///
/// A usage error exits with status 2, as is usual for command-line tools.
/// A script can then tell it apart from a failing step, which exits with status 1.
fn main() -> ExitCode {
    let command = match flags::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(err) => {
            eprintln!("error: {err}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match dispatch(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
fn dispatch(command: Command) -> Result<()> {
    let root = workspace_root()?;
    match command {
        Command::Help => {
            println!("{USAGE}");
            Ok(())
        }
        Command::Test => test(&root),
        Command::Ci => ci(&root),
        Command::Bindings => bindings::write(&root),
        Command::Bench { quick } => bench(&root, quick),
        Command::Run => app::run(&root),
        Command::Bundle => app::bundle(&root),
        Command::Load(flags) => load(&root, flags),
        Command::Chaos(flags) => chaos::run(&root, flags).map(drop),
        Command::Fuzz(FuzzFlags {
            seconds,
            target,
            smoke,
        }) => {
            let sanitizer = if smoke {
                fuzz::Sanitizer::None
            } else {
                fuzz::Sanitizer::Address
            };
            fuzz::run(&root, seconds, target, sanitizer).map(drop)
        }
    }
}

/// Installs what the tests need, then runs every test CI runs.
fn test(root: &Path) -> Result<()> {
    // The server's PostgreSQL store is tested against a real PostgreSQL, which the tests start
    // themselves from the server programs of Debian's `postgresql` package; the app needs
    // WebKitGTK, and its tests Xvfb, WebKitWebDriver, tauri-driver and Chromium.
    // That way a fresh machine needs only this one command.
    announce("checking prerequisites: postgresql (for the server's PostgreSQL store tests)");
    prereqs::ensure_apt(&["postgresql"])?;
    app::ensure_prereqs(root)?;
    let mut total = cmd::TestCounts::default();
    let mut ok = true;
    let mut add = |(counts, success): (cmd::TestCounts, bool)| {
        total.passed += counts.passed;
        total.failed += counts.failed;
        ok &= success;
    };

    announce("checking the UI's types and running its unit tests");
    Cmd::new("npm")
        .args(["run", "check"])
        .current_dir(root.join("ui"))
        .run_hiding_stdout()?;
    add(app::npm_tests(&root.join("ui"), "test")?);
    // The app embeds the built UI, so it is built before anything compiles the app.
    app::build_ui(root)?;

    // Doc tests first: `--all-targets` leaves them out.
    announce("running doc tests");
    add(cargo(root)
        .args(["test", "--workspace", "--doc", "--locked"])
        .run_tests()?);

    announce("running unit, integration and end-to-end tests");
    add(cargo(root)
        .args(["test", "--workspace", "--all-targets", "--locked"])
        .run_tests()?);

    // A short chaos soak with a fixed seed: the server and ten device processes through a
    // faulty network, with kills, clock jumps and a restore, then the checker.
    announce("running a 2-minute chaos soak (seed 1)");
    let chaos = chaos::run(
        root,
        ChaosFlags {
            minutes: chaos::CI_MINUTES,
            seed: Some(1),
        },
    );
    add(chaos::counts(&chaos));

    // The fuzz targets for a few seconds each, when the machine has a nightly toolchain
    // (cargo-fuzz needs one); cargo-fuzz itself is installed when missing.
    if fuzz::nightly_available() {
        announce("fuzzing each target briefly (nightly, cargo-fuzz)");
        let fuzzed = fuzz::run(root, fuzz::SMOKE_SECONDS, None, fuzz::Sanitizer::None);
        add(fuzz::counts(&fuzzed));
    } else {
        announce("no nightly toolchain: skipping the fuzz smoke run");
    }

    announce(
        "rendering every screen in Chromium at tablet sizes, with touch, against the dev server",
    );
    add(app::chromium_tests(root)?);

    announce("driving the real app in WebKitGTK through WebDriver, against a real server");
    app::build_binaries(root, false)?;
    add(app::webview_tests(root)?);

    println!("tests: {} passed, {} failed", total.passed, total.failed);
    if !ok {
        bail!("tests failed");
    }
    Ok(())
}

/// Runs the checks CI adds on top of the tests: formatting (Rust and the UI's), the tidy
/// tests, lints, docs and the generated TypeScript bindings.
fn ci(root: &Path) -> Result<()> {
    // Clippy and rustdoc compile the app, which embeds the built UI.
    if !root.join("ui").join("dist").join("index.html").exists() {
        app::build_ui(root)?;
    }
    announce("running rustfmt check");
    cargo(root).args(["fmt", "--all", "--", "--check"]).run()?;

    // Invariants no compiler checks: crate and module layering, docs/IPC.md against the
    // registered commands, pinned migrations, one Content-Security-Policy (see `tidy.rs`).
    announce("running the tidy tests");
    cargo(root)
        .args(["test", "-p", "xtask", "--locked", "tidy"])
        .run()?;

    announce("checking the UI's formatting (prettier)");
    Cmd::new("npm")
        .args(["run", "format:check"])
        .current_dir(root.join("ui"))
        .run()?;

    announce("running clippy with warnings as errors");
    cargo(root)
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ])
        .run()?;

    // The `ts` feature (TypeScript bindings) is off in the workspace build; lint it too.
    announce("running clippy on the `ts` feature with warnings as errors");
    cargo(root)
        .args([
            "clippy",
            "-p",
            "townhall-domain",
            "-p",
            "townhall-core",
            "--features",
            "ts",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ])
        .run()?;

    // Broken intra-doc links and malformed doc comments only show up as rustdoc warnings.
    announce("running rustdoc with warnings as errors");
    cargo(root)
        .env("RUSTDOCFLAGS", "-D warnings")
        .args(["doc", "--workspace", "--no-deps", "--locked"])
        .run()?;

    announce("checking that the TypeScript bindings match the Rust types");
    bindings::check(root)
}

/// Runs the benchmark harness, which checks the quality bars from the design, then measures the
/// app itself: cold start, Save to the display number, scrolling 10,000 questions and the
/// bundle's size (`tests/e2e/bench.mjs`, figures in `target/bench/app.json`).
fn bench(root: &Path, quick: bool) -> Result<()> {
    announce(if quick {
        "running benchmarks (quick)"
    } else {
        "running benchmarks"
    });
    let mut cargo = cargo(root).args([
        "run",
        "--release",
        "--locked",
        "-p",
        "townhall-bench",
        "--bin",
        "townhall-bench",
        "--",
    ]);
    if quick {
        cargo = cargo.arg("--quick");
    }
    cargo.run()?;
    app::bench(root, quick)
}

/// Builds the server and the load generator (release), then plays the load against the server
/// binary: `townhall-load` in `tests/src/bin`, which finds `townhall-server` beside itself.
fn load(root: &Path, flags: LoadFlags) -> Result<()> {
    if flags.postgres {
        announce("checking prerequisites: postgresql (the load runs against a throwaway one)");
        prereqs::ensure_apt(&["postgresql"])?;
    }
    announce("building the server and the load generator");
    cargo(root)
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "townhall-server",
            "-p",
            "townhall-tests",
            "--bin",
            "townhall-server",
            "--bin",
            "townhall-load",
        ])
        .run()?;
    announce("playing the load");
    let mut run = cargo(root).args([
        "run",
        "--release",
        "--locked",
        "-p",
        "townhall-tests",
        "--bin",
        "townhall-load",
        "--",
    ]);
    for (flag, value) in [
        ("--devices", flags.devices),
        ("--questions", flags.questions),
        ("--laptops", flags.laptops),
        ("--pace", flags.pace),
    ] {
        if let Some(value) = value {
            run = run.args([flag.to_owned(), value.to_string()]);
        }
    }
    if flags.postgres {
        run = run.arg("--postgres");
    }
    run.run()
}

/// Starts a cargo command in the workspace root.
fn cargo(root: &Path) -> Cmd {
    Cmd::cargo().current_dir(root)
}

/// Finds the workspace root: the parent of this crate's directory, so the commands work from
/// any directory of the checkout.
fn workspace_root() -> Result<PathBuf> {
    // `cargo xtask` (`cargo run -p xtask`) sets CARGO_MANIFEST_DIR for the run: it names the
    // checkout the command was run in. The compile-time value can name another checkout when
    // several share one CARGO_TARGET_DIR, because cargo does not copy a binary that is already
    // up to date for its own checkout over the one the other checkout built last.
    let at_run = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let manifest_dir = at_run.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .with_context(|| format!("{} has no parent directory", manifest_dir.display()))
}
