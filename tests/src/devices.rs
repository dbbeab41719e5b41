//! Devices for end-to-end tests: real replicas in temporary directories, enrolled with a test
//! server, capturing and syncing.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rand::Rng;
use rand::rngs::StdRng;
use townhall_core::sync::{self, Progress, SyncError, SyncReport};
use townhall_core::{
    CaptureInput, Clock, OnSiteAnswerInput, Page, QuestionFilter, QuestionSort, Replica,
    SystemClock,
};
use townhall_domain::validate::{CitizenInput, DialogueInput, QuestionInput};
use townhall_domain::{DialogueId, Level, QuestionId, QuestionKind, QuestionStatus, Role};

use townhall_testkit::server::TestServer;

/// A device: its replica in a temporary directory.
pub struct Device {
    _dir: tempfile::TempDir,
    /// The replica, shared as the app shares it with its sync task.
    pub replica: Arc<Mutex<Replica>>,
}

/// A single-threaded runtime for driving devices' async sync calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Creates a user of `role` on `server` and enrols a new device for them through `url`
/// (the server's or a proxy's).
pub fn enrol(
    rt: &tokio::runtime::Runtime,
    server: &TestServer,
    url: &str,
    role: Role,
    name: &str,
) -> Device {
    enrol_with_clock(rt, server, url, role, name, Arc::new(SystemClock))
}

/// Enrols a device for a new agency user answering for `agency`.
pub fn enrol_agency(
    rt: &tokio::runtime::Runtime,
    server: &TestServer,
    agency: townhall_domain::AgencyId,
    name: &str,
) -> Device {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let replica = Replica::open(&dir.path().join("replica.sqlite3"), clock).expect("a replica");
    let replica = Arc::new(Mutex::new(replica));
    let user = server
        .user(name, Role::Agency, None, Some(agency))
        .expect("a user");
    let code = server.code(user).expect("a code");
    rt.block_on(sync::enrol(&replica, &server.url, &code, name))
        .expect("enrolment");
    Device { _dir: dir, replica }
}

/// Like [`enrol`], for a device whose clock is `clock` (e.g. a year wrong).
pub fn enrol_with_clock(
    rt: &tokio::runtime::Runtime,
    server: &TestServer,
    url: &str,
    role: Role,
    name: &str,
    clock: Arc<dyn Clock>,
) -> Device {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let replica = Replica::open(&dir.path().join("replica.sqlite3"), clock).expect("a replica");
    let replica = Arc::new(Mutex::new(replica));
    let user = server.user(name, role, None, None).expect("a user");
    let code = server.code(user).expect("a code");
    rt.block_on(sync::enrol(&replica, url, &code, name))
        .expect("enrolment");
    Device { _dir: dir, replica }
}

/// Syncs a device once.
pub fn try_sync(rt: &tokio::runtime::Runtime, device: &Device) -> Result<SyncReport, SyncError> {
    let quiet = |_: Progress| {};
    rt.block_on(sync::sync(&device.replica, &quiet))
}

/// Syncs a device once and insists it worked.
pub fn sync_now(rt: &tokio::runtime::Runtime, device: &Device) -> SyncReport {
    try_sync(rt, device).expect("sync")
}

/// Makes the server refuse one of `recorder`'s changes: the secretariat merges question `id`
/// (synced to both) into a capture of its own while the recorder, offline, marks it answered
/// on the spot. Returns the recorder's sync that carries the refused change.
pub fn refuse_an_on_site_answer(
    rt: &tokio::runtime::Runtime,
    secretariat: &Device,
    recorder: &Device,
    dialogue: DialogueId,
    id: QuestionId,
    rng: &mut StdRng,
) -> SyncReport {
    let other = capture(secretariat, dialogue, rng, 2);
    secretariat
        .replica
        .lock()
        .expect("the replica lock")
        .merge_duplicate(id, other)
        .expect("a merge");
    recorder
        .replica
        .lock()
        .expect("the replica lock")
        .change_status(id, QuestionStatus::AnsweredOnSite, "")
        .expect("an on-site answer");
    sync_now(rt, secretariat);
    sync_now(rt, recorder)
}

/// What a replica says about each question that every role sees alike: number, content,
/// status, answers, assignments and status events.
pub type Snapshot = BTreeMap<
    QuestionId,
    (
        String,
        String,
        QuestionStatus,
        Vec<String>,
        Vec<String>,
        Vec<String>,
    ),
>;

/// Takes a device's [`Snapshot`].
pub fn snapshot(device: &Device) -> Snapshot {
    let replica = device.replica.lock().expect("the replica lock");
    let filter = QuestionFilter {
        include_merged: true,
        ..Default::default()
    };
    let list = replica
        .questions(&filter, QuestionSort::Number, Page::first(500))
        .expect("a list");
    list.rows
        .into_iter()
        .map(|row| {
            let detail = replica.question(row.id).expect("a question");
            let answers = detail
                .answers
                .iter()
                .map(|a| format!("{}:{}", a.body.mode, a.body.content))
                .collect();
            let assignments = detail
                .assignments
                .iter()
                .map(|a| format!("{}:{}", a.agency, a.due_on))
                .collect();
            let mut events: Vec<String> = detail
                .status_events
                .iter()
                .map(|e| format!("{}>{}", e.id, e.to))
                .collect();
            events.sort();
            (
                row.id,
                (
                    row.number,
                    row.content,
                    row.status,
                    answers,
                    assignments,
                    events,
                ),
            )
        })
        .collect()
}

/// Plans a commune and a dialogue on a secretariat device and syncs them.
pub fn dialogue(rt: &tokio::runtime::Runtime, secretariat: &Device) -> DialogueId {
    let mut replica = secretariat.replica.lock().expect("the replica lock");
    let commune = replica
        .upsert_locality(None, "Xã Bắc Bình", Level::Commune, None)
        .expect("a commune");
    let id = replica
        .create_dialogue(&DialogueInput {
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
        })
        .expect("a dialogue");
    drop(replica);
    sync_now(rt, secretariat);
    id
}

/// Captures question `n` on a device: named or anonymous, sometimes answered on the spot, with
/// markup and SQL in its text that must come back verbatim.
pub fn capture(device: &Device, dialogue: DialogueId, rng: &mut StdRng, n: usize) -> QuestionId {
    let mut replica = device.replica.lock().expect("the replica lock");
    let named = rng.random_bool(0.5);
    let input = CaptureInput {
        dialogue,
        question: QuestionInput {
            kind: Some(QuestionKind::Petition),
            content: format!(
                "Kiến nghị số {n}: đường liên thôn Bắc Bình xuống cấp <b>'; DROP TABLE questions; --"
            ),
            citizen: CitizenInput {
                name: named.then(|| format!("Nguyễn Văn {n}")),
                phone: named.then(|| "0912345678".to_owned()),
                ..Default::default()
            },
            ..Default::default()
        },
        answered_on_site: rng.random_bool(0.2).then(|| OnSiteAnswerInput {
            answered_by: "Chủ tịch UBND xã".to_owned(),
            summary: "Đã trả lời tại hội nghị".to_owned(),
        }),
    };
    replica.capture(&input).expect("a capture").id
}

/// Today in Vietnam.
pub fn today() -> chrono::NaiveDate {
    townhall_core::clock::vietnam_date(SystemClock.now())
}
