//! What the app shell needs beside the records, gathered under one path for the shell's
//! commands: the shapes its commands and events carry (see `docs/IPC.md`), the user's settings
//! and the capture form's draft, and one error type with a stable code for every failure a
//! command can report. Each lives in a module named for what it holds; this one only
//! re-exports them.

pub use crate::badge::{DataChanged, SyncBadge};
pub use crate::command_error::CommandError;
pub use crate::device::DeviceInfo;
pub use crate::report::ExportDone;
pub use crate::settings::{AppSettings, Language, MAX_DRAFT_BYTES};
