// The snippet cases of crates/core/src/search/fold.rs, run against the mock's port.
import { describe, expect, it } from 'vitest';

import { fold, queryTerms, snippet } from './fold';

function marked(original: string, query: string, maxChars: number): string {
  const s = snippet(original, queryTerms(query), maxChars);
  const chars = Array.from(s.text);
  let out = '';
  chars.forEach((c, i) => {
    if (s.highlights.some(([, e]) => e === i)) out += ']';
    if (s.highlights.some(([b]) => b === i)) out += '[';
    out += c;
  });
  if (s.highlights.some(([, e]) => e === chars.length)) out += ']';
  return out;
}

describe('fold', () => {
  it('drops Vietnamese diacritics and folds đ to d', () => {
    expect(fold('Bắc Bình')).toBe('bac binh');
    expect(fold('ĐƯỜNG đi')).toBe('duong di');
    expect(fold('Ba\u0306\u0301c')).toBe('bac');
    expect(fold('Ơ Ư Ỹ')).toBe('o u y');
  });

  it('splits queries into unique folded terms', () => {
    expect(queryTerms('  Bắc  bình, BAC!')).toEqual(['bac', 'binh']);
    expect(queryTerms('"NEAR(" -col:x')).toEqual(['near', 'col', 'x']);
    expect(queryTerms('...')).toEqual([]);
  });
});

describe('snippet', () => {
  it('marks matches in the original text', () => {
    expect(marked('Xã Bắc Bình thiếu nước', 'bac binh', 80)).toBe('Xã [Bắc] [Bình] thiếu nước');
    expect(marked('Xã Bắc Bình thiếu nước', 'BẮC', 80)).toBe('Xã [Bắc] Bình thiếu nước');
    expect(marked('Đường vào thôn Đông Hải', 'd', 80)).toBe('[Đ]ường vào thôn [Đ]ông Hải');
    expect(marked('Đường vào thôn', 'duo', 80)).toBe('[Đườ]ng vào thôn');
    expect(marked('Đường vào thôn', 'du đường', 80)).toBe('[Đường] vào thôn');
    expect(marked('Ba\u0306\u0301c Bình', 'ba', 80)).toBe('[Ba\u0306\u0301]c Bình');
    expect(marked('nước\n\n  sinh   hoạt ', 'sinh', 80)).toBe('nước [sinh] hoạt');
    expect(marked('không có gì', 'bac', 80)).toBe('không có gì');
    expect(marked('abac bac', 'bac', 80)).toBe('abac [bac]');
    expect(marked('', 'bac', 80)).toBe('');
    expect(marked('Bắc', '', 80)).toBe('Bắc');
    expect(marked('Bắc', 'bac', 0)).toBe('');
  });

  it('cuts long text around the first match', () => {
    const text =
      'Gia đình tôi ở thôn Đông Hải, xã Bắc Bình. Từ năm 2019 đến nay, tuyến ' +
      'đường liên thôn xuống cấp nghiêm trọng, mùa mưa ngập sâu, học sinh đi lại ' +
      'rất khó khăn. Đề nghị Sở Xây dựng sớm sửa chữa tuyến đường này.';
    expect(marked(text, 'đường', 60)).toBe('…đến nay, tuyến [đường] liên thôn xuống cấp nghiêm trọng,…');
    expect(marked(text, 'gia dinh', 30)).toBe('[Gia] [đình] tôi ở thôn Đông Hải,…');
    expect(marked(text, 'xây', 40)).toBe('…Đề nghị Sở [Xây] dựng sớm sửa chữa tuyến…');
    expect(marked(text, 'sửa chữa', 40)).toBe('…Xây dựng sớm [sửa] [chữa] tuyến đường này.');
    expect(marked(text, 'nothing', 24)).toBe('Gia đình tôi ở thôn Đông…');
  });

  it('cuts between whole characters', () => {
    const emoji = '🙂'.repeat(50) + 'bắc' + '👍🏽'.repeat(50);
    const cut = snippet(emoji, queryTerms('bac'), 10);
    expect(cut.text).toBe('…🙂🙂bắc👍🏽👍🏽…');
    expect(cut.highlights).toEqual([[3, 6]]);
  });
});
