/**
 * Dates and times in Asia/Ho_Chi_Minh for the forms of this area.
 *
 * Vietnam keeps UTC+07:00 all year (no daylight saving since 1975), so a wall-clock time there
 * converts to UTC by a fixed offset; no time-zone database is needed, and tests do not depend
 * on the machine's zone.
 */

/** Vietnam's offset from UTC, in minutes. */
export const HCM_OFFSET_MINUTES = 7 * 60;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/u;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?$/u;

/** Whether `text` is a real calendar day written `YYYY-MM-DD`. */
export function isDate(text: string): boolean {
  const m = DATE.exec(text);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
}

/**
 * The UTC instant (RFC 3339, `Z`) of a date and a time (`HH:MM`) on a wall clock in
 * Ho Chi Minh City; `null` when either is not valid.
 */
export function hcmToUtc(date: string, time: string): string | null {
  if (!isDate(date)) return null;
  const t = TIME.exec(time);
  if (t === null) return null;
  const [h, mi, s] = [Number(t[1]), Number(t[2]), Number(t[3] ?? '0')];
  if (h > 23 || mi > 59 || s > 59) return null;
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - HCM_OFFSET_MINUTES * 60_000;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** The Ho Chi Minh City wall-clock date (`YYYY-MM-DD`) and time (`HH:MM`) of an instant. */
export function utcToHcm(instant: string | Date): { date: string; time: string } | null {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  if (Number.isNaN(ms)) return null;
  const local = new Date(ms + HCM_OFFSET_MINUTES * 60_000).toISOString();
  return { date: local.slice(0, 10), time: local.slice(11, 16) };
}

/** Today's date in Ho Chi Minh City. */
export function todayHcm(now: Date = new Date()): string {
  return utcToHcm(now)?.date ?? now.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The date `days` days after `date` (`YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
