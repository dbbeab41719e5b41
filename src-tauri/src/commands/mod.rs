//! The commands the web UI calls, grouped by area, each a one-liner into `townhall-core`.
//!
//! Every command runs off the main thread (`async` in Tauri's sense) and returns its value or
//! a [`CommandError`](townhall_core::app::CommandError) with a stable `code`. The list, its
//! arguments and its types are in `docs/IPC.md`.

pub mod answer;
pub mod assignment;
pub mod device;
pub mod dialogue;
pub mod followup;
pub mod question;
pub mod reference;
pub mod report;
pub mod settings;
pub mod sync;

/// A command's result.
pub type CommandResult<T> = Result<T, townhall_core::app::CommandError>;
