//! Turning what a person typed into validated record values, with clear errors.
//!
//! Every text is NFC-normalised (Vietnamese typed on different keyboards arrives composed or
//! decomposed), line endings become `\n`, and surrounding whitespace is trimmed.
//! Control characters other than the newline are rejected rather than silently dropped,
//! so nothing a person typed changes meaning without them knowing.
//! Errors name the field and the problem, and carry a stable [`Problem::code`] the UI branches on.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::ids::{AgencyId, LocalityId, TopicId};
use crate::records::{
    AnswerBody, AnswerMode, AssignmentTerms, Citizen, DeviceLetter, DialogueDetails, DocumentRef,
    Level, Phone, QuestionKind, QuestionSource, QuestionText,
};

/// The longest a question's or an answer's content may be, in characters.
pub const MAX_CONTENT_CHARS: usize = 10_000;
/// The longest a name, title or other one-line field may be, in characters.
pub const MAX_LINE_CHARS: usize = 300;
/// The longest a note or instructions may be, in characters.
pub const MAX_NOTE_CHARS: usize = 2_000;

/// What is wrong with one field.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Problem {
    /// The field is required and was empty (after trimming).
    Required,
    /// The field is longer than allowed.
    TooLong {
        /// The limit, in characters.
        max: usize,
        /// The length given, in characters.
        actual: usize,
    },
    /// The field holds a control character other than a newline.
    ControlCharacter {
        /// Its position, in characters from the start of the trimmed text.
        position: usize,
        /// Its code point, e.g. `U+0007`.
        code_point: String,
    },
    /// A newline in a one-line field.
    Multiline,
    /// Not a Vietnamese phone number.
    InvalidPhone,
    /// Not one to three capital letters.
    InvalidDeviceLetter,
    /// A date or number outside its allowed range.
    OutOfRange {
        /// The allowed range, in words.
        allowed: String,
    },
    /// A combination of fields that does not fit together.
    Inconsistent {
        /// What does not fit, in words.
        reason: String,
    },
}

impl Problem {
    /// A stable code the UI branches on.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong { .. } => "too_long",
            Self::ControlCharacter { .. } => "control_character",
            Self::Multiline => "multiline",
            Self::InvalidPhone => "invalid_phone",
            Self::InvalidDeviceLetter => "invalid_device_letter",
            Self::OutOfRange { .. } => "out_of_range",
            Self::Inconsistent { .. } => "inconsistent",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Required => f.write_str("is required"),
            Self::TooLong { max, actual } => {
                write!(f, "is {actual} characters long; the limit is {max}")
            }
            Self::ControlCharacter {
                position,
                code_point,
            } => {
                write!(
                    f,
                    "contains the control character {code_point} at position {position}"
                )
            }
            Self::Multiline => f.write_str("must be a single line"),
            Self::InvalidPhone => f.write_str(
                "is not a Vietnamese phone number (10 digits such as 0912 345 678, \
                 an 11-digit landline such as 0243 825 6789, or +84…)",
            ),
            Self::InvalidDeviceLetter => f.write_str("must be one to three capital letters A–Z"),
            Self::OutOfRange { allowed } => write!(f, "is out of range: {allowed}"),
            Self::Inconsistent { reason } => f.write_str(reason),
        }
    }
}

/// One field's problem.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, thiserror::Error)]
#[error("{field} {problem}")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ValidationError {
    /// The field, as named in the input type (e.g. `content`, `citizen.phone`).
    pub field: String,
    /// What is wrong.
    pub problem: Problem,
}

impl ValidationError {
    /// A problem with one field.
    pub fn new(field: &str, problem: Problem) -> Self {
        Self {
            field: field.to_owned(),
            problem,
        }
    }
}

/// Every problem found in one input, so a form can show them all at once.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl From<ValidationError> for ValidationErrors {
    fn from(error: ValidationError) -> Self {
        Self(vec![error])
    }
}

/// Collects field results into one value or every error.
#[derive(Default)]
struct Collector(Vec<ValidationError>);

impl Collector {
    fn take<T>(&mut self, result: Result<T, ValidationError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, ValidationErrors> {
        match build() {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(ValidationErrors(self.0)),
        }
    }
}

/// How a text field is checked.
#[derive(Clone, Copy, Debug)]
pub struct TextRule {
    /// The limit, in characters after normalisation.
    pub max_chars: usize,
    /// Whether an empty value is an error.
    pub required: bool,
    /// Whether newlines are allowed.
    pub multiline: bool,
}

impl TextRule {
    /// A required one-line field up to [`MAX_LINE_CHARS`].
    pub const LINE: Self = Self {
        max_chars: MAX_LINE_CHARS,
        required: true,
        multiline: false,
    };
    /// An optional one-line field up to [`MAX_LINE_CHARS`].
    pub const OPTIONAL_LINE: Self = Self {
        required: false,
        ..Self::LINE
    };
    /// Required content up to [`MAX_CONTENT_CHARS`], newlines allowed.
    pub const CONTENT: Self = Self {
        max_chars: MAX_CONTENT_CHARS,
        required: true,
        multiline: true,
    };
    /// An optional note up to [`MAX_NOTE_CHARS`], newlines allowed.
    pub const NOTE: Self = Self {
        max_chars: MAX_NOTE_CHARS,
        required: false,
        multiline: true,
    };
}

/// Normalises and checks one text field: NFC, `\r\n` → `\n`, trimmed, no control characters
/// other than newline (and no newline at all in one-line fields), within the length limit.
pub fn text(field: &str, input: &str, rule: TextRule) -> Result<String, ValidationError> {
    let unix_lines = if input.contains('\r') {
        Cow::Owned(input.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(input)
    };
    // Most text arrives composed already; the quick check spares the full normalisation.
    let normalized = match is_nfc_quick(unix_lines.chars()) {
        IsNormalized::Yes => unix_lines,
        _ => Cow::Owned(unix_lines.nfc().collect()),
    };
    let trimmed = normalized.trim();
    for (position, c) in trimmed.chars().enumerate() {
        if c == '\n' {
            if !rule.multiline {
                return Err(ValidationError::new(field, Problem::Multiline));
            }
        } else if c.is_control() {
            let code_point = format!("U+{:04X}", u32::from(c));
            return Err(ValidationError::new(
                field,
                Problem::ControlCharacter {
                    position,
                    code_point,
                },
            ));
        }
    }
    let actual = trimmed.chars().count();
    if rule.required && actual == 0 {
        return Err(ValidationError::new(field, Problem::Required));
    }
    if actual > rule.max_chars {
        return Err(ValidationError::new(
            field,
            Problem::TooLong {
                max: rule.max_chars,
                actual,
            },
        ));
    }
    Ok(trimmed.to_owned())
}

/// Like [`text`] for an optional field: empty becomes `None`.
pub fn optional_text(
    field: &str,
    input: Option<&str>,
    rule: TextRule,
) -> Result<Option<String>, ValidationError> {
    let rule = TextRule {
        required: false,
        ..rule
    };
    let value = text(field, input.unwrap_or(""), rule)?;
    Ok((!value.is_empty()).then_some(value))
}

/// Checks a Vietnamese phone number and returns it in national form.
///
/// Accepted: mobile numbers of 10 digits starting 03, 05, 07, 08 or 09; landlines of 11 digits
/// starting 02; either with `+84` or `84` in place of the leading 0; spaces, dots, dashes and
/// parentheses between digits are ignored.
pub fn phone(field: &str, input: &str) -> Result<Phone, ValidationError> {
    let invalid = || ValidationError::new(field, Problem::InvalidPhone);
    let trimmed = input.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(12);
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '(' | ')' => {}
            _ => return Err(invalid()),
        }
    }
    let national = if let Some(after) = digits.strip_prefix("84").filter(|a| plus || a.len() >= 9) {
        if after.starts_with('0') {
            return Err(invalid());
        }
        format!("0{after}")
    } else if plus {
        return Err(invalid());
    } else {
        digits
    };
    let bytes = national.as_bytes();
    let valid = matches!(
        (bytes.len(), bytes.get(1)),
        (10, Some(b'3' | b'5' | b'7' | b'8' | b'9')) | (11, Some(b'2'))
    );
    if valid && bytes[0] == b'0' {
        Ok(Phone::new_unchecked(national))
    } else {
        Err(invalid())
    }
}

/// Checks a device letter: one to three capital letters A–Z.
pub fn device_letter(input: &str) -> Result<DeviceLetter, ValidationError> {
    let ok = (1..=3).contains(&input.len()) && input.bytes().all(|b| b.is_ascii_uppercase());
    if ok {
        Ok(DeviceLetter::new_unchecked(input.to_owned()))
    } else {
        Err(ValidationError::new(
            "device_letter",
            Problem::InvalidDeviceLetter,
        ))
    }
}

fn date_between(
    field: &str,
    date: NaiveDate,
    earliest: NaiveDate,
    latest: NaiveDate,
) -> Result<NaiveDate, ValidationError> {
    if date < earliest || date > latest {
        let allowed = format!("from {earliest} to {latest}");
        return Err(ValidationError::new(field, Problem::OutOfRange { allowed }));
    }
    Ok(date)
}

/// The earliest date Townhall accepts anywhere: dialogues before 2000 are not digitised.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn years_after(date: NaiveDate, years: i32) -> NaiveDate {
    date.with_year(date.year() + years)
        .or_else(|| date.checked_add_days(Days::new(365 * years.unsigned_abs() as u64)))
        .unwrap_or(NaiveDate::MAX)
}

/// What a recorder typed for a question.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QuestionInput {
    /// Question, petition, proposal or grievance.
    pub kind: Option<QuestionKind>,
    /// How it reached the dialogue; raised in the hall when not given.
    pub source: Option<QuestionSource>,
    /// The topic chip picked, if any.
    pub topic: Option<TopicId>,
    /// What the citizen said or wrote.
    pub content: String,
    /// Who raised it.
    pub citizen: CitizenInput,
}

/// What a recorder typed about the citizen; all empty means anonymous.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CitizenInput {
    /// Explicitly anonymous: any other field given is an error.
    pub anonymous: bool,
    /// Full name.
    pub name: Option<String>,
    /// Where they live.
    pub locality: Option<String>,
    /// A phone number.
    pub phone: Option<String>,
}

/// Validates a question's text fields.
pub fn question_text(input: &QuestionInput) -> Result<QuestionText, ValidationErrors> {
    let mut errors = Collector::default();
    let kind = input
        .kind
        .ok_or_else(|| ValidationError::new("kind", Problem::Required));
    let kind = errors.take(kind);
    let content = errors.take(text("content", &input.content, TextRule::CONTENT));
    let citizen = errors.take_all(citizen(&input.citizen));
    errors.finish(|| {
        // The citizen group is validated here so one submit shows every problem;
        // it is returned on its own by `citizen`.
        let _ = citizen?;
        Some(QuestionText {
            kind: kind?,
            source: input.source.unwrap_or(QuestionSource::InHall),
            topic: input.topic,
            content: content?,
        })
    })
}

impl Collector {
    fn take_all<T>(&mut self, result: Result<T, ValidationErrors>) -> Option<T> {
        result.map_err(|e| self.0.extend(e.0)).ok()
    }
}

/// Validates what was typed about a citizen.
pub fn citizen(input: &CitizenInput) -> Result<Citizen, ValidationErrors> {
    let mut errors = Collector::default();
    let name = errors.take(optional_text(
        "citizen.name",
        input.name.as_deref(),
        TextRule::LINE,
    ));
    let locality = errors.take(optional_text(
        "citizen.locality",
        input.locality.as_deref(),
        TextRule::LINE,
    ));
    let phone = match input
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => errors.take(phone("citizen.phone", p).map(Some)),
        None => Some(None),
    };
    errors
        .finish(|| {
            let (name, locality, phone) = (name?, locality?, phone?);
            if input.anonymous || (name.is_none() && locality.is_none() && phone.is_none()) {
                if name.is_some() || phone.is_some() {
                    return None;
                }
                return Some(Citizen::Anonymous);
            }
            // A locality or phone without a name is kept: the recorder may not have caught the name.
            Some(Citizen::Named {
                name: name.unwrap_or_default(),
                locality,
                phone,
            })
        })
        .map_err(|mut e| {
            if e.0.is_empty() {
                e.0.push(ValidationError::new(
                    "citizen.anonymous",
                    Problem::Inconsistent {
                        reason: "an anonymous citizen cannot have a name or phone number"
                            .to_owned(),
                    },
                ));
            }
            e
        })
}

/// What the secretariat typed for a dialogue.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DialogueInput {
    /// Title.
    pub title: String,
    /// Level.
    pub level: Level,
    /// The locality that holds it.
    pub locality: LocalityId,
    /// Who is invited.
    pub audience: String,
    /// Where.
    pub venue: String,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// Who chairs it.
    pub hosts: String,
    /// The coordinating bodies.
    pub coordinating_bodies: String,
    /// The day the plan was issued.
    pub plan_issued_on: Option<NaiveDate>,
    /// How many attended.
    pub attendee_count: Option<u32>,
}

/// Validates a dialogue's details. `today` bounds the start: from 2000 to five years ahead.
pub fn dialogue_details(
    input: &DialogueInput,
    today: NaiveDate,
) -> Result<DialogueDetails, ValidationErrors> {
    let mut errors = Collector::default();
    let title = errors.take(text("title", &input.title, TextRule::LINE));
    let audience = errors.take(text("audience", &input.audience, TextRule::OPTIONAL_LINE));
    let venue = errors.take(text("venue", &input.venue, TextRule::OPTIONAL_LINE));
    let hosts = errors.take(text("hosts", &input.hosts, TextRule::OPTIONAL_LINE));
    let bodies = errors.take(text(
        "coordinating_bodies",
        &input.coordinating_bodies,
        TextRule::NOTE,
    ));
    let start_day = input.starts_at.date_naive();
    let latest = years_after(today, 5);
    let starts = errors.take(date_between(
        "starts_at",
        start_day,
        earliest_date(),
        latest,
    ));
    let plan = match input.plan_issued_on {
        Some(day) => {
            errors.take(date_between("plan_issued_on", day, earliest_date(), start_day).map(Some))
        }
        None => Some(None),
    };
    let attendees = match input.attendee_count {
        Some(n) if n > 100_000 => errors.take(Err(ValidationError::new(
            "attendee_count",
            Problem::OutOfRange {
                allowed: "from 0 to 100000".to_owned(),
            },
        ))),
        other => Some(other),
    };
    errors.finish(|| {
        starts?;
        Some(DialogueDetails {
            title: title?,
            level: input.level,
            locality: input.locality,
            audience: audience?,
            venue: venue?,
            starts_at: input.starts_at,
            hosts: hosts?,
            coordinating_bodies: bodies?,
            plan_issued_on: plan?,
            attendee_count: attendees?,
        })
    })
}

/// What was typed for an answer.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AnswerInput {
    /// On site or written.
    pub mode: AnswerMode,
    /// Who answered.
    pub answered_by: String,
    /// The answering agency.
    pub agency: Option<AgencyId>,
    /// The answer.
    pub content: String,
    /// The document number of a written answer.
    pub document_number: Option<String>,
    /// The document date of a written answer.
    pub document_date: Option<NaiveDate>,
}

/// Validates an answer. A written answer needs its document number and date;
/// the date may not be after `today`.
pub fn answer_body(input: &AnswerInput, today: NaiveDate) -> Result<AnswerBody, ValidationErrors> {
    let mut errors = Collector::default();
    let answered_by = errors.take(text("answered_by", &input.answered_by, TextRule::LINE));
    let content = errors.take(text("content", &input.content, TextRule::CONTENT));
    let document = match input.mode {
        AnswerMode::OnSite => Some(None),
        AnswerMode::Written => {
            let number = errors.take(text(
                "document_number",
                input.document_number.as_deref().unwrap_or(""),
                TextRule::LINE,
            ));
            let date = match input.document_date {
                Some(d) => errors.take(date_between("document_date", d, earliest_date(), today)),
                None => errors.take(Err(ValidationError::new(
                    "document_date",
                    Problem::Required,
                ))),
            };
            Some(
                number
                    .zip(date)
                    .map(|(number, date)| DocumentRef { number, date }),
            )
        }
    };
    errors.finish(|| {
        Some(AnswerBody {
            mode: input.mode,
            answered_by: answered_by?,
            agency: input.agency,
            content: content?,
            document: document?,
        })
    })
}

/// What was typed for an assignment.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AssignmentInput {
    /// The agency.
    pub agency: AgencyId,
    /// The due date.
    pub due_on: NaiveDate,
    /// Instructions.
    pub instructions: String,
}

/// Validates an assignment: the due date from `today` to three years ahead.
pub fn assignment_terms(
    input: &AssignmentInput,
    today: NaiveDate,
) -> Result<AssignmentTerms, ValidationErrors> {
    let mut errors = Collector::default();
    let due = errors.take(date_between(
        "due_on",
        input.due_on,
        today,
        years_after(today, 3),
    ));
    let instructions = errors.take(text("instructions", &input.instructions, TextRule::NOTE));
    errors.finish(|| {
        Some(AssignmentTerms {
            agency: input.agency,
            due_on: due?,
            instructions: instructions?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_text(input: &str, rule: TextRule, expected: Result<&str, &str>) {
        let got = text("f", input, rule);
        match (got, expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want, "input {input:?}"),
            (Err(got), Err(code)) => assert_eq!(got.problem.code(), code, "input {input:?}: {got}"),
            (got, want) => panic!("input {input:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn text_is_normalized_trimmed_and_checked() {
        // "Bắc" typed decomposed (a + breve + acute) becomes the composed form.
        check_text(
            "  Ba\u{306}\u{301}c Bi\u{300}nh \r\n",
            TextRule::LINE,
            Ok("Bắc Bình"),
        );
        check_text("dòng 1\r\ndòng 2", TextRule::CONTENT, Ok("dòng 1\ndòng 2"));
        check_text("dòng 1\ndòng 2", TextRule::LINE, Err("multiline"));
        check_text("chuông\u{7}", TextRule::CONTENT, Err("control_character"));
        check_text("tab\there", TextRule::CONTENT, Err("control_character"));
        check_text("lẻ\rloi", TextRule::CONTENT, Err("control_character"));
        check_text("   \n ", TextRule::CONTENT, Err("required"));
        check_text("", TextRule::OPTIONAL_LINE, Ok(""));
        check_text(
            "<script>alert(1)</script>",
            TextRule::CONTENT,
            Ok("<script>alert(1)</script>"),
        );
        check_text("' OR 1=1 --", TextRule::LINE, Ok("' OR 1=1 --"));
    }

    #[test]
    fn content_limit_counts_characters_not_bytes() {
        let at_limit = "đ".repeat(MAX_CONTENT_CHARS);
        assert_eq!(
            text("content", &at_limit, TextRule::CONTENT).map(|s| s.chars().count()),
            Ok(MAX_CONTENT_CHARS)
        );
        let over = "đ".repeat(MAX_CONTENT_CHARS + 1);
        let err = text("content", &over, TextRule::CONTENT).unwrap_err();
        assert_eq!(
            err.problem,
            Problem::TooLong {
                max: MAX_CONTENT_CHARS,
                actual: MAX_CONTENT_CHARS + 1
            }
        );
        assert_eq!(
            err.to_string(),
            "content is 10001 characters long; the limit is 10000"
        );
    }

    #[test]
    fn control_character_error_names_position_and_code_point() {
        let err = text("content", "ab\u{1b}c", TextRule::CONTENT).unwrap_err();
        assert_eq!(
            err.to_string(),
            "content contains the control character U+001B at position 2"
        );
    }

    #[test]
    fn vietnamese_phone_numbers() {
        let ok = [
            ("0912345678", "0912345678"),
            ("0912 345 678", "0912345678"),
            ("091.234.5678", "0912345678"),
            ("+84 912 345 678", "0912345678"),
            ("84912345678", "0912345678"),
            ("0356-789-012", "0356789012"),
            ("(024) 3825 6789", "02438256789"),
            ("+84 24 3825 6789", "02438256789"),
        ];
        for (input, want) in ok {
            assert_eq!(
                phone("p", input).map(|p| p.to_string()),
                Ok(want.to_owned()),
                "{input}"
            );
        }
        let bad = [
            "",
            "12345",
            "0112345678",
            "091234567",
            "09123456789",
            "+1 202 555 0100",
            "+840912345678",
            "0912abc678",
            "0212345678",
            "0612345678",
        ];
        for input in bad {
            assert_eq!(
                phone("p", input).map_err(|e| e.problem),
                Err(Problem::InvalidPhone),
                "{input}"
            );
        }
    }

    #[test]
    fn question_reports_every_problem_at_once() {
        let input = QuestionInput {
            kind: None,
            content: " ".to_owned(),
            citizen: CitizenInput {
                phone: Some("123".to_owned()),
                ..Default::default()
            },
            ..Default::default()
        };
        let errors = question_text(&input).unwrap_err();
        let fields: Vec<_> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.problem.code()))
            .collect();
        assert_eq!(
            fields,
            [
                ("kind", "required"),
                ("content", "required"),
                ("citizen.phone", "invalid_phone")
            ]
        );
    }

    #[test]
    fn citizen_forms() {
        assert_eq!(citizen(&CitizenInput::default()), Ok(Citizen::Anonymous));
        let named = CitizenInput {
            name: Some(" Nguyễn Văn An ".to_owned()),
            locality: Some("Thôn 3".to_owned()),
            phone: Some("0912 345 678".to_owned()),
            anonymous: false,
        };
        assert_eq!(
            citizen(&named),
            Ok(Citizen::Named {
                name: "Nguyễn Văn An".to_owned(),
                locality: Some("Thôn 3".to_owned()),
                phone: Some(phone("p", "0912345678").unwrap()),
            })
        );
        let contradictory = CitizenInput {
            anonymous: true,
            ..named
        };
        let err = citizen(&contradictory).unwrap_err();
        assert_eq!(err.0[0].field, "citizen.anonymous");
        assert_eq!(err.0[0].problem.code(), "inconsistent");
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn written_answers_need_a_document_dated_no_later_than_today() {
        let today = day(2026, 11, 27);
        let mut input = AnswerInput {
            mode: AnswerMode::Written,
            answered_by: "Sở Xây dựng".to_owned(),
            agency: None,
            content: "Trả lời bằng văn bản".to_owned(),
            document_number: None,
            document_date: Some(day(2026, 11, 28)),
        };
        let codes: Vec<_> = answer_body(&input, today)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.problem.code()))
            .collect();
        assert_eq!(
            codes,
            [
                ("document_number".to_owned(), "required"),
                ("document_date".to_owned(), "out_of_range")
            ]
        );
        input.document_number = Some("125/SXD-QLXD".to_owned());
        input.document_date = Some(today);
        let body = answer_body(&input, today).unwrap();
        assert_eq!(
            body.document,
            Some(DocumentRef {
                number: "125/SXD-QLXD".to_owned(),
                date: today
            })
        );
    }

    #[test]
    fn due_dates_are_from_today_to_three_years_ahead() {
        let today = day(2026, 11, 27);
        let agency = AgencyId::generate(1, [0; 10]);
        let input = |due_on| AssignmentInput {
            agency,
            due_on,
            instructions: String::new(),
        };
        assert!(assignment_terms(&input(today), today).is_ok());
        assert!(assignment_terms(&input(day(2029, 11, 27)), today).is_ok());
        for bad in [day(2026, 11, 26), day(2029, 11, 28)] {
            let err = assignment_terms(&input(bad), today).unwrap_err();
            assert_eq!(err.0[0].problem.code(), "out_of_range", "{bad}");
            assert!(
                err.to_string()
                    .starts_with("due_on is out of range: from 2026-11-27 to 2029-11-27")
            );
        }
    }

    #[test]
    fn dialogue_dates_are_bounded() {
        let today = day(2026, 11, 27);
        let locality = LocalityId::generate(1, [0; 10]);
        let starts_at = day(2026, 12, 15).and_hms_opt(1, 30, 0).unwrap().and_utc();
        let mut input = DialogueInput {
            title: "Đối thoại với nhân dân xã Bắc Bình".to_owned(),
            level: Level::Commune,
            locality,
            audience: "Nhân dân xã".to_owned(),
            venue: "Hội trường UBND xã".to_owned(),
            starts_at,
            hosts: "Bí thư Đảng ủy xã".to_owned(),
            coordinating_bodies: String::new(),
            plan_issued_on: Some(day(2026, 9, 1)),
            attendee_count: Some(300),
        };
        assert!(dialogue_details(&input, today).is_ok());
        input.plan_issued_on = Some(day(2026, 12, 16));
        input.starts_at = day(1999, 1, 1).and_hms_opt(0, 0, 0).unwrap().and_utc();
        input.attendee_count = Some(1_000_000);
        let fields: Vec<_> = dialogue_details(&input, today)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["starts_at", "plan_issued_on", "attendee_count"]);
    }

    #[test]
    fn device_letters() {
        assert!(device_letter("B").is_ok());
        assert!(device_letter("ZZZ").is_ok());
        for bad in ["", "b", "ABCD", "A1", "Đ"] {
            assert_eq!(
                device_letter(bad).unwrap_err().problem,
                Problem::InvalidDeviceLetter,
                "{bad}"
            );
        }
    }
}
