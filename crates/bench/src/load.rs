//! The load generator behind `cargo xtask load`: many devices against the real server binary
//! over loopback, with the server's CPU time and memory read from `/proc`.
//!
//! The server runs as its own process (`townhall-server serve`), on the database it is given.
//! Users and their enrolment codes are made through the store before it starts, as the admin
//! CLI would. Then, with at most `concurrency` devices at work at once:
//!
//! 1. a secretariat device plans the province: its communes and one dialogue in each;
//! 2. each recorder enrols, captures its questions (realistic Vietnamese text from
//!    `townhall_testkit::corpus`) and pushes them in batches as it goes, then pulls its commune (paced,
//!    it pulls what is new after each push, as the app syncs);
//! 3. the secretariat's laptops each enrol and pull the whole province.
//!
//! By default every device works as fast as the server answers (a closed loop, at most
//! `concurrency` at once): that measures the server's throughput, and its latency under a
//! queue it cannot drain. With `pace`, every device works on its own schedule instead, a
//! sync every `pace` from a random start (an open loop, all devices at once), as tablets in
//! halls do: that measures latency at a given rate of requests.
//!
//! Every request is timed per endpoint. Devices speak through `townhall_core`'s
//! [`SyncClient`], the app's own HTTP client, but keep no replica: the figures are the
//! server's, not a device's SQLite.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use townhall_core::sync::SyncClient;
use townhall_core::{Clock, Randomness, SystemClock, SystemRandom};
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::wire::{EnrolResponse, PullResponse, PushItem, PushOutcome};
use townhall_domain::{
    Citizen, DeviceLetter, DialogueDetails, DialogueId, DisplayNumber, Hlc, Level, Locality,
    LocalityId, MutationId, QuestionId, QuestionKind, QuestionSource, QuestionText, Role, TopicId,
    UserId,
};
use townhall_server::auth::EnrolmentCode;
use townhall_server::config::DatabaseUrl;
use townhall_server::store::postgres::PostgresStore;
use townhall_server::store::sqlite::SqliteStore;
use townhall_server::store::{EnrolmentCode as StoredCode, Store, User};

use townhall_testkit::corpus::Corpus;

/// How many recorders work one dialogue (one commune's hall).
pub const RECORDERS_PER_DIALOGUE: usize = 10;

/// What to play against the server.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Recorders' tablets.
    pub devices: usize,
    /// Questions each recorder captures.
    pub questions: usize,
    /// Secretariat laptops pulling the whole province at the end.
    pub laptops: usize,
    /// Questions per push: a recorder syncs after every `batch` captures.
    pub batch: usize,
    /// How many devices work at once, without `pace`.
    pub concurrency: usize,
    /// Each device syncs every `pace`, from a random start within the first, instead of as
    /// fast as it can; every device is then at work at once.
    pub pace: Option<Duration>,
    /// The `townhall-server` binary to run.
    pub server: PathBuf,
    /// The database it serves; a SQLite file in a temporary directory when `None`.
    pub database: Option<String>,
}

impl LoadOptions {
    /// The full run: 300 recorders × 300 questions, then 50 laptops.
    pub fn full(server: PathBuf) -> Self {
        Self {
            devices: 300,
            questions: 300,
            laptops: 50,
            batch: 50,
            concurrency: 64,
            pace: None,
            server,
            database: None,
        }
    }
}

/// What a run measured.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// The backend, as `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The options of the run.
    pub devices: usize,
    /// Questions per recorder.
    pub questions: usize,
    /// Laptops.
    pub laptops: usize,
    /// How often each device synced, when paced.
    pub pace: Option<Duration>,
    /// Latencies per endpoint and phase, e.g. `push` or `pull (laptops)`.
    pub endpoints: BTreeMap<String, Latencies>,
    /// Requests that failed (an error answer, a rejected mutation or no answer).
    pub errors: usize,
    /// The first few failures, for a person to read.
    pub error_samples: Vec<String>,
    /// Questions the server applied.
    pub applied: usize,
    /// Changes the laptops pulled, all together.
    pub pulled_by_laptops: usize,
    /// How long the recorders' phase took.
    pub recorders_took: Duration,
    /// How long the laptops' phase took.
    pub laptops_took: Duration,
    /// The server process's user + system CPU time.
    pub server_cpu: Duration,
    /// The server process's peak resident memory (VmHWM), in KiB.
    pub peak_rss_kib: u64,
    /// The server's resident memory (VmRSS, KiB) as data grew: (questions applied, RSS).
    pub rss_samples: Vec<(usize, u64)>,
    /// Resident memory once idle after the laptops, in KiB.
    pub rss_after_kib: u64,
}

/// Latencies of one endpoint, in the order they happened.
#[derive(Clone, Debug, Default)]
pub struct Latencies(Vec<Duration>);

impl Latencies {
    /// How many requests.
    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// The `q`-quantile (0.5 for the median), nearest rank; zero when empty.
    pub fn quantile(&self, q: f64) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        quantile(&sorted, q)
    }
}

/// The `q`-quantile of sorted durations, nearest rank.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a rank within a vector's length"
    )]
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Runs the load and reports what it measured.
///
/// Call it outside any async runtime: the PostgreSQL store blocks on a runtime of its own.
pub fn run(options: &LoadOptions) -> Result<LoadReport> {
    if options.devices == 0 || options.questions == 0 || options.batch == 0 {
        bail!("--devices, --questions and the batch must be at least 1");
    }
    let dir = tempfile::Builder::new()
        .prefix("townhall-load-")
        .tempdir()?;
    let database = match &options.database {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", dir.path().join("server.sqlite3").display()),
    };
    let parsed: DatabaseUrl = database.parse()?;
    let province = Province::new(options.devices.div_ceil(RECORDERS_PER_DIALOGUE));
    let codes = match &parsed {
        DatabaseUrl::Sqlite(path) => issue_codes(&SqliteStore::open(path)?, options, &province)?,
        DatabaseUrl::Postgres(url) => {
            issue_codes(&PostgresStore::connect(url)?, options, &province)?
        }
    };
    let server = ServerProcess::start(&options.server, &database, dir.path())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let measured = runtime.block_on(play(options, &server, &province, codes));
    let rss_after_kib = server.memory().map_or(0, |m| m.rss_kib);
    let (server_cpu, peak_rss_kib) = (server.cpu()?, server.memory()?.peak_kib);
    drop(server);
    let measured = measured?;
    Ok(LoadReport {
        backend: match parsed {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        },
        devices: options.devices,
        questions: options.questions,
        laptops: options.laptops,
        pace: options.pace,
        endpoints: measured.endpoints,
        errors: measured.errors,
        error_samples: measured.error_samples,
        applied: measured.applied,
        pulled_by_laptops: measured.pulled_by_laptops,
        recorders_took: measured.recorders_took,
        laptops_took: measured.laptops_took,
        server_cpu,
        peak_rss_kib,
        rss_samples: measured.rss_samples,
        rss_after_kib,
    })
}

/// The province the load plays in: one commune (and dialogue) per ten recorders.
struct Province {
    province: Locality,
    communes: Vec<Locality>,
    dialogues: Vec<DialogueId>,
}

impl Province {
    fn new(communes: usize) -> Self {
        let id = |n: usize, kind: u8| {
            let mut random = [kind; 10];
            random[2..10].copy_from_slice(&(n as u64).to_be_bytes());
            townhall_domain::ids::uuid_v7(1_767_225_600_000, random)
        };
        let province = Locality {
            id: LocalityId::from_uuid(id(0, 1)),
            name: townhall_core::seed::DEMO_PROVINCE.to_owned(),
            level: Level::Province,
            parent: None,
        };
        let communes: Vec<Locality> = (0..communes)
            .map(|n| Locality {
                id: LocalityId::from_uuid(id(n, 2)),
                name: townhall_core::seed::DEMO_COMMUNES
                    .get(n)
                    .map_or_else(|| format!("Xã số {}", n + 1), |name| (*name).to_owned()),
                level: Level::Commune,
                parent: Some(province.id),
            })
            .collect();
        let dialogues = (0..communes.len())
            .map(|n| DialogueId::from_uuid(id(n, 3)))
            .collect();
        Self {
            province,
            communes,
            dialogues,
        }
    }
}

/// The enrolment codes of everyone in the run.
struct Codes {
    secretariat: String,
    /// One per recorder, with the index of its commune.
    recorders: Vec<(String, usize)>,
    laptops: Vec<String>,
}

/// Creates the users and their codes, as `townhall-server user create` and `code issue` do.
fn issue_codes<S: Store>(store: &S, options: &LoadOptions, province: &Province) -> Result<Codes> {
    let now = SystemClock.now();
    let mut rng = townhall_server::clock::SystemRandom.rng();
    let mut issue = |name: String, role: Role, jurisdiction: Option<LocalityId>| {
        let user = UserId::generate(unix_millis(now), SystemRandom.id_bits());
        store.create_user(&User {
            id: user,
            name,
            role,
            jurisdiction,
            agency: None,
        })?;
        let code = EnrolmentCode::generate(&mut rng);
        store.add_enrolment_code(&StoredCode {
            code_hash: code.hash(),
            user,
            expires_at: now + chrono::Duration::hours(24),
        })?;
        anyhow::Ok(code.grouped())
    };
    let secretariat = issue("Văn phòng Tỉnh ủy".to_owned(), Role::Secretariat, None)?;
    let recorders = (0..options.devices)
        .map(|i| {
            let commune = i / RECORDERS_PER_DIALOGUE;
            let code = issue(
                format!("Thư ký hội nghị {}", i + 1),
                Role::Recorder,
                Some(province.communes[commune].id),
            )?;
            Ok((code, commune))
        })
        .collect::<Result<_>>()?;
    let laptops = (0..options.laptops)
        .map(|i| {
            issue(
                format!("Chuyên viên tổng hợp {}", i + 1),
                Role::Secretariat,
                Some(province.province.id),
            )
        })
        .collect::<Result<_>>()?;
    Ok(Codes {
        secretariat,
        recorders,
        laptops,
    })
}

fn unix_millis(at: chrono::DateTime<chrono::Utc>) -> u64 {
    u64::try_from(at.timestamp_millis()).unwrap_or(0)
}

/// The server binary, running; killed when dropped.
struct ServerProcess {
    child: Child,
    url: String,
    /// Clock ticks per second, for `/proc/PID/stat`.
    ticks: u64,
}

/// Resident memory of a process, in KiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Memory {
    rss_kib: u64,
    peak_kib: u64,
}

impl ServerProcess {
    fn start(binary: &Path, database: &str, dir: &Path) -> Result<Self> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        // Generous enrolment limits: hundreds of devices enrol from one address in seconds.
        let config = dir.join("townhall.toml");
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:{port}\"\nenrol_per_minute = 100000\n\
                 enrol_global_per_minute = 100000\n"
            ),
        )?;
        let log = std::fs::File::create(dir.join("server.log"))?;
        let child = Command::new(binary)
            .args(["serve", "--config"])
            .arg(&config)
            .args(["--database", database])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            ticks: clock_ticks(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if let Some(status) = server.child.try_wait()? {
                let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
                bail!("the server exited ({status}):\n{log}");
            }
            if Instant::now() > deadline {
                bail!("the server did not start listening within a minute");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    fn memory(&self) -> Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        parse_memory(&status).context("no VmRSS/VmHWM in /proc/PID/status")
    }

    fn cpu(&self) -> Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        let ticks = parse_cpu_ticks(&stat).context("cannot read /proc/PID/stat")?;
        Ok(Duration::from_secs_f64(ticks as f64 / self.ticks as f64))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Ours, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` and `VmHWM` from the text of `/proc/PID/status`.
fn parse_memory(status: &str) -> Option<Memory> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
    };
    Some(Memory {
        rss_kib: field("VmRSS:")?,
        peak_kib: field("VmHWM:")?,
    })
}

/// User plus system time, in clock ticks, from the text of `/proc/PID/stat`: fields 14 and 15,
/// counted after the command name, which is in parentheses and may hold spaces.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // After the name come the state (field 3) and on: utime is field 14, index 11 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second (`getconf CLK_TCK`), 100 if it cannot be asked: Linux's value on
/// every common architecture.
fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .filter(|ticks| *ticks > 0)
        .unwrap_or(100)
}

/// What the devices measured.
#[derive(Default)]
struct Measured {
    endpoints: BTreeMap<String, Latencies>,
    errors: usize,
    error_samples: Vec<String>,
    applied: usize,
    pulled_by_laptops: usize,
    recorders_took: Duration,
    laptops_took: Duration,
    rss_samples: Vec<(usize, u64)>,
}

/// Shared by the devices' tasks.
#[derive(Default)]
struct Tally {
    measured: Mutex<Measured>,
    applied: AtomicUsize,
}

impl Tally {
    fn time(&self, endpoint: &str, took: Duration) {
        let mut measured = self.measured.lock().unwrap_or_else(PoisonError::into_inner);
        measured
            .endpoints
            .entry(endpoint.to_owned())
            .or_default()
            .0
            .push(took);
    }

    fn error(&self, what: String) {
        let mut measured = self.measured.lock().unwrap_or_else(PoisonError::into_inner);
        measured.errors += 1;
        if measured.error_samples.len() < 10 {
            measured.error_samples.push(what);
        }
    }

    /// Runs `call`, timing it under `endpoint` and counting a failure as an error.
    async fn call<T, E: fmt::Debug>(
        &self,
        endpoint: &str,
        call: impl Future<Output = Result<T, E>>,
    ) -> Option<T> {
        let started = Instant::now();
        let result = call.await;
        self.time(endpoint, started.elapsed());
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.error(format!("{endpoint}: {e:?}"));
                None
            }
        }
    }
}

/// Plays the three phases against `server`.
async fn play(
    options: &LoadOptions,
    server: &ServerProcess,
    province: &Province,
    codes: Codes,
) -> Result<Measured> {
    let tally = Arc::new(Tally::default());
    let url = server.url.clone();

    // Memory, sampled against the data applied so far.
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (tally, sampling) = (Arc::clone(&tally), Arc::clone(&sampling));
        let status = format!("/proc/{}/status", server.child.id());
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while sampling.load(Ordering::SeqCst) {
                if let Some(memory) = std::fs::read_to_string(&status)
                    .ok()
                    .and_then(|s| parse_memory(&s))
                {
                    samples.push((tally.applied.load(Ordering::SeqCst), memory.rss_kib));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            samples
        })
    };

    plan_province(&url, &codes.secretariat, province).await?;

    // Paced devices are all at work at once, each on its own schedule.
    let permits = match options.pace {
        Some(_) => options.devices + options.laptops,
        None => options.concurrency,
    };
    let limit = Arc::new(tokio::sync::Semaphore::new(permits.max(1)));
    let pace = options.pace;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, (code, commune)) in codes.recorders.into_iter().enumerate() {
        let (tally, limit, url) = (Arc::clone(&tally), Arc::clone(&limit), url.clone());
        let dialogue = province.dialogues[commune];
        let (questions, batch) = (options.questions, options.batch);
        tasks.push(tokio::spawn(async move {
            let Ok(_permit) = limit.acquire_owned().await else {
                return;
            };
            let device = RecorderPlan {
                index: i,
                dialogue,
                questions,
                batch,
                pace,
            };
            recorder(&tally, &url, &code, device).await;
        }));
    }
    for task in tasks {
        task.await?;
    }
    let recorders_took = started.elapsed();

    let started = Instant::now();
    let mut tasks = Vec::new();
    for code in codes.laptops {
        let (tally, limit, url) = (Arc::clone(&tally), Arc::clone(&limit), url.clone());
        tasks.push(tokio::spawn(async move {
            let Ok(_permit) = limit.acquire_owned().await else {
                return 0;
            };
            if let Some(pace) = pace {
                tokio::time::sleep(random_phase(pace)).await;
            }
            laptop(&tally, &url, &code).await
        }));
    }
    let mut pulled_by_laptops = 0;
    for task in tasks {
        pulled_by_laptops += task.await?;
    }
    let laptops_took = started.elapsed();
    sampling.store(false, Ordering::SeqCst);
    let rss_samples = sampler.await?;

    let tally = Arc::try_unwrap(tally).map_err(|_| anyhow::anyhow!("a device still runs"))?;
    let mut measured = tally
        .measured
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    measured.applied = tally.applied.load(Ordering::SeqCst);
    measured.pulled_by_laptops = pulled_by_laptops;
    measured.recorders_took = recorders_took;
    measured.laptops_took = laptops_took;
    measured.rss_samples = rss_samples;
    Ok(measured)
}

/// A device's client and the numbering of its mutations.
struct Sender {
    client: SyncClient,
    enrolled: EnrolResponse,
    seq: u64,
    hlc: u64,
    /// Where its last pull stopped.
    cursor: u64,
}

impl Sender {
    async fn enrol(tally: &Tally, url: &str, code: &str, name: &str) -> Option<Self> {
        let anonymous = SyncClient::new(url, None).ok()?;
        let enrolled = tally.call("enrol", anonymous.enrol(code, name)).await?;
        let client = SyncClient::new(url, Some(enrolled.token.clone())).ok()?;
        Some(Self {
            client,
            enrolled,
            seq: 0,
            hlc: unix_millis(SystemClock.now()),
            cursor: 0,
        })
    }

    fn item(&mut self, change: Change) -> PushItem {
        self.seq += 1;
        self.hlc += 1;
        PushItem {
            seq: self.seq,
            mutation: Mutation {
                id: MutationId::generate(self.hlc, SystemRandom.id_bits()),
                device: self.enrolled.device,
                hlc: Hlc::new(self.hlc, 0),
                change,
            },
        }
    }

    /// Pushes `changes`, counting a rejected one as an error; returns how many were applied.
    async fn push(&mut self, tally: &Tally, endpoint: &str, changes: Vec<Change>) -> usize {
        let items: Vec<PushItem> = changes.into_iter().map(|c| self.item(c)).collect();
        let Some(pushed) = tally.call(endpoint, self.client.push(items)).await else {
            return 0;
        };
        let mut applied = 0;
        for result in pushed.results {
            match result.outcome {
                PushOutcome::Applied { .. } => applied += 1,
                PushOutcome::Rejected { code, reason } => {
                    tally.error(format!("{endpoint}: rejected {code}: {reason}"));
                }
            }
        }
        applied
    }

    /// Pulls everything in scope after its cursor, and moves the cursor; returns how many
    /// changes came.
    async fn pull_all(&mut self, tally: &Tally, endpoint: &str) -> usize {
        let mut pulled = 0;
        loop {
            let page = self.client.pull(self.cursor, 1_000, &self.enrolled.epoch);
            match tally.call(endpoint, page).await {
                Some(PullResponse::Page {
                    changes,
                    next,
                    more,
                    ..
                }) => {
                    pulled += changes.len();
                    self.cursor = next;
                    if !more {
                        return pulled;
                    }
                }
                Some(PullResponse::Refetch { .. }) => {
                    tally.error(format!("{endpoint}: refetch from an unchanged server"));
                    return pulled;
                }
                None => return pulled,
            }
        }
    }
}

/// The secretariat plans the province: the province, its communes and a dialogue in each.
async fn plan_province(url: &str, code: &str, province: &Province) -> Result<()> {
    let tally = Tally::default();
    let Some(mut secretariat) = Sender::enrol(&tally, url, code, "Máy văn phòng").await else {
        bail!(
            "the secretariat could not enrol: {:?}",
            tally_errors(&tally)
        );
    };
    let starts_at = SystemClock.now();
    let mut changes = vec![Change::UpsertLocality(province.province.clone())];
    for (commune, dialogue) in province.communes.iter().zip(&province.dialogues) {
        changes.push(Change::UpsertLocality(commune.clone()));
        changes.push(Change::CreateDialogue {
            id: *dialogue,
            details: DialogueDetails {
                title: format!(
                    "Hội nghị đối thoại giữa người đứng đầu cấp ủy, chính quyền với Nhân dân {}",
                    commune.name
                ),
                level: Level::Commune,
                locality: commune.id,
                audience: "Nhân dân trên địa bàn".to_owned(),
                venue: "Hội trường Trung tâm hành chính".to_owned(),
                starts_at,
                hosts: "Bí thư Đảng ủy, Chủ tịch UBND".to_owned(),
                coordinating_bodies: "Văn phòng; Ủy ban MTTQ Việt Nam; Công an".to_owned(),
                plan_issued_on: None,
                attendee_count: Some(300),
            },
        });
    }
    let expected = changes.len();
    for chunk in changes.chunks(500) {
        secretariat.push(&tally, "push", chunk.to_vec()).await;
    }
    let errors = tally_errors(&tally);
    if !errors.is_empty() {
        bail!("planning the province failed ({expected} changes): {errors:?}");
    }
    Ok(())
}

fn tally_errors(tally: &Tally) -> Vec<String> {
    tally
        .measured
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .error_samples
        .clone()
}

/// What one recorder does.
struct RecorderPlan {
    /// Its number, from 0.
    index: usize,
    /// The dialogue it records.
    dialogue: DialogueId,
    /// Questions it captures.
    questions: usize,
    /// Questions per push.
    batch: usize,
    /// How often it syncs, when paced.
    pace: Option<Duration>,
}

/// A random point within the first `pace`, so paced devices do not start together.
fn random_phase(pace: Duration) -> Duration {
    pace.mul_f64(SystemRandom.unit())
}

/// One recorder: enrol, capture and push `questions` in batches of `batch`, pull its commune.
/// Paced, it starts at a random point of the first period and syncs at the start of each
/// period after (at once if the one before ran late), as the app does: push what it captured,
/// then pull what is new.
async fn recorder(tally: &Tally, url: &str, code: &str, plan: RecorderPlan) {
    let RecorderPlan {
        index,
        dialogue,
        questions,
        batch,
        pace,
    } = plan;
    if let Some(pace) = pace {
        tokio::time::sleep(random_phase(pace)).await;
    }
    let started = tokio::time::Instant::now();
    let mut period = 0u32;
    let mut next_period = || {
        period += 1;
        pace.map(|pace| {
            match pace
                .checked_mul(period)
                .and_then(|offset| started.checked_add(offset))
            {
                Some(due) => tokio::time::sleep_until(due),
                // Beyond what an instant can count: one period from now.
                None => tokio::time::sleep(pace),
            }
        })
    };
    let name = format!("Máy tính bảng {}", index + 1);
    let Some(mut device) = Sender::enrol(tally, url, code, &name).await else {
        return;
    };
    let letter = device.enrolled.letter.clone();
    let topics: Vec<TopicId> = townhall_core::seed::TOPICS
        .iter()
        .map(|name| townhall_domain::seed::seeded_topic_id(name))
        .collect();
    let mut corpus = Corpus::new(index as u64);
    let mut counter = 0;
    while counter < questions {
        if counter > 0
            && let Some(wait) = next_period()
        {
            wait.await;
        }
        let n = batch.min(questions - counter);
        let changes: Vec<Change> = (0..n)
            .map(|_| {
                counter += 1;
                capture(&mut corpus, &letter, counter, dialogue, &topics, &device)
            })
            .collect();
        let applied = device.push(tally, "push", changes).await;
        tally.applied.fetch_add(applied, Ordering::SeqCst);
        if pace.is_some() {
            device.pull_all(tally, "pull (recorders)").await;
        }
    }
    if let Some(wait) = next_period() {
        wait.await;
    }
    device.pull_all(tally, "pull (recorders)").await;
}

/// One generated question, as a recorder's capture.
fn capture(
    corpus: &mut Corpus,
    letter: &DeviceLetter,
    counter: usize,
    dialogue: DialogueId,
    topics: &[TopicId],
    device: &Sender,
) -> Change {
    let generated = corpus.question();
    let millis = device.hlc;
    let kinds = QuestionKind::ALL;
    Change::CaptureQuestion {
        id: QuestionId::generate(millis, SystemRandom.id_bits()),
        dialogue,
        number: DisplayNumber {
            letter: letter.clone(),
            counter: u32::try_from(counter).unwrap_or(u32::MAX),
        },
        text: QuestionText {
            kind: kinds[generated.kind_index % kinds.len()],
            source: QuestionSource::InHall,
            topic: topics.get(generated.topic_index).copied(),
            content: generated.content,
        },
        citizen: match generated.citizen_name {
            None => Citizen::Anonymous,
            Some(name) => Citizen::Named {
                name,
                locality: generated.citizen_locality,
                phone: generated.phone.and_then(|p| p.parse().ok()),
            },
        },
        captured_at: SystemClock.now(),
    }
}

/// One secretariat laptop: enrol and pull the whole province; returns how many changes came.
async fn laptop(tally: &Tally, url: &str, code: &str) -> usize {
    let Some(mut device) = Sender::enrol(tally, url, code, "Máy tính xách tay").await else {
        return 0;
    };
    device.pull_all(tally, "pull (laptops)").await
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1_000.0);
        let mib = |kib: u64| format!("{:.1} MiB", kib as f64 / 1024.0);
        writeln!(
            f,
            "Townhall load — {} recorders × {} questions, then {} laptops, on {}",
            self.devices, self.questions, self.laptops, self.backend
        )?;
        match self.pace {
            Some(pace) => writeln!(
                f,
                "paced: every device at work at once, each syncing every {:.1} s from a random start",
                pace.as_secs_f64()
            )?,
            None => writeln!(
                f,
                "closed loop: each device syncs again as soon as answered"
            )?,
        }
        writeln!(
            f,
            "{:<22} {:>8} {:>10} {:>10} {:>10} {:>10}",
            "endpoint", "requests", "p50", "p95", "p99", "max"
        )?;
        for (endpoint, latencies) in &self.endpoints {
            writeln!(
                f,
                "{:<22} {:>8} {:>10} {:>10} {:>10} {:>10}",
                endpoint,
                latencies.count(),
                ms(latencies.quantile(0.50)),
                ms(latencies.quantile(0.95)),
                ms(latencies.quantile(0.99)),
                ms(latencies.quantile(1.0)),
            )?;
        }
        let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
        writeln!(
            f,
            "recorders: {} questions applied in {:.1} s ({:.0} questions/s)",
            self.applied,
            self.recorders_took.as_secs_f64(),
            rate(self.applied, self.recorders_took)
        )?;
        writeln!(
            f,
            "laptops: {} changes pulled in {:.1} s ({:.0} changes/s)",
            self.pulled_by_laptops,
            self.laptops_took.as_secs_f64(),
            rate(self.pulled_by_laptops, self.laptops_took)
        )?;
        writeln!(f, "errors: {}", self.errors)?;
        for sample in &self.error_samples {
            writeln!(f, "  {sample}")?;
        }
        writeln!(
            f,
            "server: {:.1} s CPU, peak RSS {}, RSS after the run {}",
            self.server_cpu.as_secs_f64(),
            mib(self.peak_rss_kib),
            mib(self.rss_after_kib)
        )?;
        let growth: Vec<String> = rss_by_quarter(&self.rss_samples, self.applied)
            .into_iter()
            .map(|(applied, kib)| format!("{applied}: {}", mib(kib)))
            .collect();
        writeln!(
            f,
            "server RSS as data grew (questions: RSS): {}",
            growth.join(", ")
        )
    }
}

/// The RSS sampled nearest each quarter of the questions applied (and at the start).
fn rss_by_quarter(samples: &[(usize, u64)], total: usize) -> Vec<(usize, u64)> {
    let mut out = Vec::new();
    for quarter in 0..=4 {
        let target = total * quarter / 4;
        // The last sample taken at or before the target; the first one for the start.
        let found = samples
            .iter()
            .take_while(|(applied, _)| *applied <= target)
            .last()
            .or_else(|| samples.first());
        if let Some(&sample) = found {
            if out.last() != Some(&sample) {
                out.push(sample);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let ms = |n: u64| Duration::from_millis(n);
        let latencies = Latencies((1..=100).rev().map(ms).collect());
        assert_eq!(latencies.quantile(0.50), ms(50));
        assert_eq!(latencies.quantile(0.95), ms(95));
        assert_eq!(latencies.quantile(0.99), ms(99));
        assert_eq!(latencies.quantile(1.0), ms(100));
        assert_eq!(latencies.quantile(0.0), ms(1));
        assert_eq!(Latencies::default().quantile(0.5), Duration::ZERO);
        assert_eq!(Latencies(vec![ms(7)]).quantile(0.99), ms(7));
    }

    #[test]
    fn proc_files() {
        let status = "Name:\ttownhall-server\nVmPeak:\t  900000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\n";
        assert_eq!(
            parse_memory(status),
            Some(Memory {
                rss_kib: 40_960,
                peak_kib: 51_200
            })
        );
        assert_eq!(parse_memory("Name:\tx\n"), None);
        // A command name with spaces and parentheses does not shift the fields.
        let stat = "4242 (townhall (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 4 0";
        assert_eq!(parse_cpu_ticks(stat), Some(325));
        assert_eq!(parse_cpu_ticks("4242 (x) S 1"), None);
    }

    #[test]
    fn rss_is_reported_at_each_quarter() {
        let samples = [
            (0, 100),
            (10, 110),
            (50, 120),
            (75, 125),
            (99, 130),
            (100, 131),
        ];
        assert_eq!(
            rss_by_quarter(&samples, 100),
            [(0, 100), (10, 110), (50, 120), (75, 125), (100, 131)]
        );
        assert_eq!(rss_by_quarter(&[], 100), []);
    }
}
