//! What the app shell shows of the sync at all times, and the event that tells open screens
//! the data changed under them (see `docs/IPC.md`).

use serde::{Deserialize, Serialize};

use crate::sync::{Progress, SyncStatus};

/// What the always-visible sync badge shows.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SyncBadge {
    /// Unsent and rejected counts, last success, last error.
    pub status: SyncStatus,
    /// Whether the last attempt reached the server.
    pub online: bool,
    /// Whether a sync is running now.
    pub syncing: bool,
    /// The running sync's progress.
    pub progress: Option<Progress>,
}

/// Sent after a sync applied changes from the server, so screens refresh.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DataChanged {
    /// How many changes arrived.
    // A plain JSON number, not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub received: u64,
}
