//! The reference data every server starts with: the default topics and agencies, under the
//! ids every replica seeds too.

use chrono::{DateTime, Utc};
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::wire::{Author, LogEntry};
use townhall_domain::{Agency, Role, Topic};
use uuid::Uuid;

use super::ledger::derived_id;
use crate::store::{Entity, StoreError, Tags, Tx};

/// Seeds the default Vietnamese topics and agencies into a server that has none, with the ids
/// every replica seeds too (`townhall_domain::seed`), and logs them so devices enrolled later
/// receive them like any other reference data. Run once per database, at start.
pub fn seed_reference_data(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<(), StoreError> {
    use townhall_domain::seed::{AGENCIES, TOPICS, seeded_agency_id, seeded_topic_id};
    let Some(first) = TOPICS.first() else {
        return Ok(());
    };
    if tx.entity(seeded_topic_id(first).as_uuid())?.is_some() {
        return Ok(());
    }
    let millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    // The server's own changes: no device made them; an administrator's authority.
    let author = Author {
        user: townhall_domain::UserId::from_uuid(Uuid::nil()),
        role: Role::Admin,
    };
    let device = townhall_domain::DeviceId::from_uuid(Uuid::nil());
    let topics = TOPICS.iter().map(|name| {
        Change::UpsertTopic(Topic {
            id: seeded_topic_id(name),
            name: (*name).to_owned(),
            archived: false,
        })
    });
    let agencies = AGENCIES.iter().map(|(name, short_name)| {
        Change::UpsertAgency(Agency {
            id: seeded_agency_id(name),
            name: (*name).to_owned(),
            short_name: (*short_name).to_owned(),
            archived: false,
        })
    });
    let tags = Tags {
        reference: true,
        ..Tags::default()
    };
    for (counter, change) in topics.chain(agencies).enumerate() {
        let (id, entity) = match &change {
            Change::UpsertTopic(t) => (t.id.as_uuid(), Entity::Topic(t.clone())),
            Change::UpsertAgency(a) => (a.id.as_uuid(), Entity::Agency(a.clone())),
            _ => continue,
        };
        tx.put_entity(id, &entity, &tags)?;
        let mutation = Mutation {
            id: derived_id(&format!("seed:{id}"), millis),
            device,
            hlc: townhall_domain::Hlc::new(millis, u32::try_from(counter).unwrap_or(u32::MAX)),
            change,
        };
        let server_seq = tx.next_server_seq()?;
        tx.append_change(
            &LogEntry {
                server_seq,
                author,
                mutation,
            },
            &tags,
        )?;
    }
    Ok(())
}
