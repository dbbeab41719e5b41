//! The Vietnamese lunar calendar (*âm lịch*), computed from the Sun and the Moon for UTC+7: see
//! the calendar module's documentation for the rule and its sources.

use std::f64::consts::PI;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{CalendarError, FIRST_YEAR, LAST_YEAR, check_date, check_year, small};

/// A date in the Vietnamese lunar calendar (*âm lịch*).
///
/// The fields are ordered so that the derived ordering is chronological: a leap month follows the
/// regular month of the same number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct LunarDate {
    /// The lunar year, numbered as the Gregorian year in which its Tết falls
    /// (Tết on 2026-02-17 starts lunar year 2026, Bính Ngọ).
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u8,
    /// Whether this is the leap month (*tháng nhuận*), which repeats the number of the month before.
    pub leap: bool,
    /// The day of the month, 1 to 30.
    pub day: u8,
}

impl LunarDate {
    /// The lunar date of a solar (Gregorian) date.
    pub fn from_solar(date: NaiveDate) -> Result<Self, CalendarError> {
        check_date(date)?;
        let day = jdn(date);
        let k = lunation_containing(day);
        let mut cycle = Cycle::new(date.year());
        if k < cycle.k11 {
            cycle = Cycle::new(date.year() - 1);
        }
        let (year, month, leap) = cycle.label(k - cycle.k11);
        Ok(Self {
            year,
            month,
            leap,
            day: small(day - new_moon_day(k) + 1),
        })
    }

    /// The solar (Gregorian) date of this lunar date, or why it does not exist or is out of range.
    pub fn to_solar(&self) -> Result<NaiveDate, CalendarError> {
        let missing = CalendarError::NoSuchLunarDate { date: *self };
        // The end of lunar year 1899 falls in 1900; the result is checked against the range below.
        if !(FIRST_YEAR - 1..=LAST_YEAR).contains(&self.year) {
            return Err(CalendarError::YearOutOfRange { year: self.year });
        }
        if !(1..=12).contains(&self.month) || !(1..=30).contains(&self.day) {
            return Err(missing);
        }
        // Months 11 and 12 open the cycle that starts in the same Gregorian year;
        // months 1 to 10 belong to the cycle that started the year before.
        let index = i64::from((self.month + 1) % 12);
        let cycle = Cycle::new(if index < 2 { self.year } else { self.year - 1 });
        let offset = match cycle.leap {
            Some(leap) if self.leap && index == leap - 1 => leap,
            Some(leap) if !self.leap && index >= leap => index + 1,
            _ if self.leap => return Err(missing),
            _ => index,
        };
        let start = new_moon_day(cycle.k11 + offset);
        if i64::from(self.day) > new_moon_day(cycle.k11 + offset + 1) - start {
            return Err(missing);
        }
        let date = date_of_jdn(start + i64::from(self.day) - 1).ok_or(missing)?;
        check_date(date)?;
        Ok(date)
    }
}

impl fmt::Display for LunarDate {
    /// Formats as Vietnamese almanacs do: `10/3/2026`, with `n` after a leap month (`1/2n/2023`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let leap = if self.leap { "n" } else { "" };
        write!(f, "{}/{}{leap}/{}", self.day, self.month, self.year)
    }
}

/// Tết: the solar date of the first day of lunar year `year`.
pub fn tet(year: i32) -> Result<NaiveDate, CalendarError> {
    LunarDate {
        year,
        month: 1,
        leap: false,
        day: 1,
    }
    .to_solar()
}

/// The number of the leap month of lunar year `year`, if it has one.
pub fn leap_month(year: i32) -> Result<Option<u8>, CalendarError> {
    check_year(year)?;
    // A leap month numbered 1 to 10 lies in the cycle from month 11 of the previous year;
    // a leap 11th or 12th month lies in the cycle from month 11 of `year`.
    for (cycle_year, numbers) in [(year - 1, 1..=10), (year, 11..=12)] {
        let cycle = Cycle::new(cycle_year);
        if let Some(leap) = cycle.leap {
            let (_, month, _) = cycle.label(leap);
            if numbers.contains(&month) {
                return Ok(Some(month));
            }
        }
    }
    Ok(None)
}

// The astronomy.
//
// Days are Julian day numbers (JDN): the integer count of civil days, 2000-01-01 being 2451545.
// Instants are Julian dates (JD), in days; a JD `t` in universal time falls on the Vietnamese civil
// day `floor(t + 0.5 + 7/24)`.

/// Vietnam's offset from universal time, in days.
const UTC_OFFSET: f64 = 7.0 / 24.0;
/// The JDN of day zero of chrono's count of days from the common era (0000-12-31).
const JDN_OF_CE_DAY_ZERO: i64 = 1_721_425;
/// The mean length of a lunation, in days.
const SYNODIC_MONTH: f64 = 29.530588861;
/// The JD of the mean new moon of lunation 0, 2000-01-06 (Meeus's epoch).
const LUNATION_EPOCH: f64 = 2451550.09766;

fn jdn(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JDN_OF_CE_DAY_ZERO
}

pub(super) fn date_of_jdn(day: i64) -> Option<NaiveDate> {
    i32::try_from(day - JDN_OF_CE_DAY_ZERO)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// The JDN of a Gregorian date, by integer arithmetic (Fliegel and Van Flandern).
pub(super) fn jdn_of_ymd(year: i32, month: i32, day: i32) -> i64 {
    let (y, m, d) = (i64::from(year), i64::from(month), i64::from(day));
    let a = (14 - m) / 12;
    let y = y + 4800 - a;
    let m = m + 12 * a - 3;
    d + (153 * m + 2) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 32045
}

/// The universal-time JD of Vietnamese midnight at the start of day `day`.
fn local_midnight(day: i64) -> f64 {
    day as f64 - 0.5 - UTC_OFFSET
}

/// The Vietnamese civil day of a universal-time instant.
fn local_day(jd: f64) -> i64 {
    (jd + 0.5 + UTC_OFFSET).floor() as i64
}

/// One cycle of lunar months, from the month 11 of a Gregorian year to the next month 11.
struct Cycle {
    /// The Gregorian year whose December solstice lies in the first month 11.
    year: i32,
    /// The lunation that is month 11.
    k11: i64,
    /// The offset from `k11` of the leap month, when the cycle has 13 months.
    leap: Option<i64>,
}

impl Cycle {
    fn new(year: i32) -> Self {
        let k11 = month_11(year);
        let next = month_11(year + 1);
        // Month 11 itself holds the solstice, so the search starts at the month after it.
        // In a 13-month cycle some month must lack a major term (13 months outlast 12 terms);
        // the fallback only keeps this total.
        let leap =
            (next - k11 == 13).then(|| (1..13).find(|&i| !has_major_term(k11 + i)).unwrap_or(12));
        Self { year, k11, leap }
    }

    /// The lunar year, month number and leap flag of the month `offset` lunations after month 11.
    fn label(&self, offset: i64) -> (i32, u8, bool) {
        let (index, leap) = match self.leap {
            Some(leap) if offset >= leap => (offset - 1, offset == leap),
            _ => (offset, false),
        };
        // index 0 is month 11, 1 is month 12, 2 is month 1 of the next lunar year.
        let month = small((index + 10) % 12 + 1);
        let year = if index < 2 { self.year } else { self.year + 1 };
        (year, month, leap)
    }
}

/// The lunation whose month contains the December solstice of `year`.
fn month_11(year: i32) -> i64 {
    let k = lunation_containing(jdn_of_ymd(year, 12, 31));
    // The month holding 31 December starts on 2 to 31 December.
    // If the Sun had already passed 270° when it started, the solstice is in the month before.
    if sun_longitude(local_midnight(new_moon_day(k))) >= 270.0 {
        k - 1
    } else {
        k
    }
}

/// Whether the Sun reaches a multiple of 30° of longitude during lunation `k`'s month.
fn has_major_term(k: i64) -> bool {
    let term = |day| (sun_longitude(local_midnight(day)) / 30.0).floor() as i64;
    term(new_moon_day(k)) != term(new_moon_day(k + 1))
}

/// The lunation whose month contains day `day`: `new_moon_day(k) <= day < new_moon_day(k + 1)`.
fn lunation_containing(day: i64) -> i64 {
    let mut k = ((day as f64 - LUNATION_EPOCH) / SYNODIC_MONTH).floor() as i64;
    // The mean estimate is off by at most one lunation; the bound only keeps this total.
    for _ in 0..4 {
        if new_moon_day(k) > day {
            k -= 1;
        } else if new_moon_day(k + 1) <= day {
            k += 1;
        } else {
            break;
        }
    }
    k
}

/// The Vietnamese civil day on which lunation `k`'s new moon falls: day 1 of its month.
fn new_moon_day(k: i64) -> i64 {
    local_day(new_moon_ut(k))
}

/// The instant of lunation `k`'s new moon, as a universal-time JD.
fn new_moon_ut(k: i64) -> f64 {
    let jde = new_moon_jde(k as f64);
    jde - delta_t(jde)
}

/// Periodic terms of the true new moon (Meeus table 49.A): coefficient in days, power of E, and
/// the multiples of M (the Sun's mean anomaly), M′ (the Moon's), F (the Moon's argument of
/// latitude) and Ω (the longitude of its ascending node).
#[rustfmt::skip]
const NEW_MOON_TERMS: [(f64, i32, f64, f64, f64, f64); 25] = [
    (-0.40720, 0, 0.0, 1.0, 0.0, 0.0),
    (0.17241, 1, 1.0, 0.0, 0.0, 0.0),
    (0.01608, 0, 0.0, 2.0, 0.0, 0.0),
    (0.01039, 0, 0.0, 0.0, 2.0, 0.0),
    (0.00739, 1, -1.0, 1.0, 0.0, 0.0),
    (-0.00514, 1, 1.0, 1.0, 0.0, 0.0),
    (0.00208, 2, 2.0, 0.0, 0.0, 0.0),
    (-0.00111, 0, 0.0, 1.0, -2.0, 0.0),
    (-0.00057, 0, 0.0, 1.0, 2.0, 0.0),
    (0.00056, 1, 1.0, 2.0, 0.0, 0.0),
    (-0.00042, 0, 0.0, 3.0, 0.0, 0.0),
    (0.00042, 1, 1.0, 0.0, 2.0, 0.0),
    (0.00038, 1, 1.0, 0.0, -2.0, 0.0),
    (-0.00024, 1, -1.0, 2.0, 0.0, 0.0),
    (-0.00017, 0, 0.0, 0.0, 0.0, 1.0),
    (-0.00007, 0, 2.0, 1.0, 0.0, 0.0),
    (0.00004, 0, 0.0, 2.0, -2.0, 0.0),
    (0.00004, 0, 3.0, 0.0, 0.0, 0.0),
    (0.00003, 0, 1.0, 1.0, -2.0, 0.0),
    (0.00003, 0, 0.0, 2.0, 2.0, 0.0),
    (-0.00003, 0, 1.0, 1.0, 2.0, 0.0),
    (0.00003, 0, -1.0, 1.0, 2.0, 0.0),
    (-0.00002, 0, -1.0, 1.0, -2.0, 0.0),
    (-0.00002, 0, 1.0, 3.0, 0.0, 0.0),
    (0.00002, 0, 0.0, 4.0, 0.0, 0.0),
];

/// Planetary perturbations of the new moon (Meeus ch. 49): coefficient in days, and the argument's
/// value at lunation 0 and its increase per lunation, in degrees.
/// The first argument also has a `-0.009173 T²` term, added where it is used.
#[rustfmt::skip]
const PLANETARY_TERMS: [(f64, f64, f64); 14] = [
    (0.000325, 299.77, 0.107408),
    (0.000165, 251.88, 0.016321),
    (0.000164, 251.83, 26.651886),
    (0.000126, 349.42, 36.412478),
    (0.000110, 84.66, 18.206239),
    (0.000062, 141.74, 53.303771),
    (0.000060, 207.14, 2.453732),
    (0.000056, 154.84, 7.306860),
    (0.000047, 34.52, 27.261239),
    (0.000042, 207.19, 0.121824),
    (0.000040, 291.34, 1.844379),
    (0.000037, 161.72, 24.198154),
    (0.000035, 239.56, 25.513099),
    (0.000023, 331.55, 3.592518),
];

/// The instant of the true new moon of lunation `k` (0 in January 2000), as a JDE in terrestrial
/// time (Meeus ch. 49).
fn new_moon_jde(k: f64) -> f64 {
    let t = k / 1236.85;
    let (t2, t3, t4) = (t * t, t * t * t, t * t * t * t);
    let mean = LUNATION_EPOCH + SYNODIC_MONTH * k + 0.00015437 * t2 - 0.000000150 * t3
        + 0.00000000073 * t4;
    let e = 1.0 - 0.002516 * t - 0.0000074 * t2;
    let m = 2.5534 + 29.10535670 * k - 0.0000014 * t2 - 0.00000011 * t3;
    let m_moon = 201.5643 + 385.81693528 * k + 0.0107582 * t2 + 0.00001238 * t3 - 0.000000058 * t4;
    let f = 160.7108 + 390.67050284 * k - 0.0016118 * t2 - 0.00000227 * t3 + 0.000000011 * t4;
    let omega = 124.7746 - 1.56375588 * k + 0.0020672 * t2 + 0.00000215 * t3;

    let periodic: f64 = NEW_MOON_TERMS
        .iter()
        .map(|&(coefficient, e_power, cm, cmm, cf, co)| {
            let argument = cm * m + cmm * m_moon + cf * f + co * omega;
            coefficient * e.powi(e_power) * argument.to_radians().sin()
        })
        .sum();
    let planetary: f64 = PLANETARY_TERMS
        .iter()
        .enumerate()
        .map(|(i, &(coefficient, start, rate))| {
            let secular = if i == 0 { -0.009173 * t2 } else { 0.0 };
            coefficient * (start + rate * k + secular).to_radians().sin()
        })
        .sum();
    mean + periodic + planetary
}

/// The Sun's apparent ecliptic longitude, in degrees from 0 to 360, at a universal-time JD.
fn sun_longitude(jd: f64) -> f64 {
    sun_apparent_longitude(jd + delta_t(jd))
}

/// The Sun's apparent longitude, in degrees, at a terrestrial-time JDE (Meeus ch. 25, "higher
/// accuracy"): the Earth's heliocentric longitude from the VSOP87 series, turned round, brought to
/// the FK5 frame, and corrected for nutation and aberration.
/// The series are those of Meeus's Appendix III, accurate to about a second of arc; the nutation
/// keeps its four largest terms (half a second of arc).
fn sun_apparent_longitude(jde: f64) -> f64 {
    let t = (jde - 2451545.0) / 36525.0;
    let geometric = earth_longitude(jde).to_degrees() + 180.0;
    let fk5 = geometric - 0.09033 / 3600.0;
    let omega = (125.04452 - 1934.136261 * t).to_radians();
    let sun_mean = (280.4665 + 36000.7698 * t).to_radians();
    let moon_mean = (218.3165 + 481267.8813 * t).to_radians();
    let nutation =
        -17.20 * omega.sin() - 1.32 * (2.0 * sun_mean).sin() - 0.23 * (2.0 * moon_mean).sin()
            + 0.21 * (2.0 * omega).sin();
    let anomaly = (357.52911 + 35999.05029 * t).to_radians();
    let distance = 1.000140 - 0.016708 * anomaly.cos() - 0.000139 * (2.0 * anomaly).cos();
    let aberration = -20.4898 / distance;
    (fk5 + (nutation + aberration) / 3600.0).rem_euclid(360.0)
}

/// The Earth's heliocentric ecliptic longitude, in radians (not reduced), at a JDE, in the
/// dynamical frame of the date (VSOP87D).
fn earth_longitude(jde: f64) -> f64 {
    let tau = (jde - 2451545.0) / 365250.0;
    let series = |terms: &[(f64, f64, f64)]| -> f64 {
        terms.iter().map(|&(a, b, c)| a * (b + c * tau).cos()).sum()
    };
    let mut longitude = 0.0;
    for terms in VSOP87_EARTH_L.iter().rev() {
        longitude = longitude * tau + series(terms);
    }
    longitude / 1e8
}

/// The VSOP87D series of the Earth's longitude, L0 to L5 (Meeus, Appendix III): amplitude in
/// 10⁻⁸ radian, phase in radians, frequency in radians per Julian millennium.
/// (The appendix prints the phase π of the constant terms of L4 and L5 as 3.142 and 3.14.)
#[rustfmt::skip]
const VSOP87_EARTH_L: [&[(f64, f64, f64)]; 6] = [
    &[
        (175347046.0, 0.0, 0.0), (3341656.0, 4.6692568, 6283.0758500),
        (34894.0, 4.62610, 12566.15170), (3497.0, 2.7441, 5753.3849),
        (3418.0, 2.8289, 3.5231), (3136.0, 3.6277, 77713.7715),
        (2676.0, 4.4181, 7860.4194), (2343.0, 6.1352, 3930.2097),
        (1324.0, 0.7425, 11506.7698), (1273.0, 2.0371, 529.6910),
        (1199.0, 1.1096, 1577.3435), (990.0, 5.233, 5884.927),
        (902.0, 2.045, 26.298), (857.0, 3.508, 398.149),
        (780.0, 1.179, 5223.694), (753.0, 2.533, 5507.553),
        (505.0, 4.583, 18849.228), (492.0, 4.205, 775.523),
        (357.0, 2.920, 0.067), (317.0, 5.849, 11790.629),
        (284.0, 1.899, 796.298), (271.0, 0.315, 10977.079),
        (243.0, 0.345, 5486.778), (206.0, 4.806, 2544.314),
        (205.0, 1.869, 5573.143), (202.0, 2.458, 6069.777),
        (156.0, 0.833, 213.299), (132.0, 3.411, 2942.463),
        (126.0, 1.083, 20.775), (115.0, 0.645, 0.980),
        (103.0, 0.636, 4694.003), (102.0, 0.976, 15720.839),
        (102.0, 4.267, 7.114), (99.0, 6.21, 2146.17),
        (98.0, 0.68, 155.42), (86.0, 5.98, 161000.69),
        (85.0, 1.30, 6275.96), (85.0, 3.67, 71430.70),
        (80.0, 1.81, 17260.15), (79.0, 3.04, 12036.46),
        (75.0, 1.76, 5088.63), (74.0, 3.50, 3154.69),
        (74.0, 4.68, 801.82), (70.0, 0.83, 9437.76),
        (62.0, 3.98, 8827.39), (61.0, 1.82, 7084.90),
        (57.0, 2.78, 6286.60), (56.0, 4.39, 14143.50),
        (56.0, 3.47, 6279.55), (52.0, 0.19, 12139.55),
        (52.0, 1.33, 1748.02), (51.0, 0.28, 5856.48),
        (49.0, 0.49, 1194.45), (41.0, 5.37, 8429.24),
        (41.0, 2.40, 19651.05), (39.0, 6.17, 10447.39),
        (37.0, 6.04, 10213.29), (37.0, 2.57, 1059.38),
        (36.0, 1.71, 2352.87), (36.0, 1.78, 6812.77),
        (33.0, 0.59, 17789.85), (30.0, 0.44, 83996.85),
        (30.0, 2.74, 1349.87), (25.0, 3.16, 4690.48),
    ],
    &[
        (628331966747.0, 0.0, 0.0), (206059.0, 2.678235, 6283.075850),
        (4303.0, 2.6351, 12566.1517), (425.0, 1.590, 3.523),
        (119.0, 5.796, 26.298), (109.0, 2.966, 1577.344),
        (93.0, 2.59, 18849.23), (72.0, 1.14, 529.69),
        (68.0, 1.87, 398.15), (67.0, 4.41, 5507.55),
        (59.0, 2.89, 5223.69), (56.0, 2.17, 155.42),
        (45.0, 0.40, 796.30), (36.0, 0.47, 775.52),
        (29.0, 2.65, 7.11), (21.0, 5.34, 0.98),
        (19.0, 1.85, 5486.78), (19.0, 4.97, 213.30),
        (17.0, 2.99, 6275.96), (16.0, 0.03, 2544.31),
        (16.0, 1.43, 2146.17), (15.0, 1.21, 10977.08),
        (12.0, 2.83, 1748.02), (12.0, 3.26, 5088.63),
        (12.0, 5.27, 1194.45), (12.0, 2.08, 4694.00),
        (11.0, 0.77, 553.57), (10.0, 1.30, 6286.60),
        (10.0, 4.24, 1349.87), (9.0, 2.70, 242.73),
        (9.0, 5.64, 951.72), (8.0, 5.30, 2352.87),
        (6.0, 2.65, 9437.76), (6.0, 4.67, 4690.48),
    ],
    &[
        (52919.0, 0.0, 0.0), (8720.0, 1.0721, 6283.0758),
        (309.0, 0.867, 12566.152), (27.0, 0.05, 3.52),
        (16.0, 5.19, 26.30), (16.0, 3.68, 155.42),
        (10.0, 0.76, 18849.23), (9.0, 2.06, 77713.77),
        (7.0, 0.83, 775.52), (5.0, 4.66, 1577.34),
        (4.0, 1.03, 7.11), (4.0, 3.44, 5573.14),
        (3.0, 5.14, 796.30), (3.0, 6.05, 5507.55),
        (3.0, 1.19, 242.73), (3.0, 6.12, 529.69),
        (3.0, 0.31, 398.15), (3.0, 2.28, 553.57),
        (2.0, 4.38, 5223.69), (2.0, 3.75, 0.98),
    ],
    &[
        (289.0, 5.844, 6283.076), (35.0, 0.0, 0.0),
        (17.0, 5.49, 12566.15), (3.0, 5.20, 155.42),
        (1.0, 4.72, 3.52), (1.0, 5.30, 18849.23),
        (1.0, 5.97, 242.73),
    ],
    &[(114.0, PI, 0.0), (8.0, 4.13, 6283.08), (1.0, 3.84, 12566.15)],
    &[(1.0, PI, 0.0)],
];

/// ΔT, terrestrial minus universal time, in days, at a JD (the polynomials of Espenak and Meeus,
/// NASA's *Five Millennium Canon of Solar Eclipses*; within a second or two for 1900–2020 and an
/// extrapolation after that).
fn delta_t(jd: f64) -> f64 {
    let y = 2000.0 + (jd - 2451545.0) / 365.25;
    let seconds = if y < 1860.0 {
        let u = (y - 1820.0) / 100.0;
        -20.0 + 32.0 * u * u
    } else if y < 1900.0 {
        let t = y - 1860.0;
        7.62 + 0.5737 * t - 0.251754 * t.powi(2) + 0.01680668 * t.powi(3) - 0.0004473624 * t.powi(4)
            + t.powi(5) / 233174.0
    } else if y < 1920.0 {
        let t = y - 1900.0;
        -2.79 + 1.494119 * t - 0.0598939 * t.powi(2) + 0.0061966 * t.powi(3) - 0.000197 * t.powi(4)
    } else if y < 1941.0 {
        let t = y - 1920.0;
        21.20 + 0.84493 * t - 0.076100 * t.powi(2) + 0.0020936 * t.powi(3)
    } else if y < 1961.0 {
        let t = y - 1950.0;
        29.07 + 0.407 * t - t.powi(2) / 233.0 + t.powi(3) / 2547.0
    } else if y < 1986.0 {
        let t = y - 1975.0;
        45.45 + 1.067 * t - t.powi(2) / 260.0 - t.powi(3) / 718.0
    } else if y < 2005.0 {
        let t = y - 2000.0;
        63.86 + 0.3345 * t - 0.060374 * t.powi(2)
            + 0.0017275 * t.powi(3)
            + 0.000651814 * t.powi(4)
            + 0.00002373599 * t.powi(5)
    } else if y < 2050.0 {
        let t = y - 2000.0;
        62.92 + 0.32217 * t + 0.005589 * t.powi(2)
    } else if y < 2150.0 {
        let u = (y - 1820.0) / 100.0;
        -20.0 + 32.0 * u * u - 0.5628 * (2150.0 - y)
    } else {
        let u = (y - 1820.0) / 100.0;
        -20.0 + 32.0 * u * u
    };
    seconds / 86400.0
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::calendar::*;

    fn d(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn lunar(year: i32, month: u8, leap: bool, day: u8) -> LunarDate {
        LunarDate {
            year,
            month,
            leap,
            day,
        }
    }

    /// The universal-time JD of a UTC date and time.
    fn jd_utc(year: i32, month: i32, day: i32, hour: i32, minute: i32) -> f64 {
        jdn_of_ymd(year, month, day) as f64 - 0.5 + f64::from(hour * 60 + minute) / 1440.0
    }

    // The astronomy, against published values.

    #[test]
    fn new_moon_matches_meeus_example_49a() {
        // Meeus, example 49.a: the new moon of February 1977 is lunation -283, JDE 2443192.65118.
        let jde = new_moon_jde(-283.0);
        assert!((jde - 2443192.65118).abs() < 0.00002, "{jde}");
    }

    #[test]
    fn sun_matches_meeus_example_25b() {
        // Meeus, example 25.b, 1992 October 13.0 TD: the Earth's VSOP87 longitude is
        // 19.907372° and the Sun's apparent longitude 199°54'21.818" = 199.906061°.
        let earth = earth_longitude(2448908.5).to_degrees().rem_euclid(360.0);
        assert!((earth - 19.907372).abs() < 0.000002, "{earth}");
        let sun = sun_apparent_longitude(2448908.5);
        assert!((sun - 199.906061).abs() < 0.0002, "{sun}");
    }

    #[test]
    fn new_moons_match_published_times() {
        // Universal times of new moons as published (US Naval Observatory), to the minute.
        let published = [
            (2017, 8, 21, 18, 30), // the total solar eclipse across the United States
            (2024, 1, 11, 11, 57), // month 12 of Quý Mão
            (2024, 2, 9, 22, 59),  // Tết 2024, 10 February in Vietnam
            (2024, 4, 8, 18, 21),  // the total solar eclipse across North America
            (2025, 1, 29, 12, 36), // Tết 2025
            (2026, 2, 17, 12, 1),  // Tết 2026, an annular eclipse
        ];
        for (year, month, day, hour, minute) in published {
            let expected = jd_utc(year, month, day, hour, minute);
            let k = ((expected - LUNATION_EPOCH) / SYNODIC_MONTH).round() as i64;
            let minutes = (new_moon_ut(k) - expected) * 1440.0;
            assert!(
                minutes.abs() < 1.5,
                "{year}-{month}-{day}: {minutes:.2} min"
            );
        }
    }

    #[test]
    fn solstices_and_equinoxes_match_published_times() {
        // Universal times as published (US Naval Observatory), to the minute.
        let published = [
            (2023, 12, 22, 3, 27, 270.0),
            (2024, 3, 20, 3, 6, 0.0),
            (2024, 12, 21, 9, 20, 270.0),
            (2025, 12, 21, 15, 3, 270.0),
        ];
        for (year, month, day, hour, minute, longitude) in published {
            let jd = jd_utc(year, month, day, hour, minute);
            let error = (sun_longitude(jd) - longitude + 180.0).rem_euclid(360.0) - 180.0;
            // A minute of the Sun's motion is 0.0007°.
            assert!(error.abs() < 0.0012, "{year}-{month}-{day}: {error}°");
        }
    }

    // The lunar calendar.

    #[test]
    fn tet() {
        let known = [
            (2000, d(2000, 2, 5)),
            (2001, d(2001, 1, 24)),
            (2002, d(2002, 2, 12)),
            (2003, d(2003, 2, 1)),
            (2004, d(2004, 1, 22)),
            (2005, d(2005, 2, 9)),
            (2006, d(2006, 1, 29)),
            (2008, d(2008, 2, 7)),
            (2009, d(2009, 1, 26)),
            (2010, d(2010, 2, 14)),
            (2011, d(2011, 2, 3)),
            (2012, d(2012, 1, 23)),
            (2013, d(2013, 2, 10)),
            (2014, d(2014, 1, 31)),
            (2015, d(2015, 2, 19)),
            (2016, d(2016, 2, 8)),
            (2017, d(2017, 1, 28)),
            (2018, d(2018, 2, 16)),
            (2019, d(2019, 2, 5)),
            (2020, d(2020, 1, 25)),
            (2021, d(2021, 2, 12)),
            (2022, d(2022, 2, 1)),
            (2023, d(2023, 1, 22)),
            (2024, d(2024, 2, 10)),
            (2025, d(2025, 1, 29)),
            (2026, d(2026, 2, 17)),
            (2027, d(2027, 2, 6)),
            // Where Vietnam's UTC+7 differs from China's UTC+8: the new moon fell between 23:00
            // and midnight Vietnamese time (China: 1968-01-30, 1985-02-20, 2007-02-18).
            (1968, d(1968, 1, 29)),
            (1985, d(1985, 1, 21)),
            (2007, d(2007, 2, 17)),
        ];
        for (year, date) in known {
            assert_eq!(super::tet(year), Ok(date), "Tết {year}");
            assert_eq!(LunarDate::from_solar(date), Ok(lunar(year, 1, false, 1)));
            let eve = date.pred_opt().unwrap();
            assert_eq!(LunarDate::from_solar(eve).unwrap().year, year - 1);
        }
    }

    #[test]
    fn leap_months() {
        let known = [
            (2001, Some(4)),
            (2004, Some(2)),
            (2006, Some(7)),
            (2009, Some(5)),
            (2012, Some(4)),
            (2014, Some(9)),
            (2017, Some(6)),
            (2020, Some(4)),
            (2022, None),
            (2023, Some(2)),
            (2024, None),
            (2025, Some(6)),
            (2026, None),
            (2027, None),
            (2028, Some(5)),
        ];
        for (year, month) in known {
            assert_eq!(leap_month(year), Ok(month), "{year}");
        }
        // The first days of the leap months of 2023 and 2025, and the last of the months they repeat.
        let days = [
            (d(2023, 3, 21), lunar(2023, 2, false, 30)),
            (d(2023, 3, 22), lunar(2023, 2, true, 1)),
            (d(2023, 4, 20), lunar(2023, 3, false, 1)),
            (d(2025, 7, 24), lunar(2025, 6, false, 30)),
            (d(2025, 7, 25), lunar(2025, 6, true, 1)),
            (d(2025, 8, 23), lunar(2025, 7, false, 1)),
        ];
        for (date, expected) in days {
            assert_eq!(LunarDate::from_solar(date), Ok(expected), "{date}");
            assert_eq!(expected.to_solar(), Ok(date), "{expected}");
        }
    }

    #[test]
    fn hung_kings_day() {
        let known = [
            (2023, d(2023, 4, 29)),
            (2024, d(2024, 4, 18)),
            (2025, d(2025, 4, 7)),
            (2026, d(2026, 4, 26)),
            (2027, d(2027, 4, 16)),
        ];
        for (year, date) in known {
            assert_eq!(lunar(year, 3, false, 10).to_solar(), Ok(date), "{year}");
        }
    }

    #[test]
    fn lunar_dates_that_do_not_exist() {
        let missing = [
            lunar(2024, 2, true, 1),    // 2024 has no leap month
            lunar(2023, 3, true, 1),    // 2023's leap month is the 2nd
            lunar(2024, 12, false, 30), // the 12th month of Giáp Thìn has 29 days
            lunar(2024, 13, false, 1),
            lunar(2024, 0, false, 1),
            lunar(2024, 1, false, 0),
            lunar(2024, 1, false, 31),
        ];
        for date in missing {
            assert_eq!(
                date.to_solar(),
                Err(CalendarError::NoSuchLunarDate { date }),
                "{date}"
            );
        }
        assert_eq!(lunar(2023, 12, false, 30).to_solar(), Ok(d(2024, 2, 9)));
        assert_eq!(
            lunar(1898, 12, false, 1).to_solar(),
            Err(CalendarError::YearOutOfRange { year: 1898 })
        );
        assert_eq!(
            lunar(1899, 11, false, 1).to_solar(),
            Err(CalendarError::DateOutOfRange {
                date: d(1899, 12, 3)
            })
        );
        assert_eq!(lunar(1899, 12, false, 1).to_solar(), Ok(d(1900, 1, 1)));
        assert_eq!(
            LunarDate::from_solar(d(2101, 1, 1)),
            Err(CalendarError::DateOutOfRange {
                date: d(2101, 1, 1)
            })
        );
    }

    #[test]
    fn lunar_dates_display_as_almanacs_write_them() {
        assert_eq!(lunar(2026, 3, false, 10).to_string(), "10/3/2026");
        assert_eq!(lunar(2023, 2, true, 1).to_string(), "1/2n/2023");
    }

    #[test]
    fn every_lunar_year_is_well_formed() {
        for year in FIRST_YEAR..LAST_YEAR {
            let tet = super::tet(year).unwrap();
            assert!(
                (d(year, 1, 21)..=d(year, 2, 20)).contains(&tet),
                "Tết {year} on {tet}"
            );
            let length = (super::tet(year + 1).unwrap() - tet).num_days();
            let expected = if leap_month(year).unwrap().is_some() {
                383..=385
            } else {
                353..=355
            };
            assert!(expected.contains(&length), "{year} has {length} days");
        }
        // Month 11 holds the December solstice, found here by bisection on the Sun's longitude.
        for year in FIRST_YEAR..=LAST_YEAR {
            let (mut early, mut late) = (jd_utc(year, 12, 19, 0, 0), jd_utc(year, 12, 24, 0, 0));
            for _ in 0..40 {
                let middle = (early + late) / 2.0;
                if sun_longitude(middle) < 270.0 {
                    early = middle;
                } else {
                    late = middle;
                }
            }
            let solstice = date_of_jdn(local_day(late)).unwrap();
            let date = LunarDate::from_solar(solstice).unwrap();
            assert_eq!(
                (date.month, date.leap, date.year),
                (11, false, year),
                "{solstice}"
            );
        }
    }

    /// Each month of the independent calendar agrees with this module, on its first and last day,
    /// both ways, and the two computations' new moons agree to within a minute and a half (the
    /// independent Sun is good to 0.01°, which moves a new moon by up to 1.2 minutes).
    ///
    /// They disagree only where the truth is within their errors, and before 1968, when Vietnam
    /// still reckoned in UTC+8 (as China does, and as these dates then fell):
    /// - Lunar year 1938, where this module puts the leap month after month 8 and the independent
    ///   computation after month 7: the September equinox fell at about 23:59:36 Vietnamese time on
    ///   23 September by VSOP87, so the month starting on the 24th had no major term; the
    ///   independent Sun puts the equinox after midnight.
    /// - The new moon of July 1967, at 23:59:58 on the 7th by Meeus's series and 00:00:10 on the
    ///   8th by the independent computation; either starts month 6 of Đinh Mùi.
    #[test]
    fn agrees_with_an_independent_computation() {
        let months = independent::calendar(FIRST_YEAR, LAST_YEAR);
        assert!(months.len() > 2480, "{} months", months.len());
        let mut worst: f64 = 0.0;
        let mut disagreements = Vec::new();
        for pair in months.windows(2) {
            let (month, next) = (&pair[0], &pair[1]);
            let k = ((month.new_moon - LUNATION_EPOCH) / SYNODIC_MONTH).round() as i64;
            worst = worst.max((new_moon_ut(k) - month.new_moon).abs() * 1440.0);
            let (first, last) = (
                date_of_jdn(month.start).unwrap(),
                date_of_jdn(next.start - 1).unwrap(),
            );
            if !in_range(first) || !in_range(last) {
                continue;
            }
            let expected = lunar(month.year, month.month, month.leap, 1);
            let ends = LunarDate {
                day: small(next.start - month.start),
                ..expected
            };
            if LunarDate::from_solar(first) != Ok(expected)
                || LunarDate::from_solar(last) != Ok(ends)
            {
                disagreements.push(first);
                continue;
            }
            assert_eq!(expected.to_solar(), Ok(first), "{expected}");
            assert_eq!(ends.to_solar(), Ok(last), "{ends}");
            if month.leap {
                assert_eq!(leap_month(month.year), Ok(Some(month.month)));
            }
        }
        assert!(worst < 1.5, "new moons differ by up to {worst:.2} min");
        let expected = [d(1938, 8, 25), d(1938, 9, 24), d(1967, 6, 8), d(1967, 7, 8)];
        assert_eq!(disagreements, expected, "the months that differ");
        assert_eq!(leap_month(1938), Ok(Some(8)));
        assert_eq!(
            LunarDate::from_solar(d(1967, 7, 7)),
            Ok(lunar(1967, 6, false, 1))
        );
    }

    #[test]
    fn independent_moon_matches_meeus_example_47a() {
        // Meeus, example 47.a, 1992 April 12.0 TD: the Moon's longitude is 133.162655°
        // (before nutation); the 59 largest terms come within 0.003°.
        let longitude = independent::moon_longitude(2448724.5);
        assert!((longitude - 133.162655).abs() < 0.003, "{longitude}");
    }

    #[test]
    fn independent_sun_agrees_with_vsop87() {
        // The Astronomical Almanac's formula claims 0.01° from 1950 to 2050; it leaves out
        // nutation, which is up to 0.005°.
        let mut jd = jd_utc(1950, 1, 1, 0, 0);
        while jd < jd_utc(2050, 1, 1, 0, 0) {
            let error = (independent::sun_longitude(jd) - sun_longitude(jd) + 180.0)
                .rem_euclid(360.0)
                - 180.0;
            assert!(error.abs() < 0.015, "{jd}: {error}°");
            jd += 9.7;
        }
    }

    /// A second computation of the calendar, used only to check the first.
    ///
    /// It finds new moons by bisection on the difference between the Moon's longitude (Meeus
    /// ch. 47, truncated) and the Sun's (the Astronomical Almanac's low-precision formula), finds
    /// the instants of the major solar terms the same way, and labels the months from those
    /// instants rather than from the Sun's longitude at each month's first midnight.
    /// It shares only ΔT and the conversion to Vietnamese days with the module.
    mod independent {
        use super::super::{date_of_jdn, delta_t, local_day};
        use chrono::Datelike;

        #[derive(Debug)]
        pub(super) struct Month {
            pub(super) new_moon: f64,
            pub(super) start: i64,
            pub(super) year: i32,
            pub(super) month: u8,
            pub(super) leap: bool,
        }

        /// The Moon's geometric longitude, in degrees, at a JDE: the 59 largest terms of Meeus
        /// table 47.A, as (D, M, M′, F, coefficient in 10⁻⁶ degree).
        pub(super) fn moon_longitude(jde: f64) -> f64 {
            #[rustfmt::skip]
            const TERMS: [(f64, f64, f64, f64, f64); 59] = [
                (0.0, 0.0, 1.0, 0.0, 6288774.0), (2.0, 0.0, -1.0, 0.0, 1274027.0),
                (2.0, 0.0, 0.0, 0.0, 658314.0), (0.0, 0.0, 2.0, 0.0, 213618.0),
                (0.0, 1.0, 0.0, 0.0, -185116.0), (0.0, 0.0, 0.0, 2.0, -114332.0),
                (2.0, 0.0, -2.0, 0.0, 58793.0), (2.0, -1.0, -1.0, 0.0, 57066.0),
                (2.0, 0.0, 1.0, 0.0, 53322.0), (2.0, -1.0, 0.0, 0.0, 45758.0),
                (0.0, 1.0, -1.0, 0.0, -40923.0), (1.0, 0.0, 0.0, 0.0, -34720.0),
                (0.0, 1.0, 1.0, 0.0, -30383.0), (2.0, 0.0, 0.0, -2.0, 15327.0),
                (0.0, 0.0, 1.0, 2.0, -12528.0), (0.0, 0.0, 1.0, -2.0, 10980.0),
                (4.0, 0.0, -1.0, 0.0, 10675.0), (0.0, 0.0, 3.0, 0.0, 10034.0),
                (4.0, 0.0, -2.0, 0.0, 8548.0), (2.0, 1.0, -1.0, 0.0, -7888.0),
                (2.0, 1.0, 0.0, 0.0, -6766.0), (1.0, 0.0, -1.0, 0.0, -5163.0),
                (1.0, 1.0, 0.0, 0.0, 4987.0), (2.0, -1.0, 1.0, 0.0, 4036.0),
                (2.0, 0.0, 2.0, 0.0, 3994.0), (4.0, 0.0, 0.0, 0.0, 3861.0),
                (2.0, 0.0, -3.0, 0.0, 3665.0), (0.0, 1.0, -2.0, 0.0, -2689.0),
                (2.0, 0.0, -1.0, 2.0, -2602.0), (2.0, -1.0, -2.0, 0.0, 2390.0),
                (1.0, 0.0, 1.0, 0.0, -2348.0), (2.0, -2.0, 0.0, 0.0, 2236.0),
                (0.0, 1.0, 2.0, 0.0, -2120.0), (0.0, 2.0, 0.0, 0.0, -2069.0),
                (2.0, -2.0, -1.0, 0.0, 2048.0), (2.0, 0.0, 1.0, -2.0, -1773.0),
                (2.0, 0.0, 0.0, 2.0, -1595.0), (4.0, -1.0, -1.0, 0.0, 1215.0),
                (0.0, 0.0, 2.0, 2.0, -1110.0), (3.0, 0.0, -1.0, 0.0, -892.0),
                (2.0, 1.0, 1.0, 0.0, -810.0), (4.0, -1.0, -2.0, 0.0, 759.0),
                (0.0, 2.0, -1.0, 0.0, -713.0), (2.0, 2.0, -1.0, 0.0, -700.0),
                (2.0, 1.0, -2.0, 0.0, 691.0), (2.0, -1.0, 0.0, -2.0, 596.0),
                (4.0, 0.0, 1.0, 0.0, 549.0), (0.0, 0.0, 4.0, 0.0, 537.0),
                (4.0, -1.0, 0.0, 0.0, 520.0), (1.0, 0.0, -2.0, 0.0, -487.0),
                (2.0, 1.0, 0.0, -2.0, -399.0), (0.0, 0.0, 2.0, -2.0, -381.0),
                (1.0, 1.0, 1.0, 0.0, 351.0), (3.0, 0.0, -2.0, 0.0, -340.0),
                (4.0, 0.0, -3.0, 0.0, 330.0), (2.0, -1.0, 2.0, 0.0, 327.0),
                (0.0, 2.0, 1.0, 0.0, -323.0), (1.0, 1.0, -1.0, 0.0, 299.0),
                (2.0, 0.0, 3.0, 0.0, 294.0),
            ];
            let t = (jde - 2451545.0) / 36525.0;
            let (t2, t3, t4) = (t * t, t * t * t, t * t * t * t);
            let mean = 218.3164477 + 481267.88123421 * t - 0.0015786 * t2 + t3 / 538841.0
                - t4 / 65194000.0;
            let elongation = 297.8501921 + 445267.1114034 * t - 0.0018819 * t2 + t3 / 545868.0
                - t4 / 113065000.0;
            let sun_anomaly = 357.5291092 + 35999.0502909 * t - 0.0001536 * t2 + t3 / 24490000.0;
            let moon_anomaly =
                134.9633964 + 477198.8675055 * t + 0.0087414 * t2 + t3 / 69699.0 - t4 / 14712000.0;
            let latitude = 93.2720950 + 483202.0175233 * t - 0.0036539 * t2 - t3 / 3526000.0
                + t4 / 863310000.0;
            let e = 1.0 - 0.002516 * t - 0.0000074 * t2;
            let mut sum: f64 = TERMS
                .iter()
                .map(|&(cd, cm, cmm, cf, coefficient)| {
                    let factor = e.powi(cm.abs() as i32);
                    let argument =
                        cd * elongation + cm * sun_anomaly + cmm * moon_anomaly + cf * latitude;
                    coefficient * factor * argument.to_radians().sin()
                })
                .sum();
            sum += 3958.0 * (119.75 + 131.849 * t).to_radians().sin()
                + 1962.0 * (mean - latitude).to_radians().sin()
                + 318.0 * (53.09 + 479264.290 * t).to_radians().sin();
            (mean + sum / 1e6).rem_euclid(360.0)
        }

        /// The Sun's apparent longitude (without nutation), in degrees, at a universal-time JD,
        /// by the Astronomical Almanac's low-precision formula (0.01°).
        pub(super) fn sun_longitude(jd: f64) -> f64 {
            let n = jd - 2451545.0;
            let mean = 280.460 + 0.9856474 * n;
            let anomaly = (357.528 + 0.9856003 * n).to_radians();
            (mean + 1.915 * anomaly.sin() + 0.020 * (2.0 * anomaly).sin()).rem_euclid(360.0)
        }

        /// The Moon's longitude minus the Sun's, from -180° to 180°, at a universal-time JD.
        /// Nutation would shift both alike, so neither includes it.
        fn elongation(jd: f64) -> f64 {
            let moon = moon_longitude(jd + delta_t(jd));
            (moon - sun_longitude(jd) + 180.0).rem_euclid(360.0) - 180.0
        }

        /// The instant in `[early, late]` where `f` crosses from negative to non-negative.
        fn bisect(f: impl Fn(f64) -> f64, mut early: f64, mut late: f64) -> f64 {
            for _ in 0..45 {
                let middle = (early + late) / 2.0;
                if f(middle) < 0.0 {
                    early = middle;
                } else {
                    late = middle;
                }
            }
            late
        }

        /// The new moons between two JDs, stepping a day at a time.
        fn new_moons(from: f64, to: f64) -> Vec<f64> {
            let mut moons = Vec::new();
            let (mut jd, mut before) = (from, elongation(from));
            while jd < to {
                let after = elongation(jd + 1.0);
                if (-90.0..0.0).contains(&before) && after >= 0.0 {
                    moons.push(bisect(elongation, jd, jd + 1.0));
                }
                (jd, before) = (jd + 1.0, after);
            }
            moons
        }

        /// The major solar terms between two JDs, as (Vietnamese day, longitude / 30°).
        fn major_terms(from: f64, to: f64) -> Vec<(i64, i64)> {
            let term = |jd: f64| (sun_longitude(jd) / 30.0).floor() as i64;
            let mut terms = Vec::new();
            let mut jd = from;
            while jd < to {
                let (before, after) = (term(jd), term(jd + 1.0));
                if before != after {
                    let past = |x: f64| {
                        (sun_longitude(x) - 30.0 * after as f64 + 180.0).rem_euclid(360.0) - 180.0
                    };
                    terms.push((local_day(bisect(past, jd, jd + 1.0)), after));
                }
                jd += 1.0;
            }
            terms
        }

        /// The lunar months from month 11 of `first - 1` to month 10 of `last + 1`.
        pub(super) fn calendar(first: i32, last: i32) -> Vec<Month> {
            let jd = |year: i32, month: u32| {
                let date = chrono::NaiveDate::from_ymd_opt(year, month, 1).unwrap();
                super::super::jdn(date) as f64
            };
            let (from, to) = (jd(first - 1, 10), jd(last + 2, 1));
            let moons = new_moons(from, to);
            let starts: Vec<i64> = moons.iter().map(|&moon| local_day(moon)).collect();
            let terms = major_terms(from, to);
            // The index of the month containing a day.
            let month_of = |day: i64| starts.partition_point(|&start| start <= day) - 1;
            let has_term = |i: usize| {
                terms
                    .iter()
                    .any(|&(day, _)| starts[i] <= day && day < starts[i + 1])
            };
            let solstices: Vec<(i32, usize)> = terms
                .iter()
                .filter(|&&(_, term)| term == 9)
                .map(|&(day, _)| (date_of_jdn(day).unwrap().year(), month_of(day)))
                .collect();

            let mut months = Vec::new();
            for pair in solstices.windows(2) {
                let ((year, eleventh), (_, next)) = (pair[0], pair[1]);
                let leap = if next - eleventh == 13 {
                    (eleventh + 1..next).find(|&i| !has_term(i))
                } else {
                    assert_eq!(next - eleventh, 12, "{year}");
                    None
                };
                let (mut number, mut lunar_year) = (11, year);
                for i in eleventh..next {
                    let is_leap = leap == Some(i);
                    if i != eleventh && !is_leap {
                        number = number % 12 + 1;
                        if number == 1 {
                            lunar_year += 1;
                        }
                    }
                    months.push(Month {
                        new_moon: moons[i],
                        start: starts[i],
                        year: lunar_year,
                        month: number,
                        leap: is_leap,
                    });
                }
            }
            months
        }
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (jdn_of_ymd(1900, 1, 1)..=jdn_of_ymd(2100, 12, 31))
            .prop_map(|day| date_of_jdn(day).unwrap())
    }

    proptest! {
        #[test]
        fn lunar_dates_round_trip(date in any_date()) {
            let lunar = LunarDate::from_solar(date).unwrap();
            prop_assert_eq!(lunar.to_solar(), Ok(date));
            if let Some(next) = date.succ_opt().filter(|&next| in_range(next)) {
                let after = LunarDate::from_solar(next).unwrap();
                prop_assert!(after > lunar);
                prop_assert!(after.day == lunar.day + 1 || (after.day == 1 && lunar.day >= 29));
            }
        }
    }
}
