//! Reporting periods: a month, a quarter, a half year, nine months or a year, and the dates in
//! Vietnam each one covers.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use townhall_domain::validate::{Problem, ValidationError};

/// The kinds of Vietnamese reporting periods.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum PeriodKind {
    /// A calendar month; `index` 1 to 12.
    Month,
    /// A quarter; `index` 1 to 4.
    Quarter,
    /// Six months: `index` 1 for January to June (6 tháng đầu năm), 2 for July to December.
    HalfYear,
    /// January to September (9 tháng); `index` 1.
    NineMonths,
    /// The calendar year; `index` 1.
    Year,
}

/// A reporting period, in dates in Vietnam.
///
/// Build one with [`Period::new`] (or [`Period::month`], [`Period::quarter`], …); one that
/// arrives through serde is checked when a report uses it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Period {
    /// Month, quarter, half year, nine months or year.
    pub kind: PeriodKind,
    /// The year.
    pub year: i32,
    /// Which month, quarter or half; 1 for nine months and a year.
    pub index: u8,
}

impl Period {
    /// A period, checked: month 1–12, quarter 1–4, half 1–2, index 1 for nine months and a
    /// year, and a year the holiday calendar knows (1900–2100).
    pub fn new(kind: PeriodKind, year: i32, index: u8) -> Result<Self, ValidationError> {
        let max = match kind {
            PeriodKind::Month => 12,
            PeriodKind::Quarter => 4,
            PeriodKind::HalfYear => 2,
            PeriodKind::NineMonths | PeriodKind::Year => 1,
        };
        if !(1..=max).contains(&index) {
            return Err(ValidationError {
                field: "period.index".to_owned(),
                problem: Problem::OutOfRange {
                    allowed: format!("1 to {max}"),
                },
            });
        }
        if !(townhall_domain::calendar::FIRST_YEAR..=townhall_domain::calendar::LAST_YEAR)
            .contains(&year)
        {
            return Err(ValidationError {
                field: "period.year".to_owned(),
                problem: Problem::OutOfRange {
                    allowed: format!(
                        "{} to {}",
                        townhall_domain::calendar::FIRST_YEAR,
                        townhall_domain::calendar::LAST_YEAR
                    ),
                },
            });
        }
        Ok(Self { kind, year, index })
    }

    /// A calendar month (1–12).
    pub fn month(year: i32, month: u8) -> Result<Self, ValidationError> {
        Self::new(PeriodKind::Month, year, month)
    }

    /// A quarter (1–4).
    pub fn quarter(year: i32, quarter: u8) -> Result<Self, ValidationError> {
        Self::new(PeriodKind::Quarter, year, quarter)
    }

    /// January to June (6 tháng đầu năm).
    pub fn first_half(year: i32) -> Result<Self, ValidationError> {
        Self::new(PeriodKind::HalfYear, year, 1)
    }

    /// July to December (6 tháng cuối năm).
    pub fn second_half(year: i32) -> Result<Self, ValidationError> {
        Self::new(PeriodKind::HalfYear, year, 2)
    }

    /// January to September (9 tháng).
    pub fn nine_months(year: i32) -> Result<Self, ValidationError> {
        Self::new(PeriodKind::NineMonths, year, 1)
    }

    /// The calendar year.
    pub fn year(year: i32) -> Result<Self, ValidationError> {
        Self::new(PeriodKind::Year, year, 1)
    }

    /// The first and last day of the period, both included.
    pub fn dates(&self) -> Result<(NaiveDate, NaiveDate), ValidationError> {
        let checked = Self::new(self.kind, self.year, self.index)?;
        let (first_month, months) = match checked.kind {
            PeriodKind::Month => (u32::from(checked.index), 1),
            PeriodKind::Quarter => (u32::from(checked.index) * 3 - 2, 3),
            PeriodKind::HalfYear => (u32::from(checked.index) * 6 - 5, 6),
            PeriodKind::NineMonths => (1, 9),
            PeriodKind::Year => (1, 12),
        };
        let bad = || ValidationError {
            field: "period".to_owned(),
            problem: Problem::OutOfRange {
                allowed: "a period between 1900 and 2100".to_owned(),
            },
        };
        let from = NaiveDate::from_ymd_opt(checked.year, first_month, 1).ok_or_else(bad)?;
        let last_month = first_month + months - 1;
        let next = if last_month == 12 {
            NaiveDate::from_ymd_opt(checked.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(checked.year, last_month + 1, 1)
        };
        let to = next.and_then(|d| d.pred_opt()).ok_or_else(bad)?;
        Ok((from, to))
    }

    /// The first day of the period.
    pub fn from(&self) -> Result<NaiveDate, ValidationError> {
        self.dates().map(|(from, _)| from)
    }

    /// The last day of the period (included).
    pub fn to(&self) -> Result<NaiveDate, ValidationError> {
        self.dates().map(|(_, to)| to)
    }

    /// The period as a Vietnamese report names it: "Tháng 11 năm 2026", "Quý III năm 2026",
    /// "6 tháng đầu năm 2026", "6 tháng cuối năm 2026", "9 tháng năm 2026", "Năm 2026".
    pub fn label(&self) -> String {
        let year = self.year;
        match self.kind {
            PeriodKind::Month => format!("Tháng {} năm {year}", self.index),
            PeriodKind::Quarter => {
                let roman = match self.index {
                    1 => "I",
                    2 => "II",
                    3 => "III",
                    _ => "IV",
                };
                format!("Quý {roman} năm {year}")
            }
            PeriodKind::HalfYear if self.index == 1 => format!("6 tháng đầu năm {year}"),
            PeriodKind::HalfYear => format!("6 tháng cuối năm {year}"),
            PeriodKind::NineMonths => format!("9 tháng năm {year}"),
            PeriodKind::Year => format!("Năm {year}"),
        }
    }

    /// The period's stable spelling in storage, e.g. `quarter:2026:3`.
    pub(crate) fn key(&self) -> String {
        let kind = match self.kind {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::HalfYear => "half_year",
            PeriodKind::NineMonths => "nine_months",
            PeriodKind::Year => "year",
        };
        format!("{kind}:{}:{}", self.year, self.index)
    }

    /// The period a stored spelling names; `None` for one this version does not know.
    pub(crate) fn from_key(key: &str) -> Option<Self> {
        let mut parts = key.split(':');
        let kind = match parts.next()? {
            "month" => PeriodKind::Month,
            "quarter" => PeriodKind::Quarter,
            "half_year" => PeriodKind::HalfYear,
            "nine_months" => PeriodKind::NineMonths,
            "year" => PeriodKind::Year,
            _ => return None,
        };
        let year = parts.next()?.parse().ok()?;
        let index = parts.next()?.parse().ok()?;
        Self::new(kind, year, index).ok()
    }
}
