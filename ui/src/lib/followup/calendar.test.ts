import { describe, expect, it } from 'vitest';

import { officialDecisions } from './official.fixture';
import { ageOf, median, ruleDaysOff, standingOf, WorkingCalendar } from './calendar';

const official = new WorkingCalendar(officialDecisions());
const policy = { answer_working_days: 15, escalate_after_working_days: 5, remind_before_working_days: 2 };

describe('working days (crates/domain/src/calendar.rs and followup.rs)', () => {
  it('knows the days off of 2026: weekdays off match the Rust test', () => {
    const weekdaysOff = [...ruleDaysOff(2026)]
      .filter((d) => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()))
      .sort();
    expect(weekdaysOff).toEqual([
      '2026-01-01',
      '2026-02-16',
      '2026-02-17',
      '2026-02-18',
      '2026-02-19',
      '2026-02-20',
      '2026-04-27',
      '2026-04-30',
      '2026-05-01',
      '2026-09-02',
      '2026-09-03',
    ]);
  });

  it('knows 2027 from the rules alone', () => {
    const off = ruleDaysOff(2027);
    for (const d of [
      '2027-01-01',
      '2027-02-05',
      '2027-02-08',
      '2027-02-11',
      '2027-04-16',
      '2027-04-30',
      '2027-05-03',
      '2027-09-02',
      '2027-09-03',
    ])
      expect(off.has(d), d).toBe(true);
  });

  it('applies official decisions: Tết 2025 from 25 January, Saturday 26 April 2025 worked', () => {
    expect(official.isWorkingDay('2025-01-27')).toBe(false);
    expect(official.isWorkingDay('2025-02-03')).toBe(true);
    expect(official.isWorkingDay('2025-04-26')).toBe(true);
    expect(official.isWorkingDay('2025-05-02')).toBe(false);
  });

  it('adds working days as the Rust tests do', () => {
    expect(official.addWorkingDays('2026-11-02', 15)).toBe('2026-11-23');
    expect(official.addWorkingDays('2026-02-12', 3)).toBe('2026-02-24');
    expect(official.addWorkingDays('2026-11-02', 0)).toBe('2026-11-02');
    expect(official.between('2026-11-02', '2026-11-23')).toBe(15);
    expect(official.between('2026-11-23', '2026-11-02')).toBe(-15);
  });

  it('stands before, on and after the due date', () => {
    const due = '2026-11-20';
    expect(standingOf(official, policy, due, '2026-11-18', false)).toMatchObject({
      working_days_left: 2,
      due_soon: true,
      overdue: false,
    });
    expect(standingOf(official, policy, due, '2026-11-02', false)).toMatchObject({ due_soon: false, overdue: false });
    expect(standingOf(official, policy, due, '2026-11-21', false)).toMatchObject({
      overdue: true,
      overdue_working_days: 0,
      escalated: false,
    });
    expect(standingOf(official, policy, due, '2026-11-27', false)).toMatchObject({
      overdue_working_days: 5,
      escalated: true,
    });
    expect(standingOf(official, policy, due, '2026-11-26', false)).toMatchObject({ overdue: true, escalated: false });
    expect(standingOf(official, policy, due, '2026-11-27', true)).toMatchObject({
      overdue: false,
      escalated: false,
      due_soon: false,
    });
    // Across Tết: overdue since the 13th but only one working day late.
    expect(standingOf(official, policy, '2026-02-13', '2026-02-23', false)).toMatchObject({
      overdue: true,
      overdue_working_days: 1,
      escalated: false,
    });
  });

  it('counts a question’s age in working days', () => {
    expect(ageOf(official, '2026-11-20', '2026-11-20')).toBe(0);
    expect(ageOf(official, '2026-11-20', '2026-11-23')).toBe(1);
    expect(ageOf(official, '2026-08-28', '2026-09-04')).toBe(3);
    expect(ageOf(official, '2026-11-23', '2026-11-20')).toBe(0);
  });

  it('takes the median as the report does', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 8])).toBe(3.5);
  });
});
