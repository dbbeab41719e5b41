// One typed function per command in docs/IPC.md, and the two event subscriptions.
//
// Every function calls `invoke` with the command's camelCase arguments and rejects with a
// `CommandError`, whatever the failure (a command's own error, a missing backend, a bug):
// screens branch on `code` only.

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

import type { ErrorCode } from '../generated';
import type {
  Agency,
  AnswerId,
  AnswerInput,
  AppSettings,
  AssignmentId,
  AssignmentInput,
  CaptureInput,
  Captured,
  DataChanged,
  DeviceInfo,
  DialogueId,
  DialogueInput,
  DialoguePlan,
  DialogueTaskId,
  ExportDone,
  ExportOptions,
  ExportRecord,
  FollowUp,
  FollowUpPolicy,
  Reminder,
  Report,
  ReportQuestionPage,
  ReportScope,
  TaskInput,
  DialogueStatus,
  DialogueSummary,
  FieldProblem,
  Locality,
  Page,
  QuestionDetail,
  QuestionFilter,
  QuestionId,
  QuestionInput,
  QuestionList,
  QuestionSort,
  QuestionStatus,
  RejectedMutation,
  SearchHit,
  SyncBadge,
  Topic,
} from './types';

export type { ErrorCode };

/**
 * Every code the Rust `ErrorCode` has, checked by the compiler against the generated union
 * (a missing or extra key fails `npm run check`), to tell a known code at run time.
 */
const ERROR_CODES: Record<ErrorCode, true> = {
  invalid: true,
  forbidden: true,
  out_of_scope: true,
  status_not_permitted: true,
  status_not_allowed: true,
  not_found: true,
  conflict: true,
  not_enrolled: true,
  newer_schema: true,
  corrupt: true,
  storage: true,
  io: true,
  export_failed: true,
  bad_address: true,
  bad_certificate: true,
  offline: true,
  not_the_server: true,
  busy: true,
  server_down: true,
  refused: true,
  bad_request: true,
  out_of_order: true,
  unauthorized: true,
  bad_code: true,
  seq_conflict: true,
  code_used: true,
  code_expired: true,
  too_large: true,
  rate_limited: true,
  method_not_allowed: true,
  timeout: true,
  unsupported_encoding: true,
  unavailable: true,
  internal: true,
};

/** A code as the backend sent it; one this build does not know (a newer backend's) is `internal`, as in Rust. */
export function toErrorCode(code: string): ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code) ? (code as ErrorCode) : 'internal';
}

/** A command's failure, as docs/IPC.md describes it. */
export class CommandError extends Error {
  /** Stable: `invalid`, `forbidden`, `not_found`, `offline`, `bad_code`, … (the Rust `ErrorCode`). */
  readonly code: ErrorCode;
  /** One per field problem, for `invalid`. */
  readonly problems: FieldProblem[];

  constructor(code: ErrorCode, message: string, problems: FieldProblem[] = []) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
    this.problems = problems;
  }

  /** Turns anything a rejected `invoke` gives into a `CommandError`. */
  static from(error: unknown): CommandError {
    if (error instanceof CommandError) return error;
    if (typeof error === 'object' && error !== null) {
      const e = error as Record<string, unknown>;
      if (typeof e.code === 'string') {
        const message = typeof e.message === 'string' ? e.message : e.code;
        return new CommandError(toErrorCode(e.code), message, normaliseProblems(e.problems));
      }
      if (error instanceof Error) return new CommandError('internal', error.message);
    }
    if (typeof error === 'string') return new CommandError('internal', error);
    return new CommandError('internal', String(error));
  }
}

/** Accepts both `{field, code, message}` and the domain's `{field, problem: {code, …}}`. */
function normaliseProblems(raw: unknown): FieldProblem[] {
  if (!Array.isArray(raw)) return [];
  const out: FieldProblem[] = [];
  for (const item of raw) {
    if (typeof item !== 'object' || item === null) continue;
    const p = item as Record<string, unknown>;
    const field = typeof p.field === 'string' ? p.field : '';
    let code = typeof p.code === 'string' ? p.code : '';
    const problem = p.problem;
    if (!code && typeof problem === 'object' && problem !== null) {
      const inner = (problem as Record<string, unknown>).code;
      if (typeof inner === 'string') code = inner;
    }
    const message = typeof p.message === 'string' ? p.message : code;
    out.push({ field, code: code || 'invalid', message });
  }
  return out;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw CommandError.from(error);
  }
}

// ---- device and settings ----

export const deviceInfo = () => call<DeviceInfo>('device_info');

export const deviceEnrol = (serverUrl: string, code: string, deviceName: string) =>
  call<DeviceInfo>('device_enrol', { serverUrl, code, deviceName });

export const settingsGet = () => call<AppSettings>('settings_get');

export const settingsSet = (settings: AppSettings) => call<AppSettings>('settings_set', { settings });

// ---- reference data ----

export const referenceTopics = () => call<Topic[]>('reference_topics');

export const referenceAgencies = () => call<Agency[]>('reference_agencies');

export const referenceLocalities = () => call<Locality[]>('reference_localities');

export const referenceLocalityAdd = (name: string, level: Locality['level'], parent: string | null) =>
  call<string>('reference_locality_add', { name, level, parent });

// ---- dialogues ----

export const dialogueList = () => call<DialogueSummary[]>('dialogue_list');

export const dialogueCreate = (input: DialogueInput) => call<DialogueId>('dialogue_create', { input });

export const dialogueEdit = (id: DialogueId, input: DialogueInput) => call<null>('dialogue_edit', { id, input });

export const dialogueSetStatus = (id: DialogueId, status: DialogueStatus) =>
  call<null>('dialogue_set_status', { id, status });

// ---- questions ----

export const questionCapture = (input: CaptureInput) => call<Captured>('question_capture', { input });

export const questionList = (filter: QuestionFilter, sort: QuestionSort, page: Page) =>
  call<QuestionList>('question_list', { filter, sort, page });

export const questionSearch = (query: string, filter: QuestionFilter, limit: number) =>
  call<SearchHit[]>('question_search', { query, filter, limit });

export const questionGet = (id: QuestionId) => call<QuestionDetail>('question_get', { id });

export const questionEdit = (id: QuestionId, input: QuestionInput) => call<null>('question_edit', { id, input });

export const questionChangeStatus = (id: QuestionId, to: QuestionStatus, note: string | null) =>
  call<null>('question_change_status', { id, to, note });

export const questionMerge = (id: QuestionId, into: QuestionId) => call<null>('question_merge', { id, into });

export const questionSimilar = (id: QuestionId, limit: number) => call<SearchHit[]>('question_similar', { id, limit });

export const questionDraftGet = () => call<string | null>('question_draft_get');

export const questionDraftSet = (draft: string | null) => call<null>('question_draft_set', { draft });

// ---- answers and assignments ----

export const answerAdd = (question: QuestionId, input: AnswerInput) =>
  call<AnswerId>('answer_add', { question, input });

export const answerEdit = (id: AnswerId, input: AnswerInput) => call<null>('answer_edit', { id, input });

export const assignmentCreate = (questions: QuestionId[], input: AssignmentInput) =>
  call<AssignmentId[]>('assignment_create', { questions, input });

export const assignmentEdit = (id: AssignmentId, input: AssignmentInput) =>
  call<null>('assignment_edit', { id, input });

// ---- sync ----

export const syncStatus = () => call<SyncBadge>('sync_status');

export const syncNow = () => call<null>('sync_now');

export const syncRejected = () => call<RejectedMutation[]>('sync_rejected');

export const syncRetryRejected = (seq: number) => call<null>('sync_retry_rejected', { seq });

export const syncDismissRejected = (seq: number) => call<null>('sync_dismiss_rejected', { seq });

export const syncDiagnostics = () => call<string>('sync_diagnostics');

// ---- follow-up ----

export const followupPolicyGet = () => call<FollowUpPolicy>('followup_policy_get');

export const followupPolicySet = (policy: FollowUpPolicy) => call<null>('followup_policy_set', { policy });

export const followupDefaultDueDate = () => call<string>('followup_default_due_date');

export const followupSummary = () => call<FollowUp>('followup_summary');

export const followupDialoguePlan = (dialogue: DialogueId) =>
  call<DialoguePlan>('followup_dialogue_plan', { dialogue });

export const followupChecklistAddStandard = (dialogue: DialogueId) =>
  call<DialogueTaskId[]>('followup_checklist_add_standard', { dialogue });

export const followupTaskAdd = (dialogue: DialogueId, input: TaskInput) =>
  call<DialogueTaskId>('followup_task_add', { dialogue, input });

export const followupTaskEdit = (id: DialogueTaskId, input: TaskInput) =>
  call<null>('followup_task_edit', { id, input });

export const questionReopen = (question: QuestionId, note: string, input: AssignmentInput) =>
  call<AssignmentId>('question_reopen', { question, note, input });

export const questionRepeatCandidates = (id: QuestionId, limit: number) =>
  call<SearchHit[]>('question_repeat_candidates', { id, limit });

export const questionLinkRepeat = (question: QuestionId, earlier: QuestionId | null) =>
  call<null>('question_link_repeat', { question, earlier });

// ---- reports ----

export const reportGet = (scope: ReportScope) => call<Report>('report_get', { scope });

export const reportQuestions = (scope: ReportScope, includePersonalData: boolean, page: Page) =>
  call<ReportQuestionPage>('report_questions', { scope, includePersonalData, page });

export const reportExport = (scope: ReportScope, options: ExportOptions) =>
  call<ExportDone>('report_export', { scope, options });

export const reportExports = () => call<ExportRecord[]>('report_exports');

/** Every command name, for the mock backend's completeness test. */
export const COMMANDS = [
  'device_info',
  'device_enrol',
  'settings_get',
  'settings_set',
  'reference_topics',
  'reference_agencies',
  'reference_localities',
  'dialogue_list',
  'dialogue_create',
  'dialogue_edit',
  'dialogue_set_status',
  'question_capture',
  'question_list',
  'question_search',
  'question_get',
  'question_edit',
  'question_change_status',
  'question_merge',
  'question_similar',
  'question_draft_get',
  'question_draft_set',
  'answer_add',
  'answer_edit',
  'assignment_create',
  'assignment_edit',
  'sync_status',
  'sync_now',
  'sync_rejected',
  'sync_retry_rejected',
  'sync_dismiss_rejected',
  'followup_policy_get',
  'followup_policy_set',
  'followup_default_due_date',
  'followup_summary',
  'followup_dialogue_plan',
  'followup_checklist_add_standard',
  'followup_task_add',
  'followup_task_edit',
  'question_reopen',
  'question_repeat_candidates',
  'question_link_repeat',
  'report_get',
  'report_questions',
  'report_export',
  'report_exports',
] as const;

export type CommandName = (typeof COMMANDS)[number];

// ---- events ----

/** Calls `cb` with every `sync-badge` event; resolves to the function that stops it. */
export function onSyncBadge(cb: (badge: SyncBadge) => void): Promise<UnlistenFn> {
  return listen<SyncBadge>('sync-badge', (event) => cb(event.payload));
}

/** Calls `cb` after each sync that applied changes from the server. */
export function onDataChanged(cb: (change: DataChanged) => void): Promise<UnlistenFn> {
  return listen<DataChanged>('data-changed', (event) => cb(event.payload));
}

/** Calls `cb` with every deadline reminder the app raises (once a day per question or task). */
export function onReminder(cb: (reminder: Reminder) => void): Promise<UnlistenFn> {
  return listen<Reminder>('reminder', (event) => cb(event.payload));
}
