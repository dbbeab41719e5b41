//! `cargo xtask chaos`: builds the server, the chaos driver and its device binary, and runs the
//! soak (`tests/src/chaos.rs`), which exits non-zero on any violation.

use std::path::Path;

use anyhow::Result;

use crate::cmd::{Cmd, TestCounts, announce};
use crate::flags::ChaosFlags;

/// Minutes of chaos in `cargo xtask test`.
pub(crate) const CI_MINUTES: u64 = 2;

/// Builds the binaries and runs the soak.
pub(crate) fn run(root: &Path, flags: ChaosFlags) -> Result<()> {
    announce("building the server and the chaos soak's binaries");
    Cmd::cargo()
        .current_dir(root)
        .args([
            "build",
            "--locked",
            "-p",
            "townhall-server",
            "-p",
            "townhall-tests",
            "--bin",
            "townhall-server",
            "--bin",
            "townhall-chaos-device",
            "--bin",
            "townhall-chaos",
        ])
        .run()?;
    announce(&format!(
        "running the chaos soak for {} minutes",
        flags.minutes
    ));
    let mut run = Cmd::cargo().current_dir(root).args([
        "run".to_owned(),
        "--locked".to_owned(),
        "-q".to_owned(),
        "-p".to_owned(),
        "townhall-tests".to_owned(),
        "--bin".to_owned(),
        "townhall-chaos".to_owned(),
        "--".to_owned(),
        "--minutes".to_owned(),
        flags.minutes.to_string(),
    ]);
    if let Some(seed) = flags.seed {
        run = run.args(["--seed".to_owned(), seed.to_string()]);
    }
    run.run()
}

/// The soak as one test in `cargo xtask test`'s totals.
pub(crate) fn counts(result: &Result<()>) -> (TestCounts, bool) {
    match result {
        Ok(()) => (
            TestCounts {
                passed: 1,
                failed: 0,
            },
            true,
        ),
        Err(err) => {
            eprintln!("error: the chaos soak failed: {err:#}");
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
