// The capture form's half-typed state, saved through `question_draft_set` so a crash, a
// flat battery or a tap on another screen loses nothing.
//
// Saving is debounced: typing schedules a save 300 ms after the last keystroke; leaving a
// field flushes at once; a successful capture clears the draft.

import type { QuestionKind, TopicId } from './types';

export const DRAFT_VERSION = 1;

/** What the capture form holds, as stored in the draft. */
export interface CaptureDraft {
  v: typeof DRAFT_VERSION;
  dialogue: string;
  kind: QuestionKind | null;
  topic: TopicId | null;
  content: string;
  anonymous: boolean;
  name: string;
  locality: string;
  phone: string;
  onsite: boolean;
  answeredBy: string;
  summary: string;
}

/** Whether the form holds anything worth keeping. */
export function isBlank(d: CaptureDraft): boolean {
  return !d.content.trim() && !d.name.trim() && !d.locality.trim() && !d.phone.trim() && !d.summary.trim();
}

/** Reads a stored draft for `dialogue`; anything else (another dialogue, garbage) gives `null`. */
export function parseDraft(raw: string | null, dialogue: string): CaptureDraft | null {
  if (!raw) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const d = value as Partial<CaptureDraft>;
  if (d.v !== DRAFT_VERSION || d.dialogue !== dialogue) return null;
  const s = (x: unknown) => (typeof x === 'string' ? x : '');
  return {
    v: DRAFT_VERSION,
    dialogue,
    kind: typeof d.kind === 'string' ? d.kind : null,
    topic: typeof d.topic === 'string' ? d.topic : null,
    content: s(d.content),
    anonymous: d.anonymous === true,
    name: s(d.name),
    locality: s(d.locality),
    phone: s(d.phone),
    onsite: d.onsite === true,
    answeredBy: s(d.answeredBy),
    summary: s(d.summary),
  };
}

export interface Timers {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface DraftSaver {
  /** Saves `value` after `delayMs` without another call. */
  schedule(value: string | null): void;
  /** Saves a scheduled value now. */
  flush(): Promise<void>;
  /** Drops anything scheduled and stores "no draft". */
  clear(): Promise<void>;
  /** Whether a save is waiting for its delay. */
  pending(): boolean;
}

/** Debounces `save`: only the last value of a burst is written, and an unchanged value never twice. */
export function createDraftSaver(
  save: (value: string | null) => Promise<unknown>,
  delayMs = 300,
  timers: Timers = realTimers,
): DraftSaver {
  let handle: unknown = null;
  let waiting: { value: string | null } | null = null;
  let lastSaved: string | null | undefined = undefined;

  const write = async (value: string | null) => {
    if (value === lastSaved) return;
    lastSaved = value;
    try {
      await save(value);
    } catch {
      // The next change tries again; a lost draft save must never block typing.
      lastSaved = undefined;
    }
  };

  const cancel = () => {
    if (handle !== null) timers.clearTimeout(handle);
    handle = null;
  };

  return {
    schedule(value) {
      cancel();
      waiting = { value };
      handle = timers.setTimeout(() => {
        handle = null;
        const w = waiting;
        waiting = null;
        if (w) void write(w.value);
      }, delayMs);
    },
    async flush() {
      cancel();
      const w = waiting;
      waiting = null;
      if (w) await write(w.value);
    },
    async clear() {
      cancel();
      waiting = null;
      await write(null);
    },
    pending() {
      return waiting !== null;
    },
  };
}
