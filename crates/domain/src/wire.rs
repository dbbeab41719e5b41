//! The sync protocol's message bodies, as they travel as JSON over HTTP.
//!
//! `docs/PROTOCOL.md` describes every endpoint with these shapes; the server and the sync client
//! both use these types, so the two cannot drift apart.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::ids::{AgencyId, DeviceId, LocalityId, MutationId, UserId};
use crate::mutation::Mutation;
use crate::mutation::flat::{self, Envelope, Key, set};
use crate::records::{DeviceLetter, Role};

/// The protocol version in every path: `/v1/...`.
pub const PROTOCOL_VERSION: &str = "v1";

/// The most mutations one push may carry.
pub const MAX_PUSH_BATCH: usize = 1_000;

/// The most changes one pull page returns.
pub const MAX_PULL_LIMIT: u32 = 1_000;

/// `POST /v1/enrol`: a device exchanges a single-use code for its identity and token.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The code an administrator issued for a user, as typed or scanned.
    pub code: String,
    /// A name for the device, shown in the device list (e.g. "Máy tính bảng 3").
    pub device_name: String,
}

/// The answer to a successful enrolment.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The device's id, made by the server.
    pub device: DeviceId,
    /// The device's display letter, e.g. `B`.
    pub letter: DeviceLetter,
    /// The bearer token for every later request. Shown once; the server keeps only its hash.
    pub token: String,
    /// The user the device acts for.
    pub user: UserId,
    /// The user's name.
    pub user_name: String,
    /// The user's role.
    pub role: Role,
    /// The locality the user works in, if limited to one.
    pub jurisdiction: Option<LocalityId>,
    /// The agency an agency user answers for.
    pub agency: Option<AgencyId>,
    /// The server's epoch; a different epoch later means the server was restored.
    pub epoch: String,
}

/// One mutation in a push, with its place in the device's sequence.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct PushItem {
    /// The device's sequence number: 1, 2, 3, … without gaps.
    pub seq: u64,
    /// The mutation.
    #[serde(flatten)]
    pub mutation: Mutation,
}

/// `POST /v1/push`: the device's next mutations, in sequence order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// At most [`MAX_PUSH_BATCH`] items, in increasing `seq`.
    pub mutations: Vec<PushItem>,
}

/// What the server did with one pushed mutation.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PushOutcome {
    /// Applied, and in the change log at `server_seq`.
    Applied {
        /// Where the change log holds it.
        server_seq: u64,
    },
    /// Refused; the device's queue moves on and the device shows the reason to its user.
    Rejected {
        /// A stable code: `invalid`, `forbidden`, `out_of_scope`, `status_not_allowed`,
        /// `status_not_permitted`, `not_found`, `conflict`.
        code: String,
        /// The reason in plain words.
        reason: String,
    },
}

/// The result for one pushed item.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PushResult {
    /// The item's sequence number.
    pub seq: u64,
    /// The item's mutation id.
    pub mutation: MutationId,
    /// Applied or rejected.
    #[serde(flatten)]
    pub outcome: PushOutcome,
}

/// Why a push stopped before its end.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PushGap {
    /// The sequence number the server expected next.
    pub expected: u64,
    /// The sequence number it found instead.
    pub found: u64,
}

/// The answer to a push, sent only after the results are durable.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PushResponse {
    /// One result per item handled, in order; a resent item gets its stored result again.
    pub results: Vec<PushResult>,
    /// The highest sequence number of this device the server has handled.
    pub last_applied_seq: u64,
    /// Set when the batch stopped at a gap in the sequence; items after it were not handled.
    pub gap: Option<PushGap>,
}

/// Who made a change in the log, as the server authenticated them.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Author {
    /// The user.
    pub user: UserId,
    /// Their role.
    pub role: Role,
}

/// One entry of the server's change log.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct LogEntry {
    /// The entry's place in the log; strictly increasing in commit order.
    pub server_seq: u64,
    /// Who made it.
    pub author: Author,
    /// The mutation as the server applied it (its clock clamped, a status change's `from` set
    /// to the status the server saw).
    #[serde(flatten)]
    pub mutation: Mutation,
}

// `PushItem` and `LogEntry` are read in one pass with their mutation (see `mutation::flat`)
// rather than by a derived parser, which would buffer the flattened mutation first.

impl<'de> Deserialize<'de> for PushItem {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// `seq` beside the mutation.
        #[derive(Default)]
        struct Seq(Option<u64>);
        impl Envelope for Seq {
            fn read<'de, A: MapAccess<'de>>(
                &mut self,
                key: Key,
                map: &mut A,
            ) -> Result<bool, A::Error> {
                if key != Key::Seq {
                    return Ok(false);
                }
                set(&mut self.0, "seq", map)?;
                Ok(true)
            }
        }
        let (Seq(seq), mutation) = flat::deserialize(deserializer)?;
        Ok(Self {
            seq: seq.ok_or_else(|| de::Error::missing_field("seq"))?,
            mutation,
        })
    }
}

impl<'de> Deserialize<'de> for LogEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// `server_seq` and `author` beside the mutation.
        #[derive(Default)]
        struct Logged {
            server_seq: Option<u64>,
            author: Option<Author>,
        }
        impl Envelope for Logged {
            fn read<'de, A: MapAccess<'de>>(
                &mut self,
                key: Key,
                map: &mut A,
            ) -> Result<bool, A::Error> {
                match key {
                    Key::ServerSeq => set(&mut self.server_seq, "server_seq", map)?,
                    Key::Author => set(&mut self.author, "author", map)?,
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }
        let (logged, mutation): (Logged, _) = flat::deserialize(deserializer)?;
        Ok(Self {
            server_seq: logged
                .server_seq
                .ok_or_else(|| de::Error::missing_field("server_seq"))?,
            author: logged
                .author
                .ok_or_else(|| de::Error::missing_field("author"))?,
            mutation,
        })
    }
}

/// `GET /v1/pull?since=N&limit=L&epoch=E`: the next page of changes in the device's scope.
///
/// `C` is how a change travels: a device reads each one as a [`LogEntry`], while the server
/// writes the JSON its log stores as it is, without reading it first. Either way `type` is
/// written first, and a reader that finds it first decodes the page in one pass.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PullResponse<C = LogEntry> {
    /// A page of changes.
    Page {
        /// The server's epoch.
        epoch: String,
        /// Changes after `since`, in `server_seq` order.
        changes: Vec<C>,
        /// The cursor to send as `since` next time.
        next: u64,
        /// Whether more changes wait after `next`.
        more: bool,
    },
    /// The server cannot continue from this cursor: it was restored from a backup (the epoch
    /// differs, or the cursor is beyond its log). Download the scope again from 0 and re-push
    /// every mutation after the server's `last_applied_seq` for this device.
    Refetch {
        /// The server's current epoch.
        epoch: String,
        /// What the server has applied of this device's sequence.
        last_applied_seq: u64,
    },
}

/// `GET /v1/status`: what the server knows of this device.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct StatusResponse {
    /// The device.
    pub device: DeviceId,
    /// The highest sequence number of this device the server has handled.
    pub last_applied_seq: u64,
    /// The end of the server's change log.
    pub server_seq: u64,
    /// The server's epoch.
    pub epoch: String,
}

/// `GET /v1/health`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct HealthResponse {
    /// Always `"ok"` when the server answers and its database does.
    pub status: String,
    /// The server's version.
    pub version: String,
}

/// The body of every error response (4xx and 5xx).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable code the client branches on, e.g. `bad_request`, `unauthorized`.
    pub code: crate::ErrorCode,
    /// What went wrong, in plain words. A 5xx never carries internals.
    pub message: String,
}

// A derived parser for an internally tagged enum buffers the whole answer, every change of a
// page, before it reads any of it. The server writes `type` first, so this one reads it first and
// then decodes the rest straight into the variant; only when `type` comes later does it buffer
// (as JSON values), so any key order still works.

impl<'de, C: Deserialize<'de>> Deserialize<'de> for PullResponse<C> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PullVisitor(PhantomData))
    }
}

/// Reads a [`PullResponse`] from a JSON object.
struct PullVisitor<C>(PhantomData<C>);

impl<'de, C: Deserialize<'de>> Visitor<'de> for PullVisitor<C> {
    type Value = PullResponse<C>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a pull answer: a page or a refetch")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Err(de::Error::missing_field("type"));
        };
        if first == "type" {
            let kind = PullKind::named(&map.next_value::<String>()?)?;
            return kind.read(MapAccessDeserializer::new(map));
        }
        // `type` comes later: keep every key, then read the variant from what was kept.
        let mut fields = serde_json::Map::new();
        let mut key = Some(first);
        while let Some(name) = key {
            let value: serde_json::Value = map.next_value()?;
            if fields.contains_key(&name) {
                return Err(de::Error::custom(format_args!("duplicate field `{name}`")));
            }
            fields.insert(name, value);
            key = map.next_key()?;
        }
        let kind = fields
            .remove("type")
            .ok_or_else(|| de::Error::missing_field("type"))?;
        let kind = PullKind::named(&String::deserialize(kind).map_err(de::Error::custom)?)?;
        kind.read(serde_json::Value::Object(fields))
            .map_err(de::Error::custom)
    }
}

/// The variants of [`PullResponse`], as `type` names them.
#[derive(Clone, Copy)]
enum PullKind {
    /// [`PullResponse::Page`].
    Page,
    /// [`PullResponse::Refetch`].
    Refetch,
}

/// The fields of [`PullResponse::Page`] beside its `type`.
#[derive(Deserialize)]
struct PageFields<C> {
    epoch: String,
    changes: Vec<C>,
    next: u64,
    more: bool,
    /// A second `type`, which is refused.
    #[serde(rename = "type")]
    kind: Option<de::IgnoredAny>,
}

/// The fields of [`PullResponse::Refetch`] beside its `type`.
#[derive(Deserialize)]
struct RefetchFields {
    epoch: String,
    last_applied_seq: u64,
    /// A second `type`, which is refused.
    #[serde(rename = "type")]
    kind: Option<de::IgnoredAny>,
}

impl PullKind {
    /// The variant `type` names.
    fn named<E: de::Error>(name: &str) -> Result<Self, E> {
        match name {
            "page" => Ok(Self::Page),
            "refetch" => Ok(Self::Refetch),
            _ => Err(de::Error::unknown_variant(name, &["page", "refetch"])),
        }
    }

    /// Reads the variant's fields (the object's keys other than the `type` already read).
    fn read<'de, C, D>(self, fields: D) -> Result<PullResponse<C>, D::Error>
    where
        C: Deserialize<'de>,
        D: serde::Deserializer<'de>,
    {
        let twice = || de::Error::duplicate_field("type");
        match self {
            Self::Page => {
                let page = PageFields::deserialize(fields)?;
                if page.kind.is_some() {
                    return Err(twice());
                }
                Ok(PullResponse::Page {
                    epoch: page.epoch,
                    changes: page.changes,
                    next: page.next,
                    more: page.more,
                })
            }
            Self::Refetch => {
                let refetch = RefetchFields::deserialize(fields)?;
                if refetch.kind.is_some() {
                    return Err(twice());
                }
                Ok(PullResponse::Refetch {
                    epoch: refetch.epoch,
                    last_applied_seq: refetch.last_applied_seq,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Hlc;
    use crate::ids::TopicId;
    use crate::mutation::Change;
    use crate::records::Topic;

    #[test]
    fn push_items_are_flat() {
        let item = PushItem {
            seq: 7,
            mutation: Mutation {
                id: MutationId::generate(1, [1; 10]),
                device: DeviceId::generate(1, [2; 10]),
                hlc: Hlc::new(5, 0),
                change: Change::UpsertTopic(Topic {
                    id: TopicId::generate(1, [3; 10]),
                    name: "Đất đai".to_owned(),
                    archived: false,
                }),
            },
        };
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(json["seq"], 7);
        assert_eq!(json["kind"], "upsert_topic");
        assert_eq!(serde_json::from_value::<PushItem>(json).unwrap(), item);
    }

    /// What [`parse`] makes of a body: as a push item (its `seq`) and as a log entry (its
    /// `server_seq`), or each one's error.
    type Parsed = (Result<u64, String>, Result<u64, String>);

    /// Reads `json` as a push item and a log entry.
    fn parse(json: &str) -> Parsed {
        (
            serde_json::from_str::<PushItem>(json)
                .map(|i| i.seq)
                .map_err(|e| e.to_string()),
            serde_json::from_str::<LogEntry>(json)
                .map(|e| e.server_seq)
                .map_err(|e| e.to_string()),
        )
    }

    #[test]
    fn flattened_mutations_read_in_any_key_order() {
        let id = MutationId::generate(1, [1; 10]);
        let device = DeviceId::generate(1, [2; 10]);
        let user = UserId::generate(1, [4; 10]);
        let topic = TopicId::generate(1, [3; 10]);
        let fields = format!(r#"{{"id":"{topic}","name":"Đất đai","archived":false}}"#);
        let author = format!(r#"{{"user":"{user}","role":"admin"}}"#);
        let ok = |seq: u64| Ok::<u64, String>(seq);
        let cases: Vec<(String, Parsed)> = vec![
            // As we write it.
            (
                format!(
                    r#"{{"seq":2,"server_seq":3,"author":{author},"id":"{id}","device":"{device}","hlc":{{"millis":5,"counter":0}},"kind":"upsert_topic","fields":{fields}}}"#
                ),
                (ok(2), ok(3)),
            ),
            // `fields` before `kind`, the envelope last, an unknown key ignored.
            (
                format!(
                    r#"{{"fields":{fields},"x":[1],"kind":"upsert_topic","hlc":{{"millis":5,"counter":0}},"device":"{device}","id":"{id}","author":{author},"server_seq":3,"seq":2}}"#
                ),
                (ok(2), ok(3)),
            ),
            // A key of the envelope missing.
            (
                format!(
                    r#"{{"id":"{id}","device":"{device}","hlc":{{"millis":5,"counter":0}},"kind":"upsert_topic","fields":{fields}}}"#
                ),
                (
                    Err("missing field `seq`".to_owned()),
                    Err("missing field `server_seq`".to_owned()),
                ),
            ),
            // A key of the mutation given twice.
            (
                format!(
                    r#"{{"seq":2,"server_seq":3,"author":{author},"id":"{id}","id":"{id}","device":"{device}","hlc":{{"millis":5,"counter":0}},"kind":"upsert_topic","fields":{fields}}}"#
                ),
                (
                    Err("duplicate field `id`".to_owned()),
                    Err("duplicate field `id`".to_owned()),
                ),
            ),
        ];
        for (json, expected) in cases {
            let (item, entry) = parse(&json);
            // Errors are compared by their start: serde_json adds the position.
            let cut = |r: Result<u64, String>, like: &Result<u64, String>| match (r, like) {
                (Err(e), Err(want)) if e.starts_with(want.as_str()) => Err(want.clone()),
                (other, _) => other,
            };
            assert_eq!(
                (cut(item, &expected.0), cut(entry, &expected.1)),
                expected,
                "{json}"
            );
        }
    }

    #[test]
    fn outcomes_are_tagged() {
        let result = PushResult {
            seq: 1,
            mutation: MutationId::generate(1, [1; 10]),
            outcome: PushOutcome::Rejected {
                code: "forbidden".to_owned(),
                reason: "no".to_owned(),
            },
        };
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["outcome"], "rejected");
        assert_eq!(json["code"], "forbidden");
        let refetch: PullResponse = PullResponse::Refetch {
            epoch: "e".to_owned(),
            last_applied_seq: 3,
        };
        assert_eq!(serde_json::to_value(&refetch).unwrap()["type"], "refetch");
    }

    /// A page holding one change, and a refetch.
    fn pull_answers() -> [PullResponse; 2] {
        let entry = LogEntry {
            server_seq: 3,
            author: Author {
                user: UserId::generate(1, [4; 10]),
                role: Role::Admin,
            },
            mutation: Mutation {
                id: MutationId::generate(1, [1; 10]),
                device: DeviceId::generate(1, [2; 10]),
                hlc: Hlc::new(5, 0),
                change: Change::UpsertTopic(Topic {
                    id: TopicId::generate(1, [3; 10]),
                    name: "Đất đai".to_owned(),
                    archived: false,
                }),
            },
        };
        [
            PullResponse::Page {
                epoch: "4c1f".to_owned(),
                changes: vec![entry],
                next: 3,
                more: true,
            },
            PullResponse::Refetch {
                epoch: "9a8b".to_owned(),
                last_applied_seq: 12,
            },
        ]
    }

    #[test]
    fn pull_answers_read_in_any_key_order() {
        for answer in pull_answers() {
            let json = serde_json::to_string(&answer).unwrap();
            assert!(json.starts_with(r#"{"type":"#), "{json}");
            assert_eq!(serde_json::from_str::<PullResponse>(&json).unwrap(), answer);
            // From a `Value` the keys come in alphabetical order, `type` last.
            let value = serde_json::to_value(&answer).unwrap();
            assert_eq!(
                serde_json::from_value::<PullResponse>(value.clone()).unwrap(),
                answer
            );
            // Every rotation of the keys: `type` first, in between and last.
            let serde_json::Value::Object(map) = value else {
                panic!("{value}")
            };
            let pairs: Vec<String> = map
                .iter()
                .map(|(key, value)| format!("{}:{value}", serde_json::Value::from(key.as_str())))
                .collect();
            for turn in 0..pairs.len() {
                let mut keys = pairs.clone();
                keys.rotate_left(turn);
                let json = format!("{{{}}}", keys.join(","));
                assert_eq!(
                    serde_json::from_str::<PullResponse>(&json).unwrap(),
                    answer,
                    "{json}"
                );
            }
        }
    }

    #[test]
    fn odd_pull_answers_are_refused() {
        let [_, refetch] = pull_answers();
        let cases: &[(&str, Result<&PullResponse, &str>)] = &[
            // An unknown key is ignored, wherever `type` is.
            (
                r#"{"type":"refetch","epoch":"9a8b","x":[{}],"last_applied_seq":12}"#,
                Ok(&refetch),
            ),
            (
                r#"{"x":[{}],"epoch":"9a8b","last_applied_seq":12,"type":"refetch"}"#,
                Ok(&refetch),
            ),
            (
                r#"{"type":"pages","epoch":"9a8b","last_applied_seq":12}"#,
                Err("unknown variant `pages`, expected `page` or `refetch`"),
            ),
            (
                r#"{"epoch":"9a8b","last_applied_seq":12,"type":"pages"}"#,
                Err("unknown variant `pages`, expected `page` or `refetch`"),
            ),
            (
                r#"{"epoch":"9a8b","last_applied_seq":12}"#,
                Err("missing field `type`"),
            ),
            ("{}", Err("missing field `type`")),
            (
                r#"{"type":2,"epoch":"9a8b","last_applied_seq":12}"#,
                Err("invalid type: integer `2`, expected a string"),
            ),
            (
                r#"{"type":"refetch","epoch":"9a8b"}"#,
                Err("missing field `last_applied_seq`"),
            ),
            (
                r#"{"type":"refetch","epoch":"9a8b","last_applied_seq":-1}"#,
                Err("invalid value: integer `-1`, expected u64"),
            ),
            (
                r#"{"type":"page","epoch":"9a8b","changes":[],"next":"3","more":false}"#,
                Err(r#"invalid type: string "3", expected u64"#),
            ),
            (
                r#"{"epoch":"9a8b","changes":[],"next":"3","more":false,"type":"page"}"#,
                Err(r#"invalid type: string "3", expected u64"#),
            ),
            (
                r#"{"type":"page","epoch":"9a8b","changes":{},"next":3,"more":false}"#,
                Err("invalid type: map, expected a sequence"),
            ),
            (
                r#"{"type":"page","epoch":"9a8b","changes":[1],"next":3,"more":false}"#,
                Err("invalid type: integer `1`"),
            ),
            (
                r#"{"type":"page","epoch":9,"changes":[],"next":3,"more":false}"#,
                Err("invalid type: integer `9`, expected a string"),
            ),
            (
                r#"{"type":"refetch","epoch":"9a8b","last_applied_seq":12,"type":"refetch"}"#,
                Err("duplicate field `type`"),
            ),
            (
                r#"{"epoch":"9a8b","epoch":"9a8b","last_applied_seq":12,"type":"refetch"}"#,
                Err("duplicate field `epoch`"),
            ),
            (
                r#"["refetch","9a8b",12]"#,
                Err("invalid type: sequence, expected a pull answer"),
            ),
        ];
        for (json, expected) in cases {
            match (serde_json::from_str::<PullResponse>(json), expected) {
                (Ok(answer), Ok(want)) => assert_eq!(&answer, *want, "{json}"),
                (Err(error), Err(want)) => {
                    assert!(error.to_string().starts_with(want), "{json}: {error}");
                }
                (got, _) => panic!("{json}: {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn unknown_fields_in_requests_are_refused() {
        let err =
            serde_json::from_str::<EnrolRequest>(r#"{"code":"x","device_name":"y","admin":true}"#)
                .unwrap_err();
        assert!(err.to_string().contains("unknown field `admin`"), "{err}");
    }
}
