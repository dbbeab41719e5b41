/**
 * The arithmetic of the dashboard's bar charts: a "nice" top for the axis, its ticks, and the
 * rectangles of vertical and horizontal bars. Pure, so the SVG components only draw.
 */

/** One bar: what it counts and how many. */
export interface Datum {
  /** A stable key (a status spelling, a topic id…). */
  key: string;
  /** The text shown under or beside the bar. */
  label: string;
  value: number;
}

/** A bar's rectangle in SVG user units, with where its value label goes. */
export interface BarRect {
  key: string;
  label: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Where the value's text sits (just past the end of the bar). */
  valueX: number;
  valueY: number;
}

/**
 * The smallest "nice" number (1, 2 or 5 times a power of ten) at or above `max`, so axes end
 * on round numbers. Counts are whole, so the result is at least 1.
 */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) {
    const candidate = step * power;
    if (candidate >= max) return candidate;
  }
  return 10 * power;
}

/**
 * Axis ticks from 0 to `top` (a {@link niceMax} result), at most `count + 1` of them, on whole
 * numbers only.
 */
export function ticks(top: number, count = 4): number[] {
  if (top <= 0) return [0];
  const raw = top / Math.max(1, count);
  const step = Math.max(1, niceMax(raw));
  const out: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) out.push(Math.round(v));
  return out;
}

/** The drawing area inside the SVG, in user units. */
export interface Frame {
  width: number;
  height: number;
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** The inner width and height of a frame (never negative). */
export function inner(frame: Frame): { width: number; height: number } {
  return {
    width: Math.max(0, frame.width - frame.left - frame.right),
    height: Math.max(0, frame.height - frame.top - frame.bottom),
  };
}

/**
 * Vertical bars, left to right, scaled to `top`. `gap` is the fraction of each slot left empty
 * between bars (0 to 0.9). A zero value gets a zero-height bar at the baseline, so its label
 * still shows.
 */
export function verticalBars(
  data: readonly Datum[],
  frame: Frame,
  top = niceMax(Math.max(0, ...data.map((d) => d.value))),
  gap = 0.3,
): BarRect[] {
  const area = inner(frame);
  if (data.length === 0) return [];
  const slot = area.width / data.length;
  const barWidth = slot * (1 - clamp(gap, 0, 0.9));
  const baseline = frame.top + area.height;
  return data.map((d, i) => {
    const h = top > 0 ? (clamp(d.value, 0, top) / top) * area.height : 0;
    const x = frame.left + i * slot + (slot - barWidth) / 2;
    return {
      key: d.key,
      label: d.label,
      value: d.value,
      x: round(x),
      y: round(baseline - h),
      width: round(barWidth),
      height: round(h),
      valueX: round(x + barWidth / 2),
      valueY: round(baseline - h - 4),
    };
  });
}

/**
 * Horizontal bars, top to bottom, each `rowHeight` tall, scaled to `top` across the inner
 * width. The frame's height is ignored: a horizontal chart grows with its rows (see
 * {@link horizontalHeight}).
 */
export function horizontalBars(
  data: readonly Datum[],
  frame: Frame,
  rowHeight: number,
  top = niceMax(Math.max(0, ...data.map((d) => d.value))),
  gap = 0.3,
): BarRect[] {
  const { width } = inner(frame);
  const barHeight = rowHeight * (1 - clamp(gap, 0, 0.9));
  return data.map((d, i) => {
    const w = top > 0 ? (clamp(d.value, 0, top) / top) * width : 0;
    const y = frame.top + i * rowHeight + (rowHeight - barHeight) / 2;
    return {
      key: d.key,
      label: d.label,
      value: d.value,
      x: frame.left,
      y: round(y),
      width: round(w),
      height: round(barHeight),
      valueX: round(frame.left + w + 6),
      valueY: round(y + barHeight / 2),
    };
  });
}

/** The SVG height a horizontal chart of `rows` rows needs. */
export function horizontalHeight(rows: number, frame: Omit<Frame, 'height'>, rowHeight: number): number {
  return frame.top + Math.max(1, rows) * rowHeight + frame.bottom;
}

/**
 * Cuts a label to `max` characters (grapheme-safe for Vietnamese: whole code points, composed
 * first), ending with `…`, for SVG text that cannot wrap. The full text goes in a `<title>`.
 */
export function truncate(label: string, max: number): string {
  const chars = Array.from(label.normalize('NFC'));
  if (chars.length <= max) return chars.join('');
  return `${chars
    .slice(0, Math.max(1, max - 1))
    .join('')
    .trimEnd()}…`;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/**
 * Breaks a label into at most `maxLines` lines of about `maxChars` characters, at spaces,
 * for the text under a vertical bar (SVG text does not wrap). The last line is truncated.
 */
export function wrapLabel(label: string, maxChars: number, maxLines: number): string[] {
  const words = label
    .normalize('NFC')
    .trim()
    .split(/\s+/u)
    .filter((w) => w !== '');
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    const candidate = current === '' ? word : `${current} ${word}`;
    if (Array.from(candidate).length <= maxChars || current === '') {
      current = candidate;
    } else {
      lines.push(current);
      current = word;
    }
  }
  if (current !== '') lines.push(current);
  // A single word longer than a line is cut; the words past the last line are cut with it
  // (greedy wrapping made them longer than a line together, so the cut always shows).
  const kept = lines.slice(0, maxLines);
  if (lines.length > maxLines) kept[maxLines - 1] = lines.slice(maxLines - 1).join(' ');
  return kept.map((l) => truncate(l, maxChars));
}
