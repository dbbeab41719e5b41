//! The stable codes of every error a client can see: a command's error in the app, an error
//! body from the server. The UI branches on them, so they are one enum, exported to TypeScript,
//! rather than strings scattered over the crates.
//!
//! A code's JSON is its snake_case name (`"not_found"`). A code this build does not know (sent
//! by a newer server) reads as [`ErrorCode::Internal`], so an older app still shows an error.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares [`ErrorCode`] and its list of codes from one table, so the enum, its strings and
/// [`ErrorCode::ALL`] cannot drift apart.
macro_rules! error_codes {
    ($($(#[$attr:meta])* $variant:ident = $code:literal,)*) => {
        /// A stable code a client branches on. Its JSON is the snake_case name.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
        pub enum ErrorCode {
            $($(#[$attr])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &[Self] = &[$(Self::$variant,)*];

            /// The code as it is written in JSON.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }
        }
    };
}

error_codes! {
    // Input and permissions (shared by the app and the per-mutation outcomes of a push).
    /// Input failed validation; the error lists each field's problem.
    Invalid = "invalid",
    /// The user's role may not do this.
    Forbidden = "forbidden",
    /// The record is outside the user's jurisdiction, agency or device.
    OutOfScope = "out_of_scope",
    /// The status change is not one this role may make (another role may).
    StatusNotPermitted = "status_not_permitted",
    /// The status change is not allowed from the current status for anyone.
    StatusNotAllowed = "status_not_allowed",
    /// No such record, or no such address on the server.
    NotFound = "not_found",
    /// The record exists already, or the change contradicts what is stored.
    Conflict = "conflict",

    // The device's own state.
    /// This device is not enrolled with a server yet.
    NotEnrolled = "not_enrolled",
    /// The local database was written by a newer Townhall.
    NewerSchema = "newer_schema",
    /// Stored data cannot be read back.
    Corrupt = "corrupt",
    /// The local database failed (disk full, file locked, I/O).
    Storage = "storage",
    /// A file could not be written or read.
    Io = "io",
    /// A report could not be exported.
    ExportFailed = "export_failed",

    // Reaching the server.
    /// The server address cannot be used.
    BadAddress = "bad_address",
    /// The CA certificate to trust cannot be used.
    BadCertificate = "bad_certificate",
    /// No connection, a timeout, or a connection cut mid-way.
    Offline = "offline",
    /// Something answered that is not the Townhall server (a captive portal).
    NotTheServer = "not_the_server",
    /// The server is busy; try again later.
    Busy = "busy",
    /// The server failed.
    ServerDown = "server_down",
    /// The server refused the request for a reason it did not name.
    Refused = "refused",

    // The server's error bodies.
    /// The request is malformed.
    BadRequest = "bad_request",
    /// A push's items are not in increasing sequence order.
    OutOfOrder = "out_of_order",
    /// No valid device token (missing, unknown or revoked).
    Unauthorized = "unauthorized",
    /// No such enrolment code.
    BadCode = "bad_code",
    /// A sequence number already handled arrived with other content.
    SeqConflict = "seq_conflict",
    /// The enrolment code has enrolled a device already.
    CodeUsed = "code_used",
    /// The enrolment code expired.
    CodeExpired = "code_expired",
    /// The request body is over the limit.
    TooLarge = "too_large",
    /// Too many enrolment attempts; wait and try again.
    RateLimited = "rate_limited",
    /// The address does not take this method.
    MethodNotAllowed = "method_not_allowed",
    /// The request took too long.
    Timeout = "timeout",
    /// The body's encoding is neither plain nor gzip.
    UnsupportedEncoding = "unsupported_encoding",
    /// The server cannot reach its database; try again later.
    Unavailable = "unavailable",
    /// A bug; logged where it happened. Also what a code this build does not know reads as.
    #[serde(other)]
    Internal = "internal",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with a code as written in JSON, so tests and logs can name codes plainly.
impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_is_written_as_its_string_and_read_back() {
        for &code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
    }

    #[test]
    fn codes_are_distinct() {
        let mut strings: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        strings.sort_unstable();
        strings.dedup();
        assert_eq!(strings.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn an_unknown_code_reads_as_internal() {
        let code: ErrorCode = serde_json::from_str("\"a_code_from_a_newer_server\"").unwrap();
        assert_eq!(code, ErrorCode::Internal);
        assert_eq!(code, "internal");
    }
}
