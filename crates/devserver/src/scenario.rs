//! The scenarios a page can ask for, built from the shared fixtures into a template once and
//! copied (SQLite files) for every session, so a session starts in milliseconds even with
//! 10,000 questions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use townhall_core::{
    CaptureInput, Clock, DeviceIdentity, ManualClock, Page, QuestionFilter, QuestionSort, Replica,
};
use townhall_domain::validate::{AnswerInput, AssignmentInput, CitizenInput, QuestionInput};
use townhall_domain::{
    AnswerMode, DialogueStatus, QuestionKind, QuestionSource, QuestionStatus, Role,
};
use townhall_testkit::corpus::Corpus;
use townhall_testkit::fixture;

use crate::session::{Session, Switches};

/// Every scenario, by the name the page gives (`?dev=<name>`).
pub const SCENARIOS: &[&str] = &[
    "fresh",
    "recorder",
    "secretariat",
    "leader",
    "agency",
    "admin",
    "empty",
    "error",
    "offline",
    "xss",
    "xss-agency",
    "big",
];

/// The agency the `agency` scenario's user answers for.
pub const AGENCY: &str = "Sở Nông nghiệp và Môi trường";

/// Payloads put into every free-text field in the `xss` scenario; the UI must show them as
/// text. Those that would open a dialog if they ever ran make the tests fail.
pub const XSS_PAYLOADS: &[&str] = &[
    "<img src=x onerror=\"window.__xss=1\">",
    "<script>window.__xss=1</script>",
    "\"><svg onload=\"window.__xss=1\">",
    "javascript:window.__xss=1",
    "{@html \"<b>x</b>\"} <b>đậm</b> &amp; &lt;",
    "<iframe src=\"https://example.invalid\"></iframe>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
];

/// The server address a scenario's replica is enrolled with; the dev server never syncs.
pub const SERVER_URL: &str = "https://townhall.lamdong.gov.vn";

/// How many questions the `big` scenario holds.
pub const BIG: usize = 10_000;

/// How many questions the role scenarios hold.
pub const DEMO: usize = 100;

/// Templates built so far, by scenario; each a folder holding a closed replica's files.
#[derive(Default)]
pub struct Templates {
    built: Mutex<HashMap<String, Arc<Slot>>>,
}

/// One scenario's template, once built.
type Slot = Mutex<Option<Arc<tempfile::TempDir>>>;

impl Templates {
    /// A new session of `scenario` at `now`.
    pub fn session(&self, scenario: &str, now: DateTime<Utc>) -> Result<Session> {
        if !SCENARIOS.contains(&scenario) {
            bail!(
                "no scenario is called {scenario:?}; there are {}",
                SCENARIOS.join(", ")
            );
        }
        let template = self.template(scenario, now)?;
        let dir = tempfile::tempdir()?;
        for entry in std::fs::read_dir(template.path())? {
            let entry = entry?;
            std::fs::copy(entry.path(), dir.path().join(entry.file_name()))
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
        let clock = Arc::new(ManualClock::new(now, 1));
        let switches = Switches {
            online: !matches!(scenario, "offline" | "error" | "fresh"),
            failing: scenario == "error",
            latency: Duration::ZERO,
        };
        Ok(Session::open(dir, clock, switches)?)
    }

    /// Builds `scenario`'s template now, so the first page that asks for it does not wait.
    pub fn prebuild(&self, scenario: &str, now: DateTime<Utc>) -> Result<()> {
        self.template(scenario, now).map(drop)
    }

    fn template(&self, scenario: &str, now: DateTime<Utc>) -> Result<Arc<tempfile::TempDir>> {
        // Each scenario is built under a lock of its own: two pages asking for `big` at once
        // build it once, and a page of another scenario does not wait for it.
        let slot = {
            let mut built = self
                .built
                .lock()
                .map_err(|_| anyhow::anyhow!("the templates lock was poisoned"))?;
            Arc::clone(built.entry(scenario.to_owned()).or_default())
        };
        let mut slot = slot
            .lock()
            .map_err(|_| anyhow::anyhow!("the {scenario} template's lock was poisoned"))?;
        if let Some(dir) = &*slot {
            return Ok(Arc::clone(dir));
        }
        let dir = tempfile::tempdir()?;
        build(scenario, &dir.path().join("replica.sqlite3"), now)
            .with_context(|| format!("building the {scenario} scenario"))?;
        let dir = Arc::new(dir);
        *slot = Some(Arc::clone(&dir));
        Ok(dir)
    }
}

/// Builds `scenario`'s replica at `path`; it is closed (and its log checkpointed) on return.
fn build(scenario: &str, path: &Path, now: DateTime<Utc>) -> Result<()> {
    // The history happened over the last six weeks: a clock that starts then makes some
    // assignments overdue today.
    let past = Arc::new(ManualClock::new(now - chrono::Duration::days(42), 1_000));
    let builder = fixture::identity(Role::Secretariat, 0, 7);
    if scenario == "fresh" {
        drop(Replica::open(path, past)?);
        return Ok(());
    }
    let mut replica = fixture::open_enrolled(path, &builder, past.clone())?;
    match scenario {
        "empty" => {}
        "big" => {
            let province =
                fixture::setup_province(&mut replica, now - chrono::Duration::days(40), 4)?;
            fixture::load(
                &mut replica,
                &province.dialogues,
                &mut Corpus::new(2027),
                BIG,
            )?;
        }
        "xss" | "xss-agency" => {
            fixture::demo_province(&mut replica, &past, now, 0)?;
            xss(&mut replica, &past)?;
        }
        _ => {
            let province = fixture::demo_province(&mut replica, &past, now, DEMO)?;
            history(&mut replica, &province, &past, now)?;
        }
    }
    past.set(now);
    let role = match scenario {
        "recorder" | "offline" => Role::Recorder,
        "leader" => Role::Leader,
        "agency" | "xss-agency" => Role::Agency,
        "admin" => Role::Admin,
        _ => Role::Secretariat,
    };
    let province = replica
        .localities()?
        .into_iter()
        .find(|l| l.parent.is_none())
        .map(|l| l.id);
    let agency = replica
        .agencies(false)?
        .into_iter()
        .find(|a| a.name == AGENCY)
        .map(|a| a.id);
    let identity = DeviceIdentity {
        role,
        letter: if role == Role::Recorder {
            fixture::identity(role, 1, 7).letter
        } else {
            builder.letter
        },
        jurisdiction: if role == Role::Leader { province } else { None },
        agency: if role == Role::Agency { agency } else { None },
        ..builder
    };
    // Enrolled as the app would be, with a server that is never reached: nothing here syncs.
    replica.enrol_with(
        SERVER_URL,
        &townhall_domain::wire::EnrolResponse {
            device: identity.device,
            letter: identity.letter.clone(),
            token: "development".to_owned(),
            user: identity.user,
            user_name: "Người dùng thử".to_owned(),
            role: identity.role,
            jurisdiction: identity.jurisdiction,
            agency: identity.agency,
            epoch: "development".to_owned(),
        },
    )?;
    replica.set_device_name(match role {
        Role::Recorder => "Máy tính bảng B",
        _ => "Máy tính văn phòng",
    })?;
    Ok(())
}

/// What the screens show beyond the demo province: an open dialogue and a planned one, a
/// duplicate merged, an answered question reopened for a second round, and a petition raised
/// again at a later dialogue.
fn history(
    replica: &mut Replica,
    province: &fixture::Province,
    past: &ManualClock,
    now: DateTime<Utc>,
) -> Result<()> {
    let first = province.dialogues[0];
    let last = *province.dialogues.last().context("a dialogue")?;
    // The latest commune dialogue is the open one, so its questions have earlier ones to
    // repeat.
    let open = province.dialogues[province.communes.len().saturating_sub(1)];
    replica.set_dialogue_status(open, DialogueStatus::Open)?;
    let filter = |dialogue| QuestionFilter {
        dialogue: Some(dialogue),
        ..QuestionFilter::default()
    };
    let rows = replica
        .questions(&filter(first), QuestionSort::Oldest, Page::first(100))?
        .rows;
    let received: Vec<_> = rows
        .iter()
        .filter(|r| r.status == QuestionStatus::Received)
        .map(|r| r.id)
        .collect();
    if let [duplicate, original, ..] = received[..] {
        replica.merge_duplicate(duplicate, original)?;
    }
    if let Some(answered) = rows.iter().find(|r| r.status == QuestionStatus::Answered) {
        let agency = answered.agency.context("an answered question's agency")?;
        replica.reopen(
            answered.id,
            "Công dân phản ánh cơ quan chưa nêu thời gian sửa đường.",
            &AssignmentInput {
                agency,
                due_on: past.today() + chrono::Duration::days(20),
                instructions: "Trả lời lại, nêu rõ thời gian thực hiện".to_owned(),
            },
        )?;
    }
    // Overdue by a day or two (not yet escalated), and due tomorrow.
    let waiting: Vec<_> = replica
        .questions(&filter(last), QuestionSort::Oldest, Page::first(100))?
        .rows
        .into_iter()
        .filter(|r| r.status == QuestionStatus::Received)
        .map(|r| r.id)
        .take(3)
        .collect();
    let agency = replica
        .agencies(false)?
        .into_iter()
        .find(|a| a.name == AGENCY)
        .map(|a| a.id)
        .context("the agency")?;
    let today = now.date_naive();
    for (question, days) in waiting.into_iter().zip([-1, -2, 1]) {
        replica.assign(
            question,
            &AssignmentInput {
                agency,
                due_on: today + chrono::Duration::days(days),
                instructions: "Báo cáo kết quả trước hạn".to_owned(),
            },
        )?;
    }
    // A petition raised at three dialogues, not yet settled.
    let mut chain = Vec::new();
    for dialogue in [first, province.dialogues[1], province.dialogues[2]] {
        let rows = replica
            .questions(&filter(dialogue), QuestionSort::Newest, Page::first(100))?
            .rows;
        if let Some(row) = rows.iter().find(|r| {
            r.status == QuestionStatus::Received
                && r.merged_into.is_none()
                && !received[..2.min(received.len())].contains(&r.id)
        }) {
            chain.push(row.id);
        }
    }
    for pair in chain.windows(2) {
        replica.link_repeat(pair[1], Some(pair[0]))?;
    }
    let mut planned = replica
        .dialogues()?
        .into_iter()
        .find(|d| d.dialogue.id == first)
        .context("the first dialogue")?
        .dialogue
        .details;
    planned.starts_at = now + chrono::Duration::days(30);
    replica.add_standard_checklist(first)?;
    replica.add_standard_checklist(open)?;
    let next = replica.create_dialogue(&townhall_domain::validate::DialogueInput {
        title: format!("{} (kỳ tới)", planned.title),
        level: planned.level,
        locality: planned.locality,
        audience: planned.audience,
        venue: planned.venue,
        starts_at: planned.starts_at,
        hosts: planned.hosts,
        coordinating_bodies: planned.coordinating_bodies,
        plan_issued_on: Some(now.date_naive()),
        attendee_count: planned.attendee_count,
    })?;
    replica.add_standard_checklist(next)?;
    Ok(())
}

/// A dialogue and questions whose every free-text field holds a payload.
fn xss(replica: &mut Replica, past: &ManualClock) -> Result<()> {
    let payload = |i: usize| XSS_PAYLOADS[i % XSS_PAYLOADS.len()];
    let dialogue = replica
        .dialogues()?
        .first()
        .map(|d| d.dialogue.id)
        .context("a dialogue")?;
    let mut details = replica
        .dialogues()?
        .first()
        .map(|d| d.dialogue.details.clone())
        .context("a dialogue")?;
    details.title = format!("{} {}", payload(0), details.title);
    details.venue = payload(1).to_owned();
    let input = townhall_domain::validate::DialogueInput {
        title: details.title,
        level: details.level,
        locality: details.locality,
        audience: details.audience,
        venue: details.venue,
        starts_at: details.starts_at,
        hosts: details.hosts,
        coordinating_bodies: details.coordinating_bodies,
        plan_issued_on: details.plan_issued_on,
        attendee_count: details.attendee_count,
    };
    replica.edit_dialogue(dialogue, &input)?;
    let agency = replica
        .agencies(false)?
        .into_iter()
        .find(|a| a.name == AGENCY)
        .map(|a| a.id)
        .context("the agency")?;
    for i in 0..XSS_PAYLOADS.len() {
        let captured = replica.capture(&CaptureInput {
            dialogue,
            question: QuestionInput {
                kind: Some(QuestionKind::Question),
                source: Some(QuestionSource::InHall),
                topic: None,
                content: format!("{} Đường {}", payload(i), payload(i + 1)),
                citizen: CitizenInput {
                    anonymous: false,
                    name: Some(payload(i + 2).to_owned()),
                    locality: Some(payload(i + 3).to_owned()),
                    phone: None,
                },
            },
            answered_on_site: None,
        })?;
        if i % 2 == 0 {
            replica.assign(
                captured.id,
                &AssignmentInput {
                    agency,
                    due_on: past.today() + chrono::Duration::days(10),
                    instructions: payload(i).to_owned(),
                },
            )?;
            if i % 4 == 2 {
                // Left with the agency, for its work list.
                continue;
            }
            replica.add_answer(
                captured.id,
                &AnswerInput {
                    mode: AnswerMode::Written,
                    answered_by: payload(i).to_owned(),
                    agency: Some(agency),
                    content: payload(i + 1).to_owned(),
                    document_number: Some(format!("{}/SNN-VP", 100 + i)),
                    document_date: Some(past.today()),
                },
            )?;
            replica.change_status(captured.id, QuestionStatus::Resolved, payload(i + 4))?;
        }
    }
    Ok(())
}

/// The folder `ui/dist` is served from, by default.
pub fn default_dist() -> PathBuf {
    PathBuf::from("ui/dist")
}
