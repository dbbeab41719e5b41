import { describe, expect, it } from 'vitest';

import { awaitsAnswer, dueState, sortWork, writtenAnswer, type WorkRow } from './work';

const row = (number: string, due_on: string | null, overdue = false, status = 'assigned'): WorkRow => ({
  id: number,
  number,
  status,
  due_on,
  overdue,
});

describe('sortWork', () => {
  it('puts overdue first, then by due date, undated last, ties by number', () => {
    const rows = [
      row('A-010', '2026-12-20'),
      row('A-002', null, false, 'answered'),
      row('B-001', '2026-11-01', true),
      row('A-009', '2026-12-20'),
      row('C-003', '2026-11-20', true),
      row('A-001', '2026-12-01'),
    ];
    expect(sortWork(rows).map((r) => r.number)).toEqual(['B-001', 'C-003', 'A-001', 'A-009', 'A-010', 'A-002']);
    expect(rows[0]?.number).toBe('A-010');
  });
});

describe('dueState', () => {
  it('says how a due date stands today', () => {
    const today = '2026-11-27';
    expect(dueState(null, today, false)).toEqual({ kind: 'none' });
    expect(dueState('2026-11-20', today, true)).toEqual({ kind: 'overdue', days: 7 });
    expect(dueState('2026-11-27', today, false)).toEqual({ kind: 'today' });
    expect(dueState('2026-12-02', today, false)).toEqual({ kind: 'left', days: 5 });
    // Answered or resolved: nothing left to count, even past the date.
    expect(dueState('2026-11-20', today, false, false)).toEqual({ kind: 'none' });
    // Reopened past its date: late, though the backend flags only assigned ones.
    expect(dueState('2026-11-25', today, false, true)).toEqual({ kind: 'overdue', days: 2 });
  });
});

describe('awaitsAnswer', () => {
  it('is true only while the agency still has to answer', () => {
    expect(['assigned', 'reopened', 'answered', 'resolved'].map(awaitsAnswer)).toEqual([true, true, false, false]);
  });
});

describe('writtenAnswer', () => {
  const form = {
    answered_by: 'Sở Xây dựng',
    document_number: '125/SXD-QLXD',
    document_date: '2026-11-27',
    content: 'Trả lời bằng văn bản',
  };

  it('builds a written AnswerInput for the agency', () => {
    expect(writtenAnswer(form, 'ag-1', '2026-11-27')).toEqual({
      ok: true,
      input: { mode: 'written', agency: 'ag-1', ...form },
    });
  });

  it('needs every field and no future document date', () => {
    expect(
      writtenAnswer({ answered_by: ' ', document_number: '', document_date: '', content: '\n' }, null, '2026-11-27'),
    ).toEqual({
      ok: false,
      problems: {
        answered_by: 'required',
        document_number: 'required',
        document_date: 'required',
        content: 'required',
      },
    });
    expect(writtenAnswer({ ...form, document_date: '2026-11-28' }, null, '2026-11-27')).toEqual({
      ok: false,
      problems: { document_date: 'out_of_range' },
    });
  });
});
