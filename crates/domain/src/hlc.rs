//! The hybrid logical clock that stamps device-authored edits.
//!
//! A stamp is the wall-clock time in milliseconds plus a counter, so that two edits made in the
//! same millisecond, or on a device whose clock went backwards, still get increasing stamps.
//! Ties between devices break on the device id, which makes [`Stamp`] a total order.
//!
//! The clock never reads the time itself: the caller passes `now` in, persists [`HlcClock::last`]
//! after each tick and gives it back through [`HlcClock::resume`] after a restart.
//! A remote stamp more than [`MAX_FORWARD_DRIFT_MS`] ahead of local time is clamped, and the clamp
//! is reported, so one tablet with its clock a year ahead cannot win every merge for a year.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::DeviceId;

/// How far ahead of local time a remote stamp may be before it is clamped: five minutes.
pub const MAX_FORWARD_DRIFT_MS: u64 = 5 * 60 * 1000;

/// A hybrid logical clock reading: physical milliseconds since the Unix epoch and a counter.
///
/// Ordered by `millis`, then `counter`.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Hlc {
    /// Physical time in milliseconds since the Unix epoch.
    // A plain JSON number (below 2^53 for the next 285,000 years), not a `bigint`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub millis: u64,
    /// Logical counter within one millisecond.
    pub counter: u32,
}

impl Hlc {
    /// Makes a reading from its parts.
    pub const fn new(millis: u64, counter: u32) -> Self {
        Self { millis, counter }
    }

    /// The next reading after this one within the same millisecond, or the next millisecond when
    /// the counter is exhausted. Always strictly greater than `self`.
    fn successor(self) -> Self {
        match self.counter.checked_add(1) {
            Some(counter) => Self {
                millis: self.millis,
                counter,
            },
            None => Self {
                millis: self.millis.saturating_add(1),
                counter: 0,
            },
        }
    }
}

impl fmt::Debug for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hlc({}.{})", self.millis, self.counter)
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.millis, self.counter)
    }
}

/// A clock reading together with the device that made it: a total order over all edits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Stamp {
    /// When, by the device's hybrid clock.
    pub hlc: Hlc,
    /// Which device; breaks ties between equal clock readings.
    pub device: DeviceId,
}

/// What happened when a remote stamp was too far ahead of local time.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Clamp {
    /// The stamp as received.
    pub received: Hlc,
    /// The stamp as used: local time plus [`MAX_FORWARD_DRIFT_MS`].
    pub used: Hlc,
}

/// Clamps a remote reading that lies more than [`MAX_FORWARD_DRIFT_MS`] ahead of `now_millis`.
///
/// Returns the reading to use and, when it was clamped, a report of the clamp.
pub fn clamp_remote(remote: Hlc, now_millis: u64) -> (Hlc, Option<Clamp>) {
    let limit = now_millis.saturating_add(MAX_FORWARD_DRIFT_MS);
    if remote.millis > limit {
        let used = Hlc {
            millis: limit,
            counter: remote.counter,
        };
        (
            used,
            Some(Clamp {
                received: remote,
                used,
            }),
        )
    } else {
        (remote, None)
    }
}

/// A device's hybrid logical clock.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    /// A clock that has never ticked.
    pub const fn new() -> Self {
        Self {
            last: Hlc::new(0, 0),
        }
    }

    /// A clock restored from the last reading it gave before a restart.
    pub const fn resume(last: Hlc) -> Self {
        Self { last }
    }

    /// The last reading this clock gave; persist it to survive restarts.
    pub const fn last(&self) -> Hlc {
        self.last
    }

    /// Stamps a local event. Strictly greater than every reading given before,
    /// even when `now_millis` went backwards.
    pub fn tick(&mut self, now_millis: u64) -> Hlc {
        self.last = if now_millis > self.last.millis {
            Hlc::new(now_millis, 0)
        } else {
            self.last.successor()
        };
        self.last
    }

    /// Takes in a reading received from another device or the server, so that the next local
    /// tick is after it. Remote readings too far ahead are clamped first, and the clamp reported.
    pub fn observe(&mut self, remote: Hlc, now_millis: u64) -> Option<Clamp> {
        let (remote, clamp) = clamp_remote(remote, now_millis);
        self.merge_reading(remote, now_millis);
        clamp
    }

    /// Takes in a reading the server already vetted (clamped against its own clock), without
    /// clamping it again against this device's clock: a device whose clock is a year behind
    /// must still stamp its next edit after what it has seen, or its edits would lose every
    /// merge for a year.
    pub fn observe_vetted(&mut self, remote: Hlc, now_millis: u64) {
        self.merge_reading(remote, now_millis);
    }

    fn merge_reading(&mut self, remote: Hlc, now_millis: u64) {
        let millis = self.last.millis.max(remote.millis).max(now_millis);
        let next = if millis == self.last.millis && millis == remote.millis {
            Hlc::new(millis, self.last.counter.max(remote.counter)).successor()
        } else if millis == self.last.millis {
            self.last.successor()
        } else if millis == remote.millis {
            remote.successor()
        } else {
            Hlc::new(millis, 0)
        };
        self.last = next;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn tick_follows_wall_clock_and_counts_within_a_millisecond() {
        let mut clock = HlcClock::new();
        assert_eq!(clock.tick(1_000), Hlc::new(1_000, 0));
        assert_eq!(clock.tick(1_000), Hlc::new(1_000, 1));
        assert_eq!(
            clock.tick(999),
            Hlc::new(1_000, 2),
            "a clock going backwards never rewinds"
        );
        assert_eq!(clock.tick(1_005), Hlc::new(1_005, 0));
    }

    #[test]
    fn counter_overflow_moves_to_the_next_millisecond() {
        let mut clock = HlcClock::resume(Hlc::new(10, u32::MAX));
        assert_eq!(clock.tick(10), Hlc::new(11, 0));
    }

    #[test]
    fn resume_continues_after_the_persisted_reading() {
        let mut clock = HlcClock::new();
        clock.tick(5_000);
        let saved = clock.last();
        let mut restarted = HlcClock::resume(saved);
        assert!(restarted.tick(4_000) > saved);
    }

    #[test]
    fn remote_far_ahead_is_clamped_and_reported() {
        let now = 1_700_000_000_000;
        let year_ahead = Hlc::new(now + 365 * 24 * 3_600_000, 3);
        let mut clock = HlcClock::new();
        let clamp = clock
            .observe(year_ahead, now)
            .expect("a year ahead is clamped");
        assert_eq!(clamp.received, year_ahead);
        assert_eq!(clamp.used, Hlc::new(now + MAX_FORWARD_DRIFT_MS, 3));
        assert!(clock.last() > clamp.used);
        assert!(clock.last().millis <= now + MAX_FORWARD_DRIFT_MS);
    }

    #[test]
    fn remote_within_drift_is_taken_as_is() {
        let now = 1_700_000_000_000;
        let mut clock = HlcClock::new();
        assert_eq!(clock.observe(Hlc::new(now + 60_000, 7), now), None);
        assert_eq!(clock.last(), Hlc::new(now + 60_000, 8));
    }

    #[test]
    fn vetted_readings_are_not_clamped_by_a_slow_local_clock() {
        let year = 365 * 24 * 3_600_000;
        let server_time = 1_700_000_000_000 + year;
        let mut slow = HlcClock::new();
        slow.observe_vetted(Hlc::new(server_time, 4), server_time - year);
        assert!(slow.tick(server_time - year) > Hlc::new(server_time, 4));
    }

    #[test]
    fn stamps_tie_break_on_device() {
        let a = DeviceId::generate(1, [0; 10]);
        let b = DeviceId::generate(2, [0; 10]);
        let hlc = Hlc::new(100, 0);
        assert!(Stamp { hlc, device: a } < Stamp { hlc, device: b });
    }

    #[derive(Debug, Clone)]
    enum Event {
        Tick(u64),
        Observe(u64, u32, u64),
        Restart,
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            (0u64..10_000_000).prop_map(Event::Tick),
            (0u64..20_000_000, any::<u32>(), 0u64..10_000_000)
                .prop_map(|(m, c, now)| Event::Observe(m, c, now)),
            Just(Event::Restart),
        ]
    }

    proptest! {
        #[test]
        fn never_goes_backwards(events in proptest::collection::vec(event(), 1..200)) {
            let mut clock = HlcClock::new();
            let mut previous = clock.last();
            for event in events {
                match event {
                    Event::Tick(now) => {
                        let reading = clock.tick(now);
                        prop_assert!(reading > previous);
                        prop_assert!(reading.millis >= now.min(reading.millis));
                    }
                    Event::Observe(millis, counter, now) => {
                        let remote = Hlc::new(millis, counter);
                        let clamp = clock.observe(remote, now);
                        prop_assert!(clock.last() > previous);
                        let used = clamp.map_or(remote, |c| c.used);
                        prop_assert!(clock.last() > used, "after observing, local is past the remote");
                        prop_assert_eq!(clamp.is_some(), millis > now + MAX_FORWARD_DRIFT_MS);
                    }
                    Event::Restart => {
                        clock = HlcClock::resume(clock.last());
                        prop_assert_eq!(clock.last(), previous);
                        continue;
                    }
                }
                previous = clock.last();
            }
        }

        #[test]
        fn tick_is_at_least_wall_clock(start in 0u64..1_000_000, now in 0u64..2_000_000) {
            let mut clock = HlcClock::resume(Hlc::new(start, 0));
            prop_assert!(clock.tick(now).millis >= now);
        }
    }
}
