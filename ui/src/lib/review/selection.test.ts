import { describe, expect, it } from 'vitest';

import { groupState, prune, rangeIds, setMany, splitAssignable, toggle, toggleGroup } from './selection';

const set = (...ids: string[]) => new Set(ids);

describe('selection', () => {
  it('toggles without changing the original', () => {
    const a = set('x');
    const b = toggle(a, 'y');
    expect([...b].sort()).toEqual(['x', 'y']);
    expect([...a]).toEqual(['x']);
    expect([...toggle(b, 'x')]).toEqual(['y']);
  });

  it('selects and unselects many', () => {
    expect([...setMany(set('a'), ['b', 'c'], true)].sort()).toEqual(['a', 'b', 'c']);
    expect([...setMany(set('a', 'b'), ['b', 'c'], false)]).toEqual(['a']);
  });

  it('reports a group as none, some or all, and toggles it as a whole', () => {
    const cases: [string[], string[], string][] = [
      [[], ['a', 'b'], 'none'],
      [['a'], ['a', 'b'], 'some'],
      [['a', 'b', 'z'], ['a', 'b'], 'all'],
      [['a'], [], 'none'],
    ];
    for (const [selected, ids, want] of cases) expect(groupState(set(...selected), ids)).toBe(want);
    expect([...toggleGroup(set('a'), ['a', 'b'])].sort()).toEqual(['a', 'b']);
    expect([...toggleGroup(set('a', 'b', 'z'), ['a', 'b'])]).toEqual(['z']);
  });

  it('selects a range in display order, either direction', () => {
    const order = ['a', 'b', 'c', 'd', 'e'];
    expect(rangeIds(order, 'b', 'd')).toEqual(['b', 'c', 'd']);
    expect(rangeIds(order, 'd', 'b')).toEqual(['b', 'c', 'd']);
    expect(rangeIds(order, null, 'c')).toEqual(['c']);
    expect(rangeIds(order, 'gone', 'c')).toEqual(['c']);
    expect(rangeIds(order, 'a', 'gone')).toEqual([]);
  });

  it('prunes ids no longer listed', () => {
    expect([...prune(set('a', 'b', 'c'), ['c', 'a', 'q'])].sort()).toEqual(['a', 'c']);
  });

  it('splits the selection into assignable and skipped rows', () => {
    const rows = [
      { id: 'a', status: 'received' },
      { id: 'b', status: 'answered_on_site' },
      { id: 'c', status: 'reopened' },
      { id: 'd', status: 'resolved' },
      { id: 'e', status: 'needs_written_answer' },
    ];
    const { assignable, skipped } = splitAssignable(rows, set('a', 'b', 'c', 'd'));
    expect(assignable.map((r) => r.id)).toEqual(['a', 'c']);
    expect(skipped.map((r) => r.id)).toEqual(['b', 'd']);
  });
});
