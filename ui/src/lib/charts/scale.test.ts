import { describe, expect, it } from 'vitest';

import {
  horizontalBars,
  horizontalHeight,
  niceMax,
  ticks,
  truncate,
  verticalBars,
  wrapLabel,
  type Frame,
} from './scale';

describe('niceMax', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    const cases: [number, number][] = [
      [0, 1],
      [-3, 1],
      [Number.NaN, 1],
      [1, 1],
      [2, 2],
      [3, 5],
      [7, 10],
      [10, 10],
      [11, 20],
      [48, 50],
      [51, 100],
      [230, 500],
      [1001, 2000],
    ];
    for (const [max, want] of cases) expect(niceMax(max), `niceMax(${max})`).toBe(want);
  });
});

describe('ticks', () => {
  it('runs from zero to the top on whole numbers', () => {
    expect(ticks(10)).toEqual([0, 5, 10]);
    expect(ticks(100)).toEqual([0, 50, 100]);
    expect(ticks(50, 5)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(ticks(2)).toEqual([0, 1, 2]);
    expect(ticks(1)).toEqual([0, 1]);
    expect(ticks(0)).toEqual([0]);
  });
});

const frame: Frame = { width: 420, height: 240, top: 20, right: 10, bottom: 20, left: 10 };

describe('verticalBars', () => {
  it('scales heights to the top and sits every bar on the baseline', () => {
    const bars = verticalBars(
      [
        { key: 'a', label: 'A', value: 10 },
        { key: 'b', label: 'B', value: 5 },
        { key: 'c', label: 'C', value: 0 },
      ],
      frame,
    );
    expect(bars.map((b) => b.height)).toEqual([200, 100, 0]);
    for (const b of bars) expect(b.y + b.height).toBe(220);
    // Three slots of 400/3 units, 70% of each is the bar.
    expect(bars[0]?.width).toBeCloseTo(93.3, 1);
    expect(bars[0]?.x).toBeCloseTo(10 + 20, 0);
    expect(bars[1]?.valueY).toBe(116);
  });

  it('clamps values above the given top and draws nothing for no data', () => {
    const [bar] = verticalBars([{ key: 'a', label: 'A', value: 50 }], frame, 10);
    expect(bar?.height).toBe(200);
    expect(verticalBars([], frame)).toEqual([]);
  });
});

describe('horizontalBars', () => {
  it('stacks rows and scales widths across the inner width', () => {
    const bars = horizontalBars(
      [
        { key: 'a', label: 'A', value: 4 },
        { key: 'b', label: 'B', value: 1 },
      ],
      frame,
      40,
      5,
    );
    expect(bars.map((b) => [b.x, b.y, b.width, b.height])).toEqual([
      [10, 26, 320, 28],
      [10, 66, 80, 28],
    ]);
    expect(bars[1]?.valueX).toBe(96);
    expect(horizontalHeight(2, frame, 40)).toBe(120);
    expect(horizontalHeight(0, frame, 40)).toBe(80);
  });
});

describe('truncate', () => {
  it('cuts long labels on code points and marks the cut', () => {
    expect(truncate('Đất đai', 10)).toBe('Đất đai');
    expect(truncate('Tài nguyên và môi trường', 10)).toBe('Tài nguyê…');
    expect(truncate('Xây dựng cơ bản', 7)).toBe('Xây dự…');
    // Decomposed input is composed first, so a letter is never split from its marks.
    expect(truncate('Ba\u0306\u0301c Bình', 4)).toBe('Bắc…');
  });
});

describe('wrapLabel', () => {
  it('wraps at spaces into at most the given lines', () => {
    expect(wrapLabel('Đã tiếp nhận', 12, 2)).toEqual(['Đã tiếp nhận']);
    expect(wrapLabel('Cần trả lời bằng văn bản', 12, 2)).toEqual(['Cần trả lời', 'bằng văn bản']);
    expect(wrapLabel('Cần trả lời bằng văn bản', 8, 2)).toEqual(['Cần trả', 'lời bằn…']);
    expect(wrapLabel('Siêuuuuuuuuudài', 6, 2)).toEqual(['Siêuu…']);
    expect(wrapLabel('', 6, 2)).toEqual([]);
  });
});
