// Topics, agencies and localities: small, read by many screens, loaded once and again after
// each sync that brought changes.

import * as api from './api';
import type { Agency, Locality, Topic } from './types';

export const reference = $state<{ topics: Topic[]; agencies: Agency[]; localities: Locality[]; loaded: boolean }>({
  topics: [],
  agencies: [],
  localities: [],
  loaded: false,
});

export async function loadReference(): Promise<void> {
  const [topics, agencies, localities] = await Promise.all([
    api.referenceTopics(),
    api.referenceAgencies(),
    api.referenceLocalities(),
  ]);
  reference.topics = topics;
  reference.agencies = agencies;
  reference.localities = localities;
  reference.loaded = true;
}

export function topicName(id: string | null): string | null {
  if (!id) return null;
  return reference.topics.find((t) => t.id === id)?.name ?? null;
}

export function agencyName(id: string | null): string | null {
  if (!id) return null;
  return reference.agencies.find((a) => a.id === id)?.name ?? null;
}
