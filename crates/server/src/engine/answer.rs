//! Answers to questions.

use chrono::{DateTime, Utc};
use townhall_domain::merge::Versioned;
use townhall_domain::mutation::Mutation;
use townhall_domain::{Answer, AnswerBody, AnswerId, QuestionId, Stamp};

use super::question::question_tags;
use super::{Applied, Apply, Rejection};
use crate::store::Entity;
use townhall_domain::ErrorCode;

impl Apply<'_> {
    pub(super) fn add_answer(
        &mut self,
        mutation: Mutation,
        id: AnswerId,
        question: QuestionId,
        body: AnswerBody,
        recorded_at: DateTime<Utc>,
    ) -> Applied {
        let q = or_reject!(self.authorized_question(question, mutation.change.action())?);
        if self.tx.entity(id.as_uuid())?.is_some() {
            return Ok(Err(Rejection::new(
                ErrorCode::Conflict,
                format!("answer {id} exists already"),
            )));
        }
        let tags = question_tags(&q);
        let entity = Entity::Answer {
            answer: Answer {
                id,
                question,
                body,
                recorded_at,
            },
            body_stamp: mutation.stamp(),
        };
        self.tx.put_entity(id.as_uuid(), &entity, &tags)?;
        self.log(mutation, tags)
    }

    pub(super) fn edit_answer(
        &mut self,
        mutation: Mutation,
        id: AnswerId,
        body: AnswerBody,
        base: Option<Stamp>,
    ) -> Applied {
        let Some(Entity::Answer {
            mut answer,
            body_stamp,
        }) = self.tx.entity(id.as_uuid())?
        else {
            return Ok(Err(Rejection::not_found("answer", id)));
        };
        let q = or_reject!(self.authorized_question(answer.question, mutation.change.action())?);
        let current = Versioned {
            value: answer.body.clone(),
            stamp: body_stamp,
        };
        let incoming = Versioned {
            value: body,
            stamp: mutation.stamp(),
        };
        let won = self.merge(id.as_uuid(), "body", current, incoming, base)?;
        let tags = question_tags(&q);
        if let Some(w) = won {
            answer.body = w.value;
            self.tx.put_entity(
                id.as_uuid(),
                &Entity::Answer {
                    answer,
                    body_stamp: w.stamp,
                },
                &tags,
            )?;
        }
        self.log(mutation, tags)
    }
}
