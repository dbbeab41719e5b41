// What the printed report writes as a Vietnamese administrative document does (Decree
// 30/2020/NĐ-CP): the date line, percentages and dates, the issuing body in capitals.

import type { IsoDate } from '../types';

/** `05/02/2026`. */
export function dateVn(date: IsoDate | null | undefined): string {
  if (!date) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : date;
}

/** A share (0 to 1) as a Vietnamese percentage with one decimal: `45,5%`. */
export function percentVn(share: number): string {
  return `${(Math.round(share * 1000) / 10).toFixed(1).replace('.', ',')}%`;
}

/**
 * The date line: days below 10 and the months January and February take a leading zero
 * ("Lâm Đồng, ngày 05 tháng 02 năm 2026", "…, ngày 15 tháng 11 năm 2026").
 */
export function dateLine(place: string, date: IsoDate): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const month = m <= 2 ? String(m).padStart(2, '0') : String(m);
  return `${place.trim() ? `${place.trim()}, ` : ''}ngày ${String(d).padStart(2, '0')} tháng ${month} năm ${y}`;
}

/** A number with Vietnamese thousands separators: `10.000`. */
export function numberVn(n: number): string {
  return new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 }).format(n);
}

/** A file size for people: `12,3 KB`, `1,2 MB` (vi) or `12.3 KB` (en). */
export function fileSize(bytes: number, language: 'vi' | 'en' = 'vi'): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = unit === 0 ? String(value) : value.toFixed(1);
  return `${language === 'vi' ? text.replace('.', ',') : text} ${units[unit]}`;
}

/** The document's title line under "BÁO CÁO". */
export function reportSubtitle(scopeLabel: string): string {
  return `Kết quả tiếp nhận, trả lời và giải quyết ý kiến, kiến nghị của Nhân dân tại hội nghị đối thoại — ${scopeLabel}`;
}
