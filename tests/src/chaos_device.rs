//! One device of the chaos soak (`townhall-chaos-device`), run as its own process.
//!
//! It owns a replica file in its directory, enrolled beforehand by the driver, and loops the
//! work of its role (a recorder captures and corrects its questions, the secretariat assigns
//! and resolves, a leader edits assignments, an agency answers in writing), syncing now and
//! then through the fault-injecting proxy, until it is killed. Its clock may be offset (a
//! tablet a year wrong).
//!
//! It keeps a journal beside the replica: `captured <id>` once a capture has returned (so it
//! is saved), and `acked <id>` once a sync has drained the outbox past it and the server
//! applied it. Each line is fsynced before the device goes on, so the journal never claims
//! more than happened; the checker holds the server to it. Operations are counted in
//! `ops.log`, written (not fsynced) as they happen: a SIGKILL keeps what the kernel has.

use std::collections::{BTreeSet, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use townhall_core::sync::{self, Progress};
use townhall_core::{
    CaptureInput, Clock, OnSiteAnswerInput, Page, QuestionFilter, QuestionSort, Replica,
    SystemClock,
};
use townhall_domain::validate::{AnswerInput, AssignmentInput, CitizenInput, QuestionInput};
use townhall_domain::{
    AgencyId, AnswerMode, DialogueId, QuestionId, QuestionKind, QuestionStatus, Role,
};

/// The replica's file name inside a device's directory.
pub const REPLICA_FILE: &str = "replica.sqlite3";
/// The journal's file name inside a device's directory.
pub const JOURNAL_FILE: &str = "journal.log";
/// The operation counts' file name inside a device's directory.
pub const OPS_FILE: &str = "ops.log";

/// How a device process runs.
#[derive(Clone, Debug)]
pub struct DeviceOptions {
    /// Its directory: replica, journal and operation counts.
    pub dir: PathBuf,
    /// Its role, which decides its work.
    pub role: Role,
    /// The seed of its choices (the driver gives each start a new one).
    pub seed: u64,
    /// How far its clock is from the true time, in seconds.
    pub clock_offset_secs: i64,
    /// The dialogue recorders capture into.
    pub dialogue: DialogueId,
    /// The agency the secretariat assigns to (and an agency device answers for).
    pub agency: AgencyId,
}

/// A clock `offset_millis` away from the wall clock: a tablet whose date was set wrong.
#[derive(Debug)]
pub struct OffsetClock {
    /// The offset, in milliseconds.
    pub offset_millis: i64,
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now() + chrono::Duration::milliseconds(self.offset_millis)
    }
}

/// Opens a device's replica with its (possibly wrong) clock.
pub fn open_replica(dir: &Path, clock_offset_secs: i64) -> Result<Replica> {
    let clock: Arc<dyn Clock> = Arc::new(OffsetClock {
        offset_millis: clock_offset_secs.saturating_mul(1_000),
    });
    Replica::open(&dir.join(REPLICA_FILE), clock).context("opening the replica")
}

/// What a device's journal says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Journal {
    /// Questions captured (the capture returned), in order.
    pub captured: Vec<QuestionId>,
    /// Questions the server acknowledged applying.
    pub acked: BTreeSet<QuestionId>,
}

impl Journal {
    /// Reads a device's journal; a torn last line (a kill mid-write) is ignored.
    pub fn read(dir: &Path) -> Result<Self> {
        let mut journal = Self::default();
        let path = dir.join(JOURNAL_FILE);
        if !path.exists() {
            return Ok(journal);
        }
        for line in BufReader::new(File::open(&path)?).lines() {
            let line = line?;
            match line.split_once(' ') {
                Some(("captured", id)) => {
                    if let Ok(id) = id.parse() {
                        journal.captured.push(id);
                    }
                }
                Some(("acked", id)) => {
                    if let Ok(id) = id.parse() {
                        journal.acked.insert(id);
                    }
                }
                _ => {}
            }
        }
        Ok(journal)
    }
}

/// Counts of a device's operations, from its `ops.log`, by kind.
pub fn read_ops(dir: &Path) -> Result<Vec<String>> {
    let path = dir.join(OPS_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// The device's running state: its replica, journal and the captures not yet acknowledged.
struct Device {
    options: DeviceOptions,
    clock: OffsetClock,
    replica: Arc<Mutex<Replica>>,
    rt: tokio::runtime::Runtime,
    rng: StdRng,
    journal: File,
    ops: File,
    own: Vec<QuestionId>,
    unacked: Vec<QuestionId>,
}

impl Device {
    fn open(options: DeviceOptions) -> Result<Self> {
        let replica = open_replica(&options.dir, options.clock_offset_secs)?;
        if replica.sync_config()?.is_none() {
            bail!("the replica in {} is not enrolled", options.dir.display());
        }
        let journal_so_far = Journal::read(&options.dir)?;
        let unacked = journal_so_far
            .captured
            .iter()
            .filter(|id| !journal_so_far.acked.contains(id))
            .copied()
            .collect();
        let append = |name: &str| {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(options.dir.join(name))
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self {
            rng: StdRng::seed_from_u64(options.seed),
            clock: OffsetClock {
                offset_millis: options.clock_offset_secs.saturating_mul(1_000),
            },
            journal: append(JOURNAL_FILE)?,
            ops: append(OPS_FILE)?,
            own: journal_so_far.captured,
            unacked,
            replica: Arc::new(Mutex::new(replica)),
            rt,
            options,
        })
    }

    fn replica(&self) -> std::sync::MutexGuard<'_, Replica> {
        self.replica
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one operation (a line in `ops.log`; a write, not fsynced).
    fn count(&mut self, what: &str) -> Result<()> {
        self.ops.write_all(format!("{what}\n").as_bytes())?;
        Ok(())
    }

    /// Writes a journal line and waits for it to reach the disk.
    fn journal(&mut self, lines: &str) -> Result<()> {
        self.journal.write_all(lines.as_bytes())?;
        self.journal.sync_data()?;
        Ok(())
    }

    /// One sync; afterwards, journals the captures the server has now applied.
    fn sync(&mut self) -> Result<Option<sync::SyncReport>> {
        let quiet = |_: Progress| {};
        let result = self.rt.block_on(sync::sync(&self.replica, &quiet));
        self.count(if result.is_ok() {
            "sync_ok"
        } else {
            "sync_failed"
        })?;
        self.journal_acks()?;
        Ok(result.ok())
    }

    /// Journals as acknowledged every capture no longer waiting in the outbox and not refused.
    fn journal_acks(&mut self) -> Result<()> {
        if self.unacked.is_empty() {
            return Ok(());
        }
        let (pending, refused): (HashSet<uuid::Uuid>, HashSet<uuid::Uuid>) = {
            let replica = self.replica();
            let pending = replica
                .pending_push(u32::MAX)?
                .into_iter()
                .map(|p| p.mutation.change.entity_id())
                .collect();
            let refused = replica
                .rejected_mutations()?
                .into_iter()
                .map(|r| r.mutation.change.entity_id())
                .collect();
            (pending, refused)
        };
        let (acked, unacked): (Vec<QuestionId>, Vec<QuestionId>) = self
            .unacked
            .iter()
            .partition(|id| !pending.contains(&id.as_uuid()) && !refused.contains(&id.as_uuid()));
        if !acked.is_empty() {
            let lines: String = acked.iter().map(|id| format!("acked {id}\n")).collect();
            self.journal(&lines)?;
        }
        self.unacked = unacked;
        Ok(())
    }

    fn questions(&self, statuses: &[QuestionStatus]) -> Result<Vec<QuestionId>> {
        let filter = QuestionFilter {
            statuses: statuses.to_vec(),
            ..Default::default()
        };
        Ok(self
            .replica()
            .questions(&filter, QuestionSort::Number, Page::first(200))?
            .rows
            .into_iter()
            .map(|r| r.id)
            .collect())
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.rng.random_range(0..items.len())])
    }

    fn capture(&mut self) -> Result<()> {
        let n = self.own.len();
        let named = self.rng.random_bool(0.5);
        let on_site = self.rng.random_bool(0.2);
        let input = CaptureInput {
            dialogue: self.options.dialogue,
            question: QuestionInput {
                kind: Some(QuestionKind::Petition),
                content: format!(
                    "Kiến nghị {n} của thiết bị: đường liên thôn xuống cấp <b>'; DROP TABLE questions; --"
                ),
                citizen: CitizenInput {
                    name: named.then(|| format!("Nguyễn Văn {n}")),
                    phone: named.then(|| "0912345678".to_owned()),
                    ..Default::default()
                },
                ..Default::default()
            },
            answered_on_site: on_site.then(|| OnSiteAnswerInput {
                answered_by: "Chủ tịch UBND xã".to_owned(),
                summary: "Đã trả lời tại hội nghị".to_owned(),
            }),
        };
        let captured = self.replica().capture(&input);
        match captured {
            Ok(captured) => {
                self.journal(&format!("captured {}\n", captured.id))?;
                self.own.push(captured.id);
                self.unacked.push(captured.id);
                self.count("capture")
            }
            Err(_) => self.count("failed_capture"),
        }
    }

    fn edit_own(&mut self) -> Result<()> {
        let Some(id) = self.pick(&self.own.clone()) else {
            return self.capture();
        };
        let edit = self.rng.random_range(0..1_000);
        let input = QuestionInput {
            kind: Some(QuestionKind::Proposal),
            content: format!("Kiến nghị đã sửa lần {edit}: xin sửa đường liên thôn"),
            ..Default::default()
        };
        let result = self.replica().edit_question(id, &input);
        self.count(if result.is_ok() {
            "edit"
        } else {
            "failed_edit"
        })
    }

    fn assign(&mut self) -> Result<()> {
        let candidates = self.questions(&[QuestionStatus::Received])?;
        let Some(id) = self.pick(&candidates) else {
            return self.count("idle");
        };
        let today = self.clock.today();
        let input = AssignmentInput {
            agency: self.options.agency,
            due_on: today + chrono::Duration::days(self.rng.random_range(10..40)),
            instructions: "Trả lời bằng văn bản trước hạn".to_owned(),
        };
        let result = self.replica().assign(id, &input);
        self.count(if result.is_ok() {
            "assign"
        } else {
            "failed_assign"
        })
    }

    fn edit_assignment(&mut self) -> Result<()> {
        let candidates = self.questions(&[QuestionStatus::Assigned])?;
        let Some(id) = self.pick(&candidates) else {
            return self.count("idle");
        };
        let detail = self.replica().question(id)?;
        let Some(assignment) = detail.assignments.first() else {
            return self.count("idle");
        };
        let today = self.clock.today();
        let input = AssignmentInput {
            agency: assignment.agency,
            due_on: today + chrono::Duration::days(self.rng.random_range(10..40)),
            instructions: format!(
                "Chỉ đạo lần {}: trả lời sớm",
                self.rng.random_range(0..1_000)
            ),
        };
        let result = self.replica().edit_assignment(assignment.id, &input);
        self.count(if result.is_ok() {
            "edit_assignment"
        } else {
            "failed_edit_assignment"
        })
    }

    fn resolve(&mut self) -> Result<()> {
        let candidates = self.questions(&[QuestionStatus::Answered])?;
        let Some(id) = self.pick(&candidates) else {
            return self.assign();
        };
        let result = self
            .replica()
            .change_status(id, QuestionStatus::Resolved, "Công dân đồng ý");
        self.count(if result.is_ok() {
            "resolve"
        } else {
            "failed_resolve"
        })
    }

    fn answer(&mut self) -> Result<()> {
        let candidates = self.questions(&[QuestionStatus::Assigned])?;
        let Some(id) = self.pick(&candidates) else {
            return self.count("idle");
        };
        let today = self.clock.today();
        let input = AnswerInput {
            mode: AnswerMode::Written,
            answered_by: "Phòng Kinh tế - Hạ tầng".to_owned(),
            agency: Some(self.options.agency),
            content: "Đã bố trí vốn sửa đường trong quý tới".to_owned(),
            document_number: Some(format!("{}/UBND-KT", self.rng.random_range(1..999))),
            document_date: Some(today),
        };
        let result = self.replica().add_answer(id, &input);
        self.count(if result.is_ok() {
            "answer"
        } else {
            "failed_answer"
        })
    }

    /// One unit of the role's work.
    fn work(&mut self) -> Result<()> {
        let roll = self.rng.random_range(0..100);
        match self.options.role {
            Role::Recorder if roll < 85 => self.capture(),
            Role::Recorder => self.edit_own(),
            Role::Secretariat if roll < 50 => self.assign(),
            Role::Secretariat if roll < 80 => self.resolve(),
            Role::Secretariat if roll < 90 => self.edit_assignment(),
            Role::Secretariat => self.capture(),
            Role::Leader => self.edit_assignment(),
            Role::Agency => self.answer(),
            Role::Admin => self.count("idle"),
        }
    }
}

/// Works and syncs until killed.
pub fn run(options: DeviceOptions) -> Result<()> {
    let mut device = Device::open(options)?;
    device.sync()?;
    loop {
        for _ in 0..device.rng.random_range(1..6) {
            device.work()?;
            std::thread::sleep(Duration::from_millis(device.rng.random_range(20..150)));
        }
        device.sync()?;
    }
}

/// Syncs until a sync sends nothing and receives nothing (at most `attempts` times); returns
/// whether it got there.
pub fn settle(options: DeviceOptions, attempts: usize) -> Result<bool> {
    let mut device = Device::open(options)?;
    for _ in 0..attempts {
        if let Some(report) = device.sync()? {
            if report.sent == 0 && report.received == 0 && !report.restarted {
                return Ok(true);
            }
        } else {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    Ok(false)
}
