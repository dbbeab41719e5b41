//! `townhall-chaos-device`: one device of the chaos soak, as its own process
//! (`townhall_tests::chaos_device`). The driver, `townhall-chaos`, starts, kills and restarts it.
//!
//! `run` works and syncs until killed; `settle` syncs until quiet and exits 0, or 1 if it
//! never got quiet.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use townhall_tests::chaos_device::{self, DeviceOptions};

const USAGE: &str = "usage: townhall-chaos-device run|settle --dir DIR --role ROLE --seed N \
                     --clock-offset-secs N --dialogue ID --agency ID";

fn main() -> Result<ExitCode> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().context(USAGE)?;
    let (mut dir, mut role, mut seed, mut offset, mut dialogue, mut agency) =
        (None, None, 0, 0, None, None);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--dir" => dir = Some(PathBuf::from(value)),
            "--role" => role = Some(value.parse()?),
            "--seed" => seed = value.parse()?,
            "--clock-offset-secs" => offset = value.parse()?,
            "--dialogue" => dialogue = Some(value.parse()?),
            "--agency" => agency = Some(value.parse()?),
            _ => bail!("unknown argument `{flag}`\n{USAGE}"),
        }
    }
    let options = DeviceOptions {
        dir: dir.context(USAGE)?,
        role: role.context(USAGE)?,
        seed,
        clock_offset_secs: offset,
        dialogue: dialogue.context(USAGE)?,
        agency: agency.context(USAGE)?,
    };
    match mode.as_str() {
        "run" => {
            chaos_device::run(options)?;
            Ok(ExitCode::SUCCESS)
        }
        "settle" => Ok(if chaos_device::settle(options, 30)? {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }),
        _ => bail!("unknown mode `{mode}`\n{USAGE}"),
    }
}
