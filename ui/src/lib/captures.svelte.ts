// The questions captured on this device since the app started, newest first, for the list
// under the capture form.

import type { QuestionKind } from './types';

export interface RecentCapture {
  id: string;
  number: string;
  dialogue: string;
  kind: QuestionKind;
  content: string;
  onsite: boolean;
}

export const RECENT_LIMIT = 8;

export const recent = $state<{ items: RecentCapture[] }>({ items: [] });

export function remember(capture: RecentCapture): void {
  recent.items = [capture, ...recent.items].slice(0, RECENT_LIMIT);
}
