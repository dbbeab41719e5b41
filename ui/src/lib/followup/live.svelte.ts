// What waits on this device's user (followup_summary), shared by the header badge, the
// follow-up screen and the dashboard, and the reminders the app raises (the `reminder` event).
// The summary reloads whenever data may have changed (`live.dataVersion`).

import * as api from '../api';
import { CommandError } from '../api';
import type { FollowUp, Reminder } from '../types';

export const followup = $state<{ summary: FollowUp | null; error: CommandError | null; loading: boolean }>({
  summary: null,
  error: null,
  loading: false,
});

let generation = 0;

/** Reloads the summary; a slower, older answer never replaces a newer one. */
export async function refreshFollowUp(): Promise<void> {
  const mine = ++generation;
  followup.loading = true;
  try {
    const summary = await api.followupSummary();
    if (mine !== generation) return;
    followup.summary = summary;
    followup.error = null;
  } catch (error) {
    if (mine === generation) followup.error = CommandError.from(error);
  } finally {
    if (mine === generation) followup.loading = false;
  }
}

/** The most reminders kept for the panel; older ones are dropped. */
export const MAX_REMINDERS = 50;

export const reminders = $state<{ items: Reminder[]; hidden: boolean }>({ items: [], hidden: false });

/** Adds a reminder (a repeated key replaces the earlier one) and shows the panel again. */
export function addReminder(r: Reminder): void {
  reminders.items = [r, ...reminders.items.filter((x) => x.key !== r.key)].slice(0, MAX_REMINDERS);
  reminders.hidden = false;
}

export function dismissReminders(): void {
  reminders.hidden = true;
  reminders.items = [];
}

/** Follows the `reminder` event; resolves to the function that stops following it. */
export async function startReminders(): Promise<() => void> {
  try {
    return await api.onReminder((r) => addReminder(r));
  } catch {
    return () => {};
  }
}
