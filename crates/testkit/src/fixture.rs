//! Ready-made replicas for benchmarks, demos and tests: enrolled, with a province, its
//! communes and dialogues.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use townhall_core::{
    CaptureInput, Captured, Clock, DeviceIdentity, ManualClock, OnSiteAnswerInput, Replica,
};
use townhall_domain::validate::{
    AnswerInput, AssignmentInput, CitizenInput, DialogueInput, QuestionInput,
};
use townhall_domain::{
    AnswerMode, DeviceId, DeviceLetter, DialogueId, Level, LocalityId, QuestionKind,
    QuestionSource, QuestionStatus, Role, TopicId, UserId,
};

use crate::corpus::{Corpus, GeneratedQuestion};

/// An identity for a device of `role` with the `index`-th letter (0 → `A`).
pub fn identity(role: Role, index: u32, seed: u8) -> DeviceIdentity {
    DeviceIdentity {
        device: DeviceId::generate(1_700_000_000_000 + u64::from(index), [seed; 10]),
        user: UserId::generate(
            1_700_000_000_000 + u64::from(index),
            [seed.wrapping_add(1); 10],
        ),
        role,
        letter: DeviceLetter::for_index(index)
            .unwrap_or_else(|| DeviceLetter::for_index(0).expect("A")),
        jurisdiction: None,
        agency: None,
    }
}

/// Opens (creating) a replica at `path` enrolled with `identity`.
pub fn open_enrolled(
    path: &Path,
    identity: &DeviceIdentity,
    clock: Arc<dyn Clock>,
) -> Result<Replica> {
    let mut replica = Replica::open(path, clock)?;
    replica.set_identity(identity)?;
    Ok(replica)
}

/// The localities and dialogues [`setup_province`] made.
#[derive(Clone, Debug)]
pub struct Province {
    /// The province.
    pub province: LocalityId,
    /// Its communes.
    pub communes: Vec<LocalityId>,
    /// One dialogue per commune, then one province-wide.
    pub dialogues: Vec<DialogueId>,
}

/// Adds a province with communes and a dialogue in each (needs a secretariat replica).
pub fn setup_province(
    replica: &mut Replica,
    starts_at: DateTime<Utc>,
    communes: usize,
) -> Result<Province> {
    let province = replica.upsert_locality(
        None,
        townhall_core::seed::DEMO_PROVINCE,
        Level::Province,
        None,
    )?;
    let mut ids = Vec::new();
    let mut dialogues = Vec::new();
    for (i, name) in townhall_core::seed::DEMO_COMMUNES
        .iter()
        .take(communes)
        .enumerate()
    {
        let commune = replica.upsert_locality(None, name, Level::Commune, Some(province))?;
        ids.push(commune);
        let input = dialogue_input(
            &format!(
                "Hội nghị đối thoại giữa người đứng đầu cấp ủy, chính quyền với Nhân dân {name}"
            ),
            Level::Commune,
            commune,
            starts_at + Duration::days(i as i64 * 7),
        );
        dialogues.push(replica.create_dialogue(&input)?);
    }
    let input = dialogue_input(
        &format!(
            "Đối thoại của Chủ tịch UBND {} với thanh niên",
            townhall_core::seed::DEMO_PROVINCE
        ),
        Level::Province,
        province,
        starts_at + Duration::days(3),
    );
    dialogues.push(replica.create_dialogue(&input)?);
    Ok(Province {
        province,
        communes: ids,
        dialogues,
    })
}

fn dialogue_input(
    title: &str,
    level: Level,
    locality: LocalityId,
    starts_at: DateTime<Utc>,
) -> DialogueInput {
    DialogueInput {
        title: title.to_owned(),
        level,
        locality,
        audience: "Nhân dân trên địa bàn".to_owned(),
        venue: "Hội trường Trung tâm hành chính".to_owned(),
        starts_at,
        hosts: "Bí thư Đảng ủy, Chủ tịch UBND".to_owned(),
        coordinating_bodies: "Văn phòng; Ủy ban MTTQ Việt Nam; Công an".to_owned(),
        plan_issued_on: Some((starts_at - Duration::days(100)).date_naive()),
        attendee_count: Some(300),
    }
}

/// Turns a generated question into a capture at `dialogue`.
pub fn capture_input(
    dialogue: DialogueId,
    generated: &GeneratedQuestion,
    topics: &[TopicId],
) -> CaptureInput {
    let kinds = [
        QuestionKind::Question,
        QuestionKind::Petition,
        QuestionKind::Proposal,
        QuestionKind::Grievance,
    ];
    CaptureInput {
        dialogue,
        question: QuestionInput {
            kind: Some(kinds[generated.kind_index % kinds.len()]),
            source: Some(QuestionSource::InHall),
            topic: topics
                .get(generated.topic_index % topics.len().max(1))
                .copied(),
            content: generated.content.clone(),
            citizen: CitizenInput {
                anonymous: generated.citizen_name.is_none(),
                name: generated.citizen_name.clone(),
                locality: generated.citizen_locality.clone(),
                phone: generated.phone.clone(),
            },
        },
        answered_on_site: None,
    }
}

/// Captures `count` generated questions at `dialogue`; every fifth is answered on the spot.
pub fn capture_many(
    replica: &mut Replica,
    dialogue: DialogueId,
    corpus: &mut Corpus,
    count: usize,
) -> Result<Vec<Captured>> {
    let topics: Vec<TopicId> = replica.topics(false)?.into_iter().map(|t| t.id).collect();
    let mut captured = Vec::with_capacity(count);
    for i in 0..count {
        let mut input = capture_input(dialogue, &corpus.question(), &topics);
        if i % 5 == 4 {
            input.answered_on_site = Some(OnSiteAnswerInput {
                answered_by: "Chủ tịch UBND".to_owned(),
                summary: "Đã trả lời trực tiếp tại hội nghị; giao phòng chuyên môn rà soát."
                    .to_owned(),
            });
        }
        captured.push(replica.capture(&input)?);
    }
    Ok(captured)
}

/// How many questions [`load`] captures per transaction.
pub const LOAD_BATCH: usize = 5_000;

/// Captures `count` generated questions spread over `dialogues`, [`LOAD_BATCH`] per
/// transaction: the quick way to fill a replica with data.
pub fn load(
    replica: &mut Replica,
    dialogues: &[DialogueId],
    corpus: &mut Corpus,
    count: usize,
) -> Result<()> {
    let topics: Vec<TopicId> = replica.topics(false)?.into_iter().map(|t| t.id).collect();
    let mut loaded = 0;
    while loaded < count {
        let n = LOAD_BATCH.min(count - loaded);
        let inputs: Vec<_> = (0..n)
            .map(|i| {
                let dialogue = dialogues[(loaded + i) % dialogues.len()];
                capture_input(dialogue, &corpus.question(), &topics)
            })
            .collect();
        replica.capture_all(&inputs)?;
        loaded += n;
    }
    Ok(())
}

/// Fills a secretariat replica with the demo province: four communes and the province, each
/// with a dialogue, `questions` generated questions spread evenly over them, four in ten
/// assigned to agencies (some due within a fortnight, so overdue by `now`) and one in ten
/// answered in writing. `past` is the replica's clock, set six weeks before `now` while the
/// history is written; the caller moves it to `now` afterwards.
pub fn demo_province(
    replica: &mut Replica,
    past: &ManualClock,
    now: DateTime<Utc>,
    questions: usize,
) -> Result<Province> {
    let province = setup_province(replica, now - Duration::days(40), 4)?;
    let mut corpus = Corpus::new(2026);
    let agencies = replica.agencies(false)?;
    let mut captured = Vec::with_capacity(questions);
    let dialogues = province.dialogues.len();
    for (i, dialogue) in province.dialogues.iter().enumerate() {
        // As even as it goes: the first dialogues take the remainder, one each.
        let count = questions / dialogues + usize::from(i < questions % dialogues);
        captured.extend(capture_many(replica, *dialogue, &mut corpus, count)?);
    }
    for (i, question) in captured.iter().enumerate() {
        let agency = &agencies[i % agencies.len()];
        // Questions answered on the spot are settled there; only the others go to agencies.
        if replica.question(question.id)?.question.status != QuestionStatus::Received {
            continue;
        }
        match i % 10 {
            0..=3 => {
                let due_on = past.today() + Duration::days(if i % 3 == 0 { 15 } else { 60 });
                let input = AssignmentInput {
                    agency: agency.id,
                    due_on,
                    instructions: "Trả lời bằng văn bản cho công dân".to_owned(),
                };
                replica.assign(question.id, &input)?;
            }
            5 => {
                let input = AssignmentInput {
                    agency: agency.id,
                    due_on: past.today() + Duration::days(10),
                    instructions: String::new(),
                };
                replica.assign(question.id, &input)?;
                let answer = AnswerInput {
                    mode: AnswerMode::Written,
                    answered_by: agency.name.clone(),
                    agency: Some(agency.id),
                    content: "Cơ quan đã kiểm tra, trả lời bằng văn bản và hướng dẫn công dân."
                        .to_owned(),
                    document_number: Some(format!("{}/{}-VP", 100 + i, agency.short_name)),
                    document_date: Some(past.today()),
                };
                replica.add_answer(question.id, &answer)?;
            }
            _ => {}
        }
    }
    Ok(province)
}
