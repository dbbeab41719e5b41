//! What a push leaves behind besides the change log: the hash a resend is recognised by, the
//! ids of changes the server writes itself, and the correction sent after a refused status
//! change.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use townhall_domain::MutationId;
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::wire::{Author, LogEntry, PushItem};

use crate::store::{Device, Entity, StoreError, Tags, Tx};

/// SHA-256 of an item's JSON, which serde writes in field order: the same item always hashes
/// the same, and any change of content changes it.
///
/// The JSON is written straight into the hash rather than into a buffer first: the bytes
/// hashed are the same, so ledgers written before stay valid.
pub fn payload_hash(item: &PushItem) -> [u8; 32] {
    let mut hasher = HashWriter(Sha256::new());
    if serde_json::to_writer(&mut hasher, item).is_err() {
        // Unreachable (the item is plain data and the writer never fails); hashed as the empty
        // JSON it used to be hashed as.
        return Sha256::digest(b"").into();
    }
    hasher.0.finalize().into()
}

/// An `io::Write` that feeds what is written to a SHA-256.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// After a refused status change, tells the device the status the server holds, so its
/// optimistic one does not linger.
pub(super) fn correct(
    tx: &mut dyn Tx,
    device: &Device,
    mutation: &Mutation,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let question = match &mutation.change {
        Change::ChangeStatus { question, .. } | Change::MergeDuplicate { question, .. } => {
            *question
        }
        _ => return Ok(()),
    };
    let Some(Entity::Question {
        question: q,
        locality,
        agency,
        ..
    }) = tx.entity(question.as_uuid())?
    else {
        return Ok(());
    };
    let tags = Tags {
        dialogue: Some(q.dialogue),
        locality: Some(locality),
        agency,
        question: Some(question),
        reference: false,
    };
    let entry = LogEntry {
        server_seq: tx.next_server_seq()?,
        author: Author {
            user: device.user.id,
            role: device.user.role,
        },
        mutation: Mutation {
            id: correction_id(mutation, now),
            device: mutation.device,
            hlc: mutation.hlc,
            change: Change::ConfirmStatus {
                question,
                status: q.status,
            },
        },
    };
    tx.append_change(&entry, &tags)
}

/// The id of the correction sent for a refused mutation: derived from it, so it is unique and
/// the same however often the refusal is computed.
fn correction_id(refused: &Mutation, now: DateTime<Utc>) -> MutationId {
    derived_id(
        &format!("confirm_status:{}", refused.id),
        u64::try_from(now.timestamp_millis()).unwrap_or(0),
    )
}

/// A mutation id for a change the server writes itself, derived from what it is about so the
/// same change always gets the same id.
pub(super) fn derived_id(about: &str, millis: u64) -> MutationId {
    let digest = Sha256::digest(about.as_bytes());
    let mut random = [0; 10];
    random.copy_from_slice(&digest[..10]);
    MutationId::generate(millis, random)
}

#[cfg(test)]
mod tests {
    use townhall_domain::{DeviceId, Hlc, Topic, TopicId};

    use super::*;

    #[test]
    fn the_payload_hash_is_the_hash_of_the_items_json() {
        // Ledgers written by earlier servers hold SHA-256 of `serde_json::to_vec(item)`: a resend
        // must still match them.
        let item = PushItem {
            seq: 3,
            mutation: Mutation {
                id: MutationId::generate(1, [1; 10]),
                device: DeviceId::generate(1, [2; 10]),
                hlc: Hlc::new(5, 1),
                change: Change::UpsertTopic(Topic {
                    id: TopicId::generate(1, [3; 10]),
                    name: "Đất đai \"và\" nhà ở".to_owned(),
                    archived: false,
                }),
            },
        };
        let expected: [u8; 32] = Sha256::digest(serde_json::to_vec(&item).unwrap()).into();
        assert_eq!(payload_hash(&item), expected);
    }

    #[test]
    fn a_derived_id_depends_on_what_it_is_about_only() {
        assert_eq!(derived_id("seed:a", 7), derived_id("seed:a", 7));
        assert_ne!(derived_id("seed:a", 7), derived_id("seed:b", 7));
    }
}
