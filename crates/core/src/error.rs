//! The replica's errors: typed, with a stable code for the UI and a message in plain words.

use townhall_domain::ErrorCode;
use townhall_domain::permissions::PermissionError;
use townhall_domain::validate::ValidationErrors;

/// Everything that can go wrong in the replica.
///
/// A failed call changes nothing stored: every write runs in one transaction that is rolled
/// back on any error.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    /// What was typed is not valid; every problem is listed.
    #[error("{0}")]
    Invalid(#[from] ValidationErrors),
    /// The device's role or scope does not allow this.
    #[error("{0}")]
    Forbidden(#[from] PermissionError),
    /// The record does not exist in this replica.
    #[error("no {kind} with id {id} in this replica")]
    NotFound {
        /// What kind of record.
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// This device is not enrolled yet, so it cannot number or stamp what it captures.
    #[error("this device is not enrolled yet; enrol it with a code from the administrator")]
    NotEnrolled,
    /// A request that does not fit the current state (e.g. merging a question into itself).
    #[error("{0}")]
    Conflict(String),
    /// The database was written by a newer version of Townhall.
    #[error(
        "this replica was written by a newer Townhall (schema {found}, this app knows up to \
         {known}); update the app"
    )]
    NewerSchema {
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this build knows.
        known: i64,
    },
    /// Stored data that cannot be read back; the file was changed outside Townhall.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// SQLite failed (disk full, file locked, I/O error).
    #[error("the local database failed: {0}")]
    Storage(#[from] rusqlite::Error),
}

impl ReplicaError {
    /// A stable code the UI branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(_) => ErrorCode::Invalid,
            Self::Forbidden(e) => e.code(),
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::NotEnrolled => ErrorCode::NotEnrolled,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::NewerSchema { .. } => ErrorCode::NewerSchema,
            Self::Corrupt(_) => ErrorCode::Corrupt,
            Self::Storage(_) => ErrorCode::Storage,
        }
    }

    pub(crate) fn not_found(kind: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            kind,
            id: id.to_string(),
        }
    }
}

impl From<townhall_domain::validate::ValidationError> for ReplicaError {
    fn from(error: townhall_domain::validate::ValidationError) -> Self {
        Self::Invalid(error.into())
    }
}

/// The replica's result type.
pub type Result<T, E = ReplicaError> = std::result::Result<T, E>;
