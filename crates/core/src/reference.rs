//! Reference data: topics, agencies and localities, seeded with Vietnamese defaults.
//!
//! Seeded rows get ids derived from their names, so every replica and the server seed the same
//! ids and sync never duplicates "Đất đai". Everything seeded stays editable.

use rusqlite::{Connection, params};
use townhall_domain::{AgencyId, TopicId};

use crate::error::Result;
use crate::seed;

/// The time part of seeded ids: 2025-01-01T00:00:00Z, before any real record.
const SEED_MILLIS: u64 = 1_735_689_600_000;

/// Ten bytes derived from a name, stable across builds and platforms (two FNV-1a hashes).
fn name_bytes(namespace: &str, name: &str) -> [u8; 10] {
    let hash = |seed: u64| {
        let mut h = seed;
        for b in namespace.bytes().chain([0]).chain(name.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    };
    let a = hash(0xcbf2_9ce4_8422_2325).to_be_bytes();
    let b = hash(0x8422_2325_cbf2_9ce4).to_be_bytes();
    let mut out = [0; 10];
    out[..8].copy_from_slice(&a);
    out[8..].copy_from_slice(&b[..2]);
    out
}

/// The id every replica gives the seeded topic `name`.
pub fn seeded_topic_id(name: &str) -> TopicId {
    TopicId::generate(SEED_MILLIS, name_bytes("topic", name))
}

/// The id every replica gives the seeded agency `name`.
pub fn seeded_agency_id(name: &str) -> AgencyId {
    AgencyId::generate(SEED_MILLIS, name_bytes("agency", name))
}

/// Seeds the default topics and agencies into a replica that has none.
pub(crate) fn seed_if_empty(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    let topics: i64 = tx.query_row("SELECT count(*) FROM topics", [], |r| r.get(0))?;
    if topics == 0 {
        for (position, name) in seed::TOPICS.iter().enumerate() {
            tx.execute(
                "INSERT INTO topics (id, name, archived, position) VALUES (?1, ?2, 0, ?3)",
                params![seeded_topic_id(name).to_string(), name, position as i64],
            )?;
        }
    }
    let agencies: i64 = tx.query_row("SELECT count(*) FROM agencies", [], |r| r.get(0))?;
    if agencies == 0 {
        for (name, short_name) in seed::AGENCIES {
            tx.execute(
                "INSERT INTO agencies (id, name, short_name, archived) VALUES (?1, ?2, ?3, 0)",
                params![seeded_agency_id(name).to_string(), name, short_name],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_are_stable_and_distinct() {
        assert_eq!(seeded_topic_id("Đất đai"), seeded_topic_id("Đất đai"));
        assert_ne!(seeded_topic_id("Đất đai"), seeded_topic_id("Môi trường"));
        assert_ne!(
            seeded_topic_id("Y tế").as_uuid(),
            seeded_agency_id("Y tế").as_uuid()
        );
        // Pinned: a change here would make new replicas disagree with old ones and the server.
        assert_eq!(seeded_topic_id("Đất đai").to_string(), "01941f29-7c00-7d45-b0d9-0b83f1cff363");
    }
}
