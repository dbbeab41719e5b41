import { describe, expect, it } from 'vitest';

import { headline, percent, ranked, statusSeries } from './dashboard';

const byStatus = [
  { status: 'received', count: 10 },
  { status: 'answered_on_site', count: 40 },
  { status: 'needs_written_answer', count: 5 },
  { status: 'assigned', count: 20 },
  { status: 'answered', count: 8 },
  { status: 'resolved', count: 15 },
  { status: 'reopened', count: 2 },
  { status: 'merged', count: 3 },
];

describe('headline', () => {
  it('splits resolved questions by whether an agency answered them', () => {
    expect(headline(byStatus, 4, 9)).toEqual({
      total: 100,
      onSite: 40 + 6,
      inWriting: 5 + 20 + 8 + 2 + 9,
      overdue: 4,
      resolved: 15,
    });
  });

  it('never counts more resolved-by-agency than resolved', () => {
    expect(headline([{ status: 'resolved', count: 2 }], 0, 7)).toMatchObject({ onSite: 0, inWriting: 2 });
    expect(headline([], 0, 0)).toEqual({ total: 0, onSite: 0, inWriting: 0, overdue: 0, resolved: 0 });
  });
});

describe('series', () => {
  it('lists every status in life order, zeros included', () => {
    const series = statusSeries([{ status: 'assigned', count: 3 }], (s) => s.toUpperCase());
    expect(series.map((s) => s.key)).toEqual([
      'received',
      'answered_on_site',
      'needs_written_answer',
      'assigned',
      'answered',
      'resolved',
      'reopened',
    ]);
    expect(series[3]).toEqual({ key: 'assigned', label: 'ASSIGNED', value: 3 });
  });

  it('ranks largest first and folds the tail into "other"', () => {
    const items = [
      { key: 'a', label: 'Đất đai', value: 5 },
      { key: 'b', label: 'Giao thông', value: 9 },
      { key: 'c', label: 'Y tế', value: 0 },
      { key: 'd', label: 'An ninh', value: 5 },
      { key: 'e', label: 'Giáo dục', value: 1 },
    ];
    expect(ranked(items, 10, 'Khác').map((i) => i.key)).toEqual(['b', 'd', 'a', 'e']);
    expect(ranked(items, 3, 'Khác')).toEqual([
      { key: 'b', label: 'Giao thông', value: 9 },
      { key: 'd', label: 'An ninh', value: 5 },
      { key: '__other', label: 'Khác', value: 6 },
    ]);
  });

  it('rounds percentages', () => {
    expect(percent(1, 3)).toBe(33);
    expect(percent(1, 0)).toBe(0);
  });
});
