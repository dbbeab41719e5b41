import { describe, expect, it } from 'vitest';

import { createDraftSaver, DRAFT_VERSION, isBlank, parseDraft, type CaptureDraft, type Timers } from './draft';

/** Timers driven by the test: `advance(ms)` runs what falls due. */
function fakeTimers() {
  let now = 0;
  let next = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      const id = next++;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (id) => {
      pending.delete(id as number);
    },
  };
  const advance = async (ms: number) => {
    now += ms;
    for (const [id, t] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= now) {
        pending.delete(id);
        t.fn();
      }
    }
    await Promise.resolve();
  };
  return { timers, advance, pending };
}

describe('createDraftSaver', () => {
  it('saves only the last value of a burst, after the delay', async () => {
    const saved: (string | null)[] = [];
    const { timers, advance } = fakeTimers();
    const saver = createDraftSaver(async (v) => void saved.push(v), 300, timers);
    saver.schedule('a');
    await advance(100);
    saver.schedule('ab');
    await advance(299);
    expect(saved).toEqual([]);
    expect(saver.pending()).toBe(true);
    await advance(1);
    expect(saved).toEqual(['ab']);
    expect(saver.pending()).toBe(false);
  });

  it('flushes at once on blur and never saves the same value twice', async () => {
    const saved: (string | null)[] = [];
    const { timers, advance } = fakeTimers();
    const saver = createDraftSaver(async (v) => void saved.push(v), 300, timers);
    saver.schedule('x');
    await saver.flush();
    expect(saved).toEqual(['x']);
    await advance(1000);
    expect(saved).toEqual(['x']);
    saver.schedule('x');
    await advance(300);
    expect(saved).toEqual(['x']);
    await saver.flush();
    expect(saved).toEqual(['x']);
  });

  it('clear drops a scheduled save and stores no draft', async () => {
    const saved: (string | null)[] = [];
    const { timers, advance } = fakeTimers();
    const saver = createDraftSaver(async (v) => void saved.push(v), 300, timers);
    saver.schedule('half typed');
    await saver.clear();
    await advance(1000);
    expect(saved).toEqual([null]);
  });

  it('tries again after a failed save', async () => {
    let fail = true;
    const saved: (string | null)[] = [];
    const { timers } = fakeTimers();
    const saver = createDraftSaver(
      async (v) => {
        if (fail) throw new Error('storage');
        saved.push(v);
      },
      300,
      timers,
    );
    saver.schedule('a');
    await saver.flush();
    fail = false;
    saver.schedule('a');
    await saver.flush();
    expect(saved).toEqual(['a']);
  });
});

describe('parseDraft', () => {
  const draft: CaptureDraft = {
    v: DRAFT_VERSION,
    dialogue: 'd1',
    kind: 'petition',
    topic: null,
    content: 'Đường ngập',
    anonymous: false,
    name: 'Nguyễn Văn An',
    locality: '',
    phone: '',
    onsite: false,
    answeredBy: '',
    summary: '',
  };

  it('round-trips a draft for the same dialogue only', () => {
    expect(parseDraft(JSON.stringify(draft), 'd1')).toEqual(draft);
    expect(parseDraft(JSON.stringify(draft), 'd2')).toBeNull();
  });

  it('ignores garbage and old versions', () => {
    expect(parseDraft(null, 'd1')).toBeNull();
    expect(parseDraft('{not json', 'd1')).toBeNull();
    expect(parseDraft(JSON.stringify({ ...draft, v: 0 }), 'd1')).toBeNull();
    expect(parseDraft(JSON.stringify({ v: 1, dialogue: 'd1', content: 5 }), 'd1')?.content).toBe('');
  });

  it('knows a blank form', () => {
    expect(isBlank({ ...draft, content: '  ', name: '' })).toBe(true);
    expect(isBlank(draft)).toBe(false);
  });
});
