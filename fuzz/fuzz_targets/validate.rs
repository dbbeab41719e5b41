//! The domain's validators on arbitrary text and dates.
//!
//! None panics. What `validate::text` accepts is NFC, trimmed, free of control characters
//! (newlines only where allowed), within the limit, and accepted again unchanged (so a value
//! read back from the database and saved again does not drift). A phone number accepted is
//! accepted again as itself. The record validators accept or refuse every combination of
//! arbitrary text and dates without panicking, and what they accept passes the field rules.

#![no_main]

use arbitrary::Arbitrary;
use chrono::{DateTime, NaiveDate};
use libfuzzer_sys::fuzz_target;
use townhall_domain::validate::{self, TextRule};
use townhall_domain::{AgencyId, AnswerMode, Level, LocalityId, QuestionKind};
use unicode_normalization::UnicodeNormalization;

#[derive(Arbitrary, Debug)]
struct Input {
    texts: [String; 4],
    phone: String,
    letter: String,
    days: [i32; 3],
    millis: i64,
    flags: u8,
    count: u32,
}

fn date(days: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(NaiveDate::MIN)
}

fn check_text(input: &str, rule: TextRule) {
    let Ok(value) = validate::text("f", input, rule) else {
        return;
    };
    assert_eq!(value, value.nfc().collect::<String>(), "NFC: {input:?}");
    assert_eq!(value, value.trim(), "trimmed: {input:?}");
    assert!(value.chars().count() <= rule.max_chars);
    assert!(!rule.required || !value.is_empty());
    assert!(
        value
            .chars()
            .all(|c| !c.is_control() || (c == '\n' && rule.multiline))
    );
    let again = validate::text("f", &value, rule);
    assert_eq!(
        again.as_deref(),
        Ok(value.as_str()),
        "accepted again unchanged: {input:?}"
    );
}

fuzz_target!(|input: Input| {
    for text in &input.texts {
        for rule in [
            TextRule::LINE,
            TextRule::OPTIONAL_LINE,
            TextRule::CONTENT,
            TextRule::NOTE,
        ] {
            check_text(text, rule);
        }
        let _ = validate::optional_text("f", Some(text), TextRule::LINE);
    }
    if let Ok(phone) = validate::phone("phone", &input.phone) {
        let again = validate::phone("phone", phone.as_str()).expect("a phone accepted again");
        assert_eq!(again.as_str(), phone.as_str());
    }
    if let Ok(letter) = validate::device_letter(&input.letter) {
        assert_eq!(letter.as_str(), input.letter);
    }
    let [a, b, c, d] = &input.texts;
    let today = date(input.days[0]);
    let flag = |bit: u8| input.flags & (1 << bit) != 0;
    let question = validate::QuestionInput {
        kind: flag(0).then_some(QuestionKind::Petition),
        content: a.clone(),
        citizen: validate::CitizenInput {
            anonymous: flag(1),
            name: flag(2).then(|| b.clone()),
            locality: flag(3).then(|| c.clone()),
            phone: flag(4).then(|| input.phone.clone()),
        },
        ..Default::default()
    };
    if let Ok(text) = validate::question_text(&question) {
        check_text(&text.content, TextRule::CONTENT);
    }
    let _ = validate::citizen(&question.citizen);
    let dialogue = validate::DialogueInput {
        title: a.clone(),
        level: Level::Commune,
        locality: LocalityId::generate(1, [1; 10]),
        audience: b.clone(),
        venue: c.clone(),
        starts_at: DateTime::from_timestamp_millis(input.millis).unwrap_or_default(),
        hosts: d.clone(),
        coordinating_bodies: a.clone(),
        plan_issued_on: flag(5).then(|| date(input.days[1])),
        attendee_count: flag(6).then_some(input.count),
    };
    if let Ok(details) = validate::dialogue_details(&dialogue, today) {
        assert!(
            details
                .plan_issued_on
                .is_none_or(|p| p <= details.starts_at.date_naive())
        );
    }
    let answer = validate::AnswerInput {
        mode: if flag(7) {
            AnswerMode::Written
        } else {
            AnswerMode::OnSite
        },
        answered_by: b.clone(),
        agency: None,
        content: c.clone(),
        document_number: Some(d.clone()),
        document_date: Some(date(input.days[1])),
    };
    if let Ok(body) = validate::answer_body(&answer, today) {
        assert!(body.document.is_none_or(|doc| doc.date <= today));
    }
    let assignment = validate::AssignmentInput {
        agency: AgencyId::generate(1, [2; 10]),
        due_on: date(input.days[2]),
        instructions: d.clone(),
    };
    if let Ok(terms) = validate::assignment_terms(&assignment, today) {
        assert!(terms.due_on >= today);
    }
});
