//! Parsing of the command line into a [`Command`].
//!
//! A hand-written parser keeps the xtask free of dependencies.
//! So it builds in seconds on a fresh machine, before anything else is installed.

use std::fmt;

/// The usage text, listing every command.
pub(crate) const USAGE: &str = "\
Usage: cargo xtask <command>

Commands:
  run              build and open the app, enrolled with a local server holding a demo
                   province (users of every role; codes for the others are printed)
  test             install what the tests need, then run every test CI runs
  ci               check formatting (rustfmt, prettier), the tidy tests, clippy lints and
                   docs, all with warnings as errors, and that ui/src/generated matches
                   the Rust types
  bindings         generate ui/src/generated: the TypeScript twins of the IPC types
  bench [--quick]  run the benchmark harness, then measure the app in WebKitGTK (cold start,
                   Save to number, scrolling 10,000 questions, bundle size); --quick: small data
  bundle           build the release app and its .deb, and report their sizes
  load [--devices N] [--questions N] [--laptops N] [--pace S] [--postgres]
                   play N recorders' tablets (default 300) each capturing and pushing
                   questions (default 300), then laptops (default 50) pulling the province,
                   against the real server binary on a temporary SQLite file (or a throwaway
                   PostgreSQL); reports latency per endpoint, errors, server CPU and memory.
                   --pace S: every device at once, each syncing every S seconds (open loop);
                   without it, 64 devices at a time, each as fast as the server answers
                   A CI smoke run: --devices 20 --questions 50 --laptops 3
  chaos --minutes N [--seed S]
                   the chaos soak: the server binary and 10 device processes syncing
                   through a faulty network, with SIGKILLs, clock jumps and a restore from
                   backup; then checks every replica, the journals and the databases
  fuzz [--smoke | --minutes N] [--target T]
                   run each fuzz target in fuzz/ (nightly, cargo-fuzz) for N minutes
                   (default 10), one after another; --smoke: 15 s each (part of `test`)
  help             print this message";

/// A developer command, parsed from the arguments after `cargo xtask`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    /// Print the usage text.
    Help,
    /// Install the tests' prerequisites, then run all tests.
    Test,
    /// Check formatting, lints, docs and the generated TypeScript bindings.
    Ci,
    /// Generate the TypeScript bindings of the IPC types into `ui/src/generated`.
    Bindings,
    /// Run the benchmark harness.
    Bench {
        /// Run on smaller data, to check the harness works rather than to measure.
        quick: bool,
    },
    /// Build and open the app against a local server with a demo province.
    Run,
    /// Build the release app and its `.deb`.
    Bundle,
    /// Play many devices against the real server and report its latency and resources.
    Load(LoadFlags),
    /// The chaos soak.
    Chaos(ChaosFlags),
    /// Run the fuzz targets.
    Fuzz(FuzzFlags),
}

/// How long and with which seed a chaos soak runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChaosFlags {
    /// Minutes of chaos before the faults stop and the checker runs.
    pub(crate) minutes: u64,
    /// The seed of every random choice; a fresh one when `None`.
    pub(crate) seed: Option<u64>,
}

/// How long, and which fuzz targets, `fuzz` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FuzzFlags {
    /// Seconds per target.
    pub(crate) seconds: u64,
    /// Only this target; every target when `None`.
    pub(crate) target: Option<&'static str>,
    /// A smoke run: built without AddressSanitizer, as in `cargo xtask test`.
    pub(crate) smoke: bool,
}

/// The sizes and backend of a `load` run; `None` keeps the load generator's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct LoadFlags {
    /// Recorders' tablets.
    pub(crate) devices: Option<usize>,
    /// Questions each recorder captures.
    pub(crate) questions: Option<usize>,
    /// Secretariat laptops pulling the province.
    pub(crate) laptops: Option<usize>,
    /// Seconds between a device's syncs (open loop); as fast as answered when `None`.
    pub(crate) pace: Option<usize>,
    /// Run against a throwaway PostgreSQL instead of SQLite.
    pub(crate) postgres: bool,
}

/// A command line that names no known command, or passes an unknown argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Parses the arguments that follow `cargo xtask`.
///
/// No arguments means help, so a bare `cargo xtask` shows what is available.
pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, UsageError> {
    let mut args = args.into_iter();
    let Some(name) = args.next() else {
        return Ok(Command::Help);
    };
    let rest: Vec<String> = args.collect();
    let command = match name.as_str() {
        "help" | "-h" | "--help" => Command::Help,
        "test" => Command::Test,
        "ci" => Command::Ci,
        "bindings" => Command::Bindings,
        "run" => Command::Run,
        "bundle" => Command::Bundle,
        "bench" => {
            let quick = rest.iter().any(|arg| arg == "--quick");
            if let Some(unknown) = rest.iter().find(|arg| *arg != "--quick") {
                return Err(UsageError(format!(
                    "unknown argument `{unknown}` for `bench`"
                )));
            }
            return Ok(Command::Bench { quick });
        }
        "load" => return parse_load(&rest).map(Command::Load),
        "chaos" => return parse_chaos(&rest).map(Command::Chaos),
        "fuzz" => return parse_fuzz(&rest).map(Command::Fuzz),
        _ => return Err(UsageError(format!("unknown command `{name}`"))),
    };
    // Ignoring an argument would let a typo run something the developer did not ask for.
    // So every command other than `bench` takes none.
    match rest.first() {
        Some(unknown) => Err(UsageError(format!(
            "unknown argument `{unknown}` for `{name}`"
        ))),
        None => Ok(command),
    }
}

/// Parses the arguments of `load`.
fn parse_load(args: &[String]) -> Result<LoadFlags, UsageError> {
    let mut flags = LoadFlags::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--postgres" => {
                flags.postgres = true;
                continue;
            }
            "--devices" => &mut flags.devices,
            "--questions" => &mut flags.questions,
            "--laptops" => &mut flags.laptops,
            "--pace" => &mut flags.pace,
            _ => return Err(UsageError(format!("unknown argument `{arg}` for `load`"))),
        };
        let value = args
            .next()
            .ok_or_else(|| UsageError(format!("`{arg}` needs a number")))?;
        let number = value
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0 || arg == "--laptops")
            .ok_or_else(|| UsageError(format!("`{arg}` takes a positive number, not `{value}`")))?;
        *slot = Some(number);
    }
    Ok(flags)
}

/// Reads the number after `flag`.
fn number(flag: &str, value: Option<&String>) -> Result<u64, UsageError> {
    let value = value.ok_or_else(|| UsageError(format!("`{flag}` needs a number")))?;
    value
        .parse::<u64>()
        .map_err(|_| UsageError(format!("`{flag}` takes a number, not `{value}`")))
}

/// Parses the arguments of `chaos`; `--minutes` is required and positive.
fn parse_chaos(args: &[String]) -> Result<ChaosFlags, UsageError> {
    let (mut minutes, mut seed) = (None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--minutes" => minutes = Some(number(arg, args.next())?),
            "--seed" => seed = Some(number(arg, args.next())?),
            _ => return Err(UsageError(format!("unknown argument `{arg}` for `chaos`"))),
        }
    }
    match minutes {
        Some(minutes) if minutes > 0 => Ok(ChaosFlags { minutes, seed }),
        Some(_) => Err(UsageError("`--minutes` must be at least 1".to_owned())),
        None => Err(UsageError("`chaos` needs `--minutes N`".to_owned())),
    }
}

/// Parses the arguments of `fuzz`.
fn parse_fuzz(args: &[String]) -> Result<FuzzFlags, UsageError> {
    let mut flags = FuzzFlags {
        seconds: 600,
        target: None,
        smoke: false,
    };
    let mut minutes_given = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--smoke" => flags.smoke = true,
            "--minutes" => match number(arg, args.next())? {
                0 => return Err(UsageError("`--minutes` must be at least 1".to_owned())),
                minutes => {
                    minutes_given = true;
                    flags.seconds = minutes
                        .checked_mul(60)
                        .ok_or_else(|| UsageError(format!("`--minutes {minutes}` is too long")))?;
                }
            },
            "--target" => {
                let name = args
                    .next()
                    .ok_or_else(|| UsageError("`--target` needs a name".to_owned()))?;
                let target = crate::fuzz::TARGETS
                    .iter()
                    .find(|t| *t == name)
                    .ok_or_else(|| UsageError(format!("no fuzz target `{name}`")))?;
                flags.target = Some(target);
            }
            _ => return Err(UsageError(format!("unknown argument `{arg}` for `fuzz`"))),
        }
    }
    if flags.smoke {
        if minutes_given {
            return Err(UsageError(
                "`--smoke` runs 15 s a target; it takes no `--minutes`".to_owned(),
            ));
        }
        flags.seconds = crate::fuzz::SMOKE_SECONDS;
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a space-separated command line and compares it with what is expected.
    fn check(line: &str, expected: Result<Command, &str>) {
        let args = line.split_whitespace().map(String::from);
        let actual = parse(args).map_err(|err| err.to_string());
        assert_eq!(actual, expected.map_err(String::from), "parsing `{line}`");
    }

    #[test]
    fn known_commands() {
        check("", Ok(Command::Help));
        check("help", Ok(Command::Help));
        check("--help", Ok(Command::Help));
        check("-h", Ok(Command::Help));
        check("test", Ok(Command::Test));
        check("ci", Ok(Command::Ci));
        check("bindings", Ok(Command::Bindings));
        check("run", Ok(Command::Run));
        check("bundle", Ok(Command::Bundle));
        check("bench", Ok(Command::Bench { quick: false }));
        check("bench --quick", Ok(Command::Bench { quick: true }));
        check("load", Ok(Command::Load(LoadFlags::default())));
        check(
            "load --devices 20 --questions 50 --laptops 0 --postgres",
            Ok(Command::Load(LoadFlags {
                devices: Some(20),
                questions: Some(50),
                laptops: Some(0),
                pace: None,
                postgres: true,
            })),
        );
        check(
            "load --pace 20",
            Ok(Command::Load(LoadFlags {
                pace: Some(20),
                ..LoadFlags::default()
            })),
        );
        check(
            "load --pace 0",
            Err("`--pace` takes a positive number, not `0`"),
        );
    }

    #[test]
    fn chaos_and_fuzz() {
        check(
            "chaos --minutes 2 --seed 7",
            Ok(Command::Chaos(ChaosFlags {
                minutes: 2,
                seed: Some(7),
            })),
        );
        check(
            "chaos --minutes 20",
            Ok(Command::Chaos(ChaosFlags {
                minutes: 20,
                seed: None,
            })),
        );
        check("chaos", Err("`chaos` needs `--minutes N`"));
        check("chaos --minutes 0", Err("`--minutes` must be at least 1"));
        check(
            "chaos --minutes x",
            Err("`--minutes` takes a number, not `x`"),
        );
        check(
            "chaos --minutes 1 --fast",
            Err("unknown argument `--fast` for `chaos`"),
        );
        check(
            "fuzz",
            Ok(Command::Fuzz(FuzzFlags {
                seconds: 600,
                target: None,
                smoke: false,
            })),
        );
        check(
            "fuzz --smoke",
            Ok(Command::Fuzz(FuzzFlags {
                seconds: 15,
                target: None,
                smoke: true,
            })),
        );
        check(
            "fuzz --minutes 12 --target push",
            Ok(Command::Fuzz(FuzzFlags {
                seconds: 720,
                target: Some("push"),
                smoke: false,
            })),
        );
        check("fuzz --target nope", Err("no fuzz target `nope`"));
        check(
            "fuzz --minutes 5 --smoke",
            Err("`--smoke` runs 15 s a target; it takes no `--minutes`"),
        );
        check(
            "fuzz --minutes 999999999999999999",
            Err("`--minutes 999999999999999999` is too long"),
        );
    }

    #[test]
    fn unknown_commands_are_errors() {
        check("tset", Err("unknown command `tset`"));
        check("TEST", Err("unknown command `TEST`"));
        check("--quick", Err("unknown command `--quick`"));
    }

    #[test]
    fn unknown_arguments_are_errors() {
        check("bench --slow", Err("unknown argument `--slow` for `bench`"));
        check(
            "bench --quick extra",
            Err("unknown argument `extra` for `bench`"),
        );
        check("test --quick", Err("unknown argument `--quick` for `test`"));
        check("ci --fix", Err("unknown argument `--fix` for `ci`"));
        check(
            "bindings --check",
            Err("unknown argument `--check` for `bindings`"),
        );
        check("run now", Err("unknown argument `now` for `run`"));
        check("help me", Err("unknown argument `me` for `help`"));
        check("load --quick", Err("unknown argument `--quick` for `load`"));
        check("load --devices", Err("`--devices` needs a number"));
        check(
            "load --devices many",
            Err("`--devices` takes a positive number, not `many`"),
        );
        check(
            "load --questions 0",
            Err("`--questions` takes a positive number, not `0`"),
        );
    }
}
