// Dates, times and numbers as a Vietnamese reader expects them, whatever the device's own
// time zone: dialogues happen in Vietnam, so every instant is shown in Asia/Ho_Chi_Minh.
//
// Dates read 27/11/2026, times 14:05 (24-hour), numbers 10.000 in Vietnamese and 10,000 in
// English. Calendar days (`YYYY-MM-DD`) are shown as they are, never shifted by a time zone.

import type { DisplayNumber, IsoDate, Language, Timestamp } from './types';

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const LOCALES: Record<Language, string> = { vi: 'vi-VN', en: 'en-GB' };

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function dateTimeFormat(language: Language, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${language}|${JSON.stringify(options)}`;
  let f = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALES[language], { timeZone: TIME_ZONE, ...options });
    cache.set(key, f);
  }
  return f;
}

function parts(language: Language, options: Intl.DateTimeFormatOptions, instant: Date): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of dateTimeFormat(language, options).formatToParts(instant)) {
    out[part.type] = part.value;
  }
  return out;
}

function toDate(value: Timestamp | Date): Date | null {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** `27/11/2026`: the day in Vietnam of an instant. */
export function formatDate(value: Timestamp | Date, language: Language = 'vi'): string {
  const d = toDate(value);
  if (!d) return '';
  const p = parts(language, { day: '2-digit', month: '2-digit', year: 'numeric' }, d);
  return `${p.day}/${p.month}/${p.year}`;
}

/** `14:05`: the time in Vietnam of an instant, 24-hour. */
export function formatTime(value: Timestamp | Date, language: Language = 'vi'): string {
  const d = toDate(value);
  if (!d) return '';
  const p = parts(language, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, d);
  return `${p.hour}:${p.minute}`;
}

/** `14:05 27/11/2026`, the Vietnamese order (time first); English reads `27/11/2026 14:05`. */
export function formatDateTime(value: Timestamp | Date, language: Language = 'vi'): string {
  const date = formatDate(value, language);
  const time = formatTime(value, language);
  if (!date) return '';
  return language === 'vi' ? `${time} ${date}` : `${date} ${time}`;
}

/** `27/11/2026` for a calendar day `2026-11-27`, with no time zone shift. */
export function formatDay(day: IsoDate | null | undefined): string {
  if (!day) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  return `${m[3]}/${m[2]}/${m[1]}`;
}

/** The calendar day in Vietnam of an instant, as `YYYY-MM-DD`. */
export function vietnamDay(value: Timestamp | Date): IsoDate {
  const d = toDate(value);
  if (!d) return '';
  const p = parts('en', { day: '2-digit', month: '2-digit', year: 'numeric' }, d);
  return `${p.year}-${p.month}-${p.day}`;
}

/** `10.000` (vi) or `10,000` (en). */
export function formatNumber(value: number, language: Language = 'vi'): string {
  const key = `n|${language}`;
  let f = cache.get(key) as Intl.NumberFormat | undefined;
  if (!f) {
    f = new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: 1 });
    cache.set(key, f);
  }
  return f.format(value);
}

/** `B-017`: a device letter and its counter, padded to three digits (`B-1234` beyond). */
export function formatDisplayNumber(number: DisplayNumber): string {
  return `${number.letter}-${String(number.counter).padStart(3, '0')}`;
}

/** Whole days from `today` to `day` (negative when past), both `YYYY-MM-DD`. */
export function daysBetween(today: IsoDate, day: IsoDate): number {
  const a = Date.parse(`${today}T00:00:00Z`);
  const b = Date.parse(`${day}T00:00:00Z`);
  return Math.round((b - a) / 86_400_000);
}
