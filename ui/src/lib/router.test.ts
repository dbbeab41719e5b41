import { describe, expect, it } from 'vitest';

import { allowed, homeFor, href, navFor, navigate, parseHash, paths, route } from './router';
import { listQueryParams, parseListQuery } from './questionQuery';
import { pagesFor, visibleRange } from './windowing';

describe('parseHash', () => {
  const check = (hash: string, name: string, params: Record<string, string> = {}, query: Record<string, string> = {}) =>
    expect(parseHash(hash)).toEqual({ name, params, query });

  it('knows every route', () => {
    check('', 'home');
    check('#/', 'home');
    check('#/enrol', 'enrol');
    check('#/dialogues', 'dialogues');
    check('#/dialogues/0190b2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d', 'dialogue', {
      id: '0190b2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d',
    });
    check('#/capture', 'capture');
    check('#/capture/abc', 'capture', { dialogueId: 'abc' });
    check('#/questions', 'questions');
    check('#/questions/q1', 'question', { id: 'q1' });
    check('#/review', 'review');
    check('#/dashboard', 'dashboard');
    check('#/work', 'work');
    check('#/sync', 'sync');
    check('#/settings', 'settings');
  });

  it('parses query parameters and decodes segments', () => {
    check(
      '#/questions?status=assigned,answered&overdue=1&q=b%E1%BA%AFc',
      'questions',
      {},
      { status: 'assigned,answered', overdue: '1', q: 'bắc' },
    );
    check('#/questions/a%20b', 'question', { id: 'a b' });
    check('#/questions/%E0%A4%A', 'question', { id: '%E0%A4%A' });
  });

  it('sends anything else to not_found', () => {
    check('#/nope', 'not_found');
    check('#/questions/a/b', 'not_found');
  });

  it('round-trips links', () => {
    expect(parseHash(paths.question('x/y')).params.id).toBe('x/y');
    expect(href('/questions', { a: '1', b: null, c: false, d: true, e: '' })).toBe('#/questions?a=1&d=1');
  });

  it('navigates without a window', () => {
    navigate('#/sync');
    expect(route().name).toBe('sync');
  });
});

describe('roles', () => {
  it('shows each role only its sections, plus sync and settings', () => {
    expect(navFor('recorder')).toEqual(['dialogues', 'capture', 'questions', 'sync', 'settings']);
    expect(navFor('secretariat')).toEqual([
      'dialogues',
      'capture',
      'questions',
      'review',
      'dashboard',
      'followup',
      'reports',
      'sync',
      'settings',
    ]);
    expect(navFor('leader')).toEqual([
      'dialogues',
      'questions',
      'review',
      'dashboard',
      'followup',
      'reports',
      'sync',
      'settings',
    ]);
    expect(navFor('agency')).toEqual(['work', 'followup', 'questions', 'sync', 'settings']);
    expect(navFor('admin')).toEqual(['dialogues', 'questions', 'reports', 'sync', 'settings']);
    expect(allowed('reports', 'recorder')).toBe(false);
    expect(allowed('followup', 'admin')).toBe(false);
    expect(parseHash('#/followup').name).toBe('followup');
    expect(parseHash('#/reports').name).toBe('reports');
  });

  it('guards routes by role', () => {
    expect(allowed('capture', 'recorder')).toBe(true);
    expect(allowed('review', 'recorder')).toBe(false);
    expect(allowed('question', 'agency')).toBe(true);
    expect(allowed('dialogue', 'agency')).toBe(false);
    expect(allowed('work', 'agency')).toBe(true);
    expect(allowed('sync', 'admin')).toBe(true);
    expect(homeFor('agency')).toBe('#/work');
    expect(homeFor('recorder')).toBe('#/dialogues');
  });
});

describe('question list query', () => {
  it('round-trips filters through the address', () => {
    const q = parseListQuery({
      status: 'assigned,bogus,answered',
      kind: 'petition',
      overdue: '1',
      sort: 'due_date',
      q: 'bac',
    });
    expect(q.filter.statuses).toEqual(['assigned', 'answered']);
    expect(q.filter.kind).toBe('petition');
    expect(q.filter.overdue).toBe(true);
    expect(q.sort).toBe('due_date');
    expect(parseListQuery({ sort: 'sideways' }).sort).toBe('newest');
    const back = parseHash(paths.questions(listQueryParams(q)));
    expect(parseListQuery(back.query)).toEqual(q);
  });
});

describe('windowing', () => {
  it('renders only the rows on screen', () => {
    expect(visibleRange(0, 800, 100, 10_000, 2)).toEqual([0, 10]);
    expect(visibleRange(500_000, 800, 100, 10_000, 2)).toEqual([4998, 5010]);
    expect(visibleRange(999_900, 800, 100, 10_000, 2)).toEqual([9997, 10_000]);
    expect(visibleRange(0, 800, 100, 0)).toEqual([0, 0]);
  });

  it('finds the pages that hold them', () => {
    expect(pagesFor(0, 10, 100)).toEqual([0]);
    expect(pagesFor(95, 130, 100)).toEqual([0, 1]);
    expect(pagesFor(5, 5, 100)).toEqual([]);
  });
});
