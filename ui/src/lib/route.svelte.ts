// The current route, as rune state. Written only by router.ts.

import type { Route } from './router';

export const current = $state<{ route: Route }>({
  route: { name: 'home', params: {}, query: {} },
});
