//! What every command shares: the replica (one connection for writes and sync, one for
//! reads, so a list never waits behind a sync's write) and the handle that wakes the sync task.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use townhall_core::app::{CommandError, SyncBadge};
use townhall_core::{Replica, ReplicaError, SystemClock};
use townhall_domain::ErrorCode;

use crate::sync_task::SyncHandle;

/// The app's state, managed by Tauri.
pub struct AppState {
    /// The connection that writes: commands that change something, and the sync task.
    pub replica: Arc<Mutex<Replica>>,
    /// A second connection for reads; SQLite's WAL lets it read while the other writes.
    pub reader: Mutex<Replica>,
    /// Wakes the sync task and holds what the badge shows.
    pub sync: SyncHandle,
    /// Where report exports go, when not the default folder (`TOWNHALL_EXPORT_DIR`, tests).
    pub export_dir: Mutex<Option<PathBuf>>,
    /// The folder of the app's log file, for the diagnostics report.
    pub log_dir: PathBuf,
}

impl AppState {
    /// Opens (creating if needed) the replica in `dir`.
    pub fn open(dir: &Path) -> Result<Self, CommandError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            CommandError::new(
                ErrorCode::Storage,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        let path = dir.join("replica.sqlite3");
        let writer = Replica::open(&path, Arc::new(SystemClock))?;
        let reader = Replica::open(&path, Arc::new(SystemClock))?;
        Ok(Self {
            replica: Arc::new(Mutex::new(writer)),
            reader: Mutex::new(reader),
            sync: SyncHandle::default(),
            log_dir: dir.join("logs"),
            export_dir: Mutex::new(
                std::env::var_os(crate::commands::shell::EXPORT_DIR_ENV)
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from),
            ),
        })
    }

    /// Runs a read.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Replica) -> townhall_core::Result<T>,
    ) -> Result<T, CommandError> {
        let guard = lock(&self.reader)?;
        Ok(f(&guard)?)
    }

    /// Runs a write, then asks the sync task to send it soon.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Replica) -> townhall_core::Result<T>,
    ) -> Result<T, CommandError> {
        let out = {
            let mut guard = lock(&self.replica)?;
            f(&mut guard)?
        };
        self.sync.wrote();
        Ok(out)
    }

    /// The report a user copies for support: versions, the device, its sync, the newest log
    /// lines; no citizen details.
    pub fn diagnostics(&self) -> Result<String, CommandError> {
        let facts = townhall_core::diagnostics::AppFacts {
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            log_dir: Some(self.log_dir.clone()),
        };
        self.read(|r| townhall_core::diagnostics::report(r, &facts))
    }

    /// What the sync badge shows now.
    pub fn badge(&self) -> Result<SyncBadge, CommandError> {
        let status = self.read(Replica::sync_status)?;
        Ok(self.sync.badge(status))
    }
}

/// Locks a replica; a poisoned lock (a panic while it was held) is reported, not propagated.
pub(crate) fn lock(replica: &Mutex<Replica>) -> Result<MutexGuard<'_, Replica>, CommandError> {
    replica.lock().map_err(|_| {
        ReplicaError::Corrupt("the replica lock was poisoned by a crash in another task".to_owned())
            .into()
    })
}
