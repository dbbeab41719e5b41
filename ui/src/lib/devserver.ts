// Puts the development server (crates/devserver, the real townhall-core over HTTP) behind
// `invoke` and the event API, for the UI in a plain browser: every command is forwarded to
// `POST /invoke/<command>` and every Server-Sent Event is emitted as the Tauri event it
// stands for. Loaded only through a dynamic import from main.ts, never inside Tauri.

import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';

declare global {
  interface Window {
    /** The dev server session this page talks to, for end-to-end tests' control calls. */
    __townhallSession?: string;
  }
}

/** Opens (or, after a reload, resumes) a session of `scenario` and routes the IPC to it. */
export async function installDevServer(scenario: string, latencyMs: number): Promise<string> {
  const key = `townhall-dev-session:${scenario}`;
  let session = stored(key);
  if (session === null || !(await alive(session))) {
    const response = await fetch('/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ scenario }),
    });
    if (!response.ok) throw new Error(`the dev server refused the ${scenario} scenario`);
    session = ((await response.json()) as { session: string }).session;
    store(key, session);
  }
  if (latencyMs > 0) {
    await post(`/control/${session}/latency`, { millis: latencyMs });
  }
  const id = session;
  mockIPC(
    async (command, payload) => {
      const response = await fetch(`/invoke/${encodeURIComponent(command)}?session=${id}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(payload ?? {}),
        // A write sent just before a reload still arrives, as it would in the app, where the
        // IPC outlives the page.
        keepalive: command === 'question_draft_set',
      });
      const body: unknown = await response.json();
      if (!response.ok) throw body;
      return body;
    },
    { shouldMockEvents: true },
  );
  const events = new EventSource(`/events?session=${id}`);
  events.onmessage = (message: MessageEvent<string>) => {
    const { event, payload } = JSON.parse(message.data) as { event: string; payload: unknown };
    void emit(event, payload);
  };
  window.__townhallSession = id;
  return id;
}

async function alive(session: string): Promise<boolean> {
  const response = await fetch(`/control/${session}/calls`);
  return response.ok;
}

async function post(url: string, body: unknown): Promise<void> {
  await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

function stored(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key: string, session: string): void {
  try {
    sessionStorage.setItem(key, session);
  } catch {
    // Without storage a reload opens a new session; the page still works.
  }
}
