//! Reference data: topics, agencies, localities and the follow-up policy. Every device pulls
//! it, and only an administrator changes it.

use townhall_domain::followup::FollowUpPolicy;
use townhall_domain::mutation::Mutation;
use townhall_domain::permissions::{self, Scope};
use townhall_domain::{Agency, Locality, Topic};
use uuid::Uuid;

use super::{Applied, Apply, Rejection};
use crate::store::{Entity, Tags};
use townhall_domain::ErrorCode;

impl Apply<'_> {
    pub(super) fn upsert_topic(&mut self, mutation: Mutation, topic: Topic) -> Applied {
        self.reference(mutation, topic.id.as_uuid(), Entity::Topic(topic))
    }

    pub(super) fn upsert_agency(&mut self, mutation: Mutation, agency: Agency) -> Applied {
        self.reference(mutation, agency.id.as_uuid(), Entity::Agency(agency))
    }

    pub(super) fn upsert_locality(&mut self, mutation: Mutation, locality: Locality) -> Applied {
        if locality.parent == Some(locality.id) {
            return Ok(Err(Rejection::new(
                ErrorCode::Conflict,
                "a locality cannot be its own parent",
            )));
        }
        self.reference(mutation, locality.id.as_uuid(), Entity::Locality(locality))
    }

    pub(super) fn set_policy(&mut self, mutation: Mutation, policy: FollowUpPolicy) -> Applied {
        self.reference(mutation, FollowUpPolicy::ID, Entity::Policy { policy })
    }

    /// Replaces a piece of reference data whole, under the administrator's authority.
    fn reference(&mut self, mutation: Mutation, id: Uuid, entity: Entity) -> Applied {
        or_reject!(permissions::authorize(
            self.author.role,
            mutation.change.action(),
            Scope::JURISDICTION
        ));
        let tags = Tags {
            reference: true,
            ..Tags::default()
        };
        self.tx.put_entity(id, &entity, &tags)?;
        self.log(mutation, tags)
    }
}
