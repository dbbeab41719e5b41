// The follow-up rules of crates/domain/src/followup.rs and crates/core/src/followup.rs for the
// mock backend: the standard checklist, task states, a dialogue's timeline, what waits on a
// user (overdue, escalated, due soon), a question's rounds and its repeats, and reminders.

import { shiftDays, standingOf, WorkingCalendar } from '../followup/calendar';
import type {
  AssignmentView,
  CoordinatingBody,
  DialogueTask,
  FieldProblem,
  FollowUp,
  FollowUpPolicy,
  Language,
  Milestone,
  QuestionRow,
  Reminder,
  Role,
  Round,
  TaskInput,
  TaskKind,
  TaskState,
  TaskView,
} from '../types';
import { checkText } from './backend';
import type { QuestionRecord, World } from './seed';

/** One task of the standard checklist, relative to the dialogue's day. */
export interface TaskTemplate {
  kind: TaskKind;
  title: string;
  body: CoordinatingBody;
  offsetDays: number;
}

/** `STANDARD_CHECKLIST`. */
export const STANDARD_CHECKLIST: TaskTemplate[] = [
  { kind: 'plan', title: 'Ban hành kế hoạch tổ chức đối thoại', body: 'party_office', offsetDays: -90 },
  { kind: 'gather', title: 'Tổng hợp ý kiến, kiến nghị của Nhân dân gửi trước hội nghị', body: 'fatherland_front', offsetDays: -10 },
  { kind: 'notice', title: 'Thông báo công khai thời gian, địa điểm, nội dung đối thoại', body: 'peoples_committee_office', offsetDays: -7 },
  { kind: 'publicity', title: 'Tuyên truyền, vận động Nhân dân tham dự', body: 'mass_mobilization', offsetDays: -7 },
  { kind: 'materials', title: 'Chuẩn bị báo cáo, tài liệu trả lời các kiến nghị đã tổng hợp', body: 'peoples_committee_office', offsetDays: -3 },
  { kind: 'security', title: 'Phương án bảo đảm an ninh, trật tự hội nghị', body: 'police', offsetDays: -3 },
  { kind: 'venue', title: 'Chuẩn bị hội trường, âm thanh, đón tiếp Nhân dân', body: 'host_locality', offsetDays: -1 },
  { kind: 'results', title: 'Thông báo kết quả đối thoại, công khai việc giải quyết kiến nghị', body: 'party_office', offsetDays: 10 },
];

/** `standard_checklist`: the tasks for a dialogue held on `heldOn`. */
export function standardChecklist(dialogue: string, heldOn: string, freshId: () => string): DialogueTask[] {
  return STANDARD_CHECKLIST.map((t) => ({
    id: freshId(),
    dialogue,
    kind: t.kind,
    title: t.title,
    body: t.body,
    due_on: shiftDays(heldOn, t.offsetDays),
    done_on: null,
    note: '',
  }));
}

/** `task_state`. */
export function taskState(dueOn: string, doneOn: string | null, today: string): TaskState {
  if (doneOn !== null) return doneOn <= dueOn ? 'done' : 'done_late';
  if (today > dueOn) return 'overdue';
  if (shiftDays(today, 7) >= dueOn) return 'due_soon';
  return 'upcoming';
}

/** `timeline`: plan, notice, the day itself, results. */
export function timeline(heldOn: string, planIssuedOn: string | null, held: boolean, tasks: DialogueTask[], today: string): Milestone[] {
  const done = (kind: TaskKind) => {
    const days = tasks.filter((t) => t.kind === kind && t.done_on !== null).map((t) => t.done_on!);
    return days.length ? days.sort()[0]! : null;
  };
  const milestone = (kind: Milestone['kind'], due: string, doneOn: string | null): Milestone => ({ kind, due_on: due, done_on: doneOn, state: taskState(due, doneOn, today) });
  return [
    milestone('plan_issued', shiftDays(heldOn, -90), planIssuedOn ?? done('plan')),
    milestone('public_notice', shiftDays(heldOn, -7), done('notice')),
    milestone('held', heldOn, held ? heldOn : null),
    milestone('results_published', shiftDays(heldOn, 10), done('results')),
  ];
}

/** `followup::task`: a title, a due date from 2000 to five years on, a done date no later than today. */
export function validateTask(input: TaskInput | undefined, today: string): { task: Omit<DialogueTask, 'id' | 'dialogue'> } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const title = checkText(problems, 'title', input?.title, { max: 300, required: true, multiline: false });
  const note = checkText(problems, 'note', input?.note ?? '', { max: 2_000, required: false, multiline: true });
  const latest = shiftDays(today, 5 * 366);
  const due = input?.due_on ?? '';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(due) || due < '2000-01-01' || due > latest) {
    problems.push({ field: 'due_on', code: 'out_of_range', message: `is out of range: from 2000-01-01 to ${latest}` });
  }
  const doneOn = input?.done_on ?? null;
  if (doneOn !== null && (doneOn < '2000-01-01' || doneOn > today)) {
    problems.push({ field: 'done_on', code: 'out_of_range', message: `is out of range: from 2000-01-01 to ${today}` });
  }
  if (problems.length || !input) return { problems };
  return { task: { kind: input.kind, title, body: input.body, due_on: due, done_on: doneOn, note } };
}

/** Tasks sorted as the replica lists them: by due date, title, id. */
export function sortTasks(tasks: DialogueTask[]): DialogueTask[] {
  return [...tasks].sort((a, b) => a.due_on.localeCompare(b.due_on) || a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
}

export function taskViews(tasks: DialogueTask[], today: string): TaskView[] {
  return sortTasks(tasks).map((task) => ({ task: structuredClone(task), state: taskState(task.due_on, task.done_on, today) }));
}

/** The most questions a follow-up list carries. */
export const FOLLOW_UP_LIMIT = 200;

/**
 * `Replica::follow_up`: for an agency its own assignments; for the secretariat and leaders
 * everything; the secretariat also gets the preparation tasks.
 */
export function followUp(
  world: World,
  role: Role,
  agency: string | null,
  policy: FollowUpPolicy,
  calendar: WorkingCalendar,
  today: string,
  rowOf: (q: QuestionRecord) => QuestionRow,
  dueOf: (q: QuestionRecord) => string | null,
  agencyOf: (q: QuestionRecord) => string | null,
): FollowUp {
  const out: FollowUp = { overdue: 0, escalated: 0, due_soon: 0, tasks_overdue: 0, questions: [], tasks: [] };
  if (role === 'recorder' || role === 'admin') return out;
  const window = calendar.addWorkingDays(today, policy.remind_before_working_days);
  const rows: QuestionRow[] = [];
  for (const q of world.questions) {
    if (q.status !== 'assigned') continue;
    const due = dueOf(q);
    if (due === null || due > window) continue;
    if (role === 'agency' && agencyOf(q) !== agency) continue;
    const row = rowOf(q);
    const s = row.standing;
    if (!s) continue;
    if (s.overdue) {
      out.overdue += 1;
      if (s.escalated) out.escalated += 1;
    } else if (s.due_soon) out.due_soon += 1;
    else continue;
    rows.push(row);
  }
  rows.sort((a, b) => {
    const sa = a.standing!;
    const sb = b.standing!;
    return Number(!sa.escalated) - Number(!sb.escalated) || sa.working_days_left - sb.working_days_left || (a.due_on ?? '').localeCompare(b.due_on ?? '') || a.number.localeCompare(b.number);
  });
  out.questions = rows.slice(0, FOLLOW_UP_LIMIT);
  if (role === 'secretariat') {
    const soon = shiftDays(today, 7);
    out.tasks = taskViews(
      world.tasks.filter((t) => t.done_on === null && t.due_on <= soon),
      today,
    );
    out.tasks_overdue = out.tasks.filter((t) => t.state === 'overdue').length;
  }
  return out;
}

/** `rounds`: one per assignment, with why it was reopened and when it was answered. */
export function rounds(assignments: AssignmentView[], reopenNotes: { at: string; note: string }[], writtenAnswers: string[], vietnamDay: (at: string) => string): Round[] {
  return assignments.map((assignment, index) => {
    const start = Date.parse(assignment.assigned_at);
    const next = assignments[index + 1];
    const end = next ? Date.parse(next.assigned_at) : null;
    const inRound = (at: string) => Date.parse(at) >= start && (end === null || Date.parse(at) < end);
    const answered = writtenAnswers.filter(inRound).sort((a, b) => Date.parse(a) - Date.parse(b))[0];
    const answeredOn = answered ? vietnamDay(answered) : null;
    let reopenedBecause: string | null = null;
    if (index > 0) {
      const previous = Date.parse(assignments[index - 1]!.assigned_at);
      const notes = reopenNotes.filter((n) => Date.parse(n.at) >= previous && Date.parse(n.at) <= start);
      reopenedBecause = notes.length ? notes[notes.length - 1]!.note : null;
    }
    return {
      number: index + 1,
      assignment: structuredClone(assignment),
      reopened_because: reopenedBecause,
      answered_on: answeredOn,
      on_time: answeredOn === null ? null : answeredOn <= assignment.due_on,
    };
  });
}

const MAX_CHAIN = 64;

/** Every raising of the same matter, oldest first, itself included; empty when not linked. */
export function repeatChain(world: World, id: string): QuestionRecord[] {
  const byId = new Map(world.questions.map((q) => [q.id, q]));
  let root = id;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const up = byId.get(root)?.repeat_of ?? null;
    if (up === null || up === id) break;
    root = up;
  }
  const seen = new Set([root]);
  const queue = [root];
  while (queue.length && seen.size <= MAX_CHAIN) {
    const at = queue.shift()!;
    for (const q of world.questions) {
      if (q.repeat_of === at && !seen.has(q.id)) {
        seen.add(q.id);
        queue.push(q.id);
      }
    }
  }
  if (seen.size === 1) return [];
  return [...seen]
    .map((q) => byId.get(q))
    .filter((q): q is QuestionRecord => q !== undefined)
    .sort((a, b) => a.captured_at.localeCompare(b.captured_at) || a.id.localeCompare(b.id));
}

/** Whether linking `question` to `earlier` would make a loop. */
export function makesLoop(world: World, question: string, earlier: string): boolean {
  const byId = new Map(world.questions.map((q) => [q.id, q]));
  let at: string | null = earlier;
  let steps = 0;
  while (at !== null) {
    if (at === question || steps > MAX_CHAIN) return true;
    at = byId.get(at)?.repeat_of ?? null;
    steps += 1;
  }
  return false;
}

/** `take_reminders`'s texts for the follow-up's questions and tasks, keyed for the day. */
export function reminders(follow: FollowUp, language: Language): Reminder[] {
  const out: Reminder[] = [];
  const vn = (d: string | null) => (d ? `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}` : '');
  for (const row of follow.questions) {
    const s = row.standing;
    if (!s) continue;
    const state = s.escalated ? 'escalated' : s.overdue ? 'overdue' : 'due';
    const agency = row.agency_name ?? '';
    const due = vn(row.due_on);
    let title: string;
    let body: string;
    if (language === 'vi') {
      if (state === 'escalated') [title, body] = [`${row.number} quá hạn ${s.overdue_working_days} ngày làm việc`, `Cần lãnh đạo chỉ đạo · ${agency} · hạn ${due}`];
      else if (state === 'overdue') [title, body] = [`${row.number} đã quá hạn trả lời`, `${agency} · hạn ${due}`];
      else [title, body] = [`${row.number} sắp đến hạn trả lời`, `${agency} · hạn ${due} · còn ${s.working_days_left} ngày làm việc`];
    } else if (state === 'escalated') [title, body] = [`${row.number} is ${s.overdue_working_days} working days overdue`, `Escalated to the leaders · ${agency} · due ${due}`];
    else if (state === 'overdue') [title, body] = [`${row.number} is past its due date`, `${agency} · due ${due}`];
    else [title, body] = [`${row.number} is due soon`, `${agency} · due ${due} · ${s.working_days_left} working days left`];
    out.push({ key: `q:${row.id}:${state}`, title, body, question: row.id, dialogue: row.dialogue });
  }
  for (const view of follow.tasks) {
    const state = view.state === 'overdue' ? 'overdue' : 'due';
    const due = vn(view.task.due_on);
    const title =
      language === 'vi'
        ? state === 'overdue'
          ? 'Việc chuẩn bị đối thoại đã quá hạn'
          : 'Việc chuẩn bị đối thoại sắp đến hạn'
        : state === 'overdue'
          ? 'A dialogue preparation task is overdue'
          : 'A dialogue preparation task is due soon';
    const body = language === 'vi' ? `${view.task.title} · hạn ${due}` : `${view.task.title} · due ${due}`;
    out.push({ key: `t:${view.task.id}:${state}`, title, body, question: null, dialogue: view.task.dialogue });
  }
  return out;
}

/** `FollowUpPolicy::check` and the calendar's own checks, every problem at once. */
export function checkPolicy(policy: FollowUpPolicy | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const within = (field: keyof FollowUpPolicy, min: number, max: number) => {
    const v = policy?.[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push({ field, code: 'out_of_range', message: `is out of range: from ${min} to ${max}` });
    }
  };
  within('answer_working_days', 1, 120);
  within('escalate_after_working_days', 0, 60);
  within('remind_before_working_days', 0, 20);
  const seenYears = new Set<number>();
  for (const year of policy?.calendar ?? []) {
    if (seenYears.has(year.year)) problems.push({ field: 'calendar', code: 'invalid', message: `the year ${year.year} is recorded twice` });
    seenYears.add(year.year);
    const seen = new Set<string>();
    for (const decision of year.decisions) {
      for (const change of decision.changes) {
        if (Number(change.date.slice(0, 4)) !== year.year) problems.push({ field: 'calendar', code: 'invalid', message: `${change.date} is not in ${year.year}` });
        if (seen.has(change.date)) problems.push({ field: 'calendar', code: 'invalid', message: `${change.date} is changed twice` });
        seen.add(change.date);
      }
    }
  }
  return problems;
}

export { standingOf };
