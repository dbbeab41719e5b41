import { describe, expect, it } from 'vitest';

import { splitHighlights, type Segment } from './highlight';

/** Renders segments as `[marked]` text, like the Rust snippet tests. */
const show = (segments: Segment[]) => segments.map((s) => (s.mark ? `[${s.text}]` : s.text)).join('');

describe('splitHighlights', () => {
  it('marks char ranges', () => {
    expect(
      show(
        splitHighlights('Xã Bắc Bình thiếu nước', [
          [3, 6],
          [7, 11],
        ]),
      ),
    ).toBe('Xã [Bắc] [Bình] thiếu nước');
    expect(show(splitHighlights('abc', []))).toBe('abc');
    expect(splitHighlights('', [[0, 1]])).toEqual([]);
  });

  it('counts code points, not UTF-16 units (non-BMP characters)', () => {
    // As in crates/core/src/search/fold.rs: "…🙂🙂bắc👍🏽👍🏽…" with the match at (3, 6).
    const text = '…🙂🙂bắc👍🏽👍🏽…';
    expect(show(splitHighlights(text, [[3, 6]]))).toBe('…🙂🙂[bắc]👍🏽👍🏽…');
    expect(show(splitHighlights('𠀀𠀁 Đường', [[3, 4]]))).toBe('𠀀𠀁 [Đ]ường');
  });

  it('keeps Vietnamese combining marks with their letter', () => {
    // "Bắc" typed decomposed: B, a, U+0306, U+0301, c — the match covers the marks.
    const text = 'Ba\u0306\u0301c Bình';
    expect(show(splitHighlights(text, [[0, 4]]))).toBe('[Ba\u0306\u0301]c Bình');
  });

  it('clips ranges that overlap, run past the end or come out of order', () => {
    expect(
      show(
        splitHighlights('abcdef', [
          [4, 9],
          [0, 2],
          [1, 3],
        ]),
      ),
    ).toBe('[abc]d[ef]');
    expect(
      show(
        splitHighlights('abc', [
          [2, 1],
          [5, 6],
          [-3, 1],
        ]),
      ),
    ).toBe('[a]bc');
  });

  it('never merges markup into the text', () => {
    const parts = splitHighlights('<img src=x onerror=alert(1)>', [[1, 4]]);
    expect(parts).toEqual([
      { text: '<', mark: false },
      { text: 'img', mark: true },
      { text: ' src=x onerror=alert(1)>', mark: false },
    ]);
  });
});
