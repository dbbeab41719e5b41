import { describe, expect, it } from 'vitest';

import { EMPTY_OPTIONS, exportOptions, parseSaved } from './options';
import { currentPeriod, periodDates, periodLabel, periodLabelEn } from './period';
import { dateLine, dateVn, fileSize, percentVn } from './print';

describe('reporting periods', () => {
  it('names periods as Vietnamese reports do', () => {
    expect(periodLabel({ kind: 'month', year: 2026, index: 11 })).toBe('Tháng 11 năm 2026');
    expect(periodLabel({ kind: 'quarter', year: 2026, index: 3 })).toBe('Quý III năm 2026');
    expect(periodLabel({ kind: 'half_year', year: 2026, index: 1 })).toBe('6 tháng đầu năm 2026');
    expect(periodLabel({ kind: 'half_year', year: 2026, index: 2 })).toBe('6 tháng cuối năm 2026');
    expect(periodLabel({ kind: 'nine_months', year: 2026, index: 1 })).toBe('9 tháng năm 2026');
    expect(periodLabel({ kind: 'year', year: 2026, index: 1 })).toBe('Năm 2026');
    expect(periodLabelEn({ kind: 'quarter', year: 2026, index: 4 })).toBe('Q4 2026');
  });

  it('gives each period its first and last day', () => {
    expect(periodDates({ kind: 'month', year: 2028, index: 2 })).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(periodDates({ kind: 'quarter', year: 2026, index: 4 })).toEqual({ from: '2026-10-01', to: '2026-12-31' });
    expect(periodDates({ kind: 'half_year', year: 2026, index: 2 })).toEqual({ from: '2026-07-01', to: '2026-12-31' });
    expect(periodDates({ kind: 'nine_months', year: 2026, index: 1 })).toEqual({
      from: '2026-01-01',
      to: '2026-09-30',
    });
    expect(periodDates({ kind: 'quarter', year: 2026, index: 5 })).toEqual({
      field: 'period.index',
      message: '1 to 4',
    });
    expect(periodDates({ kind: 'year', year: 1800, index: 1 })).toMatchObject({ field: 'period.year' });
  });

  it('finds the current period', () => {
    expect(currentPeriod('quarter', '2026-11-27')).toEqual({ kind: 'quarter', year: 2026, index: 4 });
    expect(currentPeriod('half_year', '2026-03-01')).toEqual({ kind: 'half_year', year: 2026, index: 1 });
    expect(currentPeriod('month', '2026-11-27').index).toBe(11);
  });
});

describe('the printed report', () => {
  it('writes dates, shares and the date line as Decree 30 does', () => {
    expect(dateVn('2026-02-05')).toBe('05/02/2026');
    expect(percentVn(0.455)).toBe('45,5%');
    expect(percentVn(0)).toBe('0,0%');
    expect(dateLine('Lâm Đồng', '2026-02-05')).toBe('Lâm Đồng, ngày 05 tháng 02 năm 2026');
    expect(dateLine('Lâm Đồng', '2026-11-15')).toBe('Lâm Đồng, ngày 15 tháng 11 năm 2026');
    expect(fileSize(512)).toBe('512 B');
    expect(fileSize(12_595)).toBe('12,3 KB');
    expect(fileSize(12_595, 'en')).toBe('12.3 KB');
  });

  it('remembers export options and builds the command’s', () => {
    expect(parseSaved(null)).toEqual(EMPTY_OPTIONS);
    expect(parseSaved('{not json')).toEqual(EMPTY_OPTIONS);
    const saved = parseSaved(
      JSON.stringify({
        issuing_body: 'UBND tỉnh',
        place: 'Lâm Đồng',
        signer_name: 'Nguyễn Văn B',
        signer_title: 'Chủ tịch',
        recipients: 'TT Tỉnh ủy\n\n TT HĐND tỉnh ',
        junk: 1,
      }),
    );
    const options = exportOptions(saved, 'docx', false);
    expect(options).toMatchObject({
      format: 'docx',
      include_personal_data: false,
      superior_body: null,
      issuing_body: 'UBND tỉnh',
      place: 'Lâm Đồng',
    });
    expect(options.signer).toEqual({ authority: null, title: 'Chủ tịch', name: 'Nguyễn Văn B' });
    expect(options.recipients).toEqual(['TT Tỉnh ủy', 'TT HĐND tỉnh']);
    expect(exportOptions(EMPTY_OPTIONS, 'csv', true).signer).toBeNull();
  });
});
