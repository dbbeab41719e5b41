/**
 * The dashboard's numbers, computed from counts the replica answers cheaply
 * (`question_list` with a one-row page returns `total` and `by_status`), so the dashboard
 * stays fast with 100,000 questions.
 */

/** Question statuses in the order of a question's life, as the status chart shows them. */
export const STATUS_ORDER = [
  'received',
  'answered_on_site',
  'needs_written_answer',
  'assigned',
  'answered',
  'resolved',
  'reopened',
] as const;

/** A status the status chart shows. */
export type ChartedStatus = (typeof STATUS_ORDER)[number];

/** The statuses of questions that went (or go) to an agency for a written answer. */
const WRITTEN = new Set<string>(['needs_written_answer', 'assigned', 'answered', 'reopened']);

/** A status count as `question_list` returns it. */
export interface StatusCountShape {
  status: string;
  count: number;
}

/** The headline numbers. */
export interface Headline {
  total: number;
  /** Answered by the leader in the hall (including those since resolved). */
  onSite: number;
  /** Sent for a written answer (including those since answered or resolved). */
  inWriting: number;
  overdue: number;
  resolved: number;
}

/** The count of one status in a `by_status` list (0 when absent). */
export function countOf(byStatus: readonly StatusCountShape[], status: string): number {
  return byStatus.find((c) => c.status === status)?.count ?? 0;
}

/**
 * Headline numbers. A resolved question went through a written answer when it has an agency
 * (`resolvedWithAgency`, summed from per-agency counts); otherwise it was settled on the spot,
 * since `resolved` is reached only from `answered_on_site` or `answered`.
 */
export function headline(byStatus: readonly StatusCountShape[], overdue: number, resolvedWithAgency: number): Headline {
  let total = 0;
  let inWriting = 0;
  for (const { status, count } of byStatus) {
    if (status === 'merged') continue;
    total += count;
    if (WRITTEN.has(status)) inWriting += count;
  }
  const resolved = countOf(byStatus, 'resolved');
  const viaAgency = Math.min(resolved, Math.max(0, resolvedWithAgency));
  return {
    total,
    onSite: countOf(byStatus, 'answered_on_site') + (resolved - viaAgency),
    inWriting: inWriting + viaAgency,
    overdue,
    resolved,
  };
}

/** The status chart's bars, in life order, every status shown even at zero. */
export function statusSeries(
  byStatus: readonly StatusCountShape[],
  label: (status: ChartedStatus) => string,
): { key: string; label: string; value: number }[] {
  return STATUS_ORDER.map((status) => ({
    key: status,
    label: label(status),
    value: countOf(byStatus, status),
  }));
}

/**
 * A ranked series: largest first, zeros dropped, and everything past `limit` bars summed into
 * one "other" bar, so a chart of 40 topics stays readable on a tablet.
 */
export function ranked(
  items: readonly { key: string; label: string; value: number }[],
  limit: number,
  otherLabel: string,
): { key: string; label: string; value: number }[] {
  const sorted = items
    .filter((i) => i.value > 0)
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label, 'vi'));
  if (sorted.length <= limit) return sorted;
  const kept = sorted.slice(0, Math.max(1, limit - 1));
  const rest = sorted.slice(kept.length).reduce((sum, i) => sum + i.value, 0);
  return [...kept, { key: '__other', label: otherLabel, value: rest }];
}

/** A share as a whole percentage, 0 when there is nothing to share. */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 100) : 0;
}
