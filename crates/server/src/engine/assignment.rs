//! Assignments of questions to agencies, and what an agency newly assigned a question is sent.

use chrono::{DateTime, Utc};
use townhall_domain::merge::Versioned;
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::wire::LogEntry;
use townhall_domain::{AgencyId, Assignment, AssignmentId, AssignmentTerms, QuestionId, Stamp};

use super::ledger::derived_id;
use super::question::question_tags;
use super::{Applied, Apply, Rejection};
use crate::store::{Entity, StoreError, Tags};
use townhall_domain::ErrorCode;

impl Apply<'_> {
    pub(super) fn assign(
        &mut self,
        mutation: Mutation,
        id: AssignmentId,
        question: QuestionId,
        terms: AssignmentTerms,
        assigned_at: DateTime<Utc>,
    ) -> Applied {
        let mut q = or_reject!(self.authorized_question(question, mutation.change.action())?);
        if !matches!(
            self.tx.entity(terms.agency.as_uuid())?,
            Some(Entity::Agency(_))
        ) {
            return Ok(Err(Rejection::not_found("agency", terms.agency)));
        }
        if self.tx.entity(id.as_uuid())?.is_some() {
            return Ok(Err(Rejection::new(
                ErrorCode::Conflict,
                format!("assignment {id} exists already"),
            )));
        }
        let agency = terms.agency;
        let assignment = Assignment {
            id,
            question,
            terms,
            assigned_by: self.author.user,
            assigned_at,
        };
        let newly_assigned = set_assignment(&mut q, agency, assigned_at);
        let tags = question_tags(&q);
        self.tx.put_entity(
            id.as_uuid(),
            &Entity::Assignment {
                assignment,
                terms_stamp: mutation.stamp(),
            },
            &tags,
        )?;
        self.tx.put_entity(question.as_uuid(), &q, &tags)?;
        if newly_assigned {
            self.share_with_agency(question, tags)?;
        }
        self.log(mutation, tags)
    }

    pub(super) fn edit_assignment(
        &mut self,
        mutation: Mutation,
        id: AssignmentId,
        terms: AssignmentTerms,
        base: Option<Stamp>,
    ) -> Applied {
        let Some(Entity::Assignment {
            mut assignment,
            terms_stamp,
        }) = self.tx.entity(id.as_uuid())?
        else {
            return Ok(Err(Rejection::not_found("assignment", id)));
        };
        let mut q =
            or_reject!(self.authorized_question(assignment.question, mutation.change.action())?);
        let current = Versioned {
            value: assignment.terms.clone(),
            stamp: terms_stamp,
        };
        let incoming = Versioned {
            value: terms,
            stamp: mutation.stamp(),
        };
        let won = self.merge(id.as_uuid(), "terms", current, incoming, base)?;
        if let Some(w) = won {
            assignment.terms = w.value;
            let newly = set_assignment(&mut q, assignment.terms.agency, assignment.assigned_at);
            let tags = question_tags(&q);
            let question = assignment.question;
            self.tx.put_entity(
                id.as_uuid(),
                &Entity::Assignment {
                    assignment,
                    terms_stamp: w.stamp,
                },
                &tags,
            )?;
            self.tx.put_entity(question.as_uuid(), &q, &tags)?;
            if newly {
                self.share_with_agency(question, tags)?;
            }
        }
        let tags = question_tags(&q);
        self.log(mutation, tags)
    }

    /// Copies a question's earlier changes into the log under its new agency, so the agency's
    /// devices, which pull by agency, receive the whole question and not only what follows.
    fn share_with_agency(&mut self, question: QuestionId, tags: Tags) -> Result<(), StoreError> {
        // The dialogue first: its changes are not tagged with the question, and a device needs
        // the dialogue before the question that belongs to it.
        if let Some(dialogue) = tags.dialogue {
            // Not tagged with the question: `question_log` below (and at the next reassignment)
            // would copy these shares again.
            let dialogue_tags = Tags {
                question: None,
                ..tags
            };
            if let Some(Entity::Dialogue {
                dialogue: d,
                details_stamp,
            }) = self.tx.entity(dialogue.as_uuid())?
            {
                let create = Change::CreateDialogue {
                    id: dialogue,
                    details: d.details,
                };
                let status = Change::SetDialogueStatus {
                    id: dialogue,
                    to: d.status,
                };
                for (n, change) in [create, status].into_iter().enumerate() {
                    let mutation = Mutation {
                        id: derived_id(
                            &format!("share:{dialogue}:{n}:{question}"),
                            details_stamp.hlc.millis,
                        ),
                        device: details_stamp.device,
                        hlc: details_stamp.hlc,
                        change,
                    };
                    let server_seq = self.tx.next_server_seq()?;
                    self.tx.append_change(
                        &LogEntry {
                            server_seq,
                            author: self.author,
                            mutation,
                        },
                        &dialogue_tags,
                    )?;
                }
            }
        }
        for entry in self.tx.question_log(question)? {
            let server_seq = self.tx.next_server_seq()?;
            self.tx.append_change(
                &LogEntry {
                    server_seq,
                    ..entry
                },
                &tags,
            )?;
        }
        Ok(())
    }
}

/// Makes `agency` the question's agency if this assignment is its latest; returns whether the
/// agency changed (and so must be sent the question's earlier changes).
fn set_assignment(q: &mut Entity, new_agency: AgencyId, at: DateTime<Utc>) -> bool {
    let Entity::Question {
        agency,
        assigned_at,
        ..
    } = q
    else {
        return false;
    };
    if assigned_at.is_some_and(|latest| latest > at) {
        return false;
    }
    let changed = *agency != Some(new_agency);
    *agency = Some(new_agency);
    *assigned_at = Some(at);
    changed
}
