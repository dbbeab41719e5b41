//! The one error a command reports to the app's UI: a stable code, a plain message, and for
//! invalid input every field's problem (see `docs/IPC.md`).

use serde::{Deserialize, Serialize};
use townhall_domain::ErrorCode;
use townhall_domain::validate::ValidationError;

use crate::error::ReplicaError;
use crate::report::ExportError;
use crate::sync::SyncError;

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
