//! Both ends of a pull.
//!
//! First byte even: the rest is a query string for `GET /v1/pull?…` through the real server's
//! router, which must answer 200 or a 4xx with an error body, never a 5xx.
//! First byte odd: the rest is what a server (or something pretending to be one) answered,
//! which the device parses as the client does and, when it is a page, applies to its replica
//! with its cursor: hostile pages may be refused, but never panic the device or corrupt its
//! replica, and a page applied twice changes nothing.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use townhall_core::{Page, QuestionFilter, QuestionSort};
use townhall_domain::Role;
use townhall_domain::wire::PullResponse;
use townhall_fuzz::{Device, Server, check_answer};

static SERVER: LazyLock<Server> = LazyLock::new(Server::start);
static DEVICE: LazyLock<Device> = LazyLock::new(|| Device::enrolled(Role::Secretariat));

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    if pick % 2 == 0 {
        let server = &*SERVER;
        let Ok(query) = std::str::from_utf8(rest) else {
            return;
        };
        let device = &server.devices[usize::from(pick / 2) % server.devices.len()];
        let Some(answer) = server.try_request(
            "GET",
            &format!("/v1/pull?{query}"),
            Some(&device.token),
            Vec::new(),
        ) else {
            return;
        };
        check_answer("pull", &answer);
        if answer.status.is_success() {
            let _: PullResponse = serde_json::from_slice(&answer.body).expect("a pull answer");
        }
        return;
    }
    // What the client does with an answer's body: `serde_json::from_slice` (client.rs).
    let Ok(response) = serde_json::from_slice::<PullResponse>(rest) else {
        return;
    };
    let again = serde_json::to_vec(&response).expect("serialisable");
    assert_eq!(
        serde_json::from_slice::<PullResponse>(&again).expect("round trip"),
        response,
        "a pull answer survives a round trip"
    );
    let PullResponse::Page {
        epoch,
        changes,
        next,
        ..
    } = response
    else {
        return;
    };
    let mut replica = DEVICE.replica.lock().unwrap_or_else(|p| p.into_inner());
    if replica.apply_pulled(&changes, next, &epoch).is_ok() {
        let list = |r: &townhall_core::Replica| {
            let filter = QuestionFilter {
                include_merged: true,
                ..Default::default()
            };
            r.questions(&filter, QuestionSort::Number, Page::first(1_000))
                .map(|l| {
                    l.rows
                        .into_iter()
                        .map(|q| (q.id, q.status, q.content))
                        .collect::<Vec<_>>()
                })
        };
        let before = list(&replica).expect("the replica answers after a page");
        replica
            .apply_pulled(&changes, next, &epoch)
            .expect("a page that applied once applies again");
        assert_eq!(
            list(&replica).expect("listed"),
            before,
            "a page applied twice changes nothing"
        );
    }
});
