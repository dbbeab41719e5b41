//! Where the replica gets the time.
//!
//! Logic never reads the wall clock itself: it asks a [`Clock`], which tests replace with a
//! [`ManualClock`] so that stamps, ids and due dates are deterministic.

use std::sync::atomic::{AtomicI64, Ordering};

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
