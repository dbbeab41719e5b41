//! What every [`Store`] backend must do, as checks any backend's tests can run.
//!
//! A backend's test calls [`run_all`] with a function that makes a fresh, empty store, and
//! [`check_reopen`] with one that opens the same database each time. The checks go through the
//! [`Store`] and [`Tx`] traits only, and end with the sync engine's push driven through
//! [`Store::write`], so a backend that passes behaves like the others for the engine and the
//! HTTP layer.
//!
//! This is test code compiled into the library (not `#[cfg(test)]`) so that each backend's own
//! tests can call it; it panics on the first failed expectation of a case.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code fails loudly on purpose"
)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use townhall_domain::ids::uuid_v7;
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::wire::{
    Author, LogEntry, MAX_PULL_LIMIT, PushGap, PushItem, PushOutcome, PushResponse, PushResult,
};
use townhall_domain::{
    Agency, AgencyId, AssignmentId, AssignmentTerms, Citizen, DeviceId, Dialogue, DialogueDetails,
    DialogueId, DialogueStatus, DisplayNumber, Hlc, Level, Locality, LocalityId, MutationId,
    QuestionId, QuestionKind, QuestionSource, QuestionStatus, QuestionText, Role, Stamp,
    StatusEventId, Topic, TopicId, UserId,
};
use uuid::Uuid;

use crate::engine::{self, PushError};
use crate::store::{
    Device, EnrolRefusal, EnrolmentCode, Entity, HistoryRow, LedgerEntry, LogPage, PullScope,
    Store, StoreError, StoreResult, Tags, Tx, User,
};

/// One named check, run against a fresh store.
pub struct Case<S> {
    /// What it checks, in a few words.
    pub name: &'static str,
    /// The check; panics when the store falls short.
    pub run: fn(&S),
}

/// Every check of the contract, for a backend that wants them as separate tests.
pub fn cases<S: Store>() -> Vec<Case<S>> {
    /// Names each check after its function.
    macro_rules! cases {
        ($($check:ident),+ $(,)?) => {
            vec![$(Case { name: stringify!($check), run: $check }),+]
        };
    }
    cases![
        epoch_is_stable_until_rotated,
        users_round_trip,
        enrolment_codes_are_single_use,
        expired_codes_are_refused,
        devices_get_letters_in_order,
        tokens_find_their_device,
        revoked_devices_are_still_found,
        the_ledger_round_trips,
        entities_round_trip,
        server_seq_follows_commits,
        a_failed_write_leaves_nothing,
        pull_filters_by_scope,
        pull_pages_and_skips_to_the_end,
        pull_caps_its_limit,
        question_log_has_each_mutation_once,
        history_is_kept_in_the_transaction,
        push_end_to_end,
    ]
}

/// Runs every case, each on a store from `fresh` (a new, empty database each call), and panics
/// naming every case that failed.
pub fn run_all<S: Store>(fresh: &dyn Fn() -> S) {
    let failed: Vec<&str> = cases::<S>()
        .into_iter()
        .filter(|case| {
            let store = fresh();
            catch_unwind(AssertUnwindSafe(|| (case.run)(&store))).is_err()
        })
        .map(|case| case.name)
        .collect();
    assert!(failed.is_empty(), "store contract cases failed: {failed:?}");
}

/// Checks that state survives closing and reopening; `open` opens the same (initially empty)
/// database on every call.
pub fn check_reopen<S: Store>(open: &dyn Fn() -> S) {
    let (epoch, device, token, seq) = {
        let store = open();
        let (device, token) = enrol_as(&store, 1, Role::Secretariat, None, None);
        let response = push(&store, &device, &[reference_item(&device, 1)], at(1)).unwrap();
        assert!(matches!(
            response.results[0].outcome,
            PushOutcome::Applied { .. }
        ));
        (
            store.epoch().unwrap(),
            device,
            token,
            store.server_seq().unwrap(),
        )
    };
    let store = open();
    assert_eq!(
        store.epoch().unwrap(),
        epoch,
        "the epoch changed on reopening"
    );
    assert_eq!(store.server_seq().unwrap(), seq);
    let found = store.device_by_token(token, at(2)).unwrap().unwrap();
    assert_eq!((found.id, found.last_applied_seq), (device.id, 1));
    assert_eq!(store.users().unwrap(), vec![device.user.clone()]);
    assert_eq!(pull_all(&store).len(), 1);
    // A resend after the restart gets the stored answer.
    let again = push(&store, &found, &[reference_item(&device, 1)], at(3)).unwrap();
    assert_eq!(again.last_applied_seq, 1);
    let rotated = store.rotate_epoch().unwrap();
    drop(store);
    assert_eq!(
        open().epoch().unwrap(),
        rotated,
        "a rotated epoch was not kept"
    );
}

fn epoch_is_stable_until_rotated<S: Store>(store: &S) {
    store.ping().unwrap();
    let epoch = store.epoch().unwrap();
    assert!(!epoch.is_empty());
    assert_eq!(store.epoch().unwrap(), epoch);
    let rotated = store.rotate_epoch().unwrap();
    assert_ne!(rotated, epoch);
    assert_eq!(store.epoch().unwrap(), rotated);
    assert_eq!(store.server_seq().unwrap(), 0);
}

fn users_round_trip<S: Store>(store: &S) {
    let secretariat = user(1, Role::Secretariat, None, None);
    let agency = user(2, Role::Agency, Some(locality(3)), Some(agency_id(4)));
    store.create_user(&secretariat).unwrap();
    store.create_user(&agency).unwrap();
    let mut users = store.users().unwrap();
    users.sort_by_key(|u| u.id);
    assert_eq!(users, sorted_by_id(vec![secretariat.clone(), agency]));
    let duplicate = User {
        name: "Someone else".to_owned(),
        ..secretariat
    };
    let err = store.create_user(&duplicate).unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert_eq!(store.users().unwrap().len(), 2);
}

fn enrolment_codes_are_single_use<S: Store>(store: &S) {
    let recorder = user(1, Role::Recorder, Some(locality(3)), None);
    store.create_user(&recorder).unwrap();
    assert_eq!(enrol(store, 9, 1, at(0)), Err(EnrolRefusal::Unknown));
    add_code(store, 9, recorder.id, at(60));
    let device = enrol(store, 9, 1, at(0)).unwrap();
    assert_eq!(device.id, device_id(1));
    assert_eq!(device.letter.as_str(), "A");
    assert_eq!(device.name, "Máy tính bảng 1");
    assert_eq!(device.user, recorder);
    assert_eq!((device.last_applied_seq, device.revoked_at), (0, None));
    assert_eq!(enrol(store, 9, 2, at(1)), Err(EnrolRefusal::Used));
    assert_eq!(store.devices().unwrap(), vec![device]);
    let unknown_user = EnrolmentCode {
        code_hash: [8; 32],
        user: user_id(99),
        expires_at: at(60),
    };
    assert!(store.add_enrolment_code(&unknown_user).is_err());
}

fn expired_codes_are_refused<S: Store>(store: &S) {
    let recorder = user(1, Role::Recorder, None, None);
    store.create_user(&recorder).unwrap();
    add_code(store, 9, recorder.id, at(10));
    // The expiry instant itself is too late.
    assert_eq!(enrol(store, 9, 1, at(10)), Err(EnrolRefusal::Expired));
    // A refused code is not used up: it stays expired.
    assert_eq!(enrol(store, 9, 1, at(11)), Err(EnrolRefusal::Expired));
    assert!(store.devices().unwrap().is_empty());
    // Refusals hand out no letter.
    add_code(store, 10, recorder.id, at(60));
    assert_eq!(enrol(store, 10, 1, at(11)).unwrap().letter.as_str(), "A");
}

fn devices_get_letters_in_order<S: Store>(store: &S) {
    let recorder = user(1, Role::Recorder, None, None);
    store.create_user(&recorder).unwrap();
    for n in 1..=3 {
        add_code(store, n, recorder.id, at(60));
    }
    let letters: Vec<String> = (1..=3)
        .map(|n| enrol(store, n, n, at(0)).unwrap().letter.to_string())
        .collect();
    assert_eq!(letters, ["A", "B", "C"]);
    let mut listed: Vec<String> = store
        .devices()
        .unwrap()
        .iter()
        .map(|d| d.letter.to_string())
        .collect();
    listed.sort();
    assert_eq!(listed, ["A", "B", "C"]);
}

fn tokens_find_their_device<S: Store>(store: &S) {
    let (device, token) = enrol_as(store, 1, Role::Recorder, None, None);
    assert_eq!(store.device_by_token([0xee; 32], at(1)).unwrap(), None);
    let found = store.device_by_token(token, at(1)).unwrap().unwrap();
    assert_eq!(found.id, device.id);
    assert_eq!(found.last_seen_at, Some(at(1)));
    let later = store.device_by_token(token, at(120)).unwrap().unwrap();
    assert_eq!(later.last_seen_at, Some(at(120)));
    assert_eq!(store.devices().unwrap()[0].last_seen_at, Some(at(120)));
    // A request stamped earlier (clocks race) never moves the time back.
    store.device_by_token(token, at(5)).unwrap().unwrap();
    assert_eq!(store.devices().unwrap()[0].last_seen_at, Some(at(120)));
}

fn revoked_devices_are_still_found<S: Store>(store: &S) {
    let (device, token) = enrol_as(store, 1, Role::Recorder, None, None);
    assert!(!store.revoke_device(device_id(77), at(2)).unwrap());
    assert!(store.revoke_device(device.id, at(2)).unwrap());
    // The caller decides what a revoked device may do, so it is still found.
    let found = store.device_by_token(token, at(3)).unwrap().unwrap();
    assert_eq!(found.revoked_at, Some(at(2)));
    // Revoking again keeps the first time: that is when the token stopped working.
    assert!(store.revoke_device(device.id, at(4)).unwrap());
    assert_eq!(store.devices().unwrap()[0].revoked_at, Some(at(2)));
    let err = push(store, &found, &[reference_item(&found, 1)], at(5)).unwrap_err();
    assert!(matches!(err, PushError::Unauthorized), "{err:?}");
}

fn the_ledger_round_trips<S: Store>(store: &S) {
    let (device, _) = enrol_as(store, 1, Role::Recorder, None, None);
    let entry = LedgerEntry {
        payload_hash: [7; 32],
        result: PushResult {
            seq: 1,
            mutation: mutation_id(5),
            outcome: PushOutcome::Rejected {
                code: "forbidden".to_owned(),
                reason: "no".to_owned(),
            },
        },
    };
    store
        .write(|tx| {
            assert_eq!(tx.device_for_update(device_id(77))?, None);
            assert_eq!(tx.ledger(device.id, 1)?, None);
            tx.put_ledger(device.id, 1, &entry)?;
            tx.set_last_applied(device.id, 1)?;
            assert_eq!(tx.ledger(device.id, 1)?.as_ref(), Some(&entry));
            Ok(())
        })
        .unwrap();
    store
        .write(|tx| {
            assert_eq!(tx.ledger(device.id, 1)?, Some(entry.clone()));
            assert_eq!(tx.ledger(device.id, 2)?, None);
            let current = tx.device_for_update(device.id)?.unwrap();
            assert_eq!((current.id, current.last_applied_seq), (device.id, 1));
            Ok(())
        })
        .unwrap();
    assert_eq!(store.devices().unwrap()[0].last_applied_seq, 1);
}

fn entities_round_trip<S: Store>(store: &S) {
    let province = Locality {
        id: locality(1),
        name: "Tỉnh Lâm Đồng".to_owned(),
        level: Level::Province,
        parent: None,
    };
    let commune = Locality {
        id: locality(2),
        name: "Xã Bắc Bình".to_owned(),
        level: Level::Commune,
        parent: Some(locality(1)),
    };
    let topic = Topic {
        id: TopicId::from_uuid(uuid(3)),
        name: "Đất đai".to_owned(),
        archived: false,
    };
    let dialogue = Entity::Dialogue {
        dialogue: Dialogue {
            id: dialogue_id(4),
            details: details(locality(2)),
            status: DialogueStatus::Planned,
        },
        details_stamp: Stamp {
            hlc: Hlc::new(1, 0),
            device: device_id(1),
        },
    };
    let reference = Tags {
        reference: true,
        ..Tags::default()
    };
    store
        .write(|tx| {
            tx.put_entity(
                province.id.as_uuid(),
                &Entity::Locality(province.clone()),
                &reference,
            )?;
            tx.put_entity(
                commune.id.as_uuid(),
                &Entity::Locality(commune.clone()),
                &reference,
            )?;
            tx.put_entity(
                topic.id.as_uuid(),
                &Entity::Topic(topic.clone()),
                &reference,
            )?;
            let tags = Tags {
                dialogue: Some(dialogue_id(4)),
                locality: Some(locality(2)),
                ..Tags::default()
            };
            tx.put_entity(dialogue_id(4).as_uuid(), &dialogue, &tags)?;
            Ok(())
        })
        .unwrap();
    let renamed = Locality {
        name: "Xã Bắc Bình (mới)".to_owned(),
        ..commune.clone()
    };
    store
        .write(|tx| {
            assert_eq!(tx.entity(dialogue_id(4).as_uuid())?, Some(dialogue.clone()));
            assert_eq!(
                tx.entity(topic.id.as_uuid())?,
                Some(Entity::Topic(topic.clone()))
            );
            assert_eq!(tx.entity(uuid(99))?, None);
            let mut localities = tx.localities()?;
            localities.sort_by_key(|l| l.id);
            assert_eq!(localities, vec![province.clone(), commune.clone()]);
            tx.put_entity(
                commune.id.as_uuid(),
                &Entity::Locality(renamed.clone()),
                &reference,
            )?;
            Ok(())
        })
        .unwrap();
    store
        .write(|tx| {
            assert_eq!(
                tx.entity(commune.id.as_uuid())?,
                Some(Entity::Locality(renamed.clone()))
            );
            assert_eq!(tx.localities()?.len(), 2);
            Ok(())
        })
        .unwrap();
    // The read outside a transaction sees what the writes committed.
    let mut read = store.localities().unwrap();
    read.sort_by_key(|l| l.id);
    assert_eq!(read, vec![province, renamed]);
}

fn server_seq_follows_commits<S: Store>(store: &S) {
    assert_eq!(store.server_seq().unwrap(), 0);
    let first = store
        .write(|tx| {
            let a = tx.next_server_seq()?;
            tx.append_change(&entry(a, 1), &reference_tags())?;
            let b = tx.next_server_seq()?;
            tx.append_change(&entry(b, 2), &reference_tags())?;
            Ok((a, b))
        })
        .unwrap();
    assert_eq!(first, (1, 2));
    assert_eq!(store.server_seq().unwrap(), 2);
    assert_eq!(append(store, 3, reference_tags()), 3);
    assert_eq!(store.server_seq().unwrap(), 3);
    let logged: Vec<(u64, MutationId)> = pull_all(store)
        .iter()
        .map(|e| (e.server_seq, e.mutation.id))
        .collect();
    assert_eq!(
        logged,
        [
            (1, mutation_id(1)),
            (2, mutation_id(2)),
            (3, mutation_id(3))
        ]
    );
    assert_eq!(pull_all(store), vec![entry(1, 1), entry(2, 2), entry(3, 3)]);
}

fn a_failed_write_leaves_nothing<S: Store>(store: &S) {
    let (device, _) = enrol_as(store, 1, Role::Secretariat, None, None);
    append(store, 1, reference_tags());
    let topic = Topic {
        id: TopicId::from_uuid(uuid(50)),
        name: "Giáo dục".to_owned(),
        archived: false,
    };
    let failed: StoreResult<()> = store.write(|tx| {
        let seq = tx.next_server_seq()?;
        assert_eq!(seq, 2);
        tx.append_change(&entry(seq, 2), &reference_tags())?;
        tx.put_entity(
            topic.id.as_uuid(),
            &Entity::Topic(topic.clone()),
            &reference_tags(),
        )?;
        tx.put_ledger(device.id, 1, &ledger_entry(1))?;
        tx.set_last_applied(device.id, 1)?;
        Err(StoreError::Database("refused on purpose".to_owned()))
    });
    assert!(failed.is_err());
    assert_eq!(store.server_seq().unwrap(), 1);
    assert_eq!(pull_all(store).len(), 1);
    assert_eq!(store.devices().unwrap()[0].last_applied_seq, 0);
    store
        .write(|tx| {
            assert_eq!(tx.entity(topic.id.as_uuid())?, None);
            assert_eq!(tx.ledger(device.id, 1)?, None);
            // The position the failed write took is handed out again: the log has no gap.
            assert_eq!(tx.next_server_seq()?, 2);
            tx.append_change(&entry(2, 3), &reference_tags())
        })
        .unwrap();
    let seqs: Vec<u64> = pull_all(store).iter().map(|e| e.server_seq).collect();
    assert_eq!(seqs, [1, 2]);
}

fn pull_filters_by_scope<S: Store>(store: &S) {
    let (l1, l2, a1, a2) = (locality(1), locality(2), agency_id(3), agency_id(4));
    let in_locality = |l| Tags {
        locality: Some(l),
        ..Tags::default()
    };
    append(store, 1, reference_tags());
    append(store, 2, in_locality(l1));
    append(store, 3, in_locality(l2));
    append(
        store,
        4,
        Tags {
            agency: Some(a1),
            ..in_locality(l2)
        },
    );
    append(
        store,
        5,
        Tags {
            agency: Some(a2),
            ..Tags::default()
        },
    );
    append(store, 6, Tags::default());
    let check = |everything, localities: Vec<LocalityId>, agency, expected: &[u64]| {
        let scope = PullScope {
            everything,
            localities,
            agency,
        };
        let page = store.pull(&scope, 0, 100).unwrap();
        let seqs: Vec<u64> = page.changes.iter().map(|e| e.server_seq).collect();
        assert_eq!(seqs, expected, "{scope:?}");
        assert_eq!((page.next, page.more), (6, false), "{scope:?}");
    };
    check(true, vec![], None, &[1, 2, 3, 4, 5, 6]);
    check(false, vec![l1], None, &[1, 2]);
    check(false, vec![l1, l2], None, &[1, 2, 3, 4]);
    check(false, vec![], Some(a1), &[1, 4]);
    check(false, vec![l1], Some(a2), &[1, 2, 5]);
    check(false, vec![], None, &[1]);
    check(false, vec![locality(9)], Some(agency_id(9)), &[1]);
}

fn pull_pages_and_skips_to_the_end<S: Store>(store: &S) {
    let (l1, l2) = (locality(1), locality(2));
    for (n, l) in [
        (1, l1),
        (2, l1),
        (3, l2),
        (4, l1),
        (5, l1),
        (6, l2),
        (7, l2),
    ] {
        append(
            store,
            n,
            Tags {
                locality: Some(l),
                ..Tags::default()
            },
        );
    }
    let scope = PullScope {
        everything: false,
        localities: vec![l1],
        agency: None,
    };
    let page = |since, limit| {
        let LogPage {
            changes,
            next,
            more,
        } = store.pull(&scope, since, limit).unwrap();
        (
            changes.iter().map(|e| e.server_seq).collect::<Vec<_>>(),
            next,
            more,
        )
    };
    assert_eq!(page(0, 2), (vec![1, 2], 2, true));
    assert_eq!(page(2, 2), (vec![4, 5], 5, true));
    // Nothing more in scope: the cursor moves to the end of the log, past 6 and 7.
    assert_eq!(page(5, 2), (vec![], 7, false));
    assert_eq!(page(0, 10), (vec![1, 2, 4, 5], 7, false));
    assert_eq!(page(7, 2), (vec![], 7, false));
    // A cursor beyond the log stays where it is; the HTTP layer decides what it means.
    assert_eq!(page(100, 2), (vec![], 100, false));
    // A limit of 0 must not return an empty page that claims more forever.
    let (changes, next, more) = page(0, 0);
    assert!(!more || next > 0, "{changes:?} {next} {more}");
    // An empty log.
    let nothing = PullScope {
        everything: true,
        localities: vec![],
        agency: None,
    };
    assert_eq!(
        store.pull(&nothing, 7, 10).unwrap(),
        LogPage {
            changes: vec![],
            next: 7,
            more: false
        }
    );
}

fn pull_caps_its_limit<S: Store>(store: &S) {
    let total = u64::from(MAX_PULL_LIMIT) + 5;
    store
        .write(|tx| {
            for n in 0..total {
                let seq = tx.next_server_seq()?;
                tx.append_change(&entry(seq, (n % 200) as u8), &reference_tags())?;
            }
            Ok(())
        })
        .unwrap();
    let scope = PullScope {
        everything: true,
        localities: vec![],
        agency: None,
    };
    let page = store.pull(&scope, 0, u32::MAX).unwrap();
    assert_eq!(page.changes.len(), MAX_PULL_LIMIT as usize);
    assert_eq!((page.next, page.more), (u64::from(MAX_PULL_LIMIT), true));
    let rest = store.pull(&scope, page.next, u32::MAX).unwrap();
    assert_eq!(
        (rest.changes.len(), rest.next, rest.more),
        (5, total, false)
    );
}

fn question_log_has_each_mutation_once<S: Store>(store: &S) {
    let (q1, q2) = (question_id(1), question_id(2));
    let of = |q, agency| Tags {
        question: Some(q),
        locality: Some(locality(5)),
        agency,
        ..Tags::default()
    };
    append(store, 21, of(q1, None));
    append(store, 22, of(q2, None));
    append(store, 23, of(q1, None));
    // Sharing q1 with an agency copies its changes under the agency's tag.
    store
        .write(|tx| {
            for earlier in tx.question_log(q1)? {
                let server_seq = tx.next_server_seq()?;
                tx.append_change(
                    &LogEntry {
                        server_seq,
                        ..earlier
                    },
                    &of(q1, Some(agency_id(7))),
                )?;
            }
            Ok(())
        })
        .unwrap();
    append(store, 24, of(q1, Some(agency_id(7))));
    store
        .write(|tx| {
            let log = |tx: &mut dyn Tx, q| -> StoreResult<Vec<(u64, MutationId)>> {
                Ok(tx
                    .question_log(q)?
                    .iter()
                    .map(|e| (e.server_seq, e.mutation.id))
                    .collect())
            };
            assert_eq!(
                log(tx, q1)?,
                [
                    (1, mutation_id(21)),
                    (3, mutation_id(23)),
                    (6, mutation_id(24))
                ]
            );
            assert_eq!(log(tx, q2)?, [(2, mutation_id(22))]);
            assert!(log(tx, question_id(3))?.is_empty());
            // The copies are whole entries, at their own positions.
            assert_eq!(tx.question_log(q1)?[0], entry(1, 21));
            Ok(())
        })
        .unwrap();
    let agency = PullScope {
        everything: false,
        localities: vec![],
        agency: Some(agency_id(7)),
    };
    let seqs: Vec<u64> = store
        .pull(&agency, 0, 100)
        .unwrap()
        .changes
        .iter()
        .map(|e| e.server_seq)
        .collect();
    assert_eq!(seqs, [4, 5, 6]);
}

fn history_is_kept_in_the_transaction<S: Store>(store: &S) {
    // The trait has no way to read history back; this checks that it is accepted, repeatedly,
    // for the same record, with any JSON value.
    let row = HistoryRow {
        record_id: uuid(1),
        field_group: "text".to_owned(),
        value: serde_json::json!({"content": "Đường liên thôn hư hỏng", "kind": "petition"}),
        stamp: Stamp {
            hlc: Hlc::new(5, 1),
            device: device_id(2),
        },
        reason: "lost_merge".to_owned(),
        concurrent: true,
    };
    store
        .write(|tx| {
            tx.add_history(&row)?;
            tx.add_history(&HistoryRow {
                reason: "superseded".to_owned(),
                concurrent: false,
                ..row.clone()
            })
        })
        .unwrap();
}

/// The sync engine's push through `Store::write`, from enrolment to pull.
fn push_end_to_end<S: Store>(store: &S) {
    let (secretariat, _) = enrol_as(store, 1, Role::Secretariat, None, None);
    let (l, d, q) = (locality(10), dialogue_id(11), question_id(12));
    let (a1, a2) = (agency_id(13), agency_id(14));
    let item = |seq, n, device: &Device, change| PushItem {
        seq,
        mutation: Mutation {
            id: mutation_id(n),
            device: device.id,
            hlc: Hlc::new(millis(at(i64::from(n))), 0),
            change,
        },
    };
    let status = |note: &str| Change::ChangeStatus {
        event: StatusEventId::from_uuid(uuid(34)),
        question: q,
        from: QuestionStatus::Received,
        to: QuestionStatus::NeedsWrittenAnswer,
        note: note.to_owned(),
        at: at(4),
    };
    let batch = vec![
        item(
            1,
            31,
            &secretariat,
            Change::UpsertLocality(Locality {
                id: l,
                name: "Xã Bắc Bình".to_owned(),
                level: Level::Commune,
                parent: None,
            }),
        ),
        item(
            2,
            32,
            &secretariat,
            Change::CreateDialogue {
                id: d,
                details: details(l),
            },
        ),
        item(
            3,
            33,
            &secretariat,
            Change::CaptureQuestion {
                id: q,
                dialogue: d,
                number: DisplayNumber {
                    letter: secretariat.letter.clone(),
                    counter: 1,
                },
                text: QuestionText {
                    kind: QuestionKind::Petition,
                    source: QuestionSource::InHall,
                    topic: None,
                    content: "Đường liên thôn hư hỏng, đề nghị sửa chữa trước mùa mưa".to_owned(),
                },
                citizen: Citizen::Anonymous,
                captured_at: at(3),
            },
        ),
        item(4, 34, &secretariat, status("Cần trả lời bằng văn bản")),
    ];
    let now = at(60);
    let first = push(store, &secretariat, &batch, now).unwrap();
    assert_eq!(
        applied(&first),
        [Some(1), Some(2), Some(3), Some(4)],
        "{first:?}"
    );
    assert_eq!((first.last_applied_seq, first.gap.clone()), (4, None));
    let mutations: Vec<(u64, MutationId)> =
        first.results.iter().map(|r| (r.seq, r.mutation)).collect();
    assert_eq!(
        mutations,
        [
            (1, mutation_id(31)),
            (2, mutation_id(32)),
            (3, mutation_id(33)),
            (4, mutation_id(34))
        ]
    );

    // A resend (the response was lost) gets the same answer and changes nothing.
    assert_eq!(push(store, &secretariat, &batch, at(61)).unwrap(), first);
    assert_eq!(store.server_seq().unwrap(), 4);

    // The same seq with other content is a conflict, and changes nothing.
    let mut changed = batch.clone();
    changed[3] = item(4, 34, &secretariat, status("Ghi chú khác"));
    let err = push(store, &secretariat, &changed, at(62)).unwrap_err();
    assert!(matches!(err, PushError::SeqConflict { seq: 4 }), "{err:?}");
    assert_eq!(store.server_seq().unwrap(), 4);

    // A gap stops the batch: 5 is applied, 7 and 8 are not handled.
    let agency = |id, name: &str| {
        Change::UpsertAgency(Agency {
            id,
            name: name.to_owned(),
            short_name: String::new(),
            archived: false,
        })
    };
    let topic = |n| {
        Change::UpsertTopic(Topic {
            id: TopicId::from_uuid(uuid(n)),
            name: format!("Chủ đề {n}"),
            archived: false,
        })
    };
    let gapped = [
        item(5, 35, &secretariat, agency(a1, "Sở Xây dựng")),
        item(7, 37, &secretariat, topic(37)),
        item(8, 38, &secretariat, topic(38)),
    ];
    let response = push(store, &secretariat, &gapped, at(63)).unwrap();
    assert_eq!(applied(&response), [Some(5)]);
    assert_eq!(
        response.gap,
        Some(PushGap {
            expected: 6,
            found: 7
        })
    );
    assert_eq!(
        (response.last_applied_seq, store.server_seq().unwrap()),
        (5, 5)
    );

    // Assigning shares the question's earlier changes with the agency (copied into the log
    // under its tag), then logs the assignment last.
    let assign = |n, agency, minutes| Change::Assign {
        id: AssignmentId::from_uuid(uuid(n)),
        question: q,
        terms: AssignmentTerms {
            agency,
            due_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            instructions: "Trả lời bằng văn bản trước ngày 1/4".to_owned(),
        },
        assigned_at: at(minutes),
    };
    let response = push(
        store,
        &secretariat,
        &[item(6, 36, &secretariat, assign(36, a1, 20))],
        now,
    )
    .unwrap();
    let assigned = store.server_seq().unwrap();
    assert!(
        assigned > 7,
        "the capture and status change were not shared: {assigned}"
    );
    assert_eq!(applied(&response), [Some(assigned)]);

    // A recorder may not assign: rejected, and its queue still moves on. Its refused status
    // change is corrected with the server's status, right after the assignment.
    let (recorder, recorder_token) = enrol_as(store, 2, Role::Recorder, Some(l), None);
    let refused = [
        item(1, 41, &recorder, assign(41, a1, 21)),
        item(
            2,
            42,
            &recorder,
            Change::ChangeStatus {
                event: StatusEventId::from_uuid(uuid(42)),
                question: q,
                from: QuestionStatus::NeedsWrittenAnswer,
                to: QuestionStatus::Assigned,
                note: String::new(),
                at: at(22),
            },
        ),
    ];
    let response = push(store, &recorder, &refused, now).unwrap();
    let codes: Vec<Option<&str>> = response.results.iter().map(rejection).collect();
    assert_eq!(
        codes,
        [Some("forbidden"), Some("status_not_permitted")],
        "{response:?}"
    );
    assert_eq!(response.last_applied_seq, 2);
    let recorder_now = store.device_by_token(recorder_token, now).unwrap().unwrap();
    assert_eq!(recorder_now.last_applied_seq, 2);
    let end = store.server_seq().unwrap();
    assert_eq!(end, assigned + 1);

    // Everything is in the log, in order, as the server applied it.
    let log = pull_all(store);
    let seqs: Vec<u64> = log.iter().map(|e| e.server_seq).collect();
    assert_eq!(seqs, (1..=end).collect::<Vec<_>>());
    let ids = |entries: &[LogEntry]| -> Vec<MutationId> {
        entries.iter().map(|e| e.mutation.id).collect()
    };
    assert_eq!(ids(&log[..5]), [31, 32, 33, 34, 35].map(mutation_id));
    assert_eq!(
        log[0].author,
        Author {
            user: secretariat.user.id,
            role: Role::Secretariat
        }
    );
    assert_eq!(log[2].mutation, batch[2].mutation);
    // The server sets `from` to the status it held.
    assert!(matches!(
        log[3].mutation.change,
        Change::ChangeStatus {
            from: QuestionStatus::Received,
            ..
        }
    ));
    let correction = &log[log.len() - 1];
    assert_eq!(correction.author.role, Role::Recorder);
    assert!(matches!(
        correction.mutation.change,
        Change::ConfirmStatus { question, status: QuestionStatus::NeedsWrittenAnswer } if question == q
    ));
    assert_eq!(log[log.len() - 2].mutation.id, mutation_id(36));

    // The agency pulls reference data, then the shared question (each mutation once, capture
    // before status change) and what follows.
    let agency_scope = PullScope {
        everything: false,
        localities: vec![],
        agency: Some(a1),
    };
    let for_agency = store
        .pull(&agency_scope, 0, 100)
        .unwrap()
        .entries()
        .unwrap();
    let agency_seqs: Vec<u64> = for_agency.iter().map(|e| e.server_seq).collect();
    assert_eq!(
        agency_seqs,
        [1, 5].into_iter().chain(6..=end).collect::<Vec<_>>()
    );
    let shared = ids(&for_agency[2..]);
    assert_unique(&shared);
    let position = |id| shared.iter().position(|m| *m == id);
    assert!(
        position(mutation_id(33)) < position(mutation_id(34)),
        "{shared:?}"
    );
    assert!(
        position(mutation_id(34)) < position(mutation_id(36)),
        "{shared:?}"
    );
    assert!(position(mutation_id(33)).is_some(), "{shared:?}");

    // The recorder's jurisdiction covers the dialogue's commune: it pulls everything here.
    let localities = store.write(|tx| tx.localities()).unwrap();
    let recorder_scope = engine::pull_scope(&recorder_now, &localities);
    assert_eq!(
        recorder_scope,
        PullScope {
            everything: false,
            localities: vec![l],
            agency: None
        }
    );
    assert_eq!(
        store
            .pull(&recorder_scope, 0, 100)
            .unwrap()
            .entries()
            .unwrap(),
        log
    );

    // The server holds the question as the log says.
    let held = store.write(|tx| tx.entity(q.as_uuid())).unwrap();
    let Some(Entity::Question {
        question,
        agency: held_by,
        ..
    }) = held
    else {
        panic!("{held:?}")
    };
    assert_eq!(
        (question.status, held_by),
        (QuestionStatus::NeedsWrittenAnswer, Some(a1))
    );

    // Reassigning to a second agency shares each earlier mutation once, though the log now
    // holds copies of some of them.
    let reassign = [
        item(7, 47, &secretariat, agency(a2, "Sở Giáo dục và Đào tạo")),
        item(8, 48, &secretariat, assign(48, a2, 25)),
    ];
    let response = push(store, &secretariat, &reassign, now).unwrap();
    let reassigned = store.server_seq().unwrap();
    assert_eq!(applied(&response), [Some(end + 1), Some(reassigned)]);
    let second = PullScope {
        everything: false,
        localities: vec![],
        agency: Some(a2),
    };
    let page = store.pull(&second, 0, 100).unwrap().entries().unwrap();
    let shared = ids(&page[3..]);
    assert_eq!(ids(&page[..3]), [31, 35, 47].map(mutation_id));
    assert_unique(&shared);
    for id in [
        mutation_id(33),
        mutation_id(34),
        mutation_id(36),
        correction.mutation.id,
    ] {
        assert!(shared.contains(&id), "{id} was not shared: {shared:?}");
    }
    assert_eq!(shared.last(), Some(&mutation_id(48)));
}

fn assert_unique(ids: &[MutationId]) {
    let mut sorted = ids.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        ids.len(),
        "a mutation is there twice: {ids:?}"
    );
}

// Helpers.

/// Pushes through one write transaction, as the HTTP layer does: a store failure rolls it back;
/// a refused push commits nothing it did not answer for.
fn push<S: Store>(
    store: &S,
    device: &Device,
    items: &[PushItem],
    now: DateTime<Utc>,
) -> Result<PushResponse, PushError> {
    let outcome = store.write(|tx| match engine::push(tx, device, items, now) {
        Err(PushError::Store(e)) => Err(e),
        other => Ok(other),
    });
    outcome.unwrap_or_else(|e| Err(PushError::Store(e)))
}

/// The log positions of applied results; `None` for rejected ones.
fn applied(response: &PushResponse) -> Vec<Option<u64>> {
    response
        .results
        .iter()
        .map(|r| match r.outcome {
            PushOutcome::Applied { server_seq } => Some(server_seq),
            PushOutcome::Rejected { .. } => None,
        })
        .collect()
}

fn rejection(result: &PushResult) -> Option<&str> {
    match &result.outcome {
        PushOutcome::Rejected { code, .. } => Some(code),
        PushOutcome::Applied { .. } => None,
    }
}

/// A topic that a fresh secretariat device may push as its first mutation.
fn reference_item(device: &Device, seq: u64) -> PushItem {
    PushItem {
        seq,
        mutation: Mutation {
            id: mutation_id(200),
            device: device.id,
            hlc: Hlc::new(millis(at(0)), 0),
            change: Change::UpsertTopic(Topic {
                id: TopicId::from_uuid(uuid(201)),
                name: "Đất đai".to_owned(),
                archived: false,
            }),
        },
    }
}

fn pull_all<S: Store>(store: &S) -> Vec<LogEntry> {
    let scope = PullScope {
        everything: true,
        localities: vec![],
        agency: None,
    };
    store
        .pull(&scope, 0, MAX_PULL_LIMIT)
        .unwrap()
        .entries()
        .unwrap()
}

/// Appends `entry(_, n)` with `tags` in its own transaction; returns its position.
fn append<S: Store>(store: &S, n: u8, tags: Tags) -> u64 {
    store
        .write(|tx| {
            let seq = tx.next_server_seq()?;
            tx.append_change(&entry(seq, n), &tags)?;
            Ok(seq)
        })
        .unwrap()
}

/// A log entry whose mutation is `n`; the store must not care what it says.
fn entry(server_seq: u64, n: u8) -> LogEntry {
    LogEntry {
        server_seq,
        author: Author {
            user: user_id(1),
            role: Role::Secretariat,
        },
        mutation: Mutation {
            id: mutation_id(n),
            device: device_id(1),
            hlc: Hlc::new(millis(at(0)), u32::from(n)),
            change: Change::UpsertTopic(Topic {
                id: TopicId::from_uuid(uuid(n)),
                name: format!("Chủ đề {n}"),
                archived: false,
            }),
        },
    }
}

fn ledger_entry(seq: u64) -> LedgerEntry {
    LedgerEntry {
        payload_hash: [1; 32],
        result: PushResult {
            seq,
            mutation: mutation_id(1),
            outcome: PushOutcome::Applied { server_seq: 1 },
        },
    }
}

fn reference_tags() -> Tags {
    Tags {
        reference: true,
        ..Tags::default()
    }
}

fn user(n: u8, role: Role, jurisdiction: Option<LocalityId>, agency: Option<AgencyId>) -> User {
    User {
        id: user_id(n),
        name: format!("Người dùng {n}"),
        role,
        jurisdiction,
        agency,
    }
}

fn sorted_by_id(mut users: Vec<User>) -> Vec<User> {
    users.sort_by_key(|u| u.id);
    users
}

/// Creates user `n` and enrols device `n` for it; returns the device and its token hash.
fn enrol_as<S: Store>(
    store: &S,
    n: u8,
    role: Role,
    jurisdiction: Option<LocalityId>,
    agency: Option<AgencyId>,
) -> (Device, [u8; 32]) {
    let user = user(n, role, jurisdiction, agency);
    store.create_user(&user).unwrap();
    add_code(store, n, user.id, at(60));
    let device = enrol(store, n, n, at(0)).unwrap();
    (device, token_hash(n))
}

fn add_code<S: Store>(store: &S, code: u8, user: UserId, expires_at: DateTime<Utc>) {
    store
        .add_enrolment_code(&EnrolmentCode {
            code_hash: [code; 32],
            user,
            expires_at,
        })
        .unwrap();
}

/// Enrols device `n` with code `code` and token hash `token_hash(n)`.
fn enrol<S: Store>(store: &S, code: u8, n: u8, now: DateTime<Utc>) -> Result<Device, EnrolRefusal> {
    let name = format!("Máy tính bảng {n}");
    store
        .enrol([code; 32], device_id(n), &name, token_hash(n), now)
        .unwrap()
}

fn token_hash(n: u8) -> [u8; 32] {
    let mut hash = [n; 32];
    hash[0] = 0xff;
    hash
}

fn details(locality: LocalityId) -> DialogueDetails {
    DialogueDetails {
        title: "Đối thoại với Nhân dân xã Bắc Bình năm 2026".to_owned(),
        level: Level::Commune,
        locality,
        audience: "Nhân dân xã".to_owned(),
        venue: "Hội trường UBND xã".to_owned(),
        starts_at: at(24 * 60),
        hosts: "Bí thư Đảng ủy, Chủ tịch UBND xã".to_owned(),
        coordinating_bodies: String::new(),
        plan_issued_on: None,
        attendee_count: None,
    }
}

/// `minutes` after the start of every scenario.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 1, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn millis(time: DateTime<Utc>) -> u64 {
    u64::try_from(time.timestamp_millis()).unwrap()
}

/// A distinct, fixed UUID for each `n`.
fn uuid(n: u8) -> Uuid {
    uuid_v7(1_772_326_800_000, [n; 10])
}

fn user_id(n: u8) -> UserId {
    UserId::from_uuid(uuid(n))
}

fn device_id(n: u8) -> DeviceId {
    DeviceId::from_uuid(uuid(n))
}

fn mutation_id(n: u8) -> MutationId {
    MutationId::from_uuid(uuid(n))
}

fn locality(n: u8) -> LocalityId {
    LocalityId::from_uuid(uuid(n))
}

fn agency_id(n: u8) -> AgencyId {
    AgencyId::from_uuid(uuid(n))
}

fn dialogue_id(n: u8) -> DialogueId {
    DialogueId::from_uuid(uuid(n))
}

fn question_id(n: u8) -> QuestionId {
    QuestionId::from_uuid(uuid(n))
}
