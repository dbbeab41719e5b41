import { describe, expect, it } from 'vitest';

import type { FollowUp, QuestionDetail, Report } from '../types';
import { MockBackend, MockFailure } from './backend';

// A fixed day: Friday 27 November 2026, 10:00 in Vietnam.
const NOW = new Date('2026-11-27T03:00:00Z');
const make = (scenario: 'secretariat' | 'leader' | 'agency' | 'admin' = 'secretariat') => new MockBackend(scenario, { now: () => NOW, syncStepMs: 0, reminderAfterMs: -1 });
const code = (f: () => unknown) => {
  try {
    f();
    return null;
  } catch (e) {
    return e instanceof MockFailure ? e.code : String(e);
  }
};

describe('mock follow-up', () => {
  it('lists escalated first, then the most overdue, then due soon, with consistent counts', () => {
    const b = make();
    const f = b.handle('followup_summary') as FollowUp;
    expect(f.escalated).toBeGreaterThan(0);
    expect(f.overdue).toBeGreaterThan(f.escalated);
    expect(f.due_soon).toBeGreaterThan(0);
    expect(f.questions).toHaveLength(f.overdue + f.due_soon);
    const keys = f.questions.map((q) => [q.standing!.escalated ? 0 : 1, q.standing!.working_days_left]);
    expect(keys).toEqual([...keys].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    expect(f.tasks_overdue).toBeGreaterThan(0);
    // The escalated filter gives the same questions.
    const list = b.handle('question_list', { filter: { escalated: true }, sort: 'newest', page: { offset: 0, limit: 100 } }) as { total: number };
    expect(list.total).toBe(f.escalated);
    expect(b.handle('followup_default_due_date')).toBe('2026-12-18');
  });

  it('gives an agency its own and a recorder or administrator nothing', () => {
    const agency = make('agency');
    const f = agency.handle('followup_summary') as FollowUp;
    expect(f.questions.every((q) => q.agency === agency.identity!.agency)).toBe(true);
    expect(f.tasks).toEqual([]);
    expect((make('admin').handle('followup_summary') as FollowUp).questions).toEqual([]);
  });

  it('raises each reminder once a day, and none when reminders are off', () => {
    const b = make();
    const first = b.takeReminders();
    expect(first.length).toBeGreaterThan(0);
    expect(first[0]!.title).toMatch(/quá hạn/);
    expect(b.takeReminders()).toEqual([]);
    const c = make();
    c.handle('settings_set', { settings: { language: 'vi', reminders: false } });
    expect(c.takeReminders()).toEqual([]);
  });

  it('reopens with a reason into a second round; without one it refuses and changes nothing', () => {
    const b = make('leader');
    const q = b.world.questions.find((x) => x.status === 'answered')!;
    const agency = b.world.assignments.find((a) => a.question === q.id)!.terms.agency;
    expect(code(() => b.handle('question_reopen', { question: q.id, note: '  ', input: { agency, due_on: '2026-12-18', instructions: '' } }))).toBe('invalid');
    expect(q.status).toBe('answered');
    b.handle('question_reopen', { question: q.id, note: 'Chưa thỏa đáng', input: { agency, due_on: '2026-12-18', instructions: '' } });
    const d = b.handle('question_get', { id: q.id }) as QuestionDetail;
    expect(d.question.status).toBe('assigned');
    expect(d.rounds.map((r) => r.number)).toEqual([1, 2]);
    expect(d.rounds[1]!.reopened_because).toBe('Chưa thỏa đáng');
    expect(d.rounds[0]!.answered_on).not.toBeNull();
    expect(code(() => make('agency').handle('question_reopen', { question: q.id, note: 'x', input: { agency, due_on: '2026-12-18', instructions: '' } }))).not.toBeNull();
  });

  it('seeds a reopened petition with two rounds, the first late', () => {
    const b = make();
    const q = b.world.questions.find((x) => b.world.assignments.filter((a) => a.question === x.id).length === 2)!;
    const d = b.handle('question_get', { id: q.id }) as QuestionDetail;
    expect(d.rounds).toHaveLength(2);
    expect(d.rounds[0]!.on_time).toBe(false);
    expect(d.rounds[1]!.reopened_because).toMatch(/trả lời lại/);
  });

  it('chains a petition raised three times, links and refuses loops', () => {
    const b = make();
    const last = b.world.questions.find((q) => q.repeat_of !== null && !b.world.questions.some((o) => o.repeat_of === q.id))!;
    const d = b.handle('question_get', { id: last.id }) as QuestionDetail;
    expect(d.repeats).toHaveLength(3);
    expect(d.repeats.at(-1)!.id).toBe(last.id);
    const first = d.repeats[0]!;
    expect(code(() => b.handle('question_link_repeat', { question: first.id, earlier: last.id }))).toBe('conflict');
    expect(code(() => make('agency').handle('question_link_repeat', { question: last.id, earlier: null }))).not.toBeNull();
    b.handle('question_link_repeat', { question: last.id, earlier: null });
    expect((b.handle('question_get', { id: last.id }) as QuestionDetail).repeats).toEqual([]);
  });

  it('keeps a checklist: standard tasks once, done today, validation', () => {
    const b = make();
    const planned = b.world.dialogues.find((d) => d.status === 'planned')!;
    expect(b.handle('followup_checklist_add_standard', { dialogue: planned.id })).toEqual([]);
    const fresh = b.world.dialogues.find((d) => !b.world.tasks.some((t) => t.dialogue === d.id))!;
    expect((b.handle('followup_checklist_add_standard', { dialogue: fresh.id }) as string[]).length).toBe(8);
    const task = b.world.tasks.find((t) => t.dialogue === planned.id && t.done_on === null)!;
    b.handle('followup_task_edit', { id: task.id, input: { ...task, done_on: '2026-11-27' } });
    expect(task.done_on).toBe('2026-11-27');
    expect(code(() => b.handle('followup_task_edit', { id: task.id, input: { ...task, done_on: '2026-11-28' } }))).toBe('invalid');
    expect(code(() => b.handle('followup_task_add', { dialogue: planned.id, input: { ...task, title: ' ' } }))).toBe('invalid');
    expect(code(() => make('leader').handle('followup_task_edit', { id: task.id, input: task }))).toBe('forbidden');
  });

  it('lets only an administrator set the policy, with every field problem', () => {
    const b = make('admin');
    const policy = b.handle('followup_policy_get') as { answer_working_days: number };
    try {
      b.handle('followup_policy_set', { policy: { ...policy, answer_working_days: 0, remind_before_working_days: 21 } });
      expect.unreachable();
    } catch (e) {
      expect((e as MockFailure).problems?.map((p) => p.field)).toEqual(['answer_working_days', 'remind_before_working_days']);
    }
    b.handle('followup_policy_set', { policy: { ...policy, answer_working_days: 10 } });
    expect(b.handle('followup_default_due_date')).toBe('2026-12-11');
    expect(code(() => make('secretariat').handle('followup_policy_set', { policy }))).toBe('forbidden');
  });
});

describe('mock reports', () => {
  it('adds up: every question answered on the spot, in writing or not at all', () => {
    const b = make();
    const r = b.handle('report_get', { scope: { dialogue: null, period: { kind: 'year', year: 2026, index: 1 } } }) as Report;
    const t = r.totals;
    expect(r.scope_label).toBe('Năm 2026');
    expect(t.questions).toBe(b.world.questions.filter((q) => q.status !== 'merged').length);
    expect(t.merged).toBe(b.world.questions.filter((q) => q.status === 'merged').length);
    expect(t.answered_on_site + t.answered_in_writing + t.not_answered).toBe(t.questions);
    expect(r.by_kind.reduce((s, k) => s + k.count, 0)).toBe(t.questions);
    expect(r.by_status.reduce((s, k) => s + k.count, 0)).toBe(t.questions);
    expect(r.by_topic.reduce((s, k) => s + k.count, 0)).toBe(t.questions);
    expect(t.overdue).toBe((b.handle('followup_summary') as FollowUp).overdue);
    expect(r.overdue_by_agency.reduce((s, k) => s + k.count, 0)).toBe(t.overdue);
    expect(r.scorecards.some((s) => s.answered_late > 0)).toBe(true);
    expect(t.resolution_rate).toBeCloseTo(t.settled / t.questions);
  });

  it('scopes to a dialogue, pages the list, guards personal data and records exports', () => {
    const b = make();
    const open = b.world.dialogues.find((d) => d.status === 'open')!;
    const scope = { dialogue: open.id, period: null };
    const r = b.handle('report_get', { scope }) as Report;
    expect(r.scope_label).toBe(open.details.title);
    const page = b.handle('report_questions', { scope, includePersonalData: false, page: { offset: 0, limit: 5 } }) as { rows: { citizen: unknown }[]; total: number };
    expect(page.total).toBe(r.totals.questions);
    expect(page.rows).toHaveLength(5);
    expect(page.rows.every((q) => q.citizen === null)).toBe(true);
    expect(code(() => make('admin').handle('report_questions', { scope, includePersonalData: true, page: { offset: 0, limit: 5 } }))).toBe('forbidden');
    const options = { format: 'xlsx', include_personal_data: false, superior_body: null, issuing_body: '', document_number: '', place: '', signer: null, recipients: [] };
    expect(code(() => b.handle('report_export', { scope, options }))).toBe('invalid');
    const done = b.handle('report_export', { scope, options: { ...options, issuing_body: 'UBND tỉnh Lâm Đồng', place: 'Lâm Đồng' } }) as { path: string; summary: { questions: number } };
    expect(done.path).toMatch(/\.xlsx$/);
    expect(done.summary.questions).toBe(r.totals.questions);
    expect((b.handle('report_exports') as unknown[]).length).toBe(1);
    expect(code(() => b.handle('report_get', { scope: { dialogue: null, period: { kind: 'quarter', year: 2026, index: 5 } } }))).toBe('invalid');
  });
});
