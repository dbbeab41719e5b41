//! Installing what the build and tests need on a fresh Debian or Ubuntu machine.
//!
//! `cargo xtask test` calls these before running anything.
//! So the README can promise one command per habit instead of a list of setup steps.
//! Each helper checks first and installs only what is missing.
//! A second run is therefore quiet and needs no root.

use std::env;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};

use crate::cmd::{Cmd, announce};

/// Whether this process has already refreshed the apt package lists.
///
/// Refreshing is slow and needs the network, so it happens at most once per run.
static APT_UPDATED: AtomicBool = AtomicBool::new(false);

/// Installs the Debian packages among `packages` that are not installed yet.
///
/// Uses `sudo` unless already running as root.
/// A package may carry an architecture suffix (`libfoo-dev:amd64`).
pub(crate) fn ensure_apt(packages: &[&str]) -> Result<()> {
    let query = Cmd::new("dpkg-query")
        // dpkg-query expands the `\n` escape itself, which keeps the echoed command on one line.
        .args(["-W", r"--showformat=${Package} ${Status}\n"])
        .args(packages)
        .read()
        .context("`dpkg-query` is missing: setup expects Debian or Ubuntu")?;
    let missing = missing_packages(packages, &query.stdout);
    if missing.is_empty() {
        return Ok(());
    }

    announce(&format!("installing {}", missing.join(" ")));
    let root = is_root();
    if !APT_UPDATED.swap(true, Ordering::SeqCst) {
        apt_get(root).arg("update").run()?;
    }
    apt_get(root)
        .args(["install", "-y", "--no-install-recommends"])
        .args(missing)
        .run()
}

/// Installs the cargo tool `krate` unless its binary `bin` is already available.
pub(crate) fn ensure_cargo_tool(bin: &str, krate: &str) -> Result<()> {
    if is_available(bin) {
        return Ok(());
    }
    announce(&format!("installing {krate}"));
    Cmd::cargo().args(["install", "--locked", krate]).run()
}

/// Picks out the requested packages that `dpkg-query` did not report as installed.
///
/// `dpkg_output` has one `<package> <want> <flag> <status>` line per known package.
/// Unknown packages have no line at all.
/// A package counts as installed when its status is `installed`, whatever is wanted of it next.
/// A package on hold, or marked for removal, still works today.
fn missing_packages<'a>(requested: &[&'a str], dpkg_output: &str) -> Vec<&'a str> {
    let installed: Vec<&str> = dpkg_output
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let package = words.next()?;
            (words.nth(2) == Some("installed")).then_some(package)
        })
        .collect();
    requested
        .iter()
        .copied()
        .filter(|request| {
            // dpkg reports `${Package}` without the architecture suffix.
            let name = request
                .split_once(':')
                .map_or(*request, |(name, _arch)| name);
            !installed.contains(&name)
        })
        .collect()
}

/// Starts an `apt-get` command that runs as root and never stops to ask questions.
///
/// `sudo` resets the environment, so the non-interactive setting goes through `env`.
fn apt_get(root: bool) -> Cmd {
    if root {
        Cmd::new("apt-get").env("DEBIAN_FRONTEND", "noninteractive")
    } else {
        Cmd::new("sudo").args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"])
    }
}

/// Whether this process runs as root, so `apt-get` needs no `sudo`.
///
/// Read from `/proc` rather than by calling `id`, so the check adds no line to the log.
/// When it cannot be read, `sudo` is the safe guess: it works for root too.
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| effective_uid(&status))
        == Some(0)
}

/// Reads the effective user id from the text of `/proc/self/status`.
///
/// The `Uid:` line lists the real, effective, saved and filesystem ids, in that order.
fn effective_uid(status: &str) -> Option<u32> {
    let line = status.lines().find_map(|line| line.strip_prefix("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Whether a program named `bin` is on `PATH` or in cargo's own `bin` directory.
///
/// Cargo finds subcommands such as `cargo-nextest` in `$CARGO_HOME/bin` even off `PATH`.
/// So a tool installed there counts as available.
pub(crate) fn is_available(bin: &str) -> bool {
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path)
        .chain(cargo_home().map(|home| home.join("bin")))
        .any(|dir| dir.join(bin).is_file())
}

/// Cargo's home directory: `$CARGO_HOME`, else `~/.cargo`.
///
/// Reads `HOME` directly because `std::env::home_dir` is deprecated in Rust 1.85.
/// That is the workspace's minimum version.
fn cargo_home() -> Option<PathBuf> {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares the packages found missing with what is expected.
    fn check(requested: &[&str], dpkg_output: &str, expected: &[&str]) {
        assert_eq!(missing_packages(requested, dpkg_output), expected);
    }

    #[test]
    fn missing_packages_from_dpkg_output() {
        let output = "\
libc6 install ok installed
curl hold ok installed
wget deinstall ok installed
tzdata deinstall ok config-files
postgresql install ok half-configured
";
        check(&[], output, &[]);
        check(&["libc6", "curl", "wget"], output, &[]);
        check(&["libc6:amd64"], output, &[]);
        check(&["tzdata", "postgresql"], output, &["tzdata", "postgresql"]);
        check(&["libc6", "no-such-package"], output, &["no-such-package"]);
        check(&["libc6"], "", &["libc6"]);
    }

    #[test]
    fn effective_uid_from_proc_status() {
        let status =
            "Name:\tcargo\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n";
        assert_eq!(effective_uid(status), Some(0));
        assert_eq!(effective_uid("Uid:\t1000\t1000\t1000\t1000\n"), Some(1000));
        assert_eq!(effective_uid("Name:\tcargo\n"), None);
        assert_eq!(effective_uid("Uid:\t1000\n"), None);
    }
}
