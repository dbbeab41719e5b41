// The JSON shapes of the Rust types the commands in docs/IPC.md take and return.
//
// Every screen imports domain types from this file only. The types themselves are generated
// from the Rust types by ts-rs (`cargo xtask bindings` writes `src/generated/`, one file per
// type); this file re-exports them and adds what TypeScript needs at run time: the lists of
// each enum's values, checked at compile time against the generated unions.
// Field names are snake_case as in Rust; ids are UUID strings; dates `YYYY-MM-DD`;
// timestamps RFC 3339.

import type {
  AnswerMode,
  CoordinatingBody,
  DayKind,
  DialogueStatus,
  ExportFormat,
  Holiday,
  MilestoneKind,
  PeriodKind,
  TaskKind,
  TaskState,
  Language,
  Level,
  QuestionKind,
  QuestionSort,
  QuestionSource,
  QuestionStatus,
  Role,
} from '../generated';

export type {
  Adjustment,
  Agency,
  AgencyId,
  AgencyScorecard,
  CoordinatingBody,
  DayKind,
  Decision,
  DialoguePlan,
  DialogueTask,
  DialogueTaskId,
  ExportDone,
  ExportFormat,
  ExportOptions,
  ExportRecord,
  ExportSummary,
  FollowUp,
  FollowUpPolicy,
  Holiday,
  KindCount,
  Milestone,
  MilestoneKind,
  NamedCount,
  Period,
  PeriodKind,
  Reminder,
  Report,
  ReportAnswer,
  ReportAssignment,
  ReportDialogue,
  ReportQuestion,
  ReportQuestionPage,
  ReportScope,
  ReportTotals,
  Round,
  Signer,
  Standing,
  TaskInput,
  TaskKind,
  TaskState,
  TaskView,
  YearAdjustments,
  Answer,
  AnswerBody,
  AnswerId,
  AnswerInput,
  AnswerMode,
  AppSettings,
  AssignmentId,
  AssignmentInput,
  AssignmentTerms,
  AssignmentView,
  CaptureInput,
  Captured,
  Change,
  Citizen,
  CitizenInput,
  DataChanged,
  DeviceId,
  DeviceIdentity,
  DeviceInfo,
  Dialogue,
  DialogueDetails,
  DialogueId,
  DialogueInput,
  DialogueStatus,
  DialogueSummary,
  DisplayNumber,
  DocumentRef,
  HistoryEntry,
  Hlc,
  Language,
  Level,
  Locality,
  LocalityId,
  Mutation,
  MutationId,
  OnSiteAnswerInput,
  Page,
  Problem,
  Progress,
  QuestionDetail,
  QuestionFilter,
  QuestionId,
  QuestionInput,
  QuestionKind,
  QuestionList,
  QuestionRow,
  QuestionSort,
  QuestionSource,
  QuestionStatus,
  QuestionText,
  RejectedMutation,
  Role,
  SearchHit,
  Snippet,
  StatusCount,
  StatusEvent,
  StatusEventId,
  SyncBadge,
  SyncStatus,
  Topic,
  TopicId,
  UserId,
  ValidationError,
} from '../generated';

/** A calendar day, `YYYY-MM-DD` (chrono `NaiveDate`). */
export type IsoDate = string;
/** An instant, RFC 3339 (chrono `DateTime`). */
export type Timestamp = string;

/**
 * One field's problem, as the UI keeps it: `api.ts` flattens the command error's
 * `{field, problem: {code, …}}` (and accepts docs/IPC.md's flat `{field, code, message}`).
 */
export interface FieldProblem {
  /** The field, as named in the input type (`content`, `citizen.phone`, …). */
  field: string;
  /** A stable code: `required`, `too_long`, `invalid_phone`, … */
  code: string;
  /** Plain English, for logs. */
  message: string;
}

/** The most rows one page returns (`Page::MAX_LIMIT`). */
export const PAGE_MAX_LIMIT = 500;

// ---- every value of each enum, in declaration order ----

/** Fails to compile unless `T` lists exactly the members of `U`. */
type Exactly<T extends readonly string[], U extends string> = [U] extends [T[number]]
  ? [T[number]] extends [U]
    ? T
    : never
  : never;
const values =
  <U extends string>() =>
  <const T extends readonly U[]>(list: Exactly<T, U>): T =>
    list;

export const LEVELS = values<Level>()(['province', 'district', 'commune']);
export const DIALOGUE_STATUSES = values<DialogueStatus>()(['planned', 'open', 'concluded', 'closed']);
export const QUESTION_KINDS = values<QuestionKind>()(['question', 'petition', 'proposal', 'grievance']);
export const QUESTION_SOURCES = values<QuestionSource>()(['gathered', 'in_hall', 'on_paper']);
export const QUESTION_STATUSES = values<QuestionStatus>()([
  'received',
  'answered_on_site',
  'needs_written_answer',
  'assigned',
  'answered',
  'resolved',
  'reopened',
  'merged',
]);
export const ROLES = values<Role>()(['recorder', 'secretariat', 'leader', 'agency', 'admin']);
export const ANSWER_MODES = values<AnswerMode>()(['on_site', 'written']);
export const LANGUAGES = values<Language>()(['vi', 'en']);
export const QUESTION_SORTS = values<QuestionSort>()(['newest', 'oldest', 'number', 'due_date']);
export const TASK_KINDS = values<TaskKind>()([
  'plan',
  'notice',
  'results',
  'gather',
  'materials',
  'publicity',
  'security',
  'venue',
  'other',
]);
export const COORDINATING_BODIES = values<CoordinatingBody>()([
  'party_office',
  'fatherland_front',
  'peoples_committee_office',
  'mass_mobilization',
  'police',
  'host_locality',
]);
export const TASK_STATES = values<TaskState>()(['done', 'done_late', 'upcoming', 'due_soon', 'overdue']);
export const MILESTONE_KINDS = values<MilestoneKind>()(['plan_issued', 'public_notice', 'held', 'results_published']);
export const PERIOD_KINDS = values<PeriodKind>()(['month', 'quarter', 'half_year', 'nine_months', 'year']);
export const EXPORT_FORMATS = values<ExportFormat>()(['docx', 'xlsx', 'csv']);
export const DAY_KINDS = values<DayKind>()(['day_off', 'working_day']);
export const HOLIDAYS = values<Holiday>()([
  'new_year',
  'lunar_new_year',
  'hung_kings',
  'victory_day',
  'labour_day',
  'national_day',
]);
