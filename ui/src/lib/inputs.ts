// Turning stored values back into the inputs the edit commands take, for re-saving a chosen
// version of a conflict or editing a question in place.

import type {
  AnswerBody,
  AnswerInput,
  Citizen,
  CitizenInput,
  HistoryEntry,
  QuestionInput,
  QuestionRow,
  QuestionText,
} from './types';
import { ANSWER_MODES, QUESTION_KINDS, QUESTION_SOURCES } from './types';

export function citizenInput(c: Citizen): CitizenInput {
  return c.type === 'anonymous'
    ? { anonymous: true, name: null, locality: null, phone: null }
    : { anonymous: false, name: c.name || null, locality: c.locality, phone: c.phone };
}

export function textOf(row: QuestionRow): QuestionText {
  return { kind: row.kind, source: row.source, topic: row.topic, content: row.content };
}

/** The input that saves `text` and `citizen` for a question. */
export function questionInput(text: QuestionText, citizen: Citizen): QuestionInput {
  return {
    kind: text.kind,
    source: text.source,
    topic: text.topic,
    content: text.content,
    citizen: citizenInput(citizen),
  };
}

export function answerInput(body: AnswerBody): AnswerInput {
  return {
    mode: body.mode,
    answered_by: body.answered_by,
    agency: body.agency,
    content: body.content,
    document_number: body.document?.number ?? null,
    document_date: body.document?.date ?? null,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function isQuestionText(v: unknown): v is QuestionText {
  return (
    isObject(v) &&
    typeof v.content === 'string' &&
    (QUESTION_KINDS as readonly unknown[]).includes(v.kind) &&
    (QUESTION_SOURCES as readonly unknown[]).includes(v.source)
  );
}

export function isCitizen(v: unknown): v is Citizen {
  return isObject(v) && (v.type === 'anonymous' || (v.type === 'named' && typeof v.name === 'string'));
}

export function isAnswerBody(v: unknown): v is AnswerBody {
  return (
    isObject(v) &&
    typeof v.content === 'string' &&
    typeof v.answered_by === 'string' &&
    (ANSWER_MODES as readonly unknown[]).includes(v.mode)
  );
}

/** The history entries that lost a merge and still wait for review. */
export function conflicts(history: HistoryEntry[]): HistoryEntry[] {
  return history.filter((h) => h.concurrent);
}
