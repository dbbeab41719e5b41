//! A change put in normal form before it is applied: every text it carries re-validated and
//! normalised as the device that made it should have done.
//!
//! A device built from this crate already sends normal text; a client in another language, or
//! an older build, may not. The server runs every incoming change through [`change`] so what it
//! stores and relays is the same whoever wrote it.

use crate::Citizen;
use crate::mutation::Change;
use crate::validate::{self, TextRule, ValidationErrors};

/// `change` with each of its texts validated and in normal form, or the first field that is not
/// valid. Changes that carry no text come back unchanged.
pub fn change(change: &Change) -> Result<Change, ValidationErrors> {
    let line = |field: &str, value: &str| validate::text(field, value, TextRule::LINE);
    let optional_line =
        |field: &str, value: &str| validate::text(field, value, TextRule::OPTIONAL_LINE);
    let content = |field: &str, value: &str| validate::text(field, value, TextRule::CONTENT);
    let note = |field: &str, value: &str| validate::text(field, value, TextRule::NOTE);
    let mut change = change.clone();
    match &mut change {
        Change::CreateDialogue { details, .. } | Change::EditDialogue { details, .. } => {
            details.title = line("title", &details.title)?;
            details.audience = optional_line("audience", &details.audience)?;
            details.venue = optional_line("venue", &details.venue)?;
            details.hosts = optional_line("hosts", &details.hosts)?;
            details.coordinating_bodies =
                note("coordinating_bodies", &details.coordinating_bodies)?;
        }
        Change::CaptureQuestion { text, citizen, .. } => {
            text.content = content("content", &text.content)?;
            self::citizen(citizen)?;
        }
        Change::EditQuestionText { text, .. } => text.content = content("content", &text.content)?,
        Change::EditCitizen { citizen, .. } => self::citizen(citizen)?,
        Change::AddAnswer { body, .. } | Change::EditAnswer { body, .. } => {
            body.answered_by = line("answered_by", &body.answered_by)?;
            body.content = content("content", &body.content)?;
            if let Some(doc) = &mut body.document {
                doc.number = line("document_number", &doc.number)?;
            }
        }
        Change::Assign { terms, .. } | Change::EditAssignment { terms, .. } => {
            terms.instructions = note("instructions", &terms.instructions)?;
        }
        Change::ChangeStatus { note: text, .. } => *text = note("note", text)?,
        Change::UpsertTopic(t) => t.name = line("name", &t.name)?,
        Change::UpsertAgency(a) => {
            a.name = line("name", &a.name)?;
            a.short_name = optional_line("short_name", &a.short_name)?;
        }
        Change::UpsertLocality(l) => l.name = line("name", &l.name)?,
        Change::UpsertDialogueTask(t) => {
            t.title = line("title", &t.title)?;
            t.note = note("note", &t.note)?;
        }
        Change::SetPolicy(policy) => policy.check()?,
        Change::SetDialogueStatus { .. }
        | Change::MergeDuplicate { .. }
        | Change::LinkRepeat { .. }
        | Change::ConfirmStatus { .. } => {}
    }
    Ok(change)
}

/// A named citizen's name and locality in normal form; an anonymous citizen has no text.
fn citizen(citizen: &mut Citizen) -> Result<(), ValidationErrors> {
    if let Citizen::Named { name, locality, .. } = citizen {
        *name = validate::text("citizen.name", name, TextRule::OPTIONAL_LINE)?;
        if let Some(l) = locality {
            *l = validate::text("citizen.locality", l, TextRule::OPTIONAL_LINE)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Topic, TopicId};

    fn topic(name: &str) -> Change {
        Change::UpsertTopic(Topic {
            id: TopicId::generate(1, [3; 10]),
            name: name.to_owned(),
            archived: false,
        })
    }

    #[test]
    fn text_is_trimmed_and_composed() {
        // "Đất đai" typed decomposed (D-stroke is precomposed; the tone mark on "a" is not).
        let decomposed = "  \u{0110}a\u{0301}t đai \r\n";
        let Change::UpsertTopic(t) = change(&topic(decomposed)).unwrap() else {
            panic!("the kind of change must not change");
        };
        assert_eq!(t.name, "\u{0110}\u{00e1}t đai");
    }

    #[test]
    fn an_empty_required_text_is_refused_with_its_field() {
        let errors = change(&topic("   ")).unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].field, "name");
    }

    #[test]
    fn a_change_without_text_comes_back_as_it_was() {
        let link = Change::LinkRepeat {
            question: crate::QuestionId::generate(1, [1; 10]),
            earlier: None,
        };
        assert_eq!(change(&link).unwrap(), link);
    }
}
