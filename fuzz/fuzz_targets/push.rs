//! A push body, as bytes, through the real server's router and push engine over SQLite.
//!
//! The body goes through as it is (parsing, authentication, the engine); when it parses as a
//! `PushRequest`, its items are renumbered to follow what the device has pushed so far and
//! sent again, so the engine validates, authorises and applies them rather than answering a
//! gap. Every answer must be a 2xx or a 4xx with an error body, never a 5xx or a panic; a
//! 200 must be a `PushResponse` with one result per item handled, and a resend of the same
//! body must get the same results.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use townhall_domain::wire::{PushRequest, PushResponse};
use townhall_fuzz::{Server, check_answer};

static SERVER: LazyLock<Server> = LazyLock::new(Server::start);

fuzz_target!(|data: &[u8]| {
    let server = &*SERVER;
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let device = &server.devices[usize::from(pick) % server.devices.len()];
    let token = Some(device.token.as_str());
    let answer = server.request("POST", "/v1/push", token, body.to_vec());
    check_answer("push as sent", &answer);

    let Ok(mut request) = serde_json::from_slice::<PushRequest>(body) else {
        return;
    };
    if request.mutations.is_empty() || request.mutations.len() > 50 {
        return;
    }
    let status = server.request("GET", "/v1/status", token, Vec::new());
    let last: u64 =
        serde_json::from_slice::<serde_json::Value>(&status.body).unwrap()["last_applied_seq"]
            .as_u64()
            .unwrap();
    for (n, item) in request.mutations.iter_mut().enumerate() {
        item.seq = last + 1 + n as u64;
        // The server insists a device sends only its own mutations; most inputs would stop
        // there otherwise.
        if pick & 0x80 == 0 {
            item.mutation.device = device.device;
        }
    }
    let body = serde_json::to_vec(&request).unwrap();
    let first = server.request("POST", "/v1/push", token, body.clone());
    check_answer("push renumbered", &first);
    if !first.status.is_success() {
        return;
    }
    let response: PushResponse = serde_json::from_slice(&first.body).unwrap();
    assert!(response.gap.is_none(), "a renumbered push has no gap");
    assert_eq!(response.results.len(), request.mutations.len());
    assert_eq!(
        response.last_applied_seq,
        last + request.mutations.len() as u64
    );
    // A resend (a response lost on the way) gets the stored results.
    let again = server.request("POST", "/v1/push", token, body);
    check_answer("push resent", &again);
    let resent: PushResponse = serde_json::from_slice(&again.body).unwrap();
    assert_eq!(
        resent.results, response.results,
        "a resend gets the stored results"
    );
});
