/**
 * The review screen's multi-selection, as immutable sets of question ids, so a Svelte `$state`
 * holding one is replaced (and re-rendered) on every change.
 */

/** The question statuses from which a question may be assigned (or reassigned) to an agency. */
export const ASSIGNABLE = new Set<string>(['received', 'needs_written_answer', 'assigned', 'reopened']);

/** The statuses from which a question may be merged into another as a duplicate. */
export const MERGEABLE = new Set<string>(['received', 'needs_written_answer', 'assigned']);

/** The statuses that still need the secretariat's action: the review list's default filter. */
export const NEEDS_ACTION = ['received', 'needs_written_answer', 'reopened'] as const;

/** Adds `id` if absent, removes it if present. */
export function toggle(selection: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(selection);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/** Selects (`on`) or unselects every id in `ids`. */
export function setMany(selection: ReadonlySet<string>, ids: Iterable<string>, on: boolean): Set<string> {
  const next = new Set(selection);
  for (const id of ids) {
    if (on) next.add(id);
    else next.delete(id);
  }
  return next;
}

/** How much of a group is selected, for its tri-state checkbox. */
export function groupState(selection: ReadonlySet<string>, ids: readonly string[]): 'none' | 'some' | 'all' {
  let count = 0;
  for (const id of ids) if (selection.has(id)) count += 1;
  if (count === 0) return 'none';
  return count === ids.length ? 'all' : 'some';
}

/** Clicking a group's checkbox: selects the whole group unless all of it already is. */
export function toggleGroup(selection: ReadonlySet<string>, ids: readonly string[]): Set<string> {
  return setMany(selection, ids, groupState(selection, ids) !== 'all');
}

/**
 * The ids from `anchor` to `target` inclusive, in display order, for shift-click and
 * shift-space. Without an anchor on screen, just the target.
 */
export function rangeIds(order: readonly string[], anchor: string | null, target: string): string[] {
  const to = order.indexOf(target);
  if (to < 0) return [];
  const from = anchor === null ? -1 : order.indexOf(anchor);
  if (from < 0) return [target];
  const [lo, hi] = from <= to ? [from, to] : [to, from];
  return order.slice(lo, hi + 1);
}

/** Drops ids that are no longer listed (after a reload, a merge or a sync). */
export function prune(selection: ReadonlySet<string>, listed: Iterable<string>): Set<string> {
  const keep = new Set(listed);
  const next = new Set<string>();
  for (const id of selection) if (keep.has(id)) next.add(id);
  return next;
}

/**
 * Splits the selected rows into those that can be assigned and those that cannot (answered
 * on the spot, answered, resolved, merged), so the screen can say which it will skip.
 */
export function splitAssignable<R extends { id: string; status: string }>(
  rows: readonly R[],
  selection: ReadonlySet<string>,
): { assignable: R[]; skipped: R[] } {
  const assignable: R[] = [];
  const skipped: R[] = [];
  for (const row of rows) {
    if (!selection.has(row.id)) continue;
    (ASSIGNABLE.has(row.status) ? assignable : skipped).push(row);
  }
  return { assignable, skipped };
}
