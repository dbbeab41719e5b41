import { describe, expect, it } from 'vitest';

import { COMMANDS } from '../api';
import { formatDisplayNumber } from '../format';
import type { CaptureInput, Captured, QuestionDetail, QuestionList, SearchHit, SyncBadge } from '../types';
import { MockBackend, MockFailure, SCENARIOS, nextStatuses, vietnamesePhone } from './backend';
import { seededAgencyId, seededTopicId } from './ids';
import { XSS_PAYLOADS } from './seed';

const NOW = new Date('2026-11-27T03:00:00Z');

function backend(scenario: (typeof SCENARIOS)[number] = 'recorder') {
  const events: [string, unknown][] = [];
  const b = new MockBackend(scenario, { now: () => NOW, emit: (e, p) => events.push([e, p]), syncStepMs: 0 });
  return { b, events };
}

function failure(fn: () => unknown): MockFailure {
  try {
    fn();
  } catch (e) {
    if (e instanceof MockFailure) return e;
    throw e;
  }
  throw new Error('expected the command to fail');
}

const FILTER = { dialogue: null, statuses: [], topic: null, kind: null, agency: null, overdue: false, include_merged: false };

function captureInput(b: MockBackend, content: string, extra: Partial<CaptureInput['question']> = {}): CaptureInput {
  const dialogue = b.world.dialogues.find((d) => d.status === 'open')!;
  return {
    dialogue: dialogue.id,
    question: {
      kind: 'question',
      source: null,
      topic: null,
      content,
      citizen: { anonymous: false, name: 'Trần Văn Bảy', locality: null, phone: '0912 345 678' },
      ...extra,
    },
    answered_on_site: null,
  };
}

describe('seed', () => {
  it('uses the real seeded reference ids', () => {
    // Pinned in crates/core/src/reference.rs.
    expect(seededTopicId('Đất đai')).toBe('01941f29-7c00-7d45-b0d9-0b83f1cff363');
    const { b } = backend();
    const topics = b.handle('reference_topics') as { id: string; name: string }[];
    expect(topics[0]).toMatchObject({ id: '01941f29-7c00-7d45-b0d9-0b83f1cff363', name: 'Đất đai' });
    expect(topics).toHaveLength(17);
    const agencies = b.handle('reference_agencies') as { id: string }[];
    expect(agencies.map((a) => a.id)).toContain(seededAgencyId('Sở Nông nghiệp và Môi trường'));
  });

  it('has about 60 questions in every status, some overdue and in conflict', () => {
    const { b } = backend('secretariat');
    expect(b.world.questions).toHaveLength(60);
    const statuses = new Set(b.world.questions.map((q) => q.status));
    for (const s of ['received', 'answered_on_site', 'needs_written_answer', 'assigned', 'answered', 'resolved', 'reopened', 'merged']) {
      expect(statuses.has(s as never), s).toBe(true);
    }
    const overdue = b.handle('question_list', { filter: { ...FILTER, overdue: true }, sort: 'due_date', page: { offset: 0, limit: 100 } }) as QuestionList;
    expect(overdue.total).toBeGreaterThan(0);
    expect(overdue.rows.every((r) => r.overdue && r.status === 'assigned')).toBe(true);
    expect(b.world.questions.some((q) => q.conflict)).toBe(true);
    expect((b.handle('sync_rejected') as unknown[]).length).toBe(3);
  });

  it('implements every command', () => {
    const { b } = backend('secretariat');
    for (const command of COMMANDS) {
      try {
        b.handle(command, {});
      } catch (e) {
        expect(e, command).toBeInstanceOf(MockFailure);
        expect((e as MockFailure).message, command).not.toMatch(/unknown command/);
      }
    }
  });
});

describe('capture', () => {
  it('numbers questions with the device letter and its counter', () => {
    const { b, events } = backend('recorder');
    const before = b.world.questions.filter((q) => q.letter === 'B').length;
    const first = b.handle('question_capture', { input: captureInput(b, 'Đề nghị sửa đường thôn Bình An') }) as Captured;
    const second = b.handle('question_capture', { input: captureInput(b, 'Hỏi về thẻ bảo hiểm y tế') }) as Captured;
    expect(first.number).toEqual({ letter: 'B', counter: before + 1 });
    expect(formatDisplayNumber(second.number)).toBe(`B-${String(before + 2).padStart(3, '0')}`);
    const detail = b.handle('question_get', { id: first.id }) as QuestionDetail;
    expect(detail.question.number).toBe(formatDisplayNumber(first.number));
    expect(detail.question.citizen).toEqual({ type: 'named', name: 'Trần Văn Bảy', locality: null, phone: '0912345678' });
    const badges = events.filter(([e]) => e === 'sync-badge').map(([, p]) => p as SyncBadge);
    expect(badges.at(-1)?.status.unsent).toBe(5);
  });

  it('records an answer given on the spot', () => {
    const { b } = backend('recorder');
    const input = { ...captureInput(b, 'Hỏi giá điện'), answered_on_site: { answered_by: 'Chủ tịch UBND xã', summary: 'Đã giải thích.' } };
    const { id } = b.handle('question_capture', { input }) as Captured;
    const detail = b.handle('question_get', { id }) as QuestionDetail;
    expect(detail.question.status).toBe('answered_on_site');
    expect(detail.answers[0]?.body).toMatchObject({ mode: 'on_site', content: 'Đã giải thích.' });
  });

  it('reports every problem with its field', () => {
    const { b } = backend('recorder');
    const e = failure(() =>
      b.handle('question_capture', {
        input: captureInput(b, '   ', { kind: null, citizen: { anonymous: false, name: 'A\nB', locality: null, phone: '12345' } }),
      }),
    );
    expect(e.code).toBe('invalid');
    expect(e.problems?.map((p) => [p.field, p.code])).toEqual([
      ['kind', 'required'],
      ['content', 'required'],
      ['citizen.name', 'multiline'],
      ['citizen.phone', 'invalid_phone'],
    ]);
    const anon = failure(() => b.handle('question_capture', { input: captureInput(b, 'x', { citizen: { anonymous: true, name: 'An', locality: null, phone: null } }) }));
    expect(anon.problems?.[0]).toMatchObject({ field: 'citizen.anonymous', code: 'inconsistent' });
  });

  it('refuses roles that do not capture', () => {
    const { b } = backend('leader');
    expect(failure(() => b.handle('question_capture', { input: captureInput(b, 'x') })).code).toBe('forbidden');
  });

  it('keeps the draft as the UI stored it', () => {
    const { b } = backend('recorder');
    expect(b.handle('question_draft_get')).toBeNull();
    b.handle('question_draft_set', { draft: '{"v":1}' });
    expect(b.handle('question_draft_get')).toBe('{"v":1}');
  });
});

describe('search', () => {
  const search = (b: MockBackend, query: string) => b.handle('question_search', { query, filter: FILTER, limit: 50 }) as SearchHit[];

  it('ignores diacritics and case, and folds đ to d', () => {
    const { b } = backend('secretariat');
    const hits = search(b, 'duong lien thon');
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) {
      const marked = hit.snippet.highlights.map(([s, e]) => Array.from(hit.snippet.text).slice(s, e).join(''));
      expect(marked.map((m) => m.toLowerCase())).toContain('đường');
    }
    expect(search(b, 'ĐƯỜNG LIÊN THÔN').map((h) => h.row.id)).toEqual(hits.map((h) => h.row.id));
  });

  it('matches the last word as a prefix and finds citizens and numbers', () => {
    const { b } = backend('secretariat');
    expect(search(b, 'thanh lo').length).toBeGreaterThan(0);
    expect(search(b, 'thanh lo')[0]?.row.content).toMatch(/thanh long/);
    const named = b.world.questions.find((q) => q.citizen.type === 'named')!;
    const name = named.citizen.type === 'named' ? named.citizen.name : '';
    expect(search(b, name.normalize('NFD')).some((h) => h.row.id === named.id)).toBe(true);
    expect(search(b, '').length).toBe(0);
    expect(search(b, '!!!').length).toBe(0);
  });

  it('finds what a capture added', () => {
    const { b } = backend('recorder');
    b.handle('question_capture', { input: captureInput(b, 'Cầu Đá Bàn bị sập') });
    const hits = search(b, 'cau da ban');
    expect(hits).toHaveLength(1);
    expect(hits[0]?.snippet).toEqual({ text: 'Cầu Đá Bàn bị sập', highlights: [[0, 3], [4, 6], [7, 10]] });
  });
});

describe('status and scope', () => {
  it('follows the status machine by role', () => {
    expect(nextStatuses('received', 'recorder')).toEqual(['answered_on_site', 'needs_written_answer']);
    expect(nextStatuses('assigned', 'agency')).toEqual(['answered']);
    const { b } = backend('recorder');
    const assigned = b.world.questions.find((q) => q.status === 'assigned')!;
    expect(failure(() => b.handle('question_change_status', { id: assigned.id, to: 'resolved', note: null })).code).toBe('status_not_allowed');
    expect(failure(() => b.handle('question_change_status', { id: assigned.id, to: 'answered', note: null })).code).toBe('status_not_permitted');
  });

  it('shows an agency only what is assigned to it', () => {
    const { b } = backend('agency');
    const list = b.handle('question_list', { filter: FILTER, sort: 'newest', page: { offset: 0, limit: 500 } }) as QuestionList;
    expect(list.total).toBeGreaterThan(0);
    expect(new Set(list.rows.map((r) => r.agency_name))).toEqual(new Set(['Sở NN&MT']));
  });

  it('hides citizens from recorders on other devices’ questions', () => {
    const { b } = backend('recorder');
    const list = b.handle('question_list', { filter: FILTER, sort: 'number', page: { offset: 0, limit: 500 } }) as QuestionList;
    const other = list.rows.find((r) => !r.number.startsWith('B-') && r.citizen === null);
    expect(other).toBeDefined();
    expect(list.rows.filter((r) => r.number.startsWith('B-')).every((r) => r.citizen !== null)).toBe(true);
  });

  it('settles a conflict when a version is saved again', () => {
    const { b } = backend('secretariat');
    const q = b.world.questions.find((x) => x.conflict && b.world.history.some((h) => h.record_id === x.id && h.field_group === 'text'))!;
    const before = b.handle('question_get', { id: q.id }) as QuestionDetail;
    const other = before.history.find((h) => h.concurrent)!.value as { kind: 'question'; source: 'in_hall'; topic: string | null; content: string };
    b.handle('question_edit', {
      id: q.id,
      input: { ...other, citizen: q.citizen.type === 'named' ? { anonymous: false, name: q.citizen.name, locality: q.citizen.locality, phone: q.citizen.phone } : { anonymous: true, name: null, locality: null, phone: null } },
    });
    const after = b.handle('question_get', { id: q.id }) as QuestionDetail;
    expect(after.question.conflict).toBe(false);
    expect(after.question.content).toBe(other.content);
  });
});

describe('sync and enrolment', () => {
  it('sends everything and announces changes', async () => {
    const { b, events } = backend('recorder');
    b.handle('sync_now');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const badges = events.filter(([e]) => e === 'sync-badge').map(([, p]) => p as SyncBadge);
    expect(badges.some((x) => x.syncing && x.progress !== null)).toBe(true);
    expect(badges.at(-1)).toMatchObject({ syncing: false, status: { unsent: 0, last_error: null } });
    expect(events.some(([e]) => e === 'data-changed')).toBe(true);
  });

  it('retries and dismisses refused mutations', () => {
    const { b } = backend('recorder');
    const [first, second] = b.handle('sync_rejected') as { seq: number }[];
    b.handle('sync_retry_rejected', { seq: first!.seq });
    b.handle('sync_dismiss_rejected', { seq: second!.seq });
    expect((b.handle('sync_status') as SyncBadge).status).toMatchObject({ unsent: 4, rejected: 1 });
    expect(failure(() => b.handle('sync_dismiss_rejected', { seq: 999 })).code).toBe('not_found');
  });

  it('gives each enrolment failure its own code', () => {
    const { b } = backend('fresh');
    const code = (url: string, c: string) => failure(() => b.handle('device_enrol', { serverUrl: url, code: c, deviceName: 'Máy 1' })).code;
    expect(code('townhall.local', 'ABCD1234')).toBe('bad_address');
    expect(code('http://unreachable.local', 'ABCD1234')).toBe('offline');
    expect(code('http://portal.local', 'ABCD1234')).toBe('not_the_server');
    expect(code('https://townhall.local', 'USED1234')).toBe('code_used');
    expect(code('https://townhall.local', 'EXP01234')).toBe('code_expired');
    expect(code('https://townhall.local', 'nope')).toBe('bad_code');
  });

  it('enrols with a good code', () => {
    const { b } = backend('fresh');
    expect(failure(() => b.handle('dialogue_list')).code).toBe('not_enrolled');
    const info = b.handle('device_enrol', { serverUrl: 'https://townhall.local', code: 'sabc-1234', deviceName: 'Máy VP' }) as { enrolled: boolean; identity: { role: string } };
    expect(info.enrolled).toBe(true);
    expect(info.identity.role).toBe('secretariat');
    expect((b.handle('dialogue_list') as unknown[]).length).toBeGreaterThan(0);
  });

  it('fails every data command in the error scenario', () => {
    const { b } = backend('error');
    expect(failure(() => b.handle('question_list', {})).code).toBe('storage');
    expect((b.handle('sync_status') as SyncBadge).online).toBe(false);
  });
});

describe('helpers', () => {
  it('checks Vietnamese phone numbers like validate.rs', () => {
    expect(vietnamesePhone('0912 345 678')).toBe('0912345678');
    expect(vietnamesePhone('+84 912 345 678')).toBe('0912345678');
    expect(vietnamesePhone('(024) 3825 6789')).toBe('02438256789');
    expect(vietnamesePhone('0112345678')).toBeNull();
    expect(vietnamesePhone('+0912345678')).toBeNull();
  });

  it('puts XSS payloads into every citizen text field', () => {
    const { b } = backend('xss');
    const text = JSON.stringify(b.world.questions);
    for (const p of XSS_PAYLOADS.slice(0, 3)) expect(text).toContain(JSON.stringify(p).slice(1, -1));
    expect(b.world.questions.every((q) => q.citizen.type === 'named' && /[<"{:]/.test(q.citizen.name))).toBe(true);
  });
});
