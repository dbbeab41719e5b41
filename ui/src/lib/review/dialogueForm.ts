/**
 * The dialogue form: what the secretariat types, checked before it is sent, and turned into a
 * `DialogueInput`. The backend validates again (and its problems are shown per field); these
 * checks only catch what can be caught without it, so the form answers at once.
 */

import { hcmToUtc, utcToHcm } from './dates';

/** Administrative levels, highest first. */
export const LEVELS = ['province', 'district', 'commune'] as const;
export type LevelName = (typeof LEVELS)[number];

/** Dialogue statuses in their order of life. */
export const DIALOGUE_STATUSES = ['planned', 'open', 'concluded', 'closed'] as const;
export type DialogueStatusName = (typeof DIALOGUE_STATUSES)[number];

/** The JSON shape of `DialogueInput`. */
export interface DialogueInputShape {
  title: string;
  level: LevelName;
  locality: string;
  audience: string;
  venue: string;
  starts_at: string;
  hosts: string;
  coordinating_bodies: string;
  plan_issued_on: string | null;
  attendee_count: number | null;
}

/** What the form's controls hold: all strings, as native inputs give them. */
export interface DialogueForm {
  title: string;
  level: LevelName;
  locality: string;
  audience: string;
  venue: string;
  /** `YYYY-MM-DD`, Ho Chi Minh City. */
  date: string;
  /** `HH:MM`, Ho Chi Minh City. */
  time: string;
  hosts: string;
  coordinating_bodies: string;
  plan_issued_on: string;
  attendee_count: string;
}

/** The form's fields, in the order they are shown (and errors are focused). */
export const FORM_FIELDS = [
  'title',
  'level',
  'locality',
  'audience',
  'venue',
  'starts_at',
  'hosts',
  'coordinating_bodies',
  'plan_issued_on',
  'attendee_count',
] as const;

/** An empty form; a dialogue usually starts at 07:30 in the morning. */
export function emptyForm(level: LevelName = 'commune'): DialogueForm {
  return {
    title: '',
    level,
    locality: '',
    audience: '',
    venue: '',
    date: '',
    time: '07:30',
    hosts: '',
    coordinating_bodies: '',
    plan_issued_on: '',
    attendee_count: '',
  };
}

/** The form filled from a dialogue's details, for editing. */
export function formFromDetails(details: DialogueInputShape): DialogueForm {
  const start = utcToHcm(details.starts_at) ?? { date: '', time: '' };
  return {
    title: details.title,
    level: details.level,
    locality: details.locality,
    audience: details.audience,
    venue: details.venue,
    date: start.date,
    time: start.time,
    hosts: details.hosts,
    coordinating_bodies: details.coordinating_bodies,
    plan_issued_on: details.plan_issued_on ?? '',
    attendee_count: details.attendee_count === null ? '' : String(details.attendee_count),
  };
}

/**
 * The `DialogueInput` for a form, or the problems found (field → problem code, using the
 * backend's codes: `required`, `out_of_range`, `inconsistent`).
 */
export function inputFromForm(
  form: DialogueForm,
): { ok: true; input: DialogueInputShape } | { ok: false; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  if (form.title.trim() === '') problems.title = 'required';
  if (form.locality === '') problems.locality = 'required';
  let startsAt: string | null = null;
  if (form.date === '' || form.time === '') problems.starts_at = 'required';
  else {
    startsAt = hcmToUtc(form.date, form.time);
    if (startsAt === null) problems.starts_at = 'out_of_range';
  }
  const plan = form.plan_issued_on.trim();
  if (plan !== '' && startsAt !== null && plan > form.date) problems.plan_issued_on = 'inconsistent';
  let attendees: number | null = null;
  const count = form.attendee_count.trim();
  if (count !== '') {
    attendees = /^\d{1,6}$/u.test(count) ? Number(count) : NaN;
    if (Number.isNaN(attendees) || attendees > 100_000) problems.attendee_count = 'out_of_range';
  }
  if (Object.keys(problems).length > 0 || startsAt === null) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    input: {
      title: form.title,
      level: form.level,
      locality: form.locality,
      audience: form.audience,
      venue: form.venue,
      starts_at: startsAt,
      hosts: form.hosts,
      coordinating_bodies: form.coordinating_bodies,
      plan_issued_on: plan === '' ? null : plan,
      attendee_count: attendees,
    },
  };
}

/** A status a dialogue can move to (every one but the first). */
export type LaterDialogueStatus = Exclude<DialogueStatusName, 'planned'>;

/**
 * The statuses a dialogue may move to next: planned → open → concluded, and concluded →
 * closed once no question is left open.
 */
export function nextDialogueStatuses(status: string, openQuestions: number): LaterDialogueStatus[] {
  switch (status) {
    case 'planned':
      return ['open'];
    case 'open':
      return ['concluded'];
    case 'concluded':
      return openQuestions === 0 ? ['closed'] : [];
    default:
      return [];
  }
}

/** Sections of the dialogue list. */
export type DialogueSection = 'planned' | 'open' | 'concluded';

/** Which section a dialogue is listed in (closed ones are listed with the concluded). */
export function sectionOf(status: string): DialogueSection {
  if (status === 'planned' || status === 'open') return status;
  return 'concluded';
}
