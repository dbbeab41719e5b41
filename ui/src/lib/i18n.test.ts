import { afterEach, describe, expect, it } from 'vitest';

import { AREAS, fill, hasMessage, kindLabel, setLanguage, statusLabel, t } from './i18n';
import { QUESTION_KINDS, QUESTION_STATUSES } from './types';

afterEach(() => setLanguage('vi'));

describe('message catalogue', () => {
  for (const [area, messages] of Object.entries(AREAS)) {
    const vi = messages.vi as Record<string, string>;
    const en = messages.en as Record<string, string>;

    it(`${area}: vi and en have the same keys`, () => {
      expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort());
    });

    it(`${area}: no empty messages`, () => {
      for (const [key, text] of [...Object.entries(vi), ...Object.entries(en)]) {
        expect(typeof text, key).toBe('string');
        expect(text.trim(), key).not.toBe('');
      }
    });

    it(`${area}: keys are prefixed by an area name`, () => {
      for (const key of Object.keys(vi)) expect(key, key).toMatch(/^[a-z][A-Za-z]*\.[^.\s]/);
    });

    it(`${area}: placeholders match between languages`, () => {
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const key of Object.keys(vi)) expect(names(en[key] ?? ''), key).toEqual(names(vi[key] ?? ''));
    });
  }

  it('each key prefix belongs to one message file', () => {
    const owner = new Map<string, string>();
    for (const [area, messages] of Object.entries(AREAS)) {
      for (const key of Object.keys(messages.vi)) {
        const prefix = key.split('.')[0] ?? '';
        expect(owner.get(prefix) ?? area, `${key} in ${area}`).toBe(area);
        owner.set(prefix, area);
      }
    }
    // The areas this file merges use their own name as the prefix.
    for (const area of ['app', 'domain', 'errors', 'enrol', 'capture', 'questions', 'question', 'sync', 'settings']) {
      expect(owner.get(area), area).toBe(area);
    }
  });

  it('no key is defined by two areas', () => {
    const seen = new Map<string, string>();
    for (const [area, messages] of Object.entries(AREAS)) {
      for (const key of Object.keys(messages.vi)) {
        expect(seen.get(key), `${key} in ${area}`).toBeUndefined();
        seen.set(key, area);
      }
    }
  });

  it('names every status and kind', () => {
    for (const s of QUESTION_STATUSES) expect(hasMessage(`domain.status.${s}`), s).toBe(true);
    for (const k of QUESTION_KINDS) expect(hasMessage(`domain.kind.${k}`), k).toBe(true);
  });
});

describe('t', () => {
  it('is Vietnamese first and follows the language', () => {
    expect(t('capture.save')).toBe('Lưu ý kiến');
    expect(statusLabel('assigned')).toBe('Đã giao xử lý');
    setLanguage('en');
    expect(t('capture.save')).toBe('Save');
    expect(kindLabel('petition')).toBe('Petition');
  });

  it('fills placeholders and leaves unknown ones', () => {
    expect(t('capture.saved', { number: 'B-017' })).toBe('Đã lưu B-017');
    expect(fill('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });
});
