// An in-memory fake of the Rust side: every command of docs/IPC.md, with the same argument
// names, result shapes, error codes and rules (validation, permissions, the status machine,
// display numbers, diacritic-insensitive search), and the two events.
//
// It runs the UI in a plain browser (`?mock=<scenario>`), in headless end-to-end tests and in
// Vitest. It is never loaded inside Tauri: main.ts imports it dynamically, only when the
// Tauri internals are absent.
//
// Enrolment in the `fresh` scenario (codes are case-insensitive; spaces and dashes ignored):
//   - the address must start with http:// or https://            → otherwise `bad_address`
//   - an address mentioning `offline` or `unreachable`             → `offline`
//   - an address mentioning `portal` or `captive`                  → `not_the_server`
//   - a code starting `USED` → `code_used`; starting `EXP` → `code_expired`
//   - any other code must be 8 letters or digits                  → otherwise `bad_code`
//   - the first letter picks the role: S secretariat, L leader, G agency, anything else recorder.

import { ageOf, standingOf, WorkingCalendar } from '../followup/calendar';
import { formatDisplayNumber, vietnamDay } from '../format';
import type {
  Answer,
  AnswerBody,
  AnswerInput,
  AppSettings,
  AssignmentInput,
  AssignmentView,
  CaptureInput,
  Captured,
  Citizen,
  CitizenInput,
  DeviceInfo,
  DialogueInput,
  DialoguePlan,
  DialogueStatus,
  DialogueSummary,
  ExportDone,
  ExportOptions,
  FieldProblem,
  FollowUp,
  FollowUpPolicy,
  HistoryEntry,
  Locality,
  Page,
  QuestionDetail,
  QuestionFilter,
  QuestionInput,
  QuestionList,
  QuestionRow,
  QuestionSort,
  QuestionStatus,
  QuestionText,
  Reminder,
  Report,
  ReportQuestionPage,
  ReportScope,
  Role,
  SearchHit,
  StatusCount,
  SyncBadge,
  TaskInput,
} from '../types';
import { QUESTION_STATUSES } from '../types';
import { fold, queryTerms, snippet, splitWords } from './fold';
import { checkPolicy, followUp, makesLoop, reminders, repeatChain, rounds, standardChecklist, taskViews, timeline, validateTask } from './followup';
import { randomBytes, uuidV7 } from './ids';
import { boundsOf, computeReport, reportQuestions } from './report';
import { DEVICES, preloadXss, seedWorld, type MockDevice, type QuestionRecord, type World } from './seed';

export const SCENARIOS = ['fresh', 'recorder', 'secretariat', 'leader', 'agency', 'admin', 'empty', 'error', 'xss', 'big', 'offline'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export function isScenario(value: string | null | undefined): value is Scenario {
  return (SCENARIOS as readonly string[]).includes(value ?? '');
}

/** The error a command rejects with, as the Rust side serialises `CommandError`. */
export interface MockCommandError {
  code: string;
  message: string;
  problems?: FieldProblem[];
}

export class MockFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly problems?: FieldProblem[],
  ) {
    super(message);
  }

  toJSON(): MockCommandError {
    return { code: this.code, message: this.message, ...(this.problems ? { problems: this.problems } : {}) };
  }
}

const fail = (code: string, message: string, problems?: FieldProblem[]): never => {
  throw new MockFailure(code, message, problems);
};

export interface MockOptions {
  now?: () => Date;
  /** Called for each event the backend emits. */
  emit?: (event: 'sync-badge' | 'data-changed' | 'reminder', payload: unknown) => void;
  /** Milliseconds after start before the secretariat scenario raises its reminders (negative: never). */
  reminderAfterMs?: number;
  /** Milliseconds between the steps of a simulated sync (0 runs it at once). */
  syncStepMs?: number;
}

/** The status machine of crates/domain/src/status.rs. */
const TRANSITIONS: [QuestionStatus, QuestionStatus, Role[]][] = [
  ['received', 'answered_on_site', ['recorder', 'secretariat', 'leader']],
  ['received', 'needs_written_answer', ['recorder', 'secretariat', 'leader']],
  ['received', 'assigned', ['secretariat', 'leader']],
  ['received', 'merged', ['secretariat', 'leader']],
  ['answered_on_site', 'needs_written_answer', ['secretariat', 'leader']],
  ['answered_on_site', 'resolved', ['secretariat', 'leader']],
  ['needs_written_answer', 'assigned', ['secretariat', 'leader']],
  ['needs_written_answer', 'merged', ['secretariat', 'leader']],
  ['assigned', 'answered', ['agency', 'secretariat']],
  ['assigned', 'merged', ['secretariat', 'leader']],
  ['answered', 'resolved', ['agency', 'secretariat', 'leader']],
  ['answered', 'reopened', ['secretariat', 'leader']],
  ['resolved', 'reopened', ['secretariat', 'leader']],
  ['reopened', 'assigned', ['secretariat', 'leader']],
];

export function nextStatuses(from: QuestionStatus, role: Role): QuestionStatus[] {
  return TRANSITIONS.filter(([f, , roles]) => f === from && roles.includes(role)).map(([, t]) => t);
}

const MAX_CONTENT = 10_000;
const MAX_LINE = 300;
const MAX_NOTE = 2_000;

const DEVICE_FOR: Partial<Record<Scenario, MockDevice>> = {
  recorder: DEVICES.recorderB,
  secretariat: DEVICES.secretariat,
  leader: DEVICES.leader,
  agency: DEVICES.agency,
  admin: DEVICES.admin,
  empty: DEVICES.secretariat,
  error: DEVICES.secretariat,
  xss: DEVICES.secretariat,
  big: DEVICES.secretariat,
  offline: DEVICES.recorderB,
};

export class MockBackend {
  readonly scenario: Scenario;
  world: World;
  identity: (MockDevice & { agency: string | null }) | null;
  settings: AppSettings = { language: 'vi', reminders: true };
  /** Reminder keys already raised today, as `take_reminders` remembers them. */
  private reminded: { day: string; keys: Set<string> } = { day: '', keys: new Set() };
  private calendarFor: { policy: FollowUpPolicy['calendar']; calendar: WorkingCalendar } | null = null;
  serverUrl: string | null = null;
  deviceName: string | null = null;
  draft: string | null = null;
  online: boolean;
  syncing = false;
  unsent: number;
  lastSuccessAt: string | null;
  lastError: string | null = null;
  progress: SyncBadge['progress'] = null;
  /** Calls made, for tests: `[command, args]`. */
  readonly calls: [string, Record<string, unknown>][] = [];
  private readonly now: () => Date;
  private readonly emitEvent: NonNullable<MockOptions['emit']>;
  private readonly syncStepMs: number;
  private readonly random = Math.random;

  constructor(scenario: Scenario, options: MockOptions = {}) {
    this.scenario = scenario;
    this.now = options.now ?? (() => new Date());
    this.emitEvent = options.emit ?? (() => {});
    this.syncStepMs = options.syncStepMs ?? 350;
    const now = this.now();
    this.world = seedWorld({
      now,
      empty: scenario === 'empty' || scenario === 'fresh',
      questions: scenario === 'big' ? 10_000 : 60,
    });
    if (scenario === 'xss') preloadXss(this.world);
    const device = DEVICE_FOR[scenario];
    this.identity = device ? this.identityFor(device) : null;
    if (this.identity) {
      this.serverUrl = 'https://townhall.lamdong.gov.vn';
      this.deviceName = `Máy ${this.identity.letter}`;
    }
    this.online = scenario !== 'error' && scenario !== 'offline';
    this.unsent = scenario === 'recorder' ? 3 : scenario === 'offline' ? 12 : 0;
    this.lastSuccessAt = this.identity ? new Date(now.getTime() - 12 * 60_000).toISOString() : null;
    if (scenario === 'error') this.lastError = 'offline: error sending request: connection refused';
    // Refused changes belong to the devices that write: a recorder's tablet, the secretariat.
    if (!['recorder', 'offline', 'secretariat', 'xss', 'big'].includes(scenario)) this.world.rejected = [];
    // The secretariat's day starts with what is overdue: the first check after start raises it.
    const after = options.reminderAfterMs ?? 600;
    if (scenario === 'secretariat' && after >= 0) schedule(() => this.raiseReminders(), after);
  }

  private identityFor(device: MockDevice) {
    const agency = device.role === 'agency' ? (this.world.agencies.find((a) => a.name === 'Sở Nông nghiệp và Môi trường')?.id ?? null) : null;
    return { ...device, agency };
  }

  // ---- the IPC entry point ----

  /** Runs one command; throws a `MockFailure` the way the Rust side rejects. */
  handle(command: string, args: Record<string, unknown> = {}): unknown {
    this.calls.push([command, args]);
    if (this.scenario === 'error' && !['device_info', 'settings_get', 'settings_set', 'sync_status', 'sync_now'].includes(command)) {
      fail('storage', 'the local database failed: disk I/O error');
    }
    switch (command) {
      case 'device_info':
        return this.deviceInfo();
      case 'device_enrol':
        return this.enrol(str(args.serverUrl), str(args.code), str(args.deviceName));
      case 'settings_get':
        return { ...this.settings };
      case 'settings_set': {
        const s = args.settings as AppSettings | undefined;
        if (!s || (s.language !== 'vi' && s.language !== 'en')) fail('invalid', 'language: must be vi or en', [{ field: 'language', code: 'invalid', message: 'must be vi or en' }]);
        this.settings = { language: s!.language, reminders: s!.reminders !== false };
        return { ...this.settings };
      }
      case 'reference_topics':
        return this.world.topics.filter((t) => !t.archived);
      case 'reference_agencies':
        return this.world.agencies.filter((a) => !a.archived);
      case 'reference_localities':
        return this.world.localities;
      case 'reference_locality_add':
        return this.localityAdd(args.name as string, args.level as Locality['level'], (args.parent as string | null) ?? null);
      case 'dialogue_list':
        this.requireEnrolled();
        return this.dialogueList();
      case 'dialogue_create':
        return this.dialogueCreate(args.input as DialogueInput);
      case 'dialogue_edit':
        return this.dialogueEdit(str(args.id), args.input as DialogueInput);
      case 'dialogue_set_status':
        return this.dialogueSetStatus(str(args.id), args.status as DialogueStatus);
      case 'question_capture':
        return this.capture(args.input as CaptureInput);
      case 'question_list':
        return this.list(args.filter as QuestionFilter, args.sort as QuestionSort, args.page as Page);
      case 'question_search':
        return this.search(str(args.query), args.filter as QuestionFilter, num(args.limit, 50));
      case 'question_get':
        return this.detail(str(args.id));
      case 'question_edit':
        return this.edit(str(args.id), args.input as QuestionInput);
      case 'question_change_status':
        return this.changeStatus(str(args.id), args.to as QuestionStatus, (args.note as string | null) ?? '');
      case 'question_merge':
        return this.merge(str(args.id), str(args.into));
      case 'question_similar':
        return this.similar(str(args.id), num(args.limit, 5));
      case 'question_draft_get':
        return this.draft;
      case 'question_draft_set':
        this.draft = (args.draft as string | null) ?? null;
        return null;
      case 'answer_add':
        return this.answerAdd(str(args.question), args.input as AnswerInput);
      case 'answer_edit':
        return this.answerEdit(str(args.id), args.input as AnswerInput);
      case 'assignment_create':
        return this.assignmentCreate((args.questions as string[]) ?? [], args.input as AssignmentInput);
      case 'assignment_edit':
        return this.assignmentEdit(str(args.id), args.input as AssignmentInput);
      case 'sync_status':
        return this.badge();
      case 'sync_now':
        this.requireEnrolled();
        this.startSync();
        return null;
      case 'sync_rejected':
        return this.world.rejected.map((r) => structuredClone(r));
      case 'sync_retry_rejected':
        return this.retryRejected(num(args.seq, -1));
      case 'sync_dismiss_rejected':
        return this.dismissRejected(num(args.seq, -1));
      case 'followup_policy_get':
        return structuredClone(this.world.policy);
      case 'followup_policy_set':
        return this.policySet(args.policy as FollowUpPolicy);
      case 'followup_default_due_date':
        this.requireEnrolled();
        return this.calendar().addWorkingDays(this.today(), this.world.policy.answer_working_days);
      case 'followup_summary':
        return this.followUp();
      case 'followup_dialogue_plan':
        return this.dialoguePlan(str(args.dialogue));
      case 'followup_checklist_add_standard':
        return this.addStandardChecklist(str(args.dialogue));
      case 'followup_task_add':
        return this.taskAdd(str(args.dialogue), args.input as TaskInput);
      case 'followup_task_edit':
        return this.taskEdit(str(args.id), args.input as TaskInput);
      case 'question_reopen':
        return this.reopen(str(args.question), str(args.note), args.input as AssignmentInput);
      case 'question_repeat_candidates':
        return this.repeatCandidates(str(args.id), num(args.limit, 5));
      case 'question_link_repeat':
        return this.linkRepeat(str(args.question), (args.earlier as string | null) ?? null);
      case 'report_get':
        return this.report(args.scope as ReportScope);
      case 'report_questions':
        return this.reportQuestions(args.scope as ReportScope, args.includePersonalData === true, args.page as Page);
      case 'report_export':
        return this.reportExport(args.scope as ReportScope, args.options as ExportOptions);
      case 'report_exports':
        this.requireEnrolled();
        return structuredClone(this.world.exports);
      default:
        return fail('internal', `unknown command ${command}`);
    }
  }

  // ---- device ----

  deviceInfo(): DeviceInfo {
    return {
      enrolled: this.identity !== null,
      identity: this.identity
        ? {
            device: this.identity.device,
            user: this.identity.user,
            role: this.identity.role,
            letter: this.identity.letter,
            jurisdiction: null,
            agency: this.identity.agency,
          }
        : null,
      server_url: this.serverUrl,
      device_name: this.deviceName,
    };
  }

  private enrol(serverUrl: string, code: string, deviceName: string): DeviceInfo {
    const url = serverUrl.trim();
    if (!/^https?:\/\/[^\s/]+/i.test(url)) fail('bad_address', `\`${url}\` is not a server address; it should start with http:// or https://`);
    if (/offline|unreachable/i.test(url)) fail('offline', 'offline: error sending request: connection refused');
    if (/portal|captive/i.test(url)) fail('not_the_server', 'the network answered with something that is not the Townhall server (HTTP 200)');
    const problems: FieldProblem[] = [];
    if (!deviceName.trim()) problems.push({ field: 'device_name', code: 'required', message: 'device_name is required' });
    const normalised = code.toUpperCase().replace(/[\s-]/g, '');
    if (!normalised) problems.push({ field: 'code', code: 'required', message: 'code is required' });
    if (problems.length) fail('invalid', problems.map((p) => p.message).join('; '), problems);
    if (normalised.startsWith('USED')) fail('code_used', 'the enrolment code was already used');
    if (normalised.startsWith('EXP')) fail('code_expired', 'the enrolment code has expired');
    if (!/^[A-Z0-9]{8}$/.test(normalised)) fail('bad_code', 'no such enrolment code');
    const role: Role = normalised.startsWith('S') ? 'secretariat' : normalised.startsWith('L') ? 'leader' : normalised.startsWith('G') ? 'agency' : 'recorder';
    const device = role === 'secretariat' ? DEVICES.secretariat : role === 'leader' ? DEVICES.leader : role === 'agency' ? DEVICES.agency : DEVICES.recorderB;
    // The first sync after enrolment brings the device its scope.
    this.world = seedWorld({ now: this.now() });
    this.world.rejected = [];
    this.identity = this.identityFor(device);
    this.serverUrl = url;
    this.deviceName = deviceName.trim();
    this.lastSuccessAt = this.now().toISOString();
    this.emitBadge();
    return this.deviceInfo();
  }

  private requireEnrolled(): MockDevice & { agency: string | null } {
    if (!this.identity) return fail('not_enrolled', 'this device is not enrolled yet; enrol it with a code from the administrator');
    return this.identity;
  }

  // ---- dialogues ----

  private dialogueList(): DialogueSummary[] {
    const today = this.today();
    const visible = this.visibleQuestions();
    return [...this.world.dialogues]
      .sort((a, b) => b.details.starts_at.localeCompare(a.details.starts_at) || a.id.localeCompare(b.id))
      .map((dialogue) => {
        const qs = visible.filter((q) => q.dialogue === dialogue.id && q.status !== 'merged');
        return {
          dialogue: structuredClone(dialogue),
          locality_name: this.world.localities.find((l) => l.id === dialogue.details.locality)?.name ?? '',
          questions: qs.length,
          open: qs.filter((q) => !['answered_on_site', 'resolved', 'merged'].includes(q.status)).length,
          overdue: qs.filter((q) => this.isOverdue(q, today)).length,
        };
      });
  }

  private localityAdd(name: string, level: Locality['level'], parent: string | null): string {
    const me = this.requireEnrolled();
    if (me.role !== 'secretariat' && me.role !== 'admin') fail('forbidden', `a ${me.role} may not edit localities`);
    const trimmed = (name ?? '').trim();
    if (!trimmed) fail('invalid', 'name is required', [{ field: 'name', code: 'required', message: 'name is required' }]);
    const id = this.newId();
    this.world.localities.push({ id, name: trimmed, level, parent });
    this.wrote();
    return id;
  }

  private dialogueCreate(input: DialogueInput): string {
    const me = this.requireEnrolled();
    if (me.role !== 'secretariat') fail('forbidden', `a ${me.role} may not create a dialogue`);
    this.validateDialogue(input);
    const id = this.newId();
    this.world.dialogues.push({ id, details: dialogueDetails(input), status: 'planned' });
    this.wrote();
    return id;
  }

  private dialogueEdit(id: string, input: DialogueInput): null {
    const me = this.requireEnrolled();
    const d = this.world.dialogues.find((x) => x.id === id) ?? fail('not_found', `no dialogue with id ${id} in this replica`);
    if (me.role !== 'secretariat') fail('forbidden', `a ${me.role} may not edit a dialogue`);
    this.validateDialogue(input);
    d.details = dialogueDetails(input);
    this.wrote();
    return null;
  }

  private dialogueSetStatus(id: string, status: DialogueStatus): null {
    const me = this.requireEnrolled();
    const d = this.world.dialogues.find((x) => x.id === id) ?? fail('not_found', `no dialogue with id ${id} in this replica`);
    if (me.role !== 'secretariat') fail('forbidden', `a ${me.role} may not edit a dialogue`);
    d.status = status;
    this.wrote();
    return null;
  }

  private validateDialogue(input: DialogueInput): void {
    const problems: FieldProblem[] = [];
    checkText(problems, 'title', input?.title, { max: MAX_LINE, required: true, multiline: false });
    for (const f of ['audience', 'venue', 'hosts'] as const) checkText(problems, f, input?.[f], { max: MAX_LINE, required: false, multiline: false });
    checkText(problems, 'coordinating_bodies', input?.coordinating_bodies, { max: MAX_NOTE, required: false, multiline: true });
    if (!input?.starts_at || Number.isNaN(Date.parse(input.starts_at))) problems.push({ field: 'starts_at', code: 'required', message: 'starts_at is required' });
    if (!this.world.localities.some((l) => l.id === input?.locality)) problems.push({ field: 'locality', code: 'required', message: 'locality is required' });
    if (problems.length) fail('invalid', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
  }

  // ---- questions ----

  private capture(input: CaptureInput): Captured {
    const me = this.requireEnrolled();
    const dialogue = this.world.dialogues.find((d) => d.id === input?.dialogue);
    const { text, citizen } = this.validateQuestion(input?.question);
    let answer: AnswerBody | null = null;
    if (input.answered_on_site) {
      answer = this.validateAnswer({
        mode: 'on_site',
        answered_by: input.answered_on_site.answered_by,
        agency: null,
        content: input.answered_on_site.summary,
        document_number: null,
        document_date: null,
      });
    }
    if (!dialogue) return fail('not_found', `no dialogue with id ${input?.dialogue} in this replica`);
    if (me.role !== 'recorder' && me.role !== 'secretariat') fail('forbidden', `a ${me.role} may not capture a question`);
    const counter = this.world.counters[me.letter] ?? 1;
    this.world.counters[me.letter] = counter + 1;
    const now = this.now().toISOString();
    const q: QuestionRecord = {
      id: this.newId(),
      dialogue: dialogue.id,
      letter: me.letter,
      counter,
      text,
      citizen,
      captured_by: me.device,
      captured_at: now,
      status: 'received',
      merged_into: null,
      repeat_of: null,
      conflict: false,
    };
    this.world.questions.push(q);
    let writes = 1;
    if (answer) {
      this.world.answers.push({ id: this.newId(), question: q.id, body: answer, recorded_at: now });
      this.recordStatus(q, 'answered_on_site', '');
      writes += 2;
    }
    this.wrote(writes);
    return { id: q.id, number: { letter: me.letter, counter } };
  }

  private validateQuestion(input: QuestionInput | undefined): { text: QuestionText; citizen: Citizen } {
    const problems: FieldProblem[] = [];
    if (!input?.kind) problems.push({ field: 'kind', code: 'required', message: 'kind is required' });
    const content = checkText(problems, 'content', input?.content, { max: MAX_CONTENT, required: true, multiline: true });
    const citizen = this.validateCitizen(input?.citizen, problems);
    if (input?.topic && !this.world.topics.some((t) => t.id === input.topic)) {
      fail('not_found', `no topic with id ${input.topic} in this replica`);
    }
    if (problems.length || !input?.kind || !citizen) {
      return fail('invalid', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
    }
    return {
      text: { kind: input.kind, source: input.source ?? 'in_hall', topic: input.topic ?? null, content },
      citizen,
    };
  }

  private validateCitizen(input: CitizenInput | undefined, problems: FieldProblem[]): Citizen | null {
    const before = problems.length;
    const name = checkText(problems, 'citizen.name', input?.name ?? '', { max: MAX_LINE, required: false, multiline: false });
    const locality = checkText(problems, 'citizen.locality', input?.locality ?? '', { max: MAX_LINE, required: false, multiline: false });
    let phone: string | null = null;
    const rawPhone = (input?.phone ?? '').trim();
    if (rawPhone) {
      phone = vietnamesePhone(rawPhone);
      if (!phone) problems.push({ field: 'citizen.phone', code: 'invalid_phone', message: 'is not a Vietnamese phone number' });
    }
    if (problems.length > before) return null;
    if (input?.anonymous || (!name && !locality && !phone)) {
      if (name || phone) {
        problems.push({ field: 'citizen.anonymous', code: 'inconsistent', message: 'an anonymous citizen cannot have a name or phone number' });
        return null;
      }
      return { type: 'anonymous' };
    }
    return { type: 'named', name, locality: locality || null, phone };
  }

  private list(filter: QuestionFilter, sort: QuestionSort, page: Page): QuestionList {
    this.requireEnrolled();
    const f = normaliseFilter(filter);
    const today = this.today();
    const base = this.visibleQuestions().filter((q) => this.matches(q, f, today, false));
    const rows = base.filter((q) => this.matches(q, f, today, true));
    const counts = new Map<QuestionStatus, number>();
    for (const q of base) counts.set(q.status, (counts.get(q.status) ?? 0) + 1);
    const by_status: StatusCount[] = QUESTION_STATUSES.filter((s) => counts.has(s)).map((s) => ({ status: s, count: counts.get(s) ?? 0 }));
    const sorted = this.sortRows(rows, sort ?? 'newest');
    const limit = Math.min(Math.max(0, page?.limit ?? 50), 500);
    const offset = Math.max(0, page?.offset ?? 0);
    return {
      rows: sorted.slice(offset, offset + limit).map((q) => this.row(q, today)),
      total: rows.length,
      by_status,
    };
  }

  private sortRows(rows: QuestionRecord[], sort: QuestionSort): QuestionRecord[] {
    const byCaptured = (a: QuestionRecord, b: QuestionRecord) => a.captured_at.localeCompare(b.captured_at) || a.id.localeCompare(b.id);
    const copy = [...rows];
    switch (sort) {
      case 'oldest':
        return copy.sort(byCaptured);
      case 'number':
        return copy.sort((a, b) => a.letter.localeCompare(b.letter) || a.counter - b.counter);
      case 'due_date': {
        const due = (q: QuestionRecord) => this.currentAssignment(q.id)?.terms.due_on ?? null;
        return copy.sort((a, b) => {
          const da = due(a);
          const db = due(b);
          if (da === null && db !== null) return 1;
          if (db === null && da !== null) return -1;
          return (da ?? '').localeCompare(db ?? '') || byCaptured(a, b);
        });
      }
      default:
        return copy.sort((a, b) => byCaptured(b, a));
    }
  }

  private matches(q: QuestionRecord, f: QuestionFilter, today: string, withStatus: boolean): boolean {
    if (f.dialogue && q.dialogue !== f.dialogue) return false;
    if (f.topic && q.text.topic !== f.topic) return false;
    if (f.kind && q.text.kind !== f.kind) return false;
    if (f.agency && this.currentAssignment(q.id)?.terms.agency !== f.agency) return false;
    if (f.overdue && !this.isOverdue(q, today)) return false;
    if (f.escalated && !this.isEscalated(q, today)) return false;
    const askedForMerged = withStatus && f.statuses.includes('merged');
    if (!f.include_merged && !askedForMerged && q.status === 'merged') return false;
    if (withStatus && f.statuses.length > 0 && !f.statuses.includes(q.status)) return false;
    return true;
  }

  private search(query: string, filter: QuestionFilter, limit: number): SearchHit[] {
    this.requireEnrolled();
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    const f = normaliseFilter(filter);
    const today = this.today();
    const last = terms.length - 1;
    const scored: { q: QuestionRecord; score: number }[] = [];
    for (const q of this.visibleQuestions()) {
      if (!this.matches(q, f, today, true)) continue;
      const words = splitWords(fold(this.searchText(q)));
      let ok = true;
      let score = 0;
      terms.forEach((term, i) => {
        const hits = words.filter((w) => (i === last ? w.startsWith(term) : w === term)).length;
        if (hits === 0) ok = false;
        score += hits;
      });
      if (ok) scored.push({ q, score });
    }
    scored.sort((a, b) => b.score - a.score || b.q.captured_at.localeCompare(a.q.captured_at));
    return scored.slice(0, Math.min(limit, 500)).map(({ q }) => ({
      row: this.row(q, today),
      snippet: snippet(q.text.content, terms, 160),
    }));
  }

  private searchText(q: QuestionRecord): string {
    const parts = [q.text.content, formatDisplayNumber(q)];
    if (q.citizen.type === 'named') parts.push(q.citizen.name, q.citizen.locality ?? '');
    return parts.join(' ');
  }

  private similar(id: string, limit: number): SearchHit[] {
    const q = this.question(id);
    const today = this.today();
    const words = new Set(splitWords(fold(q.text.content)).filter((w) => w.length >= 3));
    const terms = [...words];
    const scored = this.visibleQuestions()
      .filter((o) => o.id !== q.id && o.status !== 'merged')
      .map((o) => {
        const other = new Set(splitWords(fold(o.text.content)));
        let shared = 0;
        for (const w of words) if (other.has(w)) shared += 1;
        return { o, score: shared / Math.max(words.size, 1) };
      })
      .filter((x) => x.score >= 0.3)
      .sort((a, b) => b.score - a.score);
    return scored.slice(0, limit).map(({ o }) => ({ row: this.row(o, today), snippet: snippet(o.text.content, terms, 160) }));
  }

  private detail(id: string): QuestionDetail {
    const me = this.requireEnrolled();
    const q = this.question(id);
    if (!this.visibleQuestions().includes(q)) fail('not_found', `no question with id ${id} in this replica`);
    const answers = this.world.answers.filter((a) => a.question === id).sort((a, b) => a.recorded_at.localeCompare(b.recorded_at));
    const assignments: AssignmentView[] = this.world.assignments
      .filter((a) => a.question === id)
      .sort((a, b) => a.assigned_at.localeCompare(b.assigned_at))
      .map((a) => ({
        id: a.id,
        agency: a.terms.agency,
        agency_name: this.world.agencies.find((g) => g.id === a.terms.agency)?.name ?? '',
        due_on: a.terms.due_on,
        instructions: a.terms.instructions,
        assigned_by: a.assigned_by,
        assigned_at: a.assigned_at,
      }));
    const related = new Set<string>([id, ...answers.map((a) => a.id), ...assignments.map((a) => a.id)]);
    return structuredClone({
      question: this.row(q, this.today()),
      answers,
      assignments,
      status_events: this.world.statusEvents.filter((e) => e.question === id).sort((a, b) => a.at.localeCompare(b.at)),
      history: this.world.history.filter((h) => related.has(h.record_id)),
      next_statuses: nextStatuses(q.status, me.role),
      rounds: rounds(
        assignments,
        this.world.statusEvents.filter((e) => e.question === id && e.to === 'reopened').map((e) => ({ at: e.at, note: e.note })),
        answers.filter((a) => a.body.mode === 'written').map((a) => a.recorded_at),
        (at) => vietnamDay(at),
      ),
      repeats: repeatChain(this.world, id)
        .filter((r) => this.visibleQuestions().includes(r))
        .map((r) => this.row(r, this.today())),
    });
  }

  private edit(id: string, input: QuestionInput): null {
    const me = this.requireEnrolled();
    const q = this.question(id);
    const { text, citizen } = this.validateQuestion(input);
    const own = q.captured_by === me.device;
    if (!(me.role === 'secretariat' || (me.role === 'recorder' && own))) {
      fail(me.role === 'recorder' ? 'out_of_scope' : 'forbidden', `a ${me.role} may not edit a question`);
    }
    let writes = 0;
    if (JSON.stringify(text) !== JSON.stringify(q.text)) {
      this.supersede('question', q.id, 'text', q.text);
      q.text = text;
      writes += 1;
    }
    if (JSON.stringify(citizen) !== JSON.stringify(q.citizen)) {
      this.supersede('question', q.id, 'citizen', q.citizen);
      q.citizen = citizen;
      writes += 1;
    }
    // Saving one of the values settles the conflict: the edit saw both.
    this.settle(q, ['text', 'citizen'], q.id);
    this.wrote(Math.max(writes, 1));
    return null;
  }

  private changeStatus(id: string, to: QuestionStatus, note: string): null {
    const me = this.requireEnrolled();
    const q = this.question(id);
    const problems: FieldProblem[] = [];
    const text = checkText(problems, 'note', note, { max: MAX_NOTE, required: false, multiline: true });
    if (problems.length) fail('invalid', 'note is not valid', problems);
    this.checkTransition(q, to, me);
    this.recordStatus(q, to, text);
    this.wrote();
    return null;
  }

  private checkTransition(q: QuestionRecord, to: QuestionStatus, me: MockDevice & { agency: string | null }): void {
    const row = TRANSITIONS.find(([f, t]) => f === q.status && t === to);
    if (!row) fail('status_not_allowed', `the question is \`${q.status}\` and cannot move to \`${to}\``);
    if (!row![2].includes(me.role)) fail('status_not_permitted', `the question is \`${q.status}\`; a ${me.role} may not move it to \`${to}\``);
    if (me.role === 'agency' && this.currentAssignment(q.id)?.terms.agency !== me.agency) {
      fail('out_of_scope', 'an agency may change a question\'s status only on questions assigned to their agency');
    }
  }

  private recordStatus(q: QuestionRecord, to: QuestionStatus, note: string): void {
    const me = this.identity!;
    this.world.statusEvents.push({
      id: this.newId(),
      question: q.id,
      from: q.status,
      to,
      actor: me.user,
      role: me.role,
      note,
      at: this.now().toISOString(),
    });
    q.status = to;
  }

  private merge(id: string, into: string): null {
    const me = this.requireEnrolled();
    if (id === into) fail('conflict', 'a question cannot be merged into itself');
    const q = this.question(id);
    const target = this.question(into);
    if (target.status === 'merged') fail('conflict', 'the target question is itself merged; merge into the question it was merged into');
    if (me.role !== 'secretariat' && me.role !== 'leader') fail('forbidden', `a ${me.role} may not merge duplicate questions`);
    this.checkTransition(q, 'merged', me);
    this.recordStatus(q, 'merged', '');
    q.merged_into = target.id;
    this.wrote(2);
    return null;
  }

  // ---- answers and assignments ----

  private validateAnswer(input: AnswerInput): AnswerBody {
    const problems: FieldProblem[] = [];
    const answeredBy = checkText(problems, 'answered_by', input?.answered_by, { max: MAX_LINE, required: true, multiline: false });
    const content = checkText(problems, 'content', input?.content, { max: MAX_CONTENT, required: true, multiline: true });
    let document: AnswerBody['document'] = null;
    if (input?.mode === 'written') {
      const number = checkText(problems, 'document_number', input.document_number ?? '', { max: MAX_LINE, required: true, multiline: false });
      const date = input.document_date;
      if (!date) problems.push({ field: 'document_date', code: 'required', message: 'document_date is required' });
      else if (date < '2000-01-01' || date > this.today()) problems.push({ field: 'document_date', code: 'out_of_range', message: `is out of range: from 2000-01-01 to ${this.today()}` });
      if (number && date) document = { number, date };
    }
    if (problems.length) fail('invalid', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
    return { mode: input.mode, answered_by: answeredBy, agency: input.agency ?? null, content, document };
  }

  private answerAdd(questionId: string, input: AnswerInput): string {
    const me = this.requireEnrolled();
    const q = this.question(questionId);
    const body = this.validateAnswer(input);
    this.authorizeAnswer(me, q, body.mode);
    const answer: Answer = { id: this.newId(), question: q.id, body, recorded_at: this.now().toISOString() };
    this.world.answers.push(answer);
    let writes = 1;
    const next = body.mode === 'written' && q.status === 'assigned' ? 'answered' : body.mode === 'on_site' && q.status === 'received' ? 'answered_on_site' : null;
    if (next) {
      this.recordStatus(q, next, '');
      writes += 1;
    }
    this.wrote(writes);
    return answer.id;
  }

  private answerEdit(id: string, input: AnswerInput): null {
    const me = this.requireEnrolled();
    const answer = this.world.answers.find((a) => a.id === id) ?? fail('not_found', `no answer with id ${id} in this replica`);
    const q = this.question(answer.question);
    const body = this.validateAnswer(input);
    this.authorizeAnswer(me, q, body.mode);
    if (JSON.stringify(body) !== JSON.stringify(answer.body)) {
      this.supersede('answer', answer.id, 'body', answer.body);
      answer.body = body;
    }
    this.settle(q, ['body'], answer.id);
    this.wrote();
    return null;
  }

  private authorizeAnswer(me: MockDevice & { agency: string | null }, q: QuestionRecord, mode: AnswerBody['mode']): void {
    if (mode === 'on_site' && !['recorder', 'secretariat', 'leader'].includes(me.role)) fail('forbidden', `a ${me.role} may not record an on-site answer`);
    if (mode === 'written') {
      if (me.role === 'agency') {
        if (this.currentAssignment(q.id)?.terms.agency !== me.agency) fail('out_of_scope', 'an agency may record a written answer only on questions assigned to their agency');
      } else if (me.role !== 'secretariat') fail('forbidden', `a ${me.role} may not record a written answer`);
    }
  }

  private validateAssignment(input: AssignmentInput): void {
    const problems: FieldProblem[] = [];
    const today = this.today();
    const latest = `${Number(today.slice(0, 4)) + 3}${today.slice(4)}`;
    if (!input?.due_on) problems.push({ field: 'due_on', code: 'required', message: 'due_on is required' });
    else if (input.due_on < today || input.due_on > latest) problems.push({ field: 'due_on', code: 'out_of_range', message: `is out of range: from ${today} to ${latest}` });
    checkText(problems, 'instructions', input?.instructions ?? '', { max: MAX_NOTE, required: false, multiline: true });
    if (problems.length) fail('invalid', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
    if (!this.world.agencies.some((a) => a.id === input.agency)) fail('not_found', `no agency with id ${input.agency} in this replica`);
  }

  private assignmentCreate(questions: string[], input: AssignmentInput): string[] {
    const me = this.requireEnrolled();
    this.validateAssignment(input);
    if (me.role !== 'secretariat' && me.role !== 'leader') fail('forbidden', `a ${me.role} may not assign a question`);
    const targets = questions.map((id) => this.question(id));
    for (const q of targets) if (q.status !== 'assigned') this.checkTransition(q, 'assigned', me);
    const ids: string[] = [];
    for (const q of targets) {
      const id = this.newId();
      this.world.assignments.push({
        id,
        question: q.id,
        terms: { agency: input.agency, due_on: input.due_on, instructions: input.instructions.trim() },
        assigned_by: me.user,
        assigned_at: this.now().toISOString(),
      });
      if (q.status !== 'assigned') this.recordStatus(q, 'assigned', '');
      ids.push(id);
    }
    this.wrote(ids.length * 2);
    return ids;
  }

  private assignmentEdit(id: string, input: AssignmentInput): null {
    const me = this.requireEnrolled();
    const a = this.world.assignments.find((x) => x.id === id) ?? fail('not_found', `no assignment with id ${id} in this replica`);
    this.validateAssignment(input);
    if (me.role !== 'secretariat' && me.role !== 'leader') fail('forbidden', `a ${me.role} may not assign a question`);
    this.supersede('assignment', a.id, 'terms', a.terms);
    a.terms = { agency: input.agency, due_on: input.due_on, instructions: input.instructions.trim() };
    this.wrote();
    return null;
  }

  // ---- sync ----

  badge(): SyncBadge {
    return {
      status: {
        enrolled: this.identity !== null,
        unsent: this.unsent,
        rejected: this.world.rejected.length,
        last_success_at: this.lastSuccessAt,
        last_error: this.lastError,
        last_error_code: this.lastError ? 'offline' : null,
      },
      online: this.online,
      syncing: this.syncing,
      progress: this.progress ? { ...this.progress } : null,
    };
  }

  /** Goes on- or offline, as when the Wi-Fi in the hall comes and goes. */
  setOnline(online: boolean): void {
    this.online = online;
    if (!online) this.lastError = 'offline: error sending request: connection refused';
    this.emitBadge();
    if (online) this.startSync();
  }

  /** Simulates a sync: progress events, then everything sent and a `data-changed`. */
  startSync(): void {
    if (this.syncing || !this.identity) return;
    if (!this.online) {
      this.lastError = 'offline: error sending request: connection refused';
      this.emitBadge();
      return;
    }
    this.syncing = true;
    const toSend = this.unsent;
    this.progress = { to_send: toSend, sent: 0, received: 0 };
    this.emitBadge();
    const steps = 4;
    let step = 0;
    const tick = () => {
      step += 1;
      const sent = Math.round((toSend * Math.min(step, steps - 1)) / (steps - 1));
      this.progress = { to_send: toSend, sent, received: step >= steps - 1 ? 2 : 0 };
      if (step < steps) {
        this.emitBadge();
        schedule(tick, this.syncStepMs);
        return;
      }
      this.syncing = false;
      this.progress = null;
      this.unsent = 0;
      this.lastError = null;
      this.lastSuccessAt = this.now().toISOString();
      this.emitBadge();
      this.emitEvent('data-changed', { received: 2 });
      this.raiseReminders();
    };
    schedule(tick, this.syncStepMs);
  }

  private retryRejected(seq: number): null {
    const i = this.world.rejected.findIndex((r) => r.seq === seq);
    if (i < 0) fail('not_found', `no refused mutation with seq ${seq}`);
    this.world.rejected.splice(i, 1);
    this.unsent += 1;
    this.emitBadge();
    return null;
  }

  private dismissRejected(seq: number): null {
    const i = this.world.rejected.findIndex((r) => r.seq === seq);
    if (i < 0) fail('not_found', `no refused mutation with seq ${seq}`);
    this.world.rejected.splice(i, 1);
    this.emitBadge();
    return null;
  }

  emitBadge(): void {
    this.emitEvent('sync-badge', this.badge());
  }

  // ---- follow-up ----

  /** The working-day calendar of the current policy. */
  calendar(): WorkingCalendar {
    if (this.calendarFor?.policy !== this.world.policy.calendar) {
      this.calendarFor = { policy: this.world.policy.calendar, calendar: new WorkingCalendar(this.world.policy.calendar) };
    }
    return this.calendarFor.calendar;
  }

  private isEscalated(q: QuestionRecord, today: string): boolean {
    const due = this.currentAssignment(q.id)?.terms.due_on;
    if (q.status !== 'assigned' || due === undefined) return false;
    return standingOf(this.calendar(), this.world.policy, due, today, false).escalated;
  }

  private policySet(policy: FollowUpPolicy): null {
    const me = this.requireEnrolled();
    const problems = checkPolicy(policy);
    if (problems.length) fail('invalid', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
    if (me.role !== 'admin') fail('forbidden', `a ${me.role} may not set deadlines, escalation and official days off`);
    this.world.policy = structuredClone(policy);
    this.wrote();
    return null;
  }

  followUp(): FollowUp {
    const me = this.requireEnrolled();
    const today = this.today();
    return followUp(
      this.world,
      me.role,
      me.agency,
      this.world.policy,
      this.calendar(),
      today,
      (q) => this.row(q, today),
      (q) => this.currentAssignment(q.id)?.terms.due_on ?? null,
      (q) => this.currentAssignment(q.id)?.terms.agency ?? null,
    );
  }

  /** `take_reminders`: what is newly due soon, overdue or escalated today, once a day each. */
  takeReminders(): Reminder[] {
    if (!this.identity || !this.settings.reminders) return [];
    const today = this.today();
    if (this.reminded.day !== today) this.reminded = { day: today, keys: new Set() };
    const fresh = reminders(this.followUp(), this.settings.language).filter((r) => !this.reminded.keys.has(r.key));
    for (const r of fresh) this.reminded.keys.add(r.key);
    return fresh;
  }

  /** Emits each new reminder as the `reminder` event, as the sync task does. */
  raiseReminders(): void {
    try {
      for (const r of this.takeReminders()) this.emitEvent('reminder', r);
    } catch {
      // A failing backend (the error scenario) has nothing to remind of.
    }
  }

  private dialogue(id: string) {
    return this.world.dialogues.find((d) => d.id === id) ?? fail('not_found', `no dialogue with id ${id} in this replica`);
  }

  private dialoguePlan(id: string): DialoguePlan {
    this.requireEnrolled();
    const d = this.dialogue(id);
    const today = this.today();
    const tasks = this.world.tasks.filter((t) => t.dialogue === id);
    return {
      dialogue: id,
      milestones: timeline(vietnamDay(d.details.starts_at), d.details.plan_issued_on, d.status === 'concluded' || d.status === 'closed', tasks, today),
      tasks: taskViews(tasks, today),
    };
  }

  private requireEditDialogue(): void {
    const me = this.requireEnrolled();
    if (me.role !== 'secretariat') fail('forbidden', `a ${me.role} may not edit a dialogue`);
  }

  private addStandardChecklist(id: string): string[] {
    const d = this.dialogue(id);
    this.requireEditDialogue();
    const present = new Set(this.world.tasks.filter((t) => t.dialogue === id).map((t) => t.kind));
    const tasks = standardChecklist(id, vietnamDay(d.details.starts_at), () => this.newId()).filter((t) => !present.has(t.kind));
    this.world.tasks.push(...tasks);
    if (tasks.length) this.wrote(tasks.length);
    return tasks.map((t) => t.id);
  }

  private taskAdd(dialogue: string, input: TaskInput): string {
    this.requireEnrolled();
    const checked = validateTask(input, this.today());
    if ('problems' in checked) return fail('invalid', checked.problems.map((p) => `${p.field} ${p.message}`).join('; '), checked.problems);
    this.dialogue(dialogue);
    this.requireEditDialogue();
    const id = this.newId();
    this.world.tasks.push({ id, dialogue, ...checked.task });
    this.wrote();
    return id;
  }

  private taskEdit(id: string, input: TaskInput): null {
    this.requireEnrolled();
    const task = this.world.tasks.find((t) => t.id === id) ?? fail('not_found', `no task with id ${id} in this replica`);
    const checked = validateTask(input, this.today());
    if ('problems' in checked) return fail('invalid', checked.problems.map((p) => `${p.field} ${p.message}`).join('; '), checked.problems);
    this.requireEditDialogue();
    Object.assign(task, checked.task);
    this.wrote();
    return null;
  }

  private reopen(questionId: string, note: string, input: AssignmentInput): string {
    const me = this.requireEnrolled();
    const problems: FieldProblem[] = [];
    const text = checkText(problems, 'note', note, { max: MAX_NOTE, required: true, multiline: true });
    if (problems.length) fail('invalid', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
    const q = this.question(questionId);
    this.checkTransition(q, 'reopened', me);
    this.validateAssignment(input);
    if (me.role !== 'secretariat' && me.role !== 'leader') fail('forbidden', `a ${me.role} may not assign a question`);
    this.recordStatus(q, 'reopened', text);
    const id = this.newId();
    this.world.assignments.push({
      id,
      question: q.id,
      terms: { agency: input.agency, due_on: input.due_on, instructions: input.instructions.trim() },
      assigned_by: me.user,
      // Just after the reopening, so the new round starts after its reason.
      assigned_at: new Date(this.now().getTime() + 1).toISOString(),
    });
    this.recordStatus(q, 'assigned', '');
    this.wrote(3);
    return id;
  }

  private repeatCandidates(id: string, limit: number): SearchHit[] {
    const q = this.question(id);
    const today = this.today();
    const words = new Set(splitWords(fold(q.text.content)).filter((w) => w.length >= 3));
    const terms = [...words];
    return this.visibleQuestions()
      .filter((o) => o.id !== q.id && o.status !== 'merged' && o.dialogue !== q.dialogue && o.captured_at < q.captured_at)
      .map((o) => {
        const other = new Set(splitWords(fold(o.text.content)));
        let shared = 0;
        for (const w of words) if (other.has(w)) shared += 1;
        return { o, score: shared / Math.max(words.size, 1) };
      })
      .filter((x) => x.score >= 0.3)
      .sort((a, b) => b.score - a.score || b.o.captured_at.localeCompare(a.o.captured_at))
      .slice(0, Math.max(0, Math.min(limit, 50)))
      .map(({ o }) => ({ row: this.row(o, today), snippet: snippet(o.text.content, terms, 160) }));
  }

  private linkRepeat(questionId: string, earlier: string | null): null {
    const me = this.requireEnrolled();
    const q = this.question(questionId);
    if (me.role !== 'secretariat' && me.role !== 'leader') fail('forbidden', `a ${me.role} may not merge duplicate questions`);
    if (earlier !== null) {
      this.question(earlier);
      if (makesLoop(this.world, q.id, earlier)) fail('conflict', 'a question cannot repeat itself or a question that repeats it');
    }
    q.repeat_of = earlier;
    this.wrote();
    return null;
  }

  private scopeBounds(scope: ReportScope | undefined) {
    const s: ReportScope = { dialogue: scope?.dialogue ?? null, period: scope?.period ?? null };
    const bounds = boundsOf(s);
    if ('field' in bounds) return fail('invalid', `${bounds.field} is out of range: ${bounds.message}`, [{ field: bounds.field, code: 'out_of_range', message: `is out of range: ${bounds.message}` }]);
    if (s.dialogue) this.dialogue(s.dialogue);
    return { scope: s, bounds };
  }

  private report(scope: ReportScope): Report {
    this.requireEnrolled();
    const { scope: s, bounds } = this.scopeBounds(scope);
    return computeReport(this.world, this.visibleQuestions(), s, bounds, this.today(), this.calendar(), (at) => vietnamDay(at));
  }

  private authorizePersonalData(): void {
    const me = this.requireEnrolled();
    if (me.role !== 'secretariat' && me.role !== 'leader') fail('forbidden', `a ${me.role} may not export citizens' names and phones`);
  }

  private reportQuestions(scope: ReportScope, personal: boolean, page: Page): ReportQuestionPage {
    this.requireEnrolled();
    const { bounds } = this.scopeBounds(scope);
    if (personal) this.authorizePersonalData();
    const rows = reportQuestions(this.world, this.visibleQuestions(), bounds, this.today(), personal, (at) => vietnamDay(at));
    const limit = Math.min(Math.max(0, page?.limit ?? 50), 500);
    const offset = Math.max(0, page?.offset ?? 0);
    return { rows: rows.slice(offset, offset + limit), total: rows.length };
  }

  private reportExport(scope: ReportScope, options: ExportOptions): ExportDone {
    const me = this.requireEnrolled();
    const problems: FieldProblem[] = [];
    const line = (field: string, value: unknown, required: boolean) => checkText(problems, field, value ?? '', { max: MAX_LINE, required, multiline: false });
    line('superior_body', options?.superior_body, false);
    line('issuing_body', options?.issuing_body, true);
    line('document_number', options?.document_number, false);
    line('place', options?.place, true);
    if (options?.signer) {
      line('signer.authority', options.signer.authority, false);
      line('signer.title', options.signer.title, true);
      line('signer.name', options.signer.name, true);
    }
    if (problems.length) fail('invalid', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
    const { scope: s, bounds } = this.scopeBounds(scope);
    if (options.include_personal_data) this.authorizePersonalData();
    const report = computeReport(this.world, this.visibleQuestions(), s, bounds, this.today(), this.calendar(), (at) => vietnamDay(at));
    const questions = report.totals.questions;
    const now = this.now();
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const scopePart = s.dialogue ? `doi-thoai-${s.dialogue.slice(0, 8)}` : s.period ? `${s.period.kind.replace('_', '')}-${s.period.year}-${s.period.index}` : 'tat-ca';
    const fileName = `bao-cao-${scopePart}-${stamp}.${options.format}`;
    const bytes = { docx: 9_800, xlsx: 7_400, csv: 300 }[options.format] + questions * ({ docx: 520, xlsx: 260, csv: 410 }[options.format] + (options.include_personal_data ? 60 : 0));
    const id = this.newId();
    this.world.exports.unshift({
      id,
      exported_at: now.toISOString(),
      device: me.device,
      user: me.user,
      role: me.role,
      dialogue: s.dialogue,
      period: s.period,
      scope_label: report.scope_label,
      format: options.format,
      personal_data: options.include_personal_data,
      questions,
      file_name: fileName,
    });
    return {
      summary: { id, file_name: fileName, format: options.format, personal_data: options.include_personal_data, questions, bytes },
      path: `/home/canbo/Tài liệu/Townhall/${fileName}`,
    };
  }

  // ---- helpers ----

  private wrote(mutations = 1): void {
    this.unsent += mutations;
    this.emitBadge();
  }

  private today(): string {
    return vietnamDay(this.now());
  }

  private newId(): string {
    return uuidV7(this.now().getTime(), randomBytes(this.random));
  }

  private question(id: string): QuestionRecord {
    return this.world.questions.find((q) => q.id === id) ?? fail('not_found', `no question with id ${id} in this replica`);
  }

  private currentAssignment(question: string) {
    let current: World['assignments'][number] | undefined;
    for (const a of this.world.assignments) {
      if (a.question === question && (!current || a.assigned_at >= current.assigned_at)) current = a;
    }
    return current;
  }

  private isOverdue(q: QuestionRecord, today: string): boolean {
    const due = this.currentAssignment(q.id)?.terms.due_on;
    return q.status === 'assigned' && due !== undefined && due < today;
  }

  /** What this device's replica holds: an agency holds only what is assigned to it. */
  private visibleQuestions(): QuestionRecord[] {
    const me = this.identity;
    if (!me) return [];
    if (me.role === 'agency') return this.world.questions.filter((q) => this.currentAssignment(q.id)?.terms.agency === me.agency);
    return this.world.questions;
  }

  private row(q: QuestionRecord, today: string): QuestionRow {
    const me = this.identity;
    const assignment = this.currentAssignment(q.id);
    const agency = assignment ? this.world.agencies.find((a) => a.id === assignment.terms.agency) : undefined;
    const seesCitizen =
      !me ||
      me.role === 'secretariat' ||
      me.role === 'leader' ||
      (me.role === 'recorder' && q.captured_by === me.device) ||
      (me.role === 'agency' && assignment?.terms.agency === me.agency);
    return structuredClone({
      id: q.id,
      dialogue: q.dialogue,
      number: formatDisplayNumber(q),
      kind: q.text.kind,
      source: q.text.source,
      topic: q.text.topic,
      topic_name: this.world.topics.find((t) => t.id === q.text.topic)?.name ?? null,
      content: q.text.content,
      citizen: seesCitizen || q.citizen.type === 'anonymous' ? q.citizen : null,
      captured_by: q.captured_by,
      captured_at: q.captured_at,
      status: q.status,
      merged_into: q.merged_into,
      agency: assignment?.terms.agency ?? null,
      agency_name: agency?.short_name ?? null,
      due_on: assignment?.terms.due_on ?? null,
      overdue: this.isOverdue(q, today),
      standing: assignment ? standingOf(this.calendar(), this.world.policy, assignment.terms.due_on, today, q.status !== 'assigned') : null,
      age_working_days: ageOf(this.calendar(), vietnamDay(q.captured_at), today),
      repeat_of: q.repeat_of,
      conflict: q.conflict,
    });
  }

  private supersede(kind: string, id: string, group: string, value: unknown): void {
    this.world.history.push({
      record_kind: kind,
      record_id: id,
      field_group: group,
      value: structuredClone(value),
      device: this.identity?.device ?? null,
      reason: 'superseded',
      concurrent: false,
    });
  }

  /** An edit that saw the conflicting values settles them. */
  private settle(q: QuestionRecord, groups: string[], recordId: string): void {
    for (const h of this.world.history) {
      if (h.record_id === recordId && groups.includes(h.field_group)) h.concurrent = false;
    }
    const related = new Set([q.id, ...this.world.answers.filter((a) => a.question === q.id).map((a) => a.id)]);
    q.conflict = this.world.history.some((h: HistoryEntry) => h.concurrent && related.has(h.record_id));
  }
}

// ---- validation helpers (crates/domain/src/validate.rs) ----

interface TextRule {
  max: number;
  required: boolean;
  multiline: boolean;
}

/** Checks one text field as `validate::text` does; returns the cleaned text. */
export function checkText(problems: FieldProblem[], field: string, input: unknown, rule: TextRule): string {
  const raw = typeof input === 'string' ? input : '';
  const value = raw.replace(/\r\n/g, '\n').normalize('NFC').trim();
  let position = 0;
  for (const c of value) {
    if (c === '\n') {
      if (!rule.multiline) {
        problems.push({ field, code: 'multiline', message: 'must be a single line' });
        return value;
      }
    } else if (/\p{Cc}/u.test(c)) {
      const cp = `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      problems.push({ field, code: 'control_character', message: `contains the control character ${cp} at position ${position}` });
      return value;
    }
    position += 1;
  }
  const length = Array.from(value).length;
  if (rule.required && length === 0) problems.push({ field, code: 'required', message: 'is required' });
  else if (length > rule.max) problems.push({ field, code: 'too_long', message: `is ${length} characters long; the limit is ${rule.max}` });
  return value;
}

/** `validate::phone`: a Vietnamese number in national form, or `null`. */
export function vietnamesePhone(input: string): string | null {
  let rest = input.trim();
  const plus = rest.startsWith('+');
  if (plus) rest = rest.slice(1);
  let digits = '';
  for (const c of rest) {
    if (c >= '0' && c <= '9') digits += c;
    else if (!' .-()'.includes(c)) return null;
  }
  let national: string;
  if (digits.startsWith('84') && (plus || digits.length - 2 >= 9)) {
    const after = digits.slice(2);
    if (after.startsWith('0')) return null;
    national = `0${after}`;
  } else if (plus) return null;
  else national = digits;
  const second = national[1];
  const valid = (national.length === 10 && second !== undefined && '35789'.includes(second)) || (national.length === 11 && second === '2');
  return valid && national[0] === '0' ? national : null;
}

function dialogueDetails(input: DialogueInput) {
  return {
    title: input.title.trim(),
    level: input.level,
    locality: input.locality,
    audience: input.audience.trim(),
    venue: input.venue.trim(),
    starts_at: input.starts_at,
    hosts: input.hosts.trim(),
    coordinating_bodies: input.coordinating_bodies.trim(),
    plan_issued_on: input.plan_issued_on,
    attendee_count: input.attendee_count,
  };
}

function normaliseFilter(filter: Partial<QuestionFilter> | undefined): QuestionFilter {
  return {
    dialogue: filter?.dialogue ?? null,
    statuses: filter?.statuses ?? [],
    topic: filter?.topic ?? null,
    kind: filter?.kind ?? null,
    agency: filter?.agency ?? null,
    overdue: filter?.overdue ?? false,
    escalated: filter?.escalated ?? false,
    include_merged: filter?.include_merged ?? false,
  };
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function schedule(fn: () => void, ms: number): void {
  if (ms <= 0) queueMicrotask(fn);
  else setTimeout(fn, ms);
}
