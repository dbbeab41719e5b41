// What changes underneath the screens: the sync badge, and a counter that moves whenever data
// may have changed (a sync applied changes, or this device wrote something). Screens read
// `live.dataVersion` in their loading effect, so they reload by themselves.

import * as api from './api';
import type { SyncBadge } from './types';

export const live = $state<{ badge: SyncBadge | null; dataVersion: number; badgeError: boolean }>({
  badge: null,
  dataVersion: 0,
  badgeError: false,
});

/** Says that data changed here, e.g. after a save. */
export function dataChanged(): void {
  live.dataVersion += 1;
}

/** Loads the badge and follows both events; returns the function that stops following. */
export async function startLive(): Promise<() => void> {
  const stops: (() => void)[] = [];
  try {
    stops.push(await api.onSyncBadge((badge) => (live.badge = badge)));
    stops.push(await api.onDataChanged(() => dataChanged()));
  } catch {
    // Without events the badge still shows what sync_status said.
  }
  await refreshBadge();
  return () => stops.forEach((stop) => stop());
}

export async function refreshBadge(): Promise<void> {
  try {
    live.badge = await api.syncStatus();
    live.badgeError = false;
  } catch {
    live.badgeError = true;
  }
}
