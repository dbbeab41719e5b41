/**
 * An agency's work list: its assigned questions, the overdue ones first, then by due date.
 */

import { daysBetween } from './dates';

/** The fields of a question row the work list reads. */
export interface WorkRow {
  id: string;
  number: string;
  status: string;
  due_on: string | null;
  overdue: boolean;
}

/** The statuses an agency still has something to do for. */
export const AGENCY_PENDING = new Set<string>(['assigned', 'answered', 'reopened']);

const collator = new Intl.Collator('en', { numeric: true });

/**
 * Overdue first (most overdue first), then the rest by due date, earliest first; no due date
 * last; ties by display number.
 */
export function sortWork<R extends WorkRow>(rows: readonly R[]): R[] {
  return [...rows].sort((a, b) => {
    if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
    if (a.due_on !== b.due_on) {
      if (a.due_on === null) return 1;
      if (b.due_on === null) return -1;
      return a.due_on < b.due_on ? -1 : 1;
    }
    return collator.compare(a.number, b.number);
  });
}

/**
 * How a due date stands on `today`: days overdue, due today, days left, or nothing to count
 * when the agency has already answered (`pending` false) or there is no due date.
 */
export function dueState(
  due: string | null,
  today: string,
  overdue: boolean,
  pending = true,
): { kind: 'none' } | { kind: 'overdue'; days: number } | { kind: 'today' } | { kind: 'left'; days: number } {
  if (due === null || !pending) return { kind: 'none' };
  const days = daysBetween(today, due);
  if (overdue || days < 0) return { kind: 'overdue', days: Math.max(1, -days) };
  if (days === 0) return { kind: 'today' };
  return { kind: 'left', days };
}

/** Whether the agency still has to answer a question in this status. */
export function awaitsAnswer(status: string): boolean {
  return status === 'assigned' || status === 'reopened';
}

/** The fields of the written-answer form. */
export interface AnswerForm {
  answered_by: string;
  document_number: string;
  document_date: string;
  content: string;
}

/** The JSON shape of `AnswerInput` for a written answer. */
export interface WrittenAnswerInput {
  mode: 'written';
  answered_by: string;
  agency: string | null;
  content: string;
  document_number: string | null;
  document_date: string | null;
}

/**
 * The `AnswerInput` for the form, or its problems (field → code) found before sending: every
 * field is required for a written answer, and the document cannot be dated after today.
 */
export function writtenAnswer(
  form: AnswerForm,
  agency: string | null,
  today: string,
): { ok: true; input: WrittenAnswerInput } | { ok: false; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  if (form.answered_by.trim() === '') problems.answered_by = 'required';
  if (form.document_number.trim() === '') problems.document_number = 'required';
  if (form.document_date === '') problems.document_date = 'required';
  else if (form.document_date > today) problems.document_date = 'out_of_range';
  if (form.content.trim() === '') problems.content = 'required';
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return {
    ok: true,
    input: {
      mode: 'written',
      answered_by: form.answered_by,
      agency,
      content: form.content,
      document_number: form.document_number,
      document_date: form.document_date,
    },
  };
}
