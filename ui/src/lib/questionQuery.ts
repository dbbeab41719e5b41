// The question list's filters as URL query parameters (`#/questions?status=assigned&overdue=1`),
// so a filtered list can be linked to, bookmarked and restored with the back button.

import type { QuestionFilter, QuestionKind, QuestionSort, QuestionStatus } from './types';
import { QUESTION_KINDS, QUESTION_SORTS, QUESTION_STATUSES } from './types';

export interface ListQuery {
  filter: QuestionFilter;
  sort: QuestionSort;
  q: string;
}

export function parseListQuery(query: Record<string, string>): ListQuery {
  const statuses = (query.status ?? '')
    .split(',')
    .filter((s): s is QuestionStatus => (QUESTION_STATUSES as readonly string[]).includes(s));
  const kind = (QUESTION_KINDS as readonly string[]).includes(query.kind ?? '') ? (query.kind as QuestionKind) : null;
  const sort = (QUESTION_SORTS as readonly string[]).includes(query.sort ?? '')
    ? (query.sort as QuestionSort)
    : 'newest';
  return {
    filter: {
      dialogue: query.dialogue || null,
      statuses,
      topic: query.topic || null,
      kind,
      agency: query.agency || null,
      overdue: query.overdue === '1' || query.overdue === 'true',
      escalated: query.escalated === '1' || query.escalated === 'true',
      include_merged: query.merged === '1',
    },
    sort,
    q: query.q ?? '',
  };
}

export function listQueryParams(l: ListQuery): Record<string, string | boolean | null> {
  return {
    dialogue: l.filter.dialogue,
    status: l.filter.statuses.join(','),
    topic: l.filter.topic,
    kind: l.filter.kind,
    agency: l.filter.agency,
    overdue: l.filter.overdue,
    escalated: l.filter.escalated,
    merged: l.filter.include_merged,
    sort: l.sort === 'newest' ? null : l.sort,
    q: l.q || null,
  };
}

/** Whether any filter narrows the list. */
export function isFiltered(f: QuestionFilter): boolean {
  return (
    f.dialogue !== null ||
    f.statuses.length > 0 ||
    f.topic !== null ||
    f.kind !== null ||
    f.agency !== null ||
    f.overdue ||
    f.escalated
  );
}
