//! Where the replica gets the time and its random bits.
//!
//! Logic never reads the wall clock itself: it asks a [`Clock`], which tests replace with a
//! [`ManualClock`] so that stamps, ids and due dates are deterministic. Likewise it never draws
//! random numbers itself: every id's random part comes from a [`Randomness`], which tests
//! replace with a [`SeededRandom`], so two runs of a test make the same ids.
//! This is the one module of the crate allowed to call `rand::random`.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};

/// Vietnam's offset from UTC: seven hours, with no daylight saving.
pub const VIETNAM_OFFSET_SECS: i32 = 7 * 3600;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Vietnam (Asia/Ho_Chi_Minh), which is what due dates are counted in.
    fn today(&self) -> NaiveDate {
        vietnam_date(self.now())
    }
}

/// The date in Vietnam at an instant.
pub fn vietnam_date(at: DateTime<Utc>) -> NaiveDate {
    // Seven hours is always a valid offset; the fallback is unreachable.
    match chrono::FixedOffset::east_opt(VIETNAM_OFFSET_SECS) {
        Some(offset) => at.with_timezone(&offset).date_naive(),
        None => at.date_naive(),
    }
}

/// The wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "the one place that supplies wall-clock time"
    )]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told, for tests and benchmarks.
#[derive(Debug)]
pub struct ManualClock {
    millis: AtomicI64,
    step: i64,
}

impl ManualClock {
    /// A clock standing at `start` that advances `step_millis` on every reading.
    pub fn new(start: DateTime<Utc>, step_millis: i64) -> Self {
        Self {
            millis: AtomicI64::new(start.timestamp_millis()),
            step: step_millis,
        }
    }

    /// Moves the clock to `to` (forwards or backwards).
    pub fn set(&self, to: DateTime<Utc>) {
        self.millis.store(to.timestamp_millis(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        let millis = self.millis.fetch_add(self.step, Ordering::SeqCst);
        DateTime::from_timestamp_millis(millis).unwrap_or_default()
    }
}

/// A source of random bits: the random part of every id the replica makes, and the jitter of
/// the sync's retries.
pub trait Randomness: Send + Sync {
    /// Sixty-four random bits.
    fn next_u64(&self) -> u64;

    /// The ten random bytes of a UUIDv7 id.
    fn id_bits(&self) -> [u8; 10] {
        let mut bits = [0u8; 10];
        bits[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bits[8..].copy_from_slice(&self.next_u64().to_le_bytes()[..2]);
        bits
    }

    /// A number in `[0, 1)`, e.g. to spread retries.
    fn unit(&self) -> f64 {
        // The top 53 bits fill an f64's mantissa exactly.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The operating system's randomness, through `rand`'s thread-local generator.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemRandom;

impl Randomness for SystemRandom {
    #[allow(
        clippy::disallowed_methods,
        reason = "the one place that supplies random bits"
    )]
    fn next_u64(&self) -> u64 {
        rand::random()
    }
}

/// A reproducible stream of random bits (SplitMix64), for tests and benchmarks.
///
/// Its sequence is fixed here rather than borrowed from `rand`, whose seeded generators may
/// change between versions, so a seed names the same ids forever.
#[derive(Debug)]
pub struct SeededRandom {
    state: AtomicU64,
}

impl SeededRandom {
    /// A stream that starts from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }
}

impl Randomness for SeededRandom {
    fn next_u64(&self) -> u64 {
        let mut z = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_names_the_same_bits_every_time() {
        let a = SeededRandom::new(7);
        let b = SeededRandom::new(7);
        let first: Vec<[u8; 10]> = (0..4).map(|_| a.id_bits()).collect();
        let again: Vec<[u8; 10]> = (0..4).map(|_| b.id_bits()).collect();
        assert_eq!(first, again);
        assert_ne!(first[0], first[1], "each draw moves the stream on");
        assert_ne!(SeededRandom::new(8).id_bits(), first[0]);
    }

    #[test]
    fn a_unit_draw_lies_in_the_half_open_interval() {
        let random = SeededRandom::new(1);
        for _ in 0..1000 {
            let x = random.unit();
            assert!((0.0..1.0).contains(&x), "{x}");
        }
    }
}
