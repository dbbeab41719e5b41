// Installs the mock backend behind `invoke` and the event API, for a browser without Tauri.
// Loaded only through a dynamic import from main.ts, so it is a separate chunk that the app
// never fetches inside Tauri.

import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';

import { MockBackend, MockFailure, type Scenario } from './backend';

declare global {
  interface Window {
    /** The running mock, for end-to-end tests: `__townhallMock.setOnline(false)`. */
    __townhallMock?: MockBackend;
  }
}

/** Puts `scenario`'s backend behind every command; `latencyMs` delays each answer. */
export function installMock(scenario: Scenario, latencyMs = 0): MockBackend {
  const backend = new MockBackend(scenario, {
    emit: (event, payload) => {
      void emit(event, payload);
    },
  });
  // The real draft survives a restart; in the browser, a reload is the restart.
  const DRAFT_KEY = `townhall-mock-draft:${scenario}`;
  try {
    backend.draft = sessionStorage.getItem(DRAFT_KEY);
  } catch {
    backend.draft = null;
  }
  mockIPC(
    async (command, payload) => {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      try {
        const result = backend.handle(command, (payload ?? {}) as Record<string, unknown>);
        if (command === 'question_draft_set') persistDraft(DRAFT_KEY, backend.draft);
        return result;
      } catch (error) {
        throw error instanceof MockFailure ? error.toJSON() : { code: 'internal', message: String(error) };
      }
    },
    { shouldMockEvents: true },
  );
  window.__townhallMock = backend;
  return backend;
}

function persistDraft(key: string, draft: string | null): void {
  try {
    if (draft === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, draft);
  } catch {
    // Storage may be unavailable (private mode); the in-memory draft still works.
  }
}
