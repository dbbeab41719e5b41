//! The user's settings on this device and the capture form's draft, kept in the replica's
//! key-value table beside the records and never synced.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::{ReplicaError, Result};
use crate::replica::Replica;
use crate::stamp::exec;

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

const SETTINGS_KEY: &str = "settings";
const DRAFT_KEY: &str = "capture_draft";

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

    /// A value the app keeps beside the records (settings, the draft, reminders sent).
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

    /// Saves (or, with `None`, removes) a value the app keeps beside the records.
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
