import { afterEach, describe, expect, it } from 'vitest';

import { setLanguage } from '../i18n';
import { bodyLabel, milestoneLabel, standingText, standingTone, taskStateLabel, workingDaysText } from './labels';

const s = (
  over: Partial<{
    working_days_left: number;
    overdue: boolean;
    overdue_working_days: number;
    escalated: boolean;
    due_soon: boolean;
  }>,
) => ({
  working_days_left: 5,
  overdue: false,
  overdue_working_days: 0,
  escalated: false,
  due_soon: false,
  ...over,
});

describe('standing labels', () => {
  afterEach(() => setLanguage('vi'));

  it('says where a question stands, in Vietnamese first', () => {
    expect(standingText(s({ working_days_left: 3, due_soon: true }))).toBe('còn 3 ngày làm việc');
    expect(standingText(s({ working_days_left: 0, due_soon: true }))).toBe('đến hạn hôm nay');
    expect(standingText(s({ working_days_left: -4, overdue: true, overdue_working_days: 4 }))).toBe(
      'quá hạn 4 ngày làm việc',
    );
    expect(standingText(s({ working_days_left: 0, overdue: true }))).toBe('đã quá hạn');
    expect(standingText(s({ overdue: true, overdue_working_days: 6, escalated: true }))).toBe(
      'quá hạn 6 ngày làm việc · chuyển lãnh đạo',
    );
    setLanguage('en');
    expect(standingText(s({ working_days_left: 3 }))).toBe('3 working days left');
  });

  it('tones escalated above overdue above due soon', () => {
    expect(standingTone(s({ overdue: true, escalated: true }))).toBe('escalated');
    expect(standingTone(s({ overdue: true }))).toBe('overdue');
    expect(standingTone(s({ due_soon: true }))).toBe('due-soon');
    expect(standingTone(s({}))).toBe('ok');
    expect(standingTone(null, true)).toBe('settled');
  });

  it('counts working days for a due-date field', () => {
    expect(workingDaysText(12)).toBe('12 ngày làm việc kể từ hôm nay');
    expect(workingDaysText(0)).toBe('Hạn phải sau hôm nay');
  });

  it('names the coordinating bodies, states and milestones in Vietnamese', () => {
    expect(bodyLabel('party_office')).toBe('Văn phòng cấp ủy');
    expect(bodyLabel('fatherland_front')).toBe('Ủy ban MTTQ');
    expect(bodyLabel('peoples_committee_office')).toBe('Văn phòng HĐND-UBND');
    expect(bodyLabel('mass_mobilization')).toBe('Ban Dân vận');
    expect(bodyLabel('police')).toBe('Công an');
    expect(bodyLabel('host_locality')).toBe('Địa phương tổ chức');
    expect(taskStateLabel('overdue')).toBe('Quá hạn');
    expect(milestoneLabel('public_notice')).toMatch(/7 ngày/);
  });
});
