import { describe, expect, it } from 'vitest';

import {
  daysBetween,
  formatDate,
  formatDateTime,
  formatDay,
  formatDisplayNumber,
  formatNumber,
  formatTime,
  vietnamDay,
} from './format';

describe('dates in Asia/Ho_Chi_Minh', () => {
  it('shows dates as dd/mm/yyyy and times as 24-hour hh:mm', () => {
    expect(formatDate('2026-11-27T07:05:00Z')).toBe('27/11/2026');
    expect(formatTime('2026-11-27T07:05:00Z')).toBe('14:05');
    expect(formatDateTime('2026-11-27T07:05:00Z')).toBe('14:05 27/11/2026');
    expect(formatDateTime('2026-11-27T07:05:00Z', 'en')).toBe('27/11/2026 14:05');
  });

  it('crosses the UTC day boundary into the next Vietnamese day', () => {
    // 17:30 UTC on the 26th is 00:30 on the 27th in Vietnam (UTC+7).
    expect(formatDate('2026-11-26T17:30:00Z')).toBe('27/11/2026');
    expect(formatTime('2026-11-26T17:30:00Z')).toBe('00:30');
    expect(vietnamDay('2026-11-26T17:30:00Z')).toBe('2026-11-27');
    // 16:59 UTC is still the same Vietnamese day at 23:59.
    expect(formatDate('2026-11-27T16:59:00Z')).toBe('27/11/2026');
    expect(formatTime('2026-11-27T16:59:00Z')).toBe('23:59');
    expect(formatDate('2026-12-31T17:00:00Z')).toBe('01/01/2027');
    // Offsets in the input are honoured.
    expect(formatTime('2026-11-27T08:00:00+07:00')).toBe('08:00');
  });

  it('shows calendar days without shifting them', () => {
    expect(formatDay('2026-11-27')).toBe('27/11/2026');
    expect(formatDay(null)).toBe('');
    expect(formatDay('garbage')).toBe('garbage');
    expect(daysBetween('2026-11-27', '2026-12-01')).toBe(4);
    expect(daysBetween('2026-11-27', '2026-11-20')).toBe(-7);
  });

  it('returns nothing for an invalid instant', () => {
    expect(formatDate('not a date')).toBe('');
    expect(formatTime('')).toBe('');
  });
});

describe('numbers', () => {
  it('groups thousands the Vietnamese way', () => {
    expect(formatNumber(10_000)).toBe('10.000');
    expect(formatNumber(1_234_567)).toBe('1.234.567');
    expect(formatNumber(12.5)).toBe('12,5');
    expect(formatNumber(10_000, 'en')).toBe('10,000');
  });

  it('pads display numbers to three digits', () => {
    expect(formatDisplayNumber({ letter: 'B', counter: 17 })).toBe('B-017');
    expect(formatDisplayNumber({ letter: 'AB', counter: 1234 })).toBe('AB-1234');
  });
});
