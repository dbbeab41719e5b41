//! A record as the server stores it: the record itself, the stamps of its field groups, and
//! what the server keeps beside it to order status changes and to scope pulls.
//!
//! Kept with the store, which reads and writes it as one JSON body, rather than with the sync
//! rules that fill it: the backends depend on its shape, the rules only use it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use townhall_domain::followup::FollowUpPolicy;
use townhall_domain::{
    Agency, AgencyId, Answer, Assignment, Dialogue, DialogueTask, Locality, LocalityId, Question,
    Stamp, Topic,
};

/// A record's state on the server, with the stamps of its field groups.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entity {
    /// A dialogue.
    Dialogue {
        /// The dialogue.
        dialogue: Dialogue,
        /// Stamp of its details group.
        details_stamp: Stamp,
    },
    /// A question.
    Question {
        /// The question.
        question: Question,
        /// Stamp of its text group.
        text_stamp: Stamp,
        /// Stamp of its citizen group.
        citizen_stamp: Stamp,
        /// Its dialogue's locality, for scope.
        locality: LocalityId,
        /// The agency of its latest assignment.
        agency: Option<AgencyId>,
        /// When its latest assignment was made, to tell which is latest.
        assigned_at: Option<DateTime<Utc>>,
        /// Edits made without seeing each other wait for review.
        conflict: bool,
    },
    /// An answer.
    Answer {
        /// The answer.
        answer: Answer,
        /// Stamp of its body group.
        body_stamp: Stamp,
    },
    /// An assignment.
    Assignment {
        /// The assignment.
        assignment: Assignment,
        /// Stamp of its terms group.
        terms_stamp: Stamp,
    },
    /// A topic.
    Topic(Topic),
    /// An agency.
    Agency(Agency),
    /// A locality.
    Locality(Locality),
    /// A task of a dialogue's preparation checklist.
    DialogueTask {
        /// The task (a struct variant: the task has a `kind` of its own).
        task: DialogueTask,
    },
    /// The follow-up policy.
    Policy {
        /// The policy.
        policy: FollowUpPolicy,
    },
}
