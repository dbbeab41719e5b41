//! `townhall-chaos`: the chaos soak (`townhall_tests::chaos`); `cargo xtask chaos` builds and
//! runs it. It finds `townhall-server` and `townhall-chaos-device` beside itself, prints a
//! summary, and exits non-zero on any violation.

#![allow(clippy::print_stdout, reason = "the soak prints its report")]

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use townhall_tests::chaos::{self, ChaosOptions};

const USAGE: &str =
    "usage: townhall-chaos --minutes N [--seed S] [--fault-rate R] [--keep] [--no-restore]";

fn main() -> Result<ExitCode> {
    let here = std::env::current_exe()?;
    let beside = |name: &str| {
        here.parent()
            .map(|dir| dir.join(name))
            .context("the soak's own directory")
    };
    let mut minutes: Option<f64> = None;
    let mut options = ChaosOptions {
        duration: Duration::ZERO,
        seed: townhall_core::Randomness::next_u64(&townhall_core::SystemRandom),
        server: beside("townhall-server")?,
        device: beside("townhall-chaos-device")?,
        fault_rate: 0.25,
        keep: false,
        restores: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--keep" {
            options.keep = true;
            continue;
        }
        if flag == "--no-restore" {
            options.restores = false;
            continue;
        }
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--minutes" => minutes = Some(value.parse()?),
            "--seed" => options.seed = value.parse()?,
            "--fault-rate" => options.fault_rate = value.parse()?,
            _ => bail!("unknown argument `{flag}`\n{USAGE}"),
        }
    }
    let minutes = minutes.filter(|m| *m > 0.0).context(USAGE)?;
    options.duration = Duration::try_from_secs_f64(minutes * 60.0)
        .with_context(|| format!("--minutes {minutes} is not a duration\n{USAGE}"))?;
    for binary in [&options.server, &options.device] {
        if !binary.is_file() {
            bail!(
                "no {} beside the soak: build it (`cargo xtask chaos` does)",
                binary.display()
            );
        }
    }
    println!(
        "chaos soak: {minutes} minutes, seed {} (pass --seed {} to replay the driver's choices)",
        options.seed, options.seed
    );
    let report = chaos::run(&options)?;
    print!("{report}");
    if let Some(kept) = &report.kept {
        println!("  files kept in {}", kept.display());
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
