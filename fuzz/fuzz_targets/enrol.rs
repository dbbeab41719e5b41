//! An enrolment body, as bytes, through the real server's router (with the rate limits
//! lifted, so every input reaches the handler).
//!
//! The answer must be 200, or a 4xx with an error body; never a 5xx or a panic. The typed
//! code is also parsed as the server does: a code it accepts is 12 characters of the code
//! alphabet, and parses again from its grouped form to the same code.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use townhall_domain::wire::{EnrolRequest, EnrolResponse};
use townhall_fuzz::{Server, check_answer};
use townhall_server::auth::EnrolmentCode;

static SERVER: LazyLock<Server> = LazyLock::new(Server::start);

fuzz_target!(|data: &[u8]| {
    let server = &*SERVER;
    let answer = server.request("POST", "/v1/enrol", None, data.to_vec());
    check_answer("enrol", &answer);
    if answer.status.is_success() {
        let _: EnrolResponse = serde_json::from_slice(&answer.body).expect("an enrolment answer");
    }
    if let Ok(request) = serde_json::from_slice::<EnrolRequest>(data) {
        if let Some(code) = EnrolmentCode::parse(&request.code) {
            let grouped = code.grouped();
            assert_eq!(grouped.len(), 14, "{grouped}");
            let again = EnrolmentCode::parse(&grouped).expect("a grouped code parses");
            assert_eq!(again.hash(), code.hash());
        }
    }
});
