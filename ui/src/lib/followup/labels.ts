// Words for where a question stands against its due date, working-day counts, and the
// follow-up enums (bodies, task kinds and states, milestones, holidays), from the catalogue.

import { t, tOr } from '../i18n';
import type { CoordinatingBody, Holiday, MilestoneKind, Standing, TaskKind, TaskState } from '../types';

/** How a standing is drawn: escalated is the loudest, then overdue, then due soon. */
export type StandingTone = 'escalated' | 'overdue' | 'due-soon' | 'ok' | 'settled';

export function standingTone(s: Standing | null | undefined, settled = false): StandingTone {
  if (!s) return settled ? 'settled' : 'ok';
  if (s.escalated) return 'escalated';
  if (s.overdue) return 'overdue';
  if (s.due_soon) return 'due-soon';
  return settled ? 'settled' : 'ok';
}

/**
 * "còn 3 ngày làm việc", "đến hạn hôm nay", "quá hạn 4 ngày làm việc", "quá hạn 6 ngày làm
 * việc · chuyển lãnh đạo"; `settled` for a question no longer waiting on its agency.
 */
export function standingText(s: Standing, settled = false): string {
  if (s.escalated) return t('followup.standing.escalated', { days: s.overdue_working_days });
  if (s.overdue)
    return s.overdue_working_days > 0
      ? t('followup.standing.overdue', { days: s.overdue_working_days })
      : t('followup.standing.overdueToday');
  if (settled) return t('followup.standing.settled');
  if (s.working_days_left <= 0) return t('followup.standing.dueToday');
  return t('followup.standing.left', { days: s.working_days_left });
}

/** "12 ngày làm việc kể từ hôm nay", or that the date must be later, for a due-date field. */
export function workingDaysText(days: number): string {
  return days > 0 ? t('followup.workingDays', { days }) : t('followup.workingDaysPast');
}

export const bodyLabel = (b: CoordinatingBody) => tOr(`followup.body.${b}`, 'app.none');
export const taskKindLabel = (k: TaskKind) => tOr(`followup.taskKind.${k}`, 'app.none');
export const taskStateLabel = (s: TaskState) => tOr(`followup.state.${s}`, 'app.none');
export const milestoneLabel = (m: MilestoneKind) => tOr(`followup.milestone.${m}`, 'app.none');
export const holidayLabel = (h: Holiday) => tOr(`followup.holiday.${h}`, 'app.none');
