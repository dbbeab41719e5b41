// The compiled reports of crates/core/src/report for the mock backend: the figures of a
// scope (a dialogue, a period, both or neither), its question list, and exports.

import { periodDates, periodLabel } from '../report/period';
import { median, WorkingCalendar } from '../followup/calendar';
import type {
  AgencyScorecard,
  Citizen,
  NamedCount,
  QuestionKind,
  QuestionStatus,
  Report,
  ReportDialogue,
  ReportQuestion,
  ReportScope,
} from '../types';
import { QUESTION_KINDS, QUESTION_STATUSES } from '../types';
import { formatDisplayNumber } from '../format';
import type { QuestionRecord, World } from './seed';

const NO_TOPIC = 'Chưa phân loại';

export interface Bounds {
  dialogue: string | null;
  from: string | null;
  to: string | null;
}

/** The scope's bounds; throws the field problem of a period out of range. */
export function boundsOf(scope: ReportScope): Bounds | { field: string; message: string } {
  if (!scope.period) return { dialogue: scope.dialogue ?? null, from: null, to: null };
  const dates = periodDates(scope.period);
  if ('field' in dates) return dates;
  return { dialogue: scope.dialogue ?? null, from: dates.from, to: dates.to };
}

function inScope(q: QuestionRecord, b: Bounds, vietnamDay: (at: string) => string): boolean {
  if (b.dialogue && q.dialogue !== b.dialogue) return false;
  if (b.from && b.to) {
    const day = vietnamDay(q.captured_at);
    if (day < b.from || day > b.to) return false;
  }
  return true;
}

const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

function named(items: { id: string | null; name: string; count: number }[], total: number): NamedCount[] {
  return items
    .map((i) => ({ ...i, share: share(i.count, total) }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

interface Assigned {
  id: string;
  agency: string;
  due_on: string;
  assigned_at: string;
}

/** For each assignment (sorted by time), the first written answer in its own time. */
function answerOfEach(assignments: Assigned[], written: string[]): (string | null)[] {
  return assignments.map((s, i) => {
    const next = assignments[i + 1]?.assigned_at;
    const hits = written.filter((at) => Date.parse(at) >= Date.parse(s.assigned_at) && (next === undefined || Date.parse(at) < Date.parse(next)));
    hits.sort((a, b) => Date.parse(a) - Date.parse(b));
    return hits[0] ?? null;
  });
}

function assignmentsOf(world: World, q: string): Assigned[] {
  return world.assignments
    .filter((a) => a.question === q)
    .map((a) => ({ id: a.id, agency: a.terms.agency, due_on: a.terms.due_on, assigned_at: a.assigned_at }))
    .sort((a, b) => Date.parse(a.assigned_at) - Date.parse(b.assigned_at) || a.id.localeCompare(b.id));
}

function writtenOf(world: World, q: string): string[] {
  return world.answers
    .filter((a) => a.question === q && a.body.mode === 'written')
    .map((a) => a.recorded_at)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
}

/** `compute::report`. */
export function computeReport(world: World, questions: QuestionRecord[], scope: ReportScope, bounds: Bounds, today: string, calendar: WorkingCalendar, vietnamDay: (at: string) => string): Report {
  const totals = {
    questions: 0,
    merged: 0,
    answered_on_site: 0,
    answered_in_writing: 0,
    not_answered: 0,
    assigned: 0,
    settled: 0,
    overdue: 0,
    on_site_share: 0,
    in_writing_share: 0,
    resolution_rate: 0,
  };
  const byKind = new Map<QuestionKind, number>();
  const byStatus = new Map<QuestionStatus, number>();
  const byTopic = new Map<string | null, { name: string; count: number }>();
  const byLocality = new Map<string, { name: string; count: number }>();
  const byDialogue = new Map<string, number>();
  const tallies = new Map<string, { assigned: number; answered: number; onTime: number; late: number; days: number[]; overdue: number; resolved: number }>();
  const dialogueOf = new Map(world.dialogues.map((d) => [d.id, d]));
  const localityName = (id: string) => world.localities.find((l) => l.id === id)?.name ?? '';

  for (const q of questions) {
    if (!inScope(q, bounds, vietnamDay)) continue;
    if (q.status === 'merged') {
      totals.merged += 1;
      continue;
    }
    totals.questions += 1;
    byDialogue.set(q.dialogue, (byDialogue.get(q.dialogue) ?? 0) + 1);
    byKind.set(q.text.kind, (byKind.get(q.text.kind) ?? 0) + 1);
    byStatus.set(q.status, (byStatus.get(q.status) ?? 0) + 1);
    const topicName = world.topics.find((t) => t.id === q.text.topic)?.name ?? null;
    const topic = byTopic.get(q.text.topic) ?? { name: topicName ?? NO_TOPIC, count: 0 };
    topic.count += 1;
    byTopic.set(q.text.topic, topic);
    const locality = dialogueOf.get(q.dialogue)?.details.locality ?? '';
    const loc = byLocality.get(locality) ?? { name: localityName(locality), count: 0 };
    loc.count += 1;
    byLocality.set(locality, loc);
    const onSite = world.answers.some((a) => a.question === q.id && a.body.mode === 'on_site');
    const written = writtenOf(world, q.id);
    const assignments = assignmentsOf(world, q.id);
    if (written.length > 0) totals.answered_in_writing += 1;
    else if (onSite) totals.answered_on_site += 1;
    else totals.not_answered += 1;
    if (q.status === 'resolved' || q.status === 'answered_on_site') totals.settled += 1;
    if (assignments.length > 0) totals.assigned += 1;
    const answers = answerOfEach(assignments, written);
    assignments.forEach((s, i) => {
      const t = tallies.get(s.agency) ?? { assigned: 0, answered: 0, onTime: 0, late: 0, days: [], overdue: 0, resolved: 0 };
      tallies.set(s.agency, t);
      t.assigned += 1;
      const answeredAt = answers[i];
      if (answeredAt) {
        const answeredOn = vietnamDay(answeredAt);
        t.answered += 1;
        if (answeredOn <= s.due_on) t.onTime += 1;
        else t.late += 1;
        t.days.push(calendar.between(vietnamDay(s.assigned_at), answeredOn));
      }
      if (i === assignments.length - 1) {
        if (q.status === 'assigned' && s.due_on < today) {
          t.overdue += 1;
          totals.overdue += 1;
        }
        if (q.status === 'resolved') t.resolved += 1;
      }
    });
  }
  const total = totals.questions;
  totals.on_site_share = share(totals.answered_on_site, total);
  totals.in_writing_share = share(totals.answered_in_writing, total);
  totals.resolution_rate = share(totals.settled, total);

  const scorecards: AgencyScorecard[] = [...tallies.entries()]
    .map(([id, t]) => {
      const agency = world.agencies.find((a) => a.id === id);
      return {
        agency: id,
        name: agency?.name ?? '',
        short_name: agency?.short_name ?? '',
        assigned: t.assigned,
        answered: t.answered,
        answered_on_time: t.onTime,
        answered_late: t.late,
        on_time_rate: t.answered > 0 ? share(t.onTime, t.answered) : null,
        median_working_days: median(t.days),
        overdue_now: t.overdue,
        resolved: t.resolved,
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.agency.localeCompare(b.agency)));

  const dialogues: ReportDialogue[] = [...world.dialogues]
    .filter((d) => bounds.dialogue === null || d.id === bounds.dialogue)
    .sort((a, b) => a.details.starts_at.localeCompare(b.details.starts_at) || a.id.localeCompare(b.id))
    .map((d) => ({
      id: d.id,
      title: d.details.title,
      locality_name: localityName(d.details.locality),
      held_on: vietnamDay(d.details.starts_at),
      attendee_count: d.details.attendee_count,
      questions: byDialogue.get(d.id) ?? 0,
    }))
    .filter((d) => bounds.dialogue !== null || d.questions > 0 || (bounds.from !== null && bounds.to !== null ? d.held_on >= bounds.from && d.held_on <= bounds.to : true));

  const title = scope.dialogue ? dialogues.find((d) => d.id === scope.dialogue)?.title : undefined;
  const scopeLabel =
    title && scope.period ? `${title} — ${periodLabel(scope.period)}` : title ? title : scope.period ? periodLabel(scope.period) : 'Toàn bộ các hội nghị đối thoại';

  return {
    scope: { dialogue: scope.dialogue ?? null, period: scope.period ?? null },
    scope_label: scopeLabel,
    from: bounds.from,
    to: bounds.to,
    as_of: today,
    dialogues,
    totals,
    by_kind: QUESTION_KINDS.map((kind) => ({ kind, count: byKind.get(kind) ?? 0, share: share(byKind.get(kind) ?? 0, total) })),
    by_topic: named([...byTopic.entries()].map(([id, v]) => ({ id, ...v })), total),
    by_locality: named([...byLocality.entries()].map(([id, v]) => ({ id, ...v })), total),
    by_status: QUESTION_STATUSES.filter((s) => s !== 'merged').map((status) => ({ status, count: byStatus.get(status) ?? 0 })),
    overdue_by_agency: named(
      scorecards.filter((s) => s.overdue_now > 0).map((s) => ({ id: s.agency, name: s.name, count: s.overdue_now })),
      total,
    ),
    scorecards,
  };
}

/** The scope's questions as the report lists them: by dialogue, then in the order captured. */
export function reportQuestions(world: World, questions: QuestionRecord[], bounds: Bounds, today: string, personalData: boolean, vietnamDay: (at: string) => string): ReportQuestion[] {
  const dialogueOf = new Map(world.dialogues.map((d) => [d.id, d]));
  return questions
    .filter((q) => q.status !== 'merged' && inScope(q, bounds, vietnamDay))
    .sort((a, b) => a.dialogue.localeCompare(b.dialogue) || a.captured_at.localeCompare(b.captured_at) || a.id.localeCompare(b.id))
    .map((q) => {
      const d = dialogueOf.get(q.dialogue);
      const assignments = assignmentsOf(world, q.id);
      const written = writtenOf(world, q.id);
      const settled = answerOfEach(assignments, written);
      const citizen: Citizen | null = personalData ? structuredClone(q.citizen) : null;
      return {
        id: q.id,
        number: formatDisplayNumber(q),
        dialogue: q.dialogue,
        dialogue_title: d?.details.title ?? '',
        locality_name: world.localities.find((l) => l.id === d?.details.locality)?.name ?? '',
        captured_on: vietnamDay(q.captured_at),
        kind: q.text.kind,
        source: q.text.source,
        topic_name: world.topics.find((t) => t.id === q.text.topic)?.name ?? null,
        content: q.text.content,
        citizen,
        status: q.status,
        overdue: q.status === 'assigned' && (assignments[assignments.length - 1]?.due_on ?? '9999') < today,
        answers: world.answers
          .filter((a) => a.question === q.id)
          .sort((a, b) => Date.parse(a.recorded_at) - Date.parse(b.recorded_at) || a.id.localeCompare(b.id))
          .map((a) => ({
            mode: a.body.mode,
            answered_by: a.body.answered_by,
            content: a.body.content,
            document_number: a.body.document?.number ?? null,
            document_date: a.body.document?.date ?? null,
            answered_on: vietnamDay(a.recorded_at),
          })),
        assignments: assignments.map((s, i) => ({
          agency_name: world.agencies.find((g) => g.id === s.agency)?.name ?? '',
          assigned_on: vietnamDay(s.assigned_at),
          due_on: s.due_on,
          answered_on: settled[i] ? vietnamDay(settled[i]!) : null,
        })),
      };
    });
}
