// A port of crates/core/src/search/fold.rs for the mock backend: diacritic-insensitive
// folding (`Bắc` → `bac`, `đ` → `d`), query terms, and snippets whose highlights are
// `[start, end)` ranges in code points, exactly as the real search returns them.
//
// Positions here are indexes into `Array.from(text)` (code points), where the Rust code uses
// byte offsets; the results are the same ranges.

import type { Snippet } from '../types';

export const MAX_TERMS = 16;
export const MAX_TERM_CHARS = 64;

const isCombining = (cp: number) => cp >= 0x300 && cp <= 0x36f;
const ALNUM = /^[\p{Alphabetic}\p{N}]$/u;
const SPACE = /^\s$/u;
const isAlnum = (c: string) => ALNUM.test(c);
const isSpace = (c: string) => SPACE.test(c);

/** Calls `push` with each character `c` folds to: none for a combining mark, usually one. */
function foldChar(c: string, push: (f: string) => void): void {
  const cp = c.codePointAt(0) ?? 0;
  if (cp < 0x80) {
    push(c.toLowerCase());
    return;
  }
  if (isCombining(cp)) return;
  if (c === 'đ' || c === 'Đ') {
    push('d');
    return;
  }
  for (const lower of Array.from(c.toLowerCase())) {
    for (const d of Array.from(lower.normalize('NFD'))) {
      if (!isCombining(d.codePointAt(0) ?? 0)) push(d === 'đ' ? 'd' : d);
    }
  }
}

/** Lowercase, without diacritics, with `đ` as `d`. */
export function fold(text: string): string {
  let out = '';
  for (const c of text) foldChar(c, (f) => (out += f));
  return out;
}

/** Folds `chars` and says, for each folded character, the index of the one it came from. */
export function foldWithMap(chars: readonly string[]): { folded: string[]; map: number[] } {
  const folded: string[] = [];
  const map: number[] = [];
  chars.forEach((c, i) =>
    foldChar(c, (f) => {
      folded.push(f);
      map.push(i);
    }),
  );
  return { folded, map };
}

/** Splits a typed query into folded terms: letters and digits only, each kept once. */
export function queryTerms(query: string): string[] {
  const terms: string[] = [];
  for (const word of splitWords(fold(query))) {
    const term = Array.from(word).slice(0, MAX_TERM_CHARS).join('');
    if (!terms.includes(term)) {
      terms.push(term);
      if (terms.length === MAX_TERMS) break;
    }
  }
  return terms;
}

/** The runs of letters and digits in already-folded text. */
export function splitWords(folded: string): string[] {
  const words: string[] = [];
  let word = '';
  for (const c of folded) {
    if (isAlnum(c)) word += c;
    else if (word) {
      words.push(word);
      word = '';
    }
  }
  if (word) words.push(word);
  return words;
}

/** An excerpt of about `maxChars` around the first match, with every matching word prefix marked. */
export function snippet(original: string, terms: readonly string[], maxChars: number): Snippet {
  if (maxChars === 0) return { text: '', highlights: [] };
  const chars = Array.from(original);
  const folded = terms.map((t) => Array.from(fold(t))).filter((t) => t.length > 0);
  const matches = matchRanges(chars, folded);
  const [start, end] = chooseWindow(chars, matches[0], maxChars);
  return render(chars, start, end, matches);
}

function matchRanges(chars: readonly string[], terms: string[][]): [number, number][] {
  if (terms.length === 0) return [];
  const { folded, map } = foldWithMap(chars);
  const ranges: [number, number][] = [];
  let i = 0;
  while (i < folded.length) {
    if (!isAlnum(folded[i] ?? '')) {
      i += 1;
      continue;
    }
    const wordStart = i;
    while (i < folded.length && isAlnum(folded[i] ?? '')) i += 1;
    const word = folded.slice(wordStart, i);
    let longest = 0;
    for (const term of terms) {
      if (term.length <= word.length && term.every((c, k) => word[k] === c)) {
        longest = Math.max(longest, term.length);
      }
    }
    if (longest > 0) {
      const last = wordStart + longest - 1;
      ranges.push([map[wordStart] ?? 0, sourceEnd(map, last, chars.length)]);
    }
  }
  return ranges;
}

function sourceEnd(map: number[], index: number, textLen: number): number {
  const from = map[index] ?? 0;
  for (let j = index + 1; j < map.length; j++) {
    const offset = map[j] ?? 0;
    if (offset > from) return offset;
  }
  return textLen;
}

function isClusterStart(chars: readonly string[], i: number): boolean {
  const c = chars[i];
  if (c === undefined) return true;
  const cp = c.codePointAt(0) ?? 0;
  const extends_ =
    isCombining(cp) ||
    cp === 0x200c ||
    cp === 0x200d ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0x1f3fb && cp <= 0x1f3ff);
  const afterJoiner = i > 0 && chars[i - 1] === '\u200d';
  return !extends_ && !afterJoiner;
}

function chooseWindow(
  chars: readonly string[],
  firstMatch: [number, number] | undefined,
  maxChars: number,
): [number, number] {
  const len = chars.length;
  if (len <= maxChars) return [0, len];
  const [matchStart, matchEnd] = firstMatch ?? [0, 0];
  const spare = Math.max(0, maxChars - (matchEnd - matchStart));
  let start = Math.min(Math.max(0, matchStart - Math.floor(spare / 3)), len - maxChars);
  let end = start + maxChars;
  const reach = Math.max(Math.floor(maxChars / 5), 1);
  if (start > 0) {
    const limit = Math.min(matchStart, start + reach);
    for (let i = start; i < limit; i++) {
      if (isSpace(chars[i] ?? '')) {
        start = i + 1;
        break;
      }
    }
  }
  if (end < len) {
    const floor = Math.max(matchEnd, Math.max(0, end - reach), start);
    for (let i = end - 1; i >= floor; i--) {
      if (isSpace(chars[i] ?? '')) {
        end = i;
        break;
      }
    }
  }
  while (start < Math.min(matchStart, end) && !isClusterStart(chars, start)) start += 1;
  while (end > Math.max(matchEnd, start) && !isClusterStart(chars, end)) end -= 1;
  return [start, end];
}

function render(
  chars: readonly string[],
  start: number,
  end: number,
  matches: [number, number][],
): Snippet {
  const text: string[] = [];
  let count = 0;
  if (start > 0) {
    text.push('…');
    count += 1;
  }
  const positions = new Map<number, number>();
  let pendingSpace = false;
  for (let i = start; i < end; i++) {
    const c = chars[i] ?? '';
    if (isSpace(c)) {
      positions.set(i, count);
      pendingSpace = count > (start > 0 ? 1 : 0);
      continue;
    }
    if (pendingSpace) {
      text.push(' ');
      count += 1;
      pendingSpace = false;
    }
    positions.set(i, count);
    text.push(c);
    count += 1;
  }
  positions.set(end, count);
  if (end < chars.length) text.push('…');
  const highlights: [number, number][] = [];
  for (const [ms, me] of matches) {
    const s = Math.max(ms, start);
    const e = Math.min(me, end);
    if (s >= e) continue;
    const a = positions.get(s);
    const b = positions.get(e);
    if (a === undefined || b === undefined || a >= b) continue;
    highlights.push([a, b]);
  }
  return { text: text.join(''), highlights };
}
