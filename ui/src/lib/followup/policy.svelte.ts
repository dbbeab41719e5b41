// The follow-up policy, loaded once and again when data changes, with its working-day
// calendar, for the forms that show how many working days a due date leaves.

import * as api from '../api';
import type { FollowUpPolicy } from '../types';
import { WorkingCalendar } from './calendar';

export const policyState = $state<{ policy: FollowUpPolicy | null; calendar: WorkingCalendar | null }>({
  policy: null,
  calendar: null,
});

let pending: Promise<FollowUpPolicy> | null = null;

/** The policy (cached; `fresh` reloads it). */
export async function loadPolicy(fresh = false): Promise<FollowUpPolicy> {
  if (policyState.policy && !fresh) return policyState.policy;
  if (!pending || fresh) {
    pending = api.followupPolicyGet().then((p) => {
      policyState.policy = p;
      policyState.calendar = new WorkingCalendar(p.calendar);
      return p;
    });
    pending.catch(() => (pending = null));
  }
  return pending;
}
