//! Newtype ids.
//!
//! Every record has a UUIDv7 id made on the device that creates it.
//! Version 7 ids sort by creation time, which keeps SQLite's B-trees append-mostly
//! (random keys cost about 3× on insert, see BENCHMARKS.md).
//! The time and the random bits are passed in, never read here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The error for a string that is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{input}` is not a valid {kind} id: expected a UUID such as 0190b2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d"
)]
pub struct ParseIdError {
    /// Which id type was being parsed.
    pub kind: &'static str,
    /// The text that failed to parse (cut to 64 characters).
    pub input: String,
}

/// Builds a UUIDv7 from a Unix time in milliseconds and ten random bytes.
///
/// Deterministic: the same inputs give the same id, so tests can pin ids.
pub fn uuid_v7(unix_millis: u64, random: [u8; 10]) -> Uuid {
    uuid::Builder::from_unix_timestamp_millis(unix_millis, &random).into_uuid()
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        // On the wire the UUID's hyphenated string, e.g. `0190b2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d`.
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
        pub struct $name(Uuid);

        impl $name {
            /// Makes a fresh id from the creation time and ten random bytes supplied by the caller.
            pub fn generate(unix_millis: u64, random: [u8; 10]) -> Self {
                Self(uuid_v7(unix_millis, random))
            }

            /// Wraps an existing UUID, for ids read back from storage or the wire.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| ParseIdError {
                    kind: $kind,
                    input: s.chars().take(64).collect(),
                })
            }
        }
    };
}

id_type!(
    /// Identifies a dialogue.
    DialogueId, "dialogue"
);
id_type!(
    /// Identifies a question, petition, proposal or grievance.
    QuestionId, "question"
);
id_type!(
    /// Identifies an answer to a question.
    AnswerId, "answer"
);
id_type!(
    /// Identifies an assignment of a question to an agency.
    AssignmentId, "assignment"
);
id_type!(
    /// Identifies one status change of a question.
    StatusEventId, "status event"
);
id_type!(
    /// Identifies one task of a dialogue's preparation checklist.
    DialogueTaskId, "dialogue task"
);
id_type!(
    /// Identifies a topic (reference data).
    TopicId, "topic"
);
id_type!(
    /// Identifies an agency (reference data).
    AgencyId, "agency"
);
id_type!(
    /// Identifies a locality: a province, district or commune (reference data).
    LocalityId, "locality"
);
id_type!(
    /// Identifies an enrolled device (a tablet or laptop with its own replica).
    DeviceId, "device"
);
id_type!(
    /// Identifies a person who uses Townhall.
    UserId, "user"
);
id_type!(
    /// Identifies one mutation in a device's outbox, unique across all devices.
    MutationId, "mutation"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_7_and_sort_by_time() {
        let early = QuestionId::generate(1_700_000_000_000, [9; 10]);
        let late = QuestionId::generate(1_700_000_000_001, [0; 10]);
        assert_eq!(early.as_uuid().get_version_num(), 7);
        assert!(early < late);
        assert_eq!(early, QuestionId::generate(1_700_000_000_000, [9; 10]));
    }

    #[test]
    fn parse_round_trips_and_rejects_garbage() {
        let id = DialogueId::generate(1_700_000_000_000, [1; 10]);
        assert_eq!(id.to_string().parse::<DialogueId>(), Ok(id));
        let err = "B-017".parse::<DialogueId>().unwrap_err();
        assert_eq!(err.kind, "dialogue");
        assert!(
            err.to_string()
                .contains("`B-017` is not a valid dialogue id")
        );
    }
}
