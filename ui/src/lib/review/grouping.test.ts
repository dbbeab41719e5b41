import { describe, expect, it } from 'vitest';

import { foldPlace, groupRows, NONE_KEY, type GroupableRow, type GroupBy } from './grouping';

function row(id: string, over: Partial<GroupableRow> = {}): GroupableRow {
  return {
    id,
    dialogue: 'd1',
    topic: null,
    topic_name: null,
    citizen: { type: 'anonymous' },
    agency: null,
    agency_name: null,
    ...over,
  };
}

const named = (locality: string | null) => ({ type: 'named', name: 'Nguyễn Văn An', locality, phone: null }) as const;

const dialogues: Record<string, string> = { d1: 'Xã Bắc Bình', d2: 'Phường Ba Đình' };

function check(by: GroupBy, rows: GroupableRow[], expected: [string | null, string[]][]) {
  const groups = groupRows(rows, by, (d) => dialogues[d]);
  expect(groups.map((g) => [g.label, g.rows.map((r) => r.id)])).toEqual(expected);
}

describe('groupRows', () => {
  it('groups by topic in Vietnamese order, no topic last, keeping row order', () => {
    check(
      'topic',
      [
        row('a', { topic: 't2', topic_name: 'Giao thông' }),
        row('b'),
        row('c', { topic: 't1', topic_name: 'Đất đai' }),
        row('d', { topic: 't2', topic_name: 'Giao thông' }),
        row('e', { topic: 't3', topic_name: 'An ninh trật tự' }),
      ],
      [
        ['An ninh trật tự', ['e']],
        ['Đất đai', ['c']],
        ['Giao thông', ['a', 'd']],
        [null, ['b']],
      ],
    );
  });

  it('groups by agency with the unassigned last', () => {
    check(
      'agency',
      [
        row('a', { agency: 'g1', agency_name: 'Sở Xây dựng' }),
        row('b'),
        row('c', { agency: 'g2', agency_name: 'Công an tỉnh' }),
      ],
      [
        ['Công an tỉnh', ['c']],
        ['Sở Xây dựng', ['a']],
        [null, ['b']],
      ],
    );
  });

  it("folds citizens' typed localities and orders numbers numerically", () => {
    check(
      'citizen_locality',
      [
        row('a', { citizen: named('Thôn 10') }),
        row('b', { citizen: named(' thôn  2 ') }),
        row('c', { citizen: named('Thôn 2') }),
        // Decomposed "ô" (o + U+0302) typed on another keyboard.
        row('d', { citizen: named('Tho\u0302n 2') }),
        row('e', { citizen: named(null) }),
        row('f', { citizen: null }),
        row('g'),
      ],
      [
        ['thôn 2', ['b', 'c', 'd']],
        ['Thôn 10', ['a']],
        [null, ['e', 'f', 'g']],
      ],
    );
  });

  it("groups by the dialogue's locality", () => {
    check(
      'dialogue_locality',
      [row('a', { dialogue: 'd1' }), row('b', { dialogue: 'd2' }), row('c', { dialogue: 'zz' })],
      [
        ['Phường Ba Đình', ['b']],
        ['Xã Bắc Bình', ['a']],
        [null, ['c']],
      ],
    );
  });

  it('returns no groups for no rows and keys the empty group', () => {
    expect(groupRows([], 'topic')).toEqual([]);
    expect(groupRows([row('a')], 'topic')[0]?.key).toBe(NONE_KEY);
  });

  it('folds places', () => {
    expect(foldPlace('  Xóm  Đông\n')).toBe('xóm đông');
  });
});
