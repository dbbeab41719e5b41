// End-to-end tests of the built UI (ui/dist) in headless Chromium, against the real core.
//
// Run from ui/: `npm run build && npm run test:chromium` (node --test e2e/).
//
// The UI runs in Android's Chromium-based WebView on tablets and in WebKitGTK on the desktop.
// These tests drive Debian's /usr/bin/chromium through playwright-core (no browser download)
// at tablet size with touch (768×1024) and at the desktop window's size (1280×800), against
// ui/dist served by the development server (crates/devserver), which sends the
// Content-Security-Policy of src-tauri/tauri.conf.json and answers every command with the
// real townhall-core on a fresh temporary replica per page (`?dev=<scenario>`, see
// ui/README.md). Every page fails its test on a CSP violation, a console error or an
// uncaught exception. The binary is TOWNHALL_DEVSERVER_BIN (set by `cargo xtask test`), else
// target/debug/townhall-devserver under CARGO_TARGET_DIR or the repository.
//
// Screenshots go to <repo>/target/screenshots/chromium/<size>-<screen>[-<scenario>].png.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const UI_DIR = path.resolve(HERE, '..');
const REPO_ROOT = path.resolve(UI_DIR, '..');
const DIST = path.join(UI_DIR, 'dist');
const SHOTS = path.join(REPO_ROOT, 'target', 'screenshots', 'chromium');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const SIZES = {
  tablet: {
    name: '768x1024',
    options: { viewport: { width: 768, height: 1024 }, hasTouch: true, isMobile: true, deviceScaleFactor: 1 },
  },
  desktop: {
    name: '1280x800',
    options: { viewport: { width: 1280, height: 800 }, hasTouch: true },
  },
};

/** The smallest target a finger can hit reliably, in CSS pixels (WCAG 2.5.5, Material). */
const MIN_TARGET = 48;

/**
 * Targets allowed to be smaller than MIN_TARGET: only links inside running text, where a
 * 48 px box would break the line. Keep this list explicit and short.
 */
const INLINE_LINK_EXCEPTIONS = [
  // "Merged into another question — open it": the link ends the sentence of a notice on a merged question.
  'p.notice > a',
];

// The real core in a debug build, on a busy two-core machine: generous, as a wait that ends early
// costs nothing.
const MOCK_TIMEOUT = 30_000;

// ---- the development server ----

const DEVSERVER_BIN =
  process.env.TOWNHALL_DEVSERVER_BIN ??
  path.join(process.env.CARGO_TARGET_DIR ?? path.join(REPO_ROOT, 'target'), 'debug', 'townhall-devserver');

/** Starts the dev server on a free loopback port, serving ui/dist; resolves its base URL. */
function startDevServer() {
  const child = spawn(
    DEVSERVER_BIN,
    ['--listen', '127.0.0.1:0', '--dist', DIST, '--tauri-conf', path.join(REPO_ROOT, 'src-tauri', 'tauri.conf.json')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the dev server exited with ${code} before listening`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const found = /listening on (http:\/\/\S+)/.exec(out);
      if (found) resolve({ server: child, base: found[1] });
    });
  });
}

/** Runs a command through the page's own `invoke` (the same path api.ts takes). */
async function invoke(page, command, args = {}) {
  return page.evaluate(([c, a]) => window.__TAURI_INTERNALS__.invoke(c, a), [command, args]);
}

/** A control call for the page's session: `online`, `latency`, `clock`, `calls`, …. */
async function control(page, what, body) {
  return page.evaluate(
    async ([w, b]) => {
      const response = await fetch(
        `/control/${window.__townhallSession}/${w}`,
        b === undefined
          ? {}
          : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(b) },
      );
      return response.json();
    },
    [what, body],
  );
}

// ---- the browser ----

let browser;
let server;
let BASE;

// Checked before any test is defined, so a missing build fails the run with this message alone.
const MISSING = !existsSync(path.join(DIST, 'index.html'))
  ? `${path.join(DIST, 'index.html')} is missing: build the UI first (in ui/: npm run build), then run npm run test:chromium`
  : !existsSync(CHROMIUM)
    ? `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`
    : !existsSync(DEVSERVER_BIN)
      ? `no dev server at ${DEVSERVER_BIN}: cargo build -p townhall-devserver, or set TOWNHALL_DEVSERVER_BIN`
      : null;
if (MISSING) {
  console.error(`\n${MISSING}\n`);
  throw new Error(MISSING);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ({ server, base: BASE } = await startDevServer());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** Records CSP violations in the page, for `problems()`. Runs before any of the app's code. */
function watchCsp() {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(
      `${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`,
    );
  });
}

/**
 * Opens a page in `context` that records console errors, uncaught exceptions, dialogs and
 * CSP violations. `problems()` lists what went wrong so far.
 */
async function openPage(context) {
  const page = await context.newPage();
  const errors = [];
  const dialogs = [];
  page.on('console', (msg) => {
    // A command the core refuses (a validation problem, a forbidden change) is answered with
    // a 4xx, which the browser logs; the UI's handling of it is what the tests check.
    if (
      msg.type() === 'error' &&
      !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())
    )
      errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => {});
  });
  page.on('requestfailed', (req) => {
    // Leaving or reloading the page closes its event stream: not a failure.
    if (new URL(req.url()).pathname === '/events' && req.failure()?.errorText === 'net::ERR_ABORTED') return;
    errors.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  await page.addInitScript(watchCsp);
  // tauri.conf.json sets `freezePrototype`: the WebView freezes Object.prototype before the app runs.
  await page.addInitScript(() => Object.freeze(Object.prototype));
  const problems = async () => {
    let csp = [];
    try {
      csp = await page.evaluate(() => window.__cspViolations ?? []);
    } catch {
      // The page is navigating or gone; the console has reported the violation too.
    }
    return [...errors, ...csp.map((v) => `CSP: ${v}`), ...dialogs.map((d) => `dialog: ${d}`)];
  };
  return { page, errors, dialogs, problems };
}

async function assertNoProblems(p, where) {
  const found = await p.problems();
  assert.deepEqual(found, [], `${where}: console errors, exceptions, dialogs or CSP violations:\n${found.join('\n')}`);
}

/** Loads the app with `scenario` at `hash` and waits until its dev server session is open. */
async function loadApp(page, scenario, hash = '#/') {
  await page.goto(`${BASE}/?dev=${scenario}${hash}`);
  await page.waitForFunction(() => window.__townhallSession !== undefined, null, { timeout: MOCK_TIMEOUT });
}

/** Waits for no spinner and two frames, so a screenshot shows the settled screen. */
async function settle(page) {
  await page
    .waitForFunction(() => !document.querySelector('[data-testid="loading"]'), null, { timeout: MOCK_TIMEOUT })
    .catch(() => {});
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
  );
}

function shotPath(sizeName, screen, suffix = '') {
  return path.join(SHOTS, `${sizeName}-${screen}${suffix ? `-${suffix}` : ''}.png`);
}

const ALL = {
  dialogue: null,
  statuses: [],
  topic: null,
  kind: null,
  agency: null,
  overdue: false,
  escalated: false,
  include_merged: true,
};

/** Every question the page's replica holds, as the list shows them. */
async function allQuestions(page) {
  return (await invoke(page, 'question_list', { filter: ALL, sort: 'oldest', page: { offset: 0, limit: 500 } })).rows;
}

/** Ids from the page's replica: an open dialogue and a question with an answer, for the detail screens. */
async function mockIds(page) {
  // The error scenario fails every command: its screens need no ids.
  const dialogues = await invoke(page, 'dialogue_list').catch(() => null);
  if (dialogues === null)
    return {
      answered: null,
      dialogue: null,
      question: null,
      merged: null,
      rounds: null,
      repeated: null,
      planned: null,
    };
  const device = await invoke(page, 'device_info');
  const rows = await allQuestions(page);
  const dialogue = dialogues.find((d) => d.dialogue.status === 'open') ?? dialogues[0];
  // An agency sees only what is assigned to it.
  const agency = device.identity?.agency ?? null;
  const question = agency
    ? rows.find((q) => q.agency === agency)
    : (rows.find((q) => q.status === 'answered') ?? rows.find((q) => q.status !== 'merged'));
  const merged = rows.find((q) => q.merged_into !== null);
  const repeated = rows.find((q) => q.repeat_of !== null && !rows.some((o) => o.repeat_of === q.id));
  const planned = dialogues.find((d) => d.dialogue.status === 'planned');
  const answered = rows.find((q) => q.status === 'answered' && q.repeat_of === null);
  let rounds = null;
  for (const q of rows.filter((r) => r.status === 'assigned')) {
    const detail = await invoke(page, 'question_get', { id: q.id });
    if (detail.assignments.length > 1) {
      rounds = q.id;
      break;
    }
  }
  return {
    answered: answered?.id ?? null,
    dialogue: dialogue?.dialogue.id ?? null,
    question: (question ?? rows[0])?.id ?? null,
    merged: merged?.id ?? null,
    rounds,
    repeated: repeated?.id ?? null,
    planned: planned?.dialogue.id ?? null,
  };
}

// ---- checks done in the page ----

/** Horizontal overflow: the document, any scroll container that scrolls sideways, and controls narrower than their labels. */
async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const out = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth)
      out.push(`document scrollWidth ${doc.scrollWidth} > innerWidth ${window.innerWidth}`);
    for (const el of document.querySelectorAll('body *')) {
      const style = getComputedStyle(el);
      if (!['auto', 'scroll'].includes(style.overflowX)) continue;
      if (el.scrollWidth > el.clientWidth + 1) {
        const id = el.getAttribute('data-testid') ?? el.id ?? '';
        out.push(
          `<${el.tagName.toLowerCase()} class="${el.className}" ${id}> scrolls sideways: ${el.scrollWidth} > ${el.clientWidth}`,
        );
      }
    }
    // A control squeezed narrower than its label: the text runs over its padding or border.
    for (const el of document.querySelectorAll('button, .button, .chip, nav a')) {
      if (!el.checkVisibility()) continue;
      const style = getComputedStyle(el);
      const inner = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const range = document.createRange();
      range.selectNodeContents(el);
      const text = range.getBoundingClientRect().width;
      if (text > inner + 1) {
        const id = el.getAttribute('data-testid') ?? '';
        out.push(
          `<${el.tagName.toLowerCase()} class="${el.className}" ${id}> "${(el.textContent ?? '').trim().slice(0, 30)}": label ${Math.round(text)} px in ${Math.round(inner)} px`,
        );
      }
    }
    return out;
  });
}

/**
 * Every visible button, link, select, summary, chip and checkbox or radio label smaller than
 * `min` in either direction, named by test id or text.
 */
async function smallTargets(page, min, exceptions) {
  return page.evaluate(
    ({ min, exceptions }) => {
      const name = (el) => {
        const testid = el.getAttribute('data-testid') ?? el.querySelector('[data-testid]')?.getAttribute('data-testid');
        const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
        const label = el.getAttribute('aria-label');
        return `<${el.tagName.toLowerCase()}${el.className ? ` class="${el.className}"` : ''}>${testid ? ` [${testid}]` : ''} "${label ?? text}"`;
      };
      const targets = new Set();
      for (const el of document.querySelectorAll('button, a[href], select, summary, .chip, [role="button"]'))
        targets.add(el);
      for (const input of document.querySelectorAll('input[type="checkbox"], input[type="radio"]')) {
        const label =
          input.closest('label') ?? (input.id ? document.querySelector(`label[for="${CSS.escape(input.id)}"]`) : null);
        targets.add(label ?? input);
      }
      const out = [];
      for (const el of targets) {
        if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        // Moved off screen until focused (the skip link).
        if (r.right <= 0 || r.bottom <= 0) continue;
        if (exceptions.some((selector) => el.matches(selector))) continue;
        if (r.width + 0.5 < min || r.height + 0.5 < min)
          out.push(`${name(el)} ${Math.round(r.width)}×${Math.round(r.height)}`);
      }
      return out;
    },
    { min, exceptions },
  );
}

// ---- the screens ----

/**
 * The screens: where each one is (a hash, possibly needing ids from the mock), the element
 * that shows it rendered, and an optional step after it is shown (a tap that opens a panel).
 */
const SCREENS = {
  enrol: { hash: () => '#/enrol', key: '[data-testid="enrol-submit"]' },
  dialogues: { hash: () => '#/dialogues', key: '[data-testid="dialogue-row"]' },
  dialogue: { hash: (ids) => `#/dialogues/${ids.dialogue}`, key: '[data-testid="dialogue-status"]' },
  'capture-pick': { hash: () => '#/capture', key: '[data-testid="capture-pick"]' },
  capture: { hash: (ids) => `#/capture/${ids.dialogue}`, key: '[data-testid="capture-content"]' },
  questions: { hash: () => '#/questions', key: '[data-testid="question-row"]' },
  question: { hash: (ids) => `#/questions/${ids.question}`, key: '[data-testid="question-number"]' },
  'question-merged': {
    hash: (ids) => `#/questions/${ids.merged}`,
    key: '[data-testid="question-number"]',
    shows: 'p.notice > a',
  },
  review: { hash: () => '#/review', key: '[data-testid="review-row"]' },
  dashboard: { hash: () => '#/dashboard', key: '[data-testid="dashboard-headline"]' },
  work: { hash: () => '#/work', key: '[data-testid="work-row"]' },
  'work-detail': {
    hash: () => '#/work',
    key: '[data-testid="work-row"]',
    then: async (page) => {
      await page.locator('[data-testid="work-row"]').first().tap();
      await page.locator('#work-detail-title').filter({ hasText: /\d/ }).waitFor();
    },
    shows: '[data-testid="answer-content"], [data-testid="work-resolve"]',
  },
  'review-assign': {
    hash: () => '#/review',
    key: '[data-testid="review-row"]',
    then: async (page) => {
      await page.locator('[data-testid^="review-select-"]').first().tap();
      await page.getByTestId('review-assign').tap();
    },
    shows: '[data-testid="assign-agency"]',
  },
  'dialogue-create': {
    hash: () => '#/dialogues',
    key: '[data-testid="dialogue-create"]',
    then: (page) => page.getByTestId('dialogue-create').tap(),
    shows: '#dialogue-form-title',
  },
  followup: { hash: () => '#/followup', key: '[data-testid="followup-counts"]' },
  'dialogue-plan': { hash: (ids) => `#/dialogues/${ids.planned}`, key: '[data-testid="checklist"]' },
  'question-rounds': { hash: (ids) => `#/questions/${ids.rounds}`, key: '[data-testid="rounds"]' },
  'question-repeats': { hash: (ids) => `#/questions/${ids.repeated}`, key: '[data-testid="repeats-summary"]' },
  'question-reopen': {
    hash: (ids) => `#/questions/${ids.answered}`,
    key: '[data-testid="status-reopened"]',
    then: (page) => page.getByTestId('status-reopened').tap(),
    shows: '[data-testid="reopen-form"]',
  },
  reports: { hash: () => '#/reports', key: '[data-testid="report-totals"]' },
  'reports-print': {
    hash: () => '#/reports',
    key: '[data-testid="report-totals"]',
    then: (page) => page.getByTestId('report-print-view').tap(),
    shows: '[data-testid="report-doc-head"]',
  },
  sync: { hash: () => '#/sync', key: '[data-testid="sync-now"]' },
  settings: { hash: () => '#/settings', key: '[data-testid="settings-language"]' },
  'questions-empty': { hash: () => '#/questions', key: '[data-testid="empty"]' },
  'dialogues-error': { hash: () => '#/dialogues', key: '[data-testid="error"]' },
};

/**
 * Which screens each scenario shows. The first scenario to list a screen gives its main
 * screenshot (`<size>-<screen>.png`); the others add `-<scenario>`.
 */
const VISITS = [
  ['fresh', ['enrol']],
  [
    'secretariat',
    [
      'dialogues',
      'dialogue-create',
      'dialogue',
      'dialogue-plan',
      'capture-pick',
      'capture',
      'questions',
      'question',
      'question-merged',
      'question-rounds',
      'question-repeats',
      'review',
      'review-assign',
      'dashboard',
      'followup',
      'reports',
      'reports-print',
      'sync',
      'settings',
    ],
  ],
  ['agency', ['work', 'work-detail', 'questions', 'question', 'followup', 'settings']],
  ['recorder', ['dialogues', 'dialogue', 'capture', 'questions', 'question', 'sync', 'settings']],
  [
    'leader',
    [
      'dialogues',
      'dialogue',
      'questions',
      'question',
      'question-reopen',
      'question-repeats',
      'review',
      'dashboard',
      'followup',
      'reports',
    ],
  ],
  ['admin', ['dialogues', 'questions', 'question', 'reports', 'settings']],
  ['offline', ['sync']],
  ['empty', ['questions-empty']],
  ['error', ['dialogues-error']],
];

for (const size of Object.values(SIZES)) {
  describe(`every screen at ${size.name}`, () => {
    let context;
    before(async () => {
      context = await browser.newContext(size.options);
    });
    after(async () => {
      await context?.close();
    });

    const named = new Set();
    for (const [scenario, screens] of VISITS) {
      for (const screen of screens) {
        const spec = SCREENS[screen];
        const suffix = named.has(screen) ? scenario : '';
        named.add(screen);
        test(`${size.name} ${screen} (${scenario})`, async (t) => {
          const p = await openPage(context);
          const { page } = p;
          try {
            await loadApp(page, scenario);
            const ids = await mockIds(page);
            await page.evaluate((hash) => (window.location.hash = hash), spec.hash(ids));
            await page.locator(spec.key).first().waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
            if (spec.then) await spec.then(page);
            const shown = spec.shows ?? spec.key;
            const key = page.locator(shown).first();
            await key.waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
            await settle(page);
            const file = shotPath(size.name, screen, suffix);
            await page.screenshot({ path: file, fullPage: false });

            await t.test('renders its key element with no horizontal overflow', async () => {
              assert.ok(await key.isVisible(), `${shown} is not visible`);
              assert.ok(existsSync(file), `no screenshot at ${file}`);
              const overflow = await horizontalOverflow(page);
              assert.deepEqual(overflow, [], `horizontal overflow on ${screen}:\n${overflow.join('\n')}`);
            });

            await t.test(`touch targets are at least ${MIN_TARGET}×${MIN_TARGET} CSS px`, async () => {
              const small = await smallTargets(page, MIN_TARGET, INLINE_LINK_EXCEPTIONS);
              assert.deepEqual(
                small,
                [],
                `targets under ${MIN_TARGET}×${MIN_TARGET} px on ${screen} (${scenario}, ${size.name}):\n${small.join('\n')}`,
              );
            });

            await assertNoProblems(p, `${screen} (${scenario}, ${size.name})`);
          } finally {
            await page.close();
          }
        });
      }
    }
  });
}

// ---- behaviour ----

/** Opens a new context of `size` with one watched page; `close()` ends both. */
async function session(size, init) {
  const context = await browser.newContext(size.options);
  if (init) await context.addInitScript(init);
  const p = await openPage(context);
  return { ...p, context, close: () => context.close() };
}

/** Goes to `hash` in the loaded app and waits for `selector`. */
async function go(page, hash, selector) {
  await page.evaluate((h) => (window.location.hash = h), hash);
  await page.locator(selector).first().waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
}

/**
 * Taps like a finger: never sooner than TAP_GAP_MS after the page's last tap. Playwright
 * scrolls each target to the middle of the screen, so quick taps on two fields land on the
 * same point, and Chromium takes two taps there within 300 ms for a double tap (which drops
 * the text typed next). A person's taps are further apart.
 */
const TAP_GAP_MS = 400;
const lastTap = new WeakMap();
async function tap(locator) {
  const page = locator.page();
  const since = Date.now() - (lastTap.get(page) ?? 0);
  if (since < TAP_GAP_MS) await page.waitForTimeout(TAP_GAP_MS - since);
  await locator.tap();
  lastTap.set(page, Date.now());
}

/** Drags a finger up by `distance` px from (x, y) over `steps` moves: a swipe that scrolls. */
async function swipeUp(page, x, y, distance, steps = 12) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
    for (let i = 1; i <= steps; i++) {
      await cdp.send('Input.dispatchTouchEvent', {
        type: 'touchMove',
        touchPoints: [{ x, y: Math.round(y - (distance * i) / steps) }],
      });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  } finally {
    await cdp.detach();
  }
}

const activeTestId = (page) =>
  page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);

describe('behaviour', () => {
  test('capture loop with touch at 768x1024: kind, topic, content, citizen, save, next; a reload keeps the draft', async () => {
    const s = await session(SIZES.tablet);
    const { page } = s;
    try {
      await loadApp(page, 'recorder');
      const { dialogue } = await mockIds(page);
      await go(page, `#/capture/${dialogue}`, '[data-testid="capture-content"]');
      const content = page.getByTestId('capture-content');

      await tap(page.getByTestId('capture-kind-proposal'));
      assert.equal(
        await page.getByTestId('capture-kind-proposal').getAttribute('aria-pressed'),
        'true',
        'the tapped kind is chosen',
      );
      const chip = page.locator('[data-testid^="capture-topic-"]').nth(1);
      await tap(chip);
      assert.equal(await chip.getAttribute('aria-pressed'), 'true', 'the tapped topic chip is chosen');

      await tap(content);
      await page.keyboard.type('Đề nghị sửa chữa tuyến đường liên thôn trước mùa mưa.');
      await tap(page.getByTestId('capture-citizen-name'));
      await page.keyboard.type('Nguyễn Văn An');
      await tap(page.getByTestId('capture-citizen-locality'));
      await page.keyboard.type('Thôn Bình An');
      await tap(page.getByTestId('capture-citizen-phone'));
      await page.keyboard.type('0912345678');
      await tap(page.getByTestId('capture-save'));

      const saved = page.getByTestId('capture-saved-number');
      await saved.waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
      const number = (await saved.textContent())?.trim() ?? '';
      assert.match(number, /^B-\d{3}$/, `the saved number is shown (got "${number}")`);
      await page.waitForFunction(
        () => document.activeElement?.getAttribute('data-testid') === 'capture-content',
        null,
        { timeout: MOCK_TIMEOUT },
      );
      assert.equal(await content.inputValue(), '', 'the content field is empty for the next question');
      assert.equal(await page.getByTestId('capture-citizen-name').inputValue(), '', 'the citizen is cleared');
      assert.equal(
        await page.getByTestId('capture-kind-proposal').getAttribute('aria-pressed'),
        'true',
        'the kind stays for the next question',
      );
      const stored = (await allQuestions(page)).some((q) => q.number === number);
      assert.ok(stored, `the replica holds the saved question ${number}`);
      await page.screenshot({ path: shotPath(SIZES.tablet.name, 'capture-saved') });

      // Half-way through the next question, the app is reloaded (killed and restarted).
      const half = 'Xin hỏi khi nào có nước sạch về thôn';
      await tap(content);
      await page.keyboard.type(half);
      await tap(page.getByTestId('capture-citizen-name'));
      await page.keyboard.type('Trần Thị B');
      await page.reload();
      await content.waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
      await page.getByTestId('capture-draft-restored').waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
      assert.equal(await content.inputValue(), half, 'the half-typed content is restored');
      assert.equal(
        await page.getByTestId('capture-citizen-name').inputValue(),
        'Trần Thị B',
        'the half-typed name is restored',
      );
      await page.screenshot({ path: shotPath(SIZES.tablet.name, 'capture-restored') });
      await assertNoProblems(s, 'capture loop');
    } finally {
      await s.close();
    }
  });

  test('a reload right after a keystroke keeps the draft', async () => {
    const s = await session(SIZES.tablet);
    const { page } = s;
    try {
      await loadApp(page, 'recorder');
      const { dialogue } = await mockIds(page);
      await go(page, `#/capture/${dialogue}`, '[data-testid="capture-content"]');
      const content = page.getByTestId('capture-content');
      await tap(content);
      await page.keyboard.type('Mất điện');
      // No pause: the debounced save has not fired yet.
      await page.reload();
      await content.waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
      await page.getByTestId('capture-draft-restored').waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
      assert.equal(await content.inputValue(), 'Mất điện');
      await assertNoProblems(s, 'reload mid-typing');
    } finally {
      await s.close();
    }
  });

  test('XSS payloads in citizen text render as literal text on every screen that shows them', async () => {
    const payloads = [
      '<img src=x onerror="window.__xss=1">',
      '<script>window.__xss=1</script>',
      '"><svg onload="window.__xss=1">',
      'javascript:window.__xss=1',
      '{@html "<b>x</b>"} <b>đậm</b> &amp; &lt;',
      '<iframe src="https://example.invalid"></iframe>',
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
    ];
    const seen = new Set();

    /** Literal payloads on screen, and nothing injected. */
    async function check(s, where) {
      const { page } = s;
      await settle(page);
      const found = await page.evaluate((list) => {
        const text = document.body.textContent ?? '';
        const injected = [...document.querySelectorAll('img[src="x"], svg[onload], iframe, object, embed, b, script')]
          .filter((el) => !(el.tagName === 'SCRIPT' && el.getAttribute('src')?.includes('assets/')))
          .map((el) => el.outerHTML.slice(0, 80));
        const handlers = [...document.querySelectorAll('*')].flatMap((el) =>
          [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${el.tagName}[${a.name}]`),
        );
        const jsLinks = [...document.querySelectorAll('a[href]')].filter((a) =>
          a.getAttribute('href').trim().toLowerCase().startsWith('javascript:'),
        ).length;
        return {
          literal: list.filter((p) => text.includes(p)),
          injected,
          handlers,
          jsLinks,
          xss: window.__xss ?? null,
        };
      }, payloads);
      assert.ok(found.literal.length > 0, `${where}: no payload shown as text`);
      for (const p of found.literal) seen.add(p);
      assert.deepEqual(found.injected, [], `${where}: markup from citizen text became elements`);
      assert.deepEqual(found.handlers, [], `${where}: inline event handlers in the DOM`);
      assert.equal(found.jsLinks, 0, `${where}: javascript: links`);
      assert.equal(found.xss, null, `${where}: a payload ran`);
      assert.deepEqual(s.dialogs, [], `${where}: a dialog opened`);
      await assertNoProblems(s, where);
      await page.screenshot({ path: shotPath(SIZES.tablet.name, `xss-${where}`) });
    }

    const s = await session(SIZES.tablet);
    try {
      const { page } = s;
      await loadApp(page, 'xss');
      const xssRows = await allQuestions(page);
      const qid = (xssRows.find((q) => q.status === 'resolved') ?? xssRows[0]).id;
      await go(page, '#/questions', '[data-testid="question-row"]');
      await check(s, 'questions');
      await go(page, `#/questions/${qid}`, '[data-testid="question-content"]');
      await check(s, 'question');
      await go(page, '#/review', '[data-testid="review-row"]');
      await check(s, 'review');
      await go(page, '#/dialogues', '[data-testid="dialogue-row"]');
      await check(s, 'dialogues');
      await go(page, '#/questions', '[data-testid="questions-search"]');
      await tap(page.getByTestId('questions-search'));
      await page.keyboard.type('duong');
      await page.getByTestId('search-results').waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
      await check(s, 'search');
    } finally {
      await s.close();
    }

    // The agency's screen: the same world seen from the agency's device.
    const a = await session(SIZES.tablet);
    try {
      const { page } = a;
      await loadApp(a.page, 'xss-agency');
      await go(page, '#/work', '[data-testid="work-row"]');
      await check(a, 'work');
      await tap(page.getByTestId('work-row').first());
      await page.locator('#work-detail-title').filter({ hasText: /\d/ }).waitFor({ timeout: MOCK_TIMEOUT });
      await check(a, 'work-detail');
    } finally {
      await a.close();
    }

    const missing = payloads.filter((p) => !seen.has(p));
    assert.deepEqual(missing, [], 'every payload was shown somewhere as text');
  });

  test('search without diacritics marks the accented words', async () => {
    const s = await session(SIZES.tablet);
    const { page } = s;
    try {
      await loadApp(page, 'secretariat');
      await go(page, '#/questions', '[data-testid="question-row"]');
      await tap(page.getByTestId('questions-search'));
      await page.keyboard.type('duong');
      await page.getByTestId('search-results').waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
      const marks = await page.locator('[data-testid="search-results"] mark').allTextContents();
      assert.ok(marks.length > 0, 'matches are marked');
      const fold = (x) => x.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
      assert.ok(
        marks.some((m) => m.toLowerCase() === 'đường'),
        `"đường" is marked (marks: ${[...new Set(marks)].join(', ')})`,
      );
      for (const m of marks) assert.equal(fold(m), 'duong', `every mark is a match of "duong" (got "${m}")`);
      assert.ok(page.url().includes('q=duong'), 'the query is in the address');
      await page.screenshot({ path: shotPath(SIZES.tablet.name, 'search') });
      await assertNoProblems(s, 'search');
    } finally {
      await s.close();
    }
  });

  test('the support report: copied from the sync screen, with the device and its sync, and no citizen details', async () => {
    const s = await session(SIZES.tablet);
    const { page } = s;
    try {
      await loadApp(page, 'secretariat');
      await go(page, '#/sync', '[data-testid="sync-diagnostics"]');
      await tap(page.getByTestId('sync-diagnostics'));
      const box = page.getByTestId('sync-diagnostics-text');
      await box.waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
      const text = await box.inputValue();
      assert.match(text, /^schema: \d+$/m, 'the schema version');
      assert.match(text, /role secretariat/, 'the role');
      assert.match(text, /^status: unsent \d+ refused \d+/m, 'where the sync stands');
      await page.getByTestId('sync-diagnostics-state').waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
      // Whatever the questions on this device say of their citizens stays out of the report.
      const questions = await allQuestions(page);
      const named = questions.filter((q) => q.citizen && q.citizen.name);
      assert.ok(named.length > 0, 'the scenario has named citizens to leave out');
      for (const q of named) {
        assert.ok(!text.includes(q.citizen.name), `the report names ${q.citizen.name}`);
        if (q.citizen.phone) assert.ok(!text.includes(q.citizen.phone), `the report holds ${q.citizen.phone}`);
      }
      await page.screenshot({ path: shotPath(SIZES.tablet.name, 'sync-diagnostics') });
      await assertNoProblems(s, 'sync diagnostics');
    } finally {
      await s.close();
    }
  });

  test('Vietnamese by default; English in settings changes the navigation', async () => {
    const s = await session(SIZES.tablet);
    const { page } = s;
    try {
      await loadApp(page, 'secretariat');
      await go(page, '#/settings', '[data-testid="settings-language"]');
      assert.equal(await page.getByTestId('settings-language').inputValue(), 'vi');
      assert.equal((await page.getByTestId('nav-dialogues').textContent())?.trim(), 'Hội nghị');
      assert.equal((await page.getByTestId('nav-settings').textContent())?.trim(), 'Cài đặt');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'vi');

      await page.getByTestId('settings-language').selectOption('en');
      await page.waitForFunction(
        () => document.querySelector('[data-testid="nav-dialogues"]')?.textContent?.trim() === 'Dialogues',
        null,
        { timeout: MOCK_TIMEOUT },
      );
      assert.equal((await page.getByTestId('nav-questions').textContent())?.trim(), 'Questions');
      assert.equal((await page.getByTestId('nav-settings').textContent())?.trim(), 'Settings');
      assert.equal((await page.locator('h1').first().textContent())?.trim(), 'Settings');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
      // The screen switches at once; the write reaches the replica a moment later.
      let saved;
      for (let tries = 0; tries < 60 && saved !== 'en'; tries += 1) {
        if (tries > 0) await page.waitForTimeout(250);
        saved = (await invoke(page, 'settings_get')).language;
      }
      assert.equal(saved, 'en', 'the choice is saved with settings_set');
      await page.screenshot({ path: shotPath(SIZES.tablet.name, 'settings-en') });
      await assertNoProblems(s, 'language switch');
    } finally {
      await s.close();
    }
  });

  test('keyboard only at 1280x800: Tab reaches the content and save, Ctrl+Enter and Enter save', async () => {
    const s = await session(SIZES.desktop);
    const { page } = s;
    try {
      await loadApp(page, 'secretariat');
      const { dialogue } = await mockIds(page);
      await go(page, `#/capture/${dialogue}`, '[data-testid="capture-content"]');
      await page.waitForFunction(
        () => document.activeElement?.getAttribute('data-testid') === 'capture-content',
        null,
        { timeout: MOCK_TIMEOUT },
      );

      // From the top of the page, as after a fresh start: the skip link is first.
      await page.locator('a.skip').focus();
      assert.ok(await page.locator('a.skip').isVisible(), 'the skip link shows when focused');
      const tabUntil = async (testid, max, key = 'Tab') => {
        const visited = [];
        for (let i = 0; i < max; i++) {
          await page.keyboard.press(key);
          const id = await activeTestId(page);
          visited.push(id);
          if (id === testid) return visited;
        }
        assert.fail(`${testid} not reached in ${max} presses of ${key}; visited: ${visited.join(' ')}`);
      };
      let visited = await tabUntil('capture-content', 40);
      assert.ok(
        visited.includes('capture-kind-question') && visited.includes('capture-kind-grievance'),
        'the kinds come before the content',
      );

      await page.keyboard.type('Đề nghị lắp đèn chiếu sáng đường thôn.');
      visited = await tabUntil('capture-save', 60);
      for (const id of [
        'capture-citizen-name',
        'capture-citizen-locality',
        'capture-citizen-phone',
        'capture-anonymous',
        'capture-onsite',
      ]) {
        assert.ok(visited.includes(id), `${id} is on the way to save`);
      }
      visited = await tabUntil('capture-content', 60, 'Shift+Tab');

      await page.keyboard.press('Control+Enter');
      const saved = page.getByTestId('capture-saved-number');
      await saved.waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
      const first = (await saved.textContent())?.trim();
      const letter = (await invoke(page, 'device_info')).identity.letter;
      assert.match(first ?? '', new RegExp(`^${letter}-\\d{3}$`), "the number carries this device's letter");
      await page.waitForFunction(
        () => document.activeElement?.getAttribute('data-testid') === 'capture-content',
        null,
        { timeout: MOCK_TIMEOUT },
      );
      assert.equal(await page.getByTestId('capture-content').inputValue(), '');

      // The save button itself, with Enter.
      await page.keyboard.type('Đề nghị nạo vét kênh mương.');
      await tabUntil('capture-save', 60);
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid="capture-saved-number"]')?.textContent?.trim() !== n,
        first,
        { timeout: MOCK_TIMEOUT },
      );
      assert.match((await saved.textContent())?.trim() ?? '', new RegExp(`^${letter}-\\d{3}$`));
      assert.equal(await page.getByTestId('capture-content').inputValue(), '');
      await assertNoProblems(s, 'keyboard capture');
    } finally {
      await s.close();
    }
  });

  test('10,000 questions: the list stays windowed while scrolling, and rows render at the end', async (t) => {
    const s = await session(SIZES.tablet);
    const { page } = s;
    try {
      await loadApp(page, 'big');
      await go(page, '#/questions', '[data-testid="question-row"]');
      // 10,000 questions; the list leaves out the merged ones.
      const total = (await page.getByTestId('questions-total').textContent()) ?? '';
      const shown = Number(total.replace(/\D/g, ''));
      assert.ok(shown > 9000 && shown <= 10000, `the total shows the big list (got "${total}")`);
      const list = page.getByTestId('question-list');
      const rowCount = () => page.locator('[data-testid="question-row"]').count();
      assert.ok((await rowCount()) < 100, 'few rows at the top');

      // Frames are timed with requestAnimationFrame for the whole scripted scroll. The core
      // answers in another process, as in the app, so the page's thread does the UI alone.
      await page.evaluate(() => {
        const rec = { times: [], maxRows: 0, running: true };
        window.__frames = rec;
        const tick = (now) => {
          rec.times.push(now);
          rec.maxRows = Math.max(
            rec.maxRows,
            document.querySelectorAll('[data-testid="question-row"], .placeholder').length,
          );
          if (rec.running) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });

      // A few flings with a finger on the list.
      const box = await list.boundingBox();
      assert.ok(box, 'the list has a box');
      for (let i = 0; i < 3; i++) {
        await swipeUp(
          page,
          Math.round(box.x + box.width / 2),
          Math.round(box.y + box.height * 0.85),
          Math.round(box.height * 0.7),
        );
      }
      await settle(page);
      const afterFling = await list.evaluate((el) => el.scrollTop);
      assert.ok(afterFling > 0, 'touch scrolling moves the list');
      assert.ok((await rowCount()) < 100, 'few rows after touch scrolling');

      // Then a steady scripted scroll to the end, one step a frame.
      await list.evaluate(
        (el) =>
          new Promise((resolve) => {
            const steps = 240;
            const start = el.scrollTop;
            const end = el.scrollHeight - el.clientHeight;
            let i = 0;
            const step = () => {
              i += 1;
              el.scrollTop = start + ((end - start) * i) / steps;
              if (i < steps) requestAnimationFrame(step);
              else resolve();
            };
            requestAnimationFrame(step);
          }),
      );
      const frames = await page.evaluate(() => {
        const rec = window.__frames;
        rec.running = false;
        const deltas = rec.times.slice(1).map((x, i) => x - rec.times[i]);
        return {
          count: deltas.length,
          over50: deltas.filter((d) => d > 50).length,
          worst: Math.round(Math.max(0, ...deltas)),
          maxRows: rec.maxRows,
        };
      });
      const report =
        `big list scroll: ${frames.count} frames, ${frames.over50} over 50 ms (worst ${frames.worst} ms), ` +
        `at most ${frames.maxRows} rows in the page`;
      console.log(report);
      t.diagnostic(report);
      assert.ok(frames.maxRows < 100, `at most ${frames.maxRows} rows existed during the scroll`);

      // At the end: real rows (no placeholders), the last one at the bottom of the list. The
      // pages asked for on the way down are answered one after another by a debug build of the
      // core, so the last one may take a while.
      await page.waitForFunction(
        () =>
          document.querySelectorAll('[data-testid="question-list"] .placeholder').length === 0 &&
          document.querySelectorAll('[data-testid="question-row"]').length > 0,
        null,
        { timeout: 60_000 },
      );
      const end = await list.evaluate((el) => {
        const rows = [...el.querySelectorAll('[data-testid="question-row"]')];
        const listBox = el.getBoundingClientRect();
        const last = rows.reduce((a, b) =>
          b.getBoundingClientRect().bottom > a.getBoundingClientRect().bottom ? b : a,
        );
        return {
          rows: rows.length,
          gap: Math.abs(listBox.bottom - last.getBoundingClientRect().bottom),
          atEnd: el.scrollTop + el.clientHeight >= el.scrollHeight - 1,
        };
      });
      assert.ok(end.atEnd, 'the list is scrolled to the end');
      assert.ok(end.rows > 0 && end.rows < 100, `rows render at the end (${end.rows})`);
      assert.ok(end.gap <= 3, `the last row sits at the bottom of the list (gap ${end.gap} px)`);
      await page.screenshot({ path: shotPath(SIZES.tablet.name, 'questions-big-end') });
      await assertNoProblems(s, 'big list');
    } finally {
      await s.close();
    }
  });
});

// ---- follow-up and reports ----

/** The mock's own figures, computed in the page: follow-up counts and a report. */
const mockFollowUp = async (page) => {
  const f = await invoke(page, 'followup_summary');
  return {
    overdue: f.overdue,
    escalated: f.escalated,
    dueSoon: f.due_soon,
    numbers: f.questions.map((q) => q.number),
    escalatedNumbers: f.questions.filter((q) => q.standing?.escalated).map((q) => q.number),
  };
};
const digits = (text) => Number((text ?? '').replace(/\D/g, ''));

describe('follow-up and reports', () => {
  test('the overdue and escalated counts in the header open the follow-up list; the escalated filter narrows the questions', async () => {
    for (const size of [SIZES.tablet, SIZES.desktop]) {
      const s = await session(size);
      const { page } = s;
      try {
        await loadApp(page, 'leader');
        await go(page, '#/dialogues', '[data-testid="followup-badge"]');
        const expected = await mockFollowUp(page);
        assert.ok(
          expected.escalated > 0 && expected.overdue > expected.escalated,
          'the seed has escalated and merely overdue questions',
        );
        assert.equal(digits(await page.getByTestId('followup-overdue-count').textContent()), expected.overdue);
        assert.equal(digits(await page.getByTestId('followup-escalated-count').textContent()), expected.escalated);
        await tap(page.getByTestId('followup-badge'));
        await page.getByTestId('followup-counts').waitFor({ timeout: MOCK_TIMEOUT });
        const rows = await page
          .locator('[data-testid="followup-row"]')
          .evaluateAll((els) => els.map((e) => ({ number: e.dataset.number, group: e.dataset.group })));
        assert.deepEqual(
          rows.map((r) => r.number),
          expected.numbers,
          'escalated first, then the most overdue, then due soon',
        );
        assert.deepEqual(
          rows.filter((r) => r.group === 'escalated').map((r) => r.number),
          expected.escalatedNumbers,
        );
        const tones = await page
          .locator('[data-testid="followup-row"] [data-testid="standing"]')
          .evaluateAll((els) => els.map((e) => e.dataset.tone));
        assert.equal(tones[0], 'escalated', 'an escalated standing is drawn as such');
        // The leader's dashboard puts the escalated questions first.
        await go(page, '#/dashboard', '[data-testid="dashboard-escalated"]');
        // The leader's dashboard lists the first ten; its count says how many there are.
        assert.equal(
          await page.locator('[data-testid="dashboard-escalated-row"]').count(),
          Math.min(expected.escalated, 10),
        );
        assert.equal(digits(await page.getByTestId('dashboard-escalated-count').textContent()), expected.escalated);
        await page.getByTestId('scorecards').waitFor({ timeout: MOCK_TIMEOUT });
        assert.ok((await page.locator('[data-testid="scorecard"]').count()) > 0, 'agency scorecards are listed');
        await page.screenshot({ path: shotPath(size.name, 'dashboard-escalated') });
        // The escalated chip on the question list.
        await go(page, '#/questions', '[data-testid="filter-escalated"]');
        await tap(page.getByTestId('filter-escalated'));
        // The list is windowed: its total says how many match, the rows what fits.
        await page.waitForFunction(
          (n) =>
            Number(document.querySelector('[data-testid="questions-total"]')?.textContent?.replace(/\D/g, '')) === n,
          expected.escalated,
          { timeout: MOCK_TIMEOUT },
        );
        assert.ok((await page.locator('[data-testid="question-row"]').count()) > 0, 'escalated questions are listed');
        assert.ok(page.url().includes('escalated=1'), 'the filter is in the address');
        assert.equal(await page.getByTestId('filter-escalated').getAttribute('aria-pressed'), 'true');
        assert.deepEqual(await smallTargets(page, MIN_TARGET, INLINE_LINK_EXCEPTIONS), []);
        assert.deepEqual(await horizontalOverflow(page), []);
        await page.screenshot({ path: shotPath(size.name, 'questions-escalated') });
        await assertNoProblems(s, 'escalated count and filter');
      } finally {
        await s.close();
      }
    }
  });

  test('a reminder is shown in the app shortly after start and leads to its question', async () => {
    const s = await session(SIZES.tablet);
    const { page } = s;
    try {
      await loadApp(page, 'secretariat');
      const reminder = page.getByTestId('reminder').first();
      await reminder.waitFor({ state: 'visible', timeout: MOCK_TIMEOUT });
      await page.screenshot({ path: shotPath(SIZES.tablet.name, 'reminder') });
      assert.deepEqual(await smallTargets(page, MIN_TARGET, INLINE_LINK_EXCEPTIONS), []);
      const key = await reminder.getAttribute('data-key');
      await tap(reminder.locator('a'));
      if (key?.startsWith('q:')) {
        await page.getByTestId('question-number').waitFor({ timeout: MOCK_TIMEOUT });
        assert.ok(page.url().includes(key.split(':')[1]), 'the reminder opened its question');
      } else {
        await page.getByTestId('dialogue-status').waitFor({ timeout: MOCK_TIMEOUT });
      }
      assert.equal(await page.getByTestId('reminder').count(), 0, 'the panel closes once followed');
      // Settings turn reminders off, saved with settings_set.
      await go(page, '#/settings', '[data-testid="settings-reminders"]');
      await tap(page.getByTestId('settings-reminders'));
      for (let i = 0; i < 50 && (await invoke(page, 'settings_get')).reminders !== false; i += 1)
        await page.waitForTimeout(100);
      assert.equal((await invoke(page, 'settings_get')).reminders, false, 'reminders are off in the saved settings');
      await assertNoProblems(s, 'reminder');
    } finally {
      await s.close();
    }
  });

  test('reopening an answered question: reason required, agency kept, a proposed due date; a second round appears', async () => {
    const s = await session(SIZES.tablet);
    const { page } = s;
    try {
      await loadApp(page, 'leader');
      const { answered } = await mockIds(page);
      const expectedDue = await invoke(page, 'followup_default_due_date');
      await go(page, `#/questions/${answered}`, '[data-testid="status-reopened"]');
      await tap(page.getByTestId('status-reopened'));
      await page.getByTestId('reopen-form').waitFor({ timeout: MOCK_TIMEOUT });
      await page.waitForFunction(
        (d) => document.querySelector('[data-testid="reopen-due"]')?.value === d,
        expectedDue,
        { timeout: MOCK_TIMEOUT },
      );
      assert.notEqual(await page.getByTestId('reopen-agency').inputValue(), '', 'the last agency is preselected');
      assert.match((await page.locator('#reopen-due-days').textContent()) ?? '', /\d+ ngày làm việc/);
      await tap(page.getByTestId('reopen-submit'));
      await page.locator('#reopen-reason-error').waitFor({ timeout: MOCK_TIMEOUT });
      await tap(page.getByTestId('reopen-reason'));
      await page.keyboard.type('Công dân chưa đồng ý: chưa nêu thời gian sửa đường.');
      await page.screenshot({ path: shotPath(SIZES.tablet.name, 'question-reopen-form') });
      await tap(page.getByTestId('reopen-submit'));
      await page.getByTestId('rounds').waitFor({ timeout: MOCK_TIMEOUT });
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="round"]').length === 2, null, {
        timeout: MOCK_TIMEOUT,
      });
      const second = page.locator('[data-testid="round"][data-round="2"]');
      assert.match((await second.textContent()) ?? '', /chưa nêu thời gian sửa đường/);
      const status = (await invoke(page, 'question_get', { id: answered })).question.status;
      assert.equal(status, 'assigned');
      await page.getByTestId('rounds').scrollIntoViewIfNeeded();
      await page.screenshot({ path: shotPath(SIZES.tablet.name, 'question-reopened') });
      await assertNoProblems(s, 'reopen');
    } finally {
      await s.close();
    }
  });

  test('the repeated petition shows its chain; a candidate from an earlier dialogue is linked and unlinked', async () => {
    const s = await session(SIZES.desktop);
    const { page } = s;
    try {
      await loadApp(page, 'secretariat');
      const { repeated } = await mockIds(page);
      await go(page, `#/questions/${repeated}`, '[data-testid="repeats-summary"]');
      assert.equal((await page.getByTestId('repeats-summary').textContent())?.trim(), 'Đã nêu 3 lần, chưa giải quyết');
      assert.equal(await page.locator('[data-testid="repeat-item"]').count(), 3);
      // A question of the open dialogue whose words were raised before, not yet linked.
      const openDialogue = (await invoke(page, 'dialogue_list')).find((d) => d.dialogue.status === 'open');
      let target;
      for (const q of (await allQuestions(page)).filter(
        (r) => r.dialogue === openDialogue.dialogue.id && r.repeat_of === null && r.status !== 'merged',
      )) {
        if ((await invoke(page, 'question_repeat_candidates', { id: q.id, limit: 5 })).length > 0) {
          target = q.id;
          break;
        }
      }
      assert.ok(target, 'a question with candidates');
      await go(page, `#/questions/${target}`, '[data-testid="repeat-find"]');
      await tap(page.getByTestId('repeat-find'));
      const candidate = page.getByTestId('repeat-candidate').first();
      await candidate.waitFor({ timeout: MOCK_TIMEOUT });
      assert.ok((await candidate.locator('mark').count()) > 0, 'the shared words are marked');
      await page.screenshot({ path: shotPath(SIZES.desktop.name, 'question-repeat-candidates') });
      await tap(page.getByTestId('repeat-link').first());
      await page.getByTestId('repeats-summary').waitFor({ timeout: MOCK_TIMEOUT });
      assert.match((await page.getByTestId('repeats-summary').textContent()) ?? '', /Đã nêu 2 lần/);
      assert.ok((await invoke(page, 'question_get', { id: target })).question.repeat_of !== null);
      await tap(page.getByTestId('repeat-unlink'));
      await page.waitForFunction(
        async (id) => (await window.__TAURI_INTERNALS__.invoke('question_get', { id })).question.repeat_of === null,
        target,
        { timeout: MOCK_TIMEOUT, polling: 200 },
      );
      await page.getByTestId('repeats-summary').waitFor({ state: 'detached', timeout: MOCK_TIMEOUT });
      await assertNoProblems(s, 'repeat link');
    } finally {
      await s.close();
    }
  });

  test('the checklist: a task ticked done is done today; the standard checklist adds only what is missing', async () => {
    const s = await session(SIZES.tablet);
    const { page } = s;
    try {
      await loadApp(page, 'secretariat');
      const { planned, dialogue } = await mockIds(page);
      await go(page, `#/dialogues/${planned}`, '[data-testid="checklist"]');
      assert.equal(await page.locator('[data-testid="milestone"]').count(), 4);
      const overdue = page.locator('[data-testid="task"][data-state="overdue"]').first();
      await overdue.waitFor({ timeout: MOCK_TIMEOUT });
      const kind = await overdue.getAttribute('data-kind');
      await tap(overdue.getByTestId('task-done'));
      await page.waitForFunction(
        (k) => document.querySelector(`[data-testid="task"][data-kind="${k}"]`)?.dataset.state?.startsWith('done'),
        kind,
        { timeout: MOCK_TIMEOUT },
      );
      const today = await invoke(page, 'followup_dialogue_plan', {
        dialogue: (await invoke(page, 'dialogue_list'))[0].dialogue.id,
      });
      const task = today.tasks.find((t) => t.task.kind === kind);
      assert.ok(task.task.done_on, 'done_on is set');
      assert.equal(task.state, 'done_late', 'done after its due date');
      await page.screenshot({ path: shotPath(SIZES.tablet.name, 'dialogue-checklist-done') });
      // The open dialogue has every standard task: nothing is added twice.
      await go(page, `#/dialogues/${dialogue}`, '[data-testid="checklist-add-standard"]');
      const before = await page.locator('[data-testid="task"]').count();
      await tap(page.getByTestId('checklist-add-standard'));
      await page.getByTestId('plan-notice').waitFor({ timeout: MOCK_TIMEOUT });
      assert.equal(await page.locator('[data-testid="task"]').count(), before);
      await assertNoProblems(s, 'checklist');
    } finally {
      await s.close();
    }
  });

  test('the policy: read-only for a leader, refused by the backend for a non-admin, saved by an admin', async () => {
    const l = await session(SIZES.tablet);
    try {
      await loadApp(l.page, 'leader');
      await go(l.page, '#/settings', '[data-testid="policy-readonly"]');
      assert.equal(await l.page.getByTestId('policy-save').count(), 0);
      assert.match((await l.page.getByTestId('policy-answer_working_days').textContent()) ?? '', /15 ngày làm việc/);
      const policy = await invoke(l.page, 'followup_policy_get');
      const refused = await l.page.evaluate(async (p) => {
        try {
          await window.__TAURI_INTERNALS__.invoke('followup_policy_set', { policy: { ...p, answer_working_days: 10 } });
          return null;
        } catch (e) {
          return e.code;
        }
      }, policy);
      assert.equal(refused, 'forbidden');
      await assertNoProblems(l, 'policy read-only');
    } finally {
      await l.close();
    }
    const a = await session(SIZES.desktop);
    const { page } = a;
    try {
      await loadApp(page, 'admin');
      await go(page, '#/settings', '[data-testid="policy-save"]');
      const input = page.getByTestId('policy-input-answer_working_days');
      await input.fill('0');
      await tap(page.getByTestId('policy-save'));
      await page.locator('#policy-answer_working_days-error').waitFor({ timeout: MOCK_TIMEOUT });
      await input.fill('10');
      await page.getByTestId('policy-new-date').fill('2026-12-31');
      await page.getByTestId('policy-new-reference').fill('Thông báo số 99/TB-UBND ngày 01/12/2026');
      await tap(page.getByTestId('policy-add-day'));
      await page.locator('[data-testid="policy-day"][data-date="2026-12-31"]').waitFor({ timeout: MOCK_TIMEOUT });
      await tap(page.getByTestId('policy-save'));
      await page.getByTestId('policy-saved').waitFor({ timeout: MOCK_TIMEOUT });
      const p = await invoke(page, 'followup_policy_get');
      const saved = {
        days: p.answer_working_days,
        added: p.calendar
          .find((y) => y.year === 2026)
          .decisions.some((d) => d.changes.some((c) => c.date === '2026-12-31' && c.kind === 'day_off')),
      };
      assert.deepEqual(saved, { days: 10, added: true });
      await page.screenshot({ path: shotPath(SIZES.desktop.name, 'settings-policy-saved'), fullPage: true });
      await assertNoProblems(a, 'policy saved');
    } finally {
      await a.close();
    }
  });

  test('reports: a period and a dialogue give the mock’s totals; export shows the path; print view prints', async () => {
    const s = await session(SIZES.desktop);
    const { page } = s;
    try {
      await loadApp(page, 'secretariat');
      await go(page, '#/reports', '[data-testid="report-totals"]');
      // The whole year.
      await page.getByTestId('report-period-kind').selectOption('year');
      const year = Number(await page.getByTestId('report-year').inputValue());
      const expectYear = await invoke(page, 'report_get', {
        scope: { dialogue: null, period: { kind: 'year', year, index: 1 } },
      });
      await page.waitForFunction(
        (label) => document.querySelector('[data-testid="report"]')?.dataset.scope === label,
        expectYear.scope_label,
        { timeout: MOCK_TIMEOUT },
      );
      assert.equal(expectYear.scope_label, `Năm ${year}`);
      assert.equal(digits(await page.getByTestId('report-total-questions').textContent()), expectYear.totals.questions);
      assert.equal(
        digits(await page.getByTestId('report-total-on-site').textContent()),
        expectYear.totals.answered_on_site,
      );
      assert.equal(
        digits(await page.getByTestId('report-total-in-writing').textContent()),
        expectYear.totals.answered_in_writing,
      );
      assert.equal(digits(await page.getByTestId('report-total-overdue').textContent()), expectYear.totals.overdue);
      assert.equal(digits(await page.getByTestId('report-total-merged').textContent()), expectYear.totals.merged);
      const listed = (
        await invoke(page, 'question_list', {
          filter: { ...ALL, include_merged: false },
          sort: 'oldest',
          page: { offset: 0, limit: 1 },
        })
      ).total;
      assert.equal(expectYear.totals.questions, listed, 'this year holds every question the list counts');
      // One dialogue.
      await page.getByTestId('report-mode-dialogue').check();
      const { dialogue } = await mockIds(page);
      await page.getByTestId('report-dialogue').selectOption(dialogue);
      const expectDialogue = await invoke(page, 'report_get', { scope: { dialogue, period: null } });
      await page.waitForFunction(
        (label) => document.querySelector('[data-testid="report"]')?.dataset.scope === label,
        expectDialogue.scope_label,
        { timeout: MOCK_TIMEOUT },
      );
      assert.equal(
        digits(await page.getByTestId('report-total-questions').textContent()),
        expectDialogue.totals.questions,
      );
      assert.equal(
        await page.locator('[data-testid="report-question-row"]').count(),
        Math.min(50, expectDialogue.totals.questions),
      );
      await page.screenshot({ path: shotPath(SIZES.desktop.name, 'reports-dialogue') });
      // Export: the options, the path and the size; remembered for next time.
      await page.getByTestId('export-issuing_body').fill('Ủy ban nhân dân tỉnh Lâm Đồng');
      await page.getByTestId('export-place').fill('Lâm Đồng');
      await page.getByTestId('export-signer_title').fill('Phó Chủ tịch');
      await page.getByTestId('export-signer_name').fill('Nguyễn Văn Bình');
      assert.equal(await page.getByTestId('export-personal').isChecked(), false, 'personal data is off by default');
      await tap(page.getByTestId('export-docx'));
      await page.getByTestId('export-path').waitFor({ timeout: MOCK_TIMEOUT });
      assert.match(
        (await page.getByTestId('export-path').textContent()) ?? '',
        /Townhall\/bao-cao-doi-thoai-.*\.docx$/,
      );
      assert.match((await page.getByTestId('export-size').textContent()) ?? '', /KB/);
      assert.equal(await page.locator('[data-testid="export-record"]').count(), 1);
      const call = (await control(page, 'calls')).filter((c) => c.command === 'report_export').at(-1).args;
      assert.equal(call.options.include_personal_data, false);
      assert.equal(call.options.signer.name, 'Nguyễn Văn Bình');
      assert.match(await page.evaluate(() => localStorage.getItem('townhall-export-options')), /Lâm Đồng/);
      await page.screenshot({ path: shotPath(SIZES.desktop.name, 'reports-exported') });
      // The print view, in print media: no app chrome, the national heading, Times New Roman.
      await page.evaluate(() => {
        window.__printed = 0;
        window.print = () => (window.__printed += 1);
      });
      await tap(page.getByTestId('report-print'));
      await page.waitForFunction(() => window.__printed === 1, null, { timeout: MOCK_TIMEOUT });
      await page.emulateMedia({ media: 'print' });
      const printed = await page.evaluate(() => ({
        bar: getComputedStyle(document.querySelector('header.bar')).display,
        buttons: [...document.querySelectorAll('button')].filter((b) => b.checkVisibility()).length,
        heading: document.querySelector('[data-testid="report-doc-head"]')?.innerText ?? '',
        font: getComputedStyle(document.querySelector('[data-testid="report"]')).fontFamily,
        border: getComputedStyle(document.querySelector('.rt td')).borderTopStyle,
      }));
      assert.equal(printed.bar, 'none', 'no app chrome in print');
      assert.equal(printed.buttons, 0, 'no buttons in print');
      assert.match(printed.heading, /CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM/);
      assert.match(printed.heading, /Độc lập - Tự do - Hạnh phúc/);
      assert.match(printed.heading, /ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG/);
      assert.match(printed.heading, /BÁO CÁO/);
      assert.match(printed.font, /Times New Roman/);
      assert.equal(printed.border, 'solid');
      await page.screenshot({ path: shotPath(SIZES.desktop.name, 'reports-print-media'), fullPage: true });
      const pdf = await page.pdf({ format: 'A4', printBackground: false });
      assert.ok(pdf.length > 10_000, 'a PDF is written');
      writeFileSync(path.join(SHOTS, 'report.pdf'), pdf);
      await page.emulateMedia({ media: 'screen' });
      await assertNoProblems(s, 'reports');
    } finally {
      await s.close();
    }
  });

  test('an agency and an admin: no personal data choice; the agency follows up only its own', async () => {
    const s = await session(SIZES.tablet);
    const { page } = s;
    try {
      await loadApp(page, 'admin');
      await go(page, '#/reports', '[data-testid="report-totals"]');
      assert.equal(await page.getByTestId('export-personal').count(), 0);
      assert.equal(await page.getByTestId('followup-badge').count(), 0, 'an administrator follows nothing up');
      await assertNoProblems(s, 'admin reports');
    } finally {
      await s.close();
    }
    const a = await session(SIZES.tablet);
    try {
      await loadApp(a.page, 'agency');
      await go(a.page, '#/followup', '[data-testid="followup-counts"]');
      const agencyId = (await invoke(a.page, 'device_info')).identity.agency;
      const own = (await invoke(a.page, 'followup_summary')).questions.every((q) => q.agency === agencyId);
      assert.ok(own);
      assert.equal(
        await a.page.getByTestId('followup-escalated-count').count(),
        0,
        'the agency sees the overdue count only',
      );
      await assertNoProblems(a, 'agency follow-up');
    } finally {
      await a.close();
    }
  });

  test('XSS payloads render as text on the follow-up and reports screens', async () => {
    const s = await session(SIZES.tablet);
    const { page } = s;
    try {
      await loadApp(page, 'xss');
      for (const [hash, key] of [
        ['#/followup', '[data-testid="followup-row"]'],
        ['#/reports', '[data-testid="report-question-row"]'],
        ['#/dashboard', '[data-testid="dashboard-escalated"]'],
      ]) {
        await go(page, hash, key);
        await settle(page);
        const found = await page.evaluate(() => {
          const text = document.body.textContent ?? '';
          return {
            literal: text.includes('<img src=x onerror=') || text.includes('<script>'),
            injected: [
              ...document.querySelectorAll('img[src="x"], svg[onload], iframe, object, embed, b, script:not([src])'),
            ].length,
            handlers: [...document.querySelectorAll('*')].some((el) =>
              [...el.attributes].some((a) => a.name.startsWith('on')),
            ),
            xss: window.__xss ?? null,
          };
        });
        assert.ok(found.literal, `${hash}: payloads shown as text`);
        assert.equal(found.injected, 0, `${hash}: no injected elements`);
        assert.equal(found.handlers, false, `${hash}: no inline handlers`);
        assert.equal(found.xss, null, `${hash}: nothing ran`);
        await page.screenshot({ path: shotPath(SIZES.tablet.name, `xss-${hash.slice(2)}`) });
      }
      // The print view too.
      await go(page, '#/reports', '[data-testid="report-print-view"]');
      await tap(page.getByTestId('report-print-view'));
      await page.getByTestId('report-doc-head').waitFor({ timeout: MOCK_TIMEOUT });
      assert.equal(await page.evaluate(() => window.__xss ?? null), null);
      assert.deepEqual(s.dialogs, []);
      await assertNoProblems(s, 'xss follow-up and reports');
    } finally {
      await s.close();
    }
  });
});
