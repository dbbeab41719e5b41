//! The Vietnamese reference data a fresh installation starts with.
//!
//! Topics and agencies are reference records the secretariat edits (DESIGN.md, "Records"):
//! these lists are only the first version, written so that a province can run its first
//! dialogue without typing them in.
//! Names follow the official spelling with diacritics, in NFC, because they are shown to
//! leaders and printed in reports; search finds them without diacritics through
//! folding (see `townhall-core`'s search).

use crate::ids::{AgencyId, TopicId};
use crate::records::Level;

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
