// The official decisions built into Townhall (crates/domain/src/calendar.rs,
// `official_decisions`), as the default follow-up policy carries them.

import type { FollowUpPolicy, YearAdjustments } from '../types';

export function officialDecisions(): YearAdjustments[] {
  return [
    {
      year: 2024,
      decisions: [
        {
          covers: ['lunar_new_year'],
          reference: 'Tết 2024: 08/02–14/02/2024 (MOLISA notice of late 2023, approved by the Prime Minister)',
          changes: [
            { date: '2024-02-08', kind: 'day_off' },
            { date: '2024-02-15', kind: 'working_day' },
          ],
        },
        {
          covers: ['victory_day', 'labour_day'],
          reference:
            '30/4–1/5/2024: 27/04–01/05/2024, Saturday 04/05 worked (MOLISA notice, approved by the Prime Minister)',
          changes: [
            { date: '2024-04-29', kind: 'day_off' },
            { date: '2024-05-04', kind: 'working_day' },
          ],
        },
        {
          covers: ['national_day'],
          reference: 'Quốc khánh 2024: 02/09–03/09/2024 (MOLISA notice of late 2023, approved by the Prime Minister)',
          changes: [],
        },
      ],
    },
    {
      year: 2025,
      decisions: [
        {
          covers: ['lunar_new_year'],
          reference: 'Tết 2025: 25/01–02/02/2025 (MOLISA notice of November 2024, approved by the Prime Minister)',
          changes: [
            { date: '2025-01-27', kind: 'day_off' },
            { date: '2025-02-03', kind: 'working_day' },
          ],
        },
        {
          covers: ['victory_day', 'labour_day'],
          reference:
            '30/4–1/5/2025: 30/04–04/05/2025, Saturday 26/04 worked (MOLISA notice of November 2024, approved by the Prime Minister)',
          changes: [
            { date: '2025-05-02', kind: 'day_off' },
            { date: '2025-04-26', kind: 'working_day' },
          ],
        },
        {
          covers: ['national_day'],
          reference:
            'Quốc khánh 2025: 01/09–02/09/2025 (MOLISA notice of November 2024, approved by the Prime Minister)',
          changes: [],
        },
      ],
    },
    {
      year: 2026,
      decisions: [
        {
          covers: ['lunar_new_year'],
          reference: 'Tết 2026: 14/02–22/02/2026 (Ministry of Home Affairs, approved by the Prime Minister in 2025)',
          changes: [],
        },
      ],
    },
  ];
}

/** `FollowUpPolicy::default()`. */
export function defaultPolicy(): FollowUpPolicy {
  return {
    answer_working_days: 15,
    escalate_after_working_days: 5,
    remind_before_working_days: 2,
    calendar: officialDecisions(),
  };
}
