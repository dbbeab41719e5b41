import { describe, expect, it } from 'vitest';

import {
  emptyForm,
  formFromDetails,
  inputFromForm,
  nextDialogueStatuses,
  sectionOf,
  type DialogueForm,
} from './dialogueForm';

const filled: DialogueForm = {
  ...emptyForm(),
  title: 'Đối thoại với nhân dân xã Bắc Bình năm 2026',
  locality: '0190a0c0-0000-7000-8000-000000000001',
  date: '2026-12-15',
  time: '08:30',
  plan_issued_on: '2026-09-01',
  attendee_count: '300',
};

describe('dialogue form', () => {
  it('builds a DialogueInput with the start in UTC', () => {
    const result = inputFromForm(filled);
    expect(result).toEqual({
      ok: true,
      input: {
        title: filled.title,
        level: 'commune',
        locality: filled.locality,
        audience: '',
        venue: '',
        starts_at: '2026-12-15T01:30:00Z',
        hosts: '',
        coordinating_bodies: '',
        plan_issued_on: '2026-09-01',
        attendee_count: 300,
      },
    });
  });

  it('leaves optional fields null', () => {
    const result = inputFromForm({ ...filled, plan_issued_on: '', attendee_count: ' ' });
    expect(result.ok && result.input.plan_issued_on).toBeNull();
    expect(result.ok && result.input.attendee_count).toBeNull();
  });

  it('reports every problem at once, with the backend codes', () => {
    const cases: [Partial<DialogueForm>, Record<string, string>][] = [
      [
        { title: '  ', locality: '' },
        { title: 'required', locality: 'required' },
      ],
      [{ date: '' }, { starts_at: 'required' }],
      [{ date: '2026-02-31' }, { starts_at: 'out_of_range' }],
      [{ plan_issued_on: '2026-12-16' }, { plan_issued_on: 'inconsistent' }],
      [{ attendee_count: '-3' }, { attendee_count: 'out_of_range' }],
      [{ attendee_count: '3.5' }, { attendee_count: 'out_of_range' }],
      [{ attendee_count: '100001' }, { attendee_count: 'out_of_range' }],
    ];
    for (const [change, problems] of cases) {
      expect(inputFromForm({ ...filled, ...change }), JSON.stringify(change)).toEqual({ ok: false, problems });
    }
  });

  it('fills the form back from details on the local clock', () => {
    const result = inputFromForm(filled);
    if (!result.ok) throw new Error('expected a valid form');
    expect(formFromDetails(result.input)).toEqual(filled);
  });

  it('moves dialogues planned → open → concluded, and closes them when nothing is open', () => {
    expect(nextDialogueStatuses('planned', 5)).toEqual(['open']);
    expect(nextDialogueStatuses('open', 5)).toEqual(['concluded']);
    expect(nextDialogueStatuses('concluded', 5)).toEqual([]);
    expect(nextDialogueStatuses('concluded', 0)).toEqual(['closed']);
    expect(nextDialogueStatuses('closed', 0)).toEqual([]);
    expect(['planned', 'open', 'concluded', 'closed'].map(sectionOf)).toEqual([
      'planned',
      'open',
      'concluded',
      'concluded',
    ]);
  });
});
