//! Working days in Vietnam: the Vietnamese lunar calendar, the public holidays of the
//! Labour Code 2019, and deadline arithmetic.
//!
//! Answers to citizens' petitions are due a number of *working days* after the petition arrives.
//! A working day is a Monday to Friday that is not a public holiday, not a compensating day off
//! and not a day off granted by an official decision; a Saturday or Sunday that a decision
//! declares a working day (*làm bù*) is a working day too.
//!
//! There are three layers, one module each, whose items are re-exported here:
//! - `lunar`: [`LunarDate`], the Vietnamese lunar calendar (*âm lịch*), computed from the Sun and
//!   the Moon for Vietnam's time zone, UTC+7.
//! - `holidays`: [`rule_days_off`], the holidays of Article 112 of the Labour Code 2019, with the
//!   compensating days of Article 111(3), derived for any year from the rules alone; and
//!   [`HolidayCalendar`], those rules plus each year's official decisions, which an administrator
//!   edits. The decisions built into Townhall are data, `crates/domain/data/holidays.json`, which
//!   a UI can read too.
//! - `working_days`: the working-day arithmetic built on them ([`WorkingDays`]).
//!
//! Nothing here reads the clock: every date is passed in.
//! Dates are supported from 1900-01-01 to 2100-12-31; outside that range the functions return
//! [`CalendarError`] rather than guess.
//!
//! # The lunar calendar
//!
//! A lunar month starts on the civil day, in UTC+7, that contains the astronomical new moon.
//! The month containing the December solstice is month 11.
//! When 13 new moons (rather than 12) separate two months 11, one of those months is a leap
//! month: the first one, after month 11, during which the Sun reaches no multiple of 30° of
//! longitude (no *trung khí*); it repeats the number of the month before it.
//! This is the rule of the Chinese calendar too; Vietnam has applied it in UTC+7 since 1968, so
//! the two calendars differ when a new moon or a solar term falls between 23:00 and midnight
//! Vietnamese time.
//! Tết 1985 is the famous case: 21 January in Vietnam, 20 February in China.
//! Before 1968 North Vietnam (and the South until 1975) used UTC+8, so historical Vietnamese
//! almanacs before then can differ from this UTC+7 calendar by a day or a month.
//!
//! New moons follow the periodic terms of J. Meeus, *Astronomical Algorithms* (2nd ed.), ch. 49,
//! accurate to seconds; the Sun's apparent longitude follows ch. 25 with the VSOP87 series of
//! Appendix III, accurate to a second of arc (half a minute of the Sun's motion); ΔT (terrestrial
//! minus universal time) follows the polynomials of Espenak and Meeus, an extrapolation after
//! about 2020 that may be off by a minute or so by 2100.
//! The method is the one Hồ Ngọc Đức published for the Vietnamese calendar, written afresh from
//! the astronomy, with a more precise Moon and Sun.
//! Like every astronomical calendar, it can only disagree with a published almanac when a new moon
//! or a solar term falls within minutes of midnight.
//!
//! # The holidays
//!
//! Article 112(1) of the Labour Code 2019 (*Bộ luật Lao động* 45/2019/QH14) gives workers paid days
//! off on: 1 January (1 day); Tết, the lunar new year (5 days); Giỗ Tổ Hùng Vương, 10th day of the
//! 3rd lunar month (1 day); 30 April (1 day); 1 May (1 day); National Day, 2 September and one
//! adjoining day, 1 or 3 September (2 days).
//! Article 112(3) lets the Prime Minister fix the actual Tết and National Day days each year, and
//! Article 111(3) gives a compensating day off on the next working day when a holiday falls on a
//! weekly rest day.
//! [`rule_days_off`] applies these rules with a default choice for Tết and National Day; the year's
//! official decision, recorded in a [`HolidayCalendar`], overrides individual days.
//! The decisions bind civil servants (*cán bộ, công chức, viên chức*), whose working days are the
//! ones petition deadlines are counted in; other employers choose within the same rules.

use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};

mod holidays;
mod lunar;
mod working_days;

pub use holidays::{
    Adjustment, DayKind, Decision, Holiday, HolidayCalendar, RuleDay, ScheduleStatus,
    YearAdjustments, rule_days_off,
};
pub use lunar::{LunarDate, leap_month, tet};
pub use working_days::{Break, WorkingDays};

/// The first year this module supports.
pub const FIRST_YEAR: i32 = 1900;
/// The last year this module supports.
pub const LAST_YEAR: i32 = 2100;

/// Why a calendar computation could not be done.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CalendarError {
    /// A date outside the supported range, [`FIRST_YEAR`] to [`LAST_YEAR`].
    DateOutOfRange {
        /// The date asked about, or the date a computation would have run past.
        date: NaiveDate,
    },
    /// A year outside the supported range, [`FIRST_YEAR`] to [`LAST_YEAR`].
    YearOutOfRange {
        /// The year asked about.
        year: i32,
    },
    /// A lunar date that does not exist: a month other than 1 to 12, a leap month in a year without
    /// that leap month, or a 30th day in a month of 29 days.
    NoSuchLunarDate {
        /// The lunar date asked about.
        date: LunarDate,
    },
    /// An official adjustment dated outside the year it is filed under.
    AdjustmentOutsideYear {
        /// The year the adjustments are for.
        year: i32,
        /// The adjustment's date.
        date: NaiveDate,
    },
    /// Two official adjustments for the same day.
    DuplicateAdjustment {
        /// The day adjusted twice.
        date: NaiveDate,
    },
}

impl CalendarError {
    /// A stable code the UI branches on.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::DateOutOfRange { .. } => "date_out_of_range",
            Self::YearOutOfRange { .. } => "year_out_of_range",
            Self::NoSuchLunarDate { .. } => "no_such_lunar_date",
            Self::AdjustmentOutsideYear { .. } => "adjustment_outside_year",
            Self::DuplicateAdjustment { .. } => "duplicate_adjustment",
        }
    }
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DateOutOfRange { date } => write!(
                f,
                "{date} is outside the supported years {FIRST_YEAR}–{LAST_YEAR}"
            ),
            Self::YearOutOfRange { year } => write!(
                f,
                "{year} is outside the supported years {FIRST_YEAR}–{LAST_YEAR}"
            ),
            Self::NoSuchLunarDate { date } => write!(f, "there is no lunar date {date}"),
            Self::AdjustmentOutsideYear { year, date } => {
                write!(f, "the adjustment for {date} is filed under {year}")
            }
            Self::DuplicateAdjustment { date } => write!(f, "{date} is adjusted twice"),
        }
    }
}

impl std::error::Error for CalendarError {}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn in_range(date: NaiveDate) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&date.year())
}

fn check_date(date: NaiveDate) -> Result<(), CalendarError> {
    if in_range(date) {
        Ok(())
    } else {
        Err(CalendarError::DateOutOfRange { date })
    }
}

fn check_year(year: i32) -> Result<(), CalendarError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(CalendarError::YearOutOfRange { year })
    }
}

fn ymd(year: i32, month: u32, day: u32) -> Result<NaiveDate, CalendarError> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or(CalendarError::YearOutOfRange { year })
}

/// `date` moved by `days`, failing when that leaves the supported range.
fn shift(date: NaiveDate, days: i64) -> Result<NaiveDate, CalendarError> {
    chrono::TimeDelta::try_days(days)
        .and_then(|delta| date.checked_add_signed(delta))
        .filter(|&d| in_range(d))
        .ok_or(CalendarError::DateOutOfRange { date })
}

/// A day or month number known to be small.
fn small(n: i64) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}
