//! The Vietnamese reference data a fresh installation starts with.
//!
//! Topics and agencies are reference records the secretariat edits (DESIGN.md, "Records"):
//! these lists are only the first version, written so that a province can run its first
//! dialogue without typing them in.
//! Names follow the official spelling with diacritics, in NFC, because they are shown to
//! leaders and printed in reports; search finds them without diacritics through
//! [`crate::search::fold`].

use townhall_domain::Level;

/// The topics questions are sorted by, in the order a form lists them.
///
/// They follow the groups that dialogue and voter-meeting reports use, most frequent first
/// (land and the environment dominate), with `Khác` last as the catch-all.
pub const TOPICS: &[&str] = &[
    "Đất đai",
    "Môi trường",
    "Giao thông",
    "Xây dựng và đô thị",
    "Điện, nước sinh hoạt",
    "An sinh xã hội",
    "Chính sách người có công",
    "Y tế",
    "Giáo dục",
    "Lao động – việc làm",
    "Nông nghiệp",
    "Tài chính – thuế",
    "Thủ tục hành chính",
    "An ninh trật tự",
    "Tư pháp – hộ tịch",
    "Văn hóa – thông tin",
    "Khác",
];

/// The agencies questions are assigned to, as `(full name, short name)`.
///
/// The list is a starting point that each province edits to match its own apparatus.
/// Most entries are the provincial departments after the 2025 reorganisation, which merged
/// several of them: Sở Nông nghiệp và Môi trường took over from Sở Tài nguyên và Môi trường,
/// Sở Xây dựng from Sở Giao thông vận tải, Sở Nội vụ from Sở Lao động – Thương binh và Xã hội.
/// The former departments come last because citizens and older dialogue files still name them,
/// and a question recorded before the reform must keep the agency it was assigned to.
/// The communes' People's Committees share one entry; a question's locality says which commune.
pub const AGENCIES: &[(&str, &str)] = &[
    ("Văn phòng Ủy ban nhân dân tỉnh", "VP UBND tỉnh"),
    ("Sở Nội vụ", "Sở NV"),
    ("Sở Tài chính", "Sở TC"),
    ("Sở Nông nghiệp và Môi trường", "Sở NN&MT"),
    ("Sở Xây dựng", "Sở XD"),
    ("Sở Công Thương", "Sở CT"),
    ("Sở Y tế", "Sở YT"),
    ("Sở Giáo dục và Đào tạo", "Sở GD&ĐT"),
    ("Sở Văn hóa, Thể thao và Du lịch", "Sở VHTTDL"),
    ("Sở Khoa học và Công nghệ", "Sở KH&CN"),
    ("Sở Tư pháp", "Sở TP"),
    ("Sở Dân tộc và Tôn giáo", "Sở DT&TG"),
    ("Thanh tra tỉnh", "Thanh tra tỉnh"),
    ("Công an tỉnh", "Công an tỉnh"),
    ("Bảo hiểm xã hội tỉnh", "BHXH tỉnh"),
    ("Thuế tỉnh", "Thuế tỉnh"),
    ("Công ty Điện lực tỉnh", "Điện lực tỉnh"),
    ("Ủy ban nhân dân xã, phường", "UBND xã/phường"),
    ("Sở Tài nguyên và Môi trường", "Sở TN&MT"),
    ("Sở Giao thông vận tải", "Sở GTVT"),
    ("Sở Lao động – Thương binh và Xã hội", "Sở LĐ-TB&XH"),
];

/// The administrative levels, top down, as `(level, Vietnamese name, kinds of unit)`.
///
/// The kinds of unit are the words a locality's name starts with (`Xã Bắc Bình`), which is
/// how a form can tell a commune from a ward.
/// Since 1 July 2025 Vietnam has two levels, province and commune; the district level is kept
/// for dialogues held before, as is the township (`Thị trấn`) among communes.
pub const LOCALITY_LEVELS: &[(Level, &str, &[&str])] = &[
    (Level::Province, "Cấp tỉnh", &["Tỉnh", "Thành phố"]),
    (
        Level::District,
        "Cấp huyện",
        &["Huyện", "Quận", "Thị xã", "Thành phố"],
    ),
    (
        Level::Commune,
        "Cấp xã",
        &["Xã", "Phường", "Đặc khu", "Thị trấn"],
    ),
];

/// The province of the demo data, for demonstrations and benchmarks.
///
/// A real province, so that place names read naturally to Vietnamese testers; since the 2025
/// merger it includes the former Bình Thuận, whose place names the demo communes use.
pub const DEMO_PROVINCE: &str = "Tỉnh Lâm Đồng";

/// The communes and wards of the demo data, within [`DEMO_PROVINCE`].
///
/// The names mix communes and wards, and several share words (`Hàm`, `Thắng`) or start with
/// `Đ`, so that search and the locality picker are exercised by realistic near-duplicates.
/// They are demo data, not an authoritative list of the province's communes.
pub const DEMO_COMMUNES: &[&str] = &[
    "Xã Bắc Bình",
    "Phường Hàm Thắng",
    "Xã Hàm Thuận Bắc",
    "Xã Hàm Thuận Nam",
    "Xã Hòa Thắng",
    "Xã Hải Ninh",
    "Xã Đức Linh",
    "Phường Mũi Né",
    "Phường Phan Thiết",
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use unicode_normalization::UnicodeNormalization;

    use super::*;
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
