//! Running external programs, each echoed before it starts.
//!
//! A developer can copy an echoed command to rerun one step by hand.
//! A CI log shows exactly what ran.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{self, Stdio};

use anyhow::{Context, Result, bail};

/// Prints a step's headline, so the steps stand out from the tools' own output.
pub(crate) fn announce(step: &str) {
    eprintln!("==> {step}");
}

/// An external program to run, built up like [`std::process::Command`] but printable.
#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    /// The program, as a name looked up on `PATH` or as a path.
    program: OsString,
    /// The arguments, in order.
    args: Vec<OsString>,
    /// Environment variables set for this program only.
    envs: Vec<(OsString, OsString)>,
    /// The working directory; the caller's when `None`.
    dir: Option<PathBuf>,
}

/// What a program printed on standard output, and whether it succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Output {
    /// Whether the program exited with status 0.
    pub(crate) success: bool,
    /// Standard output, decoded lossily: the callers only read ASCII.
    pub(crate) stdout: String,
}

impl Cmd {
    /// Starts describing a run of `program`.
    pub(crate) fn new(program: impl Into<OsString>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            envs: Vec::new(),
            dir: None,
        }
    }

    /// Starts describing a cargo command.
    ///
    /// `cargo xtask` sets `CARGO` to the cargo that started it.
    /// Using it keeps nested builds on the same toolchain when several are installed.
    pub(crate) fn cargo() -> Self {
        Self::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
    }

    /// Adds one argument.
    pub(crate) fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds several arguments.
    pub(crate) fn args<I>(mut self, args: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for this program only.
    pub(crate) fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Sets the working directory.
    pub(crate) fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Echoes the command and runs it with the terminal attached.
    ///
    /// Fails unless the program exits with status 0.
    pub(crate) fn run(self) -> Result<()> {
        eprintln!("$ {self}");
        let status = self
            .to_process()
            .status()
            .with_context(|| format!("could not start `{}`", self.program.to_string_lossy()))?;
        if !status.success() {
            bail!("`{self}` failed ({status})");
        }
        Ok(())
    }

    /// Echoes the command and runs it with standard error attached and standard output held
    /// back, which is shown (on standard error) only if the program fails.
    ///
    /// Fails unless the program exits with status 0.
    pub(crate) fn run_hiding_stdout(self) -> Result<()> {
        eprintln!("$ {self}");
        let output = self
            .to_process()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(process::Child::wait_with_output)
            .with_context(|| format!("could not start `{}`", self.program.to_string_lossy()))?;
        if !output.status.success() {
            eprint!("{}", String::from_utf8_lossy(&output.stdout));
            bail!("`{self}` failed ({})", output.status);
        }
        Ok(())
    }

    /// Echoes and runs a `cargo test` command, passing its output through while counting the
    /// tests its `test result:` lines report.
    ///
    /// Returns the counts and whether the command succeeded, so the caller can print a total
    /// even when a test failed.
    pub(crate) fn run_tests(self) -> Result<(TestCounts, bool)> {
        eprintln!("$ {self}");
        let mut child = self
            .to_process()
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start `{}`", self.program.to_string_lossy()))?;
        let mut counts = TestCounts::default();
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines() {
                let line = line.context("reading test output")?;
                println!("{line}");
                counts.add_line(&line);
            }
        }
        let status = child.wait().context("waiting for the tests")?;
        Ok((counts, status.success()))
    }

    /// Echoes the command and runs it, capturing its output.
    ///
    /// A non-zero exit is not an error here, so the caller decides what it means.
    /// For a query such as `dpkg-query` it is an answer: "not installed".
    /// Standard error is captured and dropped, because such answers come with alarming messages.
    pub(crate) fn read(self) -> Result<Output> {
        eprintln!("$ {self}");
        let output = self
            .to_process()
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("could not start `{}`", self.program.to_string_lossy()))?;
        Ok(Output {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        })
    }

    /// Builds the standard library's command from this description.
    fn to_process(&self) -> process::Command {
        let mut command = process::Command::new(&self.program);
        command.args(&self.args);
        command.envs(self.envs.iter().map(|(key, value)| (key, value)));
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        command
    }
}

/// `line` without ANSI colour sequences (`ESC [ … m`), which some runners print even into a pipe.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip to the sequence's final letter.
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Tests counted from `cargo test` output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TestCounts {
    /// Tests that passed.
    pub(crate) passed: u64,
    /// Tests that failed.
    pub(crate) failed: u64,
}

impl TestCounts {
    /// Adds the counts of one `test result: ok. 3 passed; 0 failed; …` line; other lines add
    /// nothing.
    pub(crate) fn add_line(&mut self, line: &str) {
        let plain = strip_ansi(line);
        let trimmed = plain.trim();
        // Node's test runner (TAP and spec reporters): `# pass 12`, `ℹ fail 0`.
        for prefix in ["# ", "ℹ "] {
            if let Some(rest) = trimmed.strip_prefix(prefix) {
                let mut words = rest.split_whitespace();
                match (
                    words.next(),
                    words.next().map(str::parse::<u64>),
                    words.next(),
                ) {
                    (Some("pass"), Some(Ok(n)), None) => self.passed += n,
                    (Some("fail"), Some(Ok(n)), None) => self.failed += n,
                    _ => {}
                }
                return;
            }
        }
        // Vitest: `Tests  2 failed | 146 passed (148)`.
        if let Some(rest) = trimmed.strip_prefix("Tests ") {
            for part in rest.split('|') {
                let mut words = part.split_whitespace();
                match (words.next().map(str::parse::<u64>), words.next()) {
                    (Some(Ok(n)), Some("passed")) => self.passed += n,
                    (Some(Ok(n)), Some("failed")) => self.failed += n,
                    _ => {}
                }
            }
            return;
        }
        let Some(rest) = trimmed.strip_prefix("test result: ") else {
            return;
        };
        for part in rest.split([';', '.']) {
            let mut words = part.split_whitespace();
            if let (Some(n), Some(what)) = (words.next(), words.next()) {
                match (n.parse::<u64>(), what) {
                    (Ok(n), "passed") => self.passed += n,
                    (Ok(n), "failed") => self.failed += n,
                    _ => {}
                }
            }
        }
    }
}

/// Shows the command as a shell would take it, so it can be copied and rerun.
///
/// The program is shown by its file name.
/// `CARGO` is usually a long toolchain path that would bury the part worth reading.
impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (key, value) in &self.envs {
            write!(f, "{}={} ", key.to_string_lossy(), quote(value))?;
        }
        let program = Path::new(&self.program)
            .file_name()
            .unwrap_or(&self.program);
        write!(f, "{}", quote(program))?;
        for arg in &self.args {
            write!(f, " {}", quote(arg))?;
        }
        Ok(())
    }
}

/// Quotes a word for a POSIX shell if it holds anything a shell would interpret.
fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares how a command is echoed with what is expected.
    fn check(cmd: Cmd, expected: &str) {
        assert_eq!(cmd.to_string(), expected);
    }

    #[test]
    fn counts_cargo_node_and_vitest_reports() {
        let mut counts = TestCounts::default();
        for line in [
            "test result: ok. 3 passed; 1 failed; 0 ignored; 0 measured",
            "# pass 12",
            "# fail 2",
            "ℹ pass 4",
            "ℹ fail 0",
            "      Tests  2 failed | 146 passed (148)",
            "\u{1b}[2m      Tests \u{1b}[22m \u{1b}[1m\u{1b}[32m10 passed\u{1b}[39m\u{1b}[22m\u{1b}[90m (10)\u{1b}[39m",
            "# Subtest: pass 5 things",
            "ok 1 - pass",
        ] {
            counts.add_line(line);
        }
        assert_eq!(
            counts,
            TestCounts {
                passed: 175,
                failed: 5
            }
        );
    }

    #[test]
    fn echo_is_shell_ready() {
        check(
            Cmd::new("cargo").args(["test", "--workspace"]),
            "cargo test --workspace",
        );
        check(
            Cmd::new("/home/dev/.rustup/toolchains/stable/bin/cargo").arg("doc"),
            "cargo doc",
        );
        check(
            Cmd::new("cargo")
                .env("RUSTDOCFLAGS", "-D warnings")
                .arg("doc"),
            "RUSTDOCFLAGS='-D warnings' cargo doc",
        );
        check(
            Cmd::new("dpkg-query").args(["-W", r"--showformat=${Status}\n", "libc6"]),
            r"dpkg-query -W '--showformat=${Status}\n' libc6",
        );
        check(Cmd::new("echo").args(["", "it's"]), r"echo '' 'it'\''s'");
    }

    #[test]
    fn test_counts_come_from_result_lines() {
        let mut counts = TestCounts::default();
        counts.add_line("test result: ok. 17 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.24s");
        counts.add_line(
            "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
        );
        counts.add_line("test something ... ok");
        counts.add_line("running 5 tests");
        assert_eq!(
            counts,
            TestCounts {
                passed: 20,
                failed: 2
            }
        );
    }

    #[test]
    fn run_reports_failure() {
        let ok = Cmd::new("true").run();
        assert!(ok.is_ok(), "{ok:?}");
        let failed = Cmd::new("false").run().map_err(|err| err.to_string());
        assert_eq!(failed, Err("`false` failed (exit status: 1)".to_owned()));
        let missing = Cmd::new("townhall-no-such-program")
            .run()
            .map_err(|err| err.to_string());
        assert_eq!(
            missing,
            Err("could not start `townhall-no-such-program`".to_owned())
        );
    }

    #[test]
    fn run_hiding_stdout_reports_failure() {
        let ok = Cmd::new("sh")
            .args(["-c", "echo hidden"])
            .run_hiding_stdout();
        assert!(ok.is_ok(), "{ok:?}");
        let failed = Cmd::new("sh")
            .args(["-c", "exit 4"])
            .run_hiding_stdout()
            .map_err(|err| err.to_string());
        assert_eq!(
            failed,
            Err("`sh -c 'exit 4'` failed (exit status: 4)".to_owned())
        );
    }

    #[test]
    fn read_captures_stdout_and_exit() {
        let output = Cmd::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .read();
        let expected = Output {
            success: false,
            stdout: "out\n".to_owned(),
        };
        assert_eq!(output.ok(), Some(expected));
    }
}
