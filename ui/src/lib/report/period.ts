// Vietnamese reporting periods (crates/core/src/report/mod.rs `Period`): a month, a quarter,
// six months (first or second half), nine months or a year, and their first and last days.

import type { IsoDate, Period, PeriodKind } from '../types';

/** The highest `index` of each kind. */
export const PERIOD_MAX_INDEX: Record<PeriodKind, number> = {
  month: 12,
  quarter: 4,
  half_year: 2,
  nine_months: 1,
  year: 1,
};

export const FIRST_YEAR = 1900;
export const LAST_YEAR = 2100;

/** Whether a period is well formed (index within its kind, year the calendar knows). */
export function periodProblem(p: Period): { field: string; message: string } | null {
  const max = PERIOD_MAX_INDEX[p.kind];
  if (!Number.isInteger(p.index) || p.index < 1 || p.index > max)
    return { field: 'period.index', message: `1 to ${max}` };
  if (!Number.isInteger(p.year) || p.year < FIRST_YEAR || p.year > LAST_YEAR)
    return { field: 'period.year', message: `${FIRST_YEAR} to ${LAST_YEAR}` };
  return null;
}

/** The first and last day of a period, both included. */
export function periodDates(p: Period): { from: IsoDate; to: IsoDate } | { field: string; message: string } {
  const problem = periodProblem(p);
  if (problem) return problem;
  const [firstMonth, months] =
    p.kind === 'month'
      ? [p.index, 1]
      : p.kind === 'quarter'
        ? [p.index * 3 - 2, 3]
        : p.kind === 'half_year'
          ? [p.index * 6 - 5, 6]
          : p.kind === 'nine_months'
            ? [1, 9]
            : [1, 12];
  const from = new Date(Date.UTC(p.year, firstMonth - 1, 1));
  const to = new Date(Date.UTC(p.year, firstMonth - 1 + months, 0));
  const iso = (d: Date) =>
    `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
  return { from: iso(from), to: iso(to) };
}

const ROMAN = ['I', 'II', 'III', 'IV'];

/** The period as a Vietnamese report names it: "Quý III năm 2026", "6 tháng đầu năm 2026", … */
export function periodLabel(p: Period): string {
  switch (p.kind) {
    case 'month':
      return `Tháng ${p.index} năm ${p.year}`;
    case 'quarter':
      return `Quý ${ROMAN[p.index - 1] ?? 'IV'} năm ${p.year}`;
    case 'half_year':
      return p.index === 1 ? `6 tháng đầu năm ${p.year}` : `6 tháng cuối năm ${p.year}`;
    case 'nine_months':
      return `9 tháng năm ${p.year}`;
    case 'year':
      return `Năm ${p.year}`;
  }
}

/** The period in English words: "Q3 2026", "First half of 2026", … */
export function periodLabelEn(p: Period): string {
  const months = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ];
  switch (p.kind) {
    case 'month':
      return `${months[p.index - 1] ?? ''} ${p.year}`;
    case 'quarter':
      return `Q${p.index} ${p.year}`;
    case 'half_year':
      return p.index === 1 ? `First half of ${p.year}` : `Second half of ${p.year}`;
    case 'nine_months':
      return `Nine months of ${p.year}`;
    case 'year':
      return `Year ${p.year}`;
  }
}

/** The period that holds `today` (`YYYY-MM-DD`) for a kind: the current month, quarter, … */
export function currentPeriod(kind: PeriodKind, today: IsoDate): Period {
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  switch (kind) {
    case 'month':
      return { kind, year, index: month };
    case 'quarter':
      return { kind, year, index: Math.ceil(month / 3) };
    case 'half_year':
      return { kind, year, index: month <= 6 ? 1 : 2 };
    default:
      return { kind, year, index: 1 };
  }
}
