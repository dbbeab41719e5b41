// Working days in Vietnam, as crates/domain/src/calendar.rs counts them: weekends, the Labour
// Code's public holidays with their compensating days, and each year's official decisions
// (days off and make-up working days) from the follow-up policy.
//
// The Rust side computes Tết and Hùng Kings' day from the lunar calendar; here they are a
// table (the years the app meets: 2018 to 2030), checked against the Rust tests. A year
// outside the table counts only weekends, the fixed-date holidays and its decisions.
//
// Used by the mock backend, and by the forms that show how many working days a chosen due
// date leaves; the real figures on rows (`standing`) always come from the Rust side.

import type { IsoDate } from '../types';

/** The first day of the lunar new year, by Gregorian year (calendar.rs tests). */
const TET: Record<number, IsoDate> = {
  2018: '2018-02-16',
  2019: '2019-02-05',
  2020: '2020-01-25',
  2021: '2021-02-12',
  2022: '2022-02-01',
  2023: '2023-01-22',
  2024: '2024-02-10',
  2025: '2025-01-29',
  2026: '2026-02-17',
  2027: '2027-02-06',
  2028: '2028-01-26',
  2029: '2029-02-13',
  2030: '2030-02-03',
};

/** Giỗ Tổ Hùng Vương, the 10th day of the 3rd lunar month. */
const HUNG_KINGS: Record<number, IsoDate> = {
  2018: '2018-04-25',
  2019: '2019-04-14',
  2020: '2020-04-02',
  2021: '2021-04-21',
  2022: '2022-04-10',
  2023: '2023-04-29',
  2024: '2024-04-18',
  2025: '2025-04-07',
  2026: '2026-04-26',
  2027: '2027-04-16',
  2028: '2028-04-04',
  2029: '2029-04-23',
  2030: '2030-04-12',
};

export type DayKind = 'day_off' | 'working_day';

/** One day an official decision changes (the `Adjustment` IPC type's shape). */
export interface AdjustmentShape {
  date: IsoDate;
  kind: DayKind;
}

/** A year's decisions (the `YearAdjustments` IPC type's shape). */
export interface YearShape {
  year: number;
  decisions: { covers: string[]; reference: string; changes: AdjustmentShape[] }[];
}

const DAY = 86_400_000;

function toMs(date: IsoDate): number {
  return Date.parse(`${date}T00:00:00Z`);
}

function fromMs(ms: number): IsoDate {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The date `days` calendar days after `date`. */
export function shiftDays(date: IsoDate, days: number): IsoDate {
  return fromMs(toMs(date) + days * DAY);
}

/** Saturday or Sunday. */
export function isWeekend(date: IsoDate): boolean {
  const d = new Date(toMs(date)).getUTCDay();
  return d === 0 || d === 6;
}

/** The days off the Labour Code's rules alone give in `year` (holidays and compensating days). */
export function ruleDaysOff(year: number): Set<IsoDate> {
  const y = String(year).padStart(4, '0');
  const nationalDay = `${y}-09-02`;
  const weekday = new Date(toMs(nationalDay)).getUTCDay();
  // 1 September when 2 September is a Tuesday, Friday or Saturday, otherwise the 3rd.
  const adjoining = weekday === 2 || weekday === 5 || weekday === 6 ? `${y}-09-01` : `${y}-09-03`;
  const holidays: IsoDate[] = [`${y}-01-01`, `${y}-04-30`, `${y}-05-01`, nationalDay, adjoining];
  const hung = HUNG_KINGS[year];
  if (hung) holidays.push(hung);
  const tet = TET[year];
  if (tet) for (let offset = -1; offset <= 3; offset++) holidays.push(shiftDays(tet, offset));
  holidays.sort();
  const taken = new Set(holidays);
  const out = new Set(holidays);
  let previous: IsoDate | null = null;
  for (const date of holidays) {
    if (isWeekend(date) || previous === date) {
      let substitute = shiftDays(date, 1);
      while (isWeekend(substitute) || taken.has(substitute)) substitute = shiftDays(substitute, 1);
      taken.add(substitute);
      out.add(substitute);
    }
    previous = date;
  }
  return out;
}

/** Working-day arithmetic over the rules and the given decisions. */
export class WorkingCalendar {
  private readonly adjustments = new Map<IsoDate, DayKind>();
  private readonly rules = new Map<number, Set<IsoDate>>();

  constructor(years: readonly YearShape[] = []) {
    for (const year of years) {
      for (const decision of year.decisions)
        for (const change of decision.changes) this.adjustments.set(change.date, change.kind);
    }
  }

  isWorkingDay(date: IsoDate): boolean {
    const adjusted = this.adjustments.get(date);
    if (adjusted) return adjusted === 'working_day';
    if (isWeekend(date)) return false;
    const year = Number(date.slice(0, 4));
    let rules = this.rules.get(year);
    if (!rules) {
      rules = ruleDaysOff(year);
      this.rules.set(year, rules);
    }
    return !rules.has(date);
  }

  /** The `n`-th working day after `start` (`start` itself not counted); `start` for 0. */
  addWorkingDays(start: IsoDate, n: number): IsoDate {
    let date = start;
    let left = Math.max(0, Math.floor(n));
    while (left > 0) {
      date = shiftDays(date, 1);
      if (this.isWorkingDay(date)) left -= 1;
    }
    return date;
  }

  /** Working days after `from` up to and including `to`; negative when `to` is before `from`. */
  between(from: IsoDate, to: IsoDate): number {
    if (to === from) return 0;
    const forward = to > from;
    const [a, b] = forward ? [from, to] : [to, from];
    let count = 0;
    for (let d = shiftDays(a, 1); d <= b; d = shiftDays(d, 1)) if (this.isWorkingDay(d)) count += 1;
    return forward ? count : -count;
  }
}

/** The policy numbers `standing` needs (`FollowUpPolicy`'s shape). */
export interface PolicyNumbers {
  answer_working_days: number;
  escalate_after_working_days: number;
  remind_before_working_days: number;
}

/** Where a question stands against its due date (the `Standing` IPC type's shape). */
export interface StandingShape {
  working_days_left: number;
  overdue: boolean;
  overdue_working_days: number;
  escalated: boolean;
  due_soon: boolean;
}

/** `FollowUpPolicy::standing`: where a question due on `due` stands on `today`. */
export function standingOf(
  calendar: WorkingCalendar,
  policy: PolicyNumbers,
  due: IsoDate,
  today: IsoDate,
  settled: boolean,
): StandingShape {
  const left = calendar.between(today, due);
  const overdue = !settled && today > due;
  const overdueDays = overdue ? Math.max(0, -left) : 0;
  return {
    working_days_left: left,
    overdue,
    overdue_working_days: overdueDays,
    escalated: overdue && overdueDays >= policy.escalate_after_working_days,
    due_soon: !settled && !overdue && left <= policy.remind_before_working_days,
  };
}

/** A question's age: working days from the day it was received up to today (never negative). */
export function ageOf(calendar: WorkingCalendar, received: IsoDate, today: IsoDate): number {
  return Math.max(0, calendar.between(received, today));
}

/** The median; the mean of the middle two for an even count; `null` for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
