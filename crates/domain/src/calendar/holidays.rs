//! The public holidays of the Labour Code 2019 and each year's official decisions.
//!
//! The rules give every year's days off ([`rule_days_off`]); a decision, recorded in a
//! [`HolidayCalendar`], overrides individual days. The decisions built into Townhall are data
//! (`crates/domain/data/holidays.json`), read once, so a UI can read the same file.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::lunar::{LunarDate, tet};
use super::{CalendarError, check_year, is_weekend, shift, ymd};

/// The public holidays of Article 112(1) of the Labour Code 2019.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Holiday {
    /// *Tết Dương lịch*, 1 January: 1 day.
    NewYear,
    /// *Tết Âm lịch* (*Tết Nguyên đán*), the lunar new year: 5 days.
    LunarNewYear,
    /// *Giỗ Tổ Hùng Vương*, the 10th day of the 3rd lunar month: 1 day.
    HungKings,
    /// *Ngày Chiến thắng*, 30 April: 1 day.
    VictoryDay,
    /// *Ngày Quốc tế lao động*, 1 May: 1 day.
    LabourDay,
    /// *Quốc khánh*, 2 September and 1 or 3 September: 2 days.
    NationalDay,
}

/// A day off that the Labour Code's rules alone give in a year.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RuleDay {
    /// The day.
    pub date: NaiveDate,
    /// The holiday it belongs to.
    pub holiday: Holiday,
    /// Whether it is the compensating day (*nghỉ bù*) for a day of `holiday` that fell on a
    /// weekend or on another holiday, rather than a day of the holiday itself.
    pub substitute: bool,
}

/// Whether an official adjustment makes a day a day off or a working day.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum DayKind {
    /// The day is a day off, whatever the rules say.
    DayOff,
    /// The day is a working day, whatever the rules say; on a weekend this is a make-up day
    /// (*ngày làm bù*).
    WorkingDay,
}

/// One day an official decision changes from what the rules give.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Adjustment {
    /// The day.
    pub date: NaiveDate,
    /// What it becomes.
    pub kind: DayKind,
}

/// An official decision about one or more holidays of a year, as an administrator records it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Decision {
    /// The holidays whose days off this decision settles.
    /// Empty for a decision about something else, such as an extraordinary day off.
    pub covers: Vec<Holiday>,
    /// Where the decision comes from, e.g. the notice that announced it, in words.
    pub reference: String,
    /// The days that differ from [`rule_days_off`]; empty when the decision confirms the rules.
    pub changes: Vec<Adjustment>,
}

/// The official decisions of one Gregorian year.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct YearAdjustments {
    /// The year; every change is dated in it.
    pub year: i32,
    /// The decisions, in the order they were recorded.
    pub decisions: Vec<Decision>,
}

/// Where a year's days off for a holiday come from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleStatus {
    /// An official decision recorded in the calendar settles them.
    Decided,
    /// They come from [`rule_days_off`] alone and may change when a decision is made.
    /// For the fixed-date holidays this only means that no swap of working days is known.
    RuleDerived,
}

/// Vietnam's working days: the holiday rules plus the official decisions an administrator records.
///
/// [`HolidayCalendar::official`] holds the decisions built into Townhall;
/// [`HolidayCalendar::default`] holds none, so every year follows the rules.
/// It serialises as the list of [`YearAdjustments`] and is validated when deserialised.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<YearAdjustments>", into = "Vec<YearAdjustments>")]
pub struct HolidayCalendar {
    years: BTreeMap<i32, YearAdjustments>,
}

/// The days off that the Labour Code's rules alone give in `year`, in date order.
///
/// The holiday days are listed even when they fall on a weekend; each such day, and each day two
/// holidays share, gets a compensating day on the next weekday that is not already a day off
/// (Article 111(3); the Code is silent on two holidays sharing a day, and a compensating day is the
/// reading that keeps every holiday).
///
/// Where the Prime Minister fixes the days each year, the rules use the usual choice:
/// - Tết is the last day of the old lunar year and the first four days of the new one.
/// - National Day's adjoining day is the one that joins 2 September to a weekend: 1 September when
///   2 September is a Tuesday, Friday or Saturday, otherwise 3 September (on a Wednesday neither
///   does, and the day after is the default).
pub fn rule_days_off(year: i32) -> Result<Vec<RuleDay>, CalendarError> {
    check_year(year)?;
    let tet = tet(year)?;
    let hung_kings = LunarDate {
        year,
        month: 3,
        leap: false,
        day: 10,
    }
    .to_solar()?;
    let national_day = ymd(year, 9, 2)?;
    let adjoining = match national_day.weekday() {
        Weekday::Tue | Weekday::Fri | Weekday::Sat => ymd(year, 9, 1)?,
        _ => ymd(year, 9, 3)?,
    };

    let mut holidays = vec![
        (ymd(year, 1, 1)?, Holiday::NewYear),
        (hung_kings, Holiday::HungKings),
        (ymd(year, 4, 30)?, Holiday::VictoryDay),
        (ymd(year, 5, 1)?, Holiday::LabourDay),
        (national_day, Holiday::NationalDay),
        (adjoining, Holiday::NationalDay),
    ];
    for offset in -1..=3 {
        holidays.push((shift(tet, offset)?, Holiday::LunarNewYear));
    }
    holidays.sort();

    let mut taken: BTreeSet<NaiveDate> = holidays.iter().map(|&(date, _)| date).collect();
    let mut days = Vec::with_capacity(holidays.len() + 4);
    let mut previous = None;
    for &(date, holiday) in &holidays {
        days.push(RuleDay {
            date,
            holiday,
            substitute: false,
        });
        if is_weekend(date) || previous == Some(date) {
            let mut substitute = shift(date, 1)?;
            while is_weekend(substitute) || taken.contains(&substitute) {
                substitute = shift(substitute, 1)?;
            }
            taken.insert(substitute);
            days.push(RuleDay {
                date: substitute,
                holiday,
                substitute: true,
            });
        }
        previous = Some(date);
    }
    days.sort_by_key(|day| (day.date, day.substitute, day.holiday));
    Ok(days)
}

impl HolidayCalendar {
    /// A calendar with the given years' decisions, after checking them.
    pub fn new(years: Vec<YearAdjustments>) -> Result<Self, CalendarError> {
        let mut calendar = Self::default();
        for year in years {
            calendar.set_year(year)?;
        }
        Ok(calendar)
    }

    /// The calendar with the official decisions built into Townhall, for 2024 to 2026.
    ///
    /// Only decisions known with confidence are included; every other year and holiday is
    /// [`ScheduleStatus::RuleDerived`] until an administrator records its decision.
    /// The outcomes (which days were off, which Saturday was worked) are well documented; the
    /// notice numbers are not recorded because they could not be checked against the texts.
    /// None is known for 2027.
    pub fn official() -> Self {
        OFFICIAL.clone()
    }

    /// Records (or replaces) the decisions of one year, after checking that every change is dated
    /// in that year and no day is changed twice.
    pub fn set_year(&mut self, adjustments: YearAdjustments) -> Result<(), CalendarError> {
        check_year(adjustments.year)?;
        let mut seen = BTreeSet::new();
        for change in changes(&adjustments) {
            if change.date.year() != adjustments.year {
                return Err(CalendarError::AdjustmentOutsideYear {
                    year: adjustments.year,
                    date: change.date,
                });
            }
            if !seen.insert(change.date) {
                return Err(CalendarError::DuplicateAdjustment { date: change.date });
            }
        }
        self.years.insert(adjustments.year, adjustments);
        Ok(())
    }

    /// Forgets the decisions of one year, which then follows the rules alone.
    pub fn remove_year(&mut self, year: i32) -> Option<YearAdjustments> {
        self.years.remove(&year)
    }

    /// The decisions recorded for one year.
    pub fn year(&self, year: i32) -> Option<&YearAdjustments> {
        self.years.get(&year)
    }

    /// Every year with recorded decisions, in order.
    pub fn years(&self) -> impl Iterator<Item = &YearAdjustments> {
        self.years.values()
    }

    /// Whether a holiday's days off in `year` are settled by a recorded decision.
    pub fn status(&self, year: i32, holiday: Holiday) -> ScheduleStatus {
        let decided = self.years.get(&year).is_some_and(|adjustments| {
            adjustments
                .decisions
                .iter()
                .any(|decision| decision.covers.contains(&holiday))
        });
        if decided {
            ScheduleStatus::Decided
        } else {
            ScheduleStatus::RuleDerived
        }
    }

    /// The Saturdays and Sundays of `year` that a decision makes working days (*ngày làm bù*).
    pub fn make_up_days(&self, year: i32) -> Vec<NaiveDate> {
        let mut dates: Vec<NaiveDate> = self
            .years
            .get(&year)
            .into_iter()
            .flat_map(changes)
            .filter(|change| change.kind == DayKind::WorkingDay && is_weekend(change.date))
            .map(|change| change.date)
            .collect();
        dates.sort();
        dates
    }

    pub(super) fn adjustment(&self, date: NaiveDate) -> Option<DayKind> {
        self.years
            .get(&date.year())
            .into_iter()
            .flat_map(changes)
            .find(|change| change.date == date)
            .map(|change| change.kind)
    }
}
impl TryFrom<Vec<YearAdjustments>> for HolidayCalendar {
    type Error = CalendarError;

    fn try_from(years: Vec<YearAdjustments>) -> Result<Self, Self::Error> {
        Self::new(years)
    }
}

impl From<HolidayCalendar> for Vec<YearAdjustments> {
    fn from(calendar: HolidayCalendar) -> Self {
        calendar.years.into_values().collect()
    }
}

/// The official decisions built into [`HolidayCalendar::official`], as the data file writes them
/// (its `about` says where they come from and how sure each one is).
const OFFICIAL_DECISIONS: &str = include_str!("../../data/holidays.json");

/// [`OFFICIAL_DECISIONS`], read and checked once.
static OFFICIAL: LazyLock<HolidayCalendar> =
    LazyLock::new(|| official_decisions(OFFICIAL_DECISIONS).unwrap_or_default());

/// The data file: its years, with a note beside each decision for the people who edit it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionFile {
    /// Where the decisions come from, in words; for readers of the file.
    #[serde(rename = "about")]
    _about: String,
    years: Vec<FileYear>,
}

/// One year of the data file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileYear {
    year: i32,
    decisions: Vec<FileDecision>,
}

/// One decision of the data file: a [`Decision`] and a note on what it gives.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDecision {
    covers: Vec<Holiday>,
    reference: String,
    #[serde(rename = "note")]
    _note: String,
    changes: Vec<Adjustment>,
}

/// The calendar the data file `json` records, or why it cannot be read: it is not what
/// [`DecisionFile`] reads, or it records a decision [`HolidayCalendar::set_year`] refuses.
fn official_decisions(json: &str) -> Result<HolidayCalendar, String> {
    let file: DecisionFile =
        serde_json::from_str(json).map_err(|e| format!("unreadable decisions: {e}"))?;
    let years = file
        .years
        .into_iter()
        .map(|year| YearAdjustments {
            year: year.year,
            decisions: year
                .decisions
                .into_iter()
                .map(|decision| Decision {
                    covers: decision.covers,
                    reference: decision.reference,
                    changes: decision.changes,
                })
                .collect(),
        })
        .collect();
    HolidayCalendar::new(years).map_err(|e| format!("refused decision: {e}"))
}

fn changes(adjustments: &YearAdjustments) -> impl Iterator<Item = &Adjustment> {
    adjustments
        .decisions
        .iter()
        .flat_map(|decision| decision.changes.iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::*;

    fn lunar(year: i32, month: u8, leap: bool, day: u8) -> LunarDate {
        LunarDate {
            year,
            month,
            leap,
            day,
        }
    }

    fn d(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn the_data_file_reads_and_holds_three_years() {
        let calendar = official_decisions(OFFICIAL_DECISIONS).unwrap();
        let years: Vec<i32> = calendar.years().map(|year| year.year).collect();
        assert_eq!(years, [2024, 2025, 2026]);
        assert_eq!(HolidayCalendar::official(), calendar);
    }

    #[test]
    fn a_data_file_with_an_unknown_field_or_a_misfiled_day_is_refused() {
        let unknown = r#"{"about": "", "years": [], "extra": 1}"#;
        let error = official_decisions(unknown).unwrap_err();
        assert!(error.contains("unknown field `extra`"), "{error}");
        let misfiled = r#"{"about": "", "years": [{"year": 2025, "decisions": [
            {"covers": [], "reference": "", "note": "",
             "changes": [{"date": "2024-12-31", "kind": "day_off"}]}]}]}"#;
        let error = official_decisions(misfiled).unwrap_err();
        assert!(error.contains("filed under 2025"), "{error}");
    }

    // The holiday rules.

    /// The rule days of one holiday in a year, as (date, substitute).
    fn rule_days(year: i32, holiday: Holiday) -> Vec<(NaiveDate, bool)> {
        rule_days_off(year)
            .unwrap()
            .into_iter()
            .filter(|day| day.holiday == holiday)
            .map(|day| (day.date, day.substitute))
            .collect()
    }

    #[test]
    fn new_years_day_is_one_day() {
        let cases = [
            (2024, vec![(d(2024, 1, 1), false)]),
            // A Sunday: Monday is the compensating day (in 2023 the break was 31/12–2/1).
            (2023, vec![(d(2023, 1, 1), false), (d(2023, 1, 2), true)]),
            // A Saturday: the compensating day is the Monday.
            (2028, vec![(d(2028, 1, 1), false), (d(2028, 1, 3), true)]),
        ];
        for (year, expected) in cases {
            assert_eq!(rule_days(year, Holiday::NewYear), expected, "{year}");
        }
    }

    #[test]
    fn tet_is_the_last_day_of_the_year_and_four_more() {
        let days = |dates: &[(u32, u32)], substitutes: &[(u32, u32)], year| {
            let mut days: Vec<_> = dates
                .iter()
                .map(|&(m, day)| (d(year, m, day), false))
                .collect();
            days.extend(substitutes.iter().map(|&(m, day)| (d(year, m, day), true)));
            days.sort();
            days
        };
        let cases = [
            // Saturday and Sunday are Tết days: Wednesday and Thursday compensate.
            (
                2024,
                days(
                    &[(2, 9), (2, 10), (2, 11), (2, 12), (2, 13)],
                    &[(2, 14), (2, 15)],
                    2024,
                ),
            ),
            (
                2025,
                days(
                    &[(1, 28), (1, 29), (1, 30), (1, 31), (2, 1)],
                    &[(2, 3)],
                    2025,
                ),
            ),
            (
                2026,
                days(&[(2, 16), (2, 17), (2, 18), (2, 19), (2, 20)], &[], 2026),
            ),
            (
                2027,
                days(
                    &[(2, 5), (2, 6), (2, 7), (2, 8), (2, 9)],
                    &[(2, 10), (2, 11)],
                    2027,
                ),
            ),
        ];
        for (year, expected) in cases {
            assert_eq!(rule_days(year, Holiday::LunarNewYear), expected, "{year}");
        }
        for year in FIRST_YEAR..=LAST_YEAR {
            let tet: Vec<NaiveDate> = rule_days(year, Holiday::LunarNewYear)
                .into_iter()
                .filter(|&(_, substitute)| !substitute)
                .map(|(date, _)| date)
                .collect();
            let lunar: Vec<LunarDate> = tet
                .iter()
                .map(|&date| LunarDate::from_solar(date).unwrap())
                .collect();
            assert_eq!(lunar[0].year, year - 1, "{year}");
            assert_eq!(lunar[0].month, 12, "{year}");
            assert!(lunar[0].day >= 29, "{year}");
            let new_year: Vec<_> = lunar[1..]
                .iter()
                .map(|l| (l.year, l.month, l.day))
                .collect();
            assert_eq!(
                new_year,
                [(year, 1, 1), (year, 1, 2), (year, 1, 3), (year, 1, 4)]
            );
        }
    }

    #[test]
    fn hung_kings_day_is_the_tenth_of_the_third_lunar_month() {
        assert_eq!(
            rule_days(2024, Holiday::HungKings),
            [(d(2024, 4, 18), false)]
        );
        assert_eq!(
            rule_days(2025, Holiday::HungKings),
            [(d(2025, 4, 7), false)]
        );
        // A Sunday in 2026: Monday 27 April compensates.
        assert_eq!(
            rule_days(2026, Holiday::HungKings),
            [(d(2026, 4, 26), false), (d(2026, 4, 27), true)]
        );
        assert_eq!(
            rule_days(2027, Holiday::HungKings),
            [(d(2027, 4, 16), false)]
        );
        for year in FIRST_YEAR..=LAST_YEAR {
            let (date, _) = rule_days(year, Holiday::HungKings)[0];
            assert_eq!(LunarDate::from_solar(date), Ok(lunar(year, 3, false, 10)));
        }
    }

    #[test]
    fn victory_day_and_labour_day_are_one_day_each() {
        // 2027: 1 May is a Saturday.
        assert_eq!(
            rule_days(2027, Holiday::VictoryDay),
            [(d(2027, 4, 30), false)]
        );
        assert_eq!(
            rule_days(2027, Holiday::LabourDay),
            [(d(2027, 5, 1), false), (d(2027, 5, 3), true)]
        );
        // 2022: Saturday and Sunday; the break was 30/4–3/5.
        assert_eq!(
            rule_days(2022, Holiday::VictoryDay),
            [(d(2022, 4, 30), false), (d(2022, 5, 2), true)]
        );
        assert_eq!(
            rule_days(2022, Holiday::LabourDay),
            [(d(2022, 5, 1), false), (d(2022, 5, 3), true)]
        );
        // 2023: Giỗ Tổ on Saturday 29 April, 30 April a Sunday; the break was 29/4–3/5.
        assert_eq!(
            rule_days(2023, Holiday::HungKings),
            [(d(2023, 4, 29), false), (d(2023, 5, 2), true)]
        );
        assert_eq!(
            rule_days(2023, Holiday::VictoryDay),
            [(d(2023, 4, 30), false), (d(2023, 5, 3), true)]
        );
        assert_eq!(
            rule_days(2023, Holiday::LabourDay),
            [(d(2023, 5, 1), false)]
        );
    }

    #[test]
    fn national_day_takes_the_adjoining_day_that_meets_a_weekend() {
        let cases = [
            (2021, vec![(2, false), (3, false)]),            // Thursday
            (2022, vec![(1, false), (2, false)]),            // Friday
            (2023, vec![(1, false), (2, false), (4, true)]), // Saturday
            (2024, vec![(2, false), (3, false)]),            // Monday
            (2025, vec![(1, false), (2, false)]),            // Tuesday
            (2026, vec![(2, false), (3, false)]),            // Wednesday: no weekend to meet
            (2029, vec![(2, false), (3, false), (4, true)]), // Sunday
        ];
        for (year, days) in cases {
            let expected: Vec<_> = days
                .into_iter()
                .map(|(day, substitute)| (d(year, 9, day), substitute))
                .collect();
            assert_eq!(rule_days(year, Holiday::NationalDay), expected, "{year}");
        }
    }

    #[test]
    fn two_holidays_on_one_day_give_a_compensating_day() {
        // In 1947, the 10th of the 3rd lunar month fell on 30 April.
        assert_eq!(
            rule_days(1947, Holiday::HungKings),
            [(d(1947, 4, 30), false)]
        );
        assert_eq!(
            rule_days(1947, Holiday::VictoryDay),
            [(d(1947, 4, 30), false), (d(1947, 5, 2), true)]
        );
    }

    #[test]
    fn the_rules_give_eleven_weekdays_off_every_year() {
        for year in FIRST_YEAR..=LAST_YEAR {
            let days = rule_days_off(year).unwrap();
            assert_eq!(
                days.iter().filter(|day| !day.substitute).count(),
                11,
                "{year}"
            );
            let weekdays: BTreeSet<NaiveDate> = days
                .iter()
                .map(|day| day.date)
                .filter(|&date| !is_weekend(date))
                .collect();
            assert_eq!(weekdays.len(), 11, "{year}");
            assert!(days.iter().all(|day| day.date.year() == year), "{year}");
        }
        assert_eq!(
            rule_days_off(2101),
            Err(CalendarError::YearOutOfRange { year: 2101 })
        );
    }

    // The official decisions, year by year.

    /// Checks a year of `calendar`: its weekdays off, its make-up weekend days and its breaks.
    fn check_year(
        calendar: &HolidayCalendar,
        year: i32,
        weekdays_off: &[(u32, u32)],
        make_up: &[(u32, u32)],
        breaks: &[(NaiveDate, NaiveDate)],
    ) {
        let mut off = Vec::new();
        let mut worked_weekends = Vec::new();
        let mut date = d(year, 1, 1);
        while date.year() == year {
            let working = calendar.is_working_day(date).unwrap();
            if !is_weekend(date) && !working {
                off.push(date);
            }
            if is_weekend(date) && working {
                worked_weekends.push(date);
            }
            date = date.succ_opt().unwrap();
        }
        let dates = |days: &[(u32, u32)]| -> Vec<NaiveDate> {
            days.iter().map(|&(m, day)| d(year, m, day)).collect()
        };
        assert_eq!(off, dates(weekdays_off), "weekdays off in {year}");
        assert_eq!(worked_weekends, dates(make_up), "make-up days in {year}");
        assert_eq!(
            calendar.make_up_days(year),
            dates(make_up),
            "make-up days in {year}"
        );
        let breaks: Vec<Break> = breaks
            .iter()
            .map(|&(first, last)| Break { first, last })
            .collect();
        assert_eq!(calendar.breaks(year), Ok(breaks), "breaks in {year}");
    }

    #[test]
    fn days_off_in_2024() {
        check_year(
            &HolidayCalendar::official(),
            2024,
            &[
                (1, 1),
                (2, 8),
                (2, 9),
                (2, 12),
                (2, 13),
                (2, 14),
                (4, 18),
                (4, 29),
                (4, 30),
                (5, 1),
                (9, 2),
                (9, 3),
            ],
            &[(5, 4)],
            &[
                (d(2023, 12, 30), d(2024, 1, 1)),
                (d(2024, 2, 8), d(2024, 2, 14)),
                (d(2024, 4, 18), d(2024, 4, 18)),
                (d(2024, 4, 27), d(2024, 5, 1)),
                (d(2024, 8, 31), d(2024, 9, 3)),
            ],
        );
    }

    #[test]
    fn days_off_in_2025() {
        check_year(
            &HolidayCalendar::official(),
            2025,
            &[
                (1, 1),
                (1, 27),
                (1, 28),
                (1, 29),
                (1, 30),
                (1, 31),
                (4, 7),
                (4, 30),
                (5, 1),
                (5, 2),
                (9, 1),
                (9, 2),
            ],
            &[(4, 26)],
            &[
                (d(2025, 1, 1), d(2025, 1, 1)),
                (d(2025, 1, 25), d(2025, 2, 2)),
                (d(2025, 4, 5), d(2025, 4, 7)),
                (d(2025, 4, 30), d(2025, 5, 4)),
                (d(2025, 8, 30), d(2025, 9, 2)),
            ],
        );
    }

    #[test]
    fn days_off_in_2026() {
        // Tết is decided (and matches the rules); the rest is rule-derived.
        check_year(
            &HolidayCalendar::official(),
            2026,
            &[
                (1, 1),
                (2, 16),
                (2, 17),
                (2, 18),
                (2, 19),
                (2, 20),
                (4, 27),
                (4, 30),
                (5, 1),
                (9, 2),
                (9, 3),
            ],
            &[],
            &[
                (d(2026, 1, 1), d(2026, 1, 1)),
                (d(2026, 2, 14), d(2026, 2, 22)),
                (d(2026, 4, 25), d(2026, 4, 27)),
                (d(2026, 4, 30), d(2026, 5, 3)),
                (d(2026, 9, 2), d(2026, 9, 3)),
            ],
        );
    }

    #[test]
    fn days_off_in_2027() {
        // Rule-derived: no decision is known.
        check_year(
            &HolidayCalendar::official(),
            2027,
            &[
                (1, 1),
                (2, 5),
                (2, 8),
                (2, 9),
                (2, 10),
                (2, 11),
                (4, 16),
                (4, 30),
                (5, 3),
                (9, 2),
                (9, 3),
            ],
            &[],
            &[
                (d(2027, 1, 1), d(2027, 1, 3)),
                (d(2027, 2, 5), d(2027, 2, 11)),
                (d(2027, 4, 16), d(2027, 4, 18)),
                (d(2027, 4, 30), d(2027, 5, 3)),
                (d(2027, 9, 2), d(2027, 9, 5)),
            ],
        );
    }

    #[test]
    fn the_rules_alone_differ_from_the_decisions_of_2024_and_2025() {
        let rules = HolidayCalendar::default();
        assert_eq!(
            rules.breaks(2024).unwrap()[1],
            Break {
                first: d(2024, 2, 9),
                last: d(2024, 2, 15)
            }
        );
        assert_eq!(
            rules.breaks(2025).unwrap()[1],
            Break {
                first: d(2025, 1, 28),
                last: d(2025, 2, 3)
            }
        );
        assert!(rules.make_up_days(2025).is_empty());
    }

    #[test]
    fn which_years_are_decided() {
        use Holiday::*;
        use ScheduleStatus::*;

        let calendar = HolidayCalendar::official();
        let expected = [
            (
                2024,
                [RuleDerived, Decided, RuleDerived, Decided, Decided, Decided],
            ),
            (
                2025,
                [RuleDerived, Decided, RuleDerived, Decided, Decided, Decided],
            ),
            (
                2026,
                [
                    RuleDerived,
                    Decided,
                    RuleDerived,
                    RuleDerived,
                    RuleDerived,
                    RuleDerived,
                ],
            ),
            (2027, [RuleDerived; 6]),
        ];
        let holidays = [
            NewYear,
            LunarNewYear,
            HungKings,
            VictoryDay,
            LabourDay,
            NationalDay,
        ];
        for (year, statuses) in expected {
            for (holiday, status) in holidays.into_iter().zip(statuses) {
                assert_eq!(calendar.status(year, holiday), status, "{holiday:?} {year}");
            }
        }
        let years: Vec<i32> = calendar.years().map(|year| year.year).collect();
        assert_eq!(years, [2024, 2025, 2026]);
        // The built-in decisions pass the checks an administrator's edits do.
        let checked = HolidayCalendar::new(calendar.years().cloned().collect());
        assert_eq!(checked, Ok(calendar));
    }

    #[test]
    fn an_administrator_records_a_decision() {
        use DayKind::*;

        let mut calendar = HolidayCalendar::official();
        assert_eq!(
            calendar.status(2026, Holiday::NationalDay),
            ScheduleStatus::RuleDerived
        );
        // A hypothetical decision: 1 and 2 September 2026 rather than 2 and 3.
        let mut year = calendar.year(2026).cloned().unwrap();
        year.decisions.push(Decision {
            covers: vec![Holiday::NationalDay],
            reference: "hypothetical".to_owned(),
            changes: vec![
                Adjustment {
                    date: d(2026, 9, 1),
                    kind: DayOff,
                },
                Adjustment {
                    date: d(2026, 9, 3),
                    kind: WorkingDay,
                },
            ],
        });
        calendar.set_year(year.clone()).unwrap();
        assert_eq!(
            calendar.status(2026, Holiday::NationalDay),
            ScheduleStatus::Decided
        );
        assert_eq!(calendar.is_working_day(d(2026, 9, 1)), Ok(false));
        assert_eq!(calendar.is_working_day(d(2026, 9, 3)), Ok(true));

        let mut twice = year.clone();
        twice.decisions[1].changes.push(Adjustment {
            date: d(2026, 9, 1),
            kind: WorkingDay,
        });
        let error = calendar.set_year(twice).unwrap_err();
        assert_eq!(
            error,
            CalendarError::DuplicateAdjustment {
                date: d(2026, 9, 1)
            }
        );
        assert_eq!(error.code(), "duplicate_adjustment");

        let mut misfiled = year;
        misfiled.decisions[1].changes[0].date = d(2027, 9, 1);
        assert_eq!(
            calendar.set_year(misfiled),
            Err(CalendarError::AdjustmentOutsideYear {
                year: 2026,
                date: d(2027, 9, 1)
            })
        );

        assert!(calendar.remove_year(2026).is_some());
        assert_eq!(
            calendar.status(2026, Holiday::LunarNewYear),
            ScheduleStatus::RuleDerived
        );
        assert_eq!(calendar.is_working_day(d(2026, 9, 3)), Ok(false));
    }

    #[test]
    fn adjustments_serialise_for_storage() {
        let calendar = HolidayCalendar::official();
        let year = calendar.year(2025).unwrap();
        let json = serde_json::to_value(year).unwrap();
        assert_eq!(json["year"], 2025);
        assert_eq!(
            json["decisions"][0]["covers"],
            serde_json::json!(["lunar_new_year"])
        );
        assert_eq!(
            json["decisions"][0]["changes"][0],
            serde_json::json!({"date": "2025-01-27", "kind": "day_off"})
        );
        assert_eq!(
            serde_json::from_value::<YearAdjustments>(json).unwrap(),
            *year
        );

        // The calendar is stored as its list of years, and checked when read back.
        let text = serde_json::to_string(&calendar).unwrap();
        assert!(text.starts_with(r#"[{"year":2024,"#), "{text}");
        assert_eq!(
            serde_json::from_str::<HolidayCalendar>(&text).unwrap(),
            calendar
        );
        let misfiled = serde_json::json!([{
            "year": 2025,
            "decisions": [{
                "covers": [],
                "reference": "typo",
                "changes": [{"date": "2026-01-02", "kind": "day_off"}]
            }]
        }]);
        let error = serde_json::from_value::<HolidayCalendar>(misfiled).unwrap_err();
        assert!(error.to_string().contains("filed under 2025"), "{error}");
    }
}
