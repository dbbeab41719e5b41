// A tiny hash router: `#/questions/0190…?status=assigned`.
//
// Routes are parsed from `location.hash` into rune state (`current.route`), so the shell
// re-renders on every change. The hash keeps the app working from a file or any origin,
// and back/forward work as in a browser.

import { current } from './route.svelte';
import type { Role } from './types';

export type RouteName =
  | 'home'
  | 'enrol'
  | 'dialogues'
  | 'dialogue'
  | 'capture'
  | 'questions'
  | 'question'
  | 'review'
  | 'dashboard'
  | 'work'
  | 'followup'
  | 'reports'
  | 'sync'
  | 'settings'
  | 'not_found';

export interface Route {
  name: RouteName;
  /** Path parameters: `id`, `dialogueId`. */
  params: Record<string, string>;
  /** Query parameters after `?`. */
  query: Record<string, string>;
}

/** The path patterns, most specific first. */
const PATTERNS: [RouteName, string[]][] = [
  ['home', []],
  ['enrol', ['enrol']],
  ['dialogues', ['dialogues']],
  ['dialogue', ['dialogues', ':id']],
  ['capture', ['capture']],
  ['capture', ['capture', ':dialogueId']],
  ['questions', ['questions']],
  ['question', ['questions', ':id']],
  ['review', ['review']],
  ['dashboard', ['dashboard']],
  ['work', ['work']],
  ['followup', ['followup']],
  ['reports', ['reports']],
  ['sync', ['sync']],
  ['settings', ['settings']],
];

/** Parses a hash such as `#/questions/abc?status=assigned`. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const search = q >= 0 ? raw.slice(q + 1) : '';
  const segments = path.split('/').filter((s) => s.length > 0);
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) query[k] = v;
  for (const [name, pattern] of PATTERNS) {
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    pattern.forEach((part, i) => {
      const segment = segments[i] ?? '';
      if (part.startsWith(':')) {
        params[part.slice(1)] = safeDecode(segment);
      } else if (part !== segment) {
        ok = false;
      }
    });
    if (ok) return { name, params, query };
  }
  return { name: 'not_found', params: {}, query };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Builds a hash from a path and query; empty query values are left out. */
export function href(path: string, query: Record<string, string | number | boolean | null | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === null || v === undefined || v === '' || v === false) continue;
    search.set(k, v === true ? '1' : String(v));
  }
  const s = search.toString();
  return `#${path.startsWith('/') ? path : `/${path}`}${s ? `?${s}` : ''}`;
}

/** The hash of a route with path parameters, e.g. `paths.question(id)`. */
export const paths = {
  enrol: () => '#/enrol',
  dialogues: () => '#/dialogues',
  dialogue: (id: string) => `#/dialogues/${encodeURIComponent(id)}`,
  capture: (dialogueId?: string) => (dialogueId ? `#/capture/${encodeURIComponent(dialogueId)}` : '#/capture'),
  questions: (query: Record<string, string | number | boolean | null | undefined> = {}) => href('/questions', query),
  question: (id: string) => `#/questions/${encodeURIComponent(id)}`,
  review: () => '#/review',
  dashboard: () => '#/dashboard',
  work: () => '#/work',
  followup: () => '#/followup',
  reports: () => '#/reports',
  sync: () => '#/sync',
  settings: () => '#/settings',
};

/** The sections in the navigation, in order. */
export const NAV_ROUTES = [
  'dialogues',
  'capture',
  'questions',
  'review',
  'dashboard',
  'work',
  'followup',
  'reports',
  'sync',
  'settings',
] as const;
export type NavRoute = (typeof NAV_ROUTES)[number];

/**
 * The sections each role may use. Leaders do not capture (permissions.rs: CaptureQuestion);
 * recorders and administrators follow nothing up (`Replica::follow_up`); reports are for those
 * who compile and read them.
 */
const ROLE_ROUTES: Record<Role, NavRoute[]> = {
  recorder: ['dialogues', 'capture', 'questions'],
  secretariat: ['dialogues', 'capture', 'questions', 'review', 'dashboard', 'followup', 'reports'],
  leader: ['dialogues', 'questions', 'review', 'dashboard', 'followup', 'reports'],
  agency: ['work', 'followup', 'questions'],
  admin: ['dialogues', 'questions', 'reports'],
};

/** The navigation sections for `role`, including sync and settings, which everyone has. */
export function navFor(role: Role): NavRoute[] {
  return [...ROLE_ROUTES[role], 'sync', 'settings'];
}

/** Whether `role` may open the route `name`. */
export function allowed(name: RouteName, role: Role): boolean {
  const nav = navFor(role);
  switch (name) {
    case 'home':
    case 'not_found':
    case 'enrol':
      return true;
    case 'dialogue':
      return nav.includes('dialogues');
    case 'question':
      return nav.includes('questions');
    default:
      return (nav as string[]).includes(name);
  }
}

/** Where a role starts. */
export function homeFor(role: Role): string {
  return role === 'agency' ? paths.work() : paths.dialogues();
}

/** The current route (reactive). */
export function route(): Route {
  return current.route;
}

/** Goes to `hash`; `replace` changes the current history entry instead of adding one. */
export function navigate(hash: string, replace = false): void {
  if (typeof window === 'undefined') {
    current.route = parseHash(hash);
    return;
  }
  if (replace) {
    history.replaceState(history.state, '', hash);
    current.route = parseHash(hash);
  } else if (window.location.hash === hash) {
    current.route = parseHash(hash);
  } else {
    window.location.hash = hash;
  }
}

/** Follows `location.hash`; returns the function that stops following it. */
export function startRouter(): () => void {
  const sync = () => {
    current.route = parseHash(window.location.hash);
  };
  sync();
  window.addEventListener('hashchange', sync);
  return () => window.removeEventListener('hashchange', sync);
}
