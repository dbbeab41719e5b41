//! Where the server gets the time.
//!
//! Handlers and admin commands never read the wall clock themselves: they ask a [`Clock`],
//! which tests replace with a closure, so expiry, rate limits and ids are deterministic.

use chrono::{DateTime, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock: the one reader of the system time in the server.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "the one place in the server that supplies wall-clock time"
    )]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Any closure returning a time is a clock, so a test can hand in a time it moves itself.
impl<F> Clock for F
where
    F: Fn() -> DateTime<Utc> + Send + Sync + 'static,
{
    fn now(&self) -> DateTime<Utc> {
        self()
    }
}

/// Milliseconds since the Unix epoch, as ids want them; times before 1970 (a clock gone very
/// wrong) count as 0 rather than wrapping around.
pub fn unix_millis(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp_millis()).unwrap_or(0)
}

/// The operating system's randomness: the one source of random bits in the server.
///
/// Tokens and enrolment codes need a cryptographically secure generator, which `rand`'s
/// thread-local generator is; handlers and admin commands take their bits from here rather than
/// calling `rand` themselves.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemRandom;

#[allow(
    clippy::disallowed_methods,
    reason = "the one place in the server that supplies random bits"
)]
impl SystemRandom {
    /// The ten random bytes of a UUIDv7 id.
    pub fn id_bits(self) -> [u8; 10] {
        rand::random()
    }

    /// A cryptographically secure generator, for tokens and enrolment codes.
    pub fn rng(self) -> rand::rngs::ThreadRng {
        rand::rng()
    }
}
