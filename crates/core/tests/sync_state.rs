//! The replica's side of sync, without a network: outbox to push, results, pulled pages.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use townhall_core::{CaptureInput, ManualClock, Page, QuestionFilter, QuestionSort, Replica};
use townhall_domain::validate::{DialogueInput, QuestionInput};
use townhall_domain::wire::{
    Author, EnrolResponse, LogEntry, PushItem, PushOutcome, PushResponse, PushResult,
};
use townhall_domain::{
    DeviceId, DeviceLetter, DialogueId, Level, QuestionId, QuestionKind, QuestionStatus, Role,
    UserId,
};

struct Device {
    _dir: tempfile::TempDir,
    replica: Replica,
    user: UserId,
}

fn device(n: u8, role: Role) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let start = Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap() + Duration::seconds(n.into());
    let clock = Arc::new(ManualClock::new(start, 1));
    let mut replica = Replica::open(&dir.path().join("r.sqlite3"), clock).unwrap();
    let user = UserId::generate(1, [n; 10]);
    let enrolled = EnrolResponse {
        device: DeviceId::generate(1_700_000_000_000, [n; 10]),
        letter: DeviceLetter::for_index(u32::from(n)).unwrap(),
        token: format!("token-{n}"),
        user,
        user_name: format!("Người dùng {n}"),
        role,
        jurisdiction: None,
        agency: None,
        epoch: "epoch-1".to_owned(),
    };
    replica.enrol_with("http://127.0.0.1:9", &enrolled).unwrap();
    Device {
        _dir: dir,
        replica,
        user,
    }
}

fn setup(d: &mut Device) -> (DialogueId, Vec<QuestionId>) {
    let commune = d
        .replica
        .upsert_locality(None, "Xã Bắc Bình", Level::Commune, None)
        .unwrap();
    let dialogue = d
        .replica
        .create_dialogue(&DialogueInput {
            title: "Đối thoại".to_owned(),
            level: Level::Commune,
            locality: commune,
            audience: String::new(),
            venue: String::new(),
            starts_at: Utc.with_ymd_and_hms(2026, 11, 21, 1, 0, 0).unwrap(),
            hosts: String::new(),
            coordinating_bodies: String::new(),
            plan_issued_on: None,
            attendee_count: None,
        })
        .unwrap();
    let ids = ["Đường liên thôn hư hỏng", "Xin hỗ trợ học phí"]
        .iter()
        .map(|content| {
            let question = QuestionInput {
                kind: Some(QuestionKind::Petition),
                content: (*content).to_owned(),
                ..Default::default()
            };
            d.replica
                .capture(&CaptureInput {
                    dialogue,
                    question,
                    answered_on_site: None,
                })
                .unwrap()
                .id
        })
        .collect();
    (dialogue, ids)
}

/// What the server would log for these pushed items, from `server_seq` on.
fn logged(items: &[PushItem], author: UserId, from: u64) -> Vec<LogEntry> {
    items
        .iter()
        .zip(from..)
        .map(|(item, server_seq)| LogEntry {
            server_seq,
            author: Author {
                user: author,
                role: Role::Secretariat,
            },
            mutation: item.mutation.clone(),
        })
        .collect()
}

fn snapshot(replica: &Replica) -> Vec<(String, String, QuestionStatus)> {
    let filter = QuestionFilter {
        include_merged: true,
        ..Default::default()
    };
    let list = replica
        .questions(&filter, QuestionSort::Number, Page::first(100))
        .unwrap();
    list.rows
        .into_iter()
        .map(|r| (r.number, r.content, r.status))
        .collect()
}

#[test]
fn push_results_are_recorded_and_rejections_kept_for_the_user() {
    let mut a = device(1, Role::Secretariat);
    setup(&mut a);
    let items = a.replica.pending_push(100).unwrap();
    assert_eq!(
        items.iter().map(|i| i.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(a.replica.sync_status().unwrap().unsent, 4);
    let results = items
        .iter()
        .map(|item| PushResult {
            seq: item.seq,
            mutation: item.mutation.id,
            outcome: if item.seq == 4 {
                PushOutcome::Rejected {
                    code: "forbidden".to_owned(),
                    reason: "không được phép".to_owned(),
                }
            } else {
                PushOutcome::Applied {
                    server_seq: 100 + item.seq,
                }
            },
        })
        .collect();
    a.replica
        .record_push(&PushResponse {
            results,
            last_applied_seq: 4,
            gap: None,
        })
        .unwrap();
    let status = a.replica.sync_status().unwrap();
    assert_eq!(
        (status.enrolled, status.unsent, status.rejected),
        (true, 0, 1)
    );
    let rejected = a.replica.rejected_mutations().unwrap();
    assert_eq!(
        (rejected[0].seq, rejected[0].code.as_str()),
        (4, "forbidden")
    );
    assert!(a.replica.pending_push(100).unwrap().is_empty());

    // Sent again as a new change: a new id and a later stamp, the same change; the refused
    // entry is set aside. A second retry or a dismissal of it finds nothing.
    a.replica.retry_rejected(4).unwrap();
    let resent = a.replica.pending_push(100).unwrap();
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].seq, 5);
    assert_eq!(resent[0].mutation.change, rejected[0].mutation.change);
    assert_ne!(resent[0].mutation.id, rejected[0].mutation.id);
    assert!(resent[0].mutation.hlc > rejected[0].mutation.hlc);
    let status = a.replica.sync_status().unwrap();
    assert_eq!((status.unsent, status.rejected), (1, 0));
    assert_eq!(a.replica.retry_rejected(4).unwrap_err().code(), "not_found");
    assert_eq!(
        a.replica.dismiss_rejected(4).unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        a.replica.dismiss_rejected(1).unwrap_err().code(),
        "not_found"
    );

    // A restored server that has only the first two: the rest is pushed again.
    a.replica.restart_sync("epoch-2", 2).unwrap();
    let again: Vec<_> = a
        .replica
        .pending_push(100)
        .unwrap()
        .iter()
        .map(|i| i.seq)
        .collect();
    assert_eq!(again, [3, 4, 5]);
    let config = a.replica.sync_config().unwrap().unwrap();
    assert_eq!((config.cursor, config.epoch.as_str()), (0, "epoch-2"));
}

#[test]
fn pulled_pages_converge_and_apply_once() {
    let mut a = device(1, Role::Secretariat);
    let (_, ids) = setup(&mut a);
    a.replica
        .change_status(ids[0], QuestionStatus::NeedsWrittenAnswer, "")
        .unwrap();
    let entries = logged(&a.replica.pending_push(100).unwrap(), a.user, 1);
    let mut b = device(2, Role::Secretariat);
    b.replica.apply_pulled(&entries, 5, "epoch-1").unwrap();
    b.replica.apply_pulled(&entries, 5, "epoch-1").unwrap();
    assert_eq!(snapshot(&b.replica), snapshot(&a.replica));
    assert_eq!(b.replica.sync_config().unwrap().unwrap().cursor, 5);
    let detail = b.replica.question(ids[0]).unwrap();
    assert_eq!(
        detail.status_events.len(),
        1,
        "a page applied twice records one event"
    );
    assert_eq!(
        b.replica
            .search("duong lien thon", &QuestionFilter::default(), 5)
            .unwrap()
            .len(),
        1
    );
    // B's own captures continue with B's letter.
    assert!(b.replica.outbox_len().unwrap() == 0);
}

#[test]
fn a_pending_status_change_stays_visible_over_pulled_ones() {
    let mut a = device(1, Role::Secretariat);
    let (_, ids) = setup(&mut a);
    let first = logged(&a.replica.pending_push(100).unwrap(), a.user, 1);
    let mut b = device(2, Role::Leader);
    b.replica.apply_pulled(&first, 4, "epoch-1").unwrap();

    // B decides offline; meanwhile A's decision reaches the server first.
    b.replica
        .change_status(ids[0], QuestionStatus::NeedsWrittenAnswer, "")
        .unwrap();
    a.replica
        .change_status(ids[0], QuestionStatus::AnsweredOnSite, "")
        .unwrap();
    let a_items = a.replica.pending_push(100).unwrap();
    let second = logged(&a_items[a_items.len() - 1..], a.user, 5);
    b.replica.apply_pulled(&second, 5, "epoch-1").unwrap();
    assert_eq!(
        b.replica.question(ids[0]).unwrap().question.status,
        QuestionStatus::NeedsWrittenAnswer
    );

    // Once the server has ordered B's change after A's, B's pull settles it.
    let b_items = b.replica.pending_push(100).unwrap();
    let results = b_items
        .iter()
        .map(|i| PushResult {
            seq: i.seq,
            mutation: i.mutation.id,
            outcome: PushOutcome::Applied { server_seq: 6 },
        })
        .collect();
    b.replica
        .record_push(&PushResponse {
            results,
            last_applied_seq: b_items.last().unwrap().seq,
            gap: None,
        })
        .unwrap();
    let third = logged(&b_items, b.user, 6);
    b.replica.apply_pulled(&third, 6, "epoch-1").unwrap();
    assert_eq!(
        b.replica.question(ids[0]).unwrap().question.status,
        QuestionStatus::NeedsWrittenAnswer
    );
    let events: Vec<_> = b
        .replica
        .question(ids[0])
        .unwrap()
        .status_events
        .iter()
        .map(|e| e.to)
        .collect();
    assert_eq!(events.len(), 2);
}
