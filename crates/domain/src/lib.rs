//! The heart of Townhall: what a dialogue, a question, an answer and an assignment are,
//! and the rules every device and the server agree on.
//!
//! This crate is pure.
//! It knows nothing of SQL, HTTP or Tauri, and it never reads the clock or a random source:
//! `now`, fresh ids and settings are passed in, so every rule here is deterministic and testable.
//! The replica (`townhall-core`) and the server both call these rules, so they are written once.
//!
//! - [`ids`]: UUIDv7 newtype ids, one type per record.
//! - [`records`]: the records of DESIGN.md and their enums.
//! - [`validate`]: text normalisation, length limits, phone numbers and dates, with clear errors.
//! - [`status`]: the question status machine, by role.
//! - [`error_code`]: the stable codes of every error a client sees, one enum.
//! - [`calendar`]: Vietnam's working days; [`followup`]: deadlines, escalation, preparation.
//! - [`hlc`]: the hybrid logical clock that stamps device-authored edits.
//! - [`merge`]: last-writer-wins merge of field groups, keeping the loser.
//! - [`permissions`]: which role may create or change which record and field, within which scope.
//! - [`mutation`]: the mutations a device records in its outbox and pushes to the server.
//! - [`normalize`]: a change's texts re-validated and in normal form, before it is applied.
//! - [`wire`]: the sync protocol's message bodies (see `docs/PROTOCOL.md`).

pub mod calendar;
pub mod error_code;
pub mod followup;
pub mod hlc;
pub mod ids;
pub mod merge;
pub mod mutation;
pub mod normalize;
pub mod permissions;
pub mod records;
pub mod seed;
pub mod status;
pub mod validate;
pub mod wire;

pub use error_code::ErrorCode;
pub use hlc::{Hlc, HlcClock, Stamp};
pub use ids::*;
pub use records::*;
