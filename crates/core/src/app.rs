//! What the app shell needs beside the records: the shapes its commands and events carry
//! (see `docs/IPC.md`), the user's settings and the capture form's draft, and one error type
//! with a stable code for every failure a command can report.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use townhall_domain::ErrorCode;
use townhall_domain::validate::ValidationError;

use crate::error::{ReplicaError, Result};
use crate::replica::{DeviceIdentity, Replica};
use crate::report::{ExportError, ExportSummary};
use crate::stamp::exec;
use crate::sync::{Progress, SyncError, SyncStatus};

/// The language the app speaks.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Language {
    /// Vietnamese, the default.
    #[default]
    Vi,
    /// English.
    En,
}

/// The user's settings on this device.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AppSettings {
    /// The language of the interface.
    pub language: Language,
    /// Whether to show system notifications for deadlines coming up or passed.
    #[serde(default = "yes")]
    pub reminders: bool,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            language: Language::default(),
            reminders: true,
        }
    }
}

const fn yes() -> bool {
    true
}

/// Who this device is and where it syncs.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DeviceInfo {
    /// Whether the device has been enrolled with a server.
    pub enrolled: bool,
    /// Its identity, once enrolled.
    pub identity: Option<DeviceIdentity>,
    /// The server it syncs with, once enrolled.
    pub server_url: Option<String>,
    /// The name it was enrolled under, e.g. "Máy tính bảng 2".
    pub device_name: Option<String>,
}

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

/// Why a command failed: a stable `code` the UI branches on, a message in plain English for
/// logs, and for invalid input every field's problem.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CommandError {
    /// E.g. `invalid`, `forbidden`, `not_found`, `offline`, `bad_code`, `code_expired`.
    pub code: ErrorCode,
    /// What happened, in plain words.
    pub message: String,
    /// For `invalid`: each field's problem.
    pub problems: Vec<ValidationError>,
}

impl CommandError {
    /// An error with a code and message and no field problems.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }
}

impl From<ReplicaError> for CommandError {
    fn from(error: ReplicaError) -> Self {
        let problems = match &error {
            ReplicaError::Invalid(errors) => errors.0.clone(),
            _ => Vec::new(),
        };
        Self {
            code: error.code(),
            message: error.to_string(),
            problems,
        }
    }
}

impl From<ExportError> for CommandError {
    fn from(error: ExportError) -> Self {
        match error {
            ExportError::Replica(e) => e.into(),
            other => Self::new(other.code(), other.to_string()),
        }
    }
}

/// What a report export wrote, and where.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExportDone {
    /// The export.
    pub summary: ExportSummary,
    /// The file's full path, to show the user.
    pub path: String,
}

impl From<SyncError> for CommandError {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::Replica(e) => e.into(),
            // The server's own code (`bad_code`, `code_used`, `code_expired`, …) says more
            // than "refused" or "unauthorized".
            SyncError::Refused { code, message, .. }
            | SyncError::Unauthorized { code, message } => Self::new(code, message),
            other => Self::new(other.code(), other.to_string()),
        }
    }
}

const SETTINGS_KEY: &str = "settings";
const DRAFT_KEY: &str = "capture_draft";
const DEVICE_NAME_KEY: &str = "device_name";

impl Replica {
    /// The user's settings; the defaults until they change any.
    pub fn settings(&self) -> Result<AppSettings> {
        match self.kv_get(SETTINGS_KEY)? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| ReplicaError::Corrupt(format!("settings: {e}"))),
            None => Ok(AppSettings::default()),
        }
    }

    /// Saves the user's settings.
    pub fn set_settings(&mut self, settings: &AppSettings) -> Result<()> {
        let json = serde_json::to_string(settings)
            .map_err(|e| ReplicaError::Corrupt(format!("settings: {e}")))?;
        self.kv_set(SETTINGS_KEY, Some(&json))
    }

    /// The capture form's half-typed state, as the UI saved it.
    pub fn draft(&self) -> Result<Option<String>> {
        self.kv_get(DRAFT_KEY)
    }

    /// Saves (or, with `None`, clears) the capture form's half-typed state. It is written
    /// durably, so it survives the app being closed or killed.
    pub fn set_draft(&mut self, draft: Option<&str>) -> Result<()> {
        if draft.is_some_and(|d| d.len() > MAX_DRAFT_BYTES) {
            return Err(ReplicaError::Conflict(format!(
                "a draft may hold at most {MAX_DRAFT_BYTES} bytes"
            )));
        }
        self.kv_set(DRAFT_KEY, draft)
    }

    /// Remembers the name this device was enrolled under.
    pub fn set_device_name(&mut self, name: &str) -> Result<()> {
        self.kv_set(DEVICE_NAME_KEY, Some(name))
    }

    /// Who this device is and where it syncs.
    pub fn device_info(&self) -> Result<DeviceInfo> {
        let identity = self.identity()?;
        let server_url = self.sync_config()?.map(|c| c.server_url);
        Ok(DeviceInfo {
            enrolled: identity.is_some() && server_url.is_some(),
            identity,
            server_url,
            device_name: self.kv_get(DEVICE_NAME_KEY)?,
        })
    }

    pub(crate) fn kv_get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT value FROM app_kv WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub(crate) fn kv_set(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(value) => exec(
                self.conn(),
                "INSERT INTO app_kv (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?,
            None => exec(
                self.conn(),
                "DELETE FROM app_kv WHERE key = ?1",
                params![key],
            )?,
        };
        Ok(())
    }
}

/// The largest capture draft kept: a question is at most 10,000 characters, with room for
/// the citizen's details and the form's state.
pub const MAX_DRAFT_BYTES: usize = 64 * 1024;
