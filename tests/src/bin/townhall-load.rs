//! `townhall-load`: plays recorders' tablets and secretariat laptops against the real
//! `townhall-server` binary over loopback and reports latency, throughput, errors and the
//! server's CPU time and memory (`cargo xtask load` builds and runs it).
//!
//! It lives in `townhall-tests` beside [`townhall_tests::postgres`], which starts the
//! throwaway PostgreSQL `--postgres` runs against; the load itself is
//! `townhall_bench::load`.

#![allow(clippy::print_stdout, reason = "a load generator prints its report")]

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use townhall_bench::load::{self, LoadOptions};
use townhall_tests::postgres::PostgresServer;

const USAGE: &str = "usage: townhall-load [--devices N] [--questions N] [--laptops N] \
                     [--batch N] [--concurrency N | --pace SECONDS] [--postgres | --database URL] \
                     [--server PATH]";

fn main() -> Result<()> {
    let beside_us = std::env::current_exe()?
        .parent()
        .map(|dir| dir.join("townhall-server"))
        .context("the load generator's own directory")?;
    let mut options = LoadOptions::full(beside_us);
    let mut postgres = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--postgres" {
            postgres = true;
            continue;
        }
        if arg == "--help" || arg == "-h" {
            println!("{USAGE}");
            return Ok(());
        }
        let Some(value) = args.next() else {
            bail!("{arg} needs a value\n{USAGE}");
        };
        let number = || {
            value
                .parse::<usize>()
                .with_context(|| format!("{arg} takes a number, not {value:?}"))
        };
        match arg.as_str() {
            "--devices" => options.devices = number()?,
            "--questions" => options.questions = number()?,
            "--laptops" => options.laptops = number()?,
            "--batch" => options.batch = number()?,
            "--concurrency" => options.concurrency = number()?,
            "--pace" => {
                let seconds = value
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
                    .with_context(|| {
                        format!("--pace takes a number of seconds up to a day, not {value:?}")
                    })?;
                options.pace = Some(
                    std::time::Duration::try_from_secs_f64(seconds)
                        .with_context(|| format!("--pace {value} is not a duration"))?,
                );
            }
            "--database" => options.database = Some(value),
            "--server" => options.server = PathBuf::from(value),
            _ => bail!("unknown argument `{arg}`\n{USAGE}"),
        }
    }
    if !options.server.is_file() {
        bail!(
            "no server binary at {}: build it (`cargo build --release -p townhall-server`) or \
             name it with --server",
            options.server.display()
        );
    }
    // Kept alive for the run; stopped on drop.
    let _postgres = if postgres {
        if options.database.is_some() {
            bail!("--postgres and --database exclude each other");
        }
        let server = PostgresServer::start()?;
        options.database = Some(server.create_database()?);
        Some(server)
    } else {
        None
    };
    let report = load::run(&options)?;
    print!("{report}");
    if report.errors > 0 {
        bail!("{} requests failed", report.errors);
    }
    Ok(())
}
