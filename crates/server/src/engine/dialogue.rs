//! Dialogues and the tasks of their preparation checklist.

use townhall_domain::merge::Versioned;
use townhall_domain::mutation::Mutation;
use townhall_domain::permissions;
use townhall_domain::{Dialogue, DialogueDetails, DialogueId, DialogueStatus, DialogueTask, Stamp};

use super::{Applied, Apply, Rejection};
use crate::store::{Entity, Tags};
use townhall_domain::ErrorCode;

impl Apply<'_> {
    pub(super) fn create_dialogue(
        &mut self,
        mutation: Mutation,
        id: DialogueId,
        details: DialogueDetails,
    ) -> Applied {
        let scope = self.locality_scope(details.locality)?;
        or_reject!(permissions::authorize(
            self.author.role,
            mutation.change.action(),
            scope
        ));
        if self.tx.entity(id.as_uuid())?.is_some() {
            return Ok(Err(Rejection::new(
                ErrorCode::Conflict,
                format!("dialogue {id} exists already"),
            )));
        }
        let locality = details.locality;
        let entity = Entity::Dialogue {
            dialogue: Dialogue {
                id,
                details,
                status: DialogueStatus::Planned,
            },
            details_stamp: mutation.stamp(),
        };
        let tags = Tags {
            dialogue: Some(id),
            locality: Some(locality),
            ..Tags::default()
        };
        self.tx.put_entity(id.as_uuid(), &entity, &tags)?;
        self.log(mutation, tags)
    }

    pub(super) fn edit_dialogue(
        &mut self,
        mutation: Mutation,
        id: DialogueId,
        details: DialogueDetails,
        base: Option<Stamp>,
    ) -> Applied {
        let Some(Entity::Dialogue {
            mut dialogue,
            details_stamp,
        }) = self.tx.entity(id.as_uuid())?
        else {
            return Ok(Err(Rejection::not_found("dialogue", id)));
        };
        let scope = self.locality_scope(dialogue.details.locality)?;
        or_reject!(permissions::authorize(
            self.author.role,
            mutation.change.action(),
            scope
        ));
        let current = Versioned {
            value: dialogue.details.clone(),
            stamp: details_stamp,
        };
        let incoming = Versioned {
            value: details,
            stamp: mutation.stamp(),
        };
        let won = self.merge(id.as_uuid(), "details", current, incoming, base)?;
        let tags = Tags {
            dialogue: Some(id),
            locality: Some(dialogue.details.locality),
            ..Tags::default()
        };
        if let Some(w) = won {
            dialogue.details = w.value;
            self.tx.put_entity(
                id.as_uuid(),
                &Entity::Dialogue {
                    dialogue,
                    details_stamp: w.stamp,
                },
                &tags,
            )?;
        }
        self.log(mutation, tags)
    }

    pub(super) fn set_dialogue_status(
        &mut self,
        mutation: Mutation,
        id: DialogueId,
        to: DialogueStatus,
    ) -> Applied {
        let Some(Entity::Dialogue {
            mut dialogue,
            details_stamp,
        }) = self.tx.entity(id.as_uuid())?
        else {
            return Ok(Err(Rejection::not_found("dialogue", id)));
        };
        let scope = self.locality_scope(dialogue.details.locality)?;
        or_reject!(permissions::authorize(
            self.author.role,
            mutation.change.action(),
            scope
        ));
        dialogue.status = to;
        let tags = Tags {
            dialogue: Some(id),
            locality: Some(dialogue.details.locality),
            ..Tags::default()
        };
        self.tx.put_entity(
            id.as_uuid(),
            &Entity::Dialogue {
                dialogue,
                details_stamp,
            },
            &tags,
        )?;
        self.log(mutation, tags)
    }

    /// A task is created or replaced whole; it never moves to another dialogue.
    pub(super) fn upsert_dialogue_task(
        &mut self,
        mutation: Mutation,
        task: DialogueTask,
    ) -> Applied {
        let Some(Entity::Dialogue { dialogue, .. }) = self.tx.entity(task.dialogue.as_uuid())?
        else {
            return Ok(Err(Rejection::not_found("dialogue", task.dialogue)));
        };
        let scope = self.locality_scope(dialogue.details.locality)?;
        or_reject!(permissions::authorize(
            self.author.role,
            mutation.change.action(),
            scope
        ));
        match self.tx.entity(task.id.as_uuid())? {
            None => {}
            Some(Entity::DialogueTask { task: existing }) if existing.dialogue == task.dialogue => {
            }
            Some(_) => {
                return Ok(Err(Rejection::new(
                    ErrorCode::Conflict,
                    format!("{} is not a task of dialogue {}", task.id, task.dialogue),
                )));
            }
        }
        let tags = Tags {
            dialogue: Some(task.dialogue),
            locality: Some(dialogue.details.locality),
            ..Tags::default()
        };
        self.tx
            .put_entity(task.id.as_uuid(), &Entity::DialogueTask { task }, &tags)?;
        self.log(mutation, tags)
    }
}
