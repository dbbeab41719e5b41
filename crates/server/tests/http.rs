//! The sync API end to end over a real SQLite file: every request goes through the whole
//! router (layers included) with `oneshot`, and one test runs over real TCP.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers are not #[test] functions; a failed unwrap fails the test"
)]

mod common;

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, TimeDelta, Utc};
use http_body_util::BodyExt;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::wire::{
    EnrolResponse, ErrorBody, HealthResponse, PullResponse, PushItem, PushOutcome, PushResponse,
    StatusResponse,
};
use townhall_domain::{
    DeviceId, DialogueDetails, DialogueId, Level, Locality, LocalityId, MutationId, QuestionId,
    Role, Topic, TopicId,
};
use townhall_server::auth::EnrolmentCode;
use townhall_server::http::{self, AppState};
use townhall_server::store::sqlite::SqliteStore;
use townhall_server::store::{self, Store, User};

use common::{
    Device, Harness, Reply, enrol_request, from, id, raw_request, request, settings, start,
};

impl Harness {
    async fn pull(&self, device: &Device, query: &str) -> Reply {
        self.send(request(
            Method::GET,
            &format!("/v1/pull?{query}"),
            Some(&device.token),
            "",
        ))
        .await
    }

    /// What is stored, as far as a failed request could have changed it.
    fn stored(&self, device: &Device) -> (u64, u64) {
        let last_applied = self
            .store
            .devices()
            .unwrap()
            .into_iter()
            .find(|d| d.id == device.id)
            .unwrap()
            .last_applied_seq;
        (self.store.server_seq().unwrap(), last_applied)
    }
}

fn locality(n: u8, parent: Option<LocalityId>) -> Locality {
    let level = if parent.is_some() {
        Level::Commune
    } else {
        Level::Province
    };
    Locality {
        id: LocalityId::from_uuid(id(n.into())),
        name: format!("Địa phương {n}"),
        level,
        parent,
    }
}

fn create_dialogue(n: u8, locality: LocalityId) -> Change {
    Change::CreateDialogue {
        id: DialogueId::from_uuid(id(n.into())),
        details: DialogueDetails {
            title: format!("Đối thoại với nhân dân số {n}"),
            level: Level::Commune,
            locality,
            audience: "Nhân dân trong xã".to_owned(),
            venue: "Hội trường UBND xã".to_owned(),
            starts_at: start(),
            hosts: "Bí thư Đảng ủy, Chủ tịch UBND xã".to_owned(),
            coordinating_bodies: String::new(),
            plan_issued_on: None,
            attendee_count: None,
        },
    }
}

fn topic(n: u8, name: &str) -> Change {
    Change::UpsertTopic(Topic {
        id: TopicId::from_uuid(id(n.into())),
        name: name.to_owned(),
        archived: false,
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn page(response: PullResponse) -> (Vec<townhall_domain::wire::LogEntry>, u64, bool) {
    match response {
        PullResponse::Page {
            changes,
            next,
            more,
            ..
        } => (changes, next, more),
        PullResponse::Refetch { .. } => panic!("expected a page, got {response:?}"),
    }
}

#[tokio::test]
async fn health_answers_with_the_version() {
    let server = Harness::new();
    let reply = server
        .send(Request::get("/v1/health").body(Body::empty()).unwrap())
        .await;
    let health: HealthResponse = reply.json(StatusCode::OK);
    assert_eq!(
        health,
        HealthResponse {
            status: "ok".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned()
        }
    );
    assert!(
        reply.headers.contains_key("x-request-id"),
        "every response carries its request id"
    );
}

#[tokio::test]
async fn enrolment_gives_a_token_once_per_code() {
    let server = Harness::new();
    let code = server.issue_code(Role::Recorder, None, TimeDelta::hours(24));
    // Typed sloppily: lower case, spaces instead of dashes.
    let typed = code.to_lowercase().replace('-', " ");
    let reply = server
        .send(enrol_request(&typed, "  Máy tính bảng 3 "))
        .await;
    let enrolled: EnrolResponse = reply.json(StatusCode::OK);
    assert_eq!(enrolled.token.len(), 64);
    assert_eq!(enrolled.letter.as_str(), "A");
    assert_eq!(enrolled.role, Role::Recorder);
    assert_eq!(enrolled.user_name, "Nguyễn Văn recorder");
    assert_eq!(enrolled.epoch, server.store.epoch().unwrap());
    let device = server.store.devices().unwrap().pop().unwrap();
    assert_eq!(
        (device.id, device.name.as_str()),
        (enrolled.device, "Máy tính bảng 3")
    );

    // The token works.
    let status = server
        .send(request(
            Method::GET,
            "/v1/status",
            Some(&enrolled.token),
            "",
        ))
        .await;
    let status: StatusResponse = status.json(StatusCode::OK);
    assert_eq!(
        (status.device, status.last_applied_seq, status.server_seq),
        (enrolled.device, 0, 0)
    );

    server
        .send(enrol_request(&code, "again"))
        .await
        .error(StatusCode::GONE, "code_used");
    assert_eq!(server.store.devices().unwrap().len(), 1);
}

#[tokio::test]
async fn enrolment_refusals() {
    let server = Harness::new();
    let expiring = server.issue_code(Role::Leader, None, TimeDelta::hours(1));
    let unknown = EnrolmentCode::generate(&mut StdRng::seed_from_u64(9)).grouped();
    server
        .send(enrol_request(&unknown, "tablet"))
        .await
        .error(StatusCode::UNAUTHORIZED, "bad_code");
    server
        .send(enrol_request("not a code", "tablet"))
        .await
        .error(StatusCode::UNAUTHORIZED, "bad_code");
    let body = server
        .send(enrol_request(&expiring, ""))
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(body.message.contains("device_name"), "{}", body.message);
    // A NUL (which PostgreSQL cannot store) or any other control character is refused here,
    // before it reaches a store, and the code stays usable.
    let body = server
        .send(enrol_request(&expiring, "Máy\u{0}"))
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(
        body.message.contains("control character U+0000"),
        "{}",
        body.message
    );
    server.advance(TimeDelta::hours(2));
    server
        .send(enrol_request(&expiring, "tablet"))
        .await
        .error(StatusCode::GONE, "code_expired");
    assert!(server.store.devices().unwrap().is_empty());
}

#[tokio::test]
async fn enrolment_is_rate_limited_per_client() {
    let server = Harness::with(|s| s.enrol_per_minute = 3);
    for _ in 0..3 {
        let reply = server
            .send(from("192.0.2.1:5000", enrol_request("WRONG", "tablet")))
            .await;
        reply.error(StatusCode::UNAUTHORIZED, "bad_code");
    }
    let code = server.issue_code(Role::Recorder, None, TimeDelta::hours(24));
    // Even the right code waits: an attacker cannot tell a hit from a miss while limited.
    let limited = server
        .send(from("192.0.2.1:5001", enrol_request(&code, "tablet")))
        .await;
    limited.error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(limited.headers[header::RETRY_AFTER], "20");
    // Malformed attempts count too.
    server
        .send(from(
            "192.0.2.1:5002",
            request(Method::POST, "/v1/enrol", None, "{"),
        ))
        .await
        .error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");

    let other = server
        .send(from("198.51.100.7:5000", enrol_request(&code, "tablet")))
        .await;
    let _: EnrolResponse = other.json(StatusCode::OK);

    server.advance(TimeDelta::seconds(20));
    let again = server
        .send(from("192.0.2.1:5003", enrol_request("WRONG", "tablet")))
        .await;
    again.error(StatusCode::UNAUTHORIZED, "bad_code");
}

/// Every authenticated endpoint refuses every kind of bad token the same way.
#[tokio::test]
async fn the_auth_matrix() {
    let server = Harness::new();
    let good = server.enrol(Role::Secretariat, None).await;
    let revoked = server.enrol(Role::Secretariat, None).await;
    assert!(
        server
            .store
            .revoke_device(revoked.id, server.now())
            .unwrap()
    );
    let unknown = "0123456789abcdef".repeat(4);

    let endpoints = [
        (Method::POST, "/v1/push", r#"{"mutations":[]}"#),
        (Method::GET, "/v1/pull?since=0", ""),
        (Method::GET, "/v1/status", ""),
    ];
    let headers: [(&str, Option<String>); 6] = [
        ("no header", None),
        ("another scheme", Some(format!("Basic {}", good.token))),
        ("no scheme", Some(good.token.clone())),
        ("malformed", Some("Bearer not-a-token".to_owned())),
        ("unknown", Some(format!("Bearer {unknown}"))),
        ("revoked", Some(format!("Bearer {}", revoked.token))),
    ];
    let mut bodies = Vec::new();
    for (method, uri, body) in &endpoints {
        for (case, value) in &headers {
            let mut builder = Request::builder()
                .method(method.clone())
                .uri(*uri)
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(value) = value {
                builder = builder.header(header::AUTHORIZATION, value);
            }
            let reply = server.send(builder.body(Body::from(*body)).unwrap()).await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{method} {uri} with {case}: {}",
                reply.text()
            );
            reply.error(StatusCode::UNAUTHORIZED, "unauthorized");
            assert_eq!(reply.headers[header::WWW_AUTHENTICATE], "Bearer");
            bodies.push(reply.body);
        }
        let ok = server
            .send(request(method.clone(), uri, Some(&good.token), *body))
            .await;
        assert_eq!(
            ok.status,
            StatusCode::OK,
            "{method} {uri} with a good token: {}",
            ok.text()
        );
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "one answer for every refusal: no oracle"
    );
}

/// Every role is served on every authenticated endpoint, and held to its own rights on what it
/// pushes: the server's outcome for each change matches the domain's permission table.
#[tokio::test]
async fn every_role_is_served_and_held_to_its_rights() {
    use townhall_domain::permissions::{Action, Scope, authorize};

    let server = Harness::new();
    let mut admin = server.enrol(Role::Admin, None).await;
    let province = locality(200, None);
    let setup = admin.item(Change::UpsertLocality(province.clone()));
    server
        .push(&admin, &[setup])
        .await
        .json::<PushResponse>(StatusCode::OK);
    let mut secretariat = server.enrol(Role::Secretariat, None).await;
    let dialogue = create_dialogue(201, province.id);
    let setup = secretariat.item(dialogue.clone());
    server
        .push(&secretariat, &[setup])
        .await
        .json::<PushResponse>(StatusCode::OK);
    let Change::CreateDialogue { id: dialogue, .. } = dialogue else {
        unreachable!("a dialogue")
    };

    let roles = [
        Role::Recorder,
        Role::Secretariat,
        Role::Leader,
        Role::Agency,
        Role::Admin,
    ];
    for (i, role) in roles.into_iter().enumerate() {
        let mut device = server.enrol(role, None).await;
        for (method, uri, body) in [
            (Method::POST, "/v1/push", r#"{"mutations":[]}"#),
            (Method::GET, "/v1/pull?since=0", ""),
            (Method::GET, "/v1/status", ""),
        ] {
            let reply = server
                .send(request(method.clone(), uri, Some(&device.token), body))
                .await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{role} {method} {uri}: {}",
                reply.text()
            );
        }
        let n = u8::try_from(i).unwrap();
        let question = QuestionId::from_uuid(id(60 + u16::from(n)));
        let changes = [
            (
                Action::EditReferenceData,
                topic(40 + n, &format!("Chủ đề {n}")),
            ),
            (Action::CreateDialogue, create_dialogue(50 + n, province.id)),
            (
                Action::CaptureQuestion,
                device.capture(question, dialogue, 1, "Đề nghị sửa đường"),
            ),
        ];
        let items: Vec<PushItem> = changes
            .iter()
            .map(|(_, change)| device.item(change.clone()))
            .collect();
        let pushed: PushResponse = server.push(&device, &items).await.json(StatusCode::OK);
        assert_eq!(pushed.results.len(), changes.len(), "{role}");
        for ((action, _), result) in changes.iter().zip(&pushed.results) {
            let allowed = authorize(role, *action, Scope::JURISDICTION).is_ok();
            match (&result.outcome, allowed) {
                (PushOutcome::Applied { .. }, true) => {}
                (PushOutcome::Rejected { code, .. }, false) => {
                    assert_eq!(code, "forbidden", "{role} {action:?}");
                }
                (outcome, _) => panic!("{role} {action:?}: allowed={allowed}, got {outcome:?}"),
            }
        }
    }
}

#[tokio::test]
async fn push_then_pull_returns_it() {
    let server = Harness::new();
    let mut device = server.enrol(Role::Secretariat, None).await;
    let province = locality(1, None);
    let dialogue = DialogueId::from_uuid(id(2));
    let question = QuestionId::from_uuid(id(3));
    let items = vec![
        device.item(Change::UpsertLocality(province.clone())),
        device.item(create_dialogue(2, province.id)),
        device.item(device.capture(question, dialogue, 1, "Đề nghị sửa đường liên thôn.")),
    ];
    let pushed: PushResponse = server.push(&device, &items).await.json(StatusCode::OK);
    assert_eq!(pushed.last_applied_seq, 3);
    assert_eq!(pushed.gap, None);
    let seqs: Vec<u64> = pushed
        .results
        .iter()
        .map(|r| match r.outcome {
            PushOutcome::Applied { server_seq } => server_seq,
            PushOutcome::Rejected { ref reason, .. } => panic!("rejected: {reason}"),
        })
        .collect();
    assert_eq!(seqs, [1, 2, 3]);

    // A resend gets the stored answer and changes nothing.
    let again: PushResponse = server.push(&device, &items).await.json(StatusCode::OK);
    assert_eq!(again, pushed);
    assert_eq!(server.stored(&device), (3, 3));

    let epoch = server.store.epoch().unwrap();
    let (changes, next, more) = page(
        server
            .pull(&device, &format!("since=0&epoch={epoch}"))
            .await
            .json(StatusCode::OK),
    );
    let pulled: Vec<&Mutation> = changes.iter().map(|c| &c.mutation).collect();
    let sent: Vec<&Mutation> = items.iter().map(|i| &i.mutation).collect();
    assert_eq!(pulled, sent);
    assert_eq!((next, more), (3, false));

    let (changes, next, more) = page(
        server
            .pull(&device, "since=1&limit=1")
            .await
            .json(StatusCode::OK),
    );
    assert_eq!(
        (changes.len(), changes[0].server_seq, next, more),
        (1, 2, 2, true)
    );
    let (changes, next, _) = page(server.pull(&device, "since=3").await.json(StatusCode::OK));
    assert_eq!((changes.len(), next), (0, 3));

    let status: StatusResponse = server
        .send(request(Method::GET, "/v1/status", Some(&device.token), ""))
        .await
        .json(StatusCode::OK);
    assert_eq!(
        (status.last_applied_seq, status.server_seq, status.epoch),
        (3, 3, epoch)
    );
}

#[tokio::test]
async fn pull_says_refetch_after_a_restore() {
    let server = Harness::new();
    let mut device = server.enrol(Role::Secretariat, None).await;
    let item = device.item(topic(1, "Đất đai"));
    let _: PushResponse = server.push(&device, &[item]).await.json(StatusCode::OK);
    let epoch = server.store.epoch().unwrap();
    let refetch = PullResponse::Refetch {
        epoch: epoch.clone(),
        last_applied_seq: 1,
    };
    // A cursor beyond the log: the server lost changes the device saw.
    assert_eq!(
        server
            .pull(&device, "since=9")
            .await
            .json::<PullResponse>(StatusCode::OK),
        refetch
    );
    // An epoch from before a restore.
    assert_eq!(
        server
            .pull(&device, "since=0&epoch=older")
            .await
            .json::<PullResponse>(StatusCode::OK),
        refetch
    );
    let rotated = server.store.rotate_epoch().unwrap();
    let reply: PullResponse = server
        .pull(&device, &format!("since=1&epoch={epoch}"))
        .await
        .json(StatusCode::OK);
    assert_eq!(
        reply,
        PullResponse::Refetch {
            epoch: rotated,
            last_applied_seq: 1
        }
    );
}

/// A province with a commune and a dialogue there, and another province with a dialogue:
/// changes 1 to 3 are the localities, 4 and 5 the dialogues. Returns the secretariat that
/// pushed them and the first province.
async fn two_provinces(server: &Harness) -> (Device, Locality) {
    let mut secretariat = server.enrol(Role::Secretariat, None).await;
    let province = locality(1, None);
    let commune = locality(2, Some(province.id));
    let elsewhere = locality(3, None);
    let items = vec![
        secretariat.item(Change::UpsertLocality(province.clone())),
        secretariat.item(Change::UpsertLocality(commune.clone())),
        secretariat.item(Change::UpsertLocality(elsewhere.clone())),
        secretariat.item(create_dialogue(10, commune.id)),
        secretariat.item(create_dialogue(11, elsewhere.id)),
    ];
    let _: PushResponse = server.push(&secretariat, &items).await.json(StatusCode::OK);
    (secretariat, province)
}

#[tokio::test]
async fn pull_is_limited_to_the_jurisdiction() {
    let server = Harness::new();
    let (_, province) = two_provinces(&server).await;

    let recorder = server.enrol(Role::Recorder, Some(province.id)).await;
    let (changes, next, more) = page(server.pull(&recorder, "since=0").await.json(StatusCode::OK));
    let kinds: Vec<(u64, &str)> = changes
        .iter()
        .map(|c| (c.server_seq, c.mutation.change.kind()))
        .collect();
    // Reference data and the dialogue below the province; not the other province's dialogue.
    assert_eq!(
        kinds,
        [
            (1, "upsert_locality"),
            (2, "upsert_locality"),
            (3, "upsert_locality"),
            (4, "create_dialogue")
        ]
    );
    assert_eq!((next, more), (5, false));
}

/// A pull with `Accept-Encoding` as given; the reply's body as sent.
async fn pull_encoded(
    server: &Harness,
    device: &Device,
    query: &str,
    accept: Option<&str>,
) -> common::Reply {
    let mut request = Request::get(format!("/v1/pull?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {}", device.token));
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT_ENCODING, accept);
    }
    server.send(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn full_pages_are_sent_again_as_kept_and_only_in_their_scope() {
    let server = Harness::new();
    let (mut secretariat, province) = two_provinces(&server).await;
    let leader = server.enrol(Role::Leader, None).await;
    let recorder = server.enrol(Role::Recorder, Some(province.id)).await;

    // A full page, compressed once and sent again to a device of the same scope.
    let first = pull_encoded(&server, &secretariat, "since=3&limit=2", Some("gzip")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(first.headers[header::CONTENT_TYPE], "application/json");
    let json = gunzip(&first.body);
    let (changes, next, more) = page(serde_json::from_slice(&json).unwrap());
    let seqs: Vec<u64> = changes.iter().map(|c| c.server_seq).collect();
    assert_eq!((seqs, next, more), (vec![4, 5], 5, true));
    for accept in ["br, gzip", "*", "GZIP;Q=0.5", "identity;q=0.2, x-gzip"] {
        let again = pull_encoded(&server, &leader, "since=3&limit=2", Some(accept)).await;
        assert_eq!(again.headers[header::CONTENT_ENCODING], "gzip", "{accept}");
        assert_eq!(again.body, first.body, "{accept}");
    }

    // Plain JSON, the same, for a client that does not take gzip.
    for accept in [
        None,
        Some("identity"),
        Some("gzip;q=0, identity"),
        Some("gzip;Q=0, *"),
        Some("*;q=0"),
    ] {
        let plain = pull_encoded(&server, &leader, "since=3&limit=2", accept).await;
        assert_eq!(plain.status, StatusCode::OK, "{accept:?}");
        assert!(
            !plain.headers.contains_key(header::CONTENT_ENCODING),
            "{accept:?}"
        );
        assert_eq!(plain.body, json, "{accept:?}");
    }

    // A recorder of the province asks for the same place in the log: its own scope's page,
    // without the other province's dialogue.
    let (changes, next, more) = page(
        server
            .pull(&recorder, "since=3&limit=2")
            .await
            .json(StatusCode::OK),
    );
    let seqs: Vec<u64> = changes.iter().map(|c| c.server_seq).collect();
    assert_eq!((seqs, next, more), (vec![4], 5, false));

    // The end of the log is read again each time: a change pushed since is there.
    let (changes, _, more) = page(
        server
            .pull(&secretariat, "since=3&limit=3")
            .await
            .json(StatusCode::OK),
    );
    assert_eq!((changes.len(), more), (2, false));
    let item = secretariat.item(topic(1, "Đất đai"));
    let _: PushResponse = server
        .push(&secretariat, &[item])
        .await
        .json(StatusCode::OK);
    let (changes, next, more) = page(
        server
            .pull(&secretariat, "since=3&limit=3")
            .await
            .json(StatusCode::OK),
    );
    let seqs: Vec<u64> = changes.iter().map(|c| c.server_seq).collect();
    assert_eq!((seqs, next, more), (vec![4, 5, 6], 6, true));
}

#[tokio::test]
async fn bad_pushes_change_nothing() {
    let server = Harness::new();
    let mut device = server.enrol(Role::Secretariat, None).await;
    let first = device.item(topic(1, "Đất đai"));
    let _: PushResponse = server.push(&device, &[first]).await.json(StatusCode::OK);
    let before = server.stored(&device);
    assert_eq!(before, (1, 1));

    let next = device.item(topic(2, "Giao thông"));
    let valid = serde_json::to_string(&serde_json::json!({ "mutations": [next] })).unwrap();
    let unknown_kind = valid.replace("upsert_topic", "drop_table");
    let mut invalid_utf8 = valid.clone().into_bytes();
    let at = invalid_utf8
        .windows(4)
        .position(|w| w == "Giao".as_bytes())
        .unwrap();
    invalid_utf8[at] = 0xff;
    let huge = format!(
        r#"{{"mutations":[],"padding":"{}"}}"#,
        "x".repeat(9 * 1024 * 1024)
    );
    let too_many = serde_json::json!({
        "mutations": (1..=1_001).map(|n| PushItem { seq: n + 1, mutation: device.mutation(n + 1, topic(3, "Môi trường")) }).collect::<Vec<_>>()
    })
    .to_string();
    let changed_seq = serde_json::json!({ "mutations": [PushItem { seq: 1, mutation: device.mutation(1, topic(1, "Đất đai và nhà ở")) }] }).to_string();
    let mut twice = next.clone();
    twice.mutation.id = MutationId::generate(9, [9; 10]);
    let out_of_order = serde_json::json!({ "mutations": [next, twice] }).to_string();

    type Case = (
        &'static str,
        Vec<u8>,
        &'static str,
        StatusCode,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "malformed JSON",
            b"{\"mutations\": [".to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "wrong types",
            br#"{"mutations": "all of them"}"#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "unknown kind",
            unknown_kind.into_bytes(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "unknown field",
            br#"{"mutations": [], "admin": true}"#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "invalid UTF-8",
            invalid_utf8,
            "application/json",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "wrong content type",
            valid.clone().into_bytes(),
            "text/plain",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "9 MiB",
            huge.clone().into_bytes(),
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "too many",
            too_many.into_bytes(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "same seq, other content",
            changed_seq.into_bytes(),
            "application/json",
            StatusCode::CONFLICT,
            "seq_conflict",
        ),
        // The first item applies, then the second is refused: the whole batch is rolled back.
        (
            "out of order",
            out_of_order.into_bytes(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "out_of_order",
        ),
    ];
    for (case, body, content_type, status, code) in cases {
        let request = Request::post("/v1/push")
            .header(header::CONTENT_TYPE, content_type)
            .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
            .body(Body::from(body))
            .unwrap();
        let reply = server.send(request).await;
        assert_eq!(reply.status, status, "{case}: {}", reply.text());
        let error = reply.error(status, code);
        assert!(!error.message.is_empty(), "{case}");
        assert_eq!(
            server.stored(&device),
            before,
            "{case} changed what is stored"
        );
    }

    // A gzip bomb: small on the wire, over the limit once inflated.
    let bomb = Request::post("/v1/push")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
        .body(Body::from(gzip(huge.as_bytes())))
        .unwrap();
    server
        .send(bomb)
        .await
        .error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    assert_eq!(server.stored(&device), before);

    // After all that, the next push still goes through.
    let fixed = server
        .send(request(
            Method::POST,
            "/v1/push",
            Some(&device.token),
            valid,
        ))
        .await;
    assert_eq!(
        fixed.json::<PushResponse>(StatusCode::OK).last_applied_seq,
        2
    );
}

#[tokio::test]
async fn gzip_both_ways() {
    let server = Harness::new();
    let mut device = server.enrol(Role::Secretariat, None).await;
    let items = vec![
        device.item(topic(1, "Đất đai")),
        device.item(topic(2, "Giao thông")),
    ];
    let body = serde_json::json!({ "mutations": items }).to_string();
    let request = Request::post("/v1/push")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
        .body(Body::from(gzip(body.as_bytes())))
        .unwrap();
    let pushed: PushResponse = server.send(request).await.json(StatusCode::OK);
    assert_eq!(pushed.last_applied_seq, 2);

    let request = Request::get("/v1/pull?since=0")
        .header(header::ACCEPT_ENCODING, "gzip")
        .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
        .body(Body::empty())
        .unwrap();
    let reply = server.send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_ENCODING], "gzip");
    let (changes, _, _) = page(serde_json::from_slice(&gunzip(&reply.body)).unwrap());
    assert_eq!(changes.len(), 2);

    // Without Accept-Encoding, plain JSON.
    let plain = server.pull(&device, "since=0").await;
    assert!(!plain.headers.contains_key(header::CONTENT_ENCODING));
    let _: PullResponse = plain.json(StatusCode::OK);

    let request = Request::post("/v1/push")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "br")
        .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
        .body(Body::from(body))
        .unwrap();
    server
        .send(request)
        .await
        .error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_encoding");
}

#[tokio::test]
async fn citizen_text_is_stored_verbatim() {
    let server = Harness::new();
    let mut device = server.enrol(Role::Secretariat, None).await;
    let province = locality(1, None);
    let dialogue = DialogueId::from_uuid(id(2));
    let contents = [
        "Robert'); DROP TABLE changes;-- và ' OR '1'='1",
        "<script>alert(\"đất\")</script> <b>in đậm</b> &amp; &lt;",
        "{\"kind\":\"drop_table\"} \\ \\u0000 ${{7*7}} %s %n",
        "Dòng một\nDòng hai — “ngoặc kép” 🏠",
    ];
    let mut items = vec![
        device.item(Change::UpsertLocality(province.clone())),
        device.item(create_dialogue(2, province.id)),
    ];
    for (i, content) in contents.iter().enumerate() {
        let n = u8::try_from(i).unwrap();
        let question = QuestionId::from_uuid(id(10 + u16::from(n)));
        items.push(device.item(device.capture(question, dialogue, u32::from(n) + 1, content)));
    }
    let pushed: PushResponse = server.push(&device, &items).await.json(StatusCode::OK);
    assert!(
        pushed
            .results
            .iter()
            .all(|r| matches!(r.outcome, PushOutcome::Applied { .. })),
        "{pushed:?}"
    );

    let (changes, _, _) = page(server.pull(&device, "since=0").await.json(StatusCode::OK));
    let pulled: Vec<&str> = changes
        .iter()
        .filter_map(|c| match &c.mutation.change {
            Change::CaptureQuestion { text, .. } => Some(text.content.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(pulled, contents);
}

#[tokio::test]
async fn other_errors_are_error_bodies_too() {
    let server = Harness::new();
    let device = server.enrol(Role::Recorder, None).await;
    server
        .send(Request::get("/v2/pull").body(Body::empty()).unwrap())
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    let wrong_method = server
        .send(Request::get("/v1/push").body(Body::empty()).unwrap())
        .await;
    wrong_method.error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert_eq!(wrong_method.headers[header::ALLOW], "POST");
    for query in [
        "",
        "since=-1",
        "since=x",
        "since=0&limit=0",
        "since=0&cursor=3",
    ] {
        let reply = server.pull(&device, query).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query:?}: {}",
            reply.text()
        );
        reply.error(StatusCode::BAD_REQUEST, "bad_request");
    }
    let big_enrol =
        serde_json::json!({ "code": "x".repeat(20_000), "device_name": "t" }).to_string();
    server
        .send(request(Method::POST, "/v1/enrol", None, big_enrol))
        .await
        .error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
}

#[tokio::test]
async fn tokens_never_reach_the_logs() {
    let server = Harness::new();
    let device = server.enrol(Role::Recorder, None).await;
    let (logs, subscriber) = common::trace_into_buffer();
    let _guard = tracing::subscriber::set_default(subscriber);
    let _: PullResponse = server.pull(&device, "since=0").await.json(StatusCode::OK);
    server
        .send(request(
            Method::GET,
            "/v1/status",
            Some(&"ab".repeat(32)),
            "",
        ))
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("/v1/pull"), "the request was logged: {logs}");
    assert!(
        !logs.contains(&device.token) && !logs.contains(&"ab".repeat(32)),
        "{logs}"
    );
}

/// Over real TCP: requests are served, and a shutdown waits for the request in flight.
#[tokio::test]
async fn serves_over_tcp_and_shuts_down_gracefully() {
    let server = Harness::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(http::serve(listener, server.router.clone(), async {
        stopped.await.ok();
    }));

    let health = raw_request(
        address,
        "GET /v1/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
    assert!(health.contains(r#""status":"ok""#), "{health}");

    // An enrolment whose body is only half sent when the shutdown comes.
    let code = server.issue_code(Role::Recorder, None, TimeDelta::hours(24));
    let body = serde_json::json!({ "code": code, "device_name": "Máy tính bảng 9" }).to_string();
    let (head, tail) = body.as_bytes().split_at(body.len() / 2);
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let headers = format!(
        "POST /v1/enrol HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(headers.as_bytes()).await.unwrap();
    stream.write_all(head).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !serving.is_finished(),
        "the server waits for the request in flight"
    );
    assert!(
        tokio::net::TcpStream::connect(address).await.is_err(),
        "no new connections once stopping"
    );

    stream.write_all(tail).await.unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(reply.contains(r#""letter":"A""#), "{reply}");
    tokio::time::timeout(Duration::from_secs(5), serving)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(server.store.devices().unwrap().len(), 1);
}

/// A store that fails, or panics, on demand.
struct Flaky {
    inner: SqliteStore,
    mode: std::sync::atomic::AtomicU8,
}

const WORKING: u8 = 0;
const FAILING: u8 = 1;
const PANICKING: u8 = 2;

impl Flaky {
    fn check(&self) -> store::StoreResult<()> {
        match self.mode.load(Ordering::SeqCst) {
            FAILING => Err(store::StoreError::Database(
                "disk I/O error at /srv/secret/server.sqlite3".to_owned(),
            )),
            PANICKING => panic!("the store fell over"),
            _ => Ok(()),
        }
    }
}

impl Store for Flaky {
    fn write<T>(
        &self,
        f: impl FnOnce(&mut dyn store::Tx) -> store::StoreResult<T>,
    ) -> store::StoreResult<T> {
        self.check()?;
        self.inner.write(f)
    }
    fn pull(
        &self,
        scope: &store::PullScope,
        since: u64,
        limit: u32,
    ) -> store::StoreResult<store::LogPage> {
        self.check()?;
        self.inner.pull(scope, since, limit)
    }
    fn server_seq(&self) -> store::StoreResult<u64> {
        self.check()?;
        self.inner.server_seq()
    }
    fn epoch(&self) -> store::StoreResult<String> {
        self.check()?;
        self.inner.epoch()
    }
    fn rotate_epoch(&self) -> store::StoreResult<String> {
        self.inner.rotate_epoch()
    }
    fn ping(&self) -> store::StoreResult<()> {
        self.check()?;
        self.inner.ping()
    }
    fn create_user(&self, user: &User) -> store::StoreResult<()> {
        self.inner.create_user(user)
    }
    fn users(&self) -> store::StoreResult<Vec<User>> {
        self.inner.users()
    }
    fn add_enrolment_code(&self, code: &store::EnrolmentCode) -> store::StoreResult<()> {
        self.inner.add_enrolment_code(code)
    }
    fn enrol(
        &self,
        code_hash: [u8; 32],
        device: DeviceId,
        device_name: &str,
        token_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> store::StoreResult<Result<store::Device, store::EnrolRefusal>> {
        self.inner
            .enrol(code_hash, device, device_name, token_hash, now)
    }
    fn device_by_token(
        &self,
        token_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> store::StoreResult<Option<store::Device>> {
        self.inner.device_by_token(token_hash, now)
    }
    fn devices(&self) -> store::StoreResult<Vec<store::Device>> {
        self.inner.devices()
    }
    fn revoke_device(&self, device: DeviceId, now: DateTime<Utc>) -> store::StoreResult<bool> {
        self.inner.revoke_device(device, now)
    }
}

/// A failing database is a 503 and a bug is a 500; neither shows the client any internals,
/// and the server goes on answering once the store recovers.
#[tokio::test]
async fn store_failures_and_panics_are_plain_5xx() {
    let dir = tempfile::tempdir().unwrap();
    let inner = SqliteStore::open(&dir.path().join("server.sqlite3")).unwrap();
    let store = Arc::new(Flaky {
        inner,
        mode: std::sync::atomic::AtomicU8::new(WORKING),
    });
    let state = AppState::new(Arc::clone(&store), Arc::new(start), settings(dir.path()));
    let router = http::router(state);
    let health = || Request::get("/v1/health").body(Body::empty()).unwrap();

    let check = |mode: u8, status: StatusCode, code: &'static str| {
        let router = router.clone();
        let store = Arc::clone(&store);
        async move {
            store.mode.store(mode, Ordering::SeqCst);
            let response = router.oneshot(health()).await.unwrap();
            assert_eq!(response.status(), status);
            let body = response.into_body().collect().await.unwrap().to_bytes();
            let error: ErrorBody = serde_json::from_slice(&body).unwrap();
            assert_eq!(error.code, code);
            let text = String::from_utf8_lossy(&body);
            assert!(
                !text.contains("secret") && !text.contains("fell over"),
                "{text}"
            );
        }
    };
    check(FAILING, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    check(PANICKING, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    store.mode.store(WORKING, Ordering::SeqCst);
    let response = router.clone().oneshot(health()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
