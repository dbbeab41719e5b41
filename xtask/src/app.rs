//! The app's steps: installing what WebKitGTK, the WebView tests and the UI need, building the
//! UI, running the app against a local server with a demo province, and packaging it.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cmd::{Cmd, TestCounts, announce};
use crate::prereqs;

/// Debian packages the app builds against, and the WebView and Chromium tests run with.
pub(crate) const APP_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "xvfb",
    "webkit2gtk-driver",
    "chromium",
    "file",
    // The follow-up end-to-end test opens the exported .docx with it.
    "unzip",
];

/// The port `cargo xtask run` serves on, out of the way of common development servers.
const RUN_PORT: u16 = 18_080;

/// Installs the system packages, Node's packages for the UI and the WebDriver bridge.
pub(crate) fn ensure_prereqs(root: &Path) -> Result<()> {
    announce("checking prerequisites: WebKitGTK, Xvfb, WebKitWebDriver, Chromium, Node");
    prereqs::ensure_apt(APP_PACKAGES)?;
    if !prereqs::is_available("npm") {
        prereqs::ensure_apt(&["nodejs", "npm"])?;
    }
    prereqs::ensure_cargo_tool("tauri-driver", "tauri-driver")?;
    npm_ci(&root.join("ui"))
}

/// Installs a Node project's locked dependencies unless they are already in place.
pub(crate) fn npm_ci(dir: &Path) -> Result<()> {
    let installed = dir.join("node_modules").join(".package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (installed.metadata(), lock.metadata()) {
        (Ok(i), Ok(l)) => match (i.modified(), l.modified()) {
            (Ok(i), Ok(l)) => i >= l,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    announce(&format!("installing npm packages in {}", dir.display()));
    Cmd::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .run()
}

/// Builds the UI into `ui/dist`, which the app embeds.
pub(crate) fn build_ui(root: &Path) -> Result<()> {
    announce("building the UI");
    npm_ci(&root.join("ui"))?;
    Cmd::new("npm")
        .args(["run", "build"])
        .current_dir(root.join("ui"))
        .run_hiding_stdout()
}

/// Runs an npm script whose output is a test report, counting its tests.
pub(crate) fn npm_tests(dir: &Path, script: &str) -> Result<(TestCounts, bool)> {
    Cmd::new("npm")
        .args(["run", "--silent", script])
        .current_dir(dir)
        .run_tests()
}

/// The Chromium suite (`ui/e2e/`) against the development server, which is built first and
/// named to the suite by `TOWNHALL_DEVSERVER_BIN`.
pub(crate) fn chromium_tests(root: &Path) -> Result<(TestCounts, bool)> {
    Cmd::cargo()
        .current_dir(root)
        .args(["build", "--locked", "-p", "townhall-devserver"])
        .run()?;
    let bin = target_dir(root).join("debug").join("townhall-devserver");
    Cmd::new("npm")
        .args(["run", "--silent", "test:chromium"])
        .current_dir(root.join("ui"))
        .env("TOWNHALL_DEVSERVER_BIN", bin)
        .run_tests()
}

/// Where cargo puts what it builds.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| root.join("target"), PathBuf::from)
}

/// Builds the debug app and server binaries the WebView tests drive.
pub(crate) fn build_binaries(root: &Path, release: bool) -> Result<()> {
    let mut cargo = Cmd::cargo().current_dir(root).args([
        "build",
        "--locked",
        "-p",
        "townhall-app",
        "-p",
        "townhall-server",
        "-p",
        "townhall-bench",
        "--bin",
        "townhall-app",
        "--bin",
        "townhall-server",
        "--bin",
        "townhall-demo",
    ]);
    if release {
        cargo = cargo.arg("--release");
    }
    cargo.run()
}

/// The end-to-end tests of the real app in WebKitGTK through WebDriver: the hall scenario
/// (`app.test.mjs`) and follow-up with reports (`followup.test.mjs`), one after the other
/// (each starts its own Xvfb, tauri-driver and server).
pub(crate) fn webview_tests(root: &Path) -> Result<(TestCounts, bool)> {
    let e2e = root.join("tests").join("e2e");
    npm_ci(&e2e)?;
    let debug = target_dir(root).join("debug");
    Cmd::new("node")
        .args([
            "--test",
            "--test-concurrency=1",
            "--test-reporter=spec",
            "--test-reporter-destination=stdout",
        ])
        .arg(e2e.join("app.test.mjs"))
        .arg(e2e.join("followup.test.mjs"))
        .env("TOWNHALL_APP", debug.join("townhall-app"))
        .env("TOWNHALL_SERVER", debug.join("townhall-server"))
        .env("TOWNHALL_DEMO", debug.join("townhall-demo"))
        .current_dir(root)
        .run_tests()
}

/// Measures the app (`tests/e2e/bench.mjs`): cold start, Save to the display number, scrolling
/// a list of 10,000 questions (1,000 with `quick`) and the bundle's size.
///
/// It drives the debug app and server, which the WebView tests build too: a release build of
/// the app takes much longer, and only its size is reported, when one is there.
pub(crate) fn bench(root: &Path, quick: bool) -> Result<()> {
    ensure_prereqs(root)?;
    build_ui(root)?;
    announce("building the app, the server and the demo loader (debug) for the app's figures");
    build_binaries(root, false)?;
    let e2e = root.join("tests").join("e2e");
    npm_ci(&e2e)?;
    let target = target_dir(root);
    let debug = target.join("debug");
    announce(if quick {
        "measuring the app (debug build) in WebKitGTK under Xvfb: 1,000 questions (quick)"
    } else {
        "measuring the app (debug build) in WebKitGTK under Xvfb: 10,000 questions"
    });
    let mut node = Cmd::new("node")
        .arg(e2e.join("bench.mjs"))
        .env("TOWNHALL_APP", debug.join("townhall-app"))
        .env("TOWNHALL_SERVER", debug.join("townhall-server"))
        .env("TOWNHALL_DEMO", debug.join("townhall-demo"))
        .env(
            "TOWNHALL_RELEASE_APP",
            target.join("release").join("townhall-app"),
        )
        .current_dir(root);
    if quick {
        node = node.arg("--quick");
    }
    node.run()
}

/// Starts the app against a local server holding a demo province.
///
/// The first run creates the server's database, users of every role and the demo province
/// (five dialogues, a hundred questions in various states, some overdue), and enrols the app
/// as the secretariat; later runs reopen them. Codes for the other roles are printed, for a
/// second instance (`townhall-app --data-dir DIR`).
pub(crate) fn run(root: &Path) -> Result<()> {
    ensure_prereqs(root)?;
    build_ui(root)?;
    announce("building the app, the server and the demo loader");
    build_binaries(root, false)?;
    let bin = target_dir(root).join("debug");
    let dir = root.join("target").join("townhall-run");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let database = format!("sqlite://{}", dir.join("server.sqlite3").display());
    let url = format!("http://127.0.0.1:{RUN_PORT}");
    let server_bin = bin.join("townhall-server");
    let admin = |args: &[&str]| -> Result<String> {
        let output = Cmd::new(&server_bin)
            .arg("--database")
            .arg(&database)
            .args(args.iter().copied())
            .read()?;
        if !output.success {
            bail!("townhall-server {} failed", args.join(" "));
        }
        Ok(output.stdout)
    };

    let mut server = Server::start(&server_bin, &database, RUN_PORT)?;
    let app_dir = dir.join("app");
    if !app_dir.join("replica.sqlite3").exists() {
        announce("creating users of every role and loading the demo province");
        let agency = townhall_domain_agency();
        let mut codes = Vec::new();
        for (name, role, extra) in [
            ("Văn phòng (dữ liệu mẫu)", "secretariat", None),
            ("Trần Văn Minh", "secretariat", None),
            ("Nguyễn Thị Thu", "recorder", None),
            ("Lê Quang Hải", "leader", None),
            ("Phạm Thị Lan", "agency", Some(agency.as_str())),
            ("Quản trị hệ thống", "admin", None),
        ] {
            let mut args = vec!["user", "create", "--name", name, "--role", role];
            if let Some(agency) = extra {
                args.extend(["--agency", agency]);
            }
            let user = first_word(&admin(&args)?)?;
            let code = issued_code(&admin(&["code", "issue", "--user", &user])?)?;
            codes.push((name, role, code));
        }
        let seed = dir.join("seed");
        Cmd::new(bin.join("townhall-demo"))
            .arg("--data-dir")
            .arg(&seed)
            .args(["--server", &url, "--code", &codes[0].2])
            .run()?;
        Cmd::new(bin.join("townhall-demo"))
            .arg("--data-dir")
            .arg(&app_dir)
            .args(["--enrol-only", "--server", &url, "--code", &codes[1].2])
            .run()?;
        let mut text = String::from("Enrolment codes for other app instances (valid 24 h):\n");
        for (name, role, code) in &codes[2..] {
            text.push_str(&format!("  {role:<12} {name:<22} {code}\n"));
        }
        text.push_str(&format!(
            "Server: {url}\nA second instance: {} --data-dir <empty dir>\n",
            bin.join("townhall-app").display()
        ));
        std::fs::write(dir.join("codes.txt"), &text)?;
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("codes.txt")) {
        println!("{text}");
    }
    announce("opening the app (enrolled as the secretariat); close its window to stop");
    let status = Command::new(bin.join("townhall-app"))
        .arg("--data-dir")
        .arg(&app_dir)
        .status()
        .context("starting the app")?;
    server.stop();
    if !status.success() {
        bail!("the app exited with {status}");
    }
    Ok(())
}

/// Builds the `.deb` and reports its size and the release binary's.
pub(crate) fn bundle(root: &Path) -> Result<()> {
    ensure_prereqs(root)?;
    build_ui(root)?;
    announce("building the release app and its .deb");
    Cmd::new(
        root.join("ui")
            .join("node_modules")
            .join(".bin")
            .join("tauri"),
    )
    .args(["build", "--bundles", "deb", "--ci"])
    // The workspace's release profile keeps line tables for profiling the benchmarks; what
    // ships needs neither them nor symbols (106 MiB against 15 MiB for the binary).
    .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
    .env("CARGO_PROFILE_RELEASE_STRIP", "symbols")
    .current_dir(root.join("src-tauri"))
    .run()?;
    let release = target_dir(root).join("release");
    let binary = release.join("townhall-app");
    let deb_dir = release.join("bundle").join("deb");
    let debs: Vec<PathBuf> = std::fs::read_dir(&deb_dir)
        .with_context(|| format!("reading {}", deb_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "deb"))
        .collect();
    println!(
        "release binary: {} ({})",
        binary.display(),
        size_of(&binary)
    );
    for deb in debs {
        println!("package: {} ({})", deb.display(), size_of(&deb));
    }
    Ok(())
}

fn size_of(path: &Path) -> String {
    path.metadata().map_or_else(
        |_| "missing".to_owned(),
        |m| format!("{:.1} MiB", m.len() as f64 / (1024.0 * 1024.0)),
    )
}

/// The first word of a command's output: the id or code the admin commands print first.
fn first_word(output: &str) -> Result<String> {
    output
        .split_whitespace()
        .next()
        .map(str::to_owned)
        .context("the admin command printed nothing")
}

/// The code in `code issue`'s output: `Enrolment code for NAME (ROLE): CODE`, then a QR code.
fn issued_code(output: &str) -> Result<String> {
    output
        .lines()
        .find_map(|line| line.strip_prefix("Enrolment code for "))
        .and_then(|rest| rest.rsplit_once(": "))
        .map(|(_, code)| code.trim().to_owned())
        .context("`code issue` printed no code")
}

/// The seeded agency the demo's agency user answers for.
fn townhall_domain_agency() -> String {
    // Sở Xây dựng's id: name-derived, the same on every replica and the server.
    townhall_domain::seed::seeded_agency_id("Sở Xây dựng").to_string()
}

/// A server started for `cargo xtask run`, stopped when dropped.
struct Server {
    child: Option<Child>,
}

impl Server {
    fn start(bin: &Path, database: &str, port: u16) -> Result<Self> {
        announce(&format!("starting townhall-server on 127.0.0.1:{port}"));
        let child = Command::new(bin)
            .args(["--database", database, "serve", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .spawn()
            .context("starting townhall-server")?;
        let server = Self { child: Some(child) };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("townhall-server did not start listening on port {port}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
