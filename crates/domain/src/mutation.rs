//! The mutations a device records in its outbox and pushes to the server.
//!
//! A mutation is one intent ("capture this question", "assign it to this agency") with the
//! device's clock stamp. The device applies it to its replica and appends it to its outbox in
//! one transaction; the server applies it again with the same rules, in its own order.
//! Creating mutations carry the whole record so a replay on any replica gives the same record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::followup::FollowUpPolicy;
use crate::hlc::{Hlc, Stamp};
use crate::ids::{
    AnswerId, AssignmentId, DeviceId, DialogueId, MutationId, QuestionId, StatusEventId,
};
use crate::permissions::Action;
use crate::records::{
    Agency, AnswerBody, AssignmentTerms, Citizen, DialogueDetails, DialogueStatus, DialogueTask,
    DisplayNumber, Locality, QuestionStatus, QuestionText, Topic,
};

/// One change made on a device, as it travels in the outbox and over the wire.
///
/// Read by `flat::deserialize` rather than a derived `Deserialize`, which for the flattened
/// `change` would buffer the whole object before reading it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Mutation {
    /// Unique across all devices; lets the server recognise a resend.
    pub id: MutationId,
    /// The device that made it.
    pub device: DeviceId,
    /// The device's clock when it made it.
    pub hlc: Hlc,
    /// What changed.
    #[serde(flatten)]
    pub change: Change,
}

impl<'de> Deserialize<'de> for Mutation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let ((), mutation) = flat::deserialize(deserializer)?;
        Ok(mutation)
    }
}

impl Mutation {
    /// The stamp that orders this mutation's field groups against others.
    pub fn stamp(&self) -> Stamp {
        Stamp {
            hlc: self.hlc,
            device: self.device,
        }
    }
}

/// What a mutation changes. On the wire: `{"kind": "...", "fields": {...}}`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", content = "fields", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Change {
    /// A new dialogue.
    CreateDialogue {
        /// Its id.
        id: DialogueId,
        /// Its details.
        details: DialogueDetails,
    },
    /// New details for a dialogue (the whole group).
    EditDialogue {
        /// The dialogue.
        id: DialogueId,
        /// Its new details.
        details: DialogueDetails,
        /// The version the editor saw; a different current version means the edits were concurrent.
        base: Option<Stamp>,
    },
    /// A dialogue moves on in its life.
    SetDialogueStatus {
        /// The dialogue.
        id: DialogueId,
        /// The new status.
        to: DialogueStatus,
    },
    /// A question captured in the hall.
    CaptureQuestion {
        /// Its id.
        id: QuestionId,
        /// The dialogue.
        dialogue: DialogueId,
        /// Its display number, e.g. `B-017`.
        number: DisplayNumber,
        /// What was raised.
        text: QuestionText,
        /// Who raised it.
        citizen: Citizen,
        /// When (device time).
        captured_at: DateTime<Utc>,
    },
    /// New text for a question (the whole group).
    EditQuestionText {
        /// The question.
        id: QuestionId,
        /// Its new text.
        text: QuestionText,
        /// The version the editor saw; a different current version means the edits were concurrent.
        base: Option<Stamp>,
    },
    /// New citizen details for a question (the whole group).
    EditCitizen {
        /// The question.
        id: QuestionId,
        /// The new details.
        citizen: Citizen,
        /// The version the editor saw; a different current version means the edits were concurrent.
        base: Option<Stamp>,
    },
    /// An answer, on site or written.
    AddAnswer {
        /// Its id.
        id: AnswerId,
        /// The question.
        question: QuestionId,
        /// The answer.
        body: AnswerBody,
        /// When (device time).
        recorded_at: DateTime<Utc>,
    },
    /// A corrected answer (the whole group).
    EditAnswer {
        /// The answer.
        id: AnswerId,
        /// The corrected body.
        body: AnswerBody,
        /// The version the editor saw; a different current version means the edits were concurrent.
        base: Option<Stamp>,
    },
    /// A question assigned to an agency.
    Assign {
        /// Its id.
        id: AssignmentId,
        /// The question.
        question: QuestionId,
        /// Agency, due date, instructions.
        terms: AssignmentTerms,
        /// When (device time).
        assigned_at: DateTime<Utc>,
    },
    /// New terms for an assignment (the whole group).
    EditAssignment {
        /// The assignment.
        id: AssignmentId,
        /// The new terms.
        terms: AssignmentTerms,
        /// The version the editor saw; a different current version means the edits were concurrent.
        base: Option<Stamp>,
    },
    /// A status change, checked and ordered by the server.
    ChangeStatus {
        /// The status event's id.
        event: StatusEventId,
        /// The question.
        question: QuestionId,
        /// The status the device saw.
        from: QuestionStatus,
        /// The status asked for.
        to: QuestionStatus,
        /// Why.
        note: String,
        /// When (device time).
        at: DateTime<Utc>,
    },
    /// A duplicate merged into another question.
    MergeDuplicate {
        /// The duplicate.
        question: QuestionId,
        /// The question it is merged into.
        into: QuestionId,
    },
    /// The server's word on a question's status, sent after it refused a device's status change
    /// so the device's optimistic status is corrected. Devices never send it.
    ConfirmStatus {
        /// The question.
        question: QuestionId,
        /// Its status on the server.
        status: QuestionStatus,
    },
    /// A topic added or edited.
    UpsertTopic(Topic),
    /// An agency added or edited.
    UpsertAgency(Agency),
    /// A locality added or edited.
    UpsertLocality(Locality),
    /// A preparation task of a dialogue added or edited (the whole task).
    UpsertDialogueTask(DialogueTask),
    /// A question linked to the same matter raised at an earlier dialogue, or unlinked (`None`).
    LinkRepeat {
        /// The later question.
        question: QuestionId,
        /// The earlier one.
        earlier: Option<QuestionId>,
    },
    /// The follow-up policy set by an administrator (the whole policy).
    SetPolicy(FollowUpPolicy),
}

impl Change {
    /// The stable name of this kind of change, as on the wire.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::CreateDialogue { .. } => "create_dialogue",
            Self::EditDialogue { .. } => "edit_dialogue",
            Self::SetDialogueStatus { .. } => "set_dialogue_status",
            Self::CaptureQuestion { .. } => "capture_question",
            Self::EditQuestionText { .. } => "edit_question_text",
            Self::EditCitizen { .. } => "edit_citizen",
            Self::AddAnswer { .. } => "add_answer",
            Self::EditAnswer { .. } => "edit_answer",
            Self::Assign { .. } => "assign",
            Self::EditAssignment { .. } => "edit_assignment",
            Self::ChangeStatus { .. } => "change_status",
            Self::MergeDuplicate { .. } => "merge_duplicate",
            Self::ConfirmStatus { .. } => "confirm_status",
            Self::UpsertTopic(_) => "upsert_topic",
            Self::UpsertAgency(_) => "upsert_agency",
            Self::UpsertLocality(_) => "upsert_locality",
            Self::UpsertDialogueTask(_) => "upsert_dialogue_task",
            Self::LinkRepeat { .. } => "link_repeat",
            Self::SetPolicy(_) => "set_policy",
        }
    }

    /// The id of the record this change creates or changes.
    pub fn entity_id(&self) -> Uuid {
        match self {
            Self::CreateDialogue { id, .. }
            | Self::EditDialogue { id, .. }
            | Self::SetDialogueStatus { id, .. } => id.as_uuid(),
            Self::CaptureQuestion { id, .. }
            | Self::EditQuestionText { id, .. }
            | Self::EditCitizen { id, .. } => id.as_uuid(),
            Self::MergeDuplicate { question, .. }
            | Self::ConfirmStatus { question, .. }
            | Self::LinkRepeat { question, .. } => question.as_uuid(),
            Self::AddAnswer { id, .. } | Self::EditAnswer { id, .. } => id.as_uuid(),
            Self::Assign { id, .. } | Self::EditAssignment { id, .. } => id.as_uuid(),
            Self::ChangeStatus { event, .. } => event.as_uuid(),
            Self::UpsertTopic(t) => t.id.as_uuid(),
            Self::UpsertAgency(a) => a.id.as_uuid(),
            Self::UpsertLocality(l) => l.id.as_uuid(),
            Self::UpsertDialogueTask(t) => t.id.as_uuid(),
            Self::SetPolicy(_) => FollowUpPolicy::ID,
        }
    }

    /// The permission this change needs. Which answer action depends on the answer's mode.
    pub fn action(&self) -> Action {
        match self {
            Self::CreateDialogue { .. } => Action::CreateDialogue,
            Self::EditDialogue { .. } | Self::SetDialogueStatus { .. } => Action::EditDialogue,
            Self::CaptureQuestion { .. } => Action::CaptureQuestion,
            Self::EditQuestionText { .. } => Action::EditQuestionText,
            Self::EditCitizen { .. } => Action::EditCitizen,
            Self::AddAnswer { body, .. } | Self::EditAnswer { body, .. } => match body.mode {
                crate::records::AnswerMode::OnSite => Action::AnswerOnSite,
                crate::records::AnswerMode::Written => Action::AnswerInWriting,
            },
            Self::Assign { .. } | Self::EditAssignment { .. } => Action::Assign,
            Self::ChangeStatus { from, to, .. } => Action::ChangeStatus {
                from: *from,
                to: *to,
            },
            Self::MergeDuplicate { .. } | Self::LinkRepeat { .. } => Action::MergeDuplicate,
            Self::UpsertDialogueTask(_) => Action::EditDialogue,
            Self::SetPolicy(_) => Action::EditPolicy,
            Self::ConfirmStatus { .. } => Action::ConfirmStatus,
            Self::UpsertTopic(_) | Self::UpsertAgency(_) | Self::UpsertLocality(_) => {
                Action::EditReferenceData
            }
        }
    }
}

/// Reading a mutation's JSON object in one pass, alone or inside a wire type that adds keys
/// beside its own (`seq` in a push, `server_seq` and `author` in the change log).
///
/// `#[serde(flatten)]` buffers every key and value of the object (the question's text
/// included) before parsing them a second time, and a flattened mutation inside a flattened
/// envelope is buffered twice: that was a tenth of the CPU of a push or a pull. Here `kind` and
/// `fields` go straight to `Change`'s derived parser, which reads `fields` in place when `kind`
/// comes first (as every writer of ours puts it) and buffers only `fields` otherwise, and the
/// other keys are read as they come. Unknown keys are ignored, as with `flatten`.
pub(crate) mod flat {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::Deserialize;
    use serde::de::{
        self, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, Visitor,
    };

    use super::{Change, Mutation};
    use crate::hlc::Hlc;
    use crate::ids::{DeviceId, MutationId};

    /// A key of a mutation's object, or of an envelope around it.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub(crate) enum Key {
        Id,
        Device,
        Hlc,
        Kind,
        Fields,
        Seq,
        ServerSeq,
        Author,
        Other,
    }

    impl<'de> Deserialize<'de> for Key {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct KeyVisitor;
            impl Visitor<'_> for KeyVisitor {
                type Value = Key;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a field name")
                }
                fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
                    Ok(match name {
                        "id" => Key::Id,
                        "device" => Key::Device,
                        "hlc" => Key::Hlc,
                        "kind" => Key::Kind,
                        "fields" => Key::Fields,
                        "seq" => Key::Seq,
                        "server_seq" => Key::ServerSeq,
                        "author" => Key::Author,
                        _ => Key::Other,
                    })
                }
            }
            deserializer.deserialize_identifier(KeyVisitor)
        }
    }

    /// The keys a wire type adds beside a mutation's.
    pub(crate) trait Envelope: Default {
        /// Reads the value of `key` when the key is the envelope's; `Ok(false)` otherwise.
        fn read<'de, A: MapAccess<'de>>(&mut self, key: Key, map: &mut A)
        -> Result<bool, A::Error>;
    }

    /// A mutation on its own adds nothing.
    impl Envelope for () {
        fn read<'de, A: MapAccess<'de>>(&mut self, _: Key, _: &mut A) -> Result<bool, A::Error> {
            Ok(false)
        }
    }

    /// Reads the next value into `slot`, refusing a key given twice as a derived parser does.
    pub(crate) fn set<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
        slot: &mut Option<T>,
        name: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if slot.is_some() {
            return Err(de::Error::duplicate_field(name));
        }
        *slot = Some(map.next_value()?);
        Ok(())
    }

    /// Reads a mutation object with envelope `E`'s keys beside it.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>, E: Envelope>(
        deserializer: D,
    ) -> Result<(E, Mutation), D::Error> {
        deserializer.deserialize_map(MutationVisitor(PhantomData))
    }

    struct MutationVisitor<E>(PhantomData<E>);

    impl<'de, E: Envelope> Visitor<'de> for MutationVisitor<E> {
        type Value = (E, Mutation);

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a mutation object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut rest = Rest {
                map: &mut map,
                id: None,
                device: None,
                hlc: None,
                envelope: E::default(),
            };
            // `Change`'s parser drives the whole object; `Rest` keeps the other keys for us.
            let change = Change::deserialize(&mut rest)?;
            let mutation = Mutation {
                id: rest.id.ok_or_else(|| de::Error::missing_field("id"))?,
                device: rest
                    .device
                    .ok_or_else(|| de::Error::missing_field("device"))?,
                hlc: rest.hlc.ok_or_else(|| de::Error::missing_field("hlc"))?,
                change,
            };
            Ok((rest.envelope, mutation))
        }
    }

    /// The object as `Change`'s parser sees it: only `kind` and `fields`. Every other key is
    /// read on the way into the mutation's or the envelope's slots, or skipped.
    struct Rest<'a, A, E> {
        map: &'a mut A,
        id: Option<MutationId>,
        device: Option<DeviceId>,
        hlc: Option<Hlc>,
        envelope: E,
    }

    impl<'de, A: MapAccess<'de>, E: Envelope> MapAccess<'de> for Rest<'_, A, E> {
        type Error = A::Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, A::Error> {
            while let Some(key) = self.map.next_key::<Key>()? {
                let name = match key {
                    Key::Kind => "kind",
                    Key::Fields => "fields",
                    Key::Id => {
                        set(&mut self.id, "id", self.map)?;
                        continue;
                    }
                    Key::Device => {
                        set(&mut self.device, "device", self.map)?;
                        continue;
                    }
                    Key::Hlc => {
                        set(&mut self.hlc, "hlc", self.map)?;
                        continue;
                    }
                    other => {
                        if !self.envelope.read(other, self.map)? {
                            self.map.next_value::<IgnoredAny>()?;
                        }
                        continue;
                    }
                };
                return seed
                    .deserialize(IntoDeserializer::<A::Error>::into_deserializer(name))
                    .map(Some);
            }
            Ok(None)
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(
            &mut self,
            seed: V,
        ) -> Result<V::Value, A::Error> {
            self.map.next_value_seed(seed)
        }
    }

    impl<'de, A: MapAccess<'de>, E: Envelope> Deserializer<'de> for &mut Rest<'_, A, E> {
        type Error = A::Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
            visitor.visit_map(self)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
            identifier ignored_any
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TopicId;

    #[test]
    fn wire_shape_is_kind_and_fields() {
        let topic = Topic {
            id: TopicId::generate(1, [0; 10]),
            name: "Đất đai".to_owned(),
            archived: false,
        };
        let mutation = Mutation {
            id: MutationId::generate(2, [0; 10]),
            device: DeviceId::generate(3, [0; 10]),
            hlc: Hlc::new(4, 5),
            change: Change::UpsertTopic(topic.clone()),
        };
        let json = serde_json::to_value(&mutation).unwrap();
        assert_eq!(json["kind"], "upsert_topic");
        assert_eq!(json["fields"]["name"], "Đất đai");
        assert_eq!(json["hlc"], serde_json::json!({"millis": 4, "counter": 5}));
        let back: Mutation = serde_json::from_value(json).unwrap();
        assert_eq!(back, mutation);
        assert_eq!(back.change.kind(), "upsert_topic");
        assert_eq!(back.change.entity_id(), topic.id.as_uuid());
    }

    #[test]
    fn unknown_kinds_are_rejected() {
        let json = serde_json::json!({
            "id": MutationId::generate(2, [0; 10]),
            "device": DeviceId::generate(3, [0; 10]),
            "hlc": {"millis": 1, "counter": 0},
            "kind": "drop_table",
            "fields": {}
        });
        let err = serde_json::from_value::<Mutation>(json).unwrap_err();
        assert!(
            err.to_string().contains("unknown variant `drop_table`"),
            "{err}"
        );
    }
}
