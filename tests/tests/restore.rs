//! A server restored from an older backup: devices notice, start over, and send again what the
//! server lost, so nothing captured is lost; replicas forget what the restored server no longer
//! has; and changes that depend on another device's lost change apply once that change is back,
//! whichever device syncs first.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::Duration;
use rand::SeedableRng;
use rand::rngs::StdRng;
use townhall_core::QuestionFilter;
use townhall_domain::validate::{AnswerInput, AssignmentInput, QuestionInput};
use townhall_domain::{AnswerMode, QuestionKind, QuestionStatus, Role};
use townhall_server::store::Store;
use townhall_testkit::server::TestServer;
use townhall_tests::devices::{
    Device, capture, dialogue, enrol, runtime, snapshot, sync_now, today,
};

/// A server on a database file that can be backed up and restored, on a fixed address.
struct Restorable {
    _dir: tempfile::TempDir,
    db: PathBuf,
    backup: PathBuf,
    addr: SocketAddr,
    server: TestServer,
}

impl Restorable {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("server.sqlite3");
        let backup = dir.path().join("backup.sqlite3");
        let server = TestServer::start_on(&db, "127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = server.addr;
        Self {
            _dir: dir,
            db,
            backup,
            addr,
            server,
        }
    }

    /// The nightly backup.
    fn back_up(&self) {
        let _ = std::fs::remove_file(&self.backup);
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.execute("VACUUM INTO ?1", [self.backup.to_str().unwrap()])
            .unwrap();
    }

    /// The disk fails; the administrator restores the backup, which gives the server a new
    /// epoch.
    fn restore(&mut self) {
        let epoch_before = self.server.store.epoch().unwrap();
        self.server.stop();
        restore_file(&self.backup, &self.db);
        self.server = TestServer::start_on(&self.db, self.addr).unwrap();
        self.server.store.rotate_epoch().unwrap();
        assert_ne!(self.server.store.epoch().unwrap(), epoch_before);
    }
}

fn restore_file(backup: &Path, db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(backup, db).unwrap();
}

/// What the server holds, as a device that has never synced before sees it.
fn server_view(
    rt: &tokio::runtime::Runtime,
    server: &TestServer,
) -> townhall_tests::devices::Snapshot {
    let observer = enrol(rt, server, &server.url, Role::Secretariat, "Quan sát");
    sync_now(rt, &observer);
    snapshot(&observer)
}

fn refused(device: &Device) -> Vec<String> {
    device
        .replica
        .lock()
        .unwrap()
        .rejected_mutations()
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {}: {}", r.mutation.change.kind(), r.code, r.reason))
        .collect()
}

fn terms(device: &Device, days: i64) -> AssignmentInput {
    let agency = device.replica.lock().unwrap().agencies(false).unwrap()[0].id;
    AssignmentInput {
        agency,
        due_on: today() + Duration::days(days),
        instructions: "Trả lời bằng văn bản".to_owned(),
    }
}

fn reworded(content: &str) -> QuestionInput {
    QuestionInput {
        kind: Some(QuestionKind::Petition),
        content: content.to_owned(),
        ..Default::default()
    }
}

#[test]
fn a_refetch_forgets_what_the_restored_server_lost() {
    let rt = runtime();
    let mut server = Restorable::start();
    let mut rng = StdRng::seed_from_u64(7);
    let lost_tablet = enrol(
        &rt,
        &server.server,
        &server.server.url,
        Role::Secretariat,
        "Văn phòng 1",
    );
    let dialogue = dialogue(&rt, &lost_tablet);
    let recorder = enrol(
        &rt,
        &server.server,
        &server.server.url,
        Role::Recorder,
        "Thư ký",
    );
    sync_now(&rt, &recorder);
    let question = capture(&recorder, dialogue, &mut rng, 1);
    sync_now(&rt, &recorder);
    sync_now(&rt, &lost_tablet);
    let other = enrol(
        &rt,
        &server.server,
        &server.server.url,
        Role::Secretariat,
        "Văn phòng 2",
    );
    sync_now(&rt, &other);
    let original = lost_tablet
        .replica
        .lock()
        .unwrap()
        .question(question)
        .unwrap()
        .question
        .content;
    server.back_up();

    // After the backup: the secretariat rewords the question, assigns it and plans a second
    // dialogue; another secretariat device pulls all of it.
    let assignment = terms(&lost_tablet, 10);
    {
        let mut replica = lost_tablet.replica.lock().unwrap();
        replica
            .edit_question(question, &reworded("Đường liên thôn Tân Lập ngập úng"))
            .unwrap();
        replica.assign(question, &assignment).unwrap();
    }
    let planned = self::dialogue(&rt, &lost_tablet);
    sync_now(&rt, &other);
    let dialogues = |device: &Device| -> Vec<_> {
        let replica = device.replica.lock().unwrap();
        let mut ids: Vec<_> = replica
            .dialogues()
            .unwrap()
            .into_iter()
            .map(|d| d.dialogue.id)
            .collect();
        ids.sort();
        ids
    };
    let mut both = vec![dialogue, planned];
    both.sort();
    assert_eq!(dialogues(&other), both);
    let before = other.replica.lock().unwrap().question(question).unwrap();
    assert_eq!(before.question.content, "Đường liên thôn Tân Lập ngập úng");
    assert_eq!(before.assignments.len(), 1);

    // The restore loses that work, and its tablet never comes back to send it again.
    server.restore();
    let report = sync_now(&rt, &other);
    assert!(report.restarted);
    sync_now(&rt, &recorder);
    sync_now(&rt, &other);

    let expected = server_view(&rt, &server.server);
    assert_eq!(expected[&question].1, original);
    assert_eq!(expected[&question].2, QuestionStatus::Received);
    assert_eq!(snapshot(&other), expected);
    assert_eq!(snapshot(&recorder), expected);
    assert_eq!(dialogues(&other), [dialogue]);
    let replica = other.replica.lock().unwrap();
    let detail = replica.question(question).unwrap();
    assert_eq!(detail.question.content, original);
    assert!(detail.assignments.is_empty());
    // The search index forgot the lost wording too.
    let hits = |query: &str| {
        replica
            .search(query, &QuestionFilter::default(), 10)
            .unwrap()
            .into_iter()
            .map(|h| h.row.id)
            .collect::<Vec<_>>()
    };
    assert!(hits("tan lap").is_empty());
    assert_eq!(hits("bac binh"), [question]);
    drop(replica);
    assert!(refused(&other).is_empty());
}

#[test]
fn changes_that_need_another_devices_lost_change_apply_when_it_is_back() {
    let rt = runtime();
    let mut server = Restorable::start();
    let mut rng = StdRng::seed_from_u64(8);
    let assigner = enrol(
        &rt,
        &server.server,
        &server.server.url,
        Role::Secretariat,
        "Văn phòng 1",
    );
    let dialogue = dialogue(&rt, &assigner);
    let recorder = enrol(
        &rt,
        &server.server,
        &server.server.url,
        Role::Recorder,
        "Thư ký",
    );
    let editor = enrol(
        &rt,
        &server.server,
        &server.server.url,
        Role::Secretariat,
        "Văn phòng 2",
    );
    sync_now(&rt, &recorder);
    let first = capture(&recorder, dialogue, &mut rng, 1);
    sync_now(&rt, &recorder);
    sync_now(&rt, &assigner);
    server.back_up();

    // After the backup: one device assigns the first question and the recorder captures a
    // second; another device, having pulled both, moves the due date and answers the second
    // question on the spot.
    let first_terms = terms(&assigner, 10);
    let assignment = assigner
        .replica
        .lock()
        .unwrap()
        .assign(first, &first_terms)
        .unwrap();
    sync_now(&rt, &assigner);
    let second = capture(&recorder, dialogue, &mut rng, 2);
    sync_now(&rt, &recorder);
    sync_now(&rt, &editor);
    let moved = terms(&editor, 20);
    {
        let mut replica = editor.replica.lock().unwrap();
        replica.edit_assignment(assignment, &moved).unwrap();
        replica
            .add_answer(
                second,
                &AnswerInput {
                    mode: AnswerMode::OnSite,
                    answered_by: "Chủ tịch UBND xã".to_owned(),
                    agency: None,
                    content: "Đã trả lời tại hội nghị".to_owned(),
                    document_number: None,
                    document_date: None,
                },
            )
            .unwrap();
    }
    sync_now(&rt, &editor);

    // After the restore the editor sends its changes again first: what they need is not back.
    server.restore();
    let report = sync_now(&rt, &editor);
    assert!(report.restarted);
    assert_eq!(report.rejected, 3, "{:?}", refused(&editor));
    // Then the others send theirs, and the editor's go again.
    sync_now(&rt, &assigner);
    sync_now(&rt, &recorder);
    let report = sync_now(&rt, &editor);
    assert_eq!(report.rejected, 0, "{:?}", refused(&editor));
    for device in [&assigner, &recorder, &editor] {
        sync_now(&rt, device);
    }

    let expected = server_view(&rt, &server.server);
    let (_, _, status, answers, assignments, _) = &expected[&first];
    assert_eq!(*status, QuestionStatus::Assigned);
    assert_eq!(answers.len(), 0);
    assert_eq!(
        assignments,
        &[format!(
            "{}:{}",
            terms(&editor, 20).agency,
            today() + Duration::days(20)
        )]
    );
    let (_, _, status, answers, _, _) = &expected[&second];
    assert_eq!(*status, QuestionStatus::AnsweredOnSite);
    assert_eq!(answers, &["on_site:Đã trả lời tại hội nghị".to_owned()]);
    for (name, device) in [
        ("assigner", &assigner),
        ("recorder", &recorder),
        ("editor", &editor),
    ] {
        assert_eq!(snapshot(device), expected, "{name}");
        assert!(refused(device).is_empty(), "{name}: {:?}", refused(device));
        assert_eq!(
            device.replica.lock().unwrap().sync_status().unwrap().unsent,
            0,
            "{name}"
        );
    }
}

#[test]
fn unsent_changes_survive_a_refetch() {
    let rt = runtime();
    let mut server = Restorable::start();
    let mut rng = StdRng::seed_from_u64(9);
    let secretariat = enrol(
        &rt,
        &server.server,
        &server.server.url,
        Role::Secretariat,
        "Văn phòng",
    );
    let dialogue = dialogue(&rt, &secretariat);
    let recorder = enrol(
        &rt,
        &server.server,
        &server.server.url,
        Role::Recorder,
        "Thư ký",
    );
    sync_now(&rt, &recorder);
    let kept = capture(&recorder, dialogue, &mut rng, 1);
    sync_now(&rt, &recorder);
    server.back_up();
    let lost = capture(&recorder, dialogue, &mut rng, 2);
    sync_now(&rt, &recorder);
    server.restore();

    // Offline, not knowing of the restore, the recorder rewords both questions and captures a
    // third.
    let added = {
        let mut replica = recorder.replica.lock().unwrap();
        replica
            .edit_question(kept, &reworded("Nước sạch về thôn 3"))
            .unwrap();
        replica
            .edit_question(lost, &reworded("Chợ xã xuống cấp"))
            .unwrap();
        drop(replica);
        capture(&recorder, dialogue, &mut rng, 3)
    };
    // A refetch interrupted right after it began (the app closed): the replica holds only the
    // unsent changes whose records are here, and the next sync finishes the refetch.
    {
        let mut replica = recorder.replica.lock().unwrap();
        let config = replica.sync_config().unwrap().unwrap();
        replica.restart_sync(&config.epoch, 0).unwrap();
    }
    assert!(
        snapshot(&recorder).is_empty(),
        "the dialogue comes back with the refetch, and the questions with it"
    );
    let report = sync_now(&rt, &recorder);
    assert!(report.restarted);
    assert_eq!(report.rejected, 0, "{:?}", refused(&recorder));
    sync_now(&rt, &secretariat);

    let expected = server_view(&rt, &server.server);
    assert_eq!(expected.len(), 3);
    assert_eq!(expected[&kept].1, "Nước sạch về thôn 3");
    assert_eq!(expected[&lost].1, "Chợ xã xuống cấp");
    assert!(expected.contains_key(&added));
    assert_eq!(snapshot(&recorder), expected);
    assert_eq!(snapshot(&secretariat), expected);
}

#[test]
fn devices_resend_what_a_restored_server_lost() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    let backup = dir.path().join("backup.sqlite3");
    let mut server = TestServer::start_on(&db, "127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr;
    let mut rng = StdRng::seed_from_u64(5);
    let secretariat = enrol(&rt, &server, &server.url, Role::Secretariat, "Văn phòng");
    let dialogue = dialogue(&rt, &secretariat);
    let devices: Vec<Device> = (0..2)
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
    let mut captured = Vec::new();
    for (i, device) in devices.iter().enumerate() {
        sync_now(&rt, device);
        captured.push(capture(device, dialogue, &mut rng, i));
        sync_now(&rt, device);
    }
    // The nightly backup.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("VACUUM INTO ?1", [backup.to_str().unwrap()])
        .unwrap();
    drop(conn);
    let epoch_before = server.store.epoch().unwrap();

    // A day of work that the backup does not hold.
    for (i, device) in devices.iter().enumerate() {
        captured.push(capture(device, dialogue, &mut rng, 10 + i));
        captured.push(capture(device, dialogue, &mut rng, 20 + i));
        sync_now(&rt, device);
    }
    sync_now(&rt, &secretariat);

    // The disk fails; the administrator restores the backup, which gives the server a new epoch.
    server.stop();
    drop(server);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(&backup, &db).unwrap();
    let server = TestServer::start_on(&db, addr).unwrap();
    server.store.rotate_epoch().unwrap();
    assert_ne!(server.store.epoch().unwrap(), epoch_before);

    for device in devices.iter().chain([&secretariat]) {
        let report = sync_now(&rt, device);
        assert!(report.restarted, "a device must notice the restore");
    }
    for device in devices.iter().chain([&secretariat]) {
        sync_now(&rt, device);
    }
    let observer = enrol(&rt, &server, &server.url, Role::Secretariat, "Quan sát");
    sync_now(&rt, &observer);
    let expected = snapshot(&observer);
    for id in &captured {
        assert!(
            expected.contains_key(id),
            "capture {id} was lost in the restore"
        );
    }
    assert_eq!(expected.len(), captured.len());
    for (i, device) in devices.iter().enumerate() {
        assert_eq!(snapshot(device), expected, "device {i}");
    }
    assert_eq!(snapshot(&secretariat), expected);
}
