// Splits a search snippet into plain and highlighted parts, so a screen can wrap the matches in
// <mark> elements and render everything as text: citizen text never becomes HTML.
//
// Highlights are `[start, end)` ranges in code points (Rust `char`s), so the text is indexed as
// `Array.from(text)`: an emoji or other non-BMP character counts once, as in Rust, where a
// UTF-16 index would count it twice. A combining mark is its own code point, as in Rust.

export interface Segment {
  text: string;
  mark: boolean;
}

/** The parts of `text`, in order; ranges out of order, overlapping or out of bounds are clipped. */
export function splitHighlights(text: string, highlights: readonly (readonly [number, number])[]): Segment[] {
  const chars = Array.from(text);
  const segments: Segment[] = [];
  let cursor = 0;
  const push = (from: number, to: number, mark: boolean) => {
    if (to <= from) return;
    const part = chars.slice(from, to).join('');
    const last = segments[segments.length - 1];
    if (last && last.mark === mark) last.text += part;
    else segments.push({ text: part, mark });
  };
  const sorted = [...highlights]
    .filter((h) => Number.isInteger(h[0]) && Number.isInteger(h[1]))
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [rawStart, rawEnd] of sorted) {
    const start = Math.max(rawStart, cursor, 0);
    const end = Math.min(rawEnd, chars.length);
    if (end <= start) continue;
    push(cursor, start, false);
    push(start, end, true);
    cursor = end;
  }
  push(cursor, chars.length, false);
  return segments;
}
