//! The background sync: one task for the app's life that syncs on start, shortly after each
//! local write, every few minutes, and, while the server cannot be reached, again and again
//! with a growing wait, so the outbox drains by itself once the network is back.
//!
//! The UI never waits on it: commands only wake it, and it reports through two events,
//! `sync-badge` ([`SyncBadge`]) whenever the badge changes and `data-changed`
//! ([`DataChanged`]) after a sync brought changes from the server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::Notify;
use townhall_core::app::{DataChanged, SyncBadge};
use townhall_core::sync::{self, Backoff, Progress, SyncError, SyncStatus};
use townhall_core::{Randomness, Replica, SystemRandom};

/// The event carrying the badge.
pub const BADGE_EVENT: &str = "sync-badge";
/// The event sent after a sync applied changes from the server.
pub const DATA_CHANGED_EVENT: &str = "data-changed";
/// The event carrying each deadline reminder, also shown as a system notification.
pub const REMINDER_EVENT: &str = "reminder";

/// How long after a write the sync starts, so a burst of writes goes in one push.
const AFTER_WRITE: Duration = Duration::from_millis(400);
/// How often a device with nothing to send asks the server for news.
const PERIOD: Duration = Duration::from_secs(60);
/// The longest wait between tries while the server cannot be reached: short, because a hall's
/// Wi-Fi comes and goes and the secretariat is waiting for the questions.
const MAX_RETRY: Duration = Duration::from_secs(20);

/// Wakes the sync task and holds what the badge shows beside the replica's counts.
#[derive(Clone, Default)]
pub struct SyncHandle {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    wake: Notify,
    live: Mutex<Live>,
}

#[derive(Clone, Copy, Default)]
struct Live {
    online: bool,
    syncing: bool,
    progress: Option<Progress>,
}

impl SyncHandle {
    /// A local write happened: sync soon.
    pub fn wrote(&self) {
        self.inner.wake.notify_one();
    }

    /// Sync now (the user asked).
    pub fn now(&self) {
        self.inner.wake.notify_one();
    }

    /// The badge for the replica's `status`.
    pub fn badge(&self, status: SyncStatus) -> SyncBadge {
        let live = self.live();
        SyncBadge {
            status,
            online: live.online,
            syncing: live.syncing,
            progress: live.progress,
        }
    }

    fn live(&self) -> Live {
        self.inner.live.lock().map(|l| *l).unwrap_or_default()
    }

    fn update(&self, f: impl FnOnce(&mut Live)) {
        if let Ok(mut live) = self.inner.live.lock() {
            f(&mut live);
        }
    }
}

/// Starts the sync task on Tauri's runtime.
pub fn spawn<R: Runtime>(app: AppHandle<R>, handle: SyncHandle, replica: Arc<Mutex<Replica>>) {
    tauri::async_runtime::spawn(run(app, handle, replica));
}

async fn run<R: Runtime>(app: AppHandle<R>, handle: SyncHandle, replica: Arc<Mutex<Replica>>) {
    let mut backoff = Backoff::default();
    let mut wait = Duration::ZERO;
    loop {
        tokio::select! {
            () = handle.inner.wake.notified() => {
                emit_badge(&app, &handle, &replica);
                tokio::time::sleep(AFTER_WRITE).await;
            }
            () = tokio::time::sleep(wait) => {}
        }
        let enrolled = replica
            .lock()
            .ok()
            .and_then(|r| r.sync_config().ok().flatten())
            .is_some();
        if !enrolled {
            wait = PERIOD;
            continue;
        }
        handle.update(|l| {
            l.syncing = true;
            l.progress = None;
        });
        emit_badge(&app, &handle, &replica);
        let status = replica.lock().ok().and_then(|r| r.sync_status().ok());
        let position_before = pull_position(&replica);
        let on_progress = |progress: Progress| {
            handle.update(|l| l.progress = Some(progress));
            if let Some(status) = status.clone() {
                let _ = app.emit(BADGE_EVENT, handle.badge(status));
            }
        };
        let result = sync::sync(&replica, &on_progress).await;
        // A sync that failed part-way keeps the pages it applied, and a refetch empties the
        // replica before pulling again: the screens reload whenever the pull moved.
        let moved = pull_position(&replica) != position_before;
        if moved || matches!(&result, Ok(report) if report.received > 0 || report.restarted) {
            let _ = app.emit(
                DATA_CHANGED_EVENT,
                DataChanged {
                    received: result.as_ref().map_or(0, |report| report.received),
                },
            );
        }
        wait = match &result {
            Ok(_) => {
                backoff.reset();
                PERIOD
            }
            Err(error) if error.is_transient() => {
                backoff.next_delay(SystemRandom.unit()).min(MAX_RETRY)
            }
            Err(_) => PERIOD,
        };
        let online = match &result {
            Ok(_) => true,
            Err(e) => !matches!(e, SyncError::Offline(_) | SyncError::NotTheServer(_)),
        };
        handle.update(|l| {
            l.online = online;
            l.syncing = false;
            l.progress = None;
        });
        emit_badge(&app, &handle, &replica);
        remind(&app, &replica);
    }
}

/// Where this replica's pull stands: its cursor in the server's log, and the log's epoch.
fn pull_position(replica: &Mutex<Replica>) -> Option<(u64, String)> {
    let config = replica.lock().ok()?.sync_config().ok()??;
    Some((config.cursor, config.epoch))
}

/// Shows the deadline reminders not yet shown today: an in-app event, and a system
/// notification where the platform has them. Runs after every sync attempt, so an offline
/// device is reminded too, and a day's new overdue questions are caught within a minute.
fn remind<R: Runtime>(app: &AppHandle<R>, replica: &Mutex<Replica>) {
    let reminders = match replica.lock() {
        Ok(mut r) => r.take_reminders().unwrap_or_default(),
        Err(_) => return,
    };
    let notifications = app.try_state::<tauri_plugin_notification::Notification<R>>();
    for reminder in reminders {
        if let Some(notifications) = &notifications {
            // No notification service (a bare desktop session) is not an error worth more than
            // the in-app reminder the event gives.
            let _ = notifications
                .builder()
                .title(&reminder.title)
                .body(&reminder.body)
                .show();
        }
        let _ = app.emit(REMINDER_EVENT, reminder);
    }
}

fn emit_badge<R: Runtime>(app: &AppHandle<R>, handle: &SyncHandle, replica: &Mutex<Replica>) {
    let status = replica.lock().ok().and_then(|r| r.sync_status().ok());
    if let Some(status) = status {
        let _ = app.emit(BADGE_EVENT, handle.badge(status));
    }
}
