//! The server's settings file (TOML) and database URLs.
//!
//! Loading never panics; an error names the file. Settings that load have the limits the
//! server relies on, and their `Debug` (which the server logs at start) never shows a
//! password that was in the database URL.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use townhall_server::config::{DatabaseUrl, Overrides, Settings, redact};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("/etc/townhall/townhall.toml");
    let env = |name: &str| (name == "HOME").then(|| "/home/townhall".to_owned());
    match Settings::resolve(Some((path, text)), &env, Overrides::default()) {
        Ok(settings) => {
            assert!(settings.push_body_limit > 0 && settings.enrol_body_limit > 0);
            assert!(!settings.request_timeout.is_zero());
        }
        Err(error) => {
            let message = error.to_string();
            assert!(!message.is_empty());
        }
    }
    // Each line as a database URL, as `--database` and `TOWNHALL_DATABASE_URL` take it.
    for line in text.lines() {
        let _ = redact(line);
        if let Ok(url) = line.parse::<DatabaseUrl>() {
            if let Some(password) = password_of(line) {
                // The password may also be the user's name or the host's: only its own
                // place in the URL must be hidden.
                let elsewhere = line.matches(password).count() - 1;
                for shown in [url.to_string(), format!("{url:?}"), redact(line)] {
                    assert!(
                        shown.matches(password).count() <= elsewhere,
                        "the password {password:?} of {line:?} shows in {shown:?}"
                    );
                }
            }
        }
    }
});

/// The password of a `postgres://user:password@host` URL, when it has one long enough that
/// finding it in other text means something.
///
/// Only PostgreSQL URLs carry credentials: a `sqlite://` URL is a file path, shown as it is.
fn password_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "postgres" | "postgresql") {
        return None;
    }
    let userinfo = rest.rsplit_once('@')?.0;
    let password = userinfo.split_once(':')?.1;
    (password.len() >= 8 && password.chars().all(|c| c.is_ascii_alphanumeric())).then_some(password)
}
