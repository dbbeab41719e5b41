//! The device's log and the support report, against the real server.
//!
//! A test binary of its own: `tracing` caches whether a log line is wanted per call site for
//! the whole process, so a subscriber scoped to one test sees every line only when no other
//! test races it to a call site.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

use rand::SeedableRng;
use rand::rngs::StdRng;
use townhall_core::CaptureInput;
use townhall_core::diagnostics::{AppFacts, LogFile, report};
use townhall_domain::validate::{CitizenInput, QuestionInput};
use townhall_domain::{QuestionKind, Role};
use townhall_testkit::server::TestServer;
use townhall_tests::devices::{dialogue, enrol, refuse_an_on_site_answer, runtime, sync_now};

/// The device's log tells support what the sync did (enrolment, migrations, syncs, a change
/// the server refused) and the report a user copies carries it, while neither holds the
/// citizen's name or phone, the question's text or the device's token.
#[test]
fn the_device_log_and_support_report_say_what_happened_and_nothing_personal() {
    let logs = tempfile::tempdir().unwrap();
    let log = LogFile::open(logs.path()).unwrap();
    let (recorder_report, token) = tracing::subscriber::with_default(log.subscriber(), || {
        let rt = runtime();
        let server = TestServer::start().unwrap();
        let secretariat = enrol(&rt, &server, &server.url, Role::Secretariat, "Văn phòng");
        let dialogue = dialogue(&rt, &secretariat);
        let recorder = enrol(&rt, &server, &server.url, Role::Recorder, "Thư ký");
        sync_now(&rt, &recorder);
        let id = recorder
            .replica
            .lock()
            .unwrap()
            .capture(&CaptureInput {
                dialogue,
                question: QuestionInput {
                    kind: Some(QuestionKind::Petition),
                    content: "Đường liên thôn Suối Nghệ ngập sâu mỗi mùa mưa".to_owned(),
                    citizen: CitizenInput {
                        name: Some("Phạm Thị Diệu Linh".to_owned()),
                        phone: Some("0987 654 321".to_owned()),
                        ..Default::default()
                    },
                    ..Default::default()
                },
                answered_on_site: None,
            })
            .unwrap()
            .id;
        sync_now(&rt, &recorder);
        sync_now(&rt, &secretariat);
        // A change the server refuses: answered on the spot by the recorder, offline, after
        // the secretariat merged the question.
        let mut rng = StdRng::seed_from_u64(5);
        let refused =
            refuse_an_on_site_answer(&rt, &secretariat, &recorder, dialogue, id, &mut rng);
        assert_eq!(refused.rejected, 1);
        let replica = recorder.replica.lock().unwrap();
        let facts = AppFacts {
            app_version: "test".to_owned(),
            log_dir: Some(logs.path().to_path_buf()),
        };
        let token = replica.sync_config().unwrap().unwrap().token;
        (report(&replica, &facts).unwrap(), token)
    });
    let file = std::fs::read_to_string(logs.path().join("townhall.log")).unwrap();
    for expected in [
        "replica migrated",
        "enrolled",
        "sync done",
        "the server refused a change",
        "status_not_allowed",
    ] {
        assert!(
            file.contains(expected),
            "the log lacks {expected:?}:\n{file}"
        );
        assert!(
            recorder_report.contains(expected),
            "the report lacks {expected:?}:\n{recorder_report}"
        );
    }
    assert!(
        recorder_report.contains("refused: seq") && recorder_report.contains("change_status"),
        "{recorder_report}"
    );
    for personal in [
        "Phạm Thị Diệu Linh",
        "Diệu Linh",
        "0987",
        "654 321",
        "Suối Nghệ",
        "Nguyễn Văn",
        "0912345678",
        token.as_str(),
    ] {
        assert!(!file.contains(personal), "the log holds {personal:?}");
        assert!(
            !recorder_report.contains(personal),
            "the report holds {personal:?}"
        );
    }
}
