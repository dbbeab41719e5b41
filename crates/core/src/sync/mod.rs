//! Sync with the central server: push the outbox in batches, then pull the change log until
//! caught up.
//!
//! Each step commits in the replica before the next begins, so a sync interrupted anywhere
//! (no network, a reset connection, the app killed) resumes where it stopped, and a step
//! repeated (a response lost after the server committed) changes nothing: the server answers
//! a resent push with its stored results, and a pulled page is applied idempotently.

mod client;
mod state;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use townhall_domain::wire::PullResponse;

pub use client::SyncClient;
pub use state::{RejectedMutation, SyncConfig, SyncStatus};

use crate::error::ReplicaError;
use crate::replica::Replica;

/// Mutations per push request.
pub const PUSH_BATCH: u32 = 500;
/// Changes per pull request.
pub const PULL_PAGE: u32 = 1_000;

/// Why a sync did not complete, in words a person understands.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The address is not an `http://` or `https://` URL.
    #[error("`{0}` is not a server address; it should start with http:// or https://")]
    BadAddress(String),
    /// No connection, a timeout, or a connection cut mid-way.
    #[error("offline: {0}")]
    Offline(String),
    /// Something answered that is not the Townhall server (a captive portal, a proxy page).
    #[error(
        "the network answered with something that is not the Townhall server (HTTP {0}); you may need to sign in to the Wi-Fi"
    )]
    NotTheServer(u16),
    /// The token or code was refused: the device was revoked, or the code is wrong or used.
    #[error("the server refused this device: {0}")]
    Unauthorized(String),
    /// The server saw a sequence number reused with other content.
    #[error("the server holds different data for this device's changes: {0}")]
    Conflict(String),
    /// The server asks to wait.
    #[error("the server is busy: {0}")]
    Busy(String),
    /// The server failed.
    #[error("the server has a problem: {0}")]
    ServerDown(String),
    /// The server refused the request for another reason.
    #[error("the server refused the request ({status} {code}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's error code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// This device is not enrolled.
    #[error("this device is not enrolled with a server yet")]
    NotEnrolled,
    /// The local replica failed.
    #[error(transparent)]
    Replica(#[from] ReplicaError),
}

impl SyncError {
    /// A stable code the UI branches on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadAddress(_) => "bad_address",
            Self::Offline(_) => "offline",
            Self::NotTheServer(_) => "not_the_server",
            Self::Unauthorized(_) => "unauthorized",
            Self::Conflict(_) => "conflict",
            Self::Busy(_) => "busy",
            Self::ServerDown(_) => "server_down",
            Self::Refused { .. } => "refused",
            Self::NotEnrolled => "not_enrolled",
            Self::Replica(e) => e.code(),
        }
    }

    /// Whether trying again later may succeed (as opposed to needing a person).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Offline(_) | Self::NotTheServer(_) | Self::Busy(_) | Self::ServerDown(_)
        )
    }
}

/// Progress of one sync, for a progress bar.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, serde::Serialize)]
pub struct Progress {
    /// Mutations waiting to be sent when the sync started.
    pub to_send: u64,
    /// Mutations the server has handled so far.
    pub sent: u64,
    /// Changes received so far.
    pub received: u64,
}

/// What one sync did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SyncReport {
    /// Mutations the server handled.
    pub sent: u64,
    /// Of those, refused.
    pub rejected: u64,
    /// Changes received.
    pub received: u64,
    /// Whether the server had been restored and the replica started over.
    pub restarted: bool,
}

/// Enrols this replica with the server at `server_url` using a code from the administrator.
pub async fn enrol(
    replica: &Arc<Mutex<Replica>>,
    server_url: &str,
    code: &str,
    device_name: &str,
) -> Result<(), SyncError> {
    let client = SyncClient::new(server_url, None)?;
    let response = client.enrol(code, device_name).await?;
    with_replica(replica, |r| r.enrol_with(server_url, &response))?;
    Ok(())
}

/// Runs one full sync: push everything unsent, then pull until caught up. Records the outcome
/// (last success or the error in plain words) for the sync badge.
pub async fn sync(
    replica: &Arc<Mutex<Replica>>,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<SyncReport, SyncError> {
    let result = sync_inner(replica, progress).await;
    let message = result.as_ref().err().map(ToString::to_string);
    with_replica(replica, |r| r.record_sync_outcome(message.as_deref()))?;
    result
}

async fn sync_inner(
    replica: &Arc<Mutex<Replica>>,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<SyncReport, SyncError> {
    let config = with_replica(replica, |r| r.sync_config())?.ok_or(SyncError::NotEnrolled)?;
    let client = SyncClient::new(&config.server_url, Some(config.token.clone()))?;
    let mut report = SyncReport::default();
    let mut shown = Progress {
        to_send: with_replica(replica, |r| r.sync_status())?.unsent,
        ..Progress::default()
    };
    progress(shown);
    for _round in 0..2 {
        // Push.
        loop {
            let items = with_replica(replica, |r| r.pending_push(PUSH_BATCH))?;
            if items.is_empty() {
                break;
            }
            let response = client.push(items).await?;
            let handled = response.results.len() as u64;
            report.sent += handled;
            report.rejected += response
                .results
                .iter()
                .filter(|r| {
                    matches!(
                        r.outcome,
                        townhall_domain::wire::PushOutcome::Rejected { .. }
                    )
                })
                .count() as u64;
            with_replica(replica, |r| r.record_push(&response))?;
            shown.sent += handled;
            progress(shown);
            if let Some(gap) = response.gap {
                // The server is missing earlier mutations (it was restored): send from there.
                with_replica(replica, |r| {
                    let epoch = r.sync_config()?.map(|c| c.epoch).unwrap_or_default();
                    r.restart_sync(&epoch, gap.expected.saturating_sub(1))
                })?;
                report.restarted = true;
                continue;
            }
            if handled == 0 {
                break;
            }
        }
        // Pull. While one page is applied, the next is already being fetched (on another
        // task), so the network, the server and this replica's disk work at the same time.
        // The request is the one the loop would make after applying the page: the cursor and
        // epoch that the page's transaction records.
        let mut restarted = false;
        let config = with_replica(replica, |r| r.sync_config())?.ok_or(SyncError::NotEnrolled)?;
        let mut response = client.pull(config.cursor, PULL_PAGE, &config.epoch).await?;
        loop {
            match response {
                PullResponse::Page {
                    epoch,
                    changes,
                    next,
                    more,
                } => {
                    let received = changes.len() as u64;
                    let prefetch = more.then(|| {
                        let (client, epoch) = (client.clone(), epoch.clone());
                        Prefetch(tokio::spawn(async move {
                            client.pull(next, PULL_PAGE, &epoch).await
                        }))
                    });
                    with_replica(replica, |r| r.apply_pulled(&changes, next, &epoch))?;
                    // Freed before waiting for the next page: at most two pages are held.
                    drop(changes);
                    report.received += received;
                    shown.received += received;
                    progress(shown);
                    match prefetch {
                        Some(prefetch) => response = prefetch.result().await?,
                        None => break,
                    }
                }
                PullResponse::Refetch {
                    epoch,
                    last_applied_seq,
                } => {
                    with_replica(replica, |r| r.restart_sync(&epoch, last_applied_seq))?;
                    report.restarted = true;
                    restarted = true;
                    break;
                }
            }
        }
        if !restarted {
            return Ok(report);
        }
        // After a restart, push what the restored server lacks, then pull from the start.
    }
    Ok(report)
}

/// The next page's request, running while the current page is applied. Dropped unawaited
/// (the sync failed or was cancelled), it is aborted: nothing waits for its answer.
struct Prefetch(tokio::task::JoinHandle<Result<PullResponse, SyncError>>);

impl Prefetch {
    /// The page, or why it could not be fetched. A panic inside is passed on as it would be
    /// inline.
    async fn result(mut self) -> Result<PullResponse, SyncError> {
        match (&mut self.0).await {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Only a runtime shutting down cancels the task.
            Err(e) => Err(SyncError::Offline(format!(
                "the request was cancelled: {e}"
            ))),
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `f` with the replica locked. Each call is one short transaction, and the lock is never
/// held across an `.await`, so the future stays `Send` and other tasks keep the replica.
fn with_replica<T: Send + 'static>(
    replica: &Arc<Mutex<Replica>>,
    f: impl FnOnce(&mut Replica) -> crate::Result<T>,
) -> Result<T, SyncError> {
    let mut guard = replica.lock().map_err(|_| {
        ReplicaError::Corrupt("the replica lock was poisoned by a crash in another task".to_owned())
    })?;
    Ok(f(&mut guard)?)
}

/// Waits between failed syncs: doubling from 2 s to at most 5 minutes, with jitter so a hall
/// of tablets coming back online do not all retry at the same instant.
#[derive(Clone, Copy, Debug, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The wait before the next try, given a random number in `[0, 1)`.
    pub fn next_delay(&mut self, random: f64) -> Duration {
        let base = 2f64 * 2f64.powi(self.failures.min(10) as i32);
        self.failures = self.failures.saturating_add(1);
        let capped = base.min(300.0);
        Duration::from_secs_f64(capped * (0.5 + random.clamp(0.0, 1.0) / 2.0))
    }

    /// Back to the shortest wait after a success.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let mut backoff = Backoff::default();
        let delays: Vec<u64> = (0..12).map(|_| backoff.next_delay(1.0).as_secs()).collect();
        assert_eq!(delays[..5], [2, 4, 8, 16, 32]);
        assert!(delays.iter().all(|d| *d <= 300));
        assert_eq!(*delays.last().unwrap(), 300);
        let mut low = Backoff::default();
        assert_eq!(low.next_delay(0.0), Duration::from_secs(1));
        backoff.reset();
        assert_eq!(backoff.next_delay(1.0).as_secs(), 2);
    }

    #[test]
    fn only_network_trouble_is_transient() {
        assert!(SyncError::Offline("x".into()).is_transient());
        assert!(SyncError::NotTheServer(200).is_transient());
        assert!(!SyncError::Unauthorized("revoked".into()).is_transient());
        assert_eq!(SyncError::NotTheServer(200).code(), "not_the_server");
    }
}
