//! Devices capturing offline converge with the real server over loopback.
//!
//! Each test starts `townhall-server` on 127.0.0.1 with a temporary SQLite file, enrols devices
//! with real enrolment codes, lets them capture while "offline" (not syncing), then syncs them
//! in a seeded random order until quiet, and checks that every replica holds the same
//! questions as a fresh device that pulls everything from the server: nothing lost, nothing
//! duplicated.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

use std::sync::Arc;

use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use townhall_core::{Clock, ManualClock, QuestionFilter, SystemClock};
use townhall_domain::validate::{AssignmentInput, QuestionInput};
use townhall_domain::{QuestionKind, QuestionStatus, Role};
use townhall_testkit::server::TestServer;
use townhall_tests::devices::{
    Device, capture, dialogue, enrol, enrol_agency, enrol_with_clock, refuse_an_on_site_answer,
    runtime, snapshot, sync_now, today,
};

fn converge(devices: usize, seed: u64) {
    let rt = runtime();
    let server = TestServer::start().unwrap();
    let mut rng = StdRng::seed_from_u64(seed);
    let secretariat = enrol(&rt, &server, &server.url, Role::Secretariat, "Văn phòng");
    let dialogue = dialogue(&rt, &secretariat);
    let recorders: Vec<Device> = (0..devices)
        .map(|i| {
            enrol(
                &rt,
                &server,
                &server.url,
                Role::Recorder,
                &format!("Thư ký {i}"),
            )
        })
        .collect();
    for device in &recorders {
        sync_now(&rt, device);
    }

    // Offline: every recorder captures; none syncs.
    let mut captured = Vec::new();
    for round in 0..6 {
        for (i, device) in recorders.iter().enumerate() {
            if rng.random_bool(0.8) {
                captured.push(capture(device, dialogue, &mut rng, round * 100 + i));
            }
        }
    }

    // Back online in a random order, some devices several times.
    let mut order: Vec<usize> = (0..devices).flat_map(|i| [i, i]).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    for i in order {
        sync_now(&rt, &recorders[i]);
    }

    // The secretariat sorts some questions while recorders keep capturing.
    sync_now(&rt, &secretariat);
    let agency = secretariat.replica.lock().unwrap().agencies(false).unwrap()[0].id;
    {
        let mut replica = secretariat.replica.lock().unwrap();
        for id in captured.iter().step_by(3) {
            if replica.question(*id).unwrap().question.status == QuestionStatus::Received {
                let due_on = today() + Duration::days(15);
                replica
                    .assign(
                        *id,
                        &AssignmentInput {
                            agency,
                            due_on,
                            instructions: "Trả lời bằng văn bản".to_owned(),
                        },
                    )
                    .unwrap();
            }
        }
    }
    for (i, device) in recorders.iter().enumerate() {
        captured.push(capture(device, dialogue, &mut rng, 1_000 + i));
    }
    for _ in 0..2 {
        sync_now(&rt, &secretariat);
        for device in &recorders {
            sync_now(&rt, device);
        }
    }

    let observer = enrol(&rt, &server, &server.url, Role::Secretariat, "Quan sát");
    sync_now(&rt, &observer);
    let expected = snapshot(&observer);
    assert_eq!(
        expected.len(),
        captured.len(),
        "every capture reached the server once"
    );
    for id in &captured {
        assert!(expected.contains_key(id), "capture {id} was lost");
    }
    let assigned = expected
        .values()
        .filter(|q| q.2 == QuestionStatus::Assigned)
        .count();
    assert!(
        assigned > 0,
        "the secretariat's assignments reached the server"
    );
    assert_eq!(
        snapshot(&secretariat),
        expected,
        "the secretariat's replica differs from the server"
    );
    assert_eq!(
        secretariat
            .replica
            .lock()
            .unwrap()
            .sync_status()
            .unwrap()
            .rejected,
        0
    );
    for (i, device) in recorders.iter().enumerate() {
        assert_eq!(
            snapshot(device),
            expected,
            "recorder {i}'s replica differs from the server"
        );
        let status = device.replica.lock().unwrap().sync_status().unwrap();
        assert_eq!((status.unsent, status.rejected), (0, 0), "recorder {i}");
        assert!(status.last_success_at.is_some() && status.last_error.is_none());
    }
    // What a sync brought can be found when the sync returns: the observer's search index,
    // written beside the pull, holds every question pulled.
    {
        let replica = observer.replica.lock().unwrap();
        for (id, question) in &expected {
            let hits = replica
                .search(&question.0, &QuestionFilter::default(), 5)
                .unwrap();
            assert!(
                hits.iter().any(|hit| hit.row.id == *id),
                "question {} is not found by its number",
                question.0
            );
        }
    }
    // Numbers are unique across devices that never talked to each other.
    let mut numbers: Vec<&String> = expected.values().map(|q| &q.0).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), expected.len());
}

#[test]
fn two_devices_capturing_offline_converge() {
    converge(2, 7);
}

#[test]
fn five_devices_capturing_offline_converge() {
    converge(5, 11);
}

#[test]
fn a_status_change_the_server_refuses_is_reported_and_corrected() {
    let rt = runtime();
    let server = TestServer::start().unwrap();
    let secretariat = enrol(&rt, &server, &server.url, Role::Secretariat, "Văn phòng");
    let dialogue = dialogue(&rt, &secretariat);
    let recorder = enrol(&rt, &server, &server.url, Role::Recorder, "Thư ký");
    sync_now(&rt, &recorder);
    let mut rng = StdRng::seed_from_u64(3);
    let id = capture(&recorder, dialogue, &mut rng, 1);
    sync_now(&rt, &recorder);
    sync_now(&rt, &secretariat);
    // The secretariat merges it while the recorder, offline, answers it on the spot.
    let report = refuse_an_on_site_answer(&rt, &secretariat, &recorder, dialogue, id, &mut rng);
    assert_eq!(report.rejected, 1);
    let replica = recorder.replica.lock().unwrap();
    let rejected = replica.rejected_mutations().unwrap();
    assert_eq!(rejected[0].code, "status_not_allowed");
    assert!(
        rejected[0].reason.contains("`merged`"),
        "{}",
        rejected[0].reason
    );
    assert_eq!(
        replica.question(id).unwrap().question.status,
        QuestionStatus::Merged,
        "the server's status wins"
    );
}

#[test]
fn devices_a_year_ahead_and_a_year_behind_converge() {
    let rt = runtime();
    let server = TestServer::start().unwrap();
    let now = SystemClock.now();
    let year = Duration::days(365);
    let secretariat = enrol(&rt, &server, &server.url, Role::Secretariat, "Văn phòng");
    let dialogue = dialogue(&rt, &secretariat);
    let clock = |at| -> Arc<dyn Clock> { Arc::new(ManualClock::new(at, 1)) };
    let ahead = enrol_with_clock(
        &rt,
        &server,
        &server.url,
        Role::Secretariat,
        "Sớm",
        clock(now + year),
    );
    let behind = enrol_with_clock(
        &rt,
        &server,
        &server.url,
        Role::Secretariat,
        "Muộn",
        clock(now - year),
    );
    let devices = [&secretariat, &ahead, &behind];
    for device in devices {
        sync_now(&rt, device);
    }
    let mut rng = StdRng::seed_from_u64(9);
    let ids: Vec<_> = devices
        .iter()
        .enumerate()
        .map(|(i, d)| capture(d, dialogue, &mut rng, i))
        .collect();
    for device in devices.iter().chain(&devices) {
        sync_now(&rt, device);
    }
    // Everyone edits every question, in turn, syncing in between.
    for (round, editor) in devices.iter().enumerate() {
        for id in &ids {
            let input = QuestionInput {
                kind: Some(QuestionKind::Proposal),
                content: format!("Sửa lần {round}"),
                ..Default::default()
            };
            editor
                .replica
                .lock()
                .unwrap()
                .edit_question(*id, &input)
                .unwrap();
        }
        sync_now(&rt, editor);
        for device in devices {
            sync_now(&rt, device);
        }
    }
    for device in devices {
        sync_now(&rt, device);
    }
    let expected = snapshot(&secretariat);
    assert_eq!(
        snapshot(&ahead),
        expected,
        "the device a year ahead diverged"
    );
    assert_eq!(
        snapshot(&behind),
        expected,
        "the device a year behind diverged"
    );
    // The device a year behind saw the others' edits before making its own, so its clock
    // moved past theirs and its edit, the last one, stands everywhere.
    assert!(
        expected.values().all(|q| q.1 == "Sửa lần 2"),
        "{expected:?}"
    );
}

#[test]
fn an_agency_sees_only_what_is_assigned_to_it_and_answers_in_writing() {
    let rt = runtime();
    let server = TestServer::start().unwrap();
    let secretariat = enrol(&rt, &server, &server.url, Role::Secretariat, "Văn phòng");
    let dialogue = dialogue(&rt, &secretariat);
    let mut rng = StdRng::seed_from_u64(4);
    let ids: Vec<_> = (0..4)
        .map(|n| capture(&secretariat, dialogue, &mut rng, n))
        .collect();
    let agencies = secretariat.replica.lock().unwrap().agencies(false).unwrap();
    let (ours, theirs) = (agencies[0].id, agencies[1].id);
    {
        let mut replica = secretariat.replica.lock().unwrap();
        for (id, agency) in [(ids[0], ours), (ids[1], ours), (ids[2], theirs)] {
            if replica.question(id).unwrap().question.status == QuestionStatus::Received {
                let terms = AssignmentInput {
                    agency,
                    due_on: today() + Duration::days(10),
                    instructions: String::new(),
                };
                replica.assign(id, &terms).unwrap();
            }
        }
    }
    sync_now(&rt, &secretariat);
    let agency = enrol_agency(&rt, &server, ours, "Sở");
    sync_now(&rt, &agency);
    let seen: Vec<_> = snapshot(&agency).into_keys().collect();
    let mut expected = vec![ids[0], ids[1]];
    expected.sort();
    assert_eq!(
        seen, expected,
        "an agency pulls only the questions assigned to it"
    );
    assert_eq!(
        agency.replica.lock().unwrap().dialogues().unwrap().len(),
        1,
        "with their dialogue"
    );

    let written = townhall_domain::validate::AnswerInput {
        mode: townhall_domain::AnswerMode::Written,
        answered_by: "Sở".to_owned(),
        agency: Some(ours),
        content: "Trả lời bằng văn bản".to_owned(),
        document_number: Some("12/TL".to_owned()),
        document_date: Some(today()),
    };
    agency
        .replica
        .lock()
        .unwrap()
        .add_answer(ids[0], &written)
        .unwrap();
    let report = sync_now(&rt, &agency);
    assert_eq!(report.rejected, 0);
    sync_now(&rt, &secretariat);
    let detail = secretariat
        .replica
        .lock()
        .unwrap()
        .question(ids[0])
        .unwrap();
    assert_eq!(detail.question.status, QuestionStatus::Answered);
    assert_eq!(
        detail.answers.last().unwrap().body.content,
        "Trả lời bằng văn bản"
    );
    // Answering a question of another agency is refused by the server.
    let err = agency
        .replica
        .lock()
        .unwrap()
        .add_answer(ids[2], &written)
        .unwrap_err();
    assert_eq!(
        err.code(),
        "not_found",
        "the agency's replica does not even hold it"
    );
}

#[test]
fn the_policy_checklists_and_repeat_links_reach_every_device_in_scope() {
    let rt = runtime();
    let server = TestServer::start().unwrap();
    let admin = enrol(&rt, &server, &server.url, Role::Admin, "Quản trị");
    let secretariat = enrol(&rt, &server, &server.url, Role::Secretariat, "Văn phòng");
    let policy = townhall_domain::followup::FollowUpPolicy {
        answer_working_days: 10,
        escalate_after_working_days: 3,
        ..Default::default()
    };
    admin.replica.lock().unwrap().set_policy(&policy).unwrap();
    sync_now(&rt, &admin);
    assert_eq!(
        admin
            .replica
            .lock()
            .unwrap()
            .rejected_mutations()
            .unwrap()
            .len(),
        0
    );

    let dialogue = dialogue(&rt, &secretariat);
    let mut rng = StdRng::seed_from_u64(7);
    let earlier = capture(&secretariat, dialogue, &mut rng, 1);
    let later = capture(&secretariat, dialogue, &mut rng, 2);
    {
        let mut replica = secretariat.replica.lock().unwrap();
        replica.add_standard_checklist(dialogue).unwrap();
        replica.link_repeat(later, Some(earlier)).unwrap();
    }
    sync_now(&rt, &secretariat);
    sync_now(&rt, &secretariat);
    assert_eq!(
        secretariat.replica.lock().unwrap().policy().unwrap(),
        policy
    );
    assert_eq!(
        secretariat
            .replica
            .lock()
            .unwrap()
            .rejected_mutations()
            .unwrap()
            .len(),
        0
    );

    // A leader's laptop enrolled afterwards pulls all of it.
    let leader = enrol(&rt, &server, &server.url, Role::Leader, "Lãnh đạo");
    sync_now(&rt, &leader);
    let replica = leader.replica.lock().unwrap();
    assert_eq!(replica.policy().unwrap(), policy);
    let plan = replica.dialogue_plan(dialogue).unwrap();
    assert_eq!(
        plan.tasks.len(),
        townhall_domain::followup::STANDARD_CHECKLIST.len()
    );
    assert_eq!(
        replica.question(later).unwrap().question.repeat_of,
        Some(earlier)
    );
    let chain: Vec<_> = replica
        .question(earlier)
        .unwrap()
        .repeats
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(chain, [earlier, later]);
}
