//! Questions: capture, the edits of their text and citizen groups, status changes (which the
//! server alone orders), duplicates and repeats.

use chrono::{DateTime, Utc};
use serde::Serialize;
use townhall_domain::merge::Versioned;
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::permissions::{self, Action, Scope};
use townhall_domain::{
    Citizen, DialogueId, DisplayNumber, Question, QuestionId, QuestionStatus, QuestionText, Stamp,
    StatusEventId,
};

use super::history::merge_outcome;
use super::{Applied, Apply, Rejection};
use crate::store::{Entity, Tags};
use townhall_domain::ErrorCode;

/// A question as captured, from a `capture_question` change.
pub(super) struct Capture {
    pub(super) id: QuestionId,
    pub(super) dialogue: DialogueId,
    pub(super) number: DisplayNumber,
    pub(super) text: QuestionText,
    pub(super) citizen: Citizen,
    pub(super) captured_at: DateTime<Utc>,
}

/// A status change as asked for; the status it comes from is the one the server holds.
pub(super) struct StatusChange {
    pub(super) event: StatusEventId,
    pub(super) question: QuestionId,
    pub(super) to: QuestionStatus,
    pub(super) note: String,
    pub(super) at: DateTime<Utc>,
}

impl Apply<'_> {
    pub(super) fn capture_question(&mut self, mutation: Mutation, capture: Capture) -> Applied {
        let Capture {
            id,
            dialogue,
            number,
            text,
            citizen,
            captured_at,
        } = capture;
        let Some(Entity::Dialogue { dialogue: d, .. }) = self.tx.entity(dialogue.as_uuid())? else {
            return Ok(Err(Rejection::not_found("dialogue", dialogue)));
        };
        let scope = self.locality_scope(d.details.locality)?;
        or_reject!(permissions::authorize(
            self.author.role,
            mutation.change.action(),
            scope
        ));
        if number.letter != self.device.letter {
            return Ok(Err(Rejection::new(
                ErrorCode::Invalid,
                format!(
                    "number {number} does not carry this device's letter {}",
                    self.device.letter
                ),
            )));
        }
        if self.tx.entity(id.as_uuid())?.is_some() {
            return Ok(Err(Rejection::new(
                ErrorCode::Conflict,
                format!("question {id} exists already"),
            )));
        }
        let stamp = mutation.stamp();
        let entity = Entity::Question {
            question: Question {
                id,
                dialogue,
                number,
                text,
                citizen,
                captured_by: self.device.id,
                captured_at,
                status: QuestionStatus::Received,
                merged_into: None,
                repeat_of: None,
            },
            text_stamp: stamp,
            citizen_stamp: stamp,
            locality: d.details.locality,
            agency: None,
            assigned_at: None,
            conflict: false,
        };
        let tags = question_tags(&entity);
        self.tx.put_entity(id.as_uuid(), &entity, &tags)?;
        self.log(mutation, tags)
    }

    pub(super) fn edit_question_text(
        &mut self,
        mutation: Mutation,
        id: QuestionId,
        text: QuestionText,
        base: Option<Stamp>,
    ) -> Applied {
        self.edit_question_group(mutation, id, "text", text, base, |question, stamps| {
            (&mut question.text, &mut stamps.0)
        })
    }

    pub(super) fn edit_citizen(
        &mut self,
        mutation: Mutation,
        id: QuestionId,
        citizen: Citizen,
        base: Option<Stamp>,
    ) -> Applied {
        self.edit_question_group(
            mutation,
            id,
            "citizen",
            citizen,
            base,
            |question, stamps| (&mut question.citizen, &mut stamps.1),
        )
    }

    /// Merges an edit of one of a question's field groups: `slot` picks the group and its
    /// stamp from the question and its (text, citizen) stamps.
    fn edit_question_group<T: Ord + Clone + Serialize>(
        &mut self,
        mutation: Mutation,
        id: QuestionId,
        group: &str,
        incoming: T,
        base: Option<Stamp>,
        slot: impl for<'a> FnOnce(
            &'a mut Question,
            &'a mut (Stamp, Stamp),
        ) -> (&'a mut T, &'a mut Stamp),
    ) -> Applied {
        let stamp = mutation.stamp();
        let mut q = or_reject!(self.authorized_question(id, mutation.change.action())?);
        let Entity::Question {
            question,
            text_stamp,
            citizen_stamp,
            conflict,
            ..
        } = &mut q
        else {
            return Ok(Err(Rejection::not_found("question", id)));
        };
        let mut stamps = (*text_stamp, *citizen_stamp);
        let (value, value_stamp) = slot(question, &mut stamps);
        let current = Versioned {
            value: value.clone(),
            stamp: *value_stamp,
        };
        let outcome = merge_outcome(
            current,
            Versioned {
                value: incoming,
                stamp,
            },
            base,
        );
        if let Some(w) = &outcome.winner {
            *value = w.value.clone();
            *value_stamp = w.stamp;
        }
        (*text_stamp, *citizen_stamp) = stamps;
        *conflict |= outcome.concurrent;
        self.keep_history(id.as_uuid(), group, &outcome)?;
        let tags = question_tags(&q);
        self.tx.put_entity(id.as_uuid(), &q, &tags)?;
        self.log(mutation, tags)
    }

    pub(super) fn change_status(&mut self, mutation: Mutation, asked: StatusChange) -> Applied {
        let StatusChange {
            event,
            question,
            to,
            note,
            at,
        } = asked;
        let Some(mut q) = self.tx.entity(question.as_uuid())? else {
            return Ok(Err(Rejection::not_found("question", question)));
        };
        let Entity::Question {
            question: inner, ..
        } = &mut q
        else {
            return Ok(Err(Rejection::not_found("question", question)));
        };
        // The server orders status changes: the transition is checked from the status the
        // server holds, whatever the device saw.
        let from = inner.status;
        let scope = self.question_scope(&q)?;
        let action = Action::ChangeStatus { from, to };
        or_reject!(permissions::authorize(self.author.role, action, scope));
        if let Entity::Question {
            question: inner, ..
        } = &mut q
        {
            inner.status = to;
        }
        let tags = question_tags(&q);
        self.tx.put_entity(question.as_uuid(), &q, &tags)?;
        let change = Change::ChangeStatus {
            event,
            question,
            from,
            to,
            note,
            at,
        };
        self.log(Mutation { change, ..mutation }, tags)
    }

    pub(super) fn merge_duplicate(
        &mut self,
        mutation: Mutation,
        question: QuestionId,
        into: QuestionId,
    ) -> Applied {
        let (Some(mut q), Some(target)) = (
            self.tx.entity(question.as_uuid())?,
            self.tx.entity(into.as_uuid())?,
        ) else {
            return Ok(Err(Rejection::not_found(
                "question",
                format!("{question} or {into}"),
            )));
        };
        let scope = self.question_scope(&q)?;
        or_reject!(permissions::authorize(
            self.author.role,
            mutation.change.action(),
            scope
        ));
        if question == into
            || matches!(&target, Entity::Question { question: t, .. } if t.merged_into.is_some())
        {
            return Ok(Err(Rejection::new(
                ErrorCode::Conflict,
                "cannot merge into itself or into a merged duplicate",
            )));
        }
        if let Entity::Question {
            question: inner, ..
        } = &mut q
        {
            inner.merged_into = Some(into);
        }
        let tags = question_tags(&q);
        self.tx.put_entity(question.as_uuid(), &q, &tags)?;
        self.log(mutation, tags)
    }

    pub(super) fn link_repeat(
        &mut self,
        mutation: Mutation,
        question: QuestionId,
        earlier: Option<QuestionId>,
    ) -> Applied {
        let mut q = or_reject!(self.authorized_question(question, mutation.change.action())?);
        if let Some(earlier) = earlier {
            let Some(Entity::Question { question: e, .. }) = self.tx.entity(earlier.as_uuid())?
            else {
                return Ok(Err(Rejection::not_found("question", earlier)));
            };
            if earlier == question || e.repeat_of == Some(question) {
                return Ok(Err(Rejection::new(
                    ErrorCode::Conflict,
                    "a question cannot repeat itself or a question that repeats it",
                )));
            }
        }
        if let Entity::Question {
            question: inner, ..
        } = &mut q
        {
            inner.repeat_of = earlier;
        }
        let tags = question_tags(&q);
        self.tx.put_entity(question.as_uuid(), &q, &tags)?;
        self.log(mutation, tags)
    }

    /// Only the server confirms a status: a device that pushes a confirmation is refused.
    pub(super) fn confirm_status(&mut self, mutation: &Mutation) -> Applied {
        Ok(Err(permissions::authorize(
            self.author.role,
            mutation.change.action(),
            Scope::JURISDICTION,
        )
        .err()
        .map(Rejection::from)
        .unwrap_or_else(|| {
            Rejection::new(ErrorCode::Forbidden, "only the server confirms a status")
        })))
    }
}

/// The tags of a question's changes: its dialogue, locality, agency and itself.
pub(super) fn question_tags(q: &Entity) -> Tags {
    match q {
        Entity::Question {
            question,
            locality,
            agency,
            ..
        } => Tags {
            dialogue: Some(question.dialogue),
            locality: Some(*locality),
            agency: *agency,
            question: Some(question.id),
            reference: false,
        },
        _ => Tags::default(),
    }
}
