//! Seeding a new replica with the Vietnamese default topics and agencies of
//! [`townhall_domain::seed`].
//!
//! Seeded rows get ids derived from their names, so every replica and the server seed the same
//! ids and sync never duplicates "Đất đai". Everything seeded stays editable.

use rusqlite::{Connection, params};
use townhall_domain::seed::{self, seeded_agency_id, seeded_topic_id};

use crate::error::Result;

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
        assert_eq!(
            seeded_topic_id("Đất đai").to_string(),
            "01941f29-7c00-7d45-b0d9-0b83f1cff363"
        );
    }
}

#[cfg(test)]
mod seed_tests {
    use std::collections::HashSet;

    use unicode_normalization::UnicodeNormalization;

    use townhall_domain::Level;
    use townhall_domain::seed::*;

    use crate::search::fold::fold;

    /// Checks that every name in a list is tidy and that no two fold alike: two entries
    /// that differ only in diacritics or case would look like one in search results.
    fn check_names<'a>(list: &str, names: impl IntoIterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for name in names {
            assert!(!name.is_empty(), "{list}: empty name");
            assert_eq!(name, name.trim(), "{list}: {name:?} is not trimmed");
            assert!(!name.contains("  "), "{list}: {name:?} has a double space");
            assert_eq!(
                name.nfc().collect::<String>(),
                name,
                "{list}: {name:?} is not NFC"
            );
            assert!(
                !name.chars().any(char::is_control),
                "{list}: {name:?} has a control char"
            );
            assert!(
                seen.insert(fold(name)),
                "{list}: {name:?} folds like another entry"
            );
        }
    }

    #[test]
    fn reference_data_is_tidy_and_unique() {
        check_names("TOPICS", TOPICS.iter().copied());
        check_names(
            "AGENCIES full names",
            AGENCIES.iter().map(|&(full, _)| full),
        );
        check_names(
            "AGENCIES short names",
            AGENCIES.iter().map(|&(_, short)| short),
        );
        check_names(
            "LOCALITY_LEVELS names",
            LOCALITY_LEVELS.iter().map(|&(_, name, _)| name),
        );
        for &(_, name, kinds) in LOCALITY_LEVELS {
            check_names(name, kinds.iter().copied());
        }
        check_names("DEMO_PROVINCE", [DEMO_PROVINCE]);
        check_names("DEMO_COMMUNES", DEMO_COMMUNES.iter().copied());
    }

    #[test]
    fn catch_all_topic_is_last() {
        assert_eq!(TOPICS.last(), Some(&"Khác"));
    }

    #[test]
    fn levels_cover_the_domain_levels_top_down() {
        let levels: Vec<Level> = LOCALITY_LEVELS.iter().map(|&(level, _, _)| level).collect();
        assert_eq!(levels, Level::ALL);
    }

    #[test]
    fn demo_localities_start_with_a_unit_kind() {
        let starts_with_kind = |name: &str, level: Level| {
            LOCALITY_LEVELS
                .iter()
                .filter(|&&(l, _, _)| l == level)
                .any(|&(_, _, kinds)| {
                    kinds
                        .iter()
                        .any(|kind| name.strip_prefix(kind).is_some_and(|r| r.starts_with(' ')))
                })
        };
        assert!(
            starts_with_kind(DEMO_PROVINCE, Level::Province),
            "{DEMO_PROVINCE}"
        );
        for commune in DEMO_COMMUNES {
            assert!(starts_with_kind(commune, Level::Commune), "{commune}");
        }
    }
}
