//! The chaos soak behind `cargo xtask chaos`: the real server binary and ten device processes
//! working through a faulty network while processes are killed, clocks jump and the server
//! is restored from an older backup; then a checker.
//!
//! The driver (`townhall-chaos`) runs `townhall-server serve` on a SQLite file in a temporary
//! directory and the fault-injecting [`FaultProxy`] in its own process, and starts ten
//! `townhall-chaos-device` processes (five recorders, two secretariat laptops, a leader and two
//! agencies; see [`crate::chaos_device`]), each on its own replica file, syncing through the
//! proxy. For the given minutes it then, at seeded random moments:
//!
//! - SIGKILLs a device and restarts it on the same files;
//! - SIGKILLs the server and restarts it on the same database;
//! - restarts a recorder with its clock moved (a year ahead, a year behind, an hour off, or
//!   right again);
//! - copies the server's database while it serves (`VACUUM INTO`), and later stops the server,
//!   puts the old copy back, gives it a new epoch (as `tests/restore.rs` does: there is no admin
//!   command for it) and restarts it: devices must get "refetch" and push again what it lost.
//!
//! Then the faults stop, the devices are stopped, and each syncs until quiet, three rounds.
//! The checker (`check`) proves that every replica equals what a fresh device of its role
//! (and agency) pulls from the server, that every capture in a device's journal is on the
//! server exactly once (acknowledged ones included), that no display number is used twice,
//! that no device has a capture refused, and that `PRAGMA integrity_check` is `ok` on every
//! replica file and the server's.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use townhall_core::sync::{self, Progress, SyncClient};
use townhall_core::{Clock, Page, QuestionFilter, QuestionSort, Replica, SystemClock};
use townhall_domain::mutation::Change;
use townhall_domain::validate::DialogueInput;
use townhall_domain::{AgencyId, DialogueId, Level, QuestionId, Role};
use townhall_server::store::sqlite::SqliteStore;
use townhall_server::store::{PullScope, Store};

use crate::chaos_device::{Journal, REPLICA_FILE, open_replica, read_ops};
use crate::proxy::FaultProxy;

/// What the soak runs.
#[derive(Clone, Debug)]
pub struct ChaosOptions {
    /// How long the chaos lasts, before the faults stop and the checker runs.
    pub duration: Duration,
    /// The seed of every random choice the driver makes (the proxy's faults included).
    pub seed: u64,
    /// The `townhall-server` binary.
    pub server: PathBuf,
    /// The `townhall-chaos-device` binary.
    pub device: PathBuf,
    /// The share of requests the proxy disturbs while the chaos lasts.
    pub fault_rate: f64,
    /// Keep the working directory (databases, journals, logs) instead of deleting it.
    pub keep: bool,
    /// Restore the server from an older backup twice during the run.
    pub restores: bool,
}

/// The devices: role and, for the secretariat and agencies, which of the two agencies.
const DEVICES: [(Role, usize); 10] = [
    (Role::Recorder, 0),
    (Role::Recorder, 0),
    (Role::Recorder, 0),
    (Role::Recorder, 0),
    (Role::Recorder, 0),
    (Role::Secretariat, 0),
    (Role::Secretariat, 1),
    (Role::Leader, 0),
    (Role::Agency, 0),
    (Role::Agency, 1),
];

/// The clock offsets a recorder may be restarted with, in seconds.
const CLOCK_OFFSETS: [i64; 6] = [0, 365 * 86_400, -365 * 86_400, 3_600, -3_600, 0];

/// What a soak did and found.
#[derive(Clone, Debug, Default)]
pub struct ChaosReport {
    /// The seed.
    pub seed: u64,
    /// How long the chaos lasted.
    pub chaos: Duration,
    /// How long the whole run took, settling and checking included.
    pub total: Duration,
    /// Operations the devices did, by kind (`capture`, `assign`, `sync_ok`, …).
    pub operations: BTreeMap<String, u64>,
    /// Devices killed with SIGKILL and restarted.
    pub device_kills: u64,
    /// Server processes killed with SIGKILL and restarted.
    pub server_kills: u64,
    /// Recorders restarted with their clock moved.
    pub clock_jumps: u64,
    /// Backups taken while the server served.
    pub backups: u64,
    /// Restores from an older backup.
    pub restores: u64,
    /// Requests through the proxy while faults were on.
    pub requests: u64,
    /// Of those, requests dropped, reset, duplicated or answered into the void.
    pub faults: u64,
    /// Whether every device's last settling round was quiet.
    pub quiet: bool,
    /// Questions on the server at the end.
    pub questions: usize,
    /// Answers on the server at the end.
    pub answers: usize,
    /// Assignments on the server at the end.
    pub assignments: usize,
    /// Captures in the devices' journals, and how many of them were acknowledged.
    pub captured: usize,
    /// Captures journalled as acknowledged by the server.
    pub acknowledged: usize,
    /// Mutations the server refused, by `kind:code`, over every device.
    pub refused: BTreeMap<String, u64>,
    /// Replicas found equal to a fresh device's view of their scope, but where a change was
    /// refused.
    pub converged: usize,
    /// Questions where a replica keeps a change of its own the server refused (listed for its
    /// user as refused), over all replicas.
    pub kept_refused: usize,
    /// Capture entries in the log beyond the first for their question: copies shared with
    /// newly assigned agencies.
    pub log_copies: usize,
    /// Files that passed `PRAGMA integrity_check`.
    pub intact: usize,
    /// Everything found wrong; empty when the run passed.
    pub violations: Vec<String>,
    /// Where the run's files were kept, when asked to keep them.
    pub kept: Option<PathBuf>,
}

impl ChaosReport {
    /// Whether the run found nothing wrong.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }

    /// Operations other than syncs and idle turns.
    pub fn work(&self) -> u64 {
        self.operations
            .iter()
            .filter(|(k, _)| !k.starts_with("sync") && *k != "idle")
            .map(|(_, n)| n)
            .sum()
    }
}

impl fmt::Display for ChaosReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = |k: &str| self.operations.get(k).copied().unwrap_or(0);
        let failed: u64 = self
            .operations
            .iter()
            .filter(|(k, _)| k.starts_with("failed_"))
            .map(|(_, n)| n)
            .sum();
        writeln!(f, "chaos soak, seed {}", self.seed)?;
        writeln!(
            f,
            "  time: {:.1} minutes of chaos, {:.1} minutes in all",
            self.chaos.as_secs_f64() / 60.0,
            self.total.as_secs_f64() / 60.0
        )?;
        writeln!(
            f,
            "  processes: the server and 10 devices (5 recorders, 2 secretariat, 1 leader, 2 agencies)"
        )?;
        writeln!(
            f,
            "  operations: {} (capture {}, edit {}, assign {}, edit assignment {}, answer {}, \
             resolve {}; refused locally {}); syncs {} ok, {} failed",
            self.work(),
            op("capture"),
            op("edit"),
            op("assign"),
            op("edit_assignment"),
            op("answer"),
            op("resolve"),
            failed,
            op("sync_ok"),
            op("sync_failed"),
        )?;
        writeln!(
            f,
            "  kills (SIGKILL): {} of devices, {} of the server; clock jumps: {}; backups: {}, \
             restores: {}",
            self.device_kills, self.server_kills, self.clock_jumps, self.backups, self.restores
        )?;
        writeln!(
            f,
            "  network: {} requests through the proxy, {} faults injected",
            self.requests, self.faults
        )?;
        writeln!(
            f,
            "  final: {} questions, {} answers, {} assignments on the server; {} captures \
             journalled, {} acknowledged; all quiet: {}",
            self.questions,
            self.answers,
            self.assignments,
            self.captured,
            self.acknowledged,
            self.quiet
        )?;
        let refused: Vec<String> = self
            .refused
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        writeln!(
            f,
            "  refused by the server: {}",
            if refused.is_empty() {
                "none".to_owned()
            } else {
                refused.join(", ")
            }
        )?;
        writeln!(
            f,
            "  replicas equal to the server's view: {} of 10, but for {} questions where a \
             replica keeps its own refused change; integrity ok: {} of 11 files",
            self.converged, self.kept_refused, self.intact
        )?;
        if self.passed() {
            writeln!(f, "  result: PASS")
        } else {
            writeln!(f, "  result: FAIL, {} violations:", self.violations.len())?;
            for v in self.violations.iter().take(30) {
                writeln!(f, "    - {v}")?;
            }
            Ok(())
        }
    }
}

/// The server binary, running on a fixed port so the proxy and devices find it again after a
/// restart.
struct ServerProcess {
    binary: PathBuf,
    config: PathBuf,
    database: PathBuf,
    log: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl ServerProcess {
    fn start(&mut self) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let child = Command::new(&self.binary)
            .args(["serve", "--config"])
            .arg(&self.config)
            .arg("--database")
            .arg(format!("sqlite://{}", self.database.display()))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", self.binary.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_err() {
            if let Some(child) = &mut self.child {
                if let Some(status) = child.try_wait()? {
                    bail!("the server exited ({status}); see {}", self.log.display());
                }
            }
            if Instant::now() > deadline {
                bail!("the server did not listen within a minute");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// SIGKILL, by the child's own handle.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM (graceful shutdown), then waits.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An admin command on the database, as an administrator runs it.
    fn admin(&self, args: &[&str]) -> Result<String> {
        let output = Command::new(&self.binary)
            .args(args)
            .arg("--database")
            .arg(format!("sqlite://{}", self.database.display()))
            .env("RUST_LOG", "warn")
            .output()?;
        if !output.status.success() {
            bail!(
                "townhall-server {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Creates a user and issues an enrolment code for them, with the admin CLI.
    fn code_for(&self, name: &str, role: Role, agency: Option<AgencyId>) -> Result<String> {
        let mut args = vec![
            "user".to_owned(),
            "create".to_owned(),
            "--name".to_owned(),
            name.to_owned(),
            "--role".to_owned(),
            role.as_str().to_owned(),
        ];
        if let Some(agency) = agency {
            args.extend(["--agency".to_owned(), agency.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let user = self.admin(&args)?;
        let issued = self.admin(&["code", "issue", "--user", user.trim()])?;
        issued
            .lines()
            .find(|l| l.starts_with("Enrolment code for"))
            .and_then(|l| l.rsplit(' ').next())
            .map(str::to_owned)
            .context("no code in the admin command's output")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One device process and what it needs to start again.
struct DeviceProcess {
    index: usize,
    role: Role,
    dir: PathBuf,
    agency: AgencyId,
    clock_offset_secs: i64,
    child: Option<Child>,
    /// When it is to be started again after a kill.
    restart_at: Option<Instant>,
}

impl DeviceProcess {
    fn command(&self, binary: &Path, mode: &str, seed: u64, dialogue: DialogueId) -> Command {
        let mut command = Command::new(binary);
        command
            .arg(mode)
            .arg("--dir")
            .arg(&self.dir)
            .args(["--role", self.role.as_str()])
            .args(["--seed", &seed.to_string()])
            .args(["--clock-offset-secs", &self.clock_offset_secs.to_string()])
            .args(["--dialogue", &dialogue.to_string()])
            .args(["--agency", &self.agency.to_string()])
            .stdin(Stdio::null());
        command
    }

    fn log(&self) -> Result<std::fs::File> {
        Ok(std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("device.log"))?)
    }

    fn start(&mut self, binary: &Path, seed: u64, dialogue: DialogueId) -> Result<()> {
        let log = self.log()?;
        let child = self
            .command(binary, "run", seed, dialogue)
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        self.child = Some(child);
        self.restart_at = None;
        Ok(())
    }

    /// SIGKILL, by the child's own handle; a device that had died on its own is an error.
    fn kill(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "device {} ({}) exited on its own ({status}); see {}",
                    self.index,
                    self.role,
                    self.dir.join("device.log").display()
                );
            }
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Enrols the replica in `dir` with `code` directly at the server, to sync through `sync_url`.
fn enrol(
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    server_url: &str,
    sync_url: &str,
    code: &str,
    name: &str,
) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut replica = open_replica(dir, 0)?;
    let response = rt
        .block_on(SyncClient::new(server_url, None)?.enrol(code, name))
        .context("enrolment")?;
    replica.enrol_with(sync_url, &response)?;
    Ok(())
}

/// Plans a commune and a dialogue on a secretariat replica (in this process) and syncs them.
fn plan_dialogue(rt: &tokio::runtime::Runtime, dir: &Path) -> Result<DialogueId> {
    let replica = Arc::new(Mutex::new(open_replica(dir, 0)?));
    let id = {
        let mut r = replica
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let commune = r.upsert_locality(None, "Xã Bắc Bình", Level::Commune, None)?;
        r.create_dialogue(&DialogueInput {
            title: "Đối thoại với Nhân dân xã Bắc Bình".to_owned(),
            level: Level::Commune,
            locality: commune,
            audience: "Nhân dân xã".to_owned(),
            venue: "Hội trường UBND xã".to_owned(),
            starts_at: SystemClock.now(),
            hosts: "Bí thư Đảng ủy".to_owned(),
            coordinating_bodies: String::new(),
            plan_issued_on: None,
            attendee_count: None,
        })?
    };
    let quiet = |_: Progress| {};
    rt.block_on(sync::sync(&replica, &quiet))?;
    Ok(id)
}

/// Runs the soak and checks its outcome.
pub fn run(options: &ChaosOptions) -> Result<ChaosReport> {
    let started = Instant::now();
    let dir = tempfile::Builder::new()
        .prefix("townhall-chaos-")
        .tempdir()?;
    let root = dir.path().to_owned();
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut report = ChaosReport {
        seed: options.seed,
        ..ChaosReport::default()
    };
    let rt = runtime()?;

    let port = free_port()?;
    let config = root.join("townhall.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\nenrol_per_minute = 100000\n\
             enrol_global_per_minute = 100000\n"
        ),
    )?;
    let mut server = ServerProcess {
        binary: options.server.clone(),
        config,
        database: root.join("server.sqlite3"),
        log: root.join("server.log"),
        port,
        child: None,
    };
    server.start()?;
    let upstream: SocketAddr = ([127, 0, 0, 1], port).into();
    let proxy = FaultProxy::start(upstream, options.seed, options.fault_rate)?;
    proxy.enabled.store(false, Ordering::SeqCst);

    let agencies: Vec<AgencyId> = townhall_domain::seed::AGENCIES
        .iter()
        .take(2)
        .map(|(name, _)| townhall_domain::seed::seeded_agency_id(name))
        .collect();
    let planner = root.join("planner");
    let code = server.code_for("Văn phòng (kế hoạch)", Role::Secretariat, None)?;
    enrol(
        &rt,
        &planner,
        &server.url(),
        &server.url(),
        &code,
        "Kế hoạch",
    )?;
    let dialogue = plan_dialogue(&rt, &planner)?;

    let mut devices = Vec::new();
    for (index, (role, agency)) in DEVICES.into_iter().enumerate() {
        let agency = agencies[agency % agencies.len()];
        let dir = root.join(format!("device-{index}-{role}"));
        let code = server.code_for(
            &format!("Người dùng {index}"),
            role,
            (role == Role::Agency).then_some(agency),
        )?;
        enrol(
            &rt,
            &dir,
            &server.url(),
            &proxy.url(),
            &code,
            &format!("Máy {index}"),
        )?;
        // Two recorders start with a clock a year wrong, one ahead and one behind.
        let clock_offset_secs = match index {
            0 => CLOCK_OFFSETS[1],
            1 => CLOCK_OFFSETS[2],
            _ => 0,
        };
        devices.push(DeviceProcess {
            index,
            role,
            dir,
            agency,
            clock_offset_secs,
            child: None,
            restart_at: None,
        });
    }
    for device in &mut devices {
        device.start(&options.device, rng.random(), dialogue)?;
    }

    // The chaos.
    proxy.enabled.store(true, Ordering::SeqCst);
    let chaos_started = Instant::now();
    let total = options.duration;
    let backup = root.join("backup.sqlite3");
    // Two backup-and-restore cycles: copies at 15% and 55% of the run, restores at 35% and 75%.
    let mut plan: Vec<(f64, bool)> = if options.restores {
        vec![(0.15, false), (0.35, true), (0.55, false), (0.75, true)]
    } else {
        Vec::new()
    };
    let mut next_device_kill = exp(&mut rng, 4.0);
    let mut next_server_kill = exp(&mut rng, 25.0);
    let mut next_clock_jump = exp(&mut rng, 20.0);
    while chaos_started.elapsed() < total {
        std::thread::sleep(Duration::from_millis(100));
        let now = chaos_started.elapsed().as_secs_f64();
        for device in &mut devices {
            if device.restart_at.is_some_and(|at| Instant::now() >= at) {
                device.start(&options.device, rng.random(), dialogue)?;
            }
        }
        if now >= next_device_kill {
            next_device_kill = now + exp(&mut rng, 4.0);
            let i = rng.random_range(0..devices.len());
            let device = &mut devices[i];
            if device.child.is_some() {
                device.kill()?;
                report.device_kills += 1;
                device.restart_at =
                    Some(Instant::now() + Duration::from_millis(rng.random_range(100..2_000)));
            }
        }
        if now >= next_clock_jump {
            next_clock_jump = now + exp(&mut rng, 20.0);
            let i = rng.random_range(0..5);
            let device = &mut devices[i];
            if device.child.is_some() {
                device.kill()?;
                report.device_kills += 1;
                let offset = CLOCK_OFFSETS[rng.random_range(0..CLOCK_OFFSETS.len())];
                if offset != device.clock_offset_secs {
                    report.clock_jumps += 1;
                }
                device.clock_offset_secs = offset;
                device.start(&options.device, rng.random(), dialogue)?;
            }
        }
        if now >= next_server_kill {
            next_server_kill = now + exp(&mut rng, 25.0);
            server.kill();
            report.server_kills += 1;
            std::thread::sleep(Duration::from_millis(rng.random_range(100..1_500)));
            server.start()?;
        }
        if let Some(&(at, restore)) = plan.first() {
            if now >= at * total.as_secs_f64() {
                plan.remove(0);
                if restore {
                    restore_backup(&mut server, &backup)?;
                    report.restores += 1;
                } else {
                    take_backup(&server.database, &backup)?;
                    report.backups += 1;
                }
            }
        }
    }
    report.chaos = chaos_started.elapsed();
    report.requests = proxy.counts.requests.load(Ordering::Relaxed);
    report.faults = proxy.counts.faults.load(Ordering::Relaxed);

    // The network heals; every device stops, then syncs until quiet, in three rounds.
    proxy.enabled.store(false, Ordering::SeqCst);
    for device in &mut devices {
        if let Err(e) = device.kill() {
            report.violations.push(format!("{e:#}"));
        }
    }
    let mut quiet = false;
    for _round in 0..3 {
        quiet = true;
        for device in &devices {
            let log = device.log()?;
            let status = device
                .command(&options.device, "settle", rng.random(), dialogue)
                .stdout(log.try_clone()?)
                .stderr(log)
                .status()?;
            quiet &= status.success();
        }
    }
    report.quiet = quiet;
    if !quiet {
        report
            .violations
            .push("a device did not get quiet in its last settling round".to_owned());
    }

    check(&rt, &server, &devices, &mut report)?;
    server.stop();
    check_server(&server.database, &devices, &mut report)?;
    report.total = started.elapsed();
    if options.keep {
        let kept = dir.keep();
        report.kept = Some(kept);
    }
    Ok(report)
}

/// An exponentially distributed wait with the given mean, in seconds.
fn exp(rng: &mut StdRng, mean: f64) -> f64 {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    -mean * u.ln()
}

/// Copies the server's database while it serves, as a nightly backup would.
fn take_backup(database: &Path, backup: &Path) -> Result<()> {
    let _ = std::fs::remove_file(backup);
    let conn = rusqlite::Connection::open(database)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.execute("VACUUM INTO ?1", [backup.to_str().context("a UTF-8 path")?])?;
    Ok(())
}

/// The disk fails; the administrator puts the backup back and gives it a new epoch.
fn restore_backup(server: &mut ServerProcess, backup: &Path) -> Result<()> {
    server.kill();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", server.database.display()));
    }
    std::fs::copy(backup, &server.database)?;
    SqliteStore::open(&server.database)?.rotate_epoch()?;
    server.start()
}

/// A replica's questions, each as one canonical line of everything every role sees alike:
/// number, kind, content, status, merge, agency, answers, assignments and status events.
/// (Not the citizen: the recorder who captured a question keeps the citizen's details, which
/// other recorders never receive.)
type Snapshot = BTreeMap<QuestionId, String>;

fn snapshot(replica: &Replica) -> Result<Snapshot> {
    let filter = QuestionFilter {
        include_merged: true,
        ..Default::default()
    };
    let mut out = Snapshot::new();
    let mut offset = 0;
    loop {
        let rows = replica
            .questions(&filter, QuestionSort::Number, Page { offset, limit: 500 })?
            .rows;
        if rows.is_empty() {
            return Ok(out);
        }
        offset += 500;
        for row in rows {
            let detail = replica.question(row.id)?;
            let mut answers: Vec<String> = detail
                .answers
                .iter()
                .map(|a| format!("{}:{:?}", a.id, a.body))
                .collect();
            answers.sort();
            let mut assignments: Vec<String> = detail
                .assignments
                .iter()
                .map(|a| format!("{}:{}:{}:{}", a.id, a.agency, a.due_on, a.instructions))
                .collect();
            assignments.sort();
            let mut events: Vec<String> = detail
                .status_events
                .iter()
                .map(|e| format!("{}>{}", e.id, e.to))
                .collect();
            events.sort();
            let q = &detail.question;
            out.insert(
                row.id,
                format!(
                    "{} {} {:?} {} merged={:?} agency={:?} answers={answers:?} \
                     assignments={assignments:?} events={events:?}",
                    q.number, q.kind, q.content, q.status, q.merged_into, q.agency
                ),
            );
        }
    }
}

/// The questions on which two snapshots differ, each with a line saying how.
fn differences(device: &Snapshot, server: &Snapshot) -> Vec<(QuestionId, String)> {
    let mut out = Vec::new();
    for (id, line) in server {
        match device.get(id) {
            None => out.push((*id, format!("missing {id}: {line}"))),
            Some(mine) if mine != line => out.push((
                *id,
                format!("differs {id}:\n        device {mine}\n        server {line}"),
            )),
            Some(_) => {}
        }
    }
    for (id, line) in device.iter().filter(|(id, _)| !server.contains_key(id)) {
        out.push((*id, format!("extra {id}: {line}")));
    }
    out
}

/// Compares every replica with a fresh device of its role (and agency) and reads the journals.
fn check(
    rt: &tokio::runtime::Runtime,
    server: &ServerProcess,
    devices: &[DeviceProcess],
    report: &mut ChaosReport,
) -> Result<()> {
    let observers = server.database.with_file_name("observers");
    let mut views: BTreeMap<(Role, Option<AgencyId>), Snapshot> = BTreeMap::new();
    for device in devices {
        let key = (
            device.role,
            (device.role == Role::Agency).then_some(device.agency),
        );
        if views.contains_key(&key) {
            continue;
        }
        let dir = observers.join(format!("{}-{}", key.0, views.len()));
        let code = server.code_for("Quan sát", key.0, key.1)?;
        enrol(rt, &dir, &server.url(), &server.url(), &code, "Quan sát")?;
        let replica = Arc::new(Mutex::new(open_replica(&dir, 0)?));
        let quiet = |_: Progress| {};
        rt.block_on(sync::sync(&replica, &quiet))?;
        let view = snapshot(
            &replica
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )?;
        views.insert(key, view);
    }
    if let Some(all) = views.get(&(Role::Secretariat, None)) {
        report.questions = all.len();
        let mut numbers = BTreeSet::new();
        for line in all.values() {
            let number = line.split(' ').next().unwrap_or_default().to_owned();
            if !numbers.insert(number.clone()) {
                report
                    .violations
                    .push(format!("display number {number} is used twice"));
            }
        }
        report.answers = all.values().map(|l| l.matches("AnswerBody").count()).sum();
        report.assignments = all
            .values()
            .map(|l| {
                l.split("assignments=[")
                    .nth(1)
                    .and_then(|rest| rest.split(']').next())
                    .map_or(0, |inner| {
                        if inner.is_empty() {
                            0
                        } else {
                            inner.matches("\", \"").count() + 1
                        }
                    })
            })
            .sum();
    }
    // Every change each device had refused, by the ids it names (the change's own and its
    // question's). A refused change stays in the replica that made it, listed as refused for
    // its user (DESIGN: "the device shows it to the user"), so a question that differs because
    // of the device's own refused change is expected; anything else is a violation. After a
    // restore a replica keeps nothing the server lost (a refetch starts from an empty replica),
    // so another device's refused change is no excuse.
    let mut replicas = Vec::new();
    let mut refused_by: Vec<BTreeSet<String>> = Vec::new();
    for device in devices {
        let replica = Replica::open(
            &device.dir.join(REPLICA_FILE),
            Arc::new(SystemClock) as Arc<dyn Clock>,
        )?;
        let mut ids = BTreeSet::new();
        for refused in replica.rejected_mutations()? {
            ids.insert(refused.mutation.change.entity_id().to_string());
            match refused.mutation.change {
                Change::AddAnswer { question, .. }
                | Change::Assign { question, .. }
                | Change::ChangeStatus { question, .. } => {
                    ids.insert(question.to_string());
                }
                _ => {}
            }
        }
        refused_by.push(ids);
        replicas.push(replica);
    }
    let names = |ids: &BTreeSet<String>, id: &QuestionId, line: &str| {
        ids.contains(&id.to_string()) || ids.iter().any(|r| line.contains(r.as_str()))
    };
    for ((device, replica), own) in devices.iter().zip(&replicas).zip(&refused_by) {
        let key = (
            device.role,
            (device.role == Role::Agency).then_some(device.agency),
        );
        let mine = snapshot(replica)?;
        let name = format!("device {} ({})", device.index, device.role);
        let Some(view) = views.get(&key) else {
            report
                .violations
                .push(format!("{name}: no view to compare"));
            continue;
        };
        let mut by_own = 0;
        let mut unexplained = Vec::new();
        for (id, line) in differences(&mine, view) {
            if names(own, &id, &line) {
                by_own += 1;
            } else {
                unexplained.push(line);
            }
        }
        report.kept_refused += by_own;
        if unexplained.is_empty() {
            report.converged += 1;
        } else {
            report.violations.push(format!(
                "{name} differs from the server's view in {} questions not explained by a \
                 refused change; first: {}",
                unexplained.len(),
                unexplained
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        let status = replica.sync_status()?;
        if status.unsent > 0 {
            report
                .violations
                .push(format!("{name} still has {} unsent changes", status.unsent));
        }
        for refused in replica.rejected_mutations()? {
            let kind = refused.mutation.change.kind();
            *report
                .refused
                .entry(format!("{kind}:{}", refused.code))
                .or_default() += 1;
            if matches!(refused.mutation.change, Change::CaptureQuestion { .. }) {
                report.violations.push(format!(
                    "{name}: capture {} refused: {}",
                    refused.mutation.change.entity_id(),
                    refused.reason
                ));
            }
        }
        for op in read_ops(&device.dir)? {
            *report.operations.entry(op).or_default() += 1;
        }
    }
    Ok(())
}

/// Reads the server's database once it has stopped: every journalled capture applied exactly
/// once, and every file intact.
fn check_server(
    database: &Path,
    devices: &[DeviceProcess],
    report: &mut ChaosReport,
) -> Result<()> {
    let store = SqliteStore::open(database)?;
    let scope = PullScope {
        everything: true,
        localities: Vec::new(),
        agency: None,
    };
    let mut on_server: BTreeMap<QuestionId, usize> = BTreeMap::new();
    let mut since = 0;
    loop {
        let page = store.pull(&scope, since, 1_000)?;
        for entry in page.entries()? {
            if let Change::CaptureQuestion { id, .. } = entry.mutation.change {
                *on_server.entry(id).or_default() += 1;
            }
        }
        since = page.next;
        if !page.more {
            break;
        }
    }
    drop(store);
    // The log holds a capture more than once when its question was shared with a newly
    // assigned agency (a copy tagged for the agency), so duplicates are counted as questions:
    // the server holds exactly the questions the journals say were captured, each once (an
    // applied-twice capture would be refused as a `conflict`, checked above), and display
    // numbers are unique (checked above).
    // Every question on the server was captured by a device: it is in that device's outbox
    // (a capture saved just before a kill may be missing from the journal, never from the
    // outbox); and every journalled capture is in its device's outbox.
    let mut in_outboxes: BTreeSet<QuestionId> = BTreeSet::new();
    for device in devices {
        let replica = Replica::open(
            &device.dir.join(REPLICA_FILE),
            Arc::new(SystemClock) as Arc<dyn Clock>,
        )?;
        let captures: BTreeSet<QuestionId> = replica
            .outbox(0, u32::MAX)?
            .into_iter()
            .filter_map(|e| match e.mutation.change {
                Change::CaptureQuestion { id, .. } => Some(id),
                _ => None,
            })
            .collect();
        for id in Journal::read(&device.dir)?.captured {
            if !captures.contains(&id) {
                report.violations.push(format!(
                    "device {}: journalled capture {id} is not in its outbox",
                    device.index
                ));
            }
        }
        in_outboxes.extend(captures);
    }
    let invented: Vec<&QuestionId> = on_server
        .keys()
        .filter(|id| !in_outboxes.contains(id))
        .collect();
    if !invented.is_empty() {
        report.violations.push(format!(
            "{} questions on the server that no device captured, e.g. {}",
            invented.len(),
            invented[0]
        ));
    }
    for id in in_outboxes.iter().filter(|id| !on_server.contains_key(id)) {
        report
            .violations
            .push(format!("saved capture {id} is not on the server"));
    }
    if report.questions != on_server.len() {
        report.violations.push(format!(
            "a fresh secretariat device sees {} questions, the server's log has {}",
            report.questions,
            on_server.len()
        ));
    }
    report.log_copies = on_server.values().map(|n| n - 1).sum();
    for device in devices {
        let journal = Journal::read(&device.dir)?;
        report.captured += journal.captured.len();
        report.acknowledged += journal.acked.len();
        for id in &journal.captured {
            if !on_server.contains_key(id) {
                let what = if journal.acked.contains(id) {
                    "acknowledged"
                } else {
                    "saved"
                };
                report.violations.push(format!(
                    "device {}: {what} capture {id} is not on the server",
                    device.index
                ));
            }
        }
        for id in &journal.acked {
            if !journal.captured.contains(id) {
                report.violations.push(format!(
                    "device {}: journal acknowledges {id}, never captured",
                    device.index
                ));
            }
        }
    }
    let files = devices
        .iter()
        .map(|d| d.dir.join(REPLICA_FILE))
        .chain([database.to_owned()]);
    for file in files {
        let conn = rusqlite::Connection::open(&file)?;
        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if integrity == "ok" {
            report.intact += 1;
        } else {
            report.violations.push(format!(
                "{}: integrity_check says {integrity}",
                file.display()
            ));
        }
    }
    Ok(())
}
