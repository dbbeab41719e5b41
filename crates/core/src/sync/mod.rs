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

use townhall_domain::ErrorCode;
use townhall_domain::wire::{LogEntry, PullResponse};

pub use client::SyncClient;
pub use state::{MAX_ATTEMPTS, RejectedMutation, SyncConfig, SyncStatus};

use crate::error::ReplicaError;
use crate::replica::Replica;
use crate::search::Indexer;

/// Mutations per push request: the protocol's most (`MAX_PUSH_BATCH`), as each request costs
/// a durable commit on the server and one here, an fsync each.
pub const PUSH_BATCH: u32 = townhall_domain::wire::MAX_PUSH_BATCH as u32;
/// Changes per pull request.
pub const PULL_PAGE: u32 = 1_000;
/// Changes applied in one local transaction at most (whole pages, so a little more): fewer
/// commits mean fewer fsyncs, while a batch stays small in memory.
pub const APPLY_BATCH: usize = 5_000;
/// Pages the fetcher may hold ahead of the batch being applied.
const PAGES_AHEAD: usize = 4;

/// Why a sync did not complete, in words a person understands.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The address is not an `http://` or `https://` URL.
    #[error("`{0}` is not a server address; it should start with http:// or https://")]
    BadAddress(String),
    /// The extra CA certificate to trust is not a PEM certificate.
    #[error("the server's CA certificate cannot be used: {0}")]
    BadCertificate(String),
    /// No connection, a timeout, or a connection cut mid-way.
    #[error("offline: {0}")]
    Offline(String),
    /// Something answered that is not the Townhall server (a captive portal, a proxy page).
    #[error(
        "the network answered with something that is not the Townhall server (HTTP {0}); you may need to sign in to the Wi-Fi"
    )]
    NotTheServer(u16),
    /// The token or code was refused: the device was revoked, or the code is wrong, used or
    /// expired.
    #[error("the server refused this device: {message}")]
    Unauthorized {
        /// The server's code, e.g. `unauthorized`, `bad_code`, `code_used`, `code_expired`.
        code: ErrorCode,
        /// The server's reason.
        message: String,
    },
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
        code: ErrorCode,
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
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadAddress(_) => ErrorCode::BadAddress,
            Self::BadCertificate(_) => ErrorCode::BadCertificate,
            Self::Offline(_) => ErrorCode::Offline,
            Self::NotTheServer(_) => ErrorCode::NotTheServer,
            Self::Unauthorized { .. } => ErrorCode::Unauthorized,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::Busy(_) => ErrorCode::Busy,
            Self::ServerDown(_) => ErrorCode::ServerDown,
            Self::Refused { .. } => ErrorCode::Refused,
            Self::NotEnrolled => ErrorCode::NotEnrolled,
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
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Progress {
    /// Mutations waiting to be sent when the sync started.
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub to_send: u64,
    /// Mutations the server has handled so far.
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sent: u64,
    /// Changes received so far.
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
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
    let response = match client.enrol(code, device_name).await {
        Ok(response) => response,
        Err(error) => {
            tracing::warn!(code = error.code().as_str(), %error, "enrolment failed");
            return Err(error);
        }
    };
    with_replica(replica, |r| r.enrol_with(server_url, &response))?;
    tracing::info!(
        device = %response.device,
        role = response.role.as_str(),
        letter = response.letter.as_str(),
        "enrolled"
    );
    Ok(())
}

/// Runs one full sync: push everything unsent, then pull until caught up. Records the outcome
/// (last success or the error in plain words) for the sync badge.
pub async fn sync(
    replica: &Arc<Mutex<Replica>>,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<SyncReport, SyncError> {
    let started = std::time::Instant::now();
    let result = sync_inner(replica, progress).await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match &result {
        Ok(report) => tracing::info!(
            sent = report.sent,
            received = report.received,
            refused = report.rejected,
            restarted = report.restarted,
            elapsed_ms,
            "sync done"
        ),
        // An expected state (no network, not enrolled yet) is not worth more than a line.
        Err(error) if error.is_transient() || matches!(error, SyncError::NotEnrolled) => {
            tracing::info!(code = error.code().as_str(), %error, elapsed_ms, "sync did not reach the server")
        }
        Err(error) => {
            tracing::warn!(code = error.code().as_str(), %error, elapsed_ms, "sync failed")
        }
    }
    let error = result.as_ref().err().map(|e| (e.code(), e.to_string()));
    with_replica(replica, |r| {
        r.record_sync_outcome(
            error
                .as_ref()
                .map(|(code, message)| (code.as_str(), message.as_str())),
        )
    })?;
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
    // A round pushes, then pulls. A second follows when the pull found the server restored
    // (push what it lost, then pull from the start) or brought what refused changes were
    // waiting for (push them again); a third when both happened.
    for _round in 0..3 {
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
                tracing::info!(
                    expected = gap.expected,
                    "the server lacks earlier changes of this device; sending them again"
                );
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
        // Pull. A fetcher task requests page after page while this task applies them, so the
        // network, the server and this replica's disk work at the same time; the channel
        // bounds how far it runs ahead, so memory stays flat however long the log is.
        // Pages are applied several at a time (up to `APPLY_BATCH` changes) in one local
        // transaction with the cursor of the last: each commit costs an fsync.
        let config = with_replica(replica, |r| r.sync_config())?.ok_or(SyncError::NotEnrolled)?;
        let mut pages = Fetcher::start(client.clone(), config.cursor, config.epoch);
        // The search index is written on another thread while the pages are applied (see
        // `search::index`); the pull is done when the questions it brought can be found.
        let indexer = Indexer::start(with_replica(replica, |r| Ok(r.search_index()))?);
        let mut restart = None;
        let mut failure = None;
        let mut batch: Vec<LogEntry> = Vec::new();
        let mut position: Option<(u64, String)> = None;
        loop {
            let (done, apply_now) = match pages.next().await {
                Some(Ok(PullResponse::Page {
                    epoch,
                    changes,
                    next,
                    more,
                })) => {
                    let received = changes.len() as u64;
                    report.received += received;
                    shown.received += received;
                    if batch.is_empty() {
                        batch = changes;
                    } else {
                        batch.extend(changes);
                    }
                    position = Some((next, epoch));
                    (!more, !more || batch.len() >= APPLY_BATCH)
                }
                Some(Ok(PullResponse::Refetch {
                    epoch,
                    last_applied_seq,
                })) => {
                    restart = Some((epoch, last_applied_seq));
                    (true, true)
                }
                Some(Err(e)) => {
                    failure = Some(e);
                    (true, true)
                }
                None => (true, true),
            };
            if apply_now && let Some((next, epoch)) = position.take() {
                // Pages received before a failure are applied too: their progress is kept.
                with_replica(replica, |r| r.apply_pulled_unindexed(&batch, next, &epoch))?;
                indexer.queued();
                // Freed before waiting for more: at most one batch and the fetcher's few pages
                // ahead are held.
                batch = Vec::new();
                progress(shown);
            }
            if done {
                break;
            }
        }
        if let Some(e) = failure {
            // The indexer goes on with what was applied, and stops when it is done.
            return Err(e);
        }
        // The pull's questions can be found when the sync returns. An index that failed keeps
        // its backlog for the next pass; what was pulled is in the replica either way.
        if let Err(error) = indexer.finish().await {
            tracing::warn!(code = error.code().as_str(), %error, "search indexing after the pull failed; retried later");
        }
        let restarted = restart.is_some();
        if let Some((epoch, last_applied_seq)) = restart {
            tracing::info!(
                last_applied_seq,
                "the server was restored from a backup; pulling again from the start"
            );
            with_replica(replica, |r| r.restart_sync(&epoch, last_applied_seq))?;
            report.restarted = true;
        }
        if restarted {
            // Push what the restored server lacks, then pull from the start.
            continue;
        }
        // Changes refused for a record the server lacked, when that record has arrived.
        if with_replica(replica, |r| r.requeue_refused())? == 0 {
            return Ok(report);
        }
    }
    Ok(report)
}

/// Pages requested ahead of the ones being applied, by a task of their own. Dropped before
/// the end (the sync failed or was cancelled), the task is aborted: nothing waits for it.
struct Fetcher {
    pages: tokio::sync::mpsc::Receiver<Result<PullResponse, SyncError>>,
    task: tokio::task::JoinHandle<()>,
}

impl Fetcher {
    /// Starts pulling after `cursor`: each request is the one the loop would make after
    /// applying the page before it (its `next` and epoch, which the page's transaction records).
    fn start(client: SyncClient, mut cursor: u64, mut epoch: String) -> Self {
        let (sender, pages) = tokio::sync::mpsc::channel(PAGES_AHEAD);
        let task = tokio::spawn(async move {
            loop {
                let response = client.pull(cursor, PULL_PAGE, &epoch).await;
                let more = match &response {
                    Ok(PullResponse::Page {
                        next,
                        more,
                        epoch: page_epoch,
                        ..
                    }) => {
                        cursor = *next;
                        epoch.clone_from(page_epoch);
                        *more
                    }
                    Ok(PullResponse::Refetch { .. }) | Err(_) => false,
                };
                // A closed channel means the sync stopped waiting.
                if sender.send(response).await.is_err() || !more {
                    return;
                }
            }
        });
        Self { pages, task }
    }

    /// The next answer, in order. The fetcher stops after sending an answer that ends the
    /// pull, so the channel closes early only when its task panicked or was cancelled.
    async fn next(&mut self) -> Option<Result<PullResponse, SyncError>> {
        if let Some(answer) = self.pages.recv().await {
            return Some(answer);
        }
        match (&mut self.task).await {
            Ok(()) => None,
            // A panic inside is passed on as it would be inline.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Only a runtime shutting down cancels the task.
            Err(e) => Some(Err(SyncError::Offline(format!(
                "the request was cancelled: {e}"
            )))),
        }
    }
}

impl Drop for Fetcher {
    fn drop(&mut self) {
        self.task.abort();
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
        assert!(
            !SyncError::Unauthorized {
                code: ErrorCode::Unauthorized,
                message: "revoked".into()
            }
            .is_transient()
        );
        assert_eq!(SyncError::NotTheServer(200).code(), "not_the_server");
    }
}
