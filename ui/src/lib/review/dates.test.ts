import { describe, expect, it } from 'vitest';

import { addDays, daysBetween, hcmToUtc, isDate, todayHcm, utcToHcm } from './dates';

describe('Ho Chi Minh City wall clock', () => {
  it('converts a local start to UTC, across midnight', () => {
    const cases: [string, string, string | null][] = [
      ['2026-12-15', '08:30', '2026-12-15T01:30:00Z'],
      ['2026-12-15', '07:00', '2026-12-15T00:00:00Z'],
      ['2026-12-15', '06:59', '2026-12-14T23:59:00Z'],
      ['2027-01-01', '00:00', '2026-12-31T17:00:00Z'],
      ['2026-02-30', '08:00', null],
      ['2026-12-15', '24:00', null],
      ['15/12/2026', '08:00', null],
      ['2026-12-15', '', null],
    ];
    for (const [date, time, want] of cases) expect(hcmToUtc(date, time), `${date} ${time}`).toBe(want);
  });

  it('shows a UTC instant on the local clock', () => {
    expect(utcToHcm('2026-12-15T01:30:00Z')).toEqual({ date: '2026-12-15', time: '08:30' });
    expect(utcToHcm('2026-12-31T17:00:00+00:00')).toEqual({ date: '2027-01-01', time: '00:00' });
    expect(utcToHcm('not a date')).toBeNull();
    expect(todayHcm(new Date('2026-11-27T18:00:00Z'))).toBe('2026-11-28');
  });

  it('round-trips', () => {
    const utc = hcmToUtc('2026-03-08', '13:45');
    expect(utc).not.toBeNull();
    expect(utcToHcm(utc as string)).toEqual({ date: '2026-03-08', time: '13:45' });
  });

  it('counts days and checks dates', () => {
    expect(daysBetween('2026-11-27', '2026-12-01')).toBe(4);
    expect(daysBetween('2026-12-01', '2026-11-27')).toBe(-4);
    expect(addDays('2026-12-20', 15)).toBe('2027-01-04');
    expect(isDate('2024-02-29')).toBe(true);
    expect(isDate('2025-02-29')).toBe(false);
  });
});
