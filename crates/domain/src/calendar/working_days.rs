//! Working-day arithmetic: whether a day is worked, deadlines in working days, and the breaks
//! of a year, over a [`HolidayCalendar`].

use std::collections::{BTreeMap, BTreeSet, btree_map};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::holidays::{DayKind, HolidayCalendar, rule_days_off};
use super::{CalendarError, check_date, check_year, in_range, is_weekend, shift, ymd};

/// A run of consecutive days off that contains at least one weekday off, e.g. the Tết break.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Break {
    /// The first day off.
    pub first: NaiveDate,
    /// The last day off.
    pub last: NaiveDate,
}

impl HolidayCalendar {
    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Days::new(self).is_working(date)
    }

    /// The deadline `n` working days after `start`.
    ///
    /// The day `start` itself is not counted, whether or not it is a working day: a petition
    /// received on any day of a Tết break and one received on the working day before it have the
    /// same deadline.
    /// The result is the `n`-th working day after `start`, so it is always a working day when
    /// `n > 0`; `n == 0` returns `start` unchanged.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        self.working_days().add(start, n)
    }

    /// The number of working days after `from` up to and including `to`; negative when `to` is
    /// before `from`.
    ///
    /// It is the inverse of [`Self::add_working_days`]:
    /// `working_days_between(d, add_working_days(d, n)) == n`.
    /// A question's age is `working_days_between(received, today)`, and it is overdue by
    /// `working_days_between(deadline, today)` when that is positive.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<i64, CalendarError> {
        self.working_days().between(from, to)
    }

    /// Working-day arithmetic that works out each year's holidays once, for many computations
    /// in a row (a list of questions, a report).
    pub fn working_days(&self) -> WorkingDays<'_> {
        WorkingDays {
            days: Days::new(self),
        }
    }

    /// The breaks of `year`: each run of consecutive days off that contains a weekday off in
    /// `year`, in order.
    /// A break may start in the year before or end in the year after (New Year's Day on a Monday
    /// makes a break from 30 December).
    pub fn breaks(&self, year: i32) -> Result<Vec<Break>, CalendarError> {
        check_year(year)?;
        let mut days = Days::new(self);
        let mut breaks = Vec::new();
        let mut date = ymd(year, 1, 1)?;
        while date.year() == year {
            if is_weekend(date) || days.is_working(date)? {
                date = shift(date, 1)?;
                continue;
            }
            let mut first = date;
            while let Some(before) = first.pred_opt().filter(|&d| in_range(d)) {
                if days.is_working(before)? {
                    break;
                }
                first = before;
            }
            let mut last = date;
            while let Some(after) = last.succ_opt().filter(|&d| in_range(d)) {
                if days.is_working(after)? {
                    break;
                }
                last = after;
            }
            breaks.push(Break { first, last });
            match last.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        Ok(breaks)
    }
}

/// Working-day lookups that compute each year's rule days once.
/// Working-day arithmetic over a [`HolidayCalendar`], remembering each year's holidays once
/// worked out; from [`HolidayCalendar::working_days`].
pub struct WorkingDays<'a> {
    days: Days<'a>,
}

impl WorkingDays<'_> {
    /// Whether `date` is a working day.
    pub fn is_working(&mut self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.days.is_working(date)
    }

    /// The deadline `n` working days after `start`, as [`HolidayCalendar::add_working_days`].
    pub fn add(&mut self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        check_date(start)?;
        let mut date = start;
        let mut left = n;
        while left > 0 {
            date = shift(date, 1)?;
            if self.days.is_working(date)? {
                left -= 1;
            }
        }
        Ok(date)
    }

    /// The working days after `from` up to and including `to`, as
    /// [`HolidayCalendar::working_days_between`].
    pub fn between(&mut self, from: NaiveDate, to: NaiveDate) -> Result<i64, CalendarError> {
        check_date(from)?;
        check_date(to)?;
        let (first, last, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut count = 0;
        let mut date = first;
        while date < last {
            date = shift(date, 1)?;
            if self.days.is_working(date)? {
                count += 1;
            }
        }
        Ok(sign * count)
    }
}

struct Days<'a> {
    calendar: &'a HolidayCalendar,
    rule_days: BTreeMap<i32, BTreeSet<NaiveDate>>,
}

impl<'a> Days<'a> {
    fn new(calendar: &'a HolidayCalendar) -> Self {
        Self {
            calendar,
            rule_days: BTreeMap::new(),
        }
    }

    fn is_working(&mut self, date: NaiveDate) -> Result<bool, CalendarError> {
        check_date(date)?;
        if let Some(kind) = self.calendar.adjustment(date) {
            return Ok(kind == DayKind::WorkingDay);
        }
        if is_weekend(date) {
            return Ok(false);
        }
        let year = date.year();
        if let btree_map::Entry::Vacant(entry) = self.rule_days.entry(year) {
            entry.insert(
                rule_days_off(year)?
                    .into_iter()
                    .map(|day| day.date)
                    .collect(),
            );
        }
        Ok(!self
            .rule_days
            .get(&year)
            .is_some_and(|days| days.contains(&date)))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::calendar::lunar::{date_of_jdn, jdn_of_ymd};
    use crate::calendar::*;

    fn d(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    // Working-day arithmetic.

    #[test]
    fn deadlines_skip_the_tet_break() {
        let calendar = HolidayCalendar::official();
        // Tuesday 10 February 2026, three working days before the break of 14–22 February.
        assert_eq!(
            calendar.add_working_days(d(2026, 2, 10), 10),
            Ok(d(2026, 3, 3))
        );
        assert_eq!(
            calendar.working_days_between(d(2026, 2, 10), d(2026, 3, 3)),
            Ok(10)
        );
        // Received on the last working day before the break, or during it: due the first day after.
        let mut date = d(2026, 2, 13);
        while date <= d(2026, 2, 22) {
            assert_eq!(
                calendar.add_working_days(date, 1),
                Ok(d(2026, 2, 23)),
                "{date}"
            );
            date = date.succ_opt().unwrap();
        }
        // 2025: the decision moved a Tết day to Monday 27 January and made 3 February a working day.
        assert_eq!(
            calendar.add_working_days(d(2025, 1, 24), 1),
            Ok(d(2025, 2, 3))
        );
        let rules = HolidayCalendar::default();
        assert_eq!(
            rules.add_working_days(d(2025, 1, 24), 1),
            Ok(d(2025, 1, 27))
        );
        assert_eq!(rules.add_working_days(d(2025, 1, 27), 1), Ok(d(2025, 2, 4)));
    }

    #[test]
    fn a_make_up_saturday_counts() {
        let calendar = HolidayCalendar::official();
        assert_eq!(calendar.is_working_day(d(2024, 5, 4)), Ok(true));
        assert_eq!(
            calendar.add_working_days(d(2024, 5, 3), 1),
            Ok(d(2024, 5, 4))
        );
        assert_eq!(
            calendar.add_working_days(d(2024, 4, 26), 3),
            Ok(d(2024, 5, 4))
        );
        assert_eq!(
            calendar.add_working_days(d(2024, 5, 4), 1),
            Ok(d(2024, 5, 6))
        );
    }

    #[test]
    fn counting_working_days() {
        let calendar = HolidayCalendar::official();
        // Zero days is the start itself, even a Sunday.
        assert_eq!(
            calendar.add_working_days(d(2026, 2, 22), 0),
            Ok(d(2026, 2, 22))
        );
        assert_eq!(
            calendar.working_days_between(d(2026, 2, 22), d(2026, 2, 22)),
            Ok(0)
        );
        assert_eq!(
            calendar.working_days_between(d(2026, 2, 13), d(2026, 2, 23)),
            Ok(1)
        );
        assert_eq!(
            calendar.working_days_between(d(2026, 2, 23), d(2026, 2, 13)),
            Ok(-1)
        );
        // 261 weekdays in 2026, less 11 days off; 262 in 2024, less 12, plus one Saturday.
        assert_eq!(
            calendar.working_days_between(d(2025, 12, 31), d(2026, 12, 31)),
            Ok(250)
        );
        assert_eq!(
            calendar.working_days_between(d(2023, 12, 31), d(2024, 12, 31)),
            Ok(251)
        );
    }

    #[test]
    fn arithmetic_stays_in_range() {
        let calendar = HolidayCalendar::official();
        assert_eq!(
            calendar.add_working_days(d(2100, 12, 29), 5),
            Err(CalendarError::DateOutOfRange {
                date: d(2100, 12, 31)
            })
        );
        assert_eq!(
            calendar.is_working_day(d(1899, 12, 29)),
            Err(CalendarError::DateOutOfRange {
                date: d(1899, 12, 29)
            })
        );
        assert_eq!(
            calendar.working_days_between(d(2026, 1, 1), d(2101, 1, 1)),
            Err(CalendarError::DateOutOfRange {
                date: d(2101, 1, 1)
            })
        );
        assert_eq!(
            calendar.breaks(1900).unwrap()[0],
            Break {
                first: d(1900, 1, 1),
                last: d(1900, 1, 1)
            }
        );
        assert_eq!(
            CalendarError::DateOutOfRange {
                date: d(2101, 1, 1)
            }
            .to_string(),
            "2101-01-01 is outside the supported years 1900–2100"
        );
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (jdn_of_ymd(1900, 1, 1)..=jdn_of_ymd(2100, 12, 31))
            .prop_map(|day| date_of_jdn(day).unwrap())
    }

    fn recent_date() -> impl Strategy<Value = NaiveDate> {
        (jdn_of_ymd(2020, 1, 1)..=jdn_of_ymd(2031, 12, 31))
            .prop_map(|day| date_of_jdn(day).unwrap())
    }

    proptest! {
        #[test]
        fn deadlines_are_working_days_and_count_back(start in any_date(), n in 0u32..300) {
            let calendar = HolidayCalendar::official();
            // Near the end of 2100 a deadline may run out of range; that is an error, not a date.
            // (300 working days are well under 450 calendar days.)
            let deadline = match calendar.add_working_days(start, n) {
                Ok(deadline) => deadline,
                Err(error) => {
                    prop_assert_eq!(error.code(), "date_out_of_range");
                    prop_assert!((d(LAST_YEAR, 12, 31) - start).num_days() < 450);
                    return Ok(());
                }
            };
            if n == 0 {
                prop_assert_eq!(deadline, start);
            } else {
                prop_assert!(deadline > start);
                prop_assert_eq!(calendar.is_working_day(deadline), Ok(true));
            }
            prop_assert_eq!(calendar.working_days_between(start, deadline), Ok(i64::from(n)));
            prop_assert_eq!(calendar.working_days_between(deadline, start), Ok(-i64::from(n)));
            if let Ok(later) = calendar.add_working_days(start, n + 1) {
                prop_assert!(later > deadline);
                prop_assert_eq!(calendar.working_days_between(deadline, later), Ok(1));
            }
        }

        #[test]
        fn working_day_counts_add_up(a in recent_date(), b in recent_date(), c in recent_date()) {
            let calendar = HolidayCalendar::official();
            let between = |x, y| calendar.working_days_between(x, y).unwrap();
            prop_assert_eq!(between(a, b) + between(b, c), between(a, c));
            prop_assert_eq!(between(a, b).signum() * between(b, a).signum(), -(between(a, b).signum().abs()));
            prop_assert!(a > b || between(a, b) >= 0);
        }
    }
}
