//! The records of a dialogue and its follow-up, and the enums that classify them.
//!
//! Records here hold validated values only: they are built by the constructors in
//! [`crate::validate`] from what a person typed, or read back from storage that only ever
//! received validated values.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{
    AgencyId, AnswerId, AssignmentId, DeviceId, DialogueId, DialogueTaskId, LocalityId, QuestionId,
    StatusEventId, TopicId, UserId,
};

/// The error for a string that names no variant of an enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a known {kind}; expected one of: {expected}")]
pub struct ParseEnumError {
    /// Which enum was being parsed.
    pub kind: &'static str,
    /// The text that failed (cut to 64 characters).
    pub input: String,
    /// The accepted spellings, comma separated.
    pub expected: &'static str,
}

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident, $kind:literal { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable spelling used in storage and on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseEnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(ParseEnumError {
                        kind: $kind,
                        input: s.chars().take(64).collect(),
                        expected: concat!($($text, ", "),+),
                    }),
                }
            }
        }
    };
}

string_enum!(
    /// The administrative level of a locality or a dialogue.
    Level, "level" {
        /// Tỉnh / thành phố trực thuộc trung ương.
        Province = "province",
        /// Huyện / quận / thị xã (before the 2025 reform; kept for history).
        District = "district",
        /// Xã / phường / đặc khu.
        Commune = "commune",
    }
);

string_enum!(
    /// Where a dialogue is in its life.
    DialogueStatus, "dialogue status" {
        /// Planned, not yet held.
        Planned = "planned",
        /// Being held now: recorders capture questions.
        Open = "open",
        /// Held; follow-up goes on.
        Concluded = "concluded",
        /// Every question answered and resolved; the file is closed.
        Closed = "closed",
    }
);

string_enum!(
    /// What a citizen raised.
    QuestionKind, "question kind" {
        /// A question (câu hỏi).
        Question = "question",
        /// A petition (kiến nghị).
        Petition = "petition",
        /// A proposal (đề xuất).
        Proposal = "proposal",
        /// A grievance or complaint (phản ánh).
        Grievance = "grievance",
    }
);

string_enum!(
    /// How a question reached the dialogue.
    QuestionSource, "question source" {
        /// Gathered by the locality before the dialogue.
        Gathered = "gathered",
        /// Raised in the hall.
        InHall = "in_hall",
        /// Handed in on paper.
        OnPaper = "on_paper",
    }
);

string_enum!(
    /// Where a question is on its way to resolution. Transitions live in [`crate::status`].
    QuestionStatus, "question status" {
        /// Captured, not yet sorted.
        Received = "received",
        /// Answered by the leader in the hall.
        AnsweredOnSite = "answered_on_site",
        /// Needs a written answer from an agency.
        NeedsWrittenAnswer = "needs_written_answer",
        /// Assigned to an agency with a due date.
        Assigned = "assigned",
        /// The agency has answered in writing.
        Answered = "answered",
        /// The matter is settled.
        Resolved = "resolved",
        /// The citizen or a leader was not satisfied; goes back to the agency.
        Reopened = "reopened",
        /// A duplicate, merged into another question.
        Merged = "merged",
    }
);

string_enum!(
    /// What a user does in Townhall; decides what a device may see and change.
    Role, "role" {
        /// Field staff capturing questions in the hall.
        Recorder = "recorder",
        /// The coordinating office: plans dialogues, sorts, assigns, chases.
        Secretariat = "secretariat",
        /// A leader: reviews, directs, reads progress.
        Leader = "leader",
        /// An agency answering assigned questions in writing.
        Agency = "agency",
        /// Manages users, devices and reference data.
        Admin = "admin",
    }
);

string_enum!(
    /// How an answer was given.
    AnswerMode, "answer mode" {
        /// Given by the leader in the hall.
        OnSite = "on_site",
        /// Given later in writing by an agency.
        Written = "written",
    }
);

/// A device's display prefix: one to three capital letters, assigned at enrolment.
///
/// Together with the device's own counter it makes display numbers such as `B-017`
/// that are unique across tablets without a network.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
pub struct DeviceLetter(String);

impl DeviceLetter {
    /// The letters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The letter for the `index`-th enrolled device: A…Z, then AA…ZZ, then AAA…ZZZ.
    pub fn for_index(index: u32) -> Option<Self> {
        let mut n = index;
        let mut width = 1;
        let mut span = 26u32;
        while n >= span {
            n -= span;
            width += 1;
            if width > 3 {
                return None;
            }
            span *= 26;
        }
        let mut letters = vec![b'A'; width];
        for slot in letters.iter_mut().rev() {
            *slot = b'A' + (n % 26) as u8;
            n /= 26;
        }
        Some(Self(String::from_utf8_lossy(&letters).into_owned()))
    }
}

impl TryFrom<String> for DeviceLetter {
    type Error = crate::validate::ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        crate::validate::device_letter(&value)
    }
}

impl From<DeviceLetter> for String {
    fn from(value: DeviceLetter) -> Self {
        value.0
    }
}

impl DeviceLetter {
    pub(crate) fn new_unchecked(letters: String) -> Self {
        Self(letters)
    }
}

impl fmt::Display for DeviceLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A question's human-facing number: the capturing device's letter and its counter, e.g. `B-017`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DisplayNumber {
    /// The capturing device's letter.
    pub letter: DeviceLetter,
    /// The device's counter, from 1.
    pub counter: u32,
}

impl fmt::Display for DisplayNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:03}", self.letter, self.counter)
    }
}

/// A Vietnamese phone number in its national form, e.g. `0912345678`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
pub struct Phone(String);

impl Phone {
    /// The national form, digits only, starting with 0.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn new_unchecked(digits: String) -> Self {
        Self(digits)
    }
}

impl TryFrom<String> for Phone {
    type Error = crate::validate::ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        crate::validate::phone("phone", &value)
    }
}

impl FromStr for Phone {
    type Err = crate::validate::ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::validate::phone("phone", s)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A dialogue between the heads of the Party committee or People's Committee and citizens.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Dialogue {
    /// Its id.
    pub id: DialogueId,
    /// The details the secretariat edits.
    pub details: DialogueDetails,
    /// Where it is in its life; changed only through the server's ordering.
    pub status: DialogueStatus,
}

/// The secretariat-authored details of a dialogue: one field group for merging.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DialogueDetails {
    /// Title, e.g. "Đối thoại với nhân dân xã Bắc Bình năm 2026".
    pub title: String,
    /// Province, district or commune level.
    pub level: Level,
    /// The locality that holds it.
    pub locality: LocalityId,
    /// Who is invited: residents of a locality, youth, entrepreneurs, …
    pub audience: String,
    /// Where it is held.
    pub venue: String,
    /// When it starts (shown in Asia/Ho_Chi_Minh).
    pub starts_at: DateTime<Utc>,
    /// Who chairs it, e.g. "Bí thư Đảng ủy, Chủ tịch UBND xã".
    pub hosts: String,
    /// The coordinating bodies (office, Fatherland Front, …).
    pub coordinating_bodies: String,
    /// The day the plan was issued, if it has been.
    pub plan_issued_on: Option<NaiveDate>,
    /// How many people attended, once known.
    pub attendee_count: Option<u32>,
}

/// A question, petition, proposal or grievance raised by a citizen.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Question {
    /// Its id.
    pub id: QuestionId,
    /// The dialogue it was raised at.
    pub dialogue: DialogueId,
    /// Its human-facing number, e.g. `B-017`.
    pub number: DisplayNumber,
    /// What was raised: one field group, merged last-writer-wins.
    pub text: QuestionText,
    /// Who raised it: one field group, merged last-writer-wins.
    pub citizen: Citizen,
    /// The device that captured it.
    pub captured_by: DeviceId,
    /// When it was captured (device time).
    pub captured_at: DateTime<Utc>,
    /// Where it is on its way to resolution; ordered by the server.
    pub status: QuestionStatus,
    /// The question this duplicate was merged into.
    pub merged_into: Option<QuestionId>,
    /// The same matter raised at an earlier dialogue, as a person confirmed.
    #[serde(default)]
    pub repeat_of: Option<QuestionId>,
}

/// What a citizen raised: the recorder-authored field group of a question.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QuestionText {
    /// Question, petition, proposal or grievance.
    pub kind: QuestionKind,
    /// How it reached the dialogue.
    pub source: QuestionSource,
    /// Its topic, if sorted.
    pub topic: Option<TopicId>,
    /// What the citizen said or wrote, up to 10,000 characters.
    pub content: String,
}

/// Who raised a question: anonymous, or a named citizen.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Citizen {
    /// The citizen did not give a name.
    Anonymous,
    /// A named citizen. Personal data: shown only to roles that need it, left out of exports.
    Named {
        /// Full name.
        name: String,
        /// Where they live (free text: hamlet, ward, commune).
        locality: Option<String>,
        /// A phone number to reach them.
        phone: Option<Phone>,
    },
}

/// An answer to a question: on the spot in the hall, or in writing later.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Answer {
    /// Its id.
    pub id: AnswerId,
    /// The question it answers.
    pub question: QuestionId,
    /// The answer's content: one field group.
    pub body: AnswerBody,
    /// When it was recorded (device time).
    pub recorded_at: DateTime<Utc>,
}

/// The content of an answer: one field group, merged last-writer-wins.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AnswerBody {
    /// On the spot or in writing.
    pub mode: AnswerMode,
    /// Who answered: the person (on site) or the agency's name.
    pub answered_by: String,
    /// The answering agency, when an agency answered.
    pub agency: Option<AgencyId>,
    /// A summary of the answer (on site) or its full text (written).
    pub content: String,
    /// The official document carrying a written answer.
    pub document: Option<DocumentRef>,
}

/// The official document carrying a written answer.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DocumentRef {
    /// Its number and symbol, e.g. `125/STNMT-QLĐĐ`.
    pub number: String,
    /// The date it was signed.
    pub date: NaiveDate,
}

/// A question assigned to an agency to answer by a due date.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Assignment {
    /// Its id.
    pub id: AssignmentId,
    /// The question assigned.
    pub question: QuestionId,
    /// The terms: one field group, merged last-writer-wins.
    pub terms: AssignmentTerms,
    /// Who assigned it.
    pub assigned_by: UserId,
    /// When (device time).
    pub assigned_at: DateTime<Utc>,
}

/// What an assignment asks: the agency, the due date and the instructions.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AssignmentTerms {
    /// The agency that must answer.
    pub agency: AgencyId,
    /// The day the written answer is due.
    pub due_on: NaiveDate,
    /// Instructions from the secretariat or leader.
    pub instructions: String,
}

/// One change of a question's status, validated and ordered by the server.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StatusEvent {
    /// Its id.
    pub id: StatusEventId,
    /// The question.
    pub question: QuestionId,
    /// The status before.
    pub from: QuestionStatus,
    /// The status after.
    pub to: QuestionStatus,
    /// Who made the change.
    pub actor: UserId,
    /// The actor's role at the time.
    pub role: Role,
    /// Why, in the actor's words.
    pub note: String,
    /// When (device time of the actor).
    pub at: DateTime<Utc>,
}

string_enum!(
    /// A body that coordinates a dialogue's preparation.
    CoordinatingBody, "coordinating body" {
        /// The Party committee's office (*Văn phòng cấp ủy*).
        PartyOffice = "party_office",
        /// The Fatherland Front committee (*Ủy ban Mặt trận Tổ quốc*).
        FatherlandFront = "fatherland_front",
        /// The People's Council and People's Committee office (*Văn phòng HĐND và UBND*).
        PeoplesCommitteeOffice = "peoples_committee_office",
        /// The mass mobilization board (*Ban Dân vận*).
        MassMobilization = "mass_mobilization",
        /// The police (*Công an*).
        Police = "police",
        /// The locality hosting the dialogue.
        HostLocality = "host_locality",
    }
);

string_enum!(
    /// What a preparation task is for; the dialogue's timeline follows the first four.
    TaskKind, "task kind" {
        /// Issue the plan (the practice is three to four months ahead).
        Plan = "plan",
        /// Announce the time, place and subjects publicly, at least 7 days ahead.
        Notice = "notice",
        /// Publish the results, within 10 days after.
        Results = "results",
        /// Gather the citizens' petitions before the dialogue.
        Gather = "gather",
        /// Prepare the answers to the gathered petitions.
        Materials = "materials",
        /// Encourage citizens to attend.
        Publicity = "publicity",
        /// Keep the dialogue safe and orderly.
        Security = "security",
        /// Prepare the hall.
        Venue = "venue",
        /// Anything else.
        Other = "other",
    }
);

/// One task of a dialogue's preparation checklist, assigned to a coordinating body.
/// The whole task is one field group: the latest edit the server applies wins.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DialogueTask {
    /// Its id.
    pub id: DialogueTaskId,
    /// The dialogue it prepares or follows up.
    pub dialogue: DialogueId,
    /// What it is for.
    pub kind: TaskKind,
    /// What to do, e.g. "Ban hành kế hoạch tổ chức đối thoại".
    pub title: String,
    /// The body responsible.
    pub body: CoordinatingBody,
    /// The day it is due.
    pub due_on: NaiveDate,
    /// The day it was done, once done.
    pub done_on: Option<NaiveDate>,
    /// A note, e.g. the plan's number.
    pub note: String,
}

/// A topic questions are sorted by (reference data).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Topic {
    /// Its id.
    pub id: TopicId,
    /// Its name, e.g. "Đất đai".
    pub name: String,
    /// Hidden from pickers but kept for old questions.
    pub archived: bool,
}

/// An agency that answers questions (reference data).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Agency {
    /// Its id.
    pub id: AgencyId,
    /// Its full name, e.g. "Sở Nông nghiệp và Môi trường".
    pub name: String,
    /// A short name for lists, e.g. "Sở NN&MT".
    pub short_name: String,
    /// Hidden from pickers but kept for old assignments.
    pub archived: bool,
}

/// A province, district or commune (reference data).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Locality {
    /// Its id.
    pub id: LocalityId,
    /// Its name, e.g. "Xã Bắc Bình".
    pub name: String,
    /// Its level.
    pub level: Level,
    /// The locality it belongs to; `None` for a province.
    pub parent: Option<LocalityId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_their_spelling() {
        for status in QuestionStatus::ALL {
            assert_eq!(status.as_str().parse::<QuestionStatus>(), Ok(*status));
            let json = serde_json::to_string(status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        let err = "done".parse::<QuestionStatus>().unwrap_err();
        assert!(
            err.to_string()
                .contains("`done` is not a known question status")
        );
        assert!(err.expected.contains("needs_written_answer"));
    }

    #[test]
    fn device_letters_run_a_to_zzz() {
        let letter = |i| DeviceLetter::for_index(i).map(|l| l.to_string());
        assert_eq!(letter(0).as_deref(), Some("A"));
        assert_eq!(letter(25).as_deref(), Some("Z"));
        assert_eq!(letter(26).as_deref(), Some("AA"));
        assert_eq!(letter(26 + 676 - 1).as_deref(), Some("ZZ"));
        assert_eq!(letter(26 + 676).as_deref(), Some("AAA"));
        assert_eq!(letter(26 + 676 + 17_576 - 1).as_deref(), Some("ZZZ"));
        assert_eq!(letter(26 + 676 + 17_576), None);
    }

    #[test]
    fn display_numbers_pad_to_three_digits() {
        let letter = DeviceLetter::for_index(1).unwrap();
        let number = |counter| {
            DisplayNumber {
                letter: letter.clone(),
                counter,
            }
            .to_string()
        };
        assert_eq!(number(17), "B-017");
        assert_eq!(number(1234), "B-1234");
    }
}
