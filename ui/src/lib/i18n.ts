// The message catalogue: Vietnamese first, English second.
//
// Each area of the app keeps its messages in `messages/<area>.ts`, exporting `vi` and `en`
// objects with the same keys, each key prefixed by the area (`capture.save`). This file merges
// every area; `t(key, params)` reads the current language from rune state, so a template that
// calls it re-renders when the language changes.

import * as agency from './messages/agency';
import * as app from './messages/app';
import * as capture from './messages/capture';
import * as dialogues from './messages/dialogues';
import * as domain from './messages/domain';
import * as enrol from './messages/enrol';
import * as errors from './messages/errors';
import * as followup from './messages/followup';
import * as question from './messages/question';
import * as questions from './messages/questions';
import * as reports from './messages/reports';
import * as review from './messages/review';
import * as settings from './messages/settings';
import * as sync from './messages/sync';
import { locale } from './locale.svelte';
import type {
  AnswerMode,
  DialogueStatus,
  Language,
  Level,
  QuestionKind,
  QuestionSource,
  QuestionStatus,
  Role,
} from './types';

/** Every area's catalogue, by area name, for tests and tools. */
export const AREAS = {
  app,
  domain,
  errors,
  enrol,
  capture,
  questions,
  question,
  sync,
  settings,
  review,
  dialogues,
  agency,
  followup,
  reports,
} as const;

const vi = {
  ...app.vi,
  ...domain.vi,
  ...errors.vi,
  ...enrol.vi,
  ...capture.vi,
  ...questions.vi,
  ...question.vi,
  ...sync.vi,
  ...settings.vi,
  ...review.vi,
  ...dialogues.vi,
  ...agency.vi,
  ...followup.vi,
  ...reports.vi,
};

export type MessageKey = keyof typeof vi & string;

const en: Record<MessageKey, string> = {
  ...app.en,
  ...domain.en,
  ...errors.en,
  ...enrol.en,
  ...capture.en,
  ...questions.en,
  ...question.en,
  ...sync.en,
  ...settings.en,
  ...review.en,
  ...dialogues.en,
  ...agency.en,
  ...followup.en,
  ...reports.en,
};

const CATALOGUES: Record<Language, Record<string, string>> = { vi, en };

export type Params = Record<string, string | number>;

/** The current language (reactive). */
export function language(): Language {
  return locale.current;
}

/** Switches the language of every `t` call at once. Persisting it is the caller's job. */
export function setLanguage(next: Language): void {
  locale.current = next;
  if (typeof document !== 'undefined') document.documentElement.lang = next;
}

/** Whether the catalogue has `key`, for keys built from codes the backend sends. */
export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(vi, key);
}

/** The message for `key` in the current language, with `{name}` placeholders filled. */
export function t(key: MessageKey, params?: Params): string {
  const lang = locale.current;
  const text = CATALOGUES[lang][key] ?? CATALOGUES.vi[key] ?? key;
  return params ? fill(text, params) : text;
}

/** Fills `{name}` placeholders; unknown ones are left as they are. */
export function fill(text: string, params: Params): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/** The message for a key built at run time, or `fallback` when the catalogue lacks it. */
export function tOr(key: string, fallback: MessageKey, params?: Params): string {
  return t(hasMessage(key) ? key : fallback, params);
}

export const statusLabel = (s: QuestionStatus) => tOr(`domain.status.${s}`, 'app.none');
export const kindLabel = (k: QuestionKind) => tOr(`domain.kind.${k}`, 'app.none');
export const sourceLabel = (s: QuestionSource) => tOr(`domain.source.${s}`, 'app.none');
export const roleLabel = (r: Role) => tOr(`domain.role.${r}`, 'app.none');
export const levelLabel = (l: Level) => tOr(`domain.level.${l}`, 'app.none');
export const dialogueStatusLabel = (s: DialogueStatus) => tOr(`domain.dialogueStatus.${s}`, 'app.none');
export const answerModeLabel = (m: AnswerMode) => tOr(`domain.answerMode.${m}`, 'app.none');

/** What to tell a person for a command's error code. */
export const errorText = (code: string) => tOr(`errors.${code}`, 'errors.internal');

/** What to tell a person for a field problem's code. */
export const problemText = (code: string) => tOr(`errors.problem.${code}`, 'errors.problem.invalid');
